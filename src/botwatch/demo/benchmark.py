"""Large synthetic benchmark data (100k-1M comments), vectorised with numpy and pyarrow, streamed to disk.

The world is the demo's, scaled: official pages post news, honest accounts (activity heavy-tailed) comment on
human rhythms under posts chosen by popularity and reply to each other; planted campaigns (sizes 8-40, about
``planted_fraction`` of all comments) comment in office-hours bursts from their templates. Honest text mixes
phrase-bank sentences with random words from a per-language vocabulary, so that honest comments are diverse
at any scale. Output: a Coordination Network Toolkit CSV (``message_id,user_id,username,repost_id,reply_id,
message,timestamp,urls``; ``timestamp`` epoch seconds), ``ground_truth.csv`` (platform "generic") and
``manifest.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from botwatch.demo import phrases
from botwatch.demo.campaigns import CAMPAIGNS, campaign_text
from botwatch.demo.world import _Clock, humane_times

CNT_COLUMNS = ["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"]
FORMATS = ("cnt-csv",)
START = 1667152800  # 2022-10-31 00:00 Asia/Almaty (UTC+6)
DAYS = 30
CHUNK_ROWS = 100_000
LANGS = ("ru", "kk", "kk-latin", "en")
N_PAGES, N_OFFICIAL = 12, 8  # pages, the first N_OFFICIAL of them official
LANG_SHARES = [0.55, 0.22, 0.08, 0.15]  # of LANGS among honest people
HASHTAGS = ("ЖаңаҚазақстан", "АлғаҚазақстан", "Бірлік", "НовыйКазахстан", "Бірге", "Kazakhstan2030", "Елім")


def _vocabulary() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Per-language sentences and words from the phrase banks: (sentences, words, lang starts, lang sizes)."""
    sentences_by_lang, words_by_lang = [], []
    for lang in LANGS:
        base = "kk" if lang == "kk-latin" else lang
        sents = [s for tone, items in phrases.ORGANIC[base].items() if tone != "short" for s in items]
        sents += phrases.CITY_CHAT[base]
        if lang == "kk-latin":
            sents = [phrases.kazakh_to_latin(s) for s in sents]
        words = sorted({w for s in sents for w in re.findall(r"[\w-]+", s.lower()) if len(w) > 1})
        sentences_by_lang.append(sents)
        words_by_lang.append(words)
    flat_s = [s for group in sentences_by_lang for s in group]
    flat_w = [w for group in words_by_lang for w in group]
    s_sizes = np.array([len(g) for g in sentences_by_lang])
    w_sizes = np.array([len(g) for g in words_by_lang])
    return (
        flat_s,
        flat_w,
        np.stack([np.cumsum(s_sizes) - s_sizes, s_sizes]),
        np.stack([np.cumsum(w_sizes) - w_sizes, w_sizes]),
    )


def _headline(rng: np.random.Generator, kind: str) -> str:
    text = phrases.HEADLINES[kind][int(rng.integers(len(phrases.HEADLINES[kind])))]
    for slot, options in phrases.HEADLINE_SLOTS.items():
        text = text.replace("{" + slot + "}", options[int(rng.integers(len(options)))])
    return text


def _hashtag(campaign: int) -> str:
    """Each benchmark campaign signs with its own hashtag, so campaigns that share templates stay apart."""
    return f"#{HASHTAGS[campaign % len(HASHTAGS)]}{campaign // len(HASHTAGS) or ''}"


def _organic_text(rng: np.random.Generator, langs: np.ndarray, vocab) -> pa.Array:
    """Honest comments: an optional phrase-bank sentence plus 3-12 random words of the same language."""
    sentences, words, s_index, w_index = vocab
    n = len(langs)
    n_words = rng.integers(3, 13, size=n)
    n_words[rng.random(n) < 0.3] = 0  # some comments are just a bank sentence
    has_sentence = (n_words == 0) | (rng.random(n) < 0.35)
    s_pick = s_index[0, langs] + (rng.random(n) * s_index[1, langs]).astype(np.int64)
    sentence = pa.array(sentences).take(pa.array(s_pick))
    sentence = pc.if_else(pa.array(has_sentence), sentence, pa.scalar(""))
    offsets = np.concatenate([[0], np.cumsum(n_words)]).astype(np.int32)
    row = np.repeat(np.arange(n), n_words)
    w_pick = w_index[0, langs[row]] + (rng.random(len(row)) ** 2.5 * w_index[1, langs[row]]).astype(np.int64)
    salad = pc.binary_join(
        pa.ListArray.from_arrays(pa.array(offsets), pa.array(words).take(pa.array(w_pick))), " "
    )
    closers = pa.array(phrases.CLOSERS).take(pa.array(rng.integers(len(phrases.CLOSERS), size=n)))
    sep = pc.if_else(pa.array(has_sentence & (n_words > 0)), pa.scalar(". "), pa.scalar(""))
    return pc.binary_join_element_wise(sentence, sep, salad, closers, "")


def generate_benchmark(
    out_dir: str | Path,
    n_comments: int,
    seed: int = 7,
    formats: tuple[str, ...] = ("cnt-csv",),
    planted_fraction: float = 0.05,
):
    """Write ``n_comments`` comments (plus the pages' posts) with planted campaigns; return a ``DemoFiles``.

    ``planted_fraction`` of the comments come from campaigns; there are ``max(3, n_comments // 50_000)``
    campaigns of 8-40 accounts each. Rows are written in time order, 100k at a time. Every step draws from one
    generator seeded with ``seed``, in a fixed order (each chunk of text from its own, seeded ``[seed, n]``).
    """
    from botwatch.demo import DemoFiles

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown benchmark format {unknown[0]!r}; use one of: {', '.join(FORMATS)}")
    if n_comments < 1000:
        raise ValueError("n_comments must be at least 1000")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    clock = _Clock(START, START + DAYS * 86400)
    posts = _posts(rng)
    plant = _plant_campaigns(rng, clock, posts, n_comments, planted_fraction)
    n_people = max(2000, n_comments // 6)
    comments = _comments(rng, clock, posts, plant, n_people, n_comments)
    # public ids are shuffled, so that an id never tells a planted account from an honest one
    public_id = rng.permutation(n_people + int(plant.sizes.sum())) + 1000
    csv_path = out / "comments_cnt.csv"
    _write_csv(csv_path, rng, seed, posts, plant, comments, public_id)
    truth, templates, manifest_path = _write_side_files(
        out, seed, posts, plant, comments, public_id, n_people
    )
    files = [
        {
            "path": csv_path,
            "format": "cnt-csv",
            "platform": "generic",
            "records": {"rows": len(posts.t) + n_comments},
        }
    ]
    return DemoFiles(out, [csv_path], truth, None, templates, manifest_path, files)


@dataclass
class _Posts:
    page: np.ndarray  # page of each post, in time order
    t: np.ndarray
    popularity: np.ndarray


@dataclass
class _Plant:
    sizes: np.ndarray  # accounts per campaign
    first_account: np.ndarray  # campaign c's accounts are first_account[c]..first_account[c + 1] - 1
    rows: list[tuple[int, int, int, int, str]]  # (t, post, account, campaign, text)


@dataclass
class _Comments:
    """Every comment in time order: time, post, whether planted, author, row in its source, reply target."""

    t: np.ndarray
    post: np.ndarray
    is_bot: np.ndarray
    author: np.ndarray
    source: np.ndarray
    reply_target: np.ndarray  # the comment it answers, or -1 (it answers the post)
    person_lang: np.ndarray  # language of each honest person


def _posts(rng: np.random.Generator) -> _Posts:
    """12 pages, 8 of them official, ~6 posts a day each between 08:00 and 21:30 local."""
    posts_per_page = rng.poisson(6 * DAYS, size=N_PAGES)
    post_page = np.repeat(np.arange(N_PAGES), posts_per_page)
    day = rng.integers(0, DAYS, size=len(post_page))
    post_t = START + day * 86400 + rng.integers(8 * 3600, 21 * 3600 + 1800, size=len(post_page))
    order = np.argsort(post_t, kind="stable")
    post_page, post_t = post_page[order], post_t[order]
    popularity = np.minimum(rng.lognormal(0.0, 0.9, size=len(post_t)), 12.0)
    return _Posts(post_page, post_t, popularity)


def _plant_campaigns(rng, clock: _Clock, posts: _Posts, n_comments: int, planted_fraction: float) -> _Plant:
    """Campaigns: bursts of their templates under office-hours posts of one or two official pages."""
    n_campaigns = max(3, n_comments // 50_000)
    sizes = rng.integers(8, 41, size=n_campaigns)
    n_bot = int(round(planted_fraction * n_comments))
    share = sizes / sizes.sum()
    bot_rows: list[tuple[int, int, int, int, str]] = []
    first_account = np.concatenate([[0], np.cumsum(sizes)])
    for c in range(n_campaigns):
        spec = CAMPAIGNS[c % len(CAMPAIGNS)]
        pages = rng.choice(N_OFFICIAL, size=1 + int(rng.random() < 0.4), replace=False)
        eligible = np.flatnonzero(np.isin(posts.page, pages) & clock.office(posts.t + 300))
        want = max(int(share[c] * n_bot), int(sizes[c]))
        tag = " " + _hashtag(c)
        made = 0
        while made < want:
            post = int(eligible[int(rng.integers(len(eligible)))])
            k = min(int(sizes[c]), want - made, int(rng.integers(max(2, sizes[c] // 4), sizes[c] // 2 + 2)))
            accounts = rng.choice(int(sizes[c]), size=k, replace=False)
            times = posts.t[post] + int(rng.uniform(*spec.start_delay_s))
            times = times + np.cumsum(rng.exponential(spec.gap_mean_s, size=k)).astype(np.int64)
            for a, t in zip(accounts, times):
                text = campaign_text(spec, int(rng.integers(len(spec.templates))), rng)
                bot_rows.append((int(t), post, int(first_account[c] + a), c, text + tag))
            made += k
    return _Plant(sizes, first_account, bot_rows)


def _comments(rng, clock: _Clock, posts: _Posts, plant: _Plant, n_people: int, n_comments: int) -> _Comments:
    """Honest comments (post by popularity, human lag, author by heavy-tailed activity) merged with the planted
    ones in time order; honest replies point to an earlier comment under the same post."""
    n_bot = len(plant.rows)
    n_org = n_comments - n_bot
    person_lang = rng.choice(len(LANGS), size=n_people, p=LANG_SHARES)
    activity = rng.pareto(2.0, size=n_people) + 0.5
    org_post = rng.choice(len(posts.t), size=n_org, p=posts.popularity / posts.popularity.sum())
    org_t = humane_times(rng, clock, posts.t[org_post], 1500.0, rounds=30)
    org_author = rng.choice(n_people, size=n_org, p=activity / activity.sum())
    t_all = np.concatenate([org_t, np.array([r[0] for r in plant.rows], dtype=np.int64)])
    post_all = np.concatenate([org_post, np.array([r[1] for r in plant.rows], dtype=np.int64)])
    is_bot = np.concatenate([np.zeros(n_org, bool), np.ones(n_bot, bool)])
    author = np.concatenate([org_author, n_people + np.array([r[2] for r in plant.rows], dtype=np.int64)])
    source = np.concatenate([np.arange(n_org), np.arange(n_bot)])  # row in org arrays or bot_rows
    order = np.lexsort((source, is_bot, t_all))
    t_all, post_all, is_bot, author, source = (a[order] for a in (t_all, post_all, is_bot, author, source))
    by_post = np.lexsort((np.arange(n_comments), post_all))  # comments of each post, in time order
    group_start = np.searchsorted(post_all[by_post], post_all[by_post], side="left")
    rank = np.arange(n_comments) - group_start
    back = np.minimum(rng.geometric(0.35, size=n_comments), rank)
    wants_reply = (~is_bot[by_post]) & (rank > 0) & (rng.random(n_comments) < 0.2)
    reply_target = np.full(n_comments, -1, dtype=np.int64)
    reply_target[by_post[wants_reply]] = by_post[np.flatnonzero(wants_reply) - back[wants_reply]]
    return _Comments(t_all, post_all, is_bot, author, source, reply_target, person_lang)


def _write_csv(path: Path, rng, seed: int, posts: _Posts, plant: _Plant, c: _Comments, public_id) -> None:
    """The pages' posts, then the comments in chunks of ``CHUNK_ROWS``, as Coordination Network Toolkit CSV."""
    n_posts, n_comments = len(posts.t), len(c.t)
    vocab = _vocabulary()
    bot_text = pa.array([r[4] for r in plant.rows], type=pa.string())
    post_text = pa.array([_headline(rng, "official" if p < N_OFFICIAL else "city") for p in posts.page])
    schema = pa.schema([(col, pa.int64() if col == "timestamp" else pa.string()) for col in CNT_COLUMNS])
    with pacsv.CSVWriter(str(path), schema) as writer:
        rows = {
            "message_id": pa.array([f"p{i}" for i in range(n_posts)]),
            "user_id": pa.array([f"page{p}" for p in posts.page]),
            "username": pa.array(
                [f"official_page_{p}" if p < N_OFFICIAL else f"city_page_{p}" for p in posts.page]
            ),
            "repost_id": pa.nulls(n_posts, pa.string()),
            "reply_id": pa.nulls(n_posts, pa.string()),
            "message": post_text,
            "timestamp": pa.array(posts.t),
            "urls": pa.array([f"https://news{p}.example/n/{i}" for i, p in enumerate(posts.page)]),
        }
        writer.write_table(pa.table(rows, schema=schema))
        for n, lo in enumerate(range(0, n_comments, CHUNK_ROWS)):
            hi = min(lo + CHUNK_ROWS, n_comments)
            writer.write_table(
                _comment_chunk(
                    np.random.default_rng([seed, n]), lo, hi, c, vocab, bot_text, public_id, schema
                )
            )


def _comment_chunk(chunk_rng, lo: int, hi: int, c: _Comments, vocab, bot_text, public_id, schema) -> pa.Table:
    """Comments ``lo:hi``: honest text from the vocabulary, planted text from the campaigns, reply ids."""
    langs = c.person_lang[np.where(c.is_bot[lo:hi], 0, c.author[lo:hi])]
    text = _organic_text(chunk_rng, langs, vocab)
    bots = np.flatnonzero(c.is_bot[lo:hi])
    if len(bots):
        text = pc.replace_with_mask(
            text, pa.array(c.is_bot[lo:hi]), bot_text.take(pa.array(c.source[lo:hi][bots]))
        )
    ids = np.arange(lo, hi)
    target = c.reply_target[lo:hi]
    reply = np.where(
        target >= 0,
        np.char.add("c", target.astype(str)),
        np.char.add("p", c.post[lo:hi].astype(str)),
    )
    user = np.char.add("u", public_id[c.author[lo:hi]].astype(str))
    rows = {
        "message_id": pa.array(np.char.add("c", ids.astype(str))),
        "user_id": pa.array(user),
        "username": pa.array(np.char.add("name_", public_id[c.author[lo:hi]].astype(str))),
        "repost_id": pa.nulls(hi - lo, pa.string()),
        "reply_id": pa.array(reply),
        "message": text,
        "timestamp": pa.array(c.t[lo:hi]),
        "urls": pa.nulls(hi - lo, pa.string()),
    }
    return pa.table(rows, schema=schema)


def _write_side_files(
    out: Path, seed: int, posts: _Posts, plant: _Plant, c: _Comments, public_id, n_people: int
):
    """``ground_truth.csv``, ``templates.json`` and ``manifest.json``; returns their paths."""
    from botwatch.demo.writers import _write
    from botwatch.ingest.runner import sha256_file

    sizes, first_account = plant.sizes, plant.first_account
    n_posts, n_comments, n_bot = len(posts.t), len(c.t), len(plant.rows)
    people_seen = np.unique(c.author)
    campaign_of = np.searchsorted(first_account, np.arange(int(first_account[-1])), side="right") - 1
    lines = [
        f"generic,u{public_id[a]},1,bench-{int(campaign_of[a - n_people])},"
        if a >= n_people
        else f"generic,u{public_id[a]},0,,"
        for a in people_seen
    ] + [f"generic,page{p},0,," for p in range(N_PAGES)]
    truth = _write(
        out / "ground_truth.csv",
        "platform,account_id,label,group,created_at\n" + "\n".join(sorted(lines)) + "\n",
    )
    campaigns = {
        f"bench-{k}": {
            "accounts": int(sizes[k]),
            "templates": list(CAMPAIGNS[k % len(CAMPAIGNS)].templates),
            "hashtag": _hashtag(k),
        }
        for k in range(len(sizes))
    }
    templates = _write(out / "templates.json", json.dumps(campaigns, ensure_ascii=False, indent=2) + "\n")
    csv_path = out / "comments_cnt.csv"
    manifest = {
        "generator": "botwatch.demo.benchmark",
        "seed": seed,
        "format": "cnt-csv",
        "platform": "generic",
        "timezone": "Asia/Almaty (timestamps are epoch seconds)",
        "counts": {
            "posts": n_posts,
            "comments": n_comments,
            "rows": n_posts + n_comments,
            "bot_comments": n_bot,
            "bots": int(sizes.sum()),
            "accounts": int(len(people_seen)) + N_PAGES,
        },
        "planted_fraction": n_bot / n_comments,
        "campaigns": {k: {"accounts": v["accounts"]} for k, v in campaigns.items()},
        "files": [{"path": csv_path.name, "format": "cnt-csv", "sha256": sha256_file(csv_path)}],
    }
    manifest_path = _write(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return truth, templates, manifest_path
