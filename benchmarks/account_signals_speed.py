"""Cost of the account-signal detectors on generated comments (default 1M).

    python benchmarks/account_signals_speed.py [--n 1000000] [--work DIR] [--seed 1]

Generates the seeded benchmark file (:func:`botwatch.demo.generate_benchmark`, CNT layout; reused when present),
ingests it with `botwatch ingest ... --timezone UTC` (reused), and times `botwatch detect --only
registration_cohorts generated_names focus_rhythm` in a child process: wall, CPU and peak RSS
(``_measure.run_measured``). The file carries no creation dates or handles, so the first two detectors say "off"
and `focus_rhythm` is the one that reads every item. `--only` also runs the detectors these require (their edges
feed the cohorts' and names' peers), so the time includes them; each detector's seconds are in the summary.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_measured  # noqa: E402

BIN = Path(sys.executable).parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "botwatch-signals-speed")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from botwatch.demo import generate_benchmark

    folder = args.work / f"n{args.n}"
    folder.mkdir(parents=True, exist_ok=True)
    case = folder / "case.duckdb"
    if not case.exists():
        files = generate_benchmark(folder / "data", n_comments=args.n, seed=args.seed, formats=("cnt-csv",))
        m = run_measured(
            [str(BIN / "botwatch"), "ingest", str(case), *map(str, files.inputs), "--timezone", "UTC"],
            timeout_s=3600,
            log_prefix=folder / "ingest",
        )
        print(f"ingest: {m}", flush=True)
    only = ["--only", "registration_cohorts", "--only", "generated_names", "--only", "focus_rhythm"]
    m = run_measured(
        [str(BIN / "botwatch"), "detect", str(case), "--seed", str(args.seed), *only],
        timeout_s=3600,
        log_prefix=folder / "detect",
    )
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, python {platform.python_version()}; load {os.getloadavg()}"
    )
    print(f"detect (account signals only), {args.n:,} comments: {m}")
    print((folder / "detect.out").read_text())


if __name__ == "__main__":
    main()
