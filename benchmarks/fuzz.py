"""The long fuzz run: hostile records and mutated bytes for every ingest adapter, seeded and reproducible.

Uses the generator and oracle of the test suite (``tests/fuzz_gen.py``, ``tests/fuzz_check.py``; the CI subset is
``tests/test_fuzz.py``). Each adapter gets files until it has run ``--cases / 6`` fuzz cases: structure-aware
files batch about ``--batch`` hostile records each (one case per record), byte-level files carry one mutated
sample each (``--bytes-share`` of the files). Every file is ingested in process into a case (a fresh case every
25 files) and checked; every ``--cli-every``-th file also goes through the CLI in process and every
``--subprocess-every``-th through ``python -m botwatch ingest`` in a child. What must hold is in
``fuzz_check``'s docstring. Files that find something are kept under ``WORK/keep``; any file can be rebuilt::

    python benchmarks/fuzz.py                           # 1,000,000 cases, seed 1, writes results/fuzz.md
    python benchmarks/fuzz.py --cases 60000 --no-write  # a shorter run
    python benchmarks/fuzz.py --replay twarc2:1:2 --out /tmp/   # rebuild one file (same --batch as its run)

Peak RSS is this process's own (``VmHWM``, reset before each adapter, so each adapter's peak is its own; the
ingest runs in this process, DuckDB's native allocations included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from _measure import cpu_model  # noqa: E402
from fuzz_check import KNOWN, run  # noqa: E402
from fuzz_gen import ADAPTERS, make_file  # noqa: E402

RESULTS = HERE / "results" / "fuzz.md"
MEMORY_FLOOR_MB = 1536

# What the fuzzer found while it was being built (session 4), written by hand; the run's own findings follow it.
FOUND = """\
Found while the harness was built (session 4). The keys name files of the generator as it was then (it has grown
since, so `--replay` of an old key builds another file); each bug has a regression test in `tests/test_fuzz.py`
with the smallest input that shows it.

| # | symptom (first seen as) | input | status |
|---|---|---|---|
| 1 | `ConversionException: Type DOUBLE with value 1e+308 can't be cast ... INT64` out of ingest (`csv:1:0`) | a CSV count column (`reactions`, `Shares`, `followers`, ...) holding `1e308`, `inf` or `-1e300` | fixed in `ingest/tabular.py` (`_count` uses `try_cast`; the edit landed in commit 0084a24); `test_csv_count_beyond_int64_is_null` |
| 2 | `OverflowError: Python int too large to convert to C long` from pyarrow (`twarc2:1:2`, `zeeschuimer:1:5`) | a count in a JSON adapter beyond int64, e.g. twarc2 `public_metrics.like_count` = 2**64 | fixed in `ingest/base.py` (`_coerce_one`: beyond int64 is NULL); `test_json_count_beyond_int64_is_null` |
| 3 | `RecursionError` while storing a record's raw text, only through the CLI (deeper stack) (`zeeschuimer:1:0`) | a record nested ~1,000 levels (orjson accepts up to 1,024; `json.dumps` stops near Python's recursion limit) | fixed in `ingest/base.py` (`map_records` quarantines it: "record nested too deeply to store"); `test_record_nested_too_deeply_is_quarantined` |
| 4 | `TypeError: unhashable type: 'list'` in `vk._sibling_defaults` (`vk-api:1:1`) | a `wall.getComments` comment whose `owner_id` or `post_id` is a list or object | fixed in `ingest/vk.py`; `test_vk_comment_with_list_owner_id` |
| 5 | `BadGzipFile: CRC check failed` / `EOFError` out of the Telegram and VK adapters (`vk-api:20261201:1`) | a `.json.gz` export cut off or with a bad CRC | fixed in `ingest/telegram.py`, `ingest/vk.py` (one-line `FormatError`); `test_damaged_gzip_document_is_refused_in_one_line` |
| 6 | a refusal split over several lines (`zeeschuimer:12:6` read as `jsonl`) | JSON keys holding line breaks, listed as they are in "no column for ..." | fixed in `ingest/tabular.py` (unprintable names quoted); `test_column_names_with_line_breaks_stay_on_one_line` |
| 7 | a 100 kB one-line refusal (`vk-api:15:16` read as CSV) | a header with repeated names printed whole | fixed in `ingest/tabular.py` (first 12 names, 40 characters each); `test_header_refusal_is_short` |
| 8 | `TypeError: 'int' object is not iterable` out of the twarc2 adapter (`twarc2:15:0`), and pages dropped without a trace | a page whose `includes.users`/`includes.tweets` is a number, whose `includes` is not an object, or whose `data` is a string | fixed in `ingest/twarc.py` (each such part quarantined with its reason); `test_twarc_page_parts_of_the_wrong_type_are_quarantined` |
| 9 | `TypeError` (`'int' object is not iterable`, `unhashable type: 'list'`) out of the Telegram adapter | a full export whose `chats.list`/`left_chats.list` is not a list; a chat `type` or a `forwarded_from` that is a list or object (found by hand where the fuzzer's envelope mutations were thin; the fuzzer now makes them) | fixed in `ingest/telegram.py` (refused in one line / read); `test_telegram_damaged_chat_fields` |
| 10 | `BinderException: JSON path error` out of ingest | JSON Lines with `--map text=a..b` (or `.`, or an empty value) (found by hand; the fuzzer now makes hostile `--map` values) | fixed in `ingest/tabular.py` (refused in one line); `test_json_path_with_an_empty_step_is_refused` |
| 11 | `BinderException: Duplicate named argument "ITEM_ID" in function call to "struct_pack"` (`csv:1:137`, in the 1M run) | a CSV header with names that differ only in case (`item_id`, `ITEM_ID`): DuckDB's column names ignore case | fixed in `ingest/tabular.py` (refused in one line: "differ only in case ... rename one of them"); `test_csv_columns_differing_only_in_case_are_refused` |
| 12 | records dropped without a trace: the coverage check (`twarc2:1:50`, `twarc2:1:176`, in the 1M run) | a flattened twarc2 user or tweet line that lost its `id` still carries `__twarc` and was taken for an empty response page | fixed in `ingest/twarc.py` (`__twarc` alone does not make a page; the line is quarantined); `test_twarc_flattened_line_without_id_is_quarantined` |
| 13 | `zlib.error: Error -3 while decompressing data: invalid distance too far back` (`twarc2:20261201:1`) | any `.gz` input whose deflate data is corrupt (a changed byte): the readers catch `OSError`/`EOFError`, and `zlib.error` is neither; first raised in `runner._is_blank`, then in every line reader | **open**: the gzip reading is being reworked for issue 10 item 6 (`ingest/base.py`, `lines.py`, `runner.py`); strict xfail `test_corrupt_gzip_stream_is_quarantined` |
| 14 | `ConversionException: ICU date overflows timestamp range` out of `Case.commit_staging` (`csv:12:3`, `jsonl:11:11`, ...) | a naive timestamp in DuckDB's last hours (`294247-01-10 04:00:54`) with a `--timezone` west of UTC (`America/New_York`) | **open**, in `store/sql.py` `timestamp_expr` (`timezone(zone, ts)` needs a range guard, e.g. only for `try_cast(r AS TIMESTAMP) < '294246-12-31'`); strict xfail `test_naive_timestamp_at_the_end_of_time_west_of_utc` |
| 15 | an error split over two lines: `Error: bad` / `name.txt: could not recognise the format ...` | any refusal of a file whose name holds a line break (`botwatch ingest c.duckdb $'bad\\nname.txt'`) | **open** (messages print file names as they are; `cli.py`); strict xfail `test_file_name_with_a_line_break_keeps_the_error_on_one_line` |
"""


def _versions() -> str:
    import duckdb
    import orjson
    import pyarrow

    import botwatch

    return (
        f"Python {platform.python_version()}, botwatch {botwatch.__version__}, DuckDB {duckdb.__version__}, "
        f"pyarrow {pyarrow.__version__}, orjson {orjson.__version__}"
    )


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() + (" (src/ has uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        return "?"


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def markdown(report, args, started: str, load_before: str, load_after: str, command: str, commit: str) -> str:
    total_cases = sum(s.cases for s in report.stats.values())
    known = [f for f in report.findings if f.known]
    new = report.new_findings
    mem = max(s.peak_rss_mb for s in report.stats.values())
    lines = [
        "# Fuzzing ingest",
        "",
        f"Date: {started} UTC. Command: `{command}`. Code: {commit} at the start.",
        "",
        f"Machine: {cpu_model('unknown CPU')}, {os.cpu_count()} cores; {platform.platform()}. {_versions()}.",
        f"Load average (1/5/15 min) before: {load_before}; after: {load_after}. The machine is shared with other "
        "jobs, so times are noisy.",
        "",
        f"**{total_cases:,} fuzz cases** in {sum(s.files for s in report.stats.values()):,} files, "
        f"{report.wall_s / 60:.1f} min, peak RSS {mem:,.0f} MiB (floor {MEMORY_FLOOR_MB:,} MiB); "
        f"{len(new)} new findings, {len(known)} of known open bugs.",
        "",
        "A case is one hostile record inside a structure-aware file (a valid envelope: CSV header, JSON Lines, "
        "twarc2 page, Zeeschuimer envelope, Telegram export, VK response) or one byte-mutated small sample (cut, "
        "bit flips, inserted/deleted/copied bytes, a broken gzip stream). Every file is checked by "
        "`tests/fuzz_check.py`: no exception but botwatch's own, with a one-line message; read = stored + "
        "quarantined + duplicates; the `sources` row, `quarantine` rows and stored rows agree with the summary; "
        "records read match what the generator wrote; every record position written is stored, quarantined or a "
        "duplicate.",
        "",
        "| adapter | cases | files (records / bytes) | through CLI | records read | items stored | accounts "
        "| quarantined | duplicates | files refused | time | cases/s | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in report.stats.items():
        refused = sum(s.refused.values())
        lines.append(
            f"| {name} | {s.cases:,} | {s.record_files} / {s.byte_files} | {s.cli_files} | {s.records_read:,} "
            f"| {s.items_stored:,} | {s.accounts_stored:,} | {s.quarantined:,} | {s.duplicates:,} | {refused} "
            f"| {s.seconds:.0f} s | {s.cases / max(s.seconds, 1e-9):,.0f} | {s.peak_rss_mb:,.0f} MiB"
            f"{'' if s.peak_rss_own else ' (process peak so far)'} |"
        )
    lines += [
        "",
        "Files refused as a whole, with a one-line `BotwatchError` (file name, numbers and quoted values taken "
        "out), most frequent first:",
        "",
    ]
    for name, s in report.stats.items():
        top = "; ".join(f"{n} × {k}" for k, n in s.refused.most_common(6))
        more = sum(s.refused.values()) - sum(n for _, n in s.refused.most_common(6))
        lines.append(f"- {name}: {top or 'none'}" + (f"; {more} others" if more else ""))
    lines += ["", "## What this run found", ""]
    if not report.findings:
        lines.append("Nothing: 0 tracebacks, counts added up in every file.")
    for f in new:
        lines.append(f"- NEW {f.line()[:600]}")
    by_known: dict[str, list] = {}
    for f in known:
        by_known.setdefault(f.known, []).append(f.key)
    for k, keys in by_known.items():
        lines.append(f"- known ({KNOWN[k]}): {len(keys)} files, e.g. {', '.join(keys[:5])}")
    lines += [
        "",
        "Reproduce a file: `python benchmarks/fuzz.py --replay ADAPTER:SEED:INDEX --out FILE`, then "
        "`botwatch ingest case.duckdb FILE` with the options in the printed line.",
        "",
        "## What the fuzzer found while it was built",
        "",
        FOUND,
    ]
    return "\n".join(lines) + "\n"


def replay(key: str, out: Path, batch: int) -> None:
    adapter, seed, index = key.split(":")
    ff = make_file(adapter, int(seed), int(index), batch=batch)
    target = out if out.suffix else out / ff.name
    target.write_bytes(ff.data)
    print(
        json.dumps(
            {"file": str(target), "mode": ff.mode, "options": ff.options, "note": ff.note}, default=str
        )
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=1_000_000, help="fuzz cases over all adapters")
    ap.add_argument("--batch", type=int, default=1000, help="hostile records per structure-aware file (mean)")
    ap.add_argument("--bytes-share", type=float, default=0.1)
    ap.add_argument("--adapters", nargs="+", default=list(ADAPTERS))
    ap.add_argument("--cli-every", type=int, default=20)
    ap.add_argument("--subprocess-every", type=int, default=50)
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "botwatch-fuzz")
    ap.add_argument("--no-write", action="store_true", help="print the table; leave results/fuzz.md alone")
    ap.add_argument("--replay", metavar="ADAPTER:SEED:INDEX")
    ap.add_argument("--out", type=Path, default=Path("."))
    args = ap.parse_args(argv)
    if args.replay:
        replay(args.replay, args.out, args.batch)
        return
    command = (
        "python benchmarks/fuzz.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    )
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    load_before = _load()
    commit = _commit()
    per_adapter = -(-args.cases // len(args.adapters))
    t0 = time.perf_counter()

    def progress(adapter, index, ff, got):
        for f in got:
            print(("known " if f.known else "FINDING ") + f.line()[:400], flush=True)
        if index % 25 == 0:
            print(f"{time.perf_counter() - t0:7.0f} s  {adapter} file {index}", flush=True)

    report = run(
        args.adapters,
        seed=args.seed,
        files=1,
        batch=args.batch,
        work=args.work,
        cli_every=args.cli_every,
        subprocess_every=args.subprocess_every,
        bytes_share=args.bytes_share,
        keep=args.work / "keep",
        progress=progress,
        min_cases=per_adapter,
    )
    text = markdown(report, args, started, load_before, _load(), command, commit)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        stats = {
            a: dict(vars(s), refused=dict(s.refused), formats=dict(s.formats))
            for a, s in report.stats.items()
        }
        summary = {"command": command, "started": started, "commit": commit, "wall_s": report.wall_s,
                   "stats": stats, "findings": [vars(f) | {"known": f.known} for f in report.findings]}  # fmt: skip
        RESULTS.with_suffix(".json").write_text(
            json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        print(f"written to {RESULTS}")
    if report.new_findings or max(s.peak_rss_mb for s in report.stats.values()) > MEMORY_FLOOR_MB:
        sys.exit(1)


if __name__ == "__main__":
    main()
