"""The adapter contract: how one input format becomes canonical items and account observations.

An adapter recognises its format from a bounded sample (:meth:`Adapter.sniff`) and reads a file into
:class:`Chunk` objects (:meth:`Adapter.read`). Adapters do format-specific mapping only; validation (required
fields, timestamps, plausible dates), deduplication and storage are done once, by the case store.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from botwatch.errors import RecordError
from botwatch.store.schema import ACCOUNT_FIELDS, ITEM_FIELDS

SAMPLE_BYTES = 256 * 1024

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "VARCHAR[]": pa.list_(pa.string()),
}
ITEM_SCHEMA = pa.schema([(k, _ARROW_TYPES[v]) for k, v in ITEM_FIELDS.items()])
ACCOUNT_SCHEMA = pa.schema([(k, _ARROW_TYPES[v]) for k, v in ACCOUNT_FIELDS.items()])


@dataclass(frozen=True)
class Reject:
    """A record that could not be used: where it was, why, and its raw text."""

    position: int
    reason: str
    raw: str
    position_kind: str = "line"


@dataclass
class Chunk:
    """A batch of canonical rows. ``items``/``accounts`` are Arrow tables or lists of dicts keyed by
    the canonical field names in :mod:`botwatch.store.schema`; missing fields are null."""

    items: pa.Table | list[dict] | None = None
    accounts: pa.Table | list[dict] | None = None
    rejects: list[Reject] = field(default_factory=list)
    timezone: str | None = None  # a zone the format itself declares for naive timestamps (e.g. UTC)


@dataclass(frozen=True)
class IngestOptions:
    """What the user told us about an input: format override, timezone for naive timestamps,
    platform name for formats that do not carry one, and a column mapping (canonical field -> column)."""

    format: str | None = None
    timezone: str | None = None
    platform: str | None = None
    mapping: tuple[tuple[str, str], ...] = ()

    def mapping_dict(self) -> dict[str, str]:
        return dict(self.mapping)


class SourceFile:
    """An input file: transparent gzip, a bounded sample for sniffing, and byte progress for the bar."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.progress: Callable[[int], None] = lambda n: None
        with open(self.path, "rb") as fh:
            magic = fh.read(2)
        self.gzipped = magic == b"\x1f\x8b"

    @property
    def name(self) -> str:
        return self.path.name

    def open_binary(self) -> io.BufferedIOBase:
        """A buffered binary stream of the (decompressed) content; counts compressed bytes for progress."""
        raw = io.BufferedReader(_CountingReader(open(self.path, "rb"), self), buffer_size=1 << 20)
        if self.gzipped:
            return _ClosingGzip(fileobj=raw)  # buffered itself; read1 returns what a truncated file holds
        return raw

    def sample(self, n: int = SAMPLE_BYTES) -> bytes:
        """The first ``n`` bytes (decompressed); of a truncated gzip file, what could be read."""
        out = bytearray()
        with self.open_binary() as fh:
            while len(out) < n:
                try:
                    piece = fh.read1(n - len(out))
                except (OSError, EOFError):  # truncated gzip: sniff what we could read
                    break
                if not piece:
                    break
                out += piece
        return bytes(out)

    def read_bytes(self) -> bytes:
        with self.open_binary() as fh:
            return fh.read()


class _ClosingGzip(gzip.GzipFile):
    """A GzipFile that also closes the file it reads from."""

    def close(self) -> None:
        fileobj = self.fileobj
        super().close()
        if fileobj is not None:
            fileobj.close()


class _CountingReader(io.RawIOBase):
    def __init__(self, fh, source: SourceFile):
        self._fh = fh
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._fh.readinto(b)
        if n:
            self._source.progress(n)
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def sample_text(sample: bytes) -> str:
    """Decode a sample for sniffing, tolerating a cut multi-byte character and a BOM."""
    return sample.decode("utf-8", errors="replace").lstrip("\ufeff")


def first_json_line(sample: bytes) -> tuple[object | None, str, str] | None:
    """For sniffing JSON Lines: ``(parsed first line or None when it does not parse, first line, the rest)``, or
    None when the sample does not start with an object. A first line longer than the sample leaves ``rest`` empty
    and the object None, so an adapter can still look at the line's opening."""
    text = sample_text(sample).lstrip()
    if not text.startswith("{"):
        return None
    first, _, rest = text.partition("\n")
    import orjson

    try:
        return orjson.loads(first), first, rest
    except orjson.JSONDecodeError:
        return None, first, rest


class Adapter:
    """One input format.

    Subclasses set ``name`` (the registry key and ``--format`` value), ``description`` and ``priority``
    (higher wins when several formats recognise a sample), and implement :meth:`sniff` and :meth:`read`.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    priority: ClassVar[int] = 50

    def sniff(self, sample: bytes, source: SourceFile) -> str | None:
        """Return why this format matches the sample (one short sentence), or None."""
        raise NotImplementedError

    def read(self, source: SourceFile, options: IngestOptions) -> Iterator[Chunk]:
        """Yield chunks of canonical rows and rejects for the whole file."""
        raise NotImplementedError


def dumps(obj: Any) -> str:
    """Serialise a raw record for storage (stable key order, UTF-8)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)


MapResult = Iterable[tuple[str, dict]]


def map_records(
    records: Iterable[tuple[int, Any]],
    mapper: Callable[[Any], MapResult],
    position_kind: str,
    chunk_size: int = 20_000,
) -> Iterator[Chunk]:
    """Apply ``mapper`` to each (position, parsed record); collect its ('item'|'account', row) pairs.

    A mapper signals an unusable record by raising :class:`RecordError` (or KeyError/TypeError/ValueError
    on a record of the wrong shape); the record then goes to quarantine with that reason.
    The record is already fully parsed here: no exception is used to guess a format.
    """
    chunk = Chunk(items=[], accounts=[])
    for pos, obj in records:
        try:
            out = list(mapper(obj))
        except RecordError as exc:
            chunk.rejects.append(Reject(pos, str(exc), _raw(obj), position_kind))
            continue
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            reason = f"unexpected record shape: {type(exc).__name__}: {exc}"
            chunk.rejects.append(Reject(pos, reason, _raw(obj), position_kind))
            continue
        except RecursionError:  # JSON parsers accept ~1,000 levels; Python's own walk of them may not
            chunk.rejects.append(Reject(pos, "record nested too deeply to store", _raw(obj), position_kind))
            continue
        for what, row in out:
            row.setdefault("position", pos)
            (chunk.items if what == "item" else chunk.accounts).append(row)
        if len(chunk.items) + len(chunk.accounts) + len(chunk.rejects) >= chunk_size:
            yield chunk
            chunk = Chunk(items=[], accounts=[])
    if chunk.items or chunk.accounts or chunk.rejects:
        yield chunk


def _raw(obj: Any) -> str:
    """The record serialised for the quarantine; empty when it is nested too deeply to serialise."""
    try:
        return dumps(obj)
    except RecursionError:
        return ""


def iter_json_lines(source: SourceFile) -> Iterator[tuple[int, Any] | Reject]:
    """Yield (line number, parsed object) for each non-blank line, or a Reject for a line that is not
    valid UTF-8 JSON. Line numbers are 1-based; CRLF and BOM are tolerated."""
    import orjson

    with source.open_binary() as fh:
        try:
            for lineno, line in enumerate(fh, 1):
                if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                stripped = line.strip()
                if not stripped:
                    continue
                try:
                    yield lineno, orjson.loads(stripped)
                except orjson.JSONDecodeError as exc:
                    raw = stripped.decode("utf-8", errors="replace")
                    reason = "invalid UTF-8" if _bad_utf8(stripped) else f"malformed JSON: {exc}"
                    yield Reject(lineno, reason, raw, "line")
        except (EOFError, OSError) as exc:  # truncated gzip stream
            yield Reject(-1, f"file truncated or corrupt after the last good line: {exc}", "", "end-of-file")


def _bad_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def json_line_records(source: SourceFile) -> tuple[list[Reject], Iterator[tuple[int, Any]]]:
    """Split :func:`iter_json_lines` into a generator of good records, collecting rejects in a list."""
    rejects: list[Reject] = []

    def good() -> Iterator[tuple[int, Any]]:
        for rec in iter_json_lines(source):
            if isinstance(rec, Reject):
                rejects.append(rec)
            else:
                yield rec

    return rejects, good()


def to_table(rows: pa.Table | list[dict] | None, schema: pa.Schema) -> pa.Table | None:
    """Conform rows to the canonical Arrow schema: add missing columns as null, cast, drop extras."""
    if rows is None:
        return None
    if isinstance(rows, list):
        if not rows:
            return None
        cols = {}
        for f in schema:
            vals = [r.get(f.name) for r in rows]
            cols[f.name] = _coerce(vals, f.type)
        return pa.table(cols, schema=schema)
    if rows.num_rows == 0:
        return None
    arrays = []
    for f in schema:
        if f.name in rows.column_names:
            col = rows.column(f.name)
            arrays.append(col if col.type == f.type else col.cast(f.type))
        else:
            arrays.append(pa.nulls(rows.num_rows, f.type))
    return pa.table(arrays, schema=schema)


def _coerce(vals: list, typ: pa.DataType) -> pa.Array:
    try:
        return pa.array(vals, type=typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pass
    out = []
    for v in vals:
        out.append(_coerce_one(v, typ))
    return pa.array(out, type=typ)


def _coerce_one(v, typ):
    if v is None:
        return None
    if pa.types.is_string(typ):
        return v if isinstance(v, str) else str(v)
    if pa.types.is_integer(typ):
        try:
            n = int(float(v))
        except (TypeError, ValueError, OverflowError):
            return None
        return n if -(2**63) <= n < 2**63 else None  # a count beyond int64 is not a count
    if pa.types.is_floating(typ):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None
    if pa.types.is_boolean(typ):
        if isinstance(v, str):
            return v.strip().lower() in ("1", "true", "yes", "t", "y")
        return bool(v)
    if pa.types.is_list(typ):
        if isinstance(v, str):
            return [v]
        return [str(x) for x in v if x is not None]
    return v
