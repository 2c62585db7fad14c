"""CPU seconds to render the report of an existing case (``build_report`` only; the case is read once first).

    python benchmarks/report_render.py CASE [--renders 3]

Run it under two checkouts alternately (``PYTHONPATH=/tmp/other/src python benchmarks/report_render.py CASE``)
to compare template code on a loaded machine. Results: benchmarks/results/report.md.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from botwatch.report import build_report, collect_report_data
from botwatch.store.case import Case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", type=Path)
    parser.add_argument("--renders", type=int, default=3)
    args = parser.parse_args()
    with Case(args.case, read_only=True) as case:
        data = collect_report_data(case.con, case_path=args.case)
    build_report(data)  # loads and compiles the templates
    times = []
    for _ in range(max(1, args.renders)):
        started = time.process_time()
        build_report(data)
        times.append(time.process_time() - started)
    print(
        f"load average {os.getloadavg()[0]:.1f}; build_report CPU s: {', '.join(f'{t:.3f}' for t in times)}"
    )


if __name__ == "__main__":
    main()
