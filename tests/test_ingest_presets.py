"""Golden tests: each CSV preset, and --map (CSV columns and dotted JSON paths), on small synthetic fixtures
written from the documented headers (ecosystem notes §2.4, 2.8, 2.9, 2.11, 2.13)."""

from __future__ import annotations

from datetime import datetime as D
from pathlib import Path

import pytest

from botwatch.errors import FormatError
from botwatch.ingest import ingest
from botwatch.ingest.base import IngestOptions
from botwatch.ingest.tabular import PRESETS, REQUIRED, _columns_read
from botwatch.store.case import Case

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
ITEM_COLS = (
    "platform, item_id, account_id, kind, parent_id, root_id, channel, created_at, text, lang, links, hashtags, "
    "mentions, repost_of, reactions, replies, reposts, views"
)
ACCOUNT_COLS = "platform, account_id, handle, display_name, created_at, bio, followers, following, n_items"


def _ingest(tmp_path, name, **opts):
    with Case(tmp_path / "case.duckdb") as case:
        [s] = ingest(case, [FIXTURES / name], IngestOptions(**opts))
        assert s.quarantined == 0, s.quarantine_reasons
        items = case.con.execute(f"SELECT {ITEM_COLS} FROM items ORDER BY item_id").fetchall()
        accounts = case.con.execute(f"SELECT {ACCOUNT_COLS} FROM accounts ORDER BY account_id").fetchall()
    return s, items, accounts


def test_cnt(tmp_path):
    s, items, accounts = _ingest(tmp_path, "cnt.csv")
    assert "Coordination Network Toolkit" in s.format_reason
    url = "https://news.example/a"
    assert items == [
        ("generic", "m1", "u1", "post", None, None, None, D(2024, 3, 1, 10, 0), f"Great work #akimat {url}",
         None, [url], ["akimat"], [], None, None, None, None, None),
        ("generic", "m2", "u2", "repost", None, None, None, D(2024, 3, 1, 10, 1, 0, 500000),
         f"Great work #akimat {url}", None, [url], ["akimat"], [], "m1", None, None, None, None),
        ("generic", "m3", "u3", "comment", "m1", None, None, D(2024, 3, 1, 10, 2), "@user_one agreed", None,
         ["http://a.example/1", "http://a.example/2"], [], ["user_one"], None, None, None, None, None),
    ]  # fmt: skip
    assert [(a[1], a[2], a[-1]) for a in accounts] == [("u1", "user_one", 1), ("u2", "user_two", 1),
                                                        ("u3", "user_three", 1)]  # fmt: skip


def test_coortweet(tmp_path):
    s, items, accounts = _ingest(tmp_path, "coortweet.csv")
    assert "CooRTweet" in s.format_reason
    assert items == [
        ("generic", "c1:obj1", "acc1", "repost", None, None, None, D(2024, 3, 1, 10, 0), None, None, [], [], [], "obj1",
         None, None, None, None),
        ("generic", "c2:obj1", "acc2", "repost", None, None, None, D(2024, 3, 1, 10, 0, 30), None, None, [], [], [],
         "obj1", None, None, None, None),
        ("generic", "c3:obj2", "acc1", "repost", None, None, None, D(2024, 3, 1, 11, 0), None, None, [], [], [], "obj2",
         None, None, None, None),
    ]  # fmt: skip
    assert [(a[1], a[-1]) for a in accounts] == [("acc1", 2), ("acc2", 1)]


def test_twitter_io_archive(tmp_path):
    s, items, accounts = _ingest(tmp_path, "twitter_io.csv")
    assert s.format_reason.startswith("CSV header has the Twitter information-operations archive")
    assert items == [
        ("twitter", "1001", "hashA", "post", None, None, None, D(2016, 10, 5, 14, 30), "Vote early #election",
         "en", ["https://t.example/x"], ["election"], [], None, 5, 1, 2, None),
        ("twitter", "1002", "hashB", "repost", None, None, None, D(2016, 10, 5, 14, 35),
         "RT @screenA: Vote early #election", "en", [], ["election"], ["hashA"], "1001", 0, 0, 0, None),
        ("twitter", "1003", "hashB", "comment", "1001", None, None, D(2016, 10, 5, 15, 0), "@screenA agreed", "en",
         [], [], ["hashA"], None, 1, 0, 0, None),
    ]  # fmt: skip
    assert accounts == [
        ("twitter", "hashA", "screenA", "Display A", D(2015, 6, 1), "bio of A", 120, 80, 1),
        ("twitter", "hashB", "screenB", "Display B", D(2016, 9, 30), "bio of B", 15, 300, 2),
    ]


def test_4cat_prefers_unix_timestamp(tmp_path):
    # 'timestamp' is the server's local time (13:00); unix_timestamp says 10:00 UTC, and needs no --timezone
    s, items, accounts = _ingest(tmp_path, "4cat.csv")
    assert "4CAT" in s.format_reason
    assert items == [
        ("generic", "chat1-10", "777", "post", None, "chat1-10", None, D(2024, 3, 1, 10, 0),
         "First message in the thread", None, [], [], [], None, None, None, None, None),
        ("generic", "chat1-11", "888", "comment", "chat1-10", "chat1-10", None, D(2024, 3, 1, 10, 5), "A reply",
         None, [], [], [], None, None, None, None, None),
    ]  # fmt: skip
    assert [(a[1], a[2]) for a in accounts] == [("777", "alice_tg"), ("888", "bob_tg")]


def test_crowdtangle_zones_and_thousands(tmp_path):
    s, items, accounts = _ingest(tmp_path, "crowdtangle.csv")
    assert "CrowdTangle" in s.format_reason
    base = "https://www.facebook.com/examplenews/posts/"
    assert items == [
        ("facebook", base + "111", "100200300", "post", None, None, "Example News", D(2024, 3, 1, 10, 0),
         "Read our story https://story.example/1", None, ["https://story.example/1"], [], [], None, 1234, 200, 34,
         None),
        ("facebook", base + "112", "100200300", "post", None, None, "Example News", D(2024, 7, 1, 13, 30),
         "Summer update", None, [], [], [], None, 12, 1, 1, None),
    ]  # fmt: skip
    [acc] = accounts
    assert acc[:4] == ("facebook", "100200300", "examplenews", "Example News")
    assert acc[6] in (15500, 15600) and acc[-1] == 2


def test_meta_content_library(tmp_path):
    s, items, accounts = _ingest(tmp_path, "meta_content_library.csv")
    assert "Meta Content Library" in s.format_reason
    assert items == [
        ("facebook", "9001", "555", "post", None, None, "Some Page", D(2024, 3, 1, 10, 0), "Hello from MCL", "en",
         [], [], [], None, 10, 2, 1, 345),
        ("facebook", "9002", "556", "post", None, None, "Some Page", D(2024, 3, 2, 12, 30), "Привет", "ru", [], [],
         [], None, None, 0, None, None),
    ]  # fmt: skip
    assert [(a[1], a[2], a[3]) for a in accounts] == [("555", "owner_page", "Owner Name"),
                                                      ("556", None, "Other Owner")]  # fmt: skip


def test_map_dotted_json_paths(tmp_path):
    mapping = (
        ("item_id", "post.id"),
        ("account_id", "user.id"),
        ("created_at", "post.ts"),
        ("text", "post.body"),
        ("handle", "user.screen"),
        ("followers", "user.stats.followers"),
        ("parent_id", "reply_to"),
    )
    s, items, accounts = _ingest(tmp_path, "mapped.jsonl", format="jsonl", mapping=mapping)
    assert items == [
        ("generic", "p1", "42", "post", None, None, None, D(2024, 3, 1, 10, 0), "Rahmet akimat!", None, [], [], [],
         None, None, None, None, None),
        ("generic", "p2", "43", "comment", "p1", None, None, D(2024, 3, 1, 10, 5), "Rahmet akimat!", None, [], [],
         [], None, None, None, None, None),
    ]  # fmt: skip
    assert accounts == [
        ("generic", "42", "nur_1", None, None, None, 3, None, 1),
        ("generic", "43", "nur_2", None, None, None, 0, None, 1),
    ]


def test_map_csv_columns_with_timezone_and_platform(tmp_path):
    mapping = (
        ("item_id", "Post ID"),
        ("account_id", "Author"),
        ("created_at", "When"),
        ("text", "Comment"),
        ("reactions", "Likes"),
    )
    s, items, _ = _ingest(tmp_path, "mapped.csv", timezone="Asia/Almaty", platform="forum", mapping=mapping)
    assert s.format_reason == "CSV header with 5 named columns"
    # Asia/Almaty is UTC+5 from 2024-03-01
    assert [(i[0], i[1], i[2], i[7], i[8], i[14]) for i in items] == [
        ("forum", "x1", "acc-9", D(2024, 3, 1, 10, 0), "first", 1200),
        ("forum", "x2", "acc-9", D(2024, 3, 1, 10, 1), "second", 7),
    ]


def test_map_overrides_a_preset_column_and_can_pick_a_preset(tmp_path):
    # the CNT preset reads 'message'; --map text=username overrides just that field
    _, items, _ = _ingest(tmp_path, "cnt.csv", mapping=(("text", "username"),))
    assert [(i[1], i[8]) for i in items] == [("m1", "user_one"), ("m2", "user_two"), ("m3", "user_three")]
    with pytest.raises(FormatError, match="unknown preset 'nope'"):
        _ingest(tmp_path / "x", "cnt.csv", mapping=(("preset", "nope"),))


def test_twitter_io_without_the_retweet_columns(tmp_path):
    # only the signature columns: still the twitter-io preset; repost_of reads is_retweet and retweet_tweetid,
    # so it is left out like any absent column
    s, items, accounts = _ingest(tmp_path, "twitter_io_signature_only.csv")
    assert s.format_reason.startswith("CSV header has the Twitter information-operations archive")
    assert items == [
        ("twitter", "1001", "hashA", "post", None, None, None, D(2016, 10, 5, 14, 30), "Vote early #election",
         None, [], ["election"], [], None, None, None, None, None),
    ]  # fmt: skip
    # a preset expression for a required field must not silently give way to a plain column
    for preset in PRESETS:
        for target in REQUIRED:
            if target in preset.expressions:
                assert _columns_read(preset.expressions[target]) <= preset.signature, (preset.name, target)


def test_json_lines_with_a_csv_preset_header_get_no_preset(tmp_path):
    # CooRTweet's column names in JSON Lines: presets are CSV layouts, so the missing fields are named
    with pytest.raises(FormatError, match=r"no column for item_id, created_at .*pass --map item_id=COLUMN"):
        _ingest(tmp_path / "auto", "coortweet_keys.jsonl")
    with pytest.raises(FormatError, match=r"--map preset=coortweet is for CSV files; map JSON fields with"):
        _ingest(tmp_path / "forced", "coortweet_keys.jsonl", mapping=(("preset", "coortweet"),))
    mapping = (("item_id", "content_id"), ("created_at", "timestamp_share"), ("repost_of", "object_id"))
    s, items, _ = _ingest(tmp_path / "mapped", "coortweet_keys.jsonl", mapping=mapping)
    assert s.format == "jsonl"
    assert [(i[1], i[2], i[3], i[7], i[13]) for i in items] == [
        ("c1", "acc1", "repost", D(2024, 3, 1, 10, 0), "obj1"),
        ("c2", "acc2", "repost", D(2024, 3, 1, 10, 0, 30), "obj1"),
    ]
