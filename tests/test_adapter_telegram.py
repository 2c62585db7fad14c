"""Golden tests for the Telegram Desktop export adapter (botwatch.ingest.telegram)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from botwatch import IngestOptions
from botwatch.errors import FormatError, NeedsTimezoneError
from botwatch.ingest import ingest as ingest_files
from botwatch.ingest.base import SourceFile
from botwatch.ingest.registry import detect_format
from botwatch.ingest.telegram import TelegramDesktopAdapter, flatten_text
from botwatch.testing import assert_counts_add_up

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "formats"

CH, GR = "Qazaq Daily News", "Qazaq Daily News Chat"
POST_11 = "Правительство утвердило программу развития регионов до 2030 года."
POST_12 = "Подробнее: https://example.kz/news/12 #новости"
PRAISE = "Отличная программа! Спасибо правительству!"
COLUMNS = "item_id, account_id, kind, parent_id, root_id, repost_of, channel, created_at, text, reactions"


def ingest(make_case, name, options=None, fixtures=FIXTURES):
    case = make_case()
    [summary] = ingest_files(case, [fixtures / name], options)
    assert_counts_add_up(summary)
    return case, summary


def rows(case, columns=COLUMNS):
    cur = case.con.execute(f"SELECT {columns} FROM items ORDER BY item_id")
    out = []
    for row in cur.fetchall():
        out.append(tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row))
    return out


def quarantine(case):
    return case.con.execute(
        "SELECT position, position_kind, reason FROM quarantine ORDER BY position"
    ).fetchall()


def test_channel_export_golden(make_case):
    case, s = ingest(make_case, "channel.json")
    assert (s.format, s.records_read, s.items_stored, s.quarantined, s.duplicates) == (
        "telegram-desktop",
        5,
        4,
        1,
        0,
    )
    assert rows(case) == [
        (
            "1500000001/11",
            "channel1500000001",
            "post",
            None,
            None,
            None,
            CH,
            "2025-03-10T10:00:00",
            POST_11,
            15,
        ),
        (
            "1500000001/12",
            "channel1500000001",
            "post",
            None,
            None,
            None,
            CH,
            "2025-03-10T11:30:00",
            POST_12,
            None,
        ),
        (
            "1500000001/13",
            "channel1500000001",
            "post",
            None,
            None,
            None,
            CH,
            "2025-03-11T04:00:00",
            "Әкімдік жаңа мектеп ашты. Read more",
            None,
        ),
        (
            "1500000001/14",
            "channel1500000001",
            "post",
            "1500000001/11",
            "1500000001/11",
            None,
            CH,
            "2025-03-11T07:00:00",
            "Обновление: программа опубликована.",
            None,
        ),
    ]
    # links come from text_entities (the text_link's href is not in the text), media from photo fields
    assert rows(case, "item_id, links, media, hashtags") == [
        ("1500000001/11", [], None, []),
        (
            "1500000001/12",
            ["https://example.kz/news/12"],
            ["photos/photo_1@10-03-2025_16-30-00.jpg"],
            ["новости"],
        ),
        ("1500000001/13", ["https://example.kz/en/13"], ["photo"], []),
        ("1500000001/14", [], None, []),
    ]
    assert quarantine(case) == [(0, "messages[]", "service message (not a post or comment)")]
    raw = json.loads(case.con.execute("SELECT raw FROM items WHERE item_id = '1500000001/12'").fetchone()[0])
    assert raw["photo"] == "photos/photo_1@10-03-2025_16-30-00.jpg"


def test_discussion_group_alone_hangs_comments_under_the_forward(make_case):
    case, s = ingest(make_case, "discussion_group.json")
    assert (s.records_read, s.items_stored, s.quarantined) == (9, 8, 1)
    fwd11, fwd12 = "1500000002/101", "1500000002/106"
    assert rows(case) == [
        (fwd11, "channel1500000001", "repost", None, None, None, GR, "2025-03-10T10:00:01", POST_11, None),
        (
            "1500000002/102",
            "user5000000001",
            "comment",
            fwd11,
            fwd11,
            None,
            GR,
            "2025-03-10T10:02:00",
            PRAISE,
            None,
        ),
        (
            "1500000002/103",
            "user5000000002",
            "comment",
            fwd11,
            fwd11,
            None,
            GR,
            "2025-03-10T10:02:30",
            PRAISE + "!",
            None,
        ),
        (
            "1500000002/104",
            "user5000000003",
            "reply",
            "1500000002/102",
            fwd11,
            None,
            GR,
            "2025-03-10T10:10:00",
            "Where is the budget breakdown?",
            2,
        ),
        (
            "1500000002/105",
            "user5000000001",
            "reply",
            "1500000002/104",
            fwd11,
            None,
            GR,
            "2025-03-10T10:12:00",
            "Бәрі жақсы болады.",
            None,
        ),
        (fwd12, "channel1500000001", "repost", None, None, None, GR, "2025-03-10T11:30:01", POST_12, None),
        (
            "1500000002/107",
            "user5000000004",
            "comment",
            fwd12,
            fwd12,
            None,
            GR,
            "2025-03-10T11:35:00",
            "",
            None,
        ),
        (
            "1500000002/108",
            "user5000000003",
            "message",
            None,
            None,
            None,
            GR,
            "2025-03-10T12:00:00",
            "Всем привет",
            None,
        ),
    ]
    assert rows(case, "item_id, media")[6] == ("1500000002/107", ["sticker"])
    accounts = case.con.execute(
        "SELECT account_id, display_name, n_items FROM accounts ORDER BY account_id"
    ).fetchall()
    assert accounts == [
        ("channel1500000001", CH, 2),
        ("user5000000001", "Айгерим С.", 2),
        ("user5000000002", "Нурлан Б.", 1),
        ("user5000000003", "Dana K.", 2),
        ("user5000000004", "Ержан", 1),
    ]


def test_full_export_links_group_threads_to_the_channel_posts(make_case):
    case, s = ingest(make_case, "full_export.json")
    assert (s.records_read, s.items_stored, s.quarantined, s.accounts_stored) == (9, 9, 0, 0)
    post11, post12, fwd11, fwd12 = "1500000001/11", "1500000001/12", "1500000002/101", "1500000002/106"
    got = {r[0]: r[1:6] for r in rows(case)}
    # the forwards now name the channel posts they copy; comments keep the same parents as in the group alone
    assert got == {
        post11: ("channel1500000001", "post", None, None, None),
        post12: ("channel1500000001", "post", None, None, None),
        fwd11: ("channel1500000001", "repost", None, None, post11),
        "1500000002/102": ("user5000000001", "comment", fwd11, fwd11, None),
        "1500000002/103": ("user5000000002", "comment", fwd11, fwd11, None),
        "1500000002/104": ("user5000000003", "reply", "1500000002/102", fwd11, None),
        fwd12: ("channel1500000001", "repost", None, None, post12),
        "1500000002/107": ("user5000000004", "comment", fwd12, fwd12, None),
        "1700000001/5": ("user5000000003", "message", None, None, None),
    }
    under_post = case.con.execute(
        """SELECT list(c.item_id ORDER BY c.item_id) FROM items c JOIN items f ON c.root_id = f.item_id
           WHERE f.repost_of = ? AND c.kind IN ('comment', 'reply')""",
        [post11],
    ).fetchone()[0]
    assert under_post == ["1500000002/102", "1500000002/103", "1500000002/104"]
    # the exporter's own personal_information is not an account record
    assert case.con.execute("SELECT count(*) FROM account_observations WHERE is_profile").fetchone()[0] == 0


def test_old_export_without_unixtime_needs_a_timezone(make_case):
    case = make_case()
    with pytest.raises(NeedsTimezoneError, match="--timezone"):
        ingest_files(case, [FIXTURES / "old_export.json"])
    assert case.con.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    case.close()


def test_old_export_with_timezone_gives_utc(make_case):
    case, s = ingest(make_case, "old_export.json", IngestOptions(timezone="Asia/Almaty"))
    assert (s.records_read, s.items_stored, s.quarantined) == (4, 3, 1)
    # Almaty was UTC+6 until March 2024; integer from_id (pre-2021) becomes "user<id>"
    assert rows(case, "item_id, account_id, kind, parent_id, created_at, created_at_raw, text, links") == [
        (
            "1234567890/2",
            "user11111111",
            "message",
            None,
            "2019-11-07T03:15:00",
            "2019-11-07T09:15:00",
            "Сәлеметсіздер ме!",
            [],
        ),
        (
            "1234567890/3",
            "user22222222",
            "reply",
            "1234567890/2",
            "2019-11-07T03:20:00",
            "2019-11-07T09:20:00",
            "Привет, Марат",
            [],
        ),
        (
            "1234567890/4",
            "user11111111",
            "message",
            None,
            "2021-12-20T12:45:10",
            "2021-12-20T18:45:10",
            "Смотрите https://example.org/a",
            ["https://example.org/a"],
        ),
    ]
    assert case.info()["per_source"][0]["timezone"] == "Asia/Almaty"


def test_malformed_messages_are_quarantined_and_the_rest_stored(make_case):
    case, s = ingest(make_case, "malformed.json")
    assert (s.records_read, s.items_stored, s.quarantined, s.duplicates) == (11, 2, 8, 1)
    assert quarantine(case) == [
        (1, "messages[]", "message id missing or not an integer: None"),
        (2, "messages[]", "text is int, not a string or a list of entities"),
        (3, "messages[]", "from_id is dict, not a string or an integer"),
        (4, "messages[]", "date_unixtime is not epoch seconds: 'yesterday'"),
        (5, "messages[]", "message is str, not a JSON object"),
        (6, "messages[]", "unsupported message (Telegram Desktop exported no content for it)"),
        (8, "record", "missing account id"),
        (9, "record", "timestamp before 2000: 1998-12-31 23:00:00"),
    ]
    assert rows(case, "item_id, kind, parent_id") == [
        ("1600000001/1", "message", None),
        ("1600000001/7", "reply", "1600000001/1"),
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("channel.json", 'Telegram Desktop chat export\'s keys (type "public_channel", messages[])'),
        (
            "discussion_group.json",
            'Telegram Desktop chat export\'s keys (type "public_supergroup", messages[])',
        ),
        ("old_export.json", 'Telegram Desktop chat export\'s keys (type "private_supergroup", messages[])'),
        ("full_export.json", "Telegram Desktop full-account export's keys (personal_information, chats)"),
    ],
)
def test_detection_picks_telegram_and_says_why(name, reason):
    adapter, why = detect_format(SourceFile(FIXTURES / name))
    assert adapter.name == "telegram-desktop"
    assert reason in why


def test_sniff_reads_a_truncated_sample_and_rejects_other_json(tmp_path):
    adapter = TelegramDesktopAdapter()
    source = SourceFile(FIXTURES / "channel.json")
    assert adapter.sniff((FIXTURES / "channel.json").read_bytes()[:120], source)
    vk = Path(__file__).parent / "fixtures" / "vk" / "wall_get_extended.json"
    assert adapter.sniff(vk.read_bytes(), SourceFile(vk)) is None
    assert adapter.sniff(b'{"messages": [], "foo": 1}', source) is None
    assert adapter.sniff(b"id,text\n1,hello\n", source) is None


def test_broken_or_foreign_json_is_a_format_error(tmp_path, make_case):
    truncated = tmp_path / "result.json"
    truncated.write_bytes((FIXTURES / "channel.json").read_bytes()[:500])
    case = make_case()
    with pytest.raises(FormatError, match="not valid JSON"):
        ingest_files(case, [truncated], IngestOptions(format="telegram-desktop"))
    other = tmp_path / "other.json"
    other.write_text('{"data": []}')
    with pytest.raises(FormatError, match="no 'messages' or 'chats.list'"):
        ingest_files(case, [other], IngestOptions(format="telegram-desktop"))
    case.close()


def test_flatten_text_joins_strings_and_entities():
    text = [
        "Смотрите ",
        {"type": "link", "text": "https://example.org"},
        " ",
        {"type": "bold", "text": "жаңа"},
    ]
    assert flatten_text(text) == "Смотрите https://example.org жаңа"
    assert flatten_text("plain") == "plain"
    assert flatten_text(None) == ""


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference samples not present")
@pytest.mark.parametrize("name", ["DM_2A_7M.json", "MultiChat_2C_6M.json"])
def test_reference_samples_ingest_with_nothing_lost(make_case, name):
    folder = REFERENCE / "telegram-desktop-json"
    case, s = ingest(make_case, name, IngestOptions(timezone="UTC"), fixtures=folder)
    assert s.format == "telegram-desktop"
    messages = json.loads((folder / name).read_text())
    chats = [messages] if "messages" in messages else messages["chats"]["list"]
    n_messages = sum(len(c["messages"]) for c in chats)
    n_service = sum(m["type"] == "service" for c in chats for m in c["messages"])
    assert s.records_read == n_messages
    assert (s.items_stored, s.quarantined) == (n_messages - n_service, n_service)
