"""Issue 10, ingest: bombs and over-long lines or fields stop with one line in bounded memory, pipes and ``-``
are read once through a spool (items 6 and 7)."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from botwatch.cli import cli
from botwatch.errors import InputLimitError
from botwatch.ingest import ingest
from botwatch.ingest.base import IngestOptions, InputLimits
from botwatch.store.case import Case

GOOD = b'{"item_id": "%d", "account_id": "u1", "created_at": "2024-01-01T00:00:00Z", "text": "ok"}\n'
CSV_HEAD = b"item_id,account_id,created_at,text\n1,u1,2024-01-01T00:00:00Z,ok\n"
SMALL = InputLimits(max_line_bytes=1 << 20, max_bad_lines=100)


def _gz(path: Path, head: bytes, fill: bytes, n: int, tail: bytes = b"") -> Path:
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    block = fill * ((1 << 20) // len(fill))
    with open(path, "wb") as fh:
        fh.write(comp.compress(head))
        for _ in range(n >> 20):
            fh.write(comp.compress(block))
        fh.write(comp.compress(tail) + comp.flush())
    return path


def _ingest(tmp_path, path, limits=None, **opts):
    with Case(tmp_path / "case.duckdb") as case:
        return ingest(case, [path], IngestOptions(limits=limits, **opts))


# -- item 6: bombs -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "head", "fill", "tail"),
    [
        ("blank.jsonl.gz", GOOD % 1, b"\n", b""),
        ("line.jsonl.gz", GOOD % 1 + b'{"text": "', b"a", b'"}\n'),
        ("field.csv.gz", CSV_HEAD + b'2,u2,2024-01-01T00:00:00Z,"', b"a", b'"\n'),
        (
            "result.json.gz",
            b'{"name": "x", "type": "public_channel", "id": 1, "messages": [{"text": "',
            b"a",
            b"",
        ),
    ],
)
def test_decompression_bomb_stops_with_one_line(tmp_path, name, head, fill, tail):
    bomb = _gz(tmp_path / name, head, fill, 48 << 20, tail)  # 48 MiB from about 50 KiB
    t0 = time.perf_counter()
    with pytest.raises(InputLimitError, match="times its compressed size") as err:
        _ingest(tmp_path, bomb, timezone="UTC")
    assert time.perf_counter() - t0 < 10 and "\n" not in str(err.value)
    with Case(tmp_path / "case.duckdb", read_only=True) as case:  # the case is as it was
        assert case.info()["items"] == 0


@pytest.mark.parametrize("fmt", [None, "twarc2", "vk-api", "zeeschuimer"])
@pytest.mark.parametrize("compressed", [False, True])
def test_over_long_line_stops(tmp_path, fmt, compressed):
    data = GOOD % 1 + b'{"text": "' + b"a" * (3 << 20) + b'"}\n'
    path = tmp_path / ("long.jsonl.gz" if compressed else "long.jsonl")
    path.write_bytes(gzip.compress(data, 1) if compressed else data)
    with pytest.raises(InputLimitError, match="longer than 1.0 MiB; stopped") as err:
        _ingest(tmp_path, path, SMALL, format=fmt)
    assert "BOTWATCH_MAX_LINE_BYTES" in str(err.value)


def test_over_long_csv_field_spanning_lines_stops(tmp_path):
    path = tmp_path / "field.csv"
    path.write_bytes(CSV_HEAD + b'2,u2,2024-01-01T00:00:00Z,"' + b"many short lines\n" * 100_000 + b'"\n')
    with pytest.raises(InputLimitError, match="field starting on line 3 is longer than 1.0 MiB"):
        _ingest(tmp_path, path, SMALL)


def test_over_long_csv_line_stops(tmp_path):
    path = tmp_path / "line.csv"
    path.write_bytes(CSV_HEAD + b"2,u2,2024-01-01T00:00:00Z," + b"a" * (2 << 20) + b"\n")
    with pytest.raises(InputLimitError, match="line 3 is longer than 1.0 MiB"):
        _ingest(tmp_path, path, SMALL)


def test_telegram_document_with_a_huge_string_stops(tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes(
        b'{\n "name": "x",\n "type": "public_channel",\n "id": 1,\n "messages": [{"text": "'
        + b"a" * (2 << 20)
        + b'"}]}'
    )
    with pytest.raises(InputLimitError, match="line 5 is longer than 1.0 MiB"):
        _ingest(tmp_path, path, SMALL)


@pytest.mark.parametrize("fmt", [None, "twarc2"])
def test_too_many_unreadable_lines_stop(tmp_path, fmt):
    path = tmp_path / "x.jsonl"
    path.write_bytes(GOOD % 1 + b"x\n" * 500)
    with pytest.raises(InputLimitError, match="more than 100 lines or rows cannot be read"):
        _ingest(tmp_path, path, SMALL, format=fmt)


def test_blank_lines_are_skipped_fast_and_keep_line_numbers(tmp_path):
    path = tmp_path / "blank.jsonl"
    path.write_bytes(GOOD % 1 + b"\n" * 3_000_000 + b"not json\n" + GOOD % 2)
    t0 = time.perf_counter()
    (summary,) = _ingest(tmp_path, path)
    assert time.perf_counter() - t0 < 10
    assert (summary.items_stored, summary.quarantined) == (2, 1)
    with Case(tmp_path / "case.duckdb", read_only=True) as case:
        assert case.con.execute("SELECT position FROM quarantine").fetchall() == [(3_000_002,)]
        assert sorted(case.con.execute("SELECT position FROM items").fetchall()) == [(1,), (3_000_003,)]


def test_a_long_legitimate_line_is_stored(tmp_path):
    text = "слово " * 400_000  # 4.4 MB of text on one line, under the default 64 MiB limit
    path = tmp_path / "long.jsonl.gz"
    path.write_bytes(gzip.compress(GOOD % 1 + (GOOD % 2).replace(b'"ok"', f'"{text}"'.encode()), 1))
    (summary,) = _ingest(tmp_path, path)
    assert summary.items_stored == 2


def test_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("BOTWATCH_MAX_LINE_BYTES", "2MB")
    monkeypatch.setenv("BOTWATCH_MAX_COMPRESSION_RATIO", "50")
    limits = InputLimits.from_env()
    assert (limits.max_line_bytes, limits.max_ratio) == (2 << 20, 50.0)
    monkeypatch.setenv("BOTWATCH_MAX_INPUT_BYTES", "lots")
    with pytest.raises(InputLimitError, match="BOTWATCH_MAX_INPUT_BYTES"):
        InputLimits.from_env()


# -- item 7: pipes, FIFOs and '-' ------------------------------------------------------------------------------
def _jsonl(tmp_path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join(GOOD % i for i in range(1, 6)))
    return path


def test_stdin_dash_is_spooled(tmp_path):
    data = _jsonl(tmp_path).read_bytes()
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "c.duckdb"), "-"], input=data)
    assert result.exit_code == 0, result.output
    assert "<stdin>: jsonl" in result.output and "stored 5 items" in result.output
    assert not list(tmp_path.glob(".botwatch-spool-*"))


def test_named_fifo(tmp_path, monkeypatch):
    src = _jsonl(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    monkeypatch.setenv("BOTWATCH_PIPE_TIMEOUT", "1")
    t0 = time.perf_counter()
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "c.duckdb"), str(fifo)])
    assert result.exit_code == 1 and "nothing wrote to it within 1 s" in result.output
    assert result.output.count("\n") == 1 and time.perf_counter() - t0 < 5
    writer = threading.Thread(target=lambda: fifo.write_bytes(src.read_bytes()))
    writer.start()
    monkeypatch.setenv("BOTWATCH_PIPE_TIMEOUT", "20")
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "c.duckdb"), str(fifo)])
    writer.join()
    assert result.exit_code == 0 and "stored 5 items" in result.output, result.output


def test_device_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "c.duckdb"), "/dev/zero"])
    assert result.exit_code == 1 and "is a device or socket, not a file" in result.output


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_process_substitution_and_dev_stdin(tmp_path):
    src = _jsonl(tmp_path)
    bw = Path(sys.executable).with_name("botwatch")
    script = f"""
    "{bw}" ingest "{tmp_path}/a.duckdb" <(cat "{src}")
    cat "{src}" | "{bw}" ingest "{tmp_path}/b.duckdb" /dev/stdin
    """
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("stored 5 items") == 2, out.stdout


def test_stale_spools_are_removed(tmp_path):
    stale, fresh = tmp_path / ".botwatch-spool-old.partial", tmp_path / ".botwatch-spool-new.partial"
    stale.write_text("x")
    fresh.write_text("x")
    os.utime(stale, (time.time() - 3 * 86400,) * 2)
    data = _jsonl(tmp_path).read_bytes()
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "c.duckdb"), "-"], input=data)
    assert result.exit_code == 0, result.output
    assert not stale.exists() and fresh.exists()
