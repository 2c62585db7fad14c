"""Detection on the real public datasets in ../shared/data (never copied into the repository).

    python benchmarks/real_data.py [--work DIR] [--only reddit ira vk coord]

Ingests each dataset with the commands in docs/ingest.md, runs `botwatch detect` with default parameters (chosen
on the synthetic demo, not on these data), and prints a markdown summary:
- reddit-ira-suspicious-2017: `botwatch evaluate` against Reddit's 2017 suspicious-account list (real negatives);
- ira-twitter-en-2016: share of the 341 IRA accounts flagged and campaign purity against the hand-coded
  account categories (positives only);
- vk-media-comments-2022 and russian-coord-retweets-2021 (unlabelled): share of accounts flagged, campaigns, and
  what the largest flagged groups look like (sizes, layers, pages), for a human reading.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
BW = [sys.executable, "-m", "botwatch"]

INGEST = {
    "reddit": [str(DATA / "reddit-ira-suspicious-2017/posts.csv.gz")],
    "ira": [
        str(DATA / "ira-twitter-en-2016/tweets_en_2016-10-01_to_2016-11-15.csv.gz"),
        "--timezone",
        "UTC",
        "--platform",
        "twitter",
        "--map",
        "item_id=@hash",
        "--map",
        "account_id=author_id",
        "--map",
        "handle=author_id",
        "--map",
        "created_at=publish_date",
        "--map",
        "text=content",
        "--map",
        "lang=language",
        "--map",
        "followers=followers",
        "--map",
        "following=following",
        "--map",
        "posts_count=updates",
    ],
    "vk": [
        str(DATA / "vk-media-comments-2022-unlabeled/mkwm2022_vk_media_comments_available.csv.gz"),
        "--timezone",
        "Europe/Moscow",
        "--platform",
        "vk",
        "--map",
        "item_id=@hash",
        "--map",
        "account_id=user_id_hashed",
        "--map",
        "created_at=datetime",
        "--map",
        "text=text",
        "--map",
        "channel=media",
        "--map",
        "kind='comment'",
    ],
    "coord": [
        str(DATA / "russian-coord-retweets-2021-unlabeled/russian_coord_tweets.csv.gz"),
        "--platform",
        "twitter",
    ],
}


def sh(args: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    res = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if res.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{res.stderr}")
    return time.perf_counter() - t, res.stdout


def reddit_labels(path: Path) -> Path:
    out = path / "reddit_labels.csv"
    with (
        open(DATA / "reddit-ira-suspicious-2017/accounts.csv", newline="", encoding="utf-8") as fh,
        open(out, "w", newline="", encoding="utf-8") as fo,
    ):
        w = csv.writer(fo)
        w.writerow(["account_id", "label"])
        for row in csv.DictReader(fh):
            w.writerow([row["author"], 1 if row["label"] == "suspicious" else 0])
    return out


def ira_labels(path: Path) -> Path:
    out = path / "ira_labels.csv"
    with (
        open(DATA / "ira-twitter-en-2016/authors.csv", newline="", encoding="utf-8") as fh,
        open(out, "w", newline="", encoding="utf-8") as fo,
    ):
        w = csv.writer(fo)
        w.writerow(["account_id", "label", "group"])
        for row in csv.DictReader(fh):
            w.writerow(
                [row["author_id"] if "author_id" in row else row["author"], 1, row["account_category"]]
            )
    return out


def case_summary(case: Path) -> dict:
    con = duckdb.connect(str(case), read_only=True)
    q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    out = {
        "accounts": q("SELECT count(*) FROM accounts")[0][0],
        "items": q("SELECT count(*) FROM items")[0][0],
        "flagged": q("SELECT count(*) FROM account_scores WHERE flagged")[0][0],
        "edges_by_layer": q("SELECT layer, count(*), count_if(significant) FROM edges GROUP BY 1 ORDER BY 1"),
        "clusters": q("SELECT count(*), coalesce(sum(n_items), 0) FROM text_clusters")[0],
        "campaigns": q("""SELECT campaign_id, n_accounts, n_items, layers, first_at, last_at, len(channels),
                                 len(cluster_ids) FROM campaigns ORDER BY n_accounts DESC LIMIT 12"""),
        "flagged_items_share": q("""SELECT count_if(s.flagged) * 1.0 / count(*) FROM items i
                                    LEFT JOIN account_scores s USING (platform, account_id)""")[0][0],
        "run": json.loads(q("SELECT config FROM runs ORDER BY run_id DESC LIMIT 1")[0][0])["summaries"],
    }
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "botwatch-real")
    ap.add_argument("--only", nargs="*", default=list(INGEST))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(
            f"{DATA} not found: the real datasets live beside the checkout (see shared/data/README.md)"
        )
    args.work.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.only:
        case = args.work / f"{name}.duckdb"
        if case.exists():
            case.unlink()
        t_ing, _ = sh(BW + ["ingest", str(case)] + INGEST[name])
        t_det, det = sh(BW + ["detect", str(case), "--seed", str(args.seed)])
        res = {"ingest_s": round(t_ing, 1), "detect_s": round(t_det, 1), **case_summary(case)}
        if name == "reddit":
            _, ev = sh(BW + ["evaluate", str(case), "--labels", str(reddit_labels(args.work)), "--json"])
            res["evaluate"] = json.loads(ev)
        if name == "ira":
            _, ev = sh(BW + ["evaluate", str(case), "--labels", str(ira_labels(args.work)), "--json"])
            res["evaluate"] = json.loads(ev)
        results[name] = res
        print(f"## {name}\n```json\n{json.dumps(res, indent=1, default=str)}\n```", flush=True)
    (args.work / "results.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
