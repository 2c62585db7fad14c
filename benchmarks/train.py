"""The learned scorer's floor on real data: Reddit's 2017 suspicious (IRA-linked) accounts vs sampled accounts.

    python benchmarks/train.py [--work DIR] [--seed 7] [--test-share 0.3]

Ingests ../shared/data/reddit-ira-suspicious-2017 (posts, with each author's creation date from accounts.csv
joined on as `account_created` in a file under --work; nothing is copied into the repository), runs
`botwatch detect` (hand-set scorer), splits the labelled accounts BY ACCOUNT into a training and a held-out part
(stratified, seeded), then on the same held-out accounts:

1. the hand-set scorer: `botwatch evaluate` of the plain run;
2. the model: `botwatch train` on the training accounts, `botwatch detect --model`, `botwatch evaluate`;
3. the model without the features that encode how the data were collected (submission/comment mix, links,
   volume; see SOURCE.md's caveats), to see how much of 2 is a dataset artefact.

Writes benchmarks/results/train.md (machine, versions, load, seed, command) and prints it.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "reddit-ira-suspicious-2017"
RESULT = ROOT / "benchmarks" / "results" / "train.md"
BW = [sys.executable, "-m", "botwatch"]
ARTEFACTS = [
    "share_",  # kind shares and share_with_link/hashtag/... and share_without_text
    "items_log1p",
    "items_per_active_day",
    "active_days_log1p",
    "span_days",
    "text_chars_log1p",
    "posts_per_item",
    "channels_log1p",
    "distinct_text_share",
]


def sh(args: list[str], env: dict) -> tuple[float, float, str]:
    """Run a command: wall seconds, CPU seconds (user + system of the child), stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run(args, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{res.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return round(wall, 1), round(cpu, 1), res.stdout


def posts_with_creation(work: Path) -> Path:
    """posts.csv.gz with the author's creation date (accounts.csv) as an extra column."""
    out = work / "reddit_posts_created.csv.gz"
    if out.exists():
        return out
    with open(DATA / "accounts.csv", newline="", encoding="utf-8") as fh:
        created = {r["author"]: r["account_created"] for r in csv.DictReader(fh)}
    with (
        gzip.open(DATA / "posts.csv.gz", "rt", newline="", encoding="utf-8") as fi,
        gzip.open(out, "wt", newline="", encoding="utf-8") as fo,
    ):
        reader = csv.DictReader(fi)
        writer = csv.DictWriter(fo, fieldnames=[*reader.fieldnames, "account_created"])
        writer.writeheader()
        for row in reader:
            writer.writerow({**row, "account_created": created.get(row["author"], "")})
    return out


def split_labels(work: Path, seed: int, test_share: float) -> tuple[Path, Path, Path, dict]:
    """All labels, and a stratified split by account (seeded) into training and held-out files."""
    from sklearn.model_selection import train_test_split

    with open(DATA / "accounts.csv", newline="", encoding="utf-8") as fh:
        rows = [(r["author"], 1 if r["label"] == "suspicious" else 0) for r in csv.DictReader(fh)]
    train, test = train_test_split(
        rows, test_size=test_share, stratify=[y for _, y in rows], random_state=seed
    )
    paths = []
    for name, part in (("all", rows), ("train", train), ("test", test)):
        path = work / f"reddit_{name}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fo:
            w = csv.writer(fo)
            w.writerow(["account_id", "label"])
            w.writerows(sorted(part))
        paths.append(path)
    counts = {n: [len(p), sum(y for _, y in p)] for n, p in (("train", train), ("test", test))}
    return *paths, counts


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "botwatch-train")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--test-share", type=float, default=0.3)
    ap.add_argument("--reuse", action="store_true", help="keep the case of an earlier run (ingested)")
    return ap.parse_args()


def train_and_score(case: Path, name: str, cfg: dict, train_csv: Path, seed: str, env: dict, t: dict) -> dict:
    """`botwatch train` with ``cfg`` as its [model] table, then `detect --model`; the stored record."""
    config = case.parent / f"{name}.json"
    config.write_text(json.dumps({"model": cfg}))
    cmd = [
        "train",
        str(case),
        "--labels",
        str(train_csv),
        "--name",
        name,
        "--seed",
        seed,
        "--config",
        str(config),
    ]
    w, c, out = sh(BW + cmd + ["--replace", "--json"], env)
    t[f"train {name}"] = (w, c)
    t[f"detect --model {name}"] = sh(BW + ["detect", str(case), "--seed", seed, "--model", name], env)[:2]
    return json.loads(out)


def main() -> None:
    args = _args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} not found: the real datasets live beside the checkout (shared/data)")
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BOTWATCH_MODEL_KEY_FILE": str(args.work / "model-signing.key")}
    case = args.work / "reddit.duckdb"
    reuse = args.reuse and case.exists()
    if not reuse:
        case.unlink(missing_ok=True)
    posts = posts_with_creation(args.work)
    _, train_csv, test_csv, counts = split_labels(args.work, args.seed, args.test_share)
    seed = str(args.seed)
    t = {"ingest": ("reused", "reused")}
    if not reuse:
        mapping = ["--map", "preset=pushshift-reddit", "--map", "account_created_at=account_created"]
        t["ingest"] = sh(BW + ["ingest", str(case), str(posts), *mapping], env)[:2]
    t["detect"] = sh(BW + ["detect", str(case), "--seed", seed], env)[:2]  # the hand-set run

    def ev(labels: Path) -> dict:
        return json.loads(sh(BW + ["evaluate", str(case), "--labels", str(labels), "--json"], env)[2])

    results, models = {"hand-set": ev(test_csv)}, {}
    for name, cfg in (("model", {}), ("model_no_artefacts", {"exclude_features": ARTEFACTS})):
        models[name] = train_and_score(case, name, cfg, train_csv, seed, env, t)
        results[name] = ev(test_csv)
    text = render(args, counts, results, models, t)
    RESULT.write_text(text, encoding="utf-8")
    print(text)


def _versions() -> str:
    import duckdb
    import numpy
    import sklearn

    from botwatch import __version__

    return (
        f"Python {platform.python_version()}, botwatch {__version__}, scikit-learn {sklearn.__version__}, "
        f"DuckDB {duckdb.__version__}, NumPy {numpy.__version__}"
    )


def render(args, counts, results, models, t) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    load = os.getloadavg()
    lines = [
        "# The learned scorer on Reddit's 2017 suspicious accounts (held-out split by account)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit {commit.stdout.strip()} on "
        f"{platform.node() and 'the project machine'} ({os.cpu_count()} cores, {platform.machine()}); {_versions()}; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (other sessions share the machine: "
        "wall times are inflated, CPU seconds less so).",
        "",
        "```bash",
        f"python benchmarks/train.py --seed {args.seed} --test-share {args.test_share}",
        "```",
        "",
        f"Split by account, stratified, seed {args.seed}: training {counts['train'][0]} accounts "
        f"({counts['train'][1]} suspicious), held out {counts['test'][0]} ({counts['test'][1]} suspicious). "
        "Every row below is measured on the same held-out accounts, which no model saw.",
        "",
        "| scorer (held-out accounts) | PR-AUC | base rate | precision at recall 0.5 / 0.8 / 0.9 | Brier | flagged | TP | FP |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        par = r.get("precision_at_recall", {})
        lines.append(
            f"| {name} | {r['pr_auc']} | {r.get('base_rate')} | {par.get('0.5')} / {par.get('0.8')} / "
            f"{par.get('0.9')} | {r.get('brier')} | {r['flagged_labelled']} | {r['true_positives']} | "
            f"{r['false_positives']} |"
        )
    lines += ["", "Cross-validated on the training accounts (stored with each model):", ""]
    for name, m in models.items():
        v = m["validation"]
        imp = ", ".join(f"`{k}` {x}" for k, x in list(v["importance"].items())[:8])
        lines.append(
            f"- **{name}** ({len(m['features'])} features, sha256 {m['sha256'][:12]}): PR-AUC {v['pr_auc']}, "
            f"Brier {v['brier']}; leans on (permutation importance): {imp}"
        )
    lines += ["", "| step | wall s | CPU s |", "|---|---|---|"]
    lines += [f"| {k} | {w} | {c} |" for k, (w, c) in t.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
