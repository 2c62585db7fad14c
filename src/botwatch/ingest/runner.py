"""Ingest files into a case: choose each file's adapter, stream its chunks into staging, validate and commit.

:func:`ingest` is the library entry point (``botwatch ingest`` calls it); each file is stored in its own
transaction by :mod:`botwatch.ingest.commit`, so a crash or a kill leaves the case as it was before that file.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from botwatch.errors import MEMORY_HINT, BotwatchError
from botwatch.ingest.base import (
    ACCOUNT_SCHEMA,
    ITEM_SCHEMA,
    SAMPLE_BYTES,
    IngestOptions,
    InputLimits,
    SourceFile,
    to_table,
)
from botwatch.ingest.commit import IngestSummary, SourceRecord, Staging
from botwatch.ingest.registry import detect_format, get_adapter
from botwatch.ingest.spool import readable_file
from botwatch.store.case import Case


def ingest(
    case: Case,
    paths: Iterable[str | Path],
    options: IngestOptions | None = None,
    progress: bool | None = None,
) -> list[IngestSummary]:
    """Ingest ``paths`` into ``case`` in order, each file in its own transaction; one summary per file.

    ``options`` says the format (else it is detected from a bounded sample), the zone of naive timestamps, the
    platform and a column mapping; ``progress`` shows a bar on standard error (default: when it is a terminal).
    """
    return [ingest_file(case, p, options, progress=progress) for p in paths]


def ingest_file(
    case: Case, path: str | Path, options: IngestOptions | None = None, progress: bool | None = None
) -> IngestSummary:
    """Ingest ``path`` into ``case`` in one transaction; a failure leaves the case as it was.

    Re-ingesting a file with the same content and options changes nothing. ``-`` reads standard input; a pipe
    or FIFO is read once into a temporary file beside the case (:mod:`botwatch.ingest.spool`).
    """
    options = options or IngestOptions()
    limits = options.limits or InputLimits.from_env()
    with readable_file(Path(path), limits, case.path.parent) as (real, shown):
        try:
            source = SourceFile(real, limits, name=shown.name)
        except OSError as exc:
            raise BotwatchError(f"{shown}: cannot read ({exc.strerror}); check permissions") from None
        return _ingest_source(case, source, shown, options, progress)


def _ingest_source(
    case: Case, source: SourceFile, path: Path, options: IngestOptions, progress: bool | None
) -> IngestSummary:
    check_timezone(options.timezone)
    if _is_blank(source):
        adapter_name, reason = "empty", "the file is empty or holds only whitespace"
        adapter = None
    elif options.format:
        adapter = get_adapter(options.format)
        adapter_name, reason = adapter.name, "chosen with --format"
    else:
        adapter, reason = detect_format(source)
        adapter_name = adapter.name
    summary = IngestSummary(file=str(path), format=adapter_name, format_reason=reason, source_id=None)
    opts = options_json(options)
    # The file is hashed in a thread (hashlib releases the GIL) while the adapter reads it; a file ingested before
    # is recognised when its first chunk arrives, at the latest, and nothing is stored.
    hashing = ThreadPoolExecutor(max_workers=1)
    sha_future = hashing.submit(sha256_file, source.path)
    hashing.shutdown(wait=False)
    bar = _progress_bar(source, progress)
    staging = Staging(case)
    timezone = options.timezone
    try:
        sha, known = None, False
        for chunk in adapter.read(source, options) if adapter is not None else ():
            if sha is None:
                sha = sha_future.result()
                known = _already_ingested(case, summary, sha, adapter_name, opts)
                if known:
                    break
            timezone = timezone or chunk.timezone
            staging.add(
                to_table(chunk.items, ITEM_SCHEMA),
                to_table(chunk.accounts, ACCOUNT_SCHEMA),
                chunk.rejects,
            )
        if sha is None:
            sha = sha_future.result()
            known = _already_ingested(case, summary, sha, adapter_name, opts)
        if known:
            staging.rollback()
            return summary
        staging.commit(summary, SourceRecord(path, sha, source.size, opts, options.platform, timezone))
    except BaseException as exc:
        staging.rollback()
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise BotwatchError(
                f"{path.name}: out of memory while storing; split the file or {MEMORY_HINT}"
            ) from None
        raise
    finally:
        if bar is not None:
            bar.close()
    return summary


def _already_ingested(case: Case, summary: IngestSummary, sha: str, adapter_name: str, opts: str) -> bool:
    row = case.con.execute(
        "SELECT source_id FROM sources WHERE sha256=? AND format=? AND options=?::JSON",
        [sha, adapter_name, opts],
    ).fetchone()
    if row is None:
        return False
    previous = row[0]
    summary.status = f"already ingested as source {previous}; nothing changed"
    summary.source_id = previous
    return True


def _is_blank(source: SourceFile) -> bool:
    """True for an empty file or one holding only whitespace (and maybe a BOM); a corrupt one is not blank."""
    if source.size == 0:
        return True
    try:
        with source.open_binary() as fh:
            head = fh.read(SAMPLE_BYTES + 1)
    except (OSError, EOFError, zlib.error):
        return False
    return len(head) <= SAMPLE_BYTES and not head.removeprefix(b"\xef\xbb\xbf").strip()


def _progress_bar(source: SourceFile, progress: bool | None):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    bar = tqdm(total=source.size, unit="B", unit_scale=True, desc=source.name, leave=False, file=sys.stderr)
    source.progress = bar.update
    return bar


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read a megabyte at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_timezone(tz: str | None) -> str | None:
    """``tz`` when it is an IANA zone name (or None); otherwise a one-line error."""
    if tz is None:
        return None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise BotwatchError(
            f"unknown timezone {tz!r}; use an IANA name such as Asia/Almaty, Europe/Moscow or UTC"
        ) from None
    return tz


def options_json(options: IngestOptions) -> str:
    """The options that make a source's identity (with its sha256), as canonical JSON."""
    return json.dumps(
        {
            "format": options.format,
            "timezone": options.timezone,
            "platform": options.platform,
            "mapping": dict(options.mapping),
        },
        sort_keys=True,
    )
