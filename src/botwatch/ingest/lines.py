"""Split a JSON Lines file into validated JSON objects, in Arrow, without a per-line Python loop.

The file is read in large blocks of whole lines. In each block, line boundaries come from one vectorised search
for newlines, and DuckDB's ``json_valid`` checks every line once. Only lines that fail (invalid UTF-8, malformed JSON, not an object, blank)
are looked at in Python, to skip them or to say what is wrong with them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from botwatch.ingest.base import Reject, SourceFile

BLOCK_BYTES = 1 << 26
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
        block, n = _split_block(con, data, first_line, rejects)
        first_line += n
        con.register("_good", block)
        con.execute("INSERT INTO src SELECT position, raw FROM _good")
        con.unregister("_good")
    return rejects


def _blocks(source: SourceFile, block_size: int) -> Iterator[pa.Buffer | _Truncated]:
    """Buffers of whole lines (the last may lack its newline), a leading BOM removed."""
    if source.gzipped:
        yield from _gzip_blocks(source, block_size)
        return
    rest = b""
    with open(source.path, "rb") as fh:
        while True:
            piece = fh.read(block_size)
            source.progress(len(piece))
            if not rest and fh.tell() == len(piece):
                piece = piece.removeprefix(b"\xef\xbb\xbf")
            data = rest + piece if rest else piece
            if not piece:
                if data:
                    yield pa.py_buffer(data)
                return
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            if cut:
                yield pa.py_buffer(data)[:cut] if cut < len(data) else pa.py_buffer(data)


def _gzip_blocks(source: SourceFile, block_size: int) -> Iterator[pa.Buffer | _Truncated]:
    buf = bytearray()
    first = True
    with source.open_binary() as fh:
        while True:
            try:
                piece = fh.read1(1 << 20)
            except (EOFError, OSError) as exc:  # truncated gzip: keep every complete line before the cut
                cut = buf.rfind(b"\n") + 1
                if cut:
                    yield pa.py_buffer(bytes(buf[:cut]))
                yield _Truncated(exc)
                return
            if first and piece:
                piece = piece.removeprefix(b"\xef\xbb\xbf")
                first = False
            buf += piece
            if piece and len(buf) < block_size:
                continue
            cut = buf.rfind(b"\n") + 1 if piece else len(buf)
            if cut:
                yield pa.py_buffer(bytes(buf[:cut]))
                del buf[:cut]
            if not piece:
                return


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
    keep = np.diff(offs) > 0
    keep[keep] = chars[offs[:-1][keep]] == ord("{")
    block = pa.table({"position": positions, "raw": text})
    con.register("_block", block)
    try:
        valid = con.sql("SELECT json_valid(raw) FROM _block").to_arrow_table().column(0)
    finally:
        con.unregister("_block")
    keep &= pc.fill_null(valid, False).to_numpy(zero_copy_only=False)
    if not keep.all():
        for i in np.flatnonzero(~keep):
            line = text[int(i)].as_py()
            if line:  # blank lines are skipped (their numbers still count); invalid UTF-8 is already rejected
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
