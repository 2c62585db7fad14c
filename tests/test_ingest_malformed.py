"""Malformed inputs, written by the tests themselves: every record is accounted for, every rejected record is
quarantined with its reason, file name and line, and every user error says what to do."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import duckdb
import pytest
from click.testing import CliRunner

from botwatch.cli import cli
from botwatch.errors import BotwatchError, FormatError, NeedsTimezoneError
from botwatch.ingest import ingest as ingest_files
from botwatch.ingest.base import IngestOptions
from botwatch.testing import assert_counts_add_up

HEADER = "item_id,account_id,created_at,text\n"
T = "2024-03-01T10:00:00Z"


def _write(tmp_path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    data = content.encode("utf-8") if isinstance(content, str) else content
    if name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return str(path)


def _jl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


def _rec(i, **kw) -> dict:
    return {"item_id": str(i), "account_id": f"a{i}", "created_at": T, "text": f"text {i}"} | kw


@pytest.fixture
def case(make_case):
    return make_case()


def ingest(case, tmp_path, name, content, fmt=None, **opts):
    path = _write(tmp_path, name, content)
    fmt = fmt or ("jsonl" if ".jsonl" in name else "csv")
    [summary] = ingest_files(case, [path], IngestOptions(format=fmt, **opts))
    assert_counts_add_up(summary)
    return summary


def quarantine(case) -> list[tuple]:
    return case.con.execute(
        "SELECT file_name, position, position_kind, reason FROM quarantine ORDER BY position"
    ).fetchall()


def items(case, cols="item_id, text") -> list[tuple]:
    return case.con.execute(f"SELECT {cols} FROM items ORDER BY item_id").fetchall()


def table_counts(case) -> tuple:
    return tuple(
        case.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("items", "accounts", "account_observations", "quarantine", "sources")
    )


# -- JSON Lines ---------------------------------------------------------------------------------------------


def test_truncated_json_line(case, tmp_path):
    s = ingest(case, tmp_path, "t.jsonl", _jl(_rec(1), '{"item_id": "2", "acc', _rec(3)))
    assert (s.items_stored, s.quarantined) == (2, 1)
    [(name, pos, kind, reason)] = quarantine(case)
    assert (name, pos, kind) == ("t.jsonl", 2, "line")
    assert reason.startswith("malformed JSON")


def test_id_as_object_and_timestamp_as_list(case, tmp_path):
    content = _jl(_rec(1), _rec(2, item_id={"x": 1}), _rec(3, created_at=[T]), _rec(4))
    s = ingest(case, tmp_path, "types.jsonl", content)
    assert (s.items_stored, s.quarantined) == (2, 2)
    assert [(p, r) for _, p, _, r in quarantine(case)] == [
        (2, "item_id is a JSON object, expected a string or number"),
        (3, "created_at is a JSON array, expected a string or number"),
    ]


def test_missing_ids_in_json(case, tmp_path):
    rec2 = _rec(2)
    del rec2["item_id"]
    content = _jl(_rec(1), rec2, _rec(3, account_id=""), _rec(4, account_id=None))
    s = ingest(case, tmp_path, "ids.jsonl", content)
    assert (s.items_stored, s.quarantined) == (1, 3)
    assert [(p, k, r) for _, p, k, r in quarantine(case)] == [
        (2, "record", "missing item id"),
        (3, "record", "missing account id"),
        (4, "record", "missing account id"),
    ]


def test_invalid_utf8_json_line(case, tmp_path):
    content = _jl(_rec(1)).encode() + b'{"item_id": "2", "text": "\xff\xfe"}\n' + _jl(_rec(3)).encode()
    s = ingest(case, tmp_path, "bad.jsonl", content)
    assert (s.items_stored, s.quarantined) == (2, 1)
    assert quarantine(case) == [("bad.jsonl", 2, "line", "invalid UTF-8")]


def test_bom_and_mixed_line_endings_json(case, tmp_path):
    content = b"\xef\xbb\xbf" + json.dumps(_rec(1)).encode() + b"\r\n" + json.dumps(_rec(2)).encode() + b"\n"
    content += json.dumps(_rec(3)).encode()  # no final newline
    s = ingest(case, tmp_path, "bom.jsonl", content)
    assert (s.items_stored, s.quarantined) == (3, 0)
    assert items(case) == [("1", "text 1"), ("2", "text 2"), ("3", "text 3")]


def test_ten_megabyte_single_line(case, tmp_path):
    big = "слово " * (10 * 1024 * 1024 // 12) + "конец"
    s = ingest(case, tmp_path, "big.jsonl", _jl(_rec(1, text=big), _rec(2)))
    assert s.items_stored == 2
    assert case.con.execute("SELECT length(text) FROM items WHERE item_id = '1'").fetchall()[0][0] == len(big)


def test_json_array_instead_of_object(case, tmp_path):
    s = ingest(case, tmp_path, "arr.jsonl", _jl(_rec(1), "[1, 2, 3]", '"just a string"'))
    assert (s.items_stored, s.quarantined) == (1, 2)
    assert [(p, r) for _, p, _, r in quarantine(case)] == [
        (2, "line is JSON but not an object (an array)"),
        (3, "line is JSON but not an object (a string)"),
    ]


def test_nul_bytes(case, tmp_path):
    raw_nul = '{"item_id": "2", "account_id": "a", "created_at": "' + T + '", "text": "a\x00b"}'
    s = ingest(case, tmp_path, "nul.jsonl", _jl(_rec(1, text="escaped \u0000 nul"), raw_nul))
    assert (s.items_stored, s.quarantined) == (1, 1)
    assert quarantine(case)[0][1] == 2 and quarantine(case)[0][3].startswith("malformed JSON")
    s = ingest(case, tmp_path, "nul.csv", HEADER + f"3,a,{T},x\x00y\n4,a,{T},ok\n")
    assert s.items_stored == 2


def test_blank_lines_keep_line_numbers_json(case, tmp_path):
    ingest(case, tmp_path, "blank.jsonl", _jl(_rec(1)) + "\n   \n" + _jl(_rec(2, account_id="")))
    assert quarantine(case) == [("blank.jsonl", 4, "record", "missing account id")]


@pytest.mark.parametrize("name", ["blocks.jsonl", "blocks.jsonl.gz"])
def test_json_lines_split_across_small_blocks(tmp_path, name):
    """Lines cut by block boundaries, a line longer than a block, blank lines, CRLF, bad lines and a BOM: the
    reader's block size changes nothing but speed."""
    import duckdb

    from botwatch.ingest.base import SourceFile
    from botwatch.ingest.lines import load_json_lines

    long = json.dumps(_rec(4, text="x" * 300))
    content = b"\xef\xbb\xbf" + _jl(_rec(1), _rec(2)).encode() + b"\r\n  \n" + long.encode() + b"\r\n"
    content += (
        b"[1]\n{broken\n" + b'{"t": "\xff"}\n' + b'  {"item_id": "9"}  \n' + json.dumps(_rec(10)).encode()
    )
    path = _write(tmp_path, name, content)
    results = []
    for block_size in (1 << 20, 64, 7):
        con = duckdb.connect()
        rejects = load_json_lines(con, SourceFile(path), block_size=block_size)
        kept = con.execute("SELECT position, raw FROM src ORDER BY position").fetchall()
        results.append((kept, sorted((r.position, r.reason.split(":")[0]) for r in rejects)))
        con.close()
    kept, rejects = results[0]
    assert [p for p, _ in kept] == [1, 2, 5, 9, 10]
    assert all(raw.startswith("{") and raw.endswith("}") for _, raw in kept)  # no BOM, no line ending
    assert rejects == [
        (6, "line is JSON but not an object (an array)"),
        (7, "malformed JSON"),
        (8, "invalid UTF-8"),
    ]
    assert results[1] == results[0] and results[2] == results[0]


def test_dotted_map_and_unknown_map_field(case, tmp_path):
    rec = {"id": 7, "user": {"id": 99, "name": "n"}, "ts": 1709287200, "body": "hi"}
    m = (("item_id", "id"), ("account_id", "user.id"), ("created_at", "ts"), ("text", "body"))
    s = ingest(case, tmp_path, "m.jsonl", _jl(rec), mapping=m)
    assert s.items_stored == 1
    assert items(case, "item_id, account_id, created_at, text") == [
        ("7", "99", dt.datetime(2024, 3, 1, 10, 0), "hi")
    ]
    with pytest.raises(FormatError, match=r"unknown field 'author'; fields are: .*account_id"):
        ingest(case, tmp_path, "m2.jsonl", _jl(rec), mapping=m + (("author", "user.id"),))


# -- CSV ----------------------------------------------------------------------------------------------------


def test_missing_account_id_csv(case, tmp_path):
    s = ingest(case, tmp_path, "m.csv", HEADER + f"1,a1,{T},x\n2,,{T},y\n,a3,{T},z\n")
    assert (s.items_stored, s.quarantined) == (1, 2)
    assert [(p, r) for _, p, _, r in quarantine(case)] == [(3, "missing account id"), (4, "missing item id")]


def test_invalid_utf8_csv(case, tmp_path):
    content = HEADER.encode() + f"1,a,{T},ok\n".encode() + f"2,a,{T},bad\xff\n".encode("latin-1")
    content += f"3,a,{T},fine\n".encode()
    s = ingest(case, tmp_path, "u.csv", content)
    assert (s.items_stored, s.quarantined) == (2, 1)
    assert quarantine(case) == [("u.csv", 3, "line", "invalid UTF-8")]


def test_bom_csv(case, tmp_path):
    s = ingest(case, tmp_path, "bom.csv", "\ufeff" + HEADER + f"1,a,{T},x\n")
    assert s.items_stored == 1 and items(case) == [("1", "x")]


def test_mixed_line_endings_csv(case, tmp_path):
    content = HEADER.replace("\n", "\r\n") + f"1,a,{T},x\r\n2,a,{T},y\n3,a,{T},z\r\n"
    s = ingest(case, tmp_path, "crlf.csv", content)
    assert s.items_stored == 3
    assert items(case) == [("1", "x"), ("2", "y"), ("3", "z")]


def test_header_only_empty_and_whitespace(case, tmp_path):
    assert ingest(case, tmp_path, "h.csv", HEADER).records_read == 0
    s = ingest(case, tmp_path, "e.csv", b"")
    assert (s.format, s.records_read) == ("empty", 0)
    s = ingest(case, tmp_path, "w.jsonl", " \n\t\r\n  ")
    assert (s.format, s.records_read) == ("empty", 0)
    assert table_counts(case)[0] == 0


def test_duplicates_in_one_file_and_across_files(case, tmp_path):
    s = ingest(case, tmp_path, "d1.csv", HEADER + f"1,a,{T},x\n1,a,{T},x\n2,a,{T},y\n")
    assert (s.items_stored, s.duplicates) == (2, 1)
    s = ingest(case, tmp_path, "d2.csv", HEADER + f"2,a,{T},y\n3,a,{T},z\n")
    assert (s.items_stored, s.duplicates) == (1, 1)
    assert [r[0] for r in items(case)] == ["1", "2", "3"]


def test_naive_timestamps_need_timezone(case, tmp_path):
    content = HEADER + "1,a,2024-06-01 12:00:00,x\n"
    with pytest.raises(NeedsTimezoneError, match="pass --timezone"):
        ingest(case, tmp_path, "naive.csv", content)
    assert table_counts(case) == (0, 0, 0, 0, 0)  # the failed run left nothing behind
    s = ingest(case, tmp_path, "naive.csv", content, timezone="Europe/Moscow")
    assert s.items_stored == 1
    assert items(case, "created_at") == [(dt.datetime(2024, 6, 1, 9, 0),)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1709287200", dt.datetime(2024, 3, 1, 10, 0)),  # epoch seconds
        ("1709287200123", dt.datetime(2024, 3, 1, 10, 0, 0, 123000)),  # epoch milliseconds
        ("2024-03-01T15:00:00+05:00", dt.datetime(2024, 3, 1, 10, 0)),  # ISO with offset
        ("2024-03-01 10:00:00Z", dt.datetime(2024, 3, 1, 10, 0)),
    ],
)
def test_timestamp_forms(case, tmp_path, value, expected):
    ingest(case, tmp_path, "ts.csv", HEADER + f"1,a,{value},x\n")
    assert items(case, "created_at") == [(expected,)]


def test_implausible_and_unparseable_dates(case, tmp_path):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    content = HEADER + f"1,a,{future},x\n2,a,1999-12-31T23:00:00Z,y\n3,a,yesterday,z\n4,a,{T},ok\n5,a,,none\n"
    s = ingest(case, tmp_path, "dates.csv", content)
    assert (s.items_stored, s.quarantined) == (1, 4)
    reasons = [(p, r.split(":")[0]) for _, p, _, r in quarantine(case)]
    assert reasons == [
        (2, "timestamp in the future"),
        (3, "timestamp before 2000"),
        (4, "unparseable timestamp"),
        (6, "missing timestamp"),
    ]


def test_unknown_kind(case, tmp_path):
    content = (
        "item_id,account_id,created_at,kind\n1,a,2024-03-01T10:00:00Z,banana\n2,a,2024-03-01T10:00:00Z,post\n"
    )
    s = ingest(case, tmp_path, "k.csv", content)
    assert (s.items_stored, s.quarantined) == (1, 1)
    assert quarantine(case) == [("k.csv", 2, "record", "unknown item kind: banana")]


def test_too_many_and_too_few_columns(case, tmp_path):
    content = HEADER + f"1,a,{T},x\n2,a,{T},y,EXTRA\n3,a\n4,a,{T},z\n"
    s = ingest(case, tmp_path, "cols.csv", content)
    assert (s.items_stored, s.quarantined) == (2, 2)
    assert [(p, r) for _, p, _, r in quarantine(case)] == [
        (3, "malformed CSV row: 5 fields but the header has 4"),
        (4, "malformed CSV row: 2 fields but the header has 4"),
    ]


def test_unterminated_quote(case, tmp_path):
    content = HEADER + f'1,a,{T},x\n2,a,{T},"never closed\n3,a,{T},z\n'
    s = ingest(case, tmp_path, "q.csv", content)
    assert (s.items_stored, s.quarantined) == (1, 1)
    assert quarantine(case) == [("q.csv", 3, "line", "malformed CSV row: unterminated quote")]


def test_quoted_newlines_and_blank_lines_keep_line_numbers(case, tmp_path):
    content = HEADER + f'1,a,{T},"two\nlines"\n\n2,,{T},y\n'
    s = ingest(case, tmp_path, "nl.csv", content)
    assert (s.items_stored, s.quarantined) == (1, 1)
    assert quarantine(case) == [("nl.csv", 5, "record", "missing account id")]
    assert items(case) == [("1", "two\nlines")]


def test_extremely_long_csv_field(case, tmp_path):
    long_text = "x" * 3_000_000
    s = ingest(case, tmp_path, "long.csv", HEADER + f'1,a,{T},"{long_text}"\n2,,{T},y\n')
    assert (s.items_stored, s.quarantined) == (1, 1)
    assert quarantine(case)[0][1] == 3


def test_gzip_input(case, tmp_path):
    s = ingest(case, tmp_path, "c.csv.gz", HEADER + f"1,a,{T},x\n2,,{T},y\n")
    assert (s.items_stored, s.quarantined) == (1, 1)
    s = ingest(case, tmp_path, "j.jsonl.gz", _jl(_rec(3), _rec(4, account_id="")))
    assert (s.items_stored, s.quarantined) == (1, 1)
    assert sorted((n, p) for n, p, _, _ in quarantine(case)) == [("c.csv.gz", 3), ("j.jsonl.gz", 2)]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cut.csv.gz", HEADER + "".join(f"{i},a,{T},text {i}\n" for i in range(1, 20000))),
        ("cut.jsonl.gz", _jl(*[_rec(i) for i in range(1, 20000)])),
    ],
)
def test_truncated_gzip(case, tmp_path, name, content):
    path = tmp_path / name
    data = gzip.compress(content.encode())
    path.write_bytes(data[: len(data) // 2])
    fmt = "jsonl" if "jsonl" in name else "csv"
    [s] = ingest_files(case, [str(path)], IngestOptions(format=fmt))
    assert_counts_add_up(s)
    assert s.accounts_stored == 0 and 0 < s.items_stored < 19999
    eof = [q for q in quarantine(case) if q[2] == "end-of-file"]
    assert len(eof) == 1 and "truncated or corrupt" in eof[0][3]


def test_csv_out_of_memory_is_not_hidden_by_the_slow_path(case, tmp_path, monkeypatch):
    # the Python re-read is for rows DuckDB's CSV reader rejects; running out of memory must surface as such
    from botwatch.ingest import tabular

    real_emit, calls = tabular._emit, []

    def emit_out_of_memory_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return real_emit(*args)

    monkeypatch.setattr(tabular, "_emit", emit_out_of_memory_once)
    path = _write(tmp_path, "ok.csv", HEADER + f"1,a,{T},x\n")
    with pytest.raises(BotwatchError, match=r"ok.csv: out of memory while storing"):
        ingest_files(case, [path], IngestOptions(format="csv"))
    assert len(calls) == 1 and table_counts(case) == (0, 0, 0, 0, 0)


# -- user errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "opts", "error", "message"),
    [
        ("dir", {}, BotwatchError, r"is a folder; pass the export files inside it"),
        ("missing", {}, BotwatchError, r"no such file; check the path"),
        ("csv", {"format": "parquetish"}, FormatError, r"unknown format 'parquetish'; use one of: .*csv"),
        ("csv", {"timezone": "Mars/Olympus"}, BotwatchError, r"unknown timezone 'Mars/Olympus'; use an IANA"),
        ("csv", {"mapping": (("colour", "text"),)}, FormatError, r"unknown field 'colour'; fields are"),
        ("csv", {"mapping": (("text", "body"),)}, FormatError, r"has no column 'body'; columns are: item_id"),
        ("nots", {}, FormatError, r"no column for created_at .*pass --map created_at=COLUMN"),
    ],
)
def test_user_errors(case, tmp_path, setup, opts, error, message):
    if setup == "dir":
        path = tmp_path / "export"
        path.mkdir()
    elif setup == "missing":
        path = tmp_path / "nope.csv"
    elif setup == "nots":
        path = tmp_path / "nots.csv"
        path.write_text("item_id,account_id,text\n1,a,x\n")
    else:
        path = tmp_path / "ok.csv"
        path.write_text(HEADER + f"1,a,{T},x\n")
    opts = {"format": "csv"} | opts if setup != "dir" else opts
    with pytest.raises(error, match=message):
        ingest_files(case, [str(path)], IngestOptions(**opts))
    assert table_counts(case) == (0, 0, 0, 0, 0)


# -- CLI ----------------------------------------------------------------------------------------------------


def _cli(*args):
    return CliRunner().invoke(cli, list(args))


def test_cli_user_errors_are_one_line(tmp_path):
    good = _write(tmp_path, "naive.csv", HEADER + "1,a,2024-06-01 12:00:00,x\n")
    case_path = str(tmp_path / "c.duckdb")
    for args in (
        ["ingest", case_path, str(tmp_path / "missing.csv")],
        ["ingest", case_path, good],
        ["ingest", case_path, good, "--timezone", "Nowhere/City"],
        ["ingest", case_path, good, "--format", "nope"],
    ):
        result = _cli(*args)
        assert result.exit_code == 1, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
        assert "Traceback" not in result.output


def test_cli_usage_errors_exit_2(tmp_path):
    good = _write(tmp_path, "ok.csv", HEADER + f"1,a,{T},x\n")
    case_path = str(tmp_path / "c.duckdb")
    assert _cli("ingest", case_path, good, "--map", "no-equals-sign").exit_code == 2
    assert _cli("ingest", case_path).exit_code == 2
    assert _cli("ingest", case_path, good, "--frobnicate").exit_code == 2


def test_cli_ingest_reports_counts(tmp_path):
    path = _write(tmp_path, "ok.csv", HEADER + f"1,a,{T},x\n2,,{T},y\n")
    result = _cli("ingest", str(tmp_path / "c.duckdb"), path, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "read 2 = stored 1 items + 0 accounts + quarantined 1 + duplicates 0" in result.output
    assert "quarantined 1: missing account id" in result.output
