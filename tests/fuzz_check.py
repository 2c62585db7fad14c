"""The fuzz oracle: ingest one generated file and check what must hold, and a seeded runner over many files.

For every file: no exception but botwatch's own (:class:`~botwatch.errors.BotwatchError`) escapes, and its
message is one line; the summary adds up (read = stored + quarantined + duplicates); the case agrees with the
summary (the ``sources`` row, the ``quarantine`` rows, the stored items and profiles of that source). When the
file was read by the adapter it was written for, the records read match what the generator wrote (exactly where
the layout says so, at least otherwise), and every record position it wrote is stored, quarantined or one of the
duplicates. ``run`` also records the peak RSS of the process.
"""

from __future__ import annotations

import json
import resource
import shutil
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from fuzz_gen import ADAPTERS, FuzzFile, make_file

from botwatch.errors import BotwatchError
from botwatch.ingest import ingest
from botwatch.ingest.base import IngestOptions
from botwatch.store.case import Case

# Bugs the fuzzer found that are reported and not fixed yet, by a string of their symptom; each has a strict xfail
# test in tests/test_fuzz.py, which starts failing when the bug is fixed (then remove the entry here).
KNOWN: dict[str, str] = {}


@dataclass
class Finding:
    key: str  # adapter:seed:index, rebuilt by fuzz_gen.make_file
    kind: str  # traceback | message | counts | coverage | cli
    detail: str
    name: str = ""
    note: str = ""

    @property
    def known(self) -> str | None:
        return next((k for k in KNOWN if k in self.detail), None)

    def line(self) -> str:
        return f"[{self.kind}] {self.key} {self.name!r}: {self.detail}"


@dataclass
class AdapterStats:
    files: int = 0
    cases: int = 0
    bytes: int = 0
    records_read: int = 0
    items_stored: int = 0
    accounts_stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    refused: Counter = field(default_factory=Counter)  # BotwatchError class: message shape -> files
    formats: Counter = field(default_factory=Counter)  # format the file was read as
    seconds: float = 0.0
    peak_rss_mb: float = 0.0  # this adapter's peak RSS of the fuzzing process (VmHWM reset before it)
    peak_rss_own: bool = False  # False where the reset is not allowed: then the process's peak so far
    record_files: int = 0
    byte_files: int = 0
    cli_files: int = 0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _shape(msg: str, name: str) -> str:
    """A refusal message with the file name and numbers taken out, to count refusals by kind."""
    import re

    msg = msg.replace(name, "FILE")
    msg = re.sub(r"\([^()]*\)|'[^']*'|\"[^\"]*\"", "…", msg)  # values quoted or in parentheses
    return re.sub(r"\d+", "N", msg.split(";")[0])[:80].strip()


def options_of(ff: FuzzFile) -> IngestOptions:
    o = ff.options
    return IngestOptions(
        format=o.get("format"),
        timezone=o.get("timezone"),
        platform=o.get("platform"),
        mapping=tuple(o.get("mapping", ())),
    )


def check_file(
    case: Case, path: Path, ff: FuzzFile, stats: AdapterStats | None = None, again: bool = False
) -> list[Finding]:
    """Ingest ``path`` (written from ``ff``) into ``case`` and return what went wrong; empty when all holds.
    With ``again``, the file is ingested a second time, which must change nothing."""
    found: list[Finding] = []

    def bad(kind: str, detail: str) -> None:
        found.append(Finding(ff.key, kind, detail, ff.name, ff.note))

    try:
        [s] = ingest(case, [path], options_of(ff), progress=False)
    except BotwatchError as exc:
        msg = str(exc)
        if stats is not None:
            stats.refused[f"{type(exc).__name__}: {_shape(msg, path.name)}"] += 1
        if not msg.strip() or "\n" in msg or "\r" in msg or len(msg) > 2000:
            bad("message", f"{type(exc).__name__} message is not one short line: {msg[:300]!r}")
        return found
    except Exception as exc:  # noqa: BLE001 - the point of the fuzzer
        tb = traceback.format_exception(exc)
        bad(
            "traceback",
            f"{type(exc).__name__}: {str(exc)[:300]} | " + " ".join(t.strip() for t in tb[-4:])[-900:],
        )
        return found
    if stats is not None:
        stats.formats[s.format] += 1
        for k in ("records_read", "items_stored", "accounts_stored", "quarantined", "duplicates"):
            setattr(stats, k, getattr(stats, k) + getattr(s, k))
    if s.status != "ingested":
        return found
    total = s.items_stored + s.accounts_stored + s.quarantined + s.duplicates
    if s.records_read != total:
        bad("counts", f"read {s.records_read} != {total} ({s.as_dict()})")
    con = case.con
    sid = s.source_id
    row = con.execute(
        "SELECT records_read, items_stored, accounts_stored, quarantined, duplicates FROM sources "
        "WHERE source_id = ?",
        [sid],
    ).fetchall()
    want = (s.records_read, s.items_stored, s.accounts_stored, s.quarantined, s.duplicates)
    if not row or tuple(row[0]) != want:
        bad("counts", f"sources row {row} != summary {want}")
    q = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE reason IS NULL OR reason = '' OR file_name <> ?) "
        "FROM quarantine WHERE source_id = ?",
        [path.name, sid],
    ).fetchall()[0]
    if q[0] != s.quarantined or q[1]:
        bad("counts", f"quarantine table has {q[0]} rows ({q[1]} without reason/file) for {s.quarantined}")
    n_items = con.execute("SELECT count(*) FROM items WHERE source_id = ?", [sid]).fetchall()[0][0]
    if not s.items_stored <= n_items <= s.items_stored + s.duplicates:
        bad("counts", f"items table has {n_items} rows of this source for {s.items_stored} stored")
    n_prof = con.execute(
        "SELECT count(*) FROM account_observations WHERE source_id = ? AND is_profile", [sid]
    ).fetchall()[0][0]
    if n_prof != s.accounts_stored:
        bad("counts", f"{n_prof} profile observations for {s.accounts_stored} accounts stored")
    try:
        case.info()
    except Exception as exc:  # noqa: BLE001
        bad("traceback", f"Case.info() after the ingest: {type(exc).__name__}: {str(exc)[:300]}")
    if again:
        before = _table_counts(case)
        try:
            [s2] = ingest(case, [path], options_of(ff), progress=False)
        except Exception as exc:  # noqa: BLE001
            bad("traceback", f"second ingest: {type(exc).__name__}: {str(exc)[:300]}")
        else:
            if not s2.status.startswith("already ingested") or _table_counts(case) != before:
                bad(
                    "counts",
                    f"second ingest of the same file: {s2.status!r}, tables {before} -> {_table_counts(case)}",
                )
    if s.format != ff.adapter:
        return found
    if ff.exact_records is not None and s.records_read != ff.exact_records:
        bad("counts", f"read {s.records_read} records, the file holds {ff.exact_records}")
    if s.records_read < ff.min_records:
        bad("counts", f"read {s.records_read} records, the file holds at least {ff.min_records}")
    if ff.positions:
        covered = {
            r[0]
            for r in con.execute(
                """SELECT position FROM items WHERE source_id = $1 UNION
                   SELECT position FROM quarantine WHERE source_id = $1 UNION
                   SELECT position FROM account_observations WHERE source_id = $1 AND is_profile""",
                [sid],
            ).fetchall()
        }
        missing = [p for p in ff.positions if p not in covered]
        if len(missing) > s.duplicates:
            bad(
                "coverage",
                f"{len(missing)} record positions neither stored nor quarantined (duplicates {s.duplicates}); "
                f"first {missing[:5]}",
            )
    return found


def _table_counts(case: Case) -> tuple:
    return tuple(
        case.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("items", "accounts", "account_observations", "quarantine", "sources")
    )


def check_cli(case_path: Path, path: Path, ff: FuzzFile) -> list[Finding]:
    """The same file through the CLI (in process): exit 0, or 1 with one ``Error:`` line; ``info --json`` agrees."""
    from click.testing import CliRunner

    from botwatch.cli import cli

    args = ["ingest", str(case_path), str(path), "--json"]
    o = ff.options
    if o.get("format"):
        args += ["--format", o["format"]]
    if o.get("timezone"):
        args += ["--timezone", o["timezone"]]
    if o.get("platform"):
        args += ["--platform", o["platform"]]
    for k, v in o.get("mapping", ()):
        args += ["--map", f"{k}={v}"]
    found = []
    res = CliRunner().invoke(cli, args)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        tb = "".join(traceback.format_exception(res.exception))[-600:]
        return [Finding(ff.key, "cli", f"exception escaped the CLI: {tb}", ff.name, ff.note)]
    if res.exit_code == 1:
        lines = res.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("Error: ") or "Traceback" in res.output:
            found.append(
                Finding(ff.key, "cli", f"exit 1 without one Error line: {res.stderr[:300]!r}", ff.name)
            )
        return found
    if res.exit_code != 0:
        return [Finding(ff.key, "cli", f"exit {res.exit_code}: {res.output[-300:]!r}", ff.name)]
    [summary] = json.loads(res.stdout)
    info = CliRunner().invoke(cli, ["info", str(case_path), "--json"])
    if info.exit_code != 0:
        return [Finding(ff.key, "cli", f"info exit {info.exit_code}: {info.output[-300:]!r}", ff.name)]
    if summary["status"] == "ingested":
        src = [r for r in json.loads(info.stdout)["per_source"] if r["source_id"] == summary["source_id"]]
        keys = ("records_read", "items_stored", "accounts_stored", "quarantined", "duplicates")
        if not src or any(src[0][k] != summary[k] for k in keys):
            found.append(
                Finding(ff.key, "cli", f"info per_source {src} != ingest summary {summary}", ff.name)
            )
    return found


def check_subprocess(case_path: Path, path: Path, ff: FuzzFile) -> list[Finding]:
    """The file through ``python -m botwatch ingest`` in a child process: exit 0, or 1 with one ``Error:`` line
    and no traceback on stderr."""
    import subprocess
    import sys

    args = [sys.executable, "-m", "botwatch", "ingest", str(case_path), str(path)]
    o = ff.options
    if o.get("format"):
        args += ["--format", o["format"]]
    if o.get("timezone"):
        args += ["--timezone", o["timezone"]]
    if o.get("platform"):
        args += ["--platform", o["platform"]]
    for k, v in o.get("mapping", ()):
        args += ["--map", f"{k}={v}"]
    res = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=600)
    err = res.stderr.strip().splitlines()
    ok = res.returncode == 0 and "Traceback" not in res.stderr
    ok = ok or (res.returncode == 1 and len(err) == 1 and err[0].startswith("Error: "))
    if ok:
        return []
    return [Finding(ff.key, "cli", f"child exit {res.returncode}: {res.stderr[-600:]!r}", ff.name, ff.note)]


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _vm_hwm_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


@dataclass
class Report:
    seed: int
    batch: int
    stats: dict[str, AdapterStats]
    findings: list[Finding]
    wall_s: float
    peak_rss_mb: float
    cli_files: int = 0

    @property
    def new_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.known is None]


def run(
    adapters=ADAPTERS,
    seed: int = 1,
    files: int = 10,
    batch: int = 500,
    work: Path | str = "fuzz-work",
    start: int = 0,
    case_every: int = 25,
    cli_every: int = 0,
    bytes_share: float = 0.1,
    keep: Path | str | None = None,
    progress=None,
    min_cases: int = 0,
    subprocess_every: int = 0,
) -> Report:
    """Fuzz ``files`` files per adapter (indices ``start``..) under ``seed``, or more until the adapter has run
    ``min_cases`` cases; files that find something are copied to ``keep``. ``cli_every`` > 0 also runs every
    n-th file through the CLI in process, ``subprocess_every`` > 0 every n-th in a child process."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    stats = {a: AdapterStats() for a in adapters}
    findings: list[Finding] = []
    t0 = time.perf_counter()
    cli_files = 0
    for adapter in adapters:
        st = stats[adapter]
        case = None
        st.peak_rss_own = _reset_peak_rss()
        index = start - 1
        while index + 1 < start + files or st.cases < min_cases:
            index += 1
            if case is None or (index - start) % case_every == 0:
                if case is not None:
                    case.close()
                case_path = work / f"{adapter}-{index}.duckdb"
                case_path.unlink(missing_ok=True)
                case = Case(case_path)
            t = time.perf_counter()
            ff = make_file(adapter, seed, index, batch=batch, bytes_share=bytes_share)
            folder = work / f"{adapter}-{index}"
            folder.mkdir(exist_ok=True)
            path = folder / ff.name
            path.write_bytes(ff.data)
            got = check_file(case, path, ff, st, again=index % 10 == 2)
            if cli_every and index % cli_every == 0:
                got += check_cli(work / f"{adapter}-cli.duckdb", path, ff)
                cli_files += 1
                st.cli_files += 1
            if subprocess_every and index % subprocess_every == 0:
                got += check_subprocess(work / f"{adapter}-child.duckdb", path, ff)
                st.cli_files += 1
            st.files += 1
            st.record_files += ff.mode == "records"
            st.byte_files += ff.mode == "bytes"
            st.cases += ff.cases
            st.bytes += len(ff.data)
            st.seconds += time.perf_counter() - t
            if got:
                findings += got
                if keep is not None:
                    Path(keep).mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, Path(keep) / f"{adapter}-{seed}-{index}-{ff.name}")
                case.close()  # the case may be mid-transaction after an escaped exception: start a new one
                case = None
            shutil.rmtree(folder, ignore_errors=True)
            if progress is not None:
                progress(adapter, index, ff, got)
        if case is not None:
            case.close()
        st.peak_rss_mb = _vm_hwm_mb()
        for p in work.glob(f"{adapter}-*.duckdb*"):
            p.unlink(missing_ok=True)
    return Report(seed, batch, stats, findings, time.perf_counter() - t0, peak_rss_mb(), cli_files)
