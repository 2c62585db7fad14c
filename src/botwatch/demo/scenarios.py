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
import pyarrow.csv as pacsv

from botwatch.demo.scenario_words import (
    _EN,
    _EN_PATTERNS,
    _HEAD_KK,
    _HEAD_PATTERNS,
    _HEAD_RU,
    _HOLIDAY_WEIGHTS,
    _INFLECT,
    _KK,
    _KK_LATIN,
    _KK_PATTERNS,
    _PRAISE_KK,
    _PRAISE_PATTERNS,
    _PRAISE_RU,
    _RU,
    _RU_PATTERNS,
    _STOCK_WEIGHTS,
    CLOSERS,
    DECORATIONS,
    HOLIDAY_GREETINGS,
    HOLIDAY_POST,
    LANGUAGE_MIX,
    PARAPHRASE_SYNONYMS,
    PRAISE_CLOSERS,
    PRAISE_SEPARATORS,
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


# --- vectorised text --------------------------------------------------------------------------------------------
class _Grammar:
    """Flattened grammar: each row picks a pattern of its language, each pattern position an option of its
    category; ``W`` positions pick a word from the language's whole vocabulary."""

    def __init__(self, specs: list[tuple[dict[str, list[str]], list[str], str]]):
        options: list[str] = []
        cat_start, cat_size = [], []
        pat_cats: list[int] = []
        pat_off, pat_len, lang_pat_start, lang_pat_n = [], [], [], []
        for cats, patterns, lang in specs:
            ids: dict[str, int] = {}
            vocab = sorted(
                {
                    w.strip(",.?!")
                    for name, opts in cats.items()
                    if name != "OPEN"
                    for o in opts
                    for w in o.split()
                }
                - {""}
            )
            free = sorted(_INFLECT[lang](set(cats.get("W", []))) | set(vocab))
            for name, opts in {**cats, "W": free}.items():
                ids[name] = len(cat_start)
                cat_start.append(len(options))
                cat_size.append(len(opts))
                options += opts
            lang_pat_start.append(len(pat_off))
            lang_pat_n.append(len(patterns))
            for p in patterns:
                names = p.split()
                pat_off.append(len(pat_cats))
                pat_len.append(len(names))
                pat_cats += [ids[n] for n in names]
        self.options = pa.array(options, pa.string())
        self.cat_start, self.cat_size = np.array(cat_start), np.array(cat_size)
        self.pat_cats, self.pat_off, self.pat_len = np.array(pat_cats), np.array(pat_off), np.array(pat_len)
        self.lang_pat_start, self.lang_pat_n = np.array(lang_pat_start), np.array(lang_pat_n)

    def sentences(self, rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
        n = len(langs)
        pat = self.lang_pat_start[langs] + (rng.random(n) * self.lang_pat_n[langs]).astype(np.int64)
        lens = self.pat_len[pat]
        offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int32)
        row = np.repeat(np.arange(n), lens)
        pos = np.arange(len(row)) - offsets[:-1][row]
        cat = self.pat_cats[self.pat_off[pat[row]] + pos]
        pick = self.cat_start[cat] + (rng.random(len(row)) * self.cat_size[cat]).astype(np.int64)
        words = self.options.take(pa.array(pick))
        return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), " ")


_GRAMMAR: _Grammar | None = None
_HEADLINES: _Grammar | None = None


def _grammar() -> _Grammar:
    global _GRAMMAR
    if _GRAMMAR is None:  # ru, kk, kk-latin (kk text, transliterated afterwards), en
        _GRAMMAR = _Grammar(
            [
                (_RU, _RU_PATTERNS, "ru"),
                (_KK, _KK_PATTERNS, "kk"),
                (_KK, _KK_PATTERNS, "kk"),
                (_EN, _EN_PATTERNS, "en"),
            ]
        )
    return _GRAMMAR


def _headline_grammar() -> _Grammar:
    global _HEADLINES
    if _HEADLINES is None:
        _HEADLINES = _Grammar(
            [
                (
                    {**_HEAD_RU, "W": _RU["W"]},
                    [_HEAD_PATTERNS["ru"] + " W W W W", _HEAD_PATTERNS["ru"] + " W W W W W"],
                    "ru",
                ),
                (
                    {**_HEAD_KK, "W": _KK["W"]},
                    [_HEAD_PATTERNS["kk"] + " W W W W", _HEAD_PATTERNS["kk"] + " W W W W W"],
                    "kk",
                ),
            ]
        )
    return _HEADLINES


def kazakh_to_latin(arr: pa.Array) -> pa.Array:
    """Kazakh Cyrillic to the 2021 Latin alphabet (lower case), vectorised."""
    out = pc.utf8_lower(arr)
    for cyr, lat in _KK_LATIN.items():
        out = pc.replace_substring(out, cyr, lat)
    return out


def organic_texts(rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
    """Honest comments of 3-30 words: one to three grammar sentences, sometimes free words, a closer."""
    g = _grammar()
    n = len(langs)
    n_sent = 1 + (rng.random(n) < 0.45).astype(np.int64) + (rng.random(n) < 0.2).astype(np.int64)
    s1, s2, s3 = (g.sentences(rng, langs) for _ in range(3))
    sep2 = pa.array(np.array([", ", ". ", " - ", " и ", "; "])[rng.integers(0, 5, n)])
    sep3 = pa.array(np.array([". ", "! ", ", ", "... "])[rng.integers(0, 4, n)])
    text = _join_sentences(n_sent, s1, sep2, s2, sep3, s3)
    closers = pa.array(CLOSERS).take(pa.array(rng.integers(0, len(CLOSERS), n)))
    text = pc.binary_join_element_wise(text, closers, "")
    latin = langs == 2
    if latin.any():
        idx = np.flatnonzero(latin)
        text = pc.replace_with_mask(text, pa.array(latin), kazakh_to_latin(text.take(pa.array(idx))))
    return text


def _join_sentences(n_sent: np.ndarray, s1, sep2, s2, sep3, s3) -> pa.Array:
    """The first sentence, then the second and third (each after its separator) where ``n_sent`` asks for them."""
    empty = pa.scalar("")
    return pc.binary_join_element_wise(
        s1,
        pc.if_else(pa.array(n_sent >= 2), pc.binary_join_element_wise(sep2, s2, ""), empty),
        pc.if_else(pa.array(n_sent >= 3), pc.binary_join_element_wise(sep3, s3, ""), empty),
        "",
    )


_PRAISE: _Grammar | None = None


def _praise_grammar() -> _Grammar:
    global _PRAISE
    if _PRAISE is None:  # Russian, Kazakh
        _PRAISE = _Grammar([(_PRAISE_RU, _PRAISE_PATTERNS, "ru"), (_PRAISE_KK, _PRAISE_PATTERNS, "kk")])
    return _PRAISE


def praise_texts(rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
    """Honest praise of the government (``langs``: 0 Russian, 1 Kazakh, 2 both, switching between sentences): one
    to three sentences of the praise grammar, sometimes one of everyday talk, and an emoji or punctuation."""
    g = _praise_grammar()
    n = len(langs)
    n_sent = 1 + (rng.random(n) < 0.5).astype(np.int64) + (rng.random(n) < 0.2).astype(np.int64)
    s1, s2, s3 = (g.sentences(rng, np.where(langs == 2, rng.integers(0, 2, n), langs)) for _ in range(3))
    everyday = rng.random(n) < 0.15
    s2 = pc.if_else(pa.array(everyday), _grammar().sentences(rng, np.where(langs == 2, 0, langs)), s2)
    n_sent = np.where(everyday, np.maximum(n_sent, 2), n_sent)
    seps = np.array(PRAISE_SEPARATORS)
    sep2 = pa.array(seps[rng.integers(0, len(seps), n)])
    sep3 = pa.array(seps[rng.integers(0, len(seps), n)])
    text = _join_sentences(n_sent, s1, sep2, s2, sep3, s3)
    closers = pa.array(PRAISE_CLOSERS).take(pa.array(rng.integers(0, len(PRAISE_CLOSERS), n)))
    return pc.binary_join_element_wise(text, closers, "")


def _fill(template: str, options: dict[str, list[str]], rng: np.random.Generator) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: options[m.group(1)][int(rng.integers(len(options[m.group(1)])))], template
    )


_TOKEN = re.compile(r"^(\W*)(.*?)(\W*)$")


def paraphrase(text: str, rng: np.random.Generator) -> str:
    """Reword a planted comment with two to four of: clauses swapped, one or two words dropped, synonyms,
    emoji or punctuation added, Russian and Kazakh words mixed."""
    ops = sorted(rng.choice(5, size=int(rng.integers(2, 5)), replace=False).tolist())
    for op in ops:
        if op == 0:  # swap two clauses
            parts = [p for p in re.split(r"(?<=[.!?,:;])\s+", text) if p]
            if len(parts) >= 2:
                i = int(rng.integers(len(parts) - 1))
                parts[i], parts[i + 1] = parts[i + 1], parts[i]
                text = " ".join(parts)
        elif op == 1:  # drop one or two words
            words = text.split()
            if len(words) > 5:
                k = 1 + int(rng.random() < 0.5)
                drop = set(rng.choice(np.arange(1, len(words)), size=k, replace=False).tolist())
                text = " ".join(w for i, w in enumerate(words) if i not in drop)
        elif op in (2, 4):  # synonyms / the other language
            table = PARAPHRASE_SYNONYMS if op == 2 else LANGUAGE_MIX
            words = text.split()
            for i, w in enumerate(words):
                pre, core, post = _TOKEN.match(w).groups()
                alt = table.get(core.lower())
                if alt is not None and rng.random() < 0.7:
                    pick = alt if isinstance(alt, str) else alt[int(rng.integers(len(alt)))]
                    words[i] = pre + pick + post
            text = " ".join(words)
        else:  # decorations
            deco = DECORATIONS[int(rng.integers(len(DECORATIONS)))]
            text = f"{deco} {text}" if rng.random() < 0.3 else f"{text} {deco}"
            if rng.random() < 0.3:
                text = text.replace("!", "!!", 1)
    return text


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


# --- generation -------------------------------------------------------------------------------------------------
class _Rows:
    """Comment rows collected from each part of the world before they are sorted by time."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

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
    """Write one cell's files under ``out_dir`` (see the module docstring); return their paths and counts."""
    s = scenario
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = s.n_comments
    rng_world = np.random.default_rng([s.seed, 1])
    rng_camp = np.random.default_rng([s.seed, 2, s.n_groups, s.n_templates, s.n_slots])
    rng_org = np.random.default_rng([s.seed, 3])

    # posts ------------------------------------------------------------------------------------------------------
    n_posts = int(np.clip(n // 100, 150, 3000))
    weights = np.array([c[2] for c in CHANNELS])
    per_channel = rng_world.multinomial(n_posts, weights / weights.sum())
    post_ch = np.repeat(np.arange(len(CHANNELS)), per_channel)
    official = np.array([CHANNELS[c][1] for c in post_ch])
    day = rng_world.integers(0, DAYS, len(post_ch))
    sec = np.where(
        official,
        rng_world.integers(8 * 3600, 21 * 3600 + 1800, len(post_ch)),
        rng_world.integers(7 * 3600, 23 * 3600, len(post_ch)),
    )
    post_t = START + day * 86400 + sec
    # the holiday post: akorda_press, day 16 at 09:00
    post_ch = np.append(post_ch, HOLIDAY_CHANNEL)
    post_t = np.append(post_t, START + 16 * 86400 + 9 * 3600)
    order = np.argsort(post_t, kind="stable")
    holiday_post = int(np.flatnonzero(order == len(post_t) - 1)[0])
    post_ch, post_t = post_ch[order], post_t[order]
    n_posts = len(post_t)
    popularity = np.minimum(rng_world.lognormal(0.0, 1.0, n_posts), 15.0)
    popularity *= np.array([CHANNELS[c][3] for c in post_ch])
    popularity[holiday_post] = max(popularity[holiday_post], 3.0)
    hot = np.zeros(0, np.int64)
    hot_share = np.array([0.02, 0.01, 0.007, 0.005])
    if s.hot_posts:
        cand = np.flatnonzero(np.arange(n_posts) != holiday_post)
        hot = rng_world.choice(cand, size=4, replace=False)

    # organic people -----------------------------------------------------------------------------------------------
    n_people = max(1500, n // 7)
    person_lang = rng_world.choice(4, size=n_people, p=LANG_SHARE)
    activity = rng_world.pareto(1.8, n_people) + 0.3
    created = rng_world.integers(1325354400, START - 10 * 86400, n_people)  # 2012-01-01 .. 10 days before
    role = np.full(n_people, "organic", dtype=object)
    perm = rng_world.permutation(n_people)
    cursor = 0

    def take(k: int, name: str) -> np.ndarray:
        nonlocal cursor
        idx = np.sort(perm[cursor : cursor + k])
        cursor += k
        role[idx] = name
        return idx

    n_superfans = int(np.clip(n // 1000, 20, 50))
    superfans = take(n_superfans, "superfan")
    holiday_people = take(int(np.clip(n // 250, 60, 1500)), "holiday")
    stock_people = take(int(np.clip(n // 40, 100, 25_000)), "stock")
    n_heavy = 4
    heavy = take(n_heavy, "heavy")
    self_repeat = take(int(rng_world.integers(5, 11)), "self_repeat")
    wave_sizes = rng_world.integers(15, 61, int(np.clip(n_people // 1500, 3, 40)))
    waves = take(int(wave_sizes.sum()), "wave")
    wave_id = np.repeat(np.arange(len(wave_sizes)), wave_sizes)
    wave_hour = (rng_world.integers(1546279200, START - 30 * 86400, len(wave_sizes)) // 3600) * 3600
    created[waves] = wave_hour[wave_id] + rng_world.integers(0, 3600, len(waves))
    praisers = take(max(10, round(PRAISE_SHARE * min(n_people, n / 3.5))), "praise")
    regular_weight = activity.copy()
    regular_weight[stock_people] = 0.0
    regular_weight[heavy] = 0.0
    regular_weight[self_repeat] *= 0.3
    regular_weight[praisers] = 0.0

    rows = _Rows()
    fixed: list[str] = []

    def add_fixed(texts: list[str]) -> np.ndarray:
        start = len(fixed)
        fixed.extend(texts)
        return np.arange(start, start + len(texts))

    stock_base = len(fixed)
    fixed.extend(STOCK_PHRASES)
    holiday_deco = ["", "", "", " 🇰🇿", " 🎉", " ❤️", "!", " 🙏", " 💐"]

    # planted groups -----------------------------------------------------------------------------------------------
    groups, planted_texts, bot_created = _plant(s, rng_camp, post_t, post_ch, n_people, rows, add_fixed)
    n_bots = sum(g["size"] for g in groups)
    planted_n = rows.total()

    # traps --------------------------------------------------------------------------------------------------------
    # superfans: nearly every post of the official channels they follow, within minutes, in their own words
    for p in superfans:
        follow = rng_world.choice(OFFICIAL, size=int(rng_world.integers(1, 4)), replace=False)
        posts = np.flatnonzero(np.isin(post_ch, follow))
        posts = posts[rng_world.random(len(posts)) < rng_world.uniform(0.85, 0.97)]
        lag = 20 + rng_world.exponential(150, len(posts)).astype(np.int64)
        rows.add(post_t[posts] + lag, posts, np.full(len(posts), p))
    # holiday greetings: once each under the holiday post
    k = len(holiday_people)
    g_pick = rng_world.choice(len(HOLIDAY_GREETINGS), size=k, p=_HOLIDAY_WEIGHTS / _HOLIDAY_WEIGHTS.sum())
    deco = rng_world.integers(0, len(holiday_deco), k)
    refs = add_fixed([HOLIDAY_GREETINGS[g] + holiday_deco[d] for g, d in zip(g_pick, deco)])
    rows.add(_human_lags(rng_world, np.full(k, post_t[holiday_post]), 2400.0), np.full(k, holiday_post),
             holiday_people, refs)  # fmt: skip
    # stock-phrase accounts: 1-6 stock phrases each under random posts
    per = rng_world.integers(1, 7, len(stock_people))
    authors = np.repeat(stock_people, per)
    posts = rng_world.choice(n_posts, size=len(authors), p=popularity / popularity.sum())
    phrase = rng_world.choice(len(STOCK_PHRASES), size=len(authors), p=_STOCK_WEIGHTS / _STOCK_WEIGHTS.sum())
    rows.add(_human_lags(rng_world, post_t[posts]), posts, authors, stock_base + phrase)
    # self-repeaters: their own favourite phrase, dozens of times
    fav = organic_texts(rng_world, person_lang[self_repeat]).to_pylist()
    for p, phrase_text in zip(self_repeat, fav):
        c = int(np.clip(n // 2000, 8, 150) * rng_world.uniform(0.6, 1.4))
        posts = rng_world.choice(n_posts, size=c, p=popularity / popularity.sum())
        tails = ["", "", "", "!", " 👍", "!!", " 🙏"]
        refs = add_fixed([phrase_text + tails[int(x)] for x in rng_world.integers(0, len(tails), c)])
        rows.add(_human_lags(rng_world, post_t[posts]), posts, np.full(c, p), refs)
    # wave accounts comment at least once, so that every wave is in the data
    per = rng_world.integers(1, 4, len(waves))
    authors = np.repeat(waves, per)
    posts = rng_world.choice(n_posts, size=len(authors), p=popularity / popularity.sum())
    rows.add(_human_lags(rng_world, post_t[posts]), posts, authors, reply_ok=True)
    # heavy commenters: with hot posts one writes ~1 % of all comments, three ~0.3 %, half under the hot posts
    heavy_share = [0.01, 0.003, 0.003, 0.003] if s.hot_posts else [0.002, 0.0015, 0.0015, 0.001]
    busy = np.argsort(-popularity)[: max(10, n_posts // 20)]
    for p, share in zip(heavy, heavy_share):
        c = max(20, int(share * n))
        on_hot = rng_world.random(c) < (0.5 if len(hot) else 0.0)
        posts = np.where(
            on_hot, rng_world.choice(hot, size=c) if len(hot) else 0, rng_world.choice(busy, size=c)
        )
        lag = 15 + rng_world.exponential(900, c).astype(np.int64)
        rows.add(post_t[posts] + lag, posts, np.full(c, p), reply_ok=True)
    # hot posts: extra comments from many people, mostly in the first hours
    if len(hot):
        for post, share in zip(hot, hot_share):
            c = int(share * n)
            authors = rng_world.choice(n_people, size=c, p=regular_weight / regular_weight.sum())
            t = _human_lags(rng_world, np.full(c, post_t[post]), 1800.0)
            rows.add(t, np.full(c, post), authors, reply_ok=True)

    # honest praise in their own words (its own random stream, so that the other traps stay as they were)
    _praise(np.random.default_rng([s.seed, 7]), praisers, post_t, post_ch, popularity, rows, add_fixed)

    # regular organic comments fill the rest ---------------------------------------------------------------------
    n_regular = n - rows.total()
    if n_regular < n * 0.3:
        raise ValueError(f"{s.name}: traps and planted comments leave only {n_regular} organic comments")
    posts = rng_org.choice(n_posts, size=n_regular, p=popularity / popularity.sum())
    authors = rng_org.choice(n_people, size=n_regular, p=regular_weight / regular_weight.sum())
    stocky = rng_org.random(n_regular) < 0.04
    refs = np.where(stocky, stock_base + rng_org.choice(len(STOCK_PHRASES), size=n_regular,
                                                         p=_STOCK_WEIGHTS / _STOCK_WEIGHTS.sum()), -1)  # fmt: skip
    rows.add(_human_lags(rng_org, post_t[posts]), posts, authors, refs, reply_ok=True)

    return _write(s, out, rows, fixed, planted_texts, groups, bot_created, n_people, person_lang, created, role,
                  post_t, post_ch, holiday_post, hot, planted_n, n_bots)  # fmt: skip


def _plant(s: Scenario, rng, post_t, post_ch, n_people, rows: _Rows, add_fixed):
    """Planted groups: members, shift, channels, tempo window, templates; their comments go into ``rows``."""
    lo, hi = TEMPO_LAG_S[s.tempo]
    sizes = rng.integers(s.group_size[0], s.group_size[1] + 1, s.n_groups) if s.n_groups else np.zeros(0, int)
    weight = sizes * rng.uniform(0.5, 1.5, len(sizes))  # some groups are busier than others
    budget = s.planted_share * s.n_comments * weight / max(1e-9, weight.sum())
    bank_order = rng.permutation(len(TEMPLATES))
    used: list[int] = []
    next_template = 0
    groups = []
    planted_texts: list[dict] = []
    bot_created = np.zeros(int(sizes.sum()), np.int64)
    first = n_people
    for g in range(s.n_groups):
        size = int(sizes[g])
        gid = f"nurbot-{g + 1:02d}"
        # channels, shift and timing
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
        # registration: half the groups in one batch (within an hour or three), the rest spread over years
        base = first - n_people
        if rng.random() < 0.5:
            t0 = START - int(rng.integers(20, 200)) * 86400 + int(rng.integers(0, 86400))
            bot_created[base : base + size] = t0 + rng.integers(0, 3600 * int(rng.integers(1, 4)), size)
            batch = True
        else:
            bot_created[base : base + size] = rng.integers(1420070400, START - 30 * 86400, size)
            batch = False
        # templates: the group's own, sometimes one shared with an earlier group
        chosen: list[int] = []
        for _ in range(s.n_templates):
            if used and rng.random() < 0.2 and not chosen:
                cand = [u for u in used if u not in chosen]
                chosen.append(int(cand[int(rng.integers(len(cand)))]))
            else:
                while int(bank_order[next_template % len(TEMPLATES)]) in chosen:
                    next_template += 1
                chosen.append(int(bank_order[next_template % len(TEMPLATES)]))
                next_template += 1
        used += [c for c in chosen if c not in used]
        templates = []
        for ti in chosen:
            text = TEMPLATES[ti]
            names = re.findall(r"\{(\w+)\}", text)
            varying = set(rng.choice(len(names), size=s.n_slots, replace=False).tolist())
            opts = {}
            for j, name in enumerate(names):
                bank = SLOTS[name]
                k = int(rng.integers(3, 9)) if j in varying else 1
                opts[name] = [bank[int(x)] for x in rng.choice(len(bank), size=k, replace=False)]
            templates.append(
                {
                    "bank_index": ti,
                    "template": text,
                    "slots": opts,
                    "varying": sorted(names[j] for j in varying),
                }
            )

        # eligible posts: some point of the lag window falls in the shift; a focused group whose channels have
        # too few such posts for its share of comments takes on another official channel
        want = int(math.ceil(budget[g] / max(1.0, size * s.active)))
        while True:
            cand = np.flatnonzero(np.isin(post_ch, channels))
            grid = post_t[cand, None] + (w0 + spread * (np.arange(24) + 0.5) / 24).astype(np.int64)[None, :]
            eligible = cand[_in_shift(grid, shift_start, shift_end).any(axis=1)]
            others = [c for c in OFFICIAL if c not in channels]
            if len(eligible) >= want or not others:
                break
            channels = np.append(channels, others[int(rng.integers(len(others)))])
        events = np.sort(rng.choice(eligible, size=min(want, len(eligible)), replace=False))
        ev_rows, members = [], []
        for e in events:
            active = np.flatnonzero(rng.random(size) < s.active)
            if len(active) < 2:
                active = rng.choice(size, size=2, replace=False)
            ev_rows.append(np.full(len(active), e))
            members.append(active)
        if not ev_rows:
            groups.append(
                _group_info(gid, size, channels, shift_start, shift_end, w0, spread, batch, templates, 0, 0)
            )
            first += size
            continue
        ev = np.concatenate(ev_rows)
        mem = np.concatenate(members)
        cands = post_t[ev, None] + (w0 + spread * rng.random((len(ev), 32))).astype(np.int64)
        in_shift = _in_shift(cands, shift_start, shift_end)
        has = in_shift.any(axis=1)
        t = cands[np.arange(len(ev)), in_shift.argmax(axis=1)]
        ev, mem, t = ev[has], mem[has], t[has]
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
        groups.append(_group_info(gid, size, channels, shift_start, shift_end, w0, spread, batch, templates,
                                  len(events), len(t)))  # fmt: skip
        first += size
    return groups, planted_texts, bot_created


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


def _write(s, out, rows, fixed, planted_texts, groups, bot_created, n_people, person_lang, created, role,
           post_t, post_ch, holiday_post, hot, planted_n, n_bots) -> ScenarioFiles:  # fmt: skip
    from botwatch.ingest.runner import sha256_file

    rng = np.random.default_rng([s.seed, 4])
    data = rows.concat()
    n = len(data["t"])
    seq = np.arange(n)
    order = np.lexsort((seq, data["t"]))
    data = {k: v[order] for k, v in data.items()}
    # replies: a fifth of ordinary organic comments answer an earlier comment under the same post
    by_post = np.lexsort((np.arange(n), data["post"]))
    group_start = np.searchsorted(data["post"][by_post], data["post"][by_post], side="left")
    rank = np.arange(n) - group_start
    back = np.minimum(rng.geometric(0.3, n), rank)
    wants = data["reply_ok"][by_post] & (rank > 0) & (rng.random(n) < 0.2)
    parent = np.full(n, -1, np.int64)
    parent[by_post[wants]] = by_post[np.flatnonzero(wants) - back[wants]]

    # public account ids are shuffled so that an id never tells a planted account from an honest one
    n_acc = n_people + n_bots
    public = rng.permutation(n_acc) + 100_000
    acc_created = np.concatenate([created, bot_created])
    langs = np.concatenate([person_lang, np.zeros(n_bots, np.int64)])
    fixed_arr = pa.array(fixed, pa.string())
    n_posts = len(post_t)
    items_path = out / "items.csv"
    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    head_rng = np.random.default_rng([s.seed, 5])
    head_lang = np.array([0 if CHANNELS[c][4] == "ru" else 1 for c in post_ch])
    headlines = pc.binary_join_element_wise(
        _headline_grammar().sentences(head_rng, head_lang),
        pa.scalar(". "),
        pa.array(
            [
                (_HEAD_RU if hl == 0 else _HEAD_KK)["DETAIL"][int(x)]
                for hl, x in zip(head_lang, head_rng.integers(0, 12, n_posts))
            ]
        ),  # fmt: skip
        "",
    ).to_pylist()
    headlines[holiday_post] = HOLIDAY_POST
    page_created = _iso(np.full(n_posts, 1420070400 + 86400 * 40 * post_ch))
    with pacsv.CSVWriter(str(items_path), schema) as writer:
        writer.write_table(
            pa.table(
                {
                    "item_id": pa.array([f"p{i}" for i in range(n_posts)]),
                    "account_id": pa.array([CHANNELS[c][0] for c in post_ch]),
                    "kind": pa.array(["post"] * n_posts),
                    "parent_id": pa.nulls(n_posts, pa.string()),
                    "root_id": pa.nulls(n_posts, pa.string()),
                    "channel": pa.array([CHANNELS[c][0] for c in post_ch]),
                    "created_at": _iso(post_t),
                    "text": pa.array(headlines, pa.string()),
                    "account_created_at": page_created,
                },
                schema=schema,
            )
        )
        for chunk, lo in enumerate(range(0, n, CHUNK_ROWS)):
            hi = min(lo + CHUNK_ROWS, n)
            sl = slice(lo, hi)
            crng = np.random.default_rng([s.seed, 6, chunk])
            author = data["author"][sl]
            ref = data["text_ref"][sl]
            text = organic_texts(crng, langs[author])
            has_fixed = ref >= 0
            if has_fixed.any():
                text = pc.replace_with_mask(
                    text, pa.array(has_fixed), fixed_arr.take(pa.array(ref[has_fixed]))
                )
            post = data["post"][sl]
            par = parent[sl]
            post_ids = np.char.add("p", post.astype(str))
            is_reply = par >= 0
            writer.write_table(
                pa.table(
                    {
                        "item_id": pa.array(np.char.add("c", np.arange(lo, hi).astype(str))),
                        "account_id": pa.array(np.char.add("u", public[author].astype(str))),
                        "kind": pa.array(np.where(is_reply, "reply", "comment")),
                        "parent_id": pa.array(
                            np.where(is_reply, np.char.add("c", par.astype(str)), post_ids)
                        ),
                        "root_id": pa.array(post_ids),
                        "channel": pa.array(np.array([c[0] for c in CHANNELS])[post_ch[post]]),
                        "created_at": _iso(data["t"][sl]),
                        "text": text,
                        "account_created_at": _iso(acc_created[author]),
                    },
                    schema=schema,
                )
            )

    # ground truth: every account in the file
    present = np.unique(data["author"])
    gnames = [g["group"] for g in groups]
    bot_group = np.repeat(np.arange(len(groups)), [g["size"] for g in groups]) if groups else np.zeros(0, int)
    lines = []
    for a in present:
        if a >= n_people:
            lines.append((f"u{public[a]}", 1, gnames[bot_group[a - n_people]]))
        else:
            lines.append((f"u{public[a]}", 0, role[a]))
    lines += [(c[0], 0, "page") for c in CHANNELS]
    lines.sort()
    truth = out / "ground_truth.csv"
    truth.write_text(
        "account_id,label,group\n" + "".join(f"{a},{lab},{g}\n" for a, lab, g in lines), encoding="utf-8"
    )

    planted_pos = np.flatnonzero(data["planted"] >= 0)
    planted_order = data["text_ref"][planted_pos]  # the fixed index of each planted comment
    first_planted_ref = min((r for r in planted_order), default=0)
    planted = out / "planted_items.csv"
    with open(planted, "w", encoding="utf-8") as fh:
        fh.write("item_id,group,template,paraphrased\n")
        for pos, ref in zip(planted_pos, planted_order):
            info = planted_texts[int(ref - first_planted_ref)]
            fh.write(f"c{pos},{info['group']},{info['template']},{int(info['paraphrased'])}\n")

    templates = out / "templates.json"
    templates.write_text(
        json.dumps({g["group"]: g["templates"] for g in groups}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    labels = [lab for _, lab, _ in lines]
    by_group: dict[str, int] = {}
    for _, _, g in lines:
        by_group[g] = by_group.get(g, 0) + 1
    counts = {
        "posts": int(len(post_t)),
        "comments": int(n),
        "rows": int(n + len(post_t)),
        "planted_comments": int(planted_n),
        "planted_accounts": int(sum(labels)),
        "accounts": len(lines),
        "accounts_by_group": dict(sorted(by_group.items())),
        "paraphrased_comments": int(sum(p["paraphrased"] for p in planted_texts)),
        "praise_comments": int(np.sum(role[data["author"][data["author"] < n_people]] == "praise")),
        "hot_posts": [f"p{int(h)}" for h in hot],
        "holiday_post": f"p{holiday_post}",
    }
    manifest = {
        "generator": "botwatch.demo.scenarios",
        "generator_version": GENERATOR_VERSION,
        "scenario": s.params(),
        "key": s.key(),
        "seed": s.seed,
        "format": "csv with canonical column names (botwatch ingest needs no flags); platform generic; "
        "timestamps ISO 8601 UTC",
        "timezone": "Asia/Almaty (UTC+6) for shifts and posting hours",
        "counts": counts,
        "groups": [{k: v for k, v in g.items() if k != "templates"} for g in groups],
        "files": [
            {"path": p.name, "sha256": sha256_file(p)} for p in (items_path, truth, planted, templates)
        ],
    }
    man = out / "manifest.json"
    man.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return ScenarioFiles(out, items_path, truth, planted, templates, man, counts)
