"""Simulate the demo investigation: official pages posting news, honest people commenting on human rhythms,
and the planted campaigns from :mod:`botwatch.demo.campaigns` commenting in office-hours bursts.

Everything is drawn from one ``numpy.random.Generator`` in a fixed order, so a seed fixes the whole world.
The result is plain records (:class:`World`); :mod:`botwatch.demo.writers` turns them into export files.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np

from botwatch.demo import phrases
from botwatch.demo.campaigns import CAMPAIGNS, CampaignSpec, campaign_text
from botwatch.demo.names import HandleMaker

TIMEZONE = "Asia/Almaty"
START_LOCAL = dt.datetime(2022, 10, 31)  # a Monday, three weeks before the 20 November 2022 election

# Probability that a person is online at each local hour (evening peak, quiet nights).
HUMAN_HOURS = np.array(
    [0.35, 0.2, 0.1, 0.06, 0.05, 0.08, 0.2, 0.4, 0.55, 0.6, 0.6, 0.65]
    + [0.75, 0.7, 0.6, 0.6, 0.65, 0.75, 0.9, 1.0, 1.0, 0.95, 0.8, 0.55]
)
WEEKEND_BOOST = 1.35

SIZES = {
    "tiny": {"days": 3, "tg_people": 300, "vk_people": 300, "comment_scale": 0.3, "chat_per_day": 15},
    "small": {"days": 14, "tg_people": 2600, "vk_people": 2200, "comment_scale": 0.6, "chat_per_day": 40},
    "medium": {"days": 28, "tg_people": 14000, "vk_people": 12000, "comment_scale": 3.3, "chat_per_day": 220},
}


@dataclass(frozen=True)
class Page:
    """An invented page. ``kind``: "channel" (Telegram channel + discussion group), "group" (Telegram chat)
    or "wall" (VK community)."""

    key: str
    platform: str
    kind: str
    name: str
    official: bool
    page_id: int  # Telegram channel/group id, VK community id (positive)
    chat_id: int = 0  # Telegram discussion group of a channel
    chat_name: str = ""
    screen_name: str = ""
    posts_per_day: float = 0.0
    comments_per_post: float = 0.0
    headlines: str = "news"


PAGES: tuple[Page, ...] = (
    Page("akorda", "telegram", "channel", "Akorda Press", True, 1301874520, 1543902117, "Akorda Press — Chat",
         "akorda_press_demo", 4.0, 18.0, "official"),
    Page("kazinform", "telegram", "channel", "Kazinform Daily", True, 1187345690, 1498220564,
         "Kazinform Daily Chat", "kazinform_daily_demo", 7.0, 10.0, "news"),
    Page("city", "telegram", "group", "Алматы Чат", False, 1620554813, screen_name="almaty_chat_demo"),
    Page("tengri", "vk", "wall", "Tengri Habar", True, 187345112, screen_name="tengrihabar_demo",
         posts_per_day=5.0, comments_per_post=20.0, headlines="news"),
    Page("almatylife", "vk", "wall", "Almaty Life", False, 93455871, screen_name="almatylife_demo",
         posts_per_day=2.0, comments_per_post=15.0, headlines="city"),
)  # fmt: skip
PAGE_BY_KEY = {p.key: p for p in PAGES}
EDITORS = ((512390017, "Дана", "Сарсенова"), (498120554, "Ерболат", "Мухтаров"))  # sign some VK posts


@dataclass
class Account:
    platform: str
    account_id: str
    first_name: str
    last_name: str
    display_name: str
    created_at: int  # epoch seconds UTC (ground truth only: neither platform exports it)
    lang: str = "ru"
    latin: bool = False
    lowercase: bool = False
    weight: float = 1.0
    pages: tuple[str, ...] = ()
    campaign: str = ""
    domain: str = ""
    avatar_url: str = ""
    sex: int = 0
    followers: int = 0
    deactivated: str = ""

    @property
    def is_bot(self) -> bool:
        return bool(self.campaign)


@dataclass
class Post:
    page: str
    number: int  # index within the page, in time order
    t: int
    text: str
    popularity: float
    link: str = ""
    photo: bool = False
    signer: int = 0
    likes: int = 0
    reposts: int = 0
    views: int = 0


@dataclass
class Comment:
    page: str
    post: int | None  # index into World.posts; None for chat messages
    author: Account
    t: int
    text: str
    reply_to: int | None = None  # index into World.comments
    edited: int = 0
    link: str = ""


@dataclass
class World:
    seed: int
    size: str
    days: int
    start: int
    posts: list[Post] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)


def _local_offset(t: int) -> int:
    return int(dt.datetime.fromtimestamp(t, ZoneInfo(TIMEZONE)).utcoffset().total_seconds())


class _Clock:
    """Local hour and weekday of epoch seconds (Asia/Almaty had one fixed offset during the period)."""

    def __init__(self, start: int, end: int):
        self.offset = _local_offset(start)
        if _local_offset(end) != self.offset:  # pragma: no cover - not the case for 2022
            raise ValueError("the demo period must not cross a UTC-offset change")

    def hour(self, t):
        return ((np.asarray(t) + self.offset) % 86400) // 3600

    def weekday(self, t):
        return ((np.asarray(t) + self.offset) // 86400 + 3) % 7  # 1970-01-01 was a Thursday

    def office(self, t) -> np.ndarray:
        h = self.hour(t)
        return (self.weekday(t) < 5) & (h >= 9) & (h < 18)


def humane_times(
    rng: np.random.Generator,
    clock: _Clock,
    base: np.ndarray,
    lag_median_s: float,
    *,
    rounds: int = 40,
    latest: int | None = None,
    quick_share: float = 0.7,
    slow_factor: float = 12.0,
) -> np.ndarray:
    """Reaction times after ``base``: a mix of quick (share ``quick_share``, median ``lag_median_s``) and slow
    (``slow_factor`` times longer) lognormal lags, kept only where people are awake (:data:`HUMAN_HOURS` at
    the local hour of ``clock``) and, when ``latest`` is given, before it. Rejected draws are redrawn up to
    ``rounds`` times; what is still left gets ``base + 60``."""
    out = np.zeros(len(base), dtype=np.int64)
    todo = np.arange(len(base))
    for _ in range(rounds):
        if not len(todo):
            break
        quick = rng.random(len(todo)) < quick_share
        lag = np.where(
            quick,
            rng.lognormal(np.log(lag_median_s), 1.1, len(todo)),
            rng.lognormal(np.log(lag_median_s * slow_factor), 1.0, len(todo)),
        )
        t = base[todo] + 5 + lag.astype(np.int64)
        ok = rng.random(len(todo)) < HUMAN_HOURS[clock.hour(t)]
        if latest is not None:
            ok &= t < latest
        out[todo[ok]] = t[ok]
        todo = todo[~ok]
    out[todo] = base[todo] + 60
    return out


def _id_for_date(t: float, platform: str) -> float:
    """Account ids grow with registration date on both platforms; batch-made accounts get near ids."""
    years = 1970 + t / (365.25 * 86400)
    if platform == "telegram":
        return float(
            np.interp(
                years,
                [2013.7, 2016, 2018, 2020, 2021, 2022, 2023],
                [1e7, 2.5e8, 6e8, 1.2e9, 1.7e9, 5.0e9, 6.0e9],
            )
        )
    return float(np.interp(years, [2006.8, 2010, 2013, 2016, 2019, 2022, 2023], [1, 1e8, 2.2e8, 4e8, 5.6e8,
                                                                                7.5e8, 8e8]))  # fmt: skip


def _latin(name: str) -> str:
    return phrases.kazakh_to_latin(name.lower())


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


class _Builder:
    def __init__(self, seed: int, size: str):
        if size not in SIZES:
            raise ValueError(f"unknown demo size {size!r}; use one of: {', '.join(SIZES)}")
        self.rng = np.random.default_rng(seed)
        self.cfg = SIZES[size]
        start = int(START_LOCAL.replace(tzinfo=ZoneInfo(TIMEZONE)).timestamp())
        self.world = World(seed=seed, size=size, days=self.cfg["days"], start=start)
        self.end = start + self.cfg["days"] * 86400
        self.clock = _Clock(start, self.end)
        self.used_ids: set[str] = set()
        self.handles = HandleMaker(seed)  # its own random stream: the rest of the world does not change

    # -- accounts --------------------------------------------------------------------------------------------
    def _new_id(self, platform: str, created: int, jitter: float) -> str:
        base = _id_for_date(created, platform)
        while True:
            n = int(base + self.rng.integers(0, max(int(jitter), 1)))
            key = f"user{n}" if platform == "telegram" else str(n)
            if key not in self.used_ids:
                self.used_ids.add(key)
                return key

    def _name(self, lang: str, latin: bool) -> tuple[str, str, int]:
        rng = self.rng
        sex = int(rng.integers(1, 3))  # VK: 1 female, 2 male
        if latin or lang == "en":
            return _pick(rng, phrases.FIRST_NAMES["lat"]), _pick(rng, phrases.LAST_NAMES["lat"]), sex
        group = "kk" if lang == "kk" or rng.random() < 0.5 else "ru"
        first = _pick(rng, phrases.FIRST_NAMES[f"{group}_{'f' if sex == 1 else 'm'}"])
        last = _pick(rng, phrases.LAST_NAMES[group])
        if sex == 1 and last.endswith(("ов", "ев", "ин")):
            last += "а"
        return first, last, sex

    def people(self, platform: str, n: int, page_probs: dict[str, float]) -> list[Account]:
        rng = self.rng
        langs = rng.choice(4, size=n, p=[0.55, 0.22, 0.08, 0.15])  # ru, kk, kk in Latin, en
        weights = rng.pareto(1.4, size=n) + 0.3
        years = rng.uniform(2011.0 if platform == "vk" else 2015.5, 2022.7, size=n)
        out = []
        for i in range(n):
            lang, latin = [("ru", False), ("kk", False), ("kk", True), ("en", False)][int(langs[i])]
            created = int((years[i] - 1970) * 365.25 * 86400 + rng.integers(0, 86400))
            first, last, sex = self._name(lang, latin)
            style = rng.random()
            if style < 0.55:
                display = f"{first} {last}"
            elif style < 0.75:
                display = first
            elif style < 0.9:
                display = f"{first} {last[0]}."
            else:
                display = f"{_pick(rng, phrases.NICK_PARTS)}_{_latin(first)}{int(rng.integers(1, 99))}"
            pages = tuple(k for k, p in page_probs.items() if rng.random() < p)
            if not pages:
                pages = (_pick(rng, list(page_probs)),)
            acc = Account(
                platform, self._new_id(platform, created, 4e6), first, last, display, created, lang, latin,
                lowercase=rng.random() < 0.12, weight=float(weights[i]), pages=pages, sex=sex,
                followers=int(rng.lognormal(4.0, 1.3)),
            )  # fmt: skip
            if platform == "vk":
                nick = rng.random() < 0.4
                acc.domain = (
                    f"{_pick(rng, phrases.NICK_PARTS)}_{_latin(first)}{int(rng.integers(1, 999))}"
                    if nick
                    else f"id{acc.account_id}"
                )
                if not nick and self.handles.rng.random() < 0.3:  # real people put digits in handles too
                    acc.domain = self.handles.organic(first, last)
                if rng.random() < 0.15:
                    acc.avatar_url = "https://vk.com/images/camera_200.png"  # no photo: shared by design
                else:
                    acc.avatar_url = self._avatar_url()
            out.append(acc)
        return out

    def _avatar_url(self, token: str | None = None, host: str | None = None) -> str:
        rng = self.rng
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        token = token or "".join(alphabet[int(i)] for i in rng.integers(len(alphabet), size=22))
        host = host or f"sun{int(rng.integers(1, 10))}-{int(rng.integers(10, 99))}.userapi.com"
        return f"https://{host}/s/v1/ig2/{token}.jpg?size=200x200&quality=96&crop=0,0,400,400&ava=1"

    def bots(self, spec: CampaignSpec) -> list[Account]:
        rng = self.rng
        counts = np.floor(np.array([b[2] for b in spec.created]) * spec.n_accounts).astype(int)
        counts[0] += spec.n_accounts - counts.sum()
        avatars = [self._avatar_url() for _ in range(spec.n_avatars)]
        out = []
        for (when, spread, _), count in zip(spec.created, counts):
            t0 = int(dt.datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(TIMEZONE)).timestamp())
            for t in sorted(t0 + rng.uniform(0, spread, size=count).astype(int)):
                lang = "kk" if rng.random() < 0.5 else "ru"
                first, last, sex = self._name(lang, False)
                acc = Account(
                    spec.platform, self._new_id(spec.platform, int(t), 6e4), first, last, f"{first} {last}",
                    int(t), lang, campaign=spec.name, pages=spec.pages, sex=sex,
                    followers=int(rng.integers(0, 12)),
                )  # fmt: skip
                if spec.platform == "vk":
                    acc.domain = self.handles.planted(spec.name, first, last)
                    shared = avatars[int(rng.integers(len(avatars)))] if avatars else self._avatar_url()
                    if spec.avatar_mode == "same-name":  # same file, re-uploaded: other host, same name
                        shared = self._avatar_url(token=shared.split("/ig2/")[1].split(".jpg")[0])
                    acc.avatar_url = shared
                out.append(acc)
        if spec.platform == "vk" and len(out) > 10:
            for acc in out[-2:]:
                acc.deactivated = "banned"
                acc.avatar_url = "https://vk.com/images/deactivated_200.png"
        return out

    # -- content ---------------------------------------------------------------------------------------------
    def headline(self, kind: str) -> str:
        rng = self.rng
        text = _pick(rng, phrases.HEADLINES[kind])
        for slot, options in phrases.HEADLINE_SLOTS.items():
            while "{" + slot + "}" in text:
                text = text.replace("{" + slot + "}", _pick(rng, options), 1)
        return text

    def organic_text(self, acc: Account, tone: str | None = None, target_is_bot: bool = False) -> str:
        rng = self.rng
        bank = phrases.ORGANIC[acc.lang]
        if target_is_bot and rng.random() < 0.5:
            text = {
                "ru": "Опять боты пишут одно и то же",
                "kk": "Тағы боттар жазып жатыр",
                "en": "Bots again",
            }[acc.lang]
        else:
            if tone is None:
                tone = str(rng.choice(["critical", "neutral", "support", "short"], p=[0.32, 0.36, 0.1, 0.22]))
            text = _pick(rng, bank[tone])
            if tone != "short":
                opener = _pick(rng, phrases.OPENERS[acc.lang])
                if opener:
                    text = opener + text[0].lower() + text[1:]
                if rng.random() < 0.25:
                    other = _pick(rng, bank[str(rng.choice(["critical", "neutral"]))])
                    text = f"{text}. {other}"
                text += _pick(rng, phrases.CLOSERS)
        if acc.latin:
            text = phrases.kazakh_to_latin(text)
        if acc.lowercase:
            text = text.lower()
        return text

    def make_posts(self, page: Page) -> None:
        rng = self.rng
        number = 0
        for day in range(self.world.days):
            n = max(1, int(rng.poisson(page.posts_per_day)))
            local = np.sort(rng.uniform(8.0 * 3600, 21.5 * 3600, size=n)).astype(np.int64)
            for sec in local:
                t = int(self.world.start + day * 86400 + sec)
                pop = float(min(rng.lognormal(0.0, 0.9), 12.0))
                post = Post(page.key, number, t, self.headline(page.headlines), pop)
                post.photo = rng.random() < 0.5
                if page.official and rng.random() < 0.6:
                    post.link = f"https://{page.screen_name.replace('_', '-')}.example/news/{t % 1000003}"
                if page.platform == "vk":
                    post.signer = EDITORS[int(rng.integers(2))][0] if rng.random() < 0.3 else 0
                    post.views = int(800 * pop * rng.uniform(0.7, 1.3)) + 200
                    post.likes = int(post.views * rng.uniform(0.01, 0.06))
                    post.reposts = int(post.likes * rng.uniform(0.0, 0.2))
                self.world.posts.append(post)
                number += 1

    def bursts(self, spec: CampaignSpec, accounts: list[Account]) -> None:
        """Campaign comments: bursts under office-hours posts; evening posts get a burst the next workday."""
        rng = self.rng
        targets = [i for i, p in enumerate(self.world.posts) if p.page in spec.pages]
        per_template = rng.dirichlet(np.ones(len(spec.templates)) * 2.0)
        for idx in targets:
            post = self.world.posts[idx]
            if rng.random() >= spec.post_share:
                continue
            start = post.t + int(rng.uniform(*spec.start_delay_s))
            if not self.clock.office(start):
                if rng.random() < 0.5:
                    continue
                start = self._next_office_morning(start)
            k = min(len(accounts), int(rng.integers(spec.burst_size[0], spec.burst_size[1] + 1)))
            chosen = rng.choice(len(accounts), size=k, replace=False)
            times = start + np.cumsum(rng.exponential(spec.gap_mean_s, size=k)).astype(np.int64)
            for a, t in zip(chosen, times):
                template = int(rng.choice(len(spec.templates), p=per_template))
                text = campaign_text(spec, template, rng)
                self.world.comments.append(Comment(post.page, idx, accounts[int(a)], int(t), text))

    def _next_office_morning(self, t: int) -> int:
        day = (t + self.clock.offset) // 86400
        while True:
            day += 1
            if (day + 3) % 7 < 5:
                return int(day * 86400 - self.clock.offset + 9 * 3600 + self.rng.integers(300, 5400))

    def organic_comments(self, page: Page, people: list[Account]) -> None:
        rng = self.rng
        members = [a for a in people if page.key in a.pages]
        weights = np.array([a.weight for a in members])
        weights /= weights.sum()
        scale = self.cfg["comment_scale"] * page.comments_per_post
        comments = self.world.comments
        by_post: dict[int, list[int]] = {}
        for c, comment in enumerate(comments):
            if comment.page == page.key and comment.post is not None:
                by_post.setdefault(comment.post, []).append(c)
        for idx, post in enumerate(self.world.posts):
            if post.page != page.key:
                continue
            weekend = self.clock.weekday(post.t) >= 5
            n = int(rng.poisson(scale * post.popularity * (WEEKEND_BOOST if weekend else 1.0)))
            if n == 0:
                continue
            reacted = humane_times(rng, self.clock, np.full(n, post.t), 1500.0, latest=self.end + 2 * 86400)
            times = np.sort(reacted)
            authors = rng.choice(len(members), size=n, p=weights)
            thread = sorted(by_post.get(idx, []), key=lambda c: comments[c].t)
            thread_times = [comments[c].t for c in thread]
            root: dict[int, int] = {c: c for c in thread}
            n_replies: dict[int, int] = {}
            for t, a in zip(times, authors):
                acc = members[int(a)]
                t = int(t)
                n_earlier = bisect.bisect_left(thread_times, t)
                reply_to = None
                if n_earlier and rng.random() < 0.22:
                    reply_to = thread[n_earlier - 1 - int(min(rng.geometric(0.35) - 1, n_earlier - 1))]
                    # a VK thread shows at most 10 replies (thread_items_count=10): start a new comment instead
                    if page.platform == "vk" and n_replies.get(root[reply_to], 0) >= 10:
                        reply_to = None
                if reply_to is not None:
                    text = self.organic_text(acc, "reply", target_is_bot=comments[reply_to].author.is_bot)
                else:
                    text = self.organic_text(acc)
                c = Comment(page.key, idx, acc, t, text, reply_to)
                if rng.random() < 0.02:
                    c.edited = int(t + rng.integers(30, 900))
                if page.official and rng.random() < 0.015:
                    c.link = f"https://forum.example.kz/t/{int(rng.integers(10000, 99999))}"
                new = len(comments)
                root[new] = root[reply_to] if reply_to is not None else new
                if reply_to is not None:
                    n_replies[root[new]] = n_replies.get(root[new], 0) + 1
                comments.append(c)
                thread.insert(n_earlier, new)
                thread_times.insert(n_earlier, t)

    def chat(self, page: Page, people: list[Account]) -> None:
        rng = self.rng
        members = [a for a in people if page.key in a.pages]
        weights = np.array([a.weight for a in members])
        weights /= weights.sum()
        start_index = len(self.world.comments)
        for day in range(self.world.days):
            day0 = self.world.start + day * 86400
            weekend = self.clock.weekday(day0) >= 5
            n = int(rng.poisson(self.cfg["chat_per_day"] * (1.4 if weekend else 1.0)))
            sec = rng.uniform(0, 86400, size=n * 3).astype(np.int64)
            keep = rng.random(len(sec)) < HUMAN_HOURS[self.clock.hour(day0 + sec)]
            for t in np.sort(day0 + sec[keep][:n]):
                acc = members[int(rng.choice(len(members), p=weights))]
                recent = [
                    c
                    for c in range(max(start_index, len(self.world.comments) - 15), len(self.world.comments))
                    if self.world.comments[c].t > t - 7200
                ]
                if recent and rng.random() < 0.3:
                    reply_to = recent[int(rng.integers(len(recent)))]
                    text = self.organic_text(acc, "reply")
                else:
                    reply_to = None
                    text = _pick(rng, phrases.CITY_CHAT[acc.lang])
                    if acc.latin:
                        text = phrases.kazakh_to_latin(text)
                self.world.comments.append(Comment(page.key, None, acc, int(t), text, reply_to))


def build_world(seed: int = 7, size: str = "small") -> World:
    """Simulate the whole demo world for ``seed`` and ``size`` ("small" or "medium")."""
    b = _Builder(seed, size)
    w = b.world
    tg_people = b.people("telegram", b.cfg["tg_people"], {"akorda": 0.5, "kazinform": 0.6, "city": 0.35})
    vk_people = b.people("vk", b.cfg["vk_people"], {"tengri": 0.75, "almatylife": 0.5})
    for page in PAGES:
        if page.kind != "group":
            b.make_posts(page)
    bots = []
    for spec in CAMPAIGNS:
        accounts = b.bots(spec)
        bots += accounts
        b.bursts(spec, accounts)
    for page in PAGES:
        people = tg_people if page.platform == "telegram" else vk_people
        if page.kind == "group":
            b.chat(page, people)
        else:
            b.organic_comments(page, people)
    commenters = {id(c.author) for c in w.comments}
    w.accounts = [a for a in tg_people + vk_people + bots if id(a) in commenters]
    return w
