"""A parameterised family of synthetic investigations with planted "nurbot" campaigns, for measuring detection.

The old benchmark generator (:mod:`botwatch.demo.benchmark`) plants campaigns shaped like botwatch's own
detectors expect them (tight bursts, several templates, a signing hashtag). This module is an independent
generator: every cell of :func:`scenario_grid` varies how a campaign posts (``tempo``: seconds, hours or a day
after the post), how its texts vary (templates, slots, synonym lists, paraphrase), its size and activity, and
whether a few posts are extremely hot, while every cell carries the same organic *traps* (label 0) that a good
detector must not flag:

``stock``        accounts that only type stock phrases ("Рахмет!", "Молодцы", "+++", "Согласен", ...), which
                 thousands of people repeat;
``holiday``      hundreds of unrelated accounts that each post one common greeting under one holiday post;
``superfan``     20-50 accounts that comment on nearly every post of the official channels they follow within
                 minutes, always in their own words;
``wave``         accounts registered in the same hour in batches (the ``account_created_at`` column);
``heavy``        the busiest organic commenters (with ``hot_posts``: one account with about 1 % of all comments,
                 concentrated under a few posts that hold thousands of comments);
``self_repeat``  a few accounts that post their own favourite phrase dozens of times;
``praise``       honest supporters (about 2.5 % of the commenting accounts, 1-10 comments each) who praise the
                 President and the government under the official channels' posts *in their own words*: the
                 campaigns' topic and much of their vocabulary (Президент, спасибо, рахмет, Қазақстан, Тоқаев,
                 реформы, забота, алғыс, ...), in Russian, Kazakh or both mixed, but every comment composed afresh
                 from a grammar with large lists (opening, thanks, addressee, reason, subject, deed, intensifier,
                 judgement, wish, local news, free words, emoji) with no fixed words, never a campaign template or
                 a multiword slot filler; about a third post in a weekday office-hours shift of their own, about a
                 third within minutes of the post.

Planted accounts (label 1) belong to groups ``nurbot-NN``. Each group has its own office-hours shift (weekdays in
Asia/Almaty), comments under its official channels' posts at its tempo, and writes government praise from its
own templates (``{SLOT}`` placeholders filled from the group's synonym lists, a share reworded); some groups
are registered in batches, some not, so registration alone never separates them. Every name and text is
invented.

Output of :func:`generate_scenario` (the same scenario and seed give byte-identical files):

``items.csv``          posts and comments with canonical column names, read by ``botwatch ingest`` with no flags:
                       ``item_id, account_id, kind, parent_id, root_id, channel, created_at, text,
                       account_created_at`` (timestamps ISO 8601 UTC, ``...Z``); platform "generic";
``ground_truth.csv``   ``account_id,label,group`` for every account in ``items.csv`` (channel accounts: group
                       ``page``), as ``botwatch evaluate --labels`` reads it;
``planted_items.csv``  ``item_id,group,template,paraphrased`` for every planted comment;
``templates.json``     each group's templates and slot options;
``manifest.json``      the parameters, seed, counts, per-group settings and file hashes.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from botwatch.demo.scenario_text import (  # noqa: F401  (re-exported)
    _fill,
    _headline_grammar,
    kazakh_to_latin,
    organic_texts,
    paraphrase,
    praise_texts,
)
from botwatch.demo.scenario_words import (
    _HOLIDAY_WEIGHTS,
    _STOCK_WEIGHTS,
    HOLIDAY_GREETINGS,
    PRAISE_SHARE,
    SLOTS,
    STOCK_PHRASES,
    TEMPLATES,
)

GENERATOR_VERSION = 2  # bump when the same scenario and seed would produce different files
START = 1667152800  # 2022-10-31 00:00 Asia/Almaty (UTC+6), a Monday
DAYS = 30
LOCAL_OFFSET_S = 6 * 3600
TEMPOS = ("burst", "drip", "slow")
# seconds after the post within which a group's members comment
TEMPO_LAG_S = {"burst": (10, 600), "drip": (600, 6 * 3600), "slow": (3600, 24 * 3600)}
# the narrowest spread of one group's arrivals (the widest is the whole range)
TEMPO_MIN_SPREAD_S = {"burst": 10, "drip": 1200, "slow": 3 * 3600}
TRAPS = ("stock", "holiday", "superfan", "wave", "heavy", "self_repeat", "praise")
COLUMNS = (
    "item_id",
    "account_id",
    "kind",
    "parent_id",
    "root_id",
    "channel",
    "created_at",
    "text",
    "account_created_at",
)
CHUNK_ROWS = 100_000
LANGS = ("ru", "kk", "kk-latin", "en")
LANG_SHARE = (0.55, 0.25, 0.07, 0.13)

# (name, official, posts weight, popularity, headline language)
CHANNELS = (
    ("akorda_press", True, 1.0, 1.6, "ru"),
    ("gov_kz", True, 1.2, 1.3, "ru"),
    ("primeminister_kz", True, 0.8, 1.1, "ru"),
    ("minzdrav_kz", True, 0.7, 0.9, "kk"),
    ("edu_ministry_kz", True, 0.7, 0.9, "kk"),
    ("mvd_kz", True, 0.6, 0.8, "ru"),
    ("energy_ministry_kz", True, 0.5, 0.7, "kk"),
    ("astana_akimat", True, 0.8, 1.0, "ru"),
    ("almaty_chat", False, 1.5, 1.2, "ru"),
    ("kz_news_live", False, 1.5, 1.4, "ru"),
    ("auyl_omiri", False, 0.8, 0.8, "kk"),
    ("qala_tynysy", False, 0.7, 0.8, "kk"),
    ("steppe_sports", False, 0.6, 0.7, "ru"),
)
OFFICIAL = tuple(i for i, c in enumerate(CHANNELS) if c[1])
HOLIDAY_CHANNEL = 0  # akorda_press

# Probability that a person is online at each local hour.
HUMAN_HOURS = np.array(
    [0.35, 0.2, 0.1, 0.06, 0.05, 0.08, 0.2, 0.4, 0.55, 0.6, 0.6, 0.65]
    + [0.75, 0.7, 0.6, 0.6, 0.65, 0.75, 0.9, 1.0, 1.0, 0.95, 0.8, 0.55]
)


# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """One cell of the family: the parameters of a generated investigation.

    ``n_comments`` counts every comment (planted, organic and traps; the channels' posts come on top). ``tempo``:
    "burst" (members comment 10 s-10 min after the post), "drip" (10 min-6 h) or "slow" (1-24 h); each group
    draws the spread of its arrivals within that range. ``n_templates`` (1-3) templates per group with
    ``n_slots`` (2-5) varying slots each, every varying slot filled from the group's own list of 3-8 synonyms;
    ``paraphrase`` (0-0.5) of planted comments are reworded. ``group_size`` is the range of accounts per group,
    ``active`` (0.3-1.0) the share of a group's members commenting under each post it targets, ``n_groups`` the
    number of groups, ``planted_share`` the share of comments that are planted. ``hot_posts``: four posts hold
    about 2 %, 1 %, 0.7 % and 0.5 % of all comments and one organic account writes about 1 %. ``focus``: each
    group comments under only one or two official channels (else under all of them). ``split`` says whether the
    cell may be used to tune detectors ("tune") or is kept for measuring ("held_out"); it does not change data.
    """

    name: str
    n_comments: int = 50_000
    tempo: str = "burst"
    n_templates: int = 2
    n_slots: int = 3
    paraphrase: float = 0.0
    group_size: tuple[int, int] = (5, 100)
    active: float = 0.6
    n_groups: int = 5
    hot_posts: bool = False
    focus: bool = True
    seed: int = 1
    planted_share: float = 0.06
    split: str = "held_out"

    def __post_init__(self) -> None:
        if self.tempo not in TEMPOS:
            raise ValueError(f"tempo must be one of {TEMPOS}, not {self.tempo!r}")
        if not 1 <= self.n_templates <= 3:
            raise ValueError("n_templates must be 1-3")
        if not 2 <= self.n_slots <= 5:
            raise ValueError("n_slots must be 2-5")
        if not 0.0 <= self.paraphrase <= 0.5:
            raise ValueError("paraphrase must be 0-0.5")
        lo, hi = self.group_size
        if not 2 <= lo <= hi:
            raise ValueError("group_size must be (lo, hi) with 2 <= lo <= hi")
        if not 0.3 <= self.active <= 1.0:
            raise ValueError("active must be 0.3-1.0")
        if self.n_groups < 0 or not 0.0 <= self.planted_share <= 0.5:
            raise ValueError("n_groups must be >= 0 and planted_share 0-0.5")
        if self.n_comments < 1000:
            raise ValueError("n_comments must be at least 1000")
        if self.split not in ("tune", "held_out"):
            raise ValueError("split must be 'tune' or 'held_out'")

    def params(self) -> dict:
        out = asdict(self)
        out["group_size"] = list(self.group_size)
        return out

    def key(self) -> str:
        """A hash of everything that changes the generated files (not the name or split)."""
        p = {k: v for k, v in self.params().items() if k not in ("name", "split")}
        p["generator_version"] = GENERATOR_VERSION
        return hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()[:12]


@dataclass
class ScenarioFiles:
    out_dir: Path
    items: Path
    truth: Path
    planted: Path
    templates: Path
    manifest: Path
    counts: dict = field(default_factory=dict)


def scenario_grid(size: int = 50_000, seed: int = 1) -> list[Scenario]:
    """The family: tempo x templates (1, 3) x paraphrase (0, 0.3) with group sizes, activity, slots and focus
    varied across cells, plus per tempo a heavily reworded cell, a hot-posts cell, a tiny-groups cell and a
    sparse cell (many accounts, two or three comments each) (24 cells). About a third, at least two per tempo, are ``split="tune"``, chosen by a hash of seed and name."""
    n_groups = max(3, round(5 * math.sqrt(size / 50_000)))
    sizes = [(5, 30), (10, 60), (20, 100)]
    acts = [1.0, 0.6, 0.3]
    slots = [2, 3, 5]
    cells: list[Scenario] = []
    common = {"n_comments": size, "n_groups": n_groups, "seed": seed}
    for t, tempo in enumerate(TEMPOS):
        j = 0
        for n_t in (1, 3):
            for para in (0.0, 0.3):
                cells.append(
                    Scenario(
                        name=f"{tempo}-t{n_t}-p{int(round(para * 100)):02d}",
                        tempo=tempo,
                        n_templates=n_t,
                        paraphrase=para,
                        n_slots=slots[(j + t) % 3],
                        group_size=sizes[(j + 2 * t) % 3],
                        active=acts[(2 * j + t) % 3],
                        focus=(j + t) % 2 == 0,
                        **common,
                    )
                )
                j += 1
        cells.append(Scenario(f"{tempo}-p50", tempo=tempo, n_templates=2, paraphrase=0.5, n_slots=3,
                              group_size=(10, 60), active=0.6, focus=True, **common))  # fmt: skip
        cells.append(Scenario(f"{tempo}-hot", tempo=tempo, n_templates=2, paraphrase=0.1, n_slots=3,
                              group_size=(5, 100), active=0.6, hot_posts=True, focus=t != 1, **common))  # fmt: skip
        cells.append(Scenario(f"{tempo}-tiny", tempo=tempo, n_templates=2, paraphrase=0.1, n_slots=4,
                              group_size=(5, 10), active=0.6, focus=False,
                              **{**common, "n_groups": 2 * n_groups}))  # fmt: skip
        # many accounts with a few comments each (about 2-3 per account), as real comment bots often are
        cells.append(Scenario(f"{tempo}-sparse", tempo=tempo, n_templates=3, paraphrase=0.3, n_slots=4,
                              group_size=(20, 100), active=0.3, focus=t != 2, planted_share=0.015,
                              **common))  # fmt: skip
    return _assign_splits(cells, seed)


def _assign_splits(cells: list[Scenario], seed: int) -> list[Scenario]:
    def rank(c: Scenario) -> str:
        return hashlib.sha256(f"{seed}:{c.name}".encode()).hexdigest()

    tune: set[str] = set()
    leftovers: list[Scenario] = []
    for tempo in TEMPOS:
        ordered = sorted((c for c in cells if c.tempo == tempo), key=rank)
        k = max(1, len(ordered) // 3)
        tune.update(c.name for c in ordered[:k])
        leftovers += ordered[k:]
    for c in sorted(leftovers, key=rank)[: max(0, round(len(cells) / 3) - len(tune))]:
        tune.add(c.name)
    return [Scenario(**{**c.params(), "group_size": c.group_size, "split": "tune" if c.name in tune else "held_out"})
            for c in cells]  # fmt: skip


# --- time helpers -----------------------------------------------------------------------------------------------
def _hour(t: np.ndarray) -> np.ndarray:
    return ((t - START) % 86400) // 3600


def _weekday(t: np.ndarray) -> np.ndarray:
    return ((t - START) // 86400) % 7  # START is a Monday


def _human_lags(rng: np.random.Generator, base: np.ndarray, fast: float = 1500.0) -> np.ndarray:
    """When honest people comment after ``base``: minutes to days, more often in the evening than at night."""
    n = len(base)

    def draw(m):
        k = rng.random(m)
        return (
            30
            + np.where(
                k < 0.55,
                rng.exponential(fast, m),
                np.where(k < 0.9, rng.exponential(4 * 3600, m), rng.uniform(0, 3 * 86400, m)),
            )
        ).astype(np.int64)

    t = base + draw(n)
    todo = np.arange(n)
    for _ in range(12):
        reject = rng.random(len(todo)) > HUMAN_HOURS[_hour(t[todo])]
        todo = todo[reject]
        if not len(todo):
            break
        t[todo] = base[todo] + draw(len(todo))
    return t


def _iso(t: np.ndarray) -> pa.Array:
    ts = pa.array(np.asarray(t, dtype="datetime64[s]"))
    return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")


HOT_SHARE = (0.02, 0.01, 0.007, 0.005)  # of all comments, under each of the four hot posts


# --- generation -------------------------------------------------------------------------------------------------
class _Rows:
    """Comment rows collected from each part of the world before they are sorted by time."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []
        self.fixed: list[str] = []  # texts written as they are (planted, traps), referred to by index

    def add_fixed(self, texts: list[str]) -> np.ndarray:
        """Keep ``texts``; return their indices for ``add(text_ref=...)``."""
        start = len(self.fixed)
        self.fixed.extend(texts)
        return np.arange(start, start + len(texts))

    def add(self, t, post, author, text_ref=None, fixed_kind=0, reply_ok=False, planted=-1) -> None:
        n = len(t)
        self.parts.append(
            {
                "t": np.asarray(t, np.int64),
                "post": np.asarray(post, np.int64),
                "author": np.asarray(author, np.int64),
                # -1: an organic grammar text; else an index into the fixed texts
                "text_ref": np.full(n, -1, np.int64) if text_ref is None else np.asarray(text_ref, np.int64),
                "reply_ok": np.full(n, reply_ok, bool),
                "planted": np.full(n, planted, np.int64)
                if np.isscalar(planted)
                else np.asarray(planted, np.int64),
            }
        )

    def total(self) -> int:
        return sum(len(p["t"]) for p in self.parts)

    def concat(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def generate_scenario(scenario: Scenario, out_dir: str | Path) -> ScenarioFiles:
    """Write one cell's files under ``out_dir`` (see the module docstring); return their paths and counts.

    Each part draws from its own stream seeded from ``seed``: the world (posts, people, traps), the planted
    groups, honest praise, the regular organic comments, replies and ids, headlines and each chunk of texts."""
    s = scenario
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = s.n_comments
    rng_world = np.random.default_rng([s.seed, 1])
    rng_camp = np.random.default_rng([s.seed, 2, s.n_groups, s.n_templates, s.n_slots])
    rng_org = np.random.default_rng([s.seed, 3])
    world = _world_posts(rng_world, n, s.hot_posts)
    people = _world_people(rng_world, n)
    rows = _Rows()
    stock_base = len(rows.fixed)
    rows.add_fixed(list(STOCK_PHRASES))
    groups, planted_texts, bot_created = _plant(
        s, rng_camp, world.post_t, world.post_ch, people.n, rows, rows.add_fixed
    )
    n_bots = sum(g["size"] for g in groups)
    planted_n = rows.total()
    _personal_traps(rng_world, n, world, people, rows, stock_base)
    _busy_traps(rng_world, s, world, people, rows)
    # honest praise in their own words (its own random stream, so that the other traps stay as they were)
    _praise(
        np.random.default_rng([s.seed, 7]),
        people.praisers,
        world.post_t,
        world.post_ch,
        world.popularity,
        rows,
        rows.add_fixed,
    )
    _regular_comments(rng_org, s, world, people, rows, stock_base)
    from botwatch.demo.scenario_files import write_files  # it reads this module's tables

    return write_files(s, out, rows, rows.fixed, planted_texts, groups, bot_created, people.n, people.lang,
                  people.created, people.role, world.post_t, world.post_ch, world.holiday_post, world.hot,
                  planted_n, n_bots)  # fmt: skip


@dataclass
class _World:
    """The channels' posts in time order, their popularity, the holiday post and the hot posts."""

    post_t: np.ndarray
    post_ch: np.ndarray
    popularity: np.ndarray
    holiday_post: int
    hot: np.ndarray

    @property
    def p(self) -> np.ndarray:
        """Chance that a comment goes under each post."""
        return self.popularity / self.popularity.sum()


@dataclass
class _People:
    """The organic people: language, creation time, role, the members of each trap, and how often each
    writes an ordinary comment (``regular_weight``)."""

    lang: np.ndarray
    created: np.ndarray
    role: np.ndarray
    superfans: np.ndarray
    holiday: np.ndarray
    stock: np.ndarray
    heavy: np.ndarray
    self_repeat: np.ndarray
    waves: np.ndarray
    praisers: np.ndarray
    regular_weight: np.ndarray

    @property
    def n(self) -> int:
        return len(self.lang)


def _world_posts(rng, n: int, hot_posts: bool) -> _World:
    """About one post per 100 comments over the channels (official ones in office hours), plus the holiday
    post (akorda_press, day 16 at 09:00); with ``hot_posts``, four posts that draw a share of all comments."""
    n_posts = int(np.clip(n // 100, 150, 3000))
    weights = np.array([c[2] for c in CHANNELS])
    per_channel = rng.multinomial(n_posts, weights / weights.sum())
    post_ch = np.repeat(np.arange(len(CHANNELS)), per_channel)
    official = np.array([CHANNELS[c][1] for c in post_ch])
    day = rng.integers(0, DAYS, len(post_ch))
    sec = np.where(
        official,
        rng.integers(8 * 3600, 21 * 3600 + 1800, len(post_ch)),
        rng.integers(7 * 3600, 23 * 3600, len(post_ch)),
    )
    post_t = START + day * 86400 + sec
    post_ch = np.append(post_ch, HOLIDAY_CHANNEL)
    post_t = np.append(post_t, START + 16 * 86400 + 9 * 3600)
    order = np.argsort(post_t, kind="stable")
    holiday_post = int(np.flatnonzero(order == len(post_t) - 1)[0])
    post_ch, post_t = post_ch[order], post_t[order]
    n_posts = len(post_t)
    popularity = np.minimum(rng.lognormal(0.0, 1.0, n_posts), 15.0)
    popularity *= np.array([CHANNELS[c][3] for c in post_ch])
    popularity[holiday_post] = max(popularity[holiday_post], 3.0)
    hot = np.zeros(0, np.int64)
    if hot_posts:
        cand = np.flatnonzero(np.arange(n_posts) != holiday_post)
        hot = rng.choice(cand, size=4, replace=False)
    return _World(post_t, post_ch, popularity, holiday_post, hot)


def _world_people(rng, n: int) -> _People:
    """The organic people and the trap roles drawn among them (superfans, holiday greeters, stock phrasers,
    heavy commenters, self-repeaters, registration waves, praisers)."""
    n_people = max(1500, n // 7)
    person_lang = rng.choice(4, size=n_people, p=LANG_SHARE)
    activity = rng.pareto(1.8, n_people) + 0.3
    created = rng.integers(1325354400, START - 10 * 86400, n_people)  # 2012-01-01 .. 10 days before
    role = np.full(n_people, "organic", dtype=object)
    perm = rng.permutation(n_people)
    cursor = 0

    def take(k: int, name: str) -> np.ndarray:
        nonlocal cursor
        idx = np.sort(perm[cursor : cursor + k])
        cursor += k
        role[idx] = name
        return idx

    superfans = take(int(np.clip(n // 1000, 20, 50)), "superfan")
    holiday_people = take(int(np.clip(n // 250, 60, 1500)), "holiday")
    stock_people = take(int(np.clip(n // 40, 100, 25_000)), "stock")
    heavy = take(4, "heavy")
    self_repeat = take(int(rng.integers(5, 11)), "self_repeat")
    wave_sizes = rng.integers(15, 61, int(np.clip(n_people // 1500, 3, 40)))
    waves = take(int(wave_sizes.sum()), "wave")
    wave_id = np.repeat(np.arange(len(wave_sizes)), wave_sizes)
    wave_hour = (rng.integers(1546279200, START - 30 * 86400, len(wave_sizes)) // 3600) * 3600
    created[waves] = wave_hour[wave_id] + rng.integers(0, 3600, len(waves))
    praisers = take(max(10, round(PRAISE_SHARE * min(n_people, n / 3.5))), "praise")
    regular_weight = activity.copy()
    regular_weight[stock_people] = 0.0
    regular_weight[heavy] = 0.0
    regular_weight[self_repeat] *= 0.3
    regular_weight[praisers] = 0.0
    return _People(person_lang, created, role, superfans, holiday_people, stock_people, heavy, self_repeat,
                   waves, praisers, regular_weight)  # fmt: skip


def _personal_traps(rng, n: int, world: _World, people: _People, rows: _Rows, stock_base: int) -> None:
    """Superfans, holiday greeters, stock-phrase accounts and self-repeaters: honest accounts that look
    coordinated to a careless detector."""
    post_t, post_ch = world.post_t, world.post_ch
    n_posts = len(post_t)
    holiday_deco = ["", "", "", " 🇰🇿", " 🎉", " ❤️", "!", " 🙏", " 💐"]
    # superfans: nearly every post of the official channels they follow, within minutes, in their own words
    for p in people.superfans:
        follow = rng.choice(OFFICIAL, size=int(rng.integers(1, 4)), replace=False)
        posts = np.flatnonzero(np.isin(post_ch, follow))
        posts = posts[rng.random(len(posts)) < rng.uniform(0.85, 0.97)]
        lag = 20 + rng.exponential(150, len(posts)).astype(np.int64)
        rows.add(post_t[posts] + lag, posts, np.full(len(posts), p))
    # holiday greetings: once each under the holiday post
    k = len(people.holiday)
    g_pick = rng.choice(len(HOLIDAY_GREETINGS), size=k, p=_HOLIDAY_WEIGHTS / _HOLIDAY_WEIGHTS.sum())
    deco = rng.integers(0, len(holiday_deco), k)
    refs = rows.add_fixed([HOLIDAY_GREETINGS[g] + holiday_deco[d] for g, d in zip(g_pick, deco)])
    rows.add(_human_lags(rng, np.full(k, post_t[world.holiday_post]), 2400.0), np.full(k, world.holiday_post),
             people.holiday, refs)  # fmt: skip
    # stock-phrase accounts: 1-6 stock phrases each under random posts
    per = rng.integers(1, 7, len(people.stock))
    authors = np.repeat(people.stock, per)
    posts = rng.choice(n_posts, size=len(authors), p=world.p)
    phrase = rng.choice(len(STOCK_PHRASES), size=len(authors), p=_STOCK_WEIGHTS / _STOCK_WEIGHTS.sum())
    rows.add(_human_lags(rng, post_t[posts]), posts, authors, stock_base + phrase)
    # self-repeaters: their own favourite phrase, dozens of times
    fav = organic_texts(rng, people.lang[people.self_repeat]).to_pylist()
    for p, phrase_text in zip(people.self_repeat, fav):
        c = int(np.clip(n // 2000, 8, 150) * rng.uniform(0.6, 1.4))
        posts = rng.choice(n_posts, size=c, p=world.p)
        tails = ["", "", "", "!", " 👍", "!!", " 🙏"]
        refs = rows.add_fixed([phrase_text + tails[int(x)] for x in rng.integers(0, len(tails), c)])
        rows.add(_human_lags(rng, post_t[posts]), posts, np.full(c, p), refs)


def _busy_traps(rng, s: Scenario, world: _World, people: _People, rows: _Rows) -> None:
    """Registration waves (each comments at least once), heavy commenters and, with hot posts, the crowds
    under them."""
    n, post_t, popularity, hot = s.n_comments, world.post_t, world.popularity, world.hot
    n_posts = len(post_t)
    per = rng.integers(1, 4, len(people.waves))
    authors = np.repeat(people.waves, per)
    posts = rng.choice(n_posts, size=len(authors), p=world.p)
    rows.add(_human_lags(rng, post_t[posts]), posts, authors, reply_ok=True)
    # heavy commenters: with hot posts one writes ~1 % of all comments, three ~0.3 %, half under the hot posts
    heavy_share = [0.01, 0.003, 0.003, 0.003] if s.hot_posts else [0.002, 0.0015, 0.0015, 0.001]
    busy = np.argsort(-popularity)[: max(10, n_posts // 20)]
    for p, share in zip(people.heavy, heavy_share):
        c = max(20, int(share * n))
        on_hot = rng.random(c) < (0.5 if len(hot) else 0.0)
        posts = np.where(on_hot, rng.choice(hot, size=c) if len(hot) else 0, rng.choice(busy, size=c))
        lag = 15 + rng.exponential(900, c).astype(np.int64)
        rows.add(post_t[posts] + lag, posts, np.full(c, p), reply_ok=True)
    # hot posts: extra comments from many people, mostly in the first hours
    weight = people.regular_weight / people.regular_weight.sum()
    for post, share in zip(hot, HOT_SHARE):
        c = int(share * n)
        authors = rng.choice(people.n, size=c, p=weight)
        t = _human_lags(rng, np.full(c, post_t[post]), 1800.0)
        rows.add(t, np.full(c, post), authors, reply_ok=True)


def _regular_comments(rng, s: Scenario, world: _World, people: _People, rows: _Rows, stock_base: int) -> None:
    """Regular organic comments fill the rest (4 % of them a stock phrase)."""
    n = s.n_comments
    n_regular = n - rows.total()
    if n_regular < n * 0.3:
        raise ValueError(f"{s.name}: traps and planted comments leave only {n_regular} organic comments")
    posts = rng.choice(len(world.post_t), size=n_regular, p=world.p)
    authors = rng.choice(people.n, size=n_regular, p=people.regular_weight / people.regular_weight.sum())
    stocky = rng.random(n_regular) < 0.04
    refs = np.where(stocky, stock_base + rng.choice(len(STOCK_PHRASES), size=n_regular,
                                                     p=_STOCK_WEIGHTS / _STOCK_WEIGHTS.sum()), -1)  # fmt: skip
    rows.add(_human_lags(rng, world.post_t[posts]), posts, authors, refs, reply_ok=True)


def _plant(s: Scenario, rng, post_t, post_ch, n_people, rows: _Rows, add_fixed):
    """Planted groups: members, shift, channels, tempo window, templates; their comments go into ``rows``."""
    sizes = rng.integers(s.group_size[0], s.group_size[1] + 1, s.n_groups) if s.n_groups else np.zeros(0, int)
    weight = sizes * rng.uniform(0.5, 1.5, len(sizes))  # some groups are busier than others
    budget = s.planted_share * s.n_comments * weight / max(1e-9, weight.sum())
    bank = _TemplateBank(rng.permutation(len(TEMPLATES)))
    groups = []
    planted_texts: list[dict] = []
    bot_created = np.zeros(int(sizes.sum()), np.int64)
    first = n_people
    for g in range(s.n_groups):
        size = int(sizes[g])
        gid = f"nurbot-{g + 1:02d}"
        plan = _group_plan(s, rng, size)
        # registration: half the groups in one batch (within an hour or three), the rest spread over years
        base = first - n_people
        if rng.random() < 0.5:
            t0 = START - int(rng.integers(20, 200)) * 86400 + int(rng.integers(0, 86400))
            bot_created[base : base + size] = t0 + rng.integers(0, 3600 * int(rng.integers(1, 4)), size)
            plan["batch"] = True
        else:
            bot_created[base : base + size] = rng.integers(1420070400, START - 30 * 86400, size)
            plan["batch"] = False
        templates = [_group_template(s, rng, ti) for ti in bank.choose(s.n_templates, rng)]
        want = int(math.ceil(budget[g] / max(1.0, size * s.active)))
        events, t, ev, mem = _group_comments(s, rng, plan, size, want, post_t, post_ch)
        info = dict(gid=gid, size=size, templates=templates, events=len(events))
        if t is None:
            groups.append(_group_info(**info, comments=0, **plan))
            first += size
            continue
        texts, tids, para = [], [], []
        for _ in range(len(ev)):
            j = int(rng.integers(len(templates)))
            text = _fill(templates[j]["template"], templates[j]["slots"], rng)
            p = bool(rng.random() < s.paraphrase)
            if p:
                text = paraphrase(text, rng)
            texts.append(text)
            tids.append(j)
            para.append(p)
        refs = add_fixed(texts)
        rows.add(t, ev, first + mem, refs, planted=g)
        planted_texts += [{"group": gid, "template": j, "paraphrased": p} for j, p in zip(tids, para)]
        groups.append(_group_info(**info, comments=len(t), **plan))
        first += size
    return groups, planted_texts, bot_created


def _group_plan(s: Scenario, rng, size: int) -> dict:
    """A group's channels (one or two official ones when focused, else all), weekday shift and lag window."""
    lo, hi = TEMPO_LAG_S[s.tempo]
    if s.focus:
        w = np.array([CHANNELS[c][3] for c in OFFICIAL])
        channels = rng.choice(OFFICIAL, size=int(rng.integers(1, 3)), replace=False, p=w / w.sum())
    else:
        channels = np.array(OFFICIAL)
    shift_start = int(rng.integers(8, 11))
    shift_end = shift_start + int(rng.integers(8, 11))
    min_spread = TEMPO_MIN_SPREAD_S[s.tempo]
    spread = float(np.exp(rng.uniform(np.log(min_spread), np.log(hi - lo))))
    w0 = float(rng.uniform(lo, hi - spread))
    return {"channels": channels, "s0": shift_start, "s1": shift_end, "w0": w0, "spread": spread}


class _TemplateBank:
    """The templates in a seeded order; each group takes the next unused ones, sometimes one of an earlier
    group's."""

    def __init__(self, order: np.ndarray) -> None:
        self.order, self.used, self.next = order, [], 0

    def choose(self, k: int, rng) -> list[int]:
        chosen: list[int] = []
        for _ in range(k):
            if self.used and rng.random() < 0.2 and not chosen:
                cand = [u for u in self.used if u not in chosen]
                chosen.append(int(cand[int(rng.integers(len(cand)))]))
            else:
                while int(self.order[self.next % len(TEMPLATES)]) in chosen:
                    self.next += 1
                chosen.append(int(self.order[self.next % len(TEMPLATES)]))
                self.next += 1
        self.used += [c for c in chosen if c not in self.used]
        return chosen


def _group_template(s: Scenario, rng, ti: int) -> dict:
    """Template ``ti`` of the bank with ``n_slots`` varying slots, each filled from 3-8 of the bank's words."""
    text = TEMPLATES[ti]
    names = re.findall(r"\{(\w+)\}", text)
    varying = set(rng.choice(len(names), size=s.n_slots, replace=False).tolist())
    opts = {}
    for j, name in enumerate(names):
        bank = SLOTS[name]
        k = int(rng.integers(3, 9)) if j in varying else 1
        opts[name] = [bank[int(x)] for x in rng.choice(len(bank), size=k, replace=False)]
    return {"bank_index": ti, "template": text, "slots": opts, "varying": sorted(names[j] for j in varying)}


def _group_comments(s: Scenario, rng, plan: dict, size: int, want: int, post_t, post_ch) -> tuple:
    """The posts a group targets, and the time, post and member of each of its comments (None when it
    targets none). Eligible posts: some point of the lag window falls in the shift; a focused group whose
    channels have too few such posts for its share of comments takes on another official channel."""
    s0, s1, w0, spread = plan["s0"], plan["s1"], plan["w0"], plan["spread"]
    while True:
        cand = np.flatnonzero(np.isin(post_ch, plan["channels"]))
        grid = post_t[cand, None] + (w0 + spread * (np.arange(24) + 0.5) / 24).astype(np.int64)[None, :]
        eligible = cand[_in_shift(grid, s0, s1).any(axis=1)]
        others = [c for c in OFFICIAL if c not in plan["channels"]]
        if len(eligible) >= want or not others:
            break
        plan["channels"] = np.append(plan["channels"], others[int(rng.integers(len(others)))])
    events = np.sort(rng.choice(eligible, size=min(want, len(eligible)), replace=False))
    ev_rows, members = [], []
    for e in events:
        active = np.flatnonzero(rng.random(size) < s.active)
        if len(active) < 2:
            active = rng.choice(size, size=2, replace=False)
        ev_rows.append(np.full(len(active), e))
        members.append(active)
    if not ev_rows:
        return events, None, None, None
    ev = np.concatenate(ev_rows)
    mem = np.concatenate(members)
    cands = post_t[ev, None] + (w0 + spread * rng.random((len(ev), 32))).astype(np.int64)
    in_shift = _in_shift(cands, s0, s1)
    has = in_shift.any(axis=1)
    t = cands[np.arange(len(ev)), in_shift.argmax(axis=1)]
    return events, t[has], ev[has], mem[has]


def _praise(rng, people, post_t, post_ch, popularity, rows: _Rows, add_fixed) -> None:
    """Honest supporters: 1-10 comments each under the official channels they follow; a third in a weekday
    office-hours shift of their own, a third within minutes of the post, the rest whenever people comment."""
    k = len(people)
    per = rng.integers(1, 11, k)
    style = rng.choice(3, size=k, p=[0.35, 0.3, 0.35])  # office hours, within minutes, whenever
    lang = rng.choice(3, size=k, p=[0.5, 0.3, 0.2])  # Russian, Kazakh, both
    weekday, hour = _weekday(post_t) < 5, _hour(post_t)
    ts, ps = [], []
    for i in range(k):
        follow = rng.choice(OFFICIAL, size=int(rng.integers(1, 4)), replace=False)
        start = int(rng.integers(8, 11))
        end = start + int(rng.integers(7, 10))
        # office hours: posts of a weekday before the end of the shift
        cand = np.flatnonzero(
            np.isin(post_ch, follow) & ((weekday & (hour < end - 1)) if style[i] == 0 else True)
        )
        if not len(cand):
            cand = np.flatnonzero(np.isin(post_ch, OFFICIAL))
        w = popularity[cand]
        c = int(per[i])
        posts = rng.choice(cand, size=c, replace=c > len(cand), p=w / w.sum())
        if style[i] == 0:
            tries = post_t[posts, None] + (60 + rng.exponential(3 * 3600, (c, 24))).astype(np.int64)
            ok = _in_shift(tries, start, end)
            t = np.where(ok.any(axis=1), tries[np.arange(c), ok.argmax(axis=1)], tries[:, 0])
        elif style[i] == 1:
            t = post_t[posts] + 20 + rng.exponential(240, c).astype(np.int64)
        else:
            t = _human_lags(rng, post_t[posts])
        ts.append(t)
        ps.append(posts)
    refs = add_fixed(praise_texts(rng, np.repeat(lang, per)).to_pylist())
    rows.add(np.concatenate(ts), np.concatenate(ps), np.repeat(people, per), refs)


def _in_shift(t: np.ndarray, start_h: int, end_h: int) -> np.ndarray:
    h = _hour(t)
    return (_weekday(t) < 5) & (h >= start_h) & (h < end_h)


def _group_info(gid, size, channels, s0, s1, w0, spread, batch, templates, events, comments) -> dict:
    return {
        "group": gid,
        "size": size,
        "channels": [CHANNELS[int(c)][0] for c in channels],
        "shift_local": f"Mon-Fri {s0:02d}:00-{s1:02d}:00",
        "lag_window_s": [round(w0), round(w0 + spread)],
        "batch_registered": batch,
        "templates": templates,
        "posts_targeted": int(events),
        "comments": int(comments),
    }
