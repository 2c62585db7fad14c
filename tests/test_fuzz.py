"""Fuzzing ingest (issue 10): hostile records and mutated bytes for every adapter, through the library and the CLI.

The generator (``fuzz_gen``) and the oracle (``fuzz_check``) are shared with the long run,
``python benchmarks/fuzz.py``. Here a small seeded subset runs in every test run; a failure names the file as
``adapter:seed:index``, which ``fuzz_gen.make_file`` (or ``benchmarks/fuzz.py --replay``) rebuilds byte for byte.
The regression tests below pin each bug the fuzzer found, with the smallest input that showed it.
"""

from __future__ import annotations

import gzip
import json
import zlib

import fuzz_check
import pytest
from fuzz_check import check_file, run
from fuzz_gen import ADAPTERS, make_file

from botwatch.errors import FormatError
from botwatch.ingest import ingest
from botwatch.ingest.base import IngestOptions
from botwatch.store.case import Case
from botwatch.testing import assert_counts_add_up

SEED = 20261201
T = "2024-03-01T10:00:00Z"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_hostile_records(adapter, tmp_path):
    """Valid envelopes with hostile fields: every record stored, quarantined or a duplicate; no traceback."""
    report = run([adapter], seed=SEED, files=2, batch=200, work=tmp_path, bytes_share=0.0, cli_every=2)
    assert [f.line() for f in report.new_findings] == []
    stats = report.stats[adapter]
    assert stats.cases >= 2 * 100 and stats.records_read > 0 and stats.quarantined > 0
    assert stats.peak_rss_mb < 1500 or not stats.peak_rss_own  # its own peak, where /proc lets us reset it


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_mutated_bytes(adapter, tmp_path):
    """Small valid samples cut, bit-flipped, spliced, or in a broken gzip stream: a one-line refusal or an
    ingest whose counts add up."""
    report = run([adapter], seed=SEED, files=5, work=tmp_path, bytes_share=1.0, cli_every=5)
    assert [f.line() for f in report.new_findings] == []
    assert report.stats[adapter].files == 5


def test_fuzz_files_are_reproducible():
    for adapter in ADAPTERS:
        a, b = make_file(adapter, 7, 3, batch=50), make_file(adapter, 7, 3, batch=50)
        assert (a.name, a.data, a.options) == (b.name, b.data, b.options)


# -- what the fuzzer found -------------------------------------------------------------------------------------------


def _ingest(tmp_path, name: str, data: bytes, **options):
    path = tmp_path / name
    path.write_bytes(data)
    with Case(tmp_path / "case.duckdb") as case:
        [summary] = ingest(case, [path], IngestOptions(**options))
        assert_counts_add_up(summary)
        rows = case.con.execute("SELECT item_id, reactions FROM items ORDER BY item_id").fetchall()
        quarantine = case.con.execute("SELECT position, reason FROM quarantine ORDER BY position").fetchall()
    return summary, rows, quarantine


def test_csv_count_beyond_int64_is_null(tmp_path):
    """Found as csv:1:0: a count column holding 1e308 raised DuckDB's ConversionException out of ingest."""
    data = (
        f"item_id,account_id,created_at,reactions,followers\n1,a,{T},1e308,-1e300\n2,b,{T},7,inf\n".encode()
    )
    summary, rows, _ = _ingest(tmp_path, "c.csv", data, format="csv")
    assert (summary.items_stored, rows) == (2, [("1", None), ("2", 7)])


def test_json_count_beyond_int64_is_null(tmp_path):
    """Found as twarc2:1:2: a like_count of 2**64 (parsed as a float) raised OverflowError in to_table."""
    tweet = {
        "id": "1",
        "author_id": "9",
        "text": "hi",
        "created_at": T,
        "public_metrics": {"like_count": 2**64},
    }
    summary, rows, _ = _ingest(tmp_path, "t.jsonl", json.dumps(tweet).encode() + b"\n", format="twarc2")
    assert (summary.items_stored, rows) == (1, [("1", None)])


def test_record_nested_too_deeply_is_quarantined(tmp_path):
    """Found through the CLI (zeeschuimer:1:0): a record nested ~1,000 levels, which orjson accepts, made
    json.dumps raise RecursionError while storing its raw text."""
    deep = "[" * 1015 + "1" + "]" * 1015
    env = {"nav_index": "1", "timestamp_collected": 1, "source_platform": "tiktok.com"}
    good = env | {"data": {"id": "2", "author": "ann", "createTime": 1709287200}}
    line = json.dumps(env | {"data": {"id": "1", "author": "ann", "createTime": 1709287200}})
    line = line[:-2] + ', "x": ' + deep + "}}"
    data = (line + "\n" + json.dumps(good) + "\n").encode()
    summary, rows, quarantine = _ingest(tmp_path, "z.ndjson", data, format="zeeschuimer")
    assert (summary.items_stored, rows) == (1, [("2", None)])
    assert quarantine == [(1, "record nested too deeply to store")]


def test_vk_comment_with_list_owner_id(tmp_path):
    """Found as vk-api:1:1: a comment whose owner_id is a list made _sibling_defaults raise TypeError (unhashable)
    before any record was mapped."""
    comment = {"id": 5, "from_id": 1, "date": 1709287200, "text": "x", "post_id": 2, "owner_id": -1}
    response = {"response": {"count": 2, "items": [comment, comment | {"id": 6, "owner_id": [-1]}]}}
    summary, rows, quarantine = _ingest(tmp_path, "v.json", json.dumps(response).encode(), format="vk-api")
    assert (summary.items_stored, rows) == (1, [("-1_2_5", None)])
    assert quarantine == [(1, "comment owner_id is not an integer: [-1]")]


@pytest.mark.parametrize("fmt", ["telegram-desktop", "vk-api"])
@pytest.mark.parametrize("damage", ["cut", "crc"])
def test_damaged_gzip_document_is_refused_in_one_line(fmt, damage, tmp_path, make_case):
    """Found as vk-api:20261201:1 (bytes): a Telegram or VK .json.gz that is cut off or fails its CRC raised
    EOFError or BadGzipFile out of the adapter. One document cannot be read in part, so the file is refused with
    one line. (Corrupt deflate data fails earlier, in the runner: the xfail test below.)"""
    if fmt == "vk-api":
        doc = {
            "response": {
                "count": 1,
                "items": [{"id": 1, "owner_id": -1, "date": 1709287200, "text": "x" * 500}],
            }
        }
    else:
        doc = {
            "name": "c",
            "type": "public_channel",
            "id": 1,
            "messages": [{"id": 1, "type": "message", "text": "x"}],
        }
    raw = json.dumps(doc).encode()
    gz = gzip.compress(raw, mtime=0)
    data = gz[: len(gz) // 2] if damage == "cut" else gz[:-8] + b"\0\0\0\0" + gz[-4:]
    path = tmp_path / "r.json.gz"
    path.write_bytes(data)
    case = make_case()
    with pytest.raises(FormatError) as err:
        ingest(case, [path], IngestOptions(format=fmt))
    assert str(err.value).startswith("r.json.gz: cannot be read to the end (") and "\n" not in str(err.value)


def test_column_names_with_line_breaks_stay_on_one_line(tmp_path, make_case):
    """Found as zeeschuimer:12:6 read with --format jsonl: the 'no column for ...' refusal listed the JSON keys as
    they are, so a key holding a line break split the one-line message."""
    line = json.dumps({"id": 1, "line1\nline2\rline3": 2, "\u2028x\x1b": 3}).encode() + b"\n"
    path = tmp_path / "k.jsonl"
    path.write_bytes(line)
    case = make_case()
    with pytest.raises(FormatError) as err:
        ingest(case, [path], IngestOptions(format="jsonl"))
    message = str(err.value)
    assert message.splitlines() == [message] and "'line1\\nline2\\rline3'" in message


def test_twarc_page_parts_of_the_wrong_type_are_quarantined(tmp_path):
    """Found as twarc2:15:0 with envelope mutations: includes.users or includes.tweets holding a number raised
    TypeError out of the adapter, and a page whose data was a string was dropped without a trace."""
    tweet = {"id": "1", "author_id": "9", "text": "hi", "created_at": T}
    pages = [
        {"data": [tweet], "includes": {"users": 5, "tweets": 7, "media": 3}, "meta": {}},
        {"data": "oops", "meta": {}},
        {"data": [tweet | {"id": "2"}], "includes": "x", "meta": {}},
    ]
    data = b"".join(json.dumps(p).encode() + b"\n" for p in pages)
    summary, rows, quarantine = _ingest(tmp_path, "p.jsonl", data, format="twarc2")
    assert [r[0] for r in rows] == ["1", "2"]
    assert sorted(quarantine) == [
        (1, "page includes.tweets is a number, not a list of tweets or users"),
        (1, "page includes.users is a number, not a list of tweets or users"),
        (2, "page data is a string, not a list of tweets or users"),
        (3, "page includes is a string, not an object"),
    ]


def test_telegram_damaged_chat_fields(tmp_path, make_case):
    """Found by hand after the fuzzer's envelope mutations were widened (then by telegram-desktop:18:*): a full
    export whose chats.list is a number raised TypeError, and a chat whose type is a list raised 'unhashable
    type' before any message was mapped; a forwarded_from that is an object quarantined a good message."""
    msg = {"id": 1, "type": "message", "date_unixtime": "1709287200", "text": "x", "from_id": "user5"}
    full = {"personal_information": {}, "chats": {"list": 5}}
    path = tmp_path / "full.json"
    path.write_text(json.dumps(full))
    case = make_case("c1.duckdb")
    with pytest.raises(FormatError, match="chats.list is not a list"):
        ingest(case, [path], IngestOptions(format="telegram-desktop"))
    chat = {"name": "c", "type": ["public_channel"], "id": 1, "messages": [msg, msg | {"id": 2, "from_id": "channel9",
            "forwarded_from": {"a": 1}}]}  # fmt: skip
    summary, rows, quarantine = _ingest(
        tmp_path, "chat.json", json.dumps(chat).encode(), format="telegram-desktop"
    )
    assert ([r[0] for r in rows], quarantine) == (["1/1", "1/2"], [])


@pytest.mark.parametrize("path", ["a..b", ".", "", "a.", ".a"])
def test_json_path_with_an_empty_step_is_refused(path, tmp_path, make_case):
    """Found by the --map fuzzing: ``--map text=a..b`` (or ``.``, or an empty value) on JSON Lines raised DuckDB's
    BinderException ('JSON path error') out of ingest."""
    line = json.dumps({"item_id": "1", "account_id": "a", "created_at": T, "a": {"b": "x"}}).encode()
    file = tmp_path / "m.jsonl"
    file.write_bytes(line + b"\n")
    case = make_case()
    with pytest.raises(FormatError, match="has an empty step"):
        ingest(case, [file], IngestOptions(format="jsonl", mapping=(("text", path),)))


def test_csv_columns_differing_only_in_case_are_refused(tmp_path, make_case):
    """Found as csv:1:137 in the long run (a hostile column ``ITEM_ID`` beside ``item_id``): DuckDB's column names
    ignore case, so building the raw record raised 'BinderException: Duplicate named argument'."""
    path = tmp_path / "d.csv"
    path.write_text(f"item_id,account_id,created_at,Text,text\n1,a,{T},x,y\n")
    case = make_case()
    with pytest.raises(FormatError, match="differ only in case"):
        ingest(case, [path], IngestOptions(format="csv"))


def test_twarc_flattened_line_without_id_is_quarantined(tmp_path):
    """Found as twarc2:1:50 and twarc2:1:176 in the 1M run: a flattened user or tweet that lost its ``id`` still has
    ``__twarc``, was taken for an empty response page, and vanished without a trace."""
    user = {"username": "u7", "name": "U", "__twarc": {}}
    tweet = {"text": "hi", "author_id": "9", "created_at": T, "__twarc": {}}
    good = {"id": "5", "text": "ok", "author_id": "9", "created_at": T, "__twarc": {}}
    data = b"".join(json.dumps(x).encode() + b"\n" for x in (good, user, tweet))
    summary, rows, quarantine = _ingest(tmp_path, "f.jsonl", data, format="twarc2")
    assert ([r[0] for r in rows], [q[0] for q in quarantine]) == (["5"], [2, 3])
    assert all(q[1].startswith("not a Twitter API v2 response page, tweet or user") for q in quarantine)


def test_header_refusal_is_short(tmp_path, make_case):
    """Found as vk-api:15:16 read as CSV: the refusal of a header with repeated names printed the whole header,
    here a 100 kB JSON line."""
    header = ",".join(["a" * 1000] * 100)
    path = tmp_path / "h.csv"
    path.write_text(header + "\n1,2\n")
    case = make_case()
    with pytest.raises(FormatError) as err:
        ingest(case, [path], IngestOptions(format="csv"))
    assert len(str(err.value)) < 800 and "repeated column names" in str(err.value)


def test_naive_timestamp_at_the_end_of_time_west_of_utc(tmp_path):
    """Found by the CSV/JSONL fuzzers: a naive timestamp in the last hours DuckDB can hold, read with a zone west
    of UTC, raises 'Conversion Error: ICU date overflows timestamp range' out of Case.commit_staging
    (``timezone(zone, ts)`` in store.sql.timestamp_expr). It should be quarantined as a timestamp in the future."""
    data = b"item_id,account_id,created_at\n1,a,294247-01-10 04:00:54\n2,a,2024-03-01 10:00:00\n"
    summary, _, quarantine = _ingest(tmp_path, "t.csv.gz", gzip.compress(data), timezone="America/New_York")
    assert summary.items_stored == 1 and quarantine[0][1].startswith("timestamp in the future")


def _corrupt_gzip(data: bytes) -> bytes:
    """``data`` gzipped with one byte of the deflate stream changed so that zlib (not gzip) rejects it."""
    gz = bytearray(gzip.compress(data, mtime=0))
    for at in range(10, len(gz) - 8):
        bad = bytes(gz[:at]) + bytes([gz[at] ^ 0x55]) + bytes(gz[at + 1 :])
        try:
            gzip.decompress(bad)
        except zlib.error:
            return bad
        except (OSError, EOFError):
            continue
    raise AssertionError("no corrupting byte found")


@pytest.mark.parametrize("fmt", ["twarc2", "jsonl", "csv"])
def test_corrupt_gzip_stream_is_quarantined(fmt, tmp_path):
    """Found as twarc2:20261201:1 (bytes): a .gz whose deflate data is corrupt lets zlib.error ('Error -3 while
    decompressing data: invalid distance too far back') escape ingest. It should keep the lines before the damage
    and quarantine the rest as 'file truncated or corrupt', as a cut gzip file does."""
    if fmt == "csv":
        data = b"item_id,account_id,created_at\n" + b"".join(
            b"%d,a%d,%s\n" % (i, i, T.encode()) for i in range(300)
        )
    else:
        recs = [{"id": str(i), "author_id": "9", "text": f"t{i}", "created_at": T} for i in range(300)]
        if fmt == "jsonl":
            recs = [{"item_id": r["id"], "account_id": "9", "created_at": T} for r in recs]
        data = b"".join(json.dumps(r).encode() + b"\n" for r in recs)
    if fmt == "csv":  # the first corrupting byte lies in the header: a one-line refusal, nothing stored
        with pytest.raises(FormatError) as err:
            _ingest(tmp_path, f"x.{fmt}.gz", _corrupt_gzip(data), format=fmt)
        assert "\n" not in str(err.value) and "header" in str(err.value)
        return
    summary, _, quarantine = _ingest(tmp_path, f"x.{fmt}.gz", _corrupt_gzip(data), format=fmt)
    assert summary.quarantined >= 1 and "corrupt" in quarantine[-1][1]


def test_file_name_with_a_line_break_keeps_the_error_on_one_line(tmp_path):
    """Found while choosing hostile file names for the fuzzer (not generated by it, as every refusal would show
    it): ``botwatch ingest c.duckdb $'bad\\nname.txt'`` prints 'Error: bad' and the rest on a second line."""
    from click.testing import CliRunner

    from botwatch.cli import cli

    path = tmp_path / "bad\nname.txt"
    path.write_bytes(b"garbage\x00\x01")
    res = CliRunner().invoke(cli, ["ingest", str(tmp_path / "c.duckdb"), str(path)])
    assert res.exit_code == 1 and len(res.stderr.strip().splitlines()) == 1


def test_check_file_flags_an_escaped_exception(tmp_path, monkeypatch):
    """The oracle itself: an exception other than BotwatchError is a finding, not a crash of the fuzzer."""
    ff = make_file("jsonl", 1, 1, batch=5, bytes_share=0.0)
    path = tmp_path / ff.name
    path.write_bytes(ff.data)

    def boom(*a, **k):
        raise KeyError("boom")

    with Case(tmp_path / "c.duckdb") as case:
        monkeypatch.setattr(fuzz_check, "ingest", boom)
        [finding] = check_file(case, path, ff)
    assert finding.kind == "traceback" and "KeyError" in finding.detail
