"""How each account signal separates Reddit's 274 suspicious (IRA) accounts from the 2,014 sampled ones.

    python benchmarks/account_signals.py [--work DIR] [--timezone Europe/Moscow]

Ingests ../shared/data/reddit-ira-suspicious-2017/posts.csv.gz (the `pushshift-reddit` preset), copies each
account's creation date from the folder's accounts.csv into the case (the posts file carries none; this is the
only step outside the CLI), runs `botwatch detect` with default parameters (chosen on generated data only) and
`--timezone` (the IRA worked on Moscow time; the organic sample has no single zone), and prints, per signal, the
share of each group that was measured and that the signal calls significant, with the flag counts. Real
usernames never leave the case: only counts are printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "reddit-ira-suspicious-2017"
BW = [sys.executable, "-m", "botwatch"]


def sh(args: list[str]) -> str:
    res = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if res.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{res.stderr}")
    return res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "botwatch-signals")
    ap.add_argument("--timezone", default="Europe/Moscow")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} not found: the real datasets live beside the checkout")
    args.work.mkdir(parents=True, exist_ok=True)
    case = args.work / "reddit.duckdb"
    case.unlink(missing_ok=True)
    t0 = time.perf_counter()
    sh(BW + ["ingest", str(case), str(DATA / "posts.csv.gz")])
    with open(DATA / "accounts.csv", newline="", encoding="utf-8") as fh:
        accounts = [(r["author"], r["account_created"], r["label"]) for r in csv.DictReader(fh)]
    con = duckdb.connect(str(case))
    con.execute("CREATE TEMP TABLE truth (author VARCHAR, created VARCHAR, label VARCHAR)")
    con.executemany("INSERT INTO truth VALUES (?, ?, ?)", accounts)
    con.execute("""UPDATE accounts a SET created_at = CAST(TRY_CAST(t.created AS TIMESTAMPTZ) AT TIME ZONE 'UTC'
                   AS TIMESTAMP) FROM truth t WHERE t.author = a.account_id AND t.created <> ''""")
    con.close()
    cpu0 = os.times()
    out = sh(BW + ["detect", str(case), "--seed", str(args.seed), "--timezone", args.timezone])
    cpu1 = os.times()
    con = duckdb.connect(str(case), read_only=True)
    con.execute("CREATE TEMP TABLE truth (author VARCHAR, label VARCHAR)")
    con.executemany("INSERT INTO truth VALUES (?, ?)", [(a, lab) for a, _, lab in accounts])
    groups = dict(con.execute("SELECT label, count(*) FROM truth GROUP BY 1").fetchall())
    rows = con.execute("""
        SELECT s.signal, t.label, count(*) AS measured, count_if(s.significant) AS significant
        FROM account_signals s JOIN truth t ON t.author = s.account_id GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    flagged = dict(
        con.execute("""SELECT t.label, count_if(sc.flagged) FROM account_scores sc JOIN truth t
                       ON t.author = sc.account_id GROUP BY 1""").fetchall()
    )
    dated = dict(
        con.execute("""SELECT t.label, count(*) FROM accounts a JOIN truth t ON t.author = a.account_id
                       WHERE a.created_at IS NOT NULL GROUP BY 1""").fetchall()
    )
    con.close()
    table: dict[str, dict] = {}
    for signal, label, measured, significant in rows:
        table.setdefault(signal, {})[label] = (measured, significant)
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; python {platform.python_version()}"
    )
    print(f"load: {os.getloadavg()}; detect CPU {cpu1.children_user - cpu0.children_user:.1f} s user; "
          f"total wall {time.perf_counter() - t0:.0f} s")  # fmt: skip
    print(f"accounts: {groups}; with a creation date: {dated}; flagged: {flagged}")
    print("\n| signal | suspicious: measured, significant (rate) | normal: measured, significant (rate) |")
    print("|---|---|---|")
    for signal, by in table.items():
        cells = []
        for label in ("suspicious", "normal"):
            m, s = by.get(label, (0, 0))
            cells.append(f"{m}, {s} ({s / groups.get(label, 1):.1%})")
        print(f"| `{signal}` | {cells[0]} | {cells[1]} |")
    summary_line = next((ln for ln in out.splitlines() if "accounts flagged" in ln), "")
    print(f"\n{summary_line.strip()}")
    (args.work / "signals.json").write_text(
        json.dumps({"table": table, "groups": groups, "flagged": flagged})
    )


if __name__ == "__main__":
    main()
