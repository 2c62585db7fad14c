"""twarc2 JSONL: golden rows for response pages and flattened tweets, quarantine, real samples."""

import datetime as dt
from pathlib import Path

import pytest

import botwatch
from botwatch.ingest import SourceFile, detect_format
from botwatch.ingest import ingest as ingest_files
from botwatch.ingest.twarc import Twarc2Adapter, parse_iso_time
from botwatch.testing import assert_counts_add_up

FIXTURES = Path(__file__).parent / "fixtures" / "twarc"
PAGES = FIXTURES / "pages.jsonl"
FLAT = FIXTURES / "flat.jsonl"
REFERENCE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "formats" / "twitter-api-v2-jsonl"
)

COUNTS = ("records_read", "items_stored", "accounts_stored", "quarantined", "duplicates")
ITEM_COLS = (
    "item_id, account_id, kind, parent_id, root_id, repost_of, created_at, text, lang, links, hashtags, mentions, "
    "media, reactions, replies, reposts, views, position"
)
OFFICIAL, FAN1, FAN2 = "3000000000000000001", "3000000000000000002", "3000000000000000003"
ROOT, REPLY, RETWEET, QUOTE = (f"110000000000000000{i}" for i in (1, 2, 3, 4))

ROOT_ROW = (ROOT, OFFICIAL, "post", None, ROOT, None, dt.datetime(2024, 3, 4, 6, 0), "Official: new school opened",
            "ru", [], [], [], [], 40, 2, 5, 7000, 1)  # fmt: skip
REPLY_ROW = (
    REPLY, FAN1, "reply", ROOT, ROOT, None, dt.datetime(2024, 3, 4, 6, 0, 30),
    "@gov_news_kz Отличная работа! #Progress https://t.co/x1", "ru", ["https://example.org/school"],
    ["progress"], ["gov_news_kz"], ["https://pbs.example.org/media/900.jpg"], 1, 0, 0, 15, 1,
)  # fmt: skip
RETWEET_ROW = (RETWEET, FAN2, "repost", None, RETWEET, ROOT, dt.datetime(2024, 3, 4, 6, 1),
               "RT @gov_news_kz: Official: new school opened", "en", [], [], ["gov_news_kz"], [], 0, 0, 0, 0, 1)  # fmt: skip


def ingest(tmp_path, path):
    case = botwatch.Case(tmp_path / "c.duckdb")
    (summary,) = ingest_files(case, [path], progress=False)
    return case, summary


def counts(summary):
    assert_counts_add_up(summary)
    return tuple(getattr(summary, k) for k in COUNTS)


def test_pages_detected_with_a_reason(tmp_path):
    case, s = ingest(tmp_path, PAGES)
    assert s.format == "twarc2"
    assert s.format_reason == (
        "Twitter API v2 response pages (data holds tweets; includes, meta) as twarc2 writes them"
    )
    # line 1: 3 tweets + 3 users; line 2: 2 tweets + 2 users, all repeats but the quote; 4 bad lines; 1 empty page
    assert counts(s) == (14, 4, 3, 4, 3)
    case.close()


def test_page_items_golden(tmp_path):
    case, _ = ingest(tmp_path, PAGES)
    rows = case.con.execute(f"SELECT {ITEM_COLS} FROM items ORDER BY item_id").fetchall()
    quote_row = (QUOTE, FAN1, "post", None, QUOTE, None, dt.datetime(2024, 3, 4, 6, 5),
                 "Proud of our country https://t.co/q1", None,
                 [f"https://twitter.com/gov_news_kz/status/{ROOT}"], [], [], [], 0, 0, 0, 0, 2)  # fmt: skip
    assert rows == [ROOT_ROW, REPLY_ROW, RETWEET_ROW, quote_row]
    raw_time, raw = case.con.execute(
        f"SELECT created_at_raw, raw FROM items WHERE item_id = '{QUOTE}'"
    ).fetchone()
    assert raw_time == "2024-03-04T06:05:00.000Z"
    assert '"type": "quoted"' in raw  # quotes stay in raw
    case.close()


def test_page_users_are_profiles(tmp_path):
    case, _ = ingest(tmp_path, PAGES)
    rows = case.con.execute(
        """SELECT account_id, handle, display_name, created_at, bio, avatar_url, followers, following,
                  posts_count, verified, n_items FROM accounts ORDER BY account_id"""
    ).fetchall()
    avatar = "https://pbs.example.org/profile_images/{}_normal.jpg".format
    assert rows == [
        (OFFICIAL, "gov_news_kz", "Gov News", dt.datetime(2015, 6, 1, 8), "about gov_news_kz", avatar(OFFICIAL),
         12000, 7, 123, True, 1),
        (FAN1, "nur_fan_001", "Nur Fan", dt.datetime(2024, 2, 28, 23, 59), "about nur_fan_001", avatar(FAN1),
         2, 7, 123, False, 2),
        (FAN2, "nur_fan_002", "Nur Fan 2", dt.datetime(2024, 2, 29, 0, 1), "about nur_fan_002", avatar(FAN2),
         1, 7, 123, False, 1),
    ]  # fmt: skip
    profiles = case.con.execute("SELECT count(*) FROM account_observations WHERE is_profile").fetchone()[0]
    assert profiles == 3
    case.close()


def test_page_bad_lines_quarantined(tmp_path):
    case, _ = ingest(tmp_path, PAGES)
    rows = case.con.execute(
        "SELECT position, position_kind, reason FROM quarantine ORDER BY position"
    ).fetchall()
    assert [(p, k) for p, k, _ in rows] == [(3, "line"), (4, "line"), (5, "line"), (6, "line")]
    assert rows[0][2].startswith("malformed JSON")
    assert rows[1][2] == "not a Twitter API v2 response page, tweet or user (keys: hello, n)"
    assert rows[2][2] == (
        "API response page without data; first error: Not Found Error: "
        "Could not find tweet with ids: [1100000000000000099]."
    )
    assert rows[3][2] == "line is JSON but not an object (list)"
    case.close()


def test_flattened_lines(tmp_path):
    case, s = ingest(tmp_path, FLAT)
    assert s.format == "twarc2"
    assert (
        s.format_reason
        == "Twitter API v2 tweets, one per line (id, author_id, text), as twarc2 flatten writes them"
    )
    # reply + its embedded root, retweet + the same root again (duplicate), one tweet with a bad timestamp
    assert counts(s) == (5, 3, 0, 1, 1)
    rows = case.con.execute(f"SELECT {ITEM_COLS} FROM items ORDER BY item_id").fetchall()
    assert [r[:-1] for r in rows] == [ROOT_ROW[:-1], REPLY_ROW[:-1], RETWEET_ROW[:-1]]
    assert [r[-1] for r in rows[1:]] == [1, 2]
    assert case.con.execute("SELECT position, position_kind, reason FROM quarantine").fetchall() == [
        (3, "record", "unparseable timestamp: yesterday")
    ]
    # embedded authors are observations on items, with their full profile fields
    accounts = case.con.execute(
        "SELECT account_id, handle, followers, created_at FROM accounts ORDER BY account_id"
    ).fetchall()
    assert accounts == [
        (OFFICIAL, "gov_news_kz", 12000, dt.datetime(2015, 6, 1, 8)),
        (FAN1, "nur_fan_001", 2, dt.datetime(2024, 2, 28, 23, 59)),
        (FAN2, "nur_fan_002", 1, dt.datetime(2024, 2, 29, 0, 1)),
    ]
    assert case.con.execute("SELECT bool_or(is_profile) FROM account_observations").fetchone()[0] is False
    case.close()


def test_pages_then_flat_is_all_duplicates(make_case):
    case = make_case()
    _, flat = ingest_files(case, [PAGES, FLAT], progress=False)
    assert counts(flat) == (5, 0, 0, 1, 4)
    assert case.con.execute("SELECT count(*) FROM items").fetchone()[0] == 4


def test_sniff_rejects_other_json_lines(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": "1", "text": "hello", "user": {"id": "2"}}\n')  # v1.1-like: no author_id
    assert Twarc2Adapter().sniff(p.read_bytes(), SourceFile(p)) is None
    p.write_text('{"data": [{"id": "1", "author_id": "2", "text": "a very long page')  # cut first line
    assert Twarc2Adapter().sniff(p.read_bytes(), SourceFile(p)).startswith("Twitter API v2 response pages")


def test_parse_iso_time():
    assert parse_iso_time("2021-05-18T19:24:56.000Z") == 1621365896.0
    assert parse_iso_time("2021-05-18T21:24:56+02:00") == 1621365896.0
    assert parse_iso_time("2021-05-18T19:24:56") is None  # no zone: let the store ask for --timezone
    assert parse_iso_time("yesterday") is None


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference samples not present beside the checkout")
@pytest.mark.parametrize("name", ["two_tweets", "cotweet", "edited", "mentions_tweet", "users"])
def test_real_reference_samples(tmp_path, name):
    import orjson

    path = REFERENCE / f"{name}.jsonl"
    expected_tweets, expected_users = set(), set()
    for line in path.open("rb"):
        page = orjson.loads(line)
        data = page["data"] if isinstance(page["data"], list) else [page["data"]]
        for obj in data + page.get("includes", {}).get("tweets", []):
            (expected_users if "username" in obj else expected_tweets).add(obj["id"])
        expected_users |= {u["id"] for u in page.get("includes", {}).get("users", [])}
    assert detect_format(SourceFile(path))[0].name == "twarc2"
    case, s = ingest(tmp_path, path)
    assert s.quarantined == 0, s.quarantine_reasons
    assert_counts_add_up(s)
    assert {r[0] for r in case.con.execute("SELECT item_id FROM items").fetchall()} == expected_tweets
    profiles = case.con.execute(
        "SELECT DISTINCT account_id FROM account_observations WHERE is_profile"
    ).fetchall()
    assert {r[0] for r in profiles} == expected_users
    case.close()
