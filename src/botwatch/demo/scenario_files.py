"""The files of one scenario cell (:mod:`botwatch.demo.scenarios`): ``items.csv`` (posts, then comments sorted
by time, replies and shuffled public ids drawn from the cell's seed), ``ground_truth.csv``,
``planted_items.csv``, ``templates.json`` and ``manifest.json``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from botwatch.demo.scenario_text import _headline_grammar, organic_texts
from botwatch.demo.scenario_words import _HEAD_KK, _HEAD_RU, HOLIDAY_POST
from botwatch.demo.scenarios import CHANNELS, CHUNK_ROWS, COLUMNS, GENERATOR_VERSION, ScenarioFiles, _iso


def write_files(s, out, rows, fixed, planted_texts, groups, bot_created, n_people, person_lang, created, role,
           post_t, post_ch, holiday_post, hot, planted_n, n_bots) -> ScenarioFiles:  # fmt: skip
    """Sort the comments by time, draw replies and public ids, write every file and return them."""
    rng = np.random.default_rng([s.seed, 4])
    data = rows.concat()
    order = np.lexsort((np.arange(len(data["t"])), data["t"]))
    data = {k: v[order] for k, v in data.items()}
    parent = _replies(rng, data)
    # public account ids are shuffled so that an id never tells a planted account from an honest one
    public = rng.permutation(n_people + n_bots) + 100_000
    accounts = {
        "public": public,
        "created": np.concatenate([created, bot_created]),
        "lang": np.concatenate([person_lang, np.zeros(n_bots, np.int64)]),
    }
    items_path = out / "items.csv"
    _write_items(s, items_path, data, parent, accounts, fixed, post_t, post_ch, holiday_post)
    lines = _truth_lines(data, groups, public, n_people, role)
    truth = out / "ground_truth.csv"
    truth.write_text(
        "account_id,label,group\n" + "".join(f"{a},{lab},{g}\n" for a, lab, g in lines), encoding="utf-8"
    )
    planted = _write_planted(out / "planted_items.csv", data, planted_texts)
    templates = out / "templates.json"
    templates.write_text(
        json.dumps({g["group"]: g["templates"] for g in groups}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    labels = [lab for _, lab, _ in lines]
    by_group: dict[str, int] = {}
    for _, _, g in lines:
        by_group[g] = by_group.get(g, 0) + 1
    n = len(data["t"])
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
    man = _write_manifest(s, out, counts, groups, (items_path, truth, planted, templates))
    return ScenarioFiles(out, items_path, truth, planted, templates, man, counts)


def _replies(rng, data: dict) -> np.ndarray:
    """A fifth of ordinary organic comments answer an earlier comment under the same post: the parent of each
    comment (its row), or -1."""
    n = len(data["t"])
    by_post = np.lexsort((np.arange(n), data["post"]))
    group_start = np.searchsorted(data["post"][by_post], data["post"][by_post], side="left")
    rank = np.arange(n) - group_start
    back = np.minimum(rng.geometric(0.3, n), rank)
    wants = data["reply_ok"][by_post] & (rank > 0) & (rng.random(n) < 0.2)
    parent = np.full(n, -1, np.int64)
    parent[by_post[wants]] = by_post[np.flatnonzero(wants) - back[wants]]
    return parent


def _post_rows(s, post_t, post_ch, holiday_post, schema) -> pa.Table:
    """The channels' posts: a headline of the channel's language each, the holiday greeting on its post."""
    n_posts = len(post_t)
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
    return pa.table(
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


def _write_items(s, path: Path, data, parent, accounts: dict, fixed, post_t, post_ch, holiday_post) -> None:
    """``items.csv``: the posts, then the comments in chunks of ``CHUNK_ROWS`` (texts drawn per chunk)."""
    n = len(data["t"])
    fixed_arr = pa.array(fixed, pa.string())
    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    with pacsv.CSVWriter(str(path), schema) as writer:
        writer.write_table(_post_rows(s, post_t, post_ch, holiday_post, schema))
        for chunk, lo in enumerate(range(0, n, CHUNK_ROWS)):
            sl = slice(lo, min(lo + CHUNK_ROWS, n))
            crng = np.random.default_rng([s.seed, 6, chunk])
            writer.write_table(_comment_rows(crng, sl, data, parent, accounts, fixed_arr, post_ch, schema))


def _comment_rows(crng, sl: slice, data, parent, accounts: dict, fixed_arr, post_ch, schema) -> pa.Table:
    author = data["author"][sl]
    ref = data["text_ref"][sl]
    text = organic_texts(crng, accounts["lang"][author])
    has_fixed = ref >= 0
    if has_fixed.any():
        text = pc.replace_with_mask(text, pa.array(has_fixed), fixed_arr.take(pa.array(ref[has_fixed])))
    post = data["post"][sl]
    par = parent[sl]
    post_ids = np.char.add("p", post.astype(str))
    is_reply = par >= 0
    return pa.table(
        {
            "item_id": pa.array(np.char.add("c", np.arange(sl.start, sl.stop).astype(str))),
            "account_id": pa.array(np.char.add("u", accounts["public"][author].astype(str))),
            "kind": pa.array(np.where(is_reply, "reply", "comment")),
            "parent_id": pa.array(np.where(is_reply, np.char.add("c", par.astype(str)), post_ids)),
            "root_id": pa.array(post_ids),
            "channel": pa.array(np.array([c[0] for c in CHANNELS])[post_ch[post]]),
            "created_at": _iso(data["t"][sl]),
            "text": text,
            "account_created_at": _iso(accounts["created"][author]),
        },
        schema=schema,
    )


def _truth_lines(data, groups, public, n_people: int, role) -> list[tuple]:
    """Ground truth of every account in the file: (account id, label, group or role), sorted."""
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
    return lines


def _write_planted(path: Path, data, planted_texts: list[dict]) -> Path:
    """``planted_items.csv``: the group, template and paraphrase flag of every planted comment."""
    planted_pos = np.flatnonzero(data["planted"] >= 0)
    planted_order = data["text_ref"][planted_pos]  # the fixed index of each planted comment
    first_planted_ref = min((r for r in planted_order), default=0)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("item_id,group,template,paraphrased\n")
        for pos, ref in zip(planted_pos, planted_order):
            info = planted_texts[int(ref - first_planted_ref)]
            fh.write(f"c{pos},{info['group']},{info['template']},{int(info['paraphrased'])}\n")
    return path


def _write_manifest(s, out: Path, counts: dict, groups, files) -> Path:
    from botwatch.ingest.runner import sha256_file

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
        "files": [{"path": p.name, "sha256": sha256_file(p)} for p in files],
    }
    man = out / "manifest.json"
    man.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return man
