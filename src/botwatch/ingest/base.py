"""The adapter contract: how one input format becomes canonical items and account observations.

An adapter recognises its format from a bounded sample (:meth:`Adapter.sniff`) and reads a file into
:class:`Chunk` objects (:meth:`Adapter.read`). Adapters do format-specific mapping only; validation (required
fields, timestamps, plausible dates), deduplication and storage are done once, by :mod:`botwatch.ingest.commit`.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from botwatch.errors import InputLimitError, RecordError
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
    limits: InputLimits | None = None  # None: InputLimits.from_env(); not part of a source's identity

    def mapping_dict(self) -> dict[str, str]:
        return dict(self.mapping)


RATIO_FLOOR = 16 << 20  # the compression ratio is checked once this much has been decompressed
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class InputLimits:
    """Caps that stop a hostile or broken input (a decompression bomb, a gigabyte-long line or field) with a
    one-line reason, in bounded memory, instead of filling memory or running for hours.

    ``max_bytes`` caps the decompressed size of a compressed input (and what is read from a pipe);
    ``max_ratio`` caps decompressed bytes per compressed byte (real exports compress 3-20 times, a bomb
    1,000 times), checked once 16 MiB have been decompressed; ``max_line_bytes`` caps one line of a JSON
    Lines or CSV file and one CSV field; ``max_bad_lines`` caps the lines or rows of one file that cannot be
    parsed at all (each is held for quarantine until the file is stored; a million of them means a wrong
    format or a hostile file). Each can be set with an environment variable
    (``BOTWATCH_MAX_INPUT_BYTES``, ``BOTWATCH_MAX_COMPRESSION_RATIO``, ``BOTWATCH_MAX_LINE_BYTES``,
    ``BOTWATCH_MAX_BAD_LINES``; sizes take ``KB``/``MB``/``GB``) or passed in :class:`IngestOptions`.
    """

    max_bytes: int = 64 << 30
    max_ratio: float = 200.0
    max_line_bytes: int = 64 << 20
    max_bad_lines: int = 1_000_000

    ENV: ClassVar[dict[str, str]] = {
        "max_bytes": "BOTWATCH_MAX_INPUT_BYTES",
        "max_ratio": "BOTWATCH_MAX_COMPRESSION_RATIO",
        "max_line_bytes": "BOTWATCH_MAX_LINE_BYTES",
        "max_bad_lines": "BOTWATCH_MAX_BAD_LINES",
    }

    @classmethod
    def from_env(cls) -> InputLimits:
        values = {}
        for name, var in cls.ENV.items():
            raw = os.environ.get(var, "").strip()
            if raw:
                values[name] = _parse_limit(var, raw, float if name == "max_ratio" else int)
        return cls(**values)

    def check_decompressed(self, name: str, out: int, compressed: int) -> None:
        if out > self.max_bytes:
            raise InputLimitError(
                f"{name}: decompresses to more than {human_bytes(self.max_bytes)}; stopped (raise "
                f"{self.ENV['max_bytes']} if the file is genuine)"
            )
        if out > RATIO_FLOOR and out > self.max_ratio * max(compressed, 1):
            raise InputLimitError(
                f"{name}: decompresses to over {self.max_ratio:g} times its compressed size "
                f"({human_bytes(out)} from {human_bytes(compressed)}), like a decompression bomb; stopped "
                f"(raise {self.ENV['max_ratio']} if the file is genuine)"
            )

    def line_too_long(self, name: str, line: int | None, what: str = "line") -> InputLimitError:
        where = f"{what} {line}" if line is not None else f"a {what}"
        return InputLimitError(
            f"{name}: {where} is longer than {human_bytes(self.max_line_bytes)}; stopped (raise "
            f"{self.ENV['max_line_bytes']} if the file is genuine)"
        )


def check_rejects(source: SourceFile, rejects: list[Reject]) -> None:
    """Stop when more lines of ``source`` failed to parse than ``max_bad_lines``."""
    limit = source.limits.max_bad_lines
    if len(rejects) > limit:
        first = rejects[0]
        raise InputLimitError(
            f"{source.name}: more than {limit:,} lines or rows cannot be read (e.g. line {first.position}: "
            f"{first.reason[:80]}); stopped: is it the format you meant? (raise "
            f"{InputLimits.ENV['max_bad_lines']} if the file is genuine)"
        )


def _parse_limit(var: str, raw: str, kind):
    m = _SIZE.fullmatch(raw)
    if not m:
        raise InputLimitError(f"{var}={raw!r} is not a number or size such as 512MB")
    scale = 1024 ** " kmgt".index(m.group(2).lower() or " ")
    return kind(float(m.group(1)) * scale)


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


class LineGuard:
    """Follows a stream piece by piece and raises when a line grows past the line limit. Newlines are looked for
    only in each new piece, and inside a piece in jumps of up to the limit, so a long line costs linear time."""

    def __init__(self, source: SourceFile):
        self.source = source
        self.limit = source.limits.max_line_bytes
        self.tail = 0  # length of the line still open at the end of what was seen
        self.lines = 0  # newlines seen

    def feed(self, piece: bytes) -> None:
        first = piece.find(b"\n")
        if first < 0:
            self.tail += len(piece)
            if self.tail > self.limit:
                raise self._too_long(0)
            return
        if self.tail + first > self.limit:
            raise self._too_long(0)
        last = piece.rfind(b"\n")
        pos = first + 1
        while (
            last - pos > self.limit
        ):  # a line inside the piece may be too long: jump from line start to line start
            nl = piece.rfind(b"\n", pos, pos + self.limit + 1)
            if nl < 0:
                raise self._too_long(piece.count(b"\n", 0, pos))
            pos = nl + 1
        self.lines += piece.count(b"\n")
        self.tail = len(piece) - last - 1
        if self.tail > self.limit:
            raise self._too_long(piece.count(b"\n"))

    def _too_long(self, newlines_before: int) -> InputLimitError:
        return self.source.limits.line_too_long(self.source.name, self.lines + newlines_before + 1)


def read_line(fh, source: SourceFile, lineno: int | None) -> bytes:
    """One line of ``fh`` (with its newline), refusing one longer than the line limit without reading it whole."""
    limit = source.limits.max_line_bytes
    line = fh.readline(limit + 1)
    if len(line) - line.endswith(b"\n") > limit:
        raise source.limits.line_too_long(source.name, lineno)
    return line


class SourceFile:
    """An input file: transparent gzip, a bounded sample for sniffing, byte progress for the bar, and the
    :class:`InputLimits` every read of its decompressed content is held to."""

    def __init__(self, path: str | Path, limits: InputLimits | None = None, name: str | None = None):
        self.path = Path(path)
        self.limits = limits or InputLimits.from_env()
        self._name = name
        self.size = self.path.stat().st_size
        self.progress: Callable[[int], None] = lambda n: None
        with open(self.path, "rb") as fh:
            magic = fh.read(2)
        self.gzipped = magic == b"\x1f\x8b"

    @property
    def name(self) -> str:
        return self._name or self.path.name

    def open_binary(self) -> io.BufferedIOBase:
        """A buffered binary stream of the (decompressed) content; counts compressed bytes for progress and
        stops a decompression bomb (:meth:`InputLimits.check_decompressed`)."""
        counter = _CountingReader(open(self.path, "rb"), self)
        # gzip reads 128 KiB at a time; a small buffer keeps the compressed count (for the ratio) close
        raw = io.BufferedReader(counter, buffer_size=1 << 17 if self.gzipped else 1 << 20)
        if self.gzipped:
            return _GuardedGzip(
                raw, counter, self
            )  # buffered itself; read1 returns what a truncated file holds
        return raw

    def sample(self, n: int = SAMPLE_BYTES) -> bytes:
        """The first ``n`` bytes (decompressed); of a truncated gzip file, what could be read."""
        out = bytearray()
        with self.open_binary() as fh:
            while len(out) < n:
                try:
                    piece = fh.read1(n - len(out))
                except (OSError, EOFError, zlib.error):  # truncated or corrupt gzip: sniff what we could read
                    break
                if not piece:
                    break
                out += piece
        return bytes(out)

    def read_bytes(self) -> bytes:
        """The whole (decompressed) content, read in pieces so the limits are checked as it grows: the size,
        the compression ratio, and the line limit (a JSON document with a gigabyte string on one line)."""
        out = bytearray()
        guard = LineGuard(self)
        with self.open_binary() as fh:
            for piece in iter(lambda: fh.read1(1 << 20), b""):
                guard.feed(piece)
                out += piece
        return bytes(out)


class _GuardedGzip(gzip.GzipFile):
    """A GzipFile that closes the file it reads from and counts what it decompresses against the limits."""

    def __init__(self, raw, counter: _CountingReader, source: SourceFile):
        super().__init__(fileobj=raw)
        self._counter = counter
        self._source = source
        self._out = 0

    def _count(self, data: bytes) -> bytes:
        self._out += len(data)
        self._source.limits.check_decompressed(self._source.name, self._out, self._counter.count)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read1(1 << 20), b""))
        return self._count(super().read(size))

    def read1(self, size: int = -1) -> bytes:
        return self._count(super().read1(size if size and size > 0 else 1 << 20))

    def readline(self, size: int | None = -1) -> bytes:
        return self._count(super().readline(size))

    def close(self) -> None:
        fileobj = self.fileobj
        super().close()
        if fileobj is not None:
            fileobj.close()


class _CountingReader(io.RawIOBase):
    def __init__(self, fh, source: SourceFile):
        self._fh = fh
        self._source = source
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._fh.readinto(b)
        if n:
            self.count += n
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
