"""Crash test (issue 10): kill -9 at random points of ingest, detect, report and export, repeatedly; after every
kill the case must open with either the old or the complete new state, the previous output must be whole (the
old file or a complete new one), and a re-run must give the same results as a run that was never interrupted.

    python benchmarks/crash.py [--kills 50] [--comments 200000] [--seed 1] [--out benchmarks/results/crash.md]

Each command runs in a child forked after botwatch is imported (so a kill lands in the work, not in Python's
imports) and gets SIGKILL after a delay drawn uniformly from [0, its uninterrupted duration]. The suite runs
a few kills per command on a small input (tests/test_crash.py); this script runs many on a larger one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RUN_TIMEOUT_S = 300


# -- the commands, run in the child ----------------------------------------------------------------------------
def do_ingest(case: str, path: str) -> None:
    from botwatch.ingest import IngestOptions, ingest
    from botwatch.store.case import Case

    with Case(case) as c:
        ingest(c, [path], IngestOptions(timezone="UTC"), progress=False)


def do_detect(case: str, seed: int) -> None:
    from botwatch.pipeline import detect_case
    from botwatch.store.case import Case

    with Case(case) as c:
        detect_case(c, seed=seed)


def do_report(case: str, out: str) -> None:
    from botwatch.report import write_report

    write_report(case, out)


def do_export(case: str, out: str) -> None:
    from botwatch.export import export

    export(case, "items", "csv", out)


# -- inputs and state ------------------------------------------------------------------------------------------
def make_input(path: Path, n: int, seed: int, start: int = 0) -> Path:
    """``n`` comments as JSON Lines: 5 % from 20 accounts posting one template within seconds, the rest organic."""
    rng = random.Random(seed)
    t0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC).timestamp()
    words = ["дорога", "мост", "парк", "школа", "больница", "рынок", "автобус", "свет", "вода", "снег"]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            post = f"p{i // 200}"
            if i % 20 == 0:
                acc = f"bot{rng.randrange(20)}"
                text = f"Спасибо акиму за {rng.choice(words)}! Так держать"
                ts = t0 + (i // 200) * 3600 + rng.randrange(30)
            else:
                acc = f"user{rng.randrange(max(n // 5, 10))}"
                text = " ".join(rng.choice(words) for _ in range(6)) + f" {i}"
                ts = t0 + (i // 200) * 3600 + rng.randrange(3600)
            row = {"item_id": f"c{i}", "account_id": acc, "handle": acc, "created_at": ts, "text": text,
                   "parent_id": post}  # fmt: skip
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def case_state(case: Path) -> dict:
    """What must survive a kill: item, account and source counts and the latest run's scores."""
    from botwatch.store.case import Case

    with Case(case) as c:  # writable: replays DuckDB's write-ahead log after a kill
        con = c.con
        run = con.execute("SELECT max(run_id) FROM runs").fetchall()[0][0]
        scores = con.execute(
            "SELECT account_id, round(score, 9), flagged, campaign_id FROM account_scores WHERE run_id = ? "
            "ORDER BY account_id",
            [run],
        ).fetchall()
        return {
            "items": con.execute("SELECT count(*) FROM items").fetchall()[0][0],
            "accounts": con.execute("SELECT count(*) FROM accounts").fetchall()[0][0],
            "sources": con.execute("SELECT count(*) FROM sources").fetchall()[0][0],
            "runs": con.execute("SELECT count(*) FROM runs").fetchall()[0][0],
            "scores": scores,
        }


def complete_report(path: Path) -> bool:
    return path.exists() and path.read_bytes().rstrip().endswith(b"</html>")


# -- one kill --------------------------------------------------------------------------------------------------
@dataclass
class Tally:
    kills: int = 0
    finished_before_kill: int = 0
    problems: list[str] = field(default_factory=list)


def _run(ctx, fn, args, delay: float | None) -> bool:
    """Run ``fn(*args)`` in a child; SIGKILL it after ``delay`` s (None: let it finish). True if it was killed."""
    proc = ctx.Process(target=fn, args=args)
    proc.start()
    proc.join(RUN_TIMEOUT_S if delay is None else delay)
    if proc.is_alive():
        proc.kill()
        proc.join()
        if delay is None:
            raise RuntimeError(f"{fn.__name__}{args} did not finish in {RUN_TIMEOUT_S} s")
        return True
    if proc.exitcode != 0:
        raise RuntimeError(f"{fn.__name__}{args} failed with exit code {proc.exitcode}")
    return False


def _timed(ctx, fn, args) -> float:
    t0 = time.perf_counter()
    _run(ctx, fn, args, None)
    return time.perf_counter() - t0


def crash_command(
    ctx, name: str, work: Path, base: Path, extra: Path, kills: int, rng: random.Random
) -> Tally:
    """``kills`` random kills of one command on copies of ``base``; returns what was seen."""
    tally = Tally()
    ref_case = work / f"{name}-ref.duckdb"
    shutil.copy(base, ref_case)
    fn, args = _command(name, ref_case, work / f"{name}-ref.out", extra)
    duration = _timed(ctx, fn, args)
    before, after = case_state(base), case_state(ref_case)
    reference_out = (work / f"{name}-ref.out").read_bytes() if name in ("report", "export") else None
    for k in range(kills):
        case = work / f"{name}-{k}.duckdb"
        shutil.copy(base, case)
        out = work / f"{name}-{k}.out"
        fn, args = _command(name, case, out, extra)
        if name in (
            "report",
            "export",
        ):  # a previous output (an uninterrupted run's) that a kill must not damage
            out.write_bytes(reference_out)
            previous = reference_out
        killed = _run(ctx, fn, args, rng.uniform(0, duration))
        tally.kills += killed
        tally.finished_before_kill += not killed
        where = f"{name} kill {k}"
        try:
            state = case_state(case)
        except Exception as exc:  # noqa: BLE001 - any failure to open is what we look for
            tally.problems.append(f"{where}: case does not open: {exc}")
            continue
        if name in ("ingest", "detect") and state not in (before, after):
            tally.problems.append(
                f"{where}: case neither old nor new: { {k: v for k, v in state.items() if k != 'scores'} }"
            )
        if name == "report" and not (out.read_bytes() == previous or complete_report(out)):
            tally.problems.append(f"{where}: previous report damaged")
        if name == "export" and out.read_bytes() not in (previous, reference_out):
            tally.problems.append(f"{where}: previous export damaged")
        _run(ctx, fn, args, None)  # the re-run
        again = case_state(case)
        if name == "ingest" and again != after:
            tally.problems.append(f"{where}: re-run differs from an uninterrupted run")
        if name == "detect" and again["scores"] != after["scores"]:
            tally.problems.append(f"{where}: re-run scores differ from an uninterrupted run")
        if name == "report" and (not complete_report(out) or out.with_name(out.name + ".partial").exists()):
            tally.problems.append(f"{where}: re-run left no complete report, or a .partial")
        if name == "export" and out.read_bytes() != reference_out:
            tally.problems.append(f"{where}: re-run export differs from an uninterrupted run")
        case.unlink(missing_ok=True)
        shutil.rmtree(case.with_name(case.name + ".tmp"), ignore_errors=True)  # DuckDB's spill folder
    return tally


def _command(name: str, case: Path, out: Path, extra: Path):
    return {
        "ingest": (do_ingest, (str(case), str(extra))),
        "detect": (do_detect, (str(case), 1)),
        "report": (do_report, (str(case), str(out))),
        "export": (do_export, (str(case), str(out))),
    }[name]


def prepare(work: Path, n: int, seed: int) -> tuple[Path, Path, Path]:
    """A case with one file ingested (for ingest of a second file), and one with both, detected. Run in
    children too: this process starts no thread pool and opens no DuckDB database before it forks."""
    ctx = context()
    first = make_input(work / "first.jsonl", n, seed)
    second = make_input(work / "second.jsonl", n, seed + 1, start=n)
    one = work / "one.duckdb"
    _run(ctx, do_ingest, (str(one), str(first)), None)
    both = work / "both.duckdb"
    shutil.copy(one, both)
    _run(ctx, do_ingest, (str(both), str(second)), None)
    _run(ctx, do_detect, (str(both), 1), None)
    return one, both, second


def context():
    """Children are forked from this process after botwatch is imported, so a kill lands in the work rather than
    in Python's imports. This process itself only reads cases between forks (``case_state``), in the parent of
    the test run; a fork after it ran detection in-process hung (a lock held by a thread that the child lacks)."""
    import botwatch.campaigns  # noqa: F401
    import botwatch.export  # noqa: F401
    import botwatch.pipeline  # noqa: F401
    import botwatch.report  # noqa: F401
    from botwatch.detectors import detector_names, get_detector_class

    for name in detector_names():  # imports each detector's module (scipy.stats alone takes seconds)
        get_detector_class(name)

    return mp.get_context("fork")


def run_all(work: Path, n: int, kills: int, seed: int) -> dict[str, Tally]:
    one, both, second = prepare(work, n, seed)
    rng = random.Random(seed)
    ctx = context()
    bases = {"ingest": one, "detect": both, "report": both, "export": both}
    return {name: crash_command(ctx, name, work, base, second, kills, rng) for name, base in bases.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--comments", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="botwatch-crash-"))
    t0 = time.perf_counter()
    try:
        tallies = run_all(work, args.comments, args.kills, args.seed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        "# Crash test (issue 10)",
        "",
        f"`python benchmarks/crash.py --kills {args.kills} --comments {args.comments} --seed {args.seed}`, "
        f"{dt.date.today()}, {time.perf_counter() - t0:.0f} s.",
        "",
        "| command | runs | killed mid-way | finished before the kill | problems |",
        "|---|---:|---:|---:|---|",
    ]
    for name, t in tallies.items():
        lines.append(
            f"| {name} | {t.kills + t.finished_before_kill} | {t.kills} | {t.finished_before_kill} | "
            f"{len(t.problems)} {'; '.join(t.problems[:3])} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    sys.exit(1 if any(t.problems for t in tallies.values()) else 0)


if __name__ == "__main__":
    main()
