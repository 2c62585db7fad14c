"""Golden tests for the VK API adapter (botwatch.ingest.vk)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from botwatch import IngestOptions
from botwatch.errors import FormatError
from botwatch.ingest import ingest as ingest_files
from botwatch.ingest.base import SourceFile
from botwatch.ingest.registry import detect_format
from botwatch.ingest.vk import VkApiAdapter, render_text
from botwatch.testing import assert_counts_add_up

FIXTURES = Path(__file__).parent / "fixtures" / "vk"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "formats"
WALL = "-200000001"
POST = "-200000001_501"
PRAISE = "Отличная программа! Спасибо правительству!"


def ingest(make_case, name, options=None, fixtures=FIXTURES):
    case = make_case()
    [summary] = ingest_files(case, [fixtures / name], options)
    assert_counts_add_up(summary)
    return case, summary


def rows(case, columns):
    cur = case.con.execute(f"SELECT {columns} FROM items ORDER BY item_id")
    return [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in r) for r in cur.fetchall()]


def profiles(case):
    return case.con.execute(
        """SELECT account_id, handle, display_name, avatar_url, followers, verified FROM account_observations
           WHERE is_profile ORDER BY account_id"""
    ).fetchall()


def quarantine(case):
    return case.con.execute(
        "SELECT position, position_kind, reason FROM quarantine ORDER BY position, reason"
    ).fetchall()


def test_wall_get_extended_golden(make_case):
    case, s = ingest(make_case, "wall_get_extended.json")
    assert (s.format, s.records_read, s.items_stored, s.accounts_stored, s.quarantined) == (
        "vk-api",
        7,
        4,
        3,
        0,
    )
    assert rows(case, "item_id, account_id, kind, parent_id, repost_of, channel, created_at, text") == [
        (
            POST,
            WALL,
            "post",
            None,
            None,
            WALL,
            "2025-03-10T10:00:00",
            "Правительство утвердило программу развития регионов до 2030 года. #новости",
        ),
        ("-200000001_502", WALL, "repost", None, "-200000002_9001", WALL, "2025-03-10T11:30:00", ""),
        (
            "-200000001_503",
            WALL,
            "post",
            None,
            None,
            WALL,
            "2025-03-11T04:00:00",
            "Әкімдік жаңа мектеп ашты. Толығырақ: Регион Инфо",
        ),
        (
            "-200000001_504",
            "600000005",
            "post",
            None,
            None,
            WALL,
            "2025-03-11T08:00:00",
            "Когда отремонтируют дорогу в нашем районе?",
        ),
    ]
    assert rows(case, "item_id, reactions, replies, reposts, views, links, media, mentions, hashtags") == [
        (POST, 120, 4, 7, 15400, [], ["photo-200000001_457239001"], [], ["новости"]),
        ("-200000001_502", 5, 0, 0, 2100, [], None, [], []),
        ("-200000001_503", 33, 1, 2, 5000, ["https://example.kz/news/503"], None, ["club200000002"], []),
        ("-200000001_504", 2, 0, 0, 310, [], None, [], []),
    ]
    assert profiles(case) == [
        (
            WALL,
            "qazaq_daily_news",
            "Qazaq Daily News",
            "https://sun9-1.userapi.example/g1_200.jpg",
            150000,
            True,
        ),
        (
            "-200000002",
            "region_info_kz",
            "Регион Инфо",
            "https://sun9-1.userapi.example/g2_100.jpg",
            None,
            None,
        ),
        ("600000005", "id600000005", "Ержан Тестов", None, None, None),
    ]


def test_wall_get_comments_with_thread_replies(make_case):
    case, s = ingest(make_case, "wall_get_comments.json")
    assert (s.records_read, s.items_stored, s.accounts_stored, s.quarantined) == (10, 5, 4, 1)
    assert rows(
        case, "item_id, account_id, kind, parent_id, root_id, channel, created_at, text, reactions"
    ) == [
        (f"{POST}_7001", "600000001", "comment", POST, POST, WALL, "2025-03-10T10:02:00", PRAISE, 14),
        (f"{POST}_7002", "600000002", "comment", POST, POST, WALL, "2025-03-10T10:02:30", PRAISE + "!", 15),
        (
            f"{POST}_7004",
            "600000003",
            "reply",
            f"{POST}_7001",
            POST,
            WALL,
            "2025-03-10T10:10:00",
            "Айгерим, где бюджет?",
            1,
        ),
        (
            f"{POST}_7005",
            "600000001",
            "reply",
            f"{POST}_7004",
            POST,
            WALL,
            "2025-03-10T10:12:00",
            "Dana, всё будет хорошо.\nБәрі жақсы болады.",
            0,
        ),
        (
            f"{POST}_7006",
            "-200000002",
            "comment",
            POST,
            POST,
            WALL,
            "2025-03-10T10:20:00",
            "Подробности на нашем сайте https://example.kz/info",
            3,
        ),
    ]
    assert rows(case, "item_id, replies, mentions, links")[:3] == [
        (f"{POST}_7001", 2, [], []),
        (f"{POST}_7002", 0, [], []),
        (f"{POST}_7004", None, ["id600000001"], []),
    ]
    # record order: items[0], its two thread replies, items[1], items[2] (deleted) ...
    assert quarantine(case) == [(4, "record", "deleted comment (VK returns no author or text)")]
    assert [p[0] for p in profiles(case)] == ["-200000002", "600000001", "600000002", "600000003"]


def test_users_get_accounts_including_deactivated(make_case):
    case, s = ingest(make_case, "users_get.json")
    assert (s.records_read, s.items_stored, s.accounts_stored, s.quarantined) == (4, 0, 4, 0)
    assert profiles(case) == [
        (
            "600000001",
            "id600000001",
            "Айгерим Сапарова",
            "https://sun9-2.userapi.example/u1_200.jpg",
            12,
            False,
        ),
        (
            "600000002",
            "nurlan_b_1990",
            "Нурлан Бекович",
            "https://sun9-2.userapi.example/u2_100.jpg",
            3,
            None,
        ),
        ("600000009", None, "Асель Тест", None, None, None),
        ("600000010", None, "Ерлан Ж.", "https://vk.com/images/deactivated_100.png", None, None),
    ]
    assert case.con.execute(
        "SELECT bio, created_at FROM accounts WHERE account_id = '600000001'"
    ).fetchone() == (
        "Алматы",
        None,
    )


def test_json_lines_of_responses_keep_good_lines_and_quarantine_bad_ones(make_case):
    case, s = ingest(make_case, "responses.jsonl")
    assert (s.records_read, s.items_stored, s.accounts_stored, s.quarantined) == (9, 2, 2, 5)
    assert rows(case, "item_id, account_id, kind, parent_id, channel, text") == [
        (
            "-200000002_9001",
            "-200000002",
            "post",
            None,
            "-200000002",
            "Новая школа в Шымкенте открыта для 1200 учеников.",
        ),
        (
            "-200000002_9001_300",
            "600000002",
            "comment",
            "-200000002_9001",
            "-200000002",
            "Отличная новость! Спасибо акимату!",
        ),
    ]
    assert quarantine(case) == [
        (2, "line", "comment id is not an integer: 'x301'"),
        (3, "line", "VK API error response 6: Too many requests per second"),
        (4, "line", "malformed JSON: unexpected end of data: line 1 column 37 (char 36)"),
        (6, "line", "post from_id is not an integer: 'abc'"),
        (6, "line", "post has no owner_id"),
    ]


def test_comments_without_post_ids_borrow_them_from_siblings_or_are_quarantined(tmp_path, make_case):
    with_sibling = {
        "response": {
            "count": 2,
            "items": [
                {
                    "id": 1,
                    "from_id": 7,
                    "post_id": 5,
                    "owner_id": -9,
                    "parents_stack": [],
                    "date": 1741600000,
                },
                {"id": 2, "from_id": 8, "parents_stack": [], "date": 1741600060, "text": "бот"},
            ],
        }
    }
    alone = {"response": {"count": 1, "items": [{"id": 3, "from_id": 8, "date": 1741600060, "text": "бот"}]}}
    (tmp_path / "a.json").write_text(json.dumps(with_sibling, ensure_ascii=False))
    (tmp_path / "b.json").write_text(json.dumps(alone, ensure_ascii=False))
    case, s = ingest(make_case, "a.json", fixtures=tmp_path)
    assert rows(case, "item_id, parent_id") == [("-9_5_1", "-9_5"), ("-9_5_2", "-9_5")]
    [s2] = ingest_files(case, [tmp_path / "b.json"])
    assert (s2.items_stored, s2.quarantined) == (0, 1)
    assert "cannot be tied to its post" in case.con.execute("SELECT reason FROM quarantine").fetchone()[0]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("wall_get_extended.json", "VK API wall.get response (in a response object"),
        ("wall_get_comments.json", "VK API wall.getComments response (in a response object"),
        ("users_get.json", "VK API users.get response"),
        ("responses.jsonl", "VK API wall"),
    ],
)
def test_detection_picks_vk_and_says_why(name, reason):
    adapter, why = detect_format(SourceFile(FIXTURES / name))
    assert adapter.name == "vk-api"
    assert why.startswith(reason)


def test_sniff_bare_payloads_and_not_other_formats(tmp_path):
    adapter = VkApiAdapter()
    source = SourceFile(FIXTURES / "users_get.json")
    bare_wall = b'{"count": 1, "items": [{"id": 1, "from_id": -5, "owner_id": -5, "date": 1741600000}]}'
    assert "as a bare payload" in adapter.sniff(bare_wall, source)
    assert adapter.sniff(b'[{"id": 1, "first_name": "A", "last_name": "B"}]', source)
    telegram = Path(__file__).parent / "fixtures" / "telegram" / "channel.json"
    assert adapter.sniff(telegram.read_bytes(), source) is None
    assert adapter.sniff(b'{"id": 1, "text": "hello"}\n', source) is None


def test_broken_document_is_a_format_error(tmp_path, make_case):
    broken = tmp_path / "wall.json"
    broken.write_bytes((FIXTURES / "wall_get_extended.json").read_bytes()[:300])
    case = make_case()
    with pytest.raises(FormatError, match="not valid JSON"):
        ingest_files(case, [broken])
    case.close()


def test_json_lines_with_a_broken_first_line_are_still_json_lines(tmp_path, make_case):
    users = {"response": [{"id": 600000002, "first_name": "Нурлан", "last_name": "Бекович"}]}
    (tmp_path / "pages.jsonl").write_text(
        '{"response": {"items": [\n' + json.dumps(users, ensure_ascii=False) + "\n"
    )
    case, s = ingest(make_case, "pages.jsonl", IngestOptions(format="vk-api"), fixtures=tmp_path)
    assert (s.records_read, s.accounts_stored, s.quarantined) == (2, 1, 1)
    assert quarantine(case)[0][:2] == (1, "line")


def test_render_text_markup():
    text, mentions = render_text("[id6099|Дмитрий], [club1|Клуб] и [durov|Павел]<br>ok")
    assert text == "Дмитрий, Клуб и Павел\nok"
    assert mentions == ["id6099", "club1", "durov"]


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference samples not present")
@pytest.mark.parametrize(
    ("name", "stored", "accounts", "quarantined"),
    [
        ("Wall_Get_ExtendedVersion_GenerateOutParametersCorrectly.json", 1, 2, 0),
        ("Wall_GetComments802.json", 2, 0, 1),  # one deleted comment
        ("Wall_GetComments_ReturnLikesAndAttachments.json", 0, 0, 2),  # pre-5.80: no owner_id/post_id
        ("Wall_GetComment_ReturnCorrectResults.json", 0, 1, 1),
        ("Users_Get_SingleUser.json", 0, 1, 0),
        ("Users_Get_ListOfUsers.json", 0, 1, 0),
        ("Users_Get_DeletedUser.json", 0, 1, 0),
    ],
)
def test_reference_samples_ingest_with_nothing_lost(make_case, name, stored, accounts, quarantined):
    case, s = ingest(make_case, name, fixtures=REFERENCE / "vk-api-json")
    assert s.format == "vk-api"
    assert (s.items_stored, s.accounts_stored, s.quarantined, s.duplicates) == (
        stored,
        accounts,
        quarantined,
        0,
    )
