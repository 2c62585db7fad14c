"""Focus and rhythm under the theoretical and the empirical null: who each signal calls significant.

    python benchmarks/focus_null.py [--work DIR] [--only demo scenarios vk reddit] [--cells NAME ...]

For each data set, builds a case (cached under ``--work``), runs the ``focus_rhythm`` detector twice on it, with
``null = "theoretical"`` (binomial / uniform against the platform's items) and ``null = "empirical"`` (against
the platform's accounts of similar activity), and prints, per signal and group, the accounts measured and the
share called significant (Benjamini-Hochberg at the default fdr):

- ``demo``: the synthetic demo (seed 7, small; Asia/Almaty), planted vs organic accounts (ground truth);
- ``scenarios``: cells of ``botwatch.demo.scenarios.scenario_grid(50000, seed 1)`` (``--cells``; default four,
  three whose groups focus on one or two official channels), planted vs organic (superfans apart);
- ``vk``: ../shared/data VK media comments 2022 (unlabelled, Europe/Moscow as at ingest), all accounts;
- ``reddit``: ../shared/data Reddit 2017, the IRA's suspicious accounts vs the sampled ones (Europe/Moscow).

Only the detector runs (these signals read items alone); flags need the whole ``detect``: see
``benchmarks/real_data.py`` and ``benchmarks/account_signals.py``. Real account names never leave the cases.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SIGNALS = ("page_focus", "office_hours", "weekday_share", "short_lifetime", "regular_intervals")
DEFAULT_CELLS = ("burst-t1-p00", "drip-t3-p30", "slow-p50", "drip-t3-p00")


def ingest_cli(case: Path, args: list[str]) -> None:
    if case.exists():
        return
    cmd = [sys.executable, "-m", "botwatch", "ingest", str(case), *args]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        case.unlink(missing_ok=True)
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res.stderr}")


def demo_case(work: Path) -> tuple[Path, str, dict]:
    from botwatch.demo import generate_demo

    files = generate_demo(work / "demo", seed=7, size="small")
    case = work / "demo.duckdb"
    ingest_cli(case, [*map(str, files.inputs), "--timezone", files.timezone])
    with open(files.truth, encoding="utf-8") as fh:
        truth = {
            (r["platform"], r["account_id"]): "planted" if r["label"] == "1" else "organic"
            for r in csv.DictReader(fh)
        }
    return case, files.timezone, truth


def scenario_case(work: Path, name: str) -> tuple[Path, str, dict]:
    from botwatch.demo.scenarios import generate_scenario, scenario_grid

    cell = next(c for c in scenario_grid(50_000, 1) if c.name == name)
    folder = work / f"scenario-{name}"
    if not (folder / "items.csv").exists():
        generate_scenario(cell, folder)
    case = work / f"scenario-{name}.duckdb"
    ingest_cli(case, [str(folder / "items.csv")])
    with open(folder / "ground_truth.csv", encoding="utf-8") as fh:
        truth = {}
        for r in csv.DictReader(fh):
            group = (
                "planted" if r["label"] == "1" else ("superfan" if r["group"] == "superfan" else "organic")
            )
            truth[("generic", r["account_id"])] = group
    return case, "Asia/Almaty", truth


def vk_case(work: Path) -> tuple[Path, str, dict | None]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from real_data import INGEST

    case = work / "vk.duckdb"
    ingest_cli(case, INGEST["vk"])
    return case, "", None


def reddit_case(work: Path) -> tuple[Path, str, dict]:
    folder = DATA / "reddit-ira-suspicious-2017"
    case = work / "reddit.duckdb"
    ingest_cli(case, [str(folder / "posts.csv.gz")])
    with open(folder / "accounts.csv", newline="", encoding="utf-8") as fh:
        truth = {("reddit", r["author"]): r["label"] for r in csv.DictReader(fh)}
    return case, "Europe/Moscow", truth


def measure(case: Path, timezone: str, truth: dict | None, work: Path) -> dict:
    """Run the detector under each null on a copy of ``case``; counts per (null, signal, group)."""
    from botwatch import Case
    from botwatch.detectors import RunContext
    from botwatch.detectors.focus_rhythm import FocusRhythmDetector

    copy = work / "_measure.duckdb"
    shutil.copy(case, copy)
    out: dict = {}
    with Case(copy) as c:
        for run_id, null in enumerate(("theoretical", "empirical"), start=900):
            t = time.perf_counter()
            summary = FocusRhythmDetector(null=null, timezone=timezone).run(RunContext(c.con, run_id, seed=0))
            rows = c.con.execute(
                "SELECT platform, account_id, signal, significant FROM account_signals WHERE run_id = ?",
                [run_id],
            ).fetchall()
            counts: dict = {}
            for plat, acct, signal, sig in rows:
                group = "all" if truth is None else truth.get((plat, acct), "unlabelled")
                m, s = counts.get((signal, group), (0, 0))
                counts[(signal, group)] = (m + 1, s + int(bool(sig)))
            out[null] = {"seconds": round(time.perf_counter() - t, 1), "counts": counts, "summary": summary}
    copy.unlink()
    return out


def table(name: str, res: dict, groups: list[str]) -> str:
    lines = [
        f"### {name}",
        "",
        "| signal | " + " | ".join(f"{g}: theoretical → empirical" for g in groups) + " |",
    ]
    lines.append("|---|" + "---|" * len(groups))
    for signal in SIGNALS:
        cells = []
        for g in groups:
            m0, s0 = res["theoretical"]["counts"].get((signal, g), (0, 0))
            m1, s1 = res["empirical"]["counts"].get((signal, g), (0, 0))
            if m0 == 0:
                cells.append("–")
                continue
            cells.append(f"{s0} → {s1} of {m1} ({s0 / m0:.1%} → {s1 / max(m1, 1):.1%})")
        lines.append(f"| `{signal}` | " + " | ".join(cells) + " |")
    nulls = res["empirical"]["summary"].get("nulls", {})
    lines += ["", f"Empirical nulls: {nulls}. Detector: {res['theoretical']['seconds']} s theoretical, "
              f"{res['empirical']['seconds']} s empirical."]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "botwatch-focus-null")
    ap.add_argument("--only", nargs="*", default=["demo", "scenarios", "vk", "reddit"])
    ap.add_argument("--cells", nargs="*", default=list(DEFAULT_CELLS))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; "
          f"python {platform.python_version()}; load {os.getloadavg()}\n")  # fmt: skip
    jobs = []
    if "demo" in args.only:
        jobs.append(("demo (seed 7, small)", lambda: demo_case(args.work), ["planted", "organic"]))
    if "scenarios" in args.only:
        for cell in args.cells:
            groups = ["planted", "organic", "superfan"]
            jobs.append((f"scenario {cell}", lambda cell=cell: scenario_case(args.work, cell), groups))
    for name, make, groups in (
        ("vk", lambda: vk_case(args.work), ["all"]),
        ("reddit", lambda: reddit_case(args.work), ["suspicious", "normal"]),
    ):
        if name in args.only:
            if not DATA.exists():
                print(f"{name}: skipped, {DATA} not found")
                continue
            jobs.append((name, make, groups))
    for name, make, groups in jobs:
        case, tz, truth = make()
        print(table(name, measure(case, tz, truth, args.work), groups) + "\n", flush=True)


if __name__ == "__main__":
    main()
