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
    campaigns of 8-40 accounts each. Rows are written in time order, 100k at a time.
    """
    from botwatch.demo import DemoFiles
    from botwatch.demo.writers import _write
    from botwatch.ingest.runner import sha256_file

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown benchmark format {unknown[0]!r}; use one of: {', '.join(FORMATS)}")
    if n_comments < 1000:
        raise ValueError("n_comments must be at least 1000")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    clock = _Clock(START, START + DAYS * 86400)

    # pages and posts: 12 pages, 8 of them official, ~6 posts a day each between 08:00 and 21:30 local
    n_pages, n_official = 12, 8
    posts_per_page = rng.poisson(6 * DAYS, size=n_pages)
    post_page = np.repeat(np.arange(n_pages), posts_per_page)
    day = rng.integers(0, DAYS, size=len(post_page))
    post_t = START + day * 86400 + rng.integers(8 * 3600, 21 * 3600 + 1800, size=len(post_page))
    order = np.argsort(post_t, kind="stable")
    post_page, post_t = post_page[order], post_t[order]
    n_posts = len(post_t)
    popularity = np.minimum(rng.lognormal(0.0, 0.9, size=n_posts), 12.0)

    # campaigns: bursts under office-hours posts of one or two official pages
    n_campaigns = max(3, n_comments // 50_000)
    sizes = rng.integers(8, 41, size=n_campaigns)
    n_bot = int(round(planted_fraction * n_comments))
    share = sizes / sizes.sum()
    bot_rows: list[tuple[int, int, int, int, str]] = []  # (t, post, account, campaign, text)
    n_people = max(2000, n_comments // 6)
    first_account = np.concatenate([[0], np.cumsum(sizes)])
    for c in range(n_campaigns):
        spec = CAMPAIGNS[c % len(CAMPAIGNS)]
        pages = rng.choice(n_official, size=1 + int(rng.random() < 0.4), replace=False)
        eligible = np.flatnonzero(np.isin(post_page, pages) & clock.office(post_t + 300))
        want = max(int(share[c] * n_bot), int(sizes[c]))
        tag = " " + _hashtag(c)
        made = 0
        while made < want:
            post = int(eligible[int(rng.integers(len(eligible)))])
            k = min(int(sizes[c]), want - made, int(rng.integers(max(2, sizes[c] // 4), sizes[c] // 2 + 2)))
            accounts = rng.choice(int(sizes[c]), size=k, replace=False)
            times = post_t[post] + int(rng.uniform(*spec.start_delay_s))
            times = times + np.cumsum(rng.exponential(spec.gap_mean_s, size=k)).astype(np.int64)
            for a, t in zip(accounts, times):
                text = campaign_text(spec, int(rng.integers(len(spec.templates))), rng)
                bot_rows.append((int(t), post, int(first_account[c] + a), c, text + tag))
            made += k
    n_bot = len(bot_rows)
    n_org = n_comments - n_bot

    # honest comments: post by popularity, human lag, author by heavy-tailed activity, replies in-thread
    person_lang = rng.choice(len(LANGS), size=n_people, p=[0.55, 0.22, 0.08, 0.15])
    activity = rng.pareto(2.0, size=n_people) + 0.5
    org_post = rng.choice(n_posts, size=n_org, p=popularity / popularity.sum())
    org_t = humane_times(rng, clock, post_t[org_post], 1500.0, rounds=30)
    org_author = rng.choice(n_people, size=n_org, p=activity / activity.sum())

    # merge, sort by time, give ids; replies point to an earlier comment under the same post
    t_all = np.concatenate([org_t, np.array([r[0] for r in bot_rows], dtype=np.int64)])
    post_all = np.concatenate([org_post, np.array([r[1] for r in bot_rows], dtype=np.int64)])
    is_bot = np.concatenate([np.zeros(n_org, bool), np.ones(n_bot, bool)])
    author = np.concatenate([org_author, n_people + np.array([r[2] for r in bot_rows], dtype=np.int64)])
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

    # public ids are shuffled, so that an id never tells a planted account from an honest one
    public_id = rng.permutation(n_people + int(sizes.sum())) + 1000
    csv_path = out / "comments_cnt.csv"
    vocab = _vocabulary()
    bot_text = pa.array([r[4] for r in bot_rows], type=pa.string())
    post_text = pa.array([_headline(rng, "official" if p < n_official else "city") for p in post_page])
    schema = pa.schema([(c, pa.int64() if c == "timestamp" else pa.string()) for c in CNT_COLUMNS])
    with pacsv.CSVWriter(str(csv_path), schema) as writer:
        posts = {
            "message_id": pa.array([f"p{i}" for i in range(n_posts)]),
            "user_id": pa.array([f"page{p}" for p in post_page]),
            "username": pa.array(
                [f"official_page_{p}" if p < n_official else f"city_page_{p}" for p in post_page]
            ),
            "repost_id": pa.nulls(n_posts, pa.string()),
            "reply_id": pa.nulls(n_posts, pa.string()),
            "message": post_text,
            "timestamp": pa.array(post_t),
            "urls": pa.array([f"https://news{p}.example/n/{i}" for i, p in enumerate(post_page)]),
        }
        writer.write_table(pa.table(posts, schema=schema))
        for n, lo in enumerate(range(0, n_comments, CHUNK_ROWS)):
            hi = min(lo + CHUNK_ROWS, n_comments)
            chunk_rng = np.random.default_rng([seed, n])
            langs = person_lang[np.where(is_bot[lo:hi], 0, author[lo:hi])]
            text = _organic_text(chunk_rng, langs, vocab)
            bots = np.flatnonzero(is_bot[lo:hi])
            if len(bots):
                text = pc.replace_with_mask(
                    text, pa.array(is_bot[lo:hi]), bot_text.take(pa.array(source[lo:hi][bots]))
                )
            ids = np.arange(lo, hi)
            target = reply_target[lo:hi]
            reply = np.where(
                target >= 0,
                np.char.add("c", target.astype(str)),
                np.char.add("p", post_all[lo:hi].astype(str)),
            )
            user = np.char.add("u", public_id[author[lo:hi]].astype(str))
            rows = {
                "message_id": pa.array(np.char.add("c", ids.astype(str))),
                "user_id": pa.array(user),
                "username": pa.array(np.char.add("name_", public_id[author[lo:hi]].astype(str))),
                "repost_id": pa.nulls(hi - lo, pa.string()),
                "reply_id": pa.array(reply),
                "message": text,
                "timestamp": pa.array(t_all[lo:hi]),
                "urls": pa.nulls(hi - lo, pa.string()),
            }
            writer.write_table(pa.table(rows, schema=schema))

    people_seen = np.unique(author)
    campaign_of = np.searchsorted(first_account, np.arange(int(first_account[-1])), side="right") - 1
    lines = [
        f"generic,u{public_id[a]},1,bench-{int(campaign_of[a - n_people])},"
        if a >= n_people
        else f"generic,u{public_id[a]},0,,"
        for a in people_seen
    ] + [f"generic,page{p},0,," for p in range(n_pages)]
    truth = _write(
        out / "ground_truth.csv",
        "platform,account_id,label,group,created_at\n" + "\n".join(sorted(lines)) + "\n",
    )
    campaigns = {
        f"bench-{c}": {
            "accounts": int(sizes[c]),
            "templates": list(CAMPAIGNS[c % len(CAMPAIGNS)].templates),
            "hashtag": _hashtag(c),
        }
        for c in range(n_campaigns)
    }
    templates = _write(out / "templates.json", json.dumps(campaigns, ensure_ascii=False, indent=2) + "\n")
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
            "accounts": int(len(people_seen)) + n_pages,
        },
        "planted_fraction": n_bot / n_comments,
        "campaigns": {k: {"accounts": v["accounts"]} for k, v in campaigns.items()},
        "files": [{"path": csv_path.name, "format": "cnt-csv", "sha256": sha256_file(csv_path)}],
    }
    manifest_path = _write(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    files = [
        {
            "path": csv_path,
            "format": "cnt-csv",
            "platform": "generic",
            "records": {"rows": n_posts + n_comments},
        }
    ]
    return DemoFiles(out, [csv_path], truth, None, templates, manifest_path, files)
