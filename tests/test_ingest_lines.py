"""One JSON Lines reader (ingest/lines.py): the per-line parse used by Zeeschuimer, twarc and VK and the
vectorised load used by ``--format jsonl`` share its blocks, limits, line numbers and end-of-file report."""

import gzip
import json

import duckdb
import pytest

from botwatch.errors import InputLimitError
from botwatch.ingest.base import InputLimits, Reject, SourceFile
from botwatch.ingest.lines import iter_json_lines, load_json_lines

CONTENT = (
    b"\xef\xbb\xbf"
    + b'{"id": 1}\r\n  \n{"id": 2, "t": "\xd0\xb0"}\n'
    + b"[1]\n{broken\n"
    + b'{"t": "\xff"}\n'
    + b'  {"id": 9}  \n{"id": 10}'
)


def _both(path):
    """(positions of objects, rejects as (position, reason head)) from each way out of the reader."""
    parsed = list(iter_json_lines(SourceFile(path)))
    it_good = [p for p, obj in (r for r in parsed if not isinstance(r, Reject)) if isinstance(obj, dict)]
    it_bad = sorted((r.position, r.reason.split(":")[0]) for r in parsed if isinstance(r, Reject))
    con = duckdb.connect()
    rejects = load_json_lines(con, SourceFile(path))
    loaded = [r[0] for r in con.execute("SELECT position FROM src ORDER BY 1").fetchall()]
    con.close()
    return (it_good, it_bad), (loaded, sorted((r.position, r.reason.split(":")[0]) for r in rejects))


def test_per_line_and_vectorised_reads_agree_on_positions(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(CONTENT)
    parsed = list(iter_json_lines(SourceFile(path)))
    assert parsed[:2] == [(1, {"id": 1}), (3, {"id": 2, "t": "а"})]  # BOM gone, blank line 2 counted
    assert (5, "malformed JSON") in [
        (r.position, r.reason.split(":")[0]) for r in parsed if isinstance(r, Reject)
    ]
    (it_good, it_bad), (loaded, load_bad) = _both(path)
    assert it_good == loaded == [1, 3, 7, 8]
    assert it_bad == [(5, "malformed JSON"), (6, "invalid UTF-8")]
    # the per-line parse hands an array to the adapter (its mapper says what is wrong); the load rejects it
    assert load_bad == [(4, "line is JSON but not an object (an array)"), *it_bad]


def test_a_cut_gzip_ends_with_the_same_end_of_file_reject_on_both_paths(tmp_path):
    """Before, the per-line reader reported a cut file at position -1 'after the last good line'."""
    lines = b"".join(
        json.dumps({"id": i, "text": f"comment {i} " * 20}).encode() + b"\n" for i in range(1, 3001)
    )
    data = gzip.compress(lines, mtime=0)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    parsed = list(iter_json_lines(SourceFile(path)))
    *good, end = parsed
    k = len(good)
    assert 0 < k < 3000 and [p for p, _ in good] == list(range(1, k + 1))
    assert (end.position, end.position_kind) == (k + 1, "end-of-file")
    assert end.reason.startswith(f"file truncated or corrupt after line {k}: ")
    (it_good, it_bad), (loaded, load_bad) = _both(path)
    assert it_good == loaded and it_bad == load_bad == [
        (k + 1, "file truncated or corrupt after line " + str(k))
    ]


def test_a_line_over_the_limit_stops_the_per_line_read(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"id": 1}\n{"t": "' + b"x" * 5000 + b'"}\n')
    source = SourceFile(path, InputLimits(max_line_bytes=1000))
    with pytest.raises(InputLimitError, match="line 2 is longer than"):
        list(iter_json_lines(source))
