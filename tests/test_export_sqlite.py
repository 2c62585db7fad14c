"""SQLite export for Datasette: keys, foreign keys, views, full-text search, metadata, and a live datasette."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from botwatch.export import export


@pytest.fixture(scope="module")
def db_path(tmp_path_factory, export_case) -> Path:
    out = tmp_path_factory.mktemp("sqlite") / "out" / "nurbots.db"
    return export(export_case, "accounts", "sqlite", out)


def query(db_path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_tables_keys_and_foreign_keys(db_path):
    names = {r[0] for r in query(db_path, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    expected = "accounts items edges campaigns campaign_accounts text_clusters cluster_items evidence sources"
    assert set(expected.split()) | {"flagged_accounts", "campaign_members", "comments_by_campaign"} <= names
    assert query(db_path, "PRAGMA foreign_key_check") == []
    fks = {(r[2], r[3], r[4]) for r in query(db_path, "PRAGMA foreign_key_list(items)")}
    assert fks == {("accounts", "account_key", "account_key"), ("sources", "source_id", "source_id")}
    pk = [r[1] for r in query(db_path, "PRAGMA table_info(accounts)") if r[5]]
    assert pk == ["account_key"]
    assert query(db_path, "SELECT count(*) FROM edges") == [(3,)]  # latest run only


def test_values_lists_and_times(db_path):
    (row,) = query(
        db_path, "SELECT score, flagged, reasons, created_at FROM accounts WHERE account_key = 'tg:u1001'"
    )
    assert row[0] == 0.9 and row[1] == 1
    assert json.loads(row[2]) == ["+co-reply with beta_fan_kz", "-negative start"]
    assert row[3] == "2024-02-01T00:00:00Z"
    (ids,) = query(db_path, "SELECT evidence_item_ids FROM edges WHERE layer = 'template'")
    assert json.loads(ids[0]) == ["msg-c1", "msg-c2"]


def test_views(db_path):
    assert query(db_path, "SELECT account_id FROM flagged_accounts") == [("u1001",), ("u1002",)]
    members = query(db_path, "SELECT campaign_id, handle FROM campaign_members")
    assert members == [("C1", "alpha_fan"), ("C1", "beta_fan_kz")]
    comments = query(db_path, "SELECT campaign_id, item_id FROM comments_by_campaign")
    assert comments == [("C1", "msg-c1"), ("C1", "msg-c2")]


def test_leads_table_and_members_view(db_path):
    assert query(db_path, "SELECT lead_id, rank, kind, account_ids FROM leads") == [
        ("L1", 1, "text_cluster", '["u1003", "u1004"]')
    ]  # run 2 only
    members = query(db_path, "SELECT lead_id, account_key, handle, flagged FROM lead_members")
    assert members == [("L1", "tg:u1003", "gamma_fan", 0), ("L1", "tg:u1004", "delta_news", 0)]
    meta = json.loads((db_path.parent / "metadata.json").read_text(encoding="utf-8"))
    tables = meta["databases"]["nurbots"]["tables"]
    assert (
        tables["leads"]["facets"] == ["kind", "platform"] and "not flagged" in tables["leads"]["description"]
    )
    assert "lead_members" in tables


def test_full_text_search(db_path):
    if not query(db_path, "SELECT name FROM sqlite_master WHERE name = 'items_fts'"):
        pytest.skip("this SQLite build has no FTS5")
    hits = query(
        db_path,
        "SELECT items.item_id FROM items_fts JOIN items ON items.rowid = items_fts.rowid "
        "WHERE items_fts MATCH 'gardens'",
    )
    assert hits == [("msg-c3",)]


def test_metadata_json(db_path):
    meta = json.loads((db_path.parent / "metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] and meta["source"].startswith("botwatch ") and meta["license"]
    tables = meta["databases"]["nurbots"]["tables"]
    assert tables["accounts"]["facets"] == ["platform", "flagged", "campaign_id"]
    assert "4 rows" in tables["accounts"]["description"]
    assert set(tables) >= {"items", "edges", "campaigns", "evidence", "flagged_accounts"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str, deadline: float):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
def test_datasette_serves_the_export(db_path):
    pytest.importorskip("datasette")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "-m",
        str(db_path.parent / "metadata.json"),
    ]
    command += ["-h", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        rows = _get_json(f"http://127.0.0.1:{port}/nurbots/accounts.json?_shape=array", deadline)
        assert [r["account_id"] for r in rows] == ["u1001", "u1002", "u1003", "u1004"]  # sort_desc score
        assert rows[0]["handle"] == "alpha_fan" and rows[0]["flagged"] == 1
        flagged = _get_json(f"http://127.0.0.1:{port}/nurbots/flagged_accounts.json?_shape=array", deadline)
        assert [r["handle"] for r in flagged] == ["alpha_fan", "beta_fan_kz"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


def test_pseudonymised_sqlite_keeps_joins(tmp_path, export_case):
    path = export(export_case, "edges", "sqlite", tmp_path / "p.db", pseudonymize=True, salt="s")
    assert query(path, "PRAGMA foreign_key_check") == []
    members = query(path, "SELECT handle FROM campaign_members")
    assert len(members) == 2 and all(h.startswith("name_") for (h,) in members)
    leads = query(path, "SELECT handle, account_id FROM lead_members")  # tokens still join
    assert len(leads) == 2 and all(h.startswith("name_") and a.startswith("acct_") for h, a in leads)
    columns = {r[1] for r in query(path, "PRAGMA table_info(accounts)")}
    assert not columns & {"bio", "avatar_url", "avatar_path"}
    assert "media" not in {r[1] for r in query(path, "PRAGMA table_info(items)")}
