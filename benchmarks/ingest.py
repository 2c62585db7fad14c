"""Ingest speed and memory: 1M synthetic comments as CNT CSV and as generic JSON Lines.

The data is generated with a seed under a temporary folder (never committed). Each format is ingested into a
fresh case by ``botwatch ingest`` in a child process, ``--repeat`` times, measured by ``_measure.run_measured``:
wall and CPU time and the child's peak RSS (GNU ``time -f %M``, which covers DuckDB's native allocations too).
Medians are written to ``benchmarks/results/ingest.md`` with the machine and versions.

    python benchmarks/ingest.py                 # 1M comments, 3 runs per format
    python benchmarks/ingest.py --n 100000 --repeat 1 --no-write
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _measure import cpu_model, run_measured  # noqa: E402

BIN = Path(sys.executable).parent
WORDS = (
    "спасибо правительству за заботу о народе молодцы так держать отличная работа акимат наконец дороги "
    "thanks great job government roads finally news today city people support proud country hospital school "
    "rahmet jaqsy zhumys kazakhstan almaty astana price bread salary water"
).split()
JSONL_MAP = ["--map", "handle=author.handle", "--map", "display_name=author.name"]


def generate(folder: Path, n: int, seed: int) -> dict[str, Path]:
    """Write ``n`` comments by ~n/20 accounts under ~n/200 posts, once as CNT CSV and once as JSON Lines."""
    rng = random.Random(seed)
    n_accounts = max(1, n // 20)
    n_posts = max(1, n // 200)
    start = dt.datetime(2024, 3, 1, tzinfo=dt.UTC).timestamp()
    csv_path = folder / "comments_cnt.csv"
    jsonl_path = folder / "comments.jsonl"
    with (
        open(csv_path, "w", newline="", encoding="utf-8") as fc,
        open(jsonl_path, "w", encoding="utf-8") as fj,
    ):
        w = csv.writer(fc)
        w.writerow(
            ["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"]
        )
        for i in range(n):
            acc = rng.randrange(n_accounts)
            post = rng.randrange(n_posts)
            words = rng.choices(WORDS, k=rng.randint(4, 16))
            if rng.random() < 0.1:
                words.append("#" + rng.choice(WORDS))
            url = f"https://example.org/news/{post}" if rng.random() < 0.05 else ""
            text = " ".join(words) + (" " + url if url else "")
            ts = start + rng.random() * 30 * 86400
            iso = dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            w.writerow([f"c{i}", f"a{acc}", f"user_{acc}", "", f"p{post}", text, f"{ts:.0f}", url])
            rec = {
                "item_id": f"c{i}",
                "account_id": f"a{acc}",
                "author": {"handle": f"user_{acc}", "name": f"User {acc}"},
                "parent_id": f"p{post}",
                "created_at": iso,
                "text": text,
                "reactions": rng.randrange(50),
            }
            fj.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return {"csv": csv_path, "jsonl": jsonl_path}


def command(case: Path, path: Path, fmt: str) -> list[str]:
    cmd = ["botwatch", "ingest", str(case), str(path), "--format", fmt, "--json"]
    return cmd + (JSONL_MAP if fmt == "jsonl" else [])


def run_once(case: Path, path: Path, fmt: str, log_prefix: Path, timeout_s: float) -> dict:
    if case.exists():
        case.unlink()
    cmd = [str(BIN / "botwatch"), *command(case, path, fmt)[1:]]
    m = run_measured(cmd, timeout_s=timeout_s, log_prefix=log_prefix)
    if m.returncode != 0:
        raise SystemExit(f"ingest failed{' (timed out)' if m.timed_out else ''}: {m.tail(2000)}")
    summary = json.loads(Path(m.stdout_path).read_text(encoding="utf-8"))[0]
    return {
        "wall_s": m.wall_s,
        "cpu_s": m.cpu_s,
        "items": summary["items_stored"],
        "peak_rss_mb": m.peak_rss_mb,
        "summary": summary,
    }


def machine() -> dict:
    cpu = cpu_model(platform.processor() or "unknown")
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    import pyarrow

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(ram, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pyarrow": pyarrow.__version__,
        "os": platform.platform(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="comments to generate")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--formats", default="csv,jsonl")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per ingest run")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write results/ingest.md")
    args = ap.parse_args()
    load_before = os.getloadavg()
    results = {}
    with tempfile.TemporaryDirectory(prefix="botwatch-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        files = generate(folder, args.n, args.seed)
        print(f"generated {args.n} comments in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        for fmt in args.formats.split(","):
            runs = []
            for i in range(args.repeat):
                r = run_once(
                    folder / f"case_{fmt}.duckdb", files[fmt], fmt, folder / f"{fmt}_{i}", args.timeout
                )
                runs.append(r)
                print(
                    f"{fmt} run {i + 1}: {r['wall_s']:.2f}s (cpu {r['cpu_s']:.2f}s), "
                    f"{r['items'] / r['wall_s']:,.0f} items/s, "
                    f"peak {r['peak_rss_mb']:,.0f} MiB",
                    file=sys.stderr,
                )
            results[fmt] = {
                "size_mb": files[fmt].stat().st_size / 1e6,
                "wall_s": statistics.median(r["wall_s"] for r in runs),
                "items": runs[0]["items"],
                "items_per_s": statistics.median(r["items"] / r["wall_s"] for r in runs),
                "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                "peak_rss_mib": statistics.median(r["peak_rss_mb"] for r in runs),
                "runs": [round(r["wall_s"], 2) for r in runs],
                "summary": runs[0]["summary"],
            }
    load_after = os.getloadavg()
    text = report(args, results, machine(), load_before, load_after)
    print(text)
    if not args.no_write:
        out = HERE / "results" / "ingest.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)


def report(args, results: dict, mach: dict, load_before, load_after) -> str:
    lines = [
        "# Ingest benchmark",
        "",
        f"Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}. "
        f"Command: `python benchmarks/ingest.py --n {args.n} --repeat {args.repeat} --seed {args.seed}`.",
        "",
        f"Machine: {mach['cpu']}, {mach['cores']} cores, {mach['ram_gib']} GiB RAM; {mach['os']}. "
        f"Python {mach['python']}, DuckDB {mach['duckdb']}, pyarrow {mach['pyarrow']}.",
        f"Load average (1/5/15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; after: "
        f"{', '.join(f'{x:.2f}' for x in load_after)}. The machine is shared with other jobs, so times are noisy.",
        "",
        f"Each run ingests one file into a fresh case in a child process (`{' '.join(command(Path('CASE'), Path('FILE'), 'jsonl'))}`"
        " for JSON Lines, `--format csv` without `--map` for CSV). Wall time includes interpreter start-up, "
        "sniffing, hashing, validation, dedupe and the accounts table. Peak RSS is the child's own maximum "
        "resident set.",
        "",
        "| format | file size | items stored | median wall | median items/s | median CPU (user+sys) "
        "| median peak RSS | runs (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fmt, r in results.items():
        lines.append(
            f"| {fmt} | {r['size_mb']:.0f} MB | {r['items']:,} | {r['wall_s']:.2f} s | {r['items_per_s']:,.0f} | "
            f"{r['cpu_s']:.2f} s | {r['peak_rss_mib']:,.0f} MiB | {', '.join(map(str, r['runs']))} |"
        )
    lines += ["", "Floor: 200,000 items/s for both formats and peak memory under 2 GB.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
