"""A small case with known detection results, written straight into the tables, for the report tests.

Known answers: 20 comments, 10 of them by the 6 flagged accounts (50.0 %); reactions on comments 40, 10 of them on
flagged comments (25.0 %); campaigns C1 (bot1-bot4, a templated text under posts p1 and p2) and C2 (bot5, bot6
under p3); 3 quarantined records (2 "missing account id"); an older run 1 whose campaign OLDCAMP9 must not show.
With ``payloads`` every attacker-controlled field (texts, ids, handles, names, bios, URLs, pages, templates,
reasons, descriptions, quarantine reasons) carries one of them.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import zlib
from pathlib import Path

from botwatch.store.case import Case

T0 = dt.datetime(2024, 5, 1, 8, 0, 0)
BOTS_C1 = ["bot1", "bot2", "bot3", "bot4"]
BOTS_C2 = ["bot5", "bot6"]
HUMANS = ["h1", "h2", "h3", "h4"]
HUMAN_POSTS = {"h1": ["p1", "p2", "p3"], "h2": ["p1", "p2", "p3"], "h3": ["p1", "p2"], "h4": ["p1", "p3"]}
TEMPLATE = "Спасибо {Акиму/мэру} за {новую/отличную} дорогу!"


def tiny_png() -> bytes:
    """A valid 2×2 red PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def build_report_case(path: Path, payloads: list[str] | None = None, avatar_dir: Path | None = None) -> dict:
    """Write the case at ``path``; return the ids used (they carry payloads when given)."""
    pay = list(payloads or [])
    counter = iter(range(10**6))

    def p(default: str) -> str:
        """``default`` with the next payload appended (or unchanged without payloads)."""
        if not pay:
            return default
        return default + " " + pay[next(counter) % len(pay)]

    acc = {a: a for a in BOTS_C1 + BOTS_C2 + HUMANS}
    if pay:
        acc["h4"] = "h4" + pay[0]  # an attacker-chosen account id
        acc["bot6"] = "bot6" + pay[1 % len(pay)]
    page1, page2 = p("news_official"), p("city_news")
    posts = {"p1": page1, "p2": page1, "p3": page2}
    items, n = [], 0

    def item(item_id, account, kind, post, when, text, reactions, links=None, repost_of=None):
        nonlocal n
        n += 1
        items.append(
            [
                "vk",
                item_id,
                account,
                kind,
                post,
                post,
                posts.get(post, page1),
                when,
                when.isoformat(),
                text,
                "ru",
                links or [],
                [],
                [],
                [],
                repost_of,
                reactions,
                0,
                0,
                None,
                1,
                n,
                json.dumps({"id": item_id}),
                f"h{n}",
            ]
        )

    for i, post in enumerate(["p1", "p2", "p3"]):
        item(
            post,
            "official",
            "post",
            None,
            T0 - dt.timedelta(hours=1) + dt.timedelta(hours=4 * i),
            p("Новость"),
            50,
        )
        items[-1][6] = posts[post]
    comment_ids = {}
    k = 0
    for post_i, post in enumerate(["p1", "p2"]):
        for b_i, bot in enumerate(BOTS_C1):
            k += 1
            cid = f"c{k}" if not (pay and k == 3) else "c3" + pay[2 % len(pay)]
            when = T0 + dt.timedelta(hours=4 * post_i, seconds=5 * b_i)
            text = p(TEMPLATE.replace("{Акиму/мэру}", "Акиму").replace("{новую/отличную}", "новую"))
            item(
                cid,
                acc[bot],
                "comment",
                post,
                when,
                text,
                1,
                links=[p("https://example.org/x"), "javascript:alert(1)"],
            )
            comment_ids.setdefault(bot, []).append(cid)
    for b_i, bot in enumerate(BOTS_C2):
        k += 1
        cid = f"c{k}"
        item(
            cid,
            acc[bot],
            "comment",
            "p3",
            T0 + dt.timedelta(hours=8, seconds=3 * b_i),
            p("Отличная работа!"),
            1,
        )
        comment_ids[bot] = [cid]
    for h in HUMANS:
        for j, post in enumerate(HUMAN_POSTS[h]):
            k += 1
            when = T0 + dt.timedelta(hours=1 + 3 * j, minutes=7 * HUMANS.index(h))
            item(f"c{k}", acc[h], "comment", post, when, p(f"Мнение {h}"), 3)
    item("r1", acc["bot1"], "repost", None, T0 + dt.timedelta(minutes=30), None, 0, repost_of="p1")

    png = None
    if avatar_dir is not None:
        avatar_dir.mkdir(parents=True, exist_ok=True)
        png = avatar_dir / "bot1.png"
        png.write_bytes(tiny_png())
        (avatar_dir / "big.png").write_bytes(tiny_png() + b"\x00" * 300_000)
    accounts = []
    for a in BOTS_C1 + BOTS_C2 + HUMANS + ["official"]:
        is_bot = a.startswith("bot")
        created = dt.datetime(2024, 3, 1, 10) if a in BOTS_C1 else dt.datetime(2016 + len(a) % 5, 6, 1)
        avatar_path = None
        if a == "bot1" and png:
            avatar_path = str(png)
        if a == "bot3" and png:
            avatar_path = str(avatar_dir / "big.png")
        accounts.append(
            [
                "vk",
                acc.get(a, a),
                p("@" + a),
                p(f"Name {a}"),
                created,
                p(f"bio of {a}"),
                p("https://cdn.example.org/" + a + ".jpg") if a in ("bot1", "bot2") else None,
                avatar_path,
                5 if is_bot else 200,
                10,
                3,
                False,
                [1],
                sum(1 for r in items if r[2] == acc.get(a, a)),
            ]
        )

    case = Case(path)
    con = case.con
    con.execute("BEGIN")
    con.executemany("INSERT INTO items VALUES (" + ", ".join(["?"] * 24) + ")", items)
    con.executemany("INSERT INTO accounts VALUES (" + ", ".join(["?"] * 14) + ")", accounts)
    con.execute(
        """INSERT INTO sources VALUES
           (1, '/data/comments.csv', 'comments.csv', 'aa', 100, 'csv', 'header', 'vk', 'Asia/Almaty', '{}',
            33, 30, 0, 3, 0, '0.1.0', TIMESTAMP '2024-06-01 00:00'),
           (2, '/data/profiles.jsonl', 'profiles.jsonl', 'bb', 100, 'jsonl', 'keys', 'vk', NULL, '{}',
            11, 0, 11, 0, 0, '0.1.0', TIMESTAMP '2024-06-01 00:00')"""
    )
    con.executemany(
        "INSERT INTO quarantine VALUES (1, 'comments.csv', ?, 'row', ?, ?)",
        [
            [5, "missing account id", "x"],
            [6, "missing account id", "y"],
            [7, p("unparseable timestamp: yesterday"), "z"],
        ],
    )
    config = {
        "seed": 7,
        "versions": {"botwatch": "0.1.0", "duckdb": "2.0.1"},
        "parameters": {"co_comment": {"window_s": 60, "note": p("window")}},
    }
    con.execute(
        """INSERT INTO runs VALUES (1, TIMESTAMP '2024-06-01 00:00', TIMESTAMP '2024-06-01 00:01', '0.1.0', 1, '{}', ['old']),
           (2, TIMESTAMP '2024-06-02 00:00', TIMESTAMP '2024-06-02 00:05', '0.1.0', 7, ?, ['co_comment', 'near_duplicate'])""",
        [json.dumps(config)],
    )
    # run 1: stale results that must not show
    con.execute(
        "INSERT INTO campaigns VALUES (1, 'OLDCAMP9', 'vk', 1, 1, ['x'], NULL, NULL, [], [], [], 'stale-run-9')"
    )
    con.execute(
        "INSERT INTO account_scores VALUES (1, 'vk', 'h1', 0.99, true, 'OLDCAMP9', ['stale-run-9'], '{}')"
    )

    c1_desc, c2_desc = p("4 accounts posting one template"), p("2 accounts, same posts within seconds")
    c1_first, c1_last = T0, T0 + dt.timedelta(hours=4, seconds=15)
    con.execute(
        "INSERT INTO campaigns VALUES (2, 'C1', 'vk', 4, 8, ['co_comment', 'text'], ?, ?, ?, ['p1', 'p2'], ['T1'], ?)",
        [c1_first, c1_last, [page1], c1_desc],
    )
    con.execute(
        "INSERT INTO campaigns VALUES (2, 'C2', 'vk', 2, 2, ['co_comment'], ?, ?, ?, ['p3'], [], ?)",
        [T0 + dt.timedelta(hours=8), T0 + dt.timedelta(hours=8, seconds=3), [page2], c2_desc],
    )
    members = [[2, "C1", "vk", acc[b]] for b in BOTS_C1] + [[2, "C2", "vk", acc[b]] for b in BOTS_C2]
    con.executemany("INSERT INTO campaign_accounts VALUES (?, ?, ?, ?)", members)
    scores = []
    for i, b in enumerate(BOTS_C1 + BOTS_C2):
        camp = "C1" if b in BOTS_C1 else "C2"
        scores.append(
            [
                2,
                "vk",
                acc[b],
                0.95 - 0.05 * i,
                True,
                camp,
                [p("posted a shared template"), p("co-commented")],
                json.dumps({"co_comment_degree": 3, "note": p("f")}),
            ]
        )
    for h in HUMANS:
        scores.append([2, "vk", acc[h], 0.1, False, None, [], "{}"])
    con.executemany("INSERT INTO account_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?)", scores)
    con.execute(
        "INSERT INTO text_clusters VALUES (2, 'T1', 'vk', ?, ?, 8, 4, ?, ?, ?)",
        [
            p(TEMPLATE),
            json.dumps([["Акиму", "мэру"], ["новую", "отличную"]]),
            c1_first,
            c1_last,
            p("example"),
        ],
    )
    ci = [[2, "T1", "vk", cid, acc[b], 0.9] for b in BOTS_C1 for cid in comment_ids[b]]
    con.executemany("INSERT INTO cluster_items VALUES (?, ?, ?, ?, ?, ?)", ci)
    edges = []
    for i, a in enumerate(BOTS_C1):
        for b in BOTS_C1[i + 1 :]:
            edges.append(
                [2, "vk", acc[a], acc[b], "co_comment", 2, 60.0, True, comment_ids[a] + comment_ids[b]]
            )
    edges.append([2, "vk", acc["bot5"], acc["bot6"], "co_comment", 1, 60.0, False, ["c9", "c10"]])
    edges.append([2, "vk", acc["bot1"], acc["h1"], "co_comment", 1, 60.0, False, []])  # h1 is not flagged
    con.executemany(
        """INSERT INTO edges (run_id, platform, account_a, account_b, layer, weight, window_s, significant,
           evidence_item_ids, q_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0.01)""",
        edges,
    )
    evidence = []
    for b in BOTS_C1 + BOTS_C2:
        camp = "C1" if b in BOTS_C1 else "C2"
        ids = comment_ids[b] + (["ghost-item"] if b == "bot1" else [])
        evidence.append(
            [2, f"ev-{b}", "vk", acc[b], camp, "near_duplicate", p(f"{b} posted the template"), ids, 1.0]
        )
    evidence.append(
        [2, "ev-c1", "vk", None, "C1", "co_comment", p("4 accounts within 15 s"), comment_ids["bot1"], 2.0]
    )
    con.executemany("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", evidence)
    con.execute("COMMIT")
    case.close()
    return {"accounts": acc, "comment_ids": comment_ids, "pages": (page1, page2)}
