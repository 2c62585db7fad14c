"""Issue 10, the case file: DuckDB never fetches an extension, a file that is not a botwatch case is refused and
left unchanged, and path and file-system problems are one line, not a traceback (items 3, 4, 8)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from botwatch.cli import cli
from botwatch.errors import BotwatchError, NotACaseError
from botwatch.ingest.tabular import _connect
from botwatch.store.case import Case
from botwatch.store.db import connect

CSV = "item_id,account_id,created_at,text\n1,u1,2024-05-01T10:00:00Z,hello\n"


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    return result.output


# -- item 3: no extension is ever fetched or loaded on its own ----------------------------------------------------
def test_every_connection_has_extension_autoload_off(tmp_path):
    with Case(tmp_path / "c.duckdb") as case:
        cons = [case.con, connect(), _connect()]
        for con in cons:
            settings = dict(
                con.execute(
                    "SELECT name, value FROM duckdb_settings() WHERE name IN "
                    "('autoinstall_known_extensions', 'autoload_known_extensions')"
                ).fetchall()
            )
            assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


def test_sqlite_file_is_refused_without_fetching_an_extension(tmp_path):
    db = tmp_path / "s.db"
    with sqlite3.connect(db) as s:
        s.execute("CREATE TABLE t (a)")
    before = _digest(db)
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    for args in (["info", str(db)], ["ingest", str(db), str(tmp_path / "x.csv")]):
        (tmp_path / "x.csv").write_text(CSV)
        result = CliRunner(env=env).invoke(cli, args)
        assert "SQLite database, not a botwatch case" in _one_line_error(result)
    assert _digest(db) == before
    assert (
        not (tmp_path / "home" / ".duckdb").exists()
        and not Path("~/.duckdb/extensions/").expanduser().exists()
    )


# -- item 4: another program's DuckDB file is refused, unchanged ------------------------------------------------
def test_foreign_duckdb_file_is_refused_and_unchanged(tmp_path):
    db = tmp_path / "mine.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE items (x INTEGER); INSERT INTO items VALUES (1)")
    con.close()
    before = _digest(db)
    (tmp_path / "data.csv").write_text(CSV)
    for args in (["ingest", str(db), str(tmp_path / "data.csv")], ["info", str(db)], ["detect", str(db)]):
        result = CliRunner().invoke(cli, args)
        assert "not a botwatch case" in _one_line_error(result)
    assert _digest(db) == before
    with pytest.raises(NotACaseError):
        Case(db)


def test_foreign_schema_migrations_is_refused(tmp_path):
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (id VARCHAR, checksum VARCHAR)")
    con.close()
    before = _digest(db)
    result = CliRunner().invoke(cli, ["info", str(db)])
    assert "schema_migrations table that botwatch did not write" in _one_line_error(result)
    assert _digest(db) == before


def test_text_file_as_case_is_refused(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("my notes\n")
    with pytest.raises(NotACaseError, match="not a DuckDB database"):
        Case(path)
    assert path.read_text() == "my notes\n"


# -- item 8: one line for path and file-system problems ---------------------------------------------------------
def test_detect_on_a_missing_case_says_so_and_creates_nothing(tmp_path):
    case = tmp_path / "missing" / "dir" / "case.duckdb"
    result = CliRunner().invoke(cli, ["detect", str(case)])
    assert "no case at" in _one_line_error(result)
    assert not (tmp_path / "missing").exists()


def test_case_path_under_a_regular_file(tmp_path):
    (tmp_path / "plain").write_text("x")
    (tmp_path / "data.csv").write_text(CSV)
    for args in (
        ["ingest", str(tmp_path / "plain" / "case.duckdb"), str(tmp_path / "data.csv")],
        ["info", str(tmp_path / "plain" / "case.duckdb")],
        ["run", str(tmp_path / "data.csv"), "--out", str(tmp_path / "plain" / "out")],
    ):
        result = CliRunner().invoke(cli, args)
        assert "is a file, not a folder" in _one_line_error(result) or "cannot" in result.output


def test_memory_limit_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BOTWATCH_MEMORY_LIMIT", "700MB")
    with Case(tmp_path / "c.duckdb") as case:
        limit = case.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit.startswith(("667", "700"))  # DuckDB shows MiB
    monkeypatch.setenv("BOTWATCH_MEMORY_LIMIT", "lots")
    with pytest.raises(BotwatchError, match="BOTWATCH_MEMORY_LIMIT"):
        Case(tmp_path / "c.duckdb")


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


needs_unshare = pytest.mark.skipif(
    not _unshare_works(), reason="needs unprivileged user and mount namespaces"
)

# A read-only folder holding a case, and a full disk, in a private mount namespace (tmpfs; root ignores modes).
_MOUNTS = r"""
set -eu
mount -t tmpfs -o size=16m tmpfs "$RO"
cp "$CASE" "$RO/case.duckdb"
cp "$CSV" "$RO/data.csv"
mount -o remount,ro "$RO"
mount -t tmpfs -o size=16m tmpfs "$FULL"
cp "$CASE" "$FULL/case.duckdb"
dd if=/dev/zero of="$FULL/fill" bs=4k 2>/dev/null || true
exec "$0" "$@"
"""


@pytest.mark.slow
@needs_unshare
def test_read_only_folder_and_full_disk_are_one_line(tmp_path):
    from test_hardening_outputs import EXPORT_FIXTURE

    case = tmp_path / "case.duckdb"
    with Case(case) as c:
        c.con.execute(EXPORT_FIXTURE.read_text(encoding="utf-8"))
    (tmp_path / "data.csv").write_text(CSV)
    ro, full = tmp_path / "ro", tmp_path / "full"
    ro.mkdir()
    full.mkdir()
    commands = {
        "ingest-ro": ["ingest", str(ro / "case.duckdb"), str(ro / "data.csv")],
        "new-case-ro": ["ingest", str(ro / "new.duckdb"), str(ro / "data.csv")],
        "ingest-full": ["ingest", str(full / "case.duckdb"), str(tmp_path / "data.csv")],
        "info-after-full": ["info", str(full / "case.duckdb")],
        **{
            f"export-{f}": [
                "export",
                str(case),
                "--what",
                "items",
                "--format",
                f,
                "--out",
                str(full / f"x.{f}"),
            ]
            for f in ("csv", "jsonl", "parquet", "sqlite")
        },
        "report": ["report", str(case), "--out", str(full / "r.html")],
    }
    env = dict(os.environ, RO=str(ro), FULL=str(full), CASE=str(case), CSV=str(tmp_path / "data.csv"))
    driver = [sys.executable, str(Path(__file__).parent / "hardening_driver.py")]
    driver += [x for name, cmd in commands.items() for x in (name, json.dumps(cmd))]
    out = subprocess.run(
        ["unshare", "-rm", "sh", "-c", _MOUNTS, *driver], env=env, capture_output=True, text=True, timeout=120
    )
    sections = dict(s.split("\n", 1) for s in out.stdout.split("== ")[1:])
    assert list(sections) == list(commands), out.stdout + out.stderr
    assert sections["info-after-full"].rstrip().endswith("rc=0")  # the case survived the full disk
    del sections["info-after-full"]
    for name, text in sections.items():
        lines = [ln for ln in text.splitlines() if ln]
        assert "Traceback" not in text, (name, text)
        assert len(lines) == 2 and lines[0].startswith("Error: ") and lines[1] == "rc=1", (name, text)
    assert "disk is full" in sections["ingest-full"]
    assert "Read-only file system" in sections["ingest-ro"]
    leftovers = subprocess.run(["ls", "-a", str(full)], capture_output=True, text=True).stdout
    assert ".partial" not in leftovers


def test_a_case_of_an_older_botwatch_is_upgraded_when_opened_read_only(tmp_path):
    """report, export and info open read-only; a case made before the newest migrations used to stop them with
    "needs a schema upgrade; open it once without read-only", which no command did."""
    from botwatch.store.schema import MIGRATIONS, SCHEMA_VERSION

    path = tmp_path / "old.duckdb"
    with Case(path) as c:
        c.con.execute(
            "INSERT INTO items (platform, item_id, account_id, kind, created_at) "
            "VALUES ('vk', 'i1', 'a1', 'post', TIMESTAMP '2024-01-01 10:00:00')"
        )
        # as an older botwatch left it: the last migration's tables and row are not there
        newest = MIGRATIONS[-1]
        for table in re.findall(r"CREATE TABLE (\w+)", newest[2]):
            c.con.execute(f"DROP TABLE {table}")
        c.con.execute("DELETE FROM schema_migrations WHERE version = ?", [newest[0]])
    with Case(path, read_only=True) as c:
        versions = {r[0] for r in c.con.execute("SELECT version FROM schema_migrations").fetchall()}
        assert max(versions) == SCHEMA_VERSION
        assert c.con.execute("SELECT count(*) FROM items").fetchall()[0][0] == 1
