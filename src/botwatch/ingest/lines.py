"""botwatch's one JSON Lines reader: every adapter that reads JSON Lines goes through it.

The file is read in blocks of whole lines (:func:`_blocks`), which holds every read to the input limits: a
decompression bomb or a line longer than ``max_line_bytes`` stops it with one line
(:class:`~botwatch.ingest.base.InputLimits`), a run of blank lines costs one vectorised test, a leading BOM is
removed, and a gzip stream that breaks off keeps the lines before the damage and ends with an ``end-of-file``
reject. Positions are 1-based line numbers (blank lines count), so quarantine says where a line was.

Two ways out of the blocks:

* :func:`load_json_lines` (the JSON Lines adapter with ``--map``) stores the object lines in a DuckDB table
  without a per-line Python loop: line boundaries come from one vectorised search for newlines, and DuckDB's
  ``json_valid`` checks every line once; only lines that fail are looked at in Python.
* :func:`iter_json_lines` / :func:`json_line_records` (Zeeschuimer, twarc, VK) parse each line with orjson
  and yield ``(line number, object)``, for adapters that map records in Python.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from botwatch.ingest.base import LineGuard, Reject, SourceFile, check_rejects

BLOCK_BYTES = 1 << 26
RECORD_BLOCK_BYTES = 1 << 23  # blocks for the per-line parse: its objects are bigger than the bytes
MAX_BLOCK_LINES = 1 << 20
BLANK = b" \t\r\n"


class _Truncated:
    """Marks the end of a gzip stream that broke off; carries the error."""

    def __init__(self, exc: BaseException):
        self.exc = exc


def load_json_lines(con, source: SourceFile, block_size: int = BLOCK_BYTES) -> list[Reject]:
    """Store each line holding a JSON object in the temporary table ``src(position, raw)`` of ``con`` (position
    is the 1-based line number) and return the other lines as rejects; blank lines are skipped, their numbers
    still count."""
    con.execute("CREATE TEMP TABLE src (position BIGINT, raw VARCHAR)")
    rejects: list[Reject] = []
    first_line = 1
    for data in _blocks(source, block_size):
        if isinstance(data, _Truncated):
            reason = f"file truncated or corrupt after line {first_line - 1}: {data.exc}"
            rejects.append(Reject(first_line, reason, "", "end-of-file"))
            break
        if _blank(data):  # a run of blank lines (a bomb's favourite) costs one vectorised test
            first_line += data.to_pybytes().count(b"\n") + (data[-1:].to_pybytes() != b"\n")
            continue
        block, n = _split_block(con, data, first_line, rejects)
        check_rejects(source, rejects)
        first_line += n
        con.register("_good", block)
        con.execute("INSERT INTO src SELECT position, raw FROM _good")
        con.unregister("_good")
    return rejects


def iter_json_lines(source: SourceFile) -> Iterator[tuple[int, Any] | Reject]:
    """Yield ``(line number, parsed JSON value)`` for each non-blank line, or a :class:`Reject` for a line that
    is not valid UTF-8 JSON and, for a gzip stream that breaks off, one ``end-of-file`` reject after the lines
    before the damage. Values other than objects are yielded too: the adapter's mapper says what is wrong."""
    first_line = 1
    for data in _blocks(source, RECORD_BLOCK_BYTES):
        if isinstance(data, _Truncated):
            reason = f"file truncated or corrupt after line {first_line - 1}: {data.exc}"
            yield Reject(first_line, reason, "", "end-of-file")
            return
        block = data.to_pybytes()
        lines = block.split(b"\n")
        if block.endswith(b"\n"):
            lines.pop()
        if not _blank(data):
            yield from _parse_lines(lines, first_line)
        first_line += len(lines)


def _parse_lines(lines: list[bytes], first_line: int) -> Iterator[tuple[int, Any] | Reject]:
    for position, line in enumerate(lines, first_line):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            yield position, orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            raw = stripped.decode("utf-8", errors="replace")
            reason = "invalid UTF-8" if _bad_utf8(stripped) else f"malformed JSON: {exc}"
            yield Reject(position, reason, raw, "line")


def _bad_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def json_line_records(source: SourceFile) -> tuple[list[Reject], Iterator[tuple[int, Any]]]:
    """Split :func:`iter_json_lines` into a generator of good records, collecting rejects in a list (more
    than ``max_bad_lines`` of them stop the read)."""
    rejects: list[Reject] = []

    def good() -> Iterator[tuple[int, Any]]:
        for rec in iter_json_lines(source):
            if isinstance(rec, Reject):
                rejects.append(rec)
                check_rejects(source, rejects)
            else:
                yield rec

    return rejects, good()


def _blocks(source: SourceFile, block_size: int) -> Iterator[pa.Buffer | _Truncated]:
    """Buffers of whole lines (the last may lack its newline), a leading BOM removed, each of at most
    ``MAX_BLOCK_LINES`` lines. Newlines are looked for only in the bytes just read, so a long line costs linear
    time, and a line longer than the line limit stops the read (:class:`~botwatch.ingest.base.InputLimits`)."""
    piece_size = 1 << 20 if source.gzipped else block_size
    guard = LineGuard(source)
    buf = bytearray()
    last_nl = -1  # index in buf of its last newline
    with source.open_binary() as fh:
        while True:
            try:
                piece = fh.read1(piece_size)
            except (
                EOFError,
                OSError,
                zlib.error,
            ) as exc:  # cut or corrupt gzip: keep the complete lines before it
                if not source.gzipped:
                    raise
                yield from _bounded(bytes(buf[: last_nl + 1]))
                yield _Truncated(exc)
                return
            if not guard.lines and not guard.tail:
                piece = piece.removeprefix(b"\xef\xbb\xbf")
            if piece:
                guard.feed(piece)
                nl = piece.rfind(b"\n")
                if nl >= 0:
                    last_nl = len(buf) + nl
                buf += piece
                if len(buf) < block_size:
                    continue
            cut = last_nl + 1 if piece else len(buf)
            if cut:
                block = bytes(buf[:cut])
                del buf[:cut]
                last_nl = -1
                yield from _bounded(block)
            if not piece:
                return


def _blank(data: pa.Buffer) -> bool:
    """Whether ``data`` holds only spaces, tabs and line breaks (a block of records fails on its first bytes)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    if arr[:4096].max(initial=0) > 32 or arr.max(initial=0) > 32:
        return False
    return not np.any((arr != 10) & (arr != 32) & (arr != 13) & (arr != 9))


def _bounded(block: bytes, max_lines: int = MAX_BLOCK_LINES) -> Iterator[pa.Buffer]:
    """``block`` cut at newlines into buffers of at most about ``max_lines`` lines (a file of blank lines
    would otherwise make arrays of tens of millions of offsets per block)."""
    if not block:
        return
    data = pa.py_buffer(block)
    n = block.count(b"\n")
    if n <= max_lines:
        yield data
        return
    step = max(1, len(block) * max_lines // n)
    pos = 0
    while pos < len(block):
        end = pos + step
        if end >= len(block):
            cut = len(block)
        else:
            cut = block.rfind(b"\n", pos, end) + 1
            if cut <= pos:
                cut = block.find(b"\n", end) + 1 or len(block)
        yield data[pos:cut]
        pos = cut


def _split_block(con, data: pa.Buffer, first_line: int, rejects: list[Reject]) -> tuple[pa.Table, int]:
    """The JSON-object lines of one block as ``(position, raw)``, and the number of lines in the block."""
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10) + 1
    if len(arr) and arr[-1] != 10:
        ends = np.append(ends, len(arr))
    n = len(ends)
    offsets = np.zeros(n + 1, dtype=np.int64)
    offsets[1:] = ends
    lines = pa.Array.from_buffers(pa.large_binary(), n, [None, pa.py_buffer(offsets), data])
    positions = np.arange(first_line, first_line + n, dtype=np.int64)
    try:
        text = lines.cast(pa.large_string())
    except pa.ArrowInvalid:
        text = _decode_lines(lines, positions, rejects)
    text = pc.ascii_trim(text, " \t\r\n")
    # an object line starts with '{' once trimmed; blank and NULL (invalid UTF-8) lines have length 0
    offs = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + n + 1]
    data_buf = text.buffers()[2]
    chars = np.frombuffer(data_buf, dtype=np.uint8) if n and data_buf is not None else np.zeros(0, np.uint8)
    nonblank = np.diff(offs) > 0
    keep = nonblank.copy()
    keep[keep] = chars[offs[:-1][keep]] == ord("{")
    block = pa.table({"position": positions, "raw": text})
    con.register("_block", block)
    try:
        valid = con.sql("SELECT json_valid(raw) FROM _block").to_arrow_table().column(0)
    finally:
        con.unregister("_block")
    keep &= pc.fill_null(valid, False).to_numpy(zero_copy_only=False)
    if not keep.all():
        # blank lines are skipped (their numbers still count); invalid UTF-8 is already rejected (NULL, length 0)
        for i in np.flatnonzero(~keep & nonblank):
            line = text[int(i)].as_py()
            rejects.append(Reject(int(positions[i]), _json_reason(line), line, "line"))
        block = block.filter(pa.array(keep))
    return block, n


def _decode_lines(lines: pa.Array, positions: np.ndarray, rejects: list[Reject]) -> pa.Array:
    """Lines as strings, with NULL (and a reject) for each line that is not valid UTF-8."""
    texts: list[str | None] = []
    for i, line in enumerate(lines.to_pylist()):
        try:
            texts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(None)
            raw = line.strip(BLANK).decode("utf-8", errors="replace")
            rejects.append(Reject(int(positions[i]), "invalid UTF-8", raw, "line"))
    return pa.array(texts, pa.large_string())


def _json_reason(raw: str) -> str:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return f"malformed JSON: {exc}"
    if isinstance(obj, dict):
        return "malformed JSON"  # DuckDB and orjson disagree; keep DuckDB's verdict
    kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(obj), "a number"
    )
    return f"line is JSON but not an object ({kind})"
