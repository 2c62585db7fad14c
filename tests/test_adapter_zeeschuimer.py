"""Zeeschuimer NDJSON: golden rows for X/Twitter, Instagram, TikTok and TikTok comments, quarantine, samples."""

import datetime as dt
import gzip
import shutil
from pathlib import Path

import pytest

import botwatch
from botwatch.ingest import SourceFile, detect_format, ingest
from botwatch.ingest.zeeschuimer import ZeeschuimerAdapter, parse_twitter_time
from botwatch.testing import assert_counts_add_up

FIXTURES = Path(__file__).parent / "fixtures" / "zeeschuimer"
MIXED = FIXTURES / "mixed.ndjson"
REFERENCE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "formats" / "zeeschuimer-ndjson"
)

ITEM_COLS = (
    "platform, item_id, account_id, kind, parent_id, root_id, repost_of, created_at, text, links, hashtags, "
    "mentions, reactions, replies, reposts, views, position"
)
COUNTS = ("records_read", "items_stored", "accounts_stored", "quarantined", "duplicates")


def T(*args):
    return dt.datetime(*args)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    case = botwatch.Case(tmp_path_factory.mktemp("zs") / "c.duckdb")
    (summary,) = ingest(case, [MIXED], progress=False)
    yield case, summary
    case.close()


def test_detection_picks_zeeschuimer_with_a_reason(mixed):
    _, summary = mixed
    assert summary.format == "zeeschuimer"
    assert (
        summary.format_reason
        == "Zeeschuimer NDJSON envelope (source_platform 'twitter.com', data, nav_index)"
    )


def test_counts_add_up(mixed):
    _, s = mixed
    # 8 good lines -> 10 items (the quoted and the retweeted tweets are items too); 4 bad lines; 1 blank
    counts = {k: getattr(s, k) for k in COUNTS}
    assert counts == {
        "records_read": 14,
        "items_stored": 10,
        "accounts_stored": 0,
        "quarantined": 4,
        "duplicates": 0,
    }
    assert_counts_add_up(s)


def test_twitter_rows(mixed):
    case, _ = mixed
    rows = case.con.execute(
        f"SELECT {ITEM_COLS} FROM items WHERE platform = 'twitter' ORDER BY item_id"
    ).fetchall()
    assert rows == [
        (
            "twitter", "1000000000000000001", "2000000000000000002", "post", None, "1000000000000000001", None,
            T(2024, 3, 4, 6, 30), "Great work @alpha_news_kz! #Progress #KZ https://t.co/abc",
            ["https://example.org/road"], ["progress", "kz"], ["alpha_news_kz"], 2, 0, 1, 37, 1,
        ),
        (  # quoted tweet embedded in line 1 (TweetWithVisibilityResults wrapper)
            "twitter", "1000000000000000002", "2000000000000000001", "post", None, "1000000000000000002", None,
            T(2024, 3, 3, 12, 0), "Official news: the new road is open", [], [], [], 50, 4, 7, 900, 1,
        ),
        (  # x.com line, 2025+ user shape
            "twitter", "1000000000000000003", "2000000000000000003", "reply", "1000000000000000002",
            "1000000000000000002", None, T(2024, 3, 4, 6, 30, 5), "@alpha_news_kz Отличная работа!",
            [], [], ["alpha_news_kz"], 0, 0, 0, 5, 2,
        ),
        (  # the retweeted original, embedded in line 3
            "twitter", "1000000000000000004", "2000000000000000001", "post", None, "1000000000000000004", None,
            T(2024, 3, 4, 6, 0), "Minister visits the region", [], [], [], 10, 1, 3, 300, 3,
        ),
        (
            "twitter", "1000000000000000005", "2000000000000000002", "repost", None, "1000000000000000005",
            "1000000000000000004", T(2024, 3, 4, 6, 31), "RT @alpha_news_kz: Minister visits the region",
            [], [], [], 0, 0, 3, None, 3,
        ),
    ]  # fmt: skip
    raw_time, lang = case.con.execute(
        "SELECT created_at_raw, lang FROM items WHERE item_id = '1000000000000000003'"
    ).fetchone()
    assert raw_time == "Mon Mar 04 06:30:05 +0000 2024"
    assert lang is None  # "und"


def test_twitter_accounts_from_both_user_shapes(mixed):
    case, _ = mixed
    rows = case.con.execute(
        """SELECT account_id, handle, display_name, created_at, bio, avatar_url, followers, following,
                  posts_count, verified, n_items
           FROM accounts WHERE platform = 'twitter' ORDER BY account_id"""
    ).fetchall()
    assert rows == [
        ("2000000000000000001", "alpha_news_kz", "Alpha News", T(2022, 3, 14, 10, 34, 49), "bio of alpha_news_kz",
         "https://pbs.example.org/profile_images/2000000000000000001_normal.jpg", 5000, 12, 345, True, 2),
        ("2000000000000000002", "beta_fan_01", "Beta Fan", T(2024, 3, 1, 9, 0), "bio of beta_fan_01",
         "https://pbs.example.org/profile_images/2000000000000000002_normal.jpg", 3, 12, 345, False, 2),
        ("2000000000000000003", "gamma_2025", "Gamma", T(2024, 3, 2, 8, 0), None,
         "https://pbs.example.org/profile_images/gamma_normal.jpg", 1, 400, 9000, False, 1),
    ]  # fmt: skip
    # author details are observations seen on items, not profile records
    assert case.con.execute("SELECT bool_or(is_profile) FROM account_observations").fetchone()[0] is False


def test_instagram_and_tiktok_rows(mixed):
    case, _ = mixed
    rows = case.con.execute(
        f"SELECT {ITEM_COLS} FROM items WHERE platform <> 'twitter' ORDER BY platform, item_id"
    ).fetchall()
    assert rows == [
        (
            "instagram", "3000000000000000001", "4000000001", "post", None, "3000000000000000001", None,
            T(2024, 3, 4, 6, 30), "New park opened today #city #Park", [], ["city", "park"], [], 120, 8, None,
            None, 4,
        ),
        (
            "instagram", "5000000000000000001", "4000000002", "comment", "3000000000000000001",
            "3000000000000000001", None, T(2024, 3, 4, 6, 31), "Отличная работа! Great job", [], [], [], 4, 0,
            None, None, 5,
        ),
        (
            "tiktok", "7300000000000000001", "6800000000000000001", "post", None, "7300000000000000001", None,
            T(2024, 3, 4, 6, 30), "Новый мост открыт #мост #Astana @tt_friend", [], ["мост", "astana"],
            ["tt_friend"], 1500, 35, 20, 45000, 6,
        ),
        (
            "tiktok", "7310000000000000001", "6900000000000000001", "comment", "7300000000000000001",
            "7300000000000000001", None, T(2024, 3, 4, 6, 31, 40), "Отличная работа!", [], [], [], 3, 1, None,
            None, 7,
        ),
        (
            "tiktok", "7310000000000000002", "6900000000000000002", "reply", "7310000000000000001",
            "7300000000000000001", None, T(2024, 3, 4, 6, 32, 40), "Согласен", [], [], [], 0, 0, None, None, 8,
        ),
    ]  # fmt: skip
    media = case.con.execute("SELECT media FROM items WHERE item_id = '3000000000000000001'").fetchone()[0]
    assert media == ["https://scontent.example.org/p1_1080.jpg"]
    assert (
        case.con.execute("SELECT lang FROM items WHERE item_id = '7310000000000000001'").fetchone()[0] == "ru"
    )


def test_instagram_and_tiktok_accounts(mixed):
    case, _ = mixed
    rows = case.con.execute(
        """SELECT platform, account_id, handle, display_name, bio, avatar_url, followers, following, posts_count,
                  verified
           FROM accounts WHERE platform <> 'twitter' ORDER BY platform, account_id"""
    ).fetchall()
    assert rows == [
        ("instagram", "4000000001", "ig_city_news", "City News", None, "https://scontent.example.org/ig_city_news.jpg",
         None, None, None, True),
        ("instagram", "4000000002", "ig_fan_77", "Fan 77", None, "https://scontent.example.org/ig_fan_77.jpg",
         None, None, None, False),
        ("tiktok", "6800000000000000001", "tt_city", "City TikTok", "city videos",
         "https://p16.example.org/tt_city_100x100.jpeg", 9000, 10, 120, False),
        ("tiktok", "6900000000000000001", "tt_fan_01", "Fan 01", None, "https://p16.example.org/tt_fan_01.jpeg",
         None, None, None, None),
        ("tiktok", "6900000000000000002", "tt_fan_02", "Fan 02", None, None, None, None, None, None),
    ]  # fmt: skip


def test_bad_lines_are_quarantined_with_line_and_reason(mixed):
    case, _ = mixed
    rows = case.con.execute(
        "SELECT position, position_kind, reason FROM quarantine ORDER BY position"
    ).fetchall()
    assert [(p, k) for p, k, _ in rows] == [(9, "line"), (10, "line"), (11, "line"), (13, "line")]
    assert rows[0][2].startswith("malformed JSON")
    assert rows[1][2] == "unsupported Zeeschuimer platform: linkedin.com"
    assert rows[2][2] == "tweet without content (TweetTombstone): deleted, withheld or a tombstone"
    assert rows[3][2] == "not a Zeeschuimer envelope: no data object"


def test_raw_keeps_the_whole_envelope(mixed):
    case, _ = mixed
    raw = case.con.execute("SELECT raw FROM items WHERE item_id = '1000000000000000001'").fetchone()[0]
    assert '"source_platform_url": "https://x.com/search?q=example"' in raw
    assert '"nav_index": "1:2:1"' in raw


def test_gzipped_file_reads_the_same(tmp_path):
    gz = tmp_path / "mixed.ndjson.gz"
    with open(MIXED, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    with botwatch.Case(tmp_path / "c.duckdb") as case:
        (s,) = ingest(case, [gz], progress=False)
    assert (s.format, s.items_stored, s.quarantined) == ("zeeschuimer", 10, 4)


def test_sniff_rejects_other_json_lines(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"item_id": "1", "data": {}, "text": "hi"}\n')
    assert ZeeschuimerAdapter().sniff(p.read_bytes(), SourceFile(p)) is None
    p.write_text(
        '{"nav_index": "1:1:1", "source_platform": "tiktok.com", "data": {"id": "1"'
    )  # cut first line
    assert ZeeschuimerAdapter().sniff(p.read_bytes(), SourceFile(p)).startswith("Zeeschuimer NDJSON envelope")


def test_parse_twitter_time():
    assert parse_twitter_time("Wed Oct 10 20:19:24 +0000 2018") == 1539202764.0
    assert parse_twitter_time("Wed Oct 10 20:19:24 +0500 2018") == 1539202764.0 - 5 * 3600
    assert parse_twitter_time("2018-10-10 20:19:24") is None
    assert parse_twitter_time("Wed Foo 10 20:19:24 +0000 2018") is None


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference samples not present beside the checkout")
@pytest.mark.parametrize(
    "name",
    ["x-twitter_search_2023-10", "tiktok_2023-10", "instagram_explore_2026-02", "instagram_feed_2026-02"],
)
def test_real_reference_samples(make_case, name):
    path = REFERENCE / f"{name}.ndjson"
    n_lines = sum(1 for line in path.open(encoding="utf-8") if line.strip())
    assert detect_format(SourceFile(path))[0].name == "zeeschuimer"
    case = make_case()
    (s,) = ingest(case, [path], progress=False)
    assert_counts_add_up(s)
    assert s.quarantined == 0, s.quarantine_reasons
    mapped_lines = case.con.execute("SELECT count(DISTINCT position) FROM items").fetchone()[0]
    assert mapped_lines == n_lines
    missing = case.con.execute(
        """SELECT count(*) FROM items i LEFT JOIN accounts a USING (platform, account_id)
           WHERE a.handle IS NULL OR i.text IS NULL"""
    ).fetchone()[0]
    assert missing == 0
