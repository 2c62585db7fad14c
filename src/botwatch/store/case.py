"""The case database: one DuckDB file per investigation.

``Case`` owns the connection (offline, UTC, a memory limit), refuses files that are not botwatch cases, applies
migrations and summarises what is stored (:meth:`Case.info`). It imports nothing from the floors above it:
ingest (:mod:`botwatch.ingest`) validates, de-duplicates, quarantines and commits files into it, detectors
write their results into its tables.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from botwatch._version import __version__
from botwatch.errors import BotwatchError, CaseVersionError, NotACaseError
from botwatch.store.db import connect
from botwatch.store.schema import MIGRATIONS, SCHEMA_VERSION
from botwatch.store.sql import sql_str

MEMORY_ENV = "BOTWATCH_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1500MB"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of a DuckDB database file


def default_memory_limit() -> str:
    """DuckDB's memory limit for a case: ``BOTWATCH_MEMORY_LIMIT`` (e.g. ``4GB``) or 1500MB."""
    return os.environ.get(MEMORY_ENV, "").strip() or DEFAULT_MEMORY_LIMIT


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def check_case_path(path: Path, *, must_exist: bool) -> None:
    """Refuse, in one line, a case path that cannot be a botwatch case: missing (when it must exist), a
    folder, under a regular file, or a file that is not a DuckDB database (SQLite, text, ...)."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise BotwatchError(f"{path}: {parent} is a file, not a folder; choose another case path")
            break
    if path.is_dir():
        raise BotwatchError(f"{path} is a folder; a case is a file, e.g. {path / 'case.duckdb'}")
    if not path.exists():
        if must_exist:
            raise BotwatchError(f"no case at {path}; create one with 'botwatch ingest {path} FILE...'")
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise BotwatchError(f"cannot read case {path} ({exc.strerror}); check permissions") from None
    if head.startswith(_SQLITE_MAGIC):
        raise NotACaseError(f"{path} is a SQLite database, not a botwatch case; it was left unchanged")
    if head and head[8:12] != _DUCKDB_MAGIC:
        raise NotACaseError(f"{path} is not a DuckDB database, so not a botwatch case; it was left unchanged")


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BotwatchError(f"cannot create the folder of case {path} ({exc.strerror})") from None


class _NeedsUpgrade(Exception):
    """A case opened read-only has migrations pending (it was made by an older botwatch)."""


class Case:
    """An investigation's database file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path, *, read_only: bool = False, memory_limit: str | None = None):
        self.path = Path(path)
        check_case_path(self.path, must_exist=read_only)
        if not read_only:
            _make_parent(self.path)
        try:
            self.con = connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            hint = ""
            if "Read-only file system" in str(exc) or "Permission denied" in str(exc):
                hint = "; copy the case to a folder you can write to"
            raise BotwatchError(f"cannot open case {self.path}: {_first_line(exc)}{hint}") from None
        try:
            self.memory_limit = (
                memory_limit or default_memory_limit()
            )  # as given, for whoever changes it a while
            self.memory_limit_chosen = memory_limit is not None or bool(
                os.environ.get(MEMORY_ENV, "").strip()
            )
            self._configure(read_only, self.memory_limit)
            self._refuse_foreign()
            self._migrate(read_only)
        except _NeedsUpgrade:
            self.con.close()
            self._upgrade_then_reopen(memory_limit)
            return
        except duckdb.Error as exc:
            self.con.close()
            raise BotwatchError(f"cannot open case {self.path}: {_first_line(exc)}") from None
        except BaseException:
            self.con.close()
            raise

    def _configure(self, read_only: bool, memory_limit: str) -> None:
        self.con.execute("SET TimeZone='UTC'")
        try:
            self.con.execute(f"SET memory_limit={sql_str(memory_limit)}")
        except duckdb.Error:
            raise BotwatchError(
                f"memory limit {memory_limit!r} is not a size; set {MEMORY_ENV} to e.g. 4GB"
            ) from None
        self.con.execute("SET preserve_insertion_order=false")
        if not read_only:
            # zstd writes text (raw JSON, comments) about twice as fast as the default FSST and smaller.
            self.con.execute("SET force_compression='zstd'")

    def _refuse_foreign(self) -> None:
        """Refuse a DuckDB file that another program made: tables but no botwatch ``schema_migrations``, or a
        ``schema_migrations`` table of another shape. Nothing is written before this check."""
        tables = {
            r[0]: r[1]
            for r in self.con.execute(
                """SELECT table_name, list(column_name ORDER BY ordinal_position)
                   FROM information_schema.columns GROUP BY 1"""
            ).fetchall()
        }
        if not tables:
            return
        columns = tables.get("schema_migrations")
        if columns is None:
            names = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise NotACaseError(
                f"{self.path} is a DuckDB database of another program (tables {names}), not a botwatch case; "
                "it was left unchanged; pass a new path for the case"
            )
        if columns[:2] != ["version", "name"]:
            raise NotACaseError(
                f"{self.path} has a schema_migrations table that botwatch did not write (columns "
                f"{', '.join(columns)}); it is not a botwatch case and was left unchanged; pass a new path"
            )

    def _upgrade_then_reopen(self, memory_limit: str | None) -> None:
        """A case made by an older botwatch, opened read-only (report, export, info): apply the pending
        migrations once (in one transaction, as any write open does), then open it read-only again."""
        try:
            Case(self.path, memory_limit=memory_limit).close()
        except BotwatchError as exc:
            raise BotwatchError(
                f"{self.path} was made by an older botwatch and needs a schema upgrade, which could not be "
                f"written ({exc}); copy the case to a folder you can write to"
            ) from None
        fresh = Case(self.path, read_only=True, memory_limit=memory_limit)
        self.con, self.memory_limit, self.memory_limit_chosen = (
            fresh.con,
            fresh.memory_limit,
            fresh.memory_limit_chosen,
        )

    # -- lifecycle -------------------------------------------------------------------------------------------
    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _migrate(self, read_only: bool) -> None:
        con = self.con
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name='schema_migrations'"
        ).fetchall()[0][0]
        applied: set[int] = set()
        if has:
            applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
            newest = max(applied, default=0)
            if newest > SCHEMA_VERSION:
                raise CaseVersionError(
                    f"{self.path} uses case schema v{newest} but this botwatch ({__version__}) knows up to "
                    f"v{SCHEMA_VERSION}; upgrade botwatch (pip install -U botwatch) to open it"
                )
        pending = [m for m in MIGRATIONS if m[0] not in applied]
        if not pending:
            return
        if read_only:
            raise _NeedsUpgrade()
        con.execute("BEGIN")
        if not has:
            con.execute(
                "CREATE TABLE schema_migrations (version INTEGER, name VARCHAR, applied_at TIMESTAMP)"
            )
        for version, name, sql in pending:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, dt.datetime.now(dt.UTC)]
            )
        con.execute("COMMIT")

    # -- summaries -------------------------------------------------------------------------------------------
    def info(self) -> dict:
        """Counts per platform, kind, source and quarantine reason."""
        con = self.con

        def rows(sql):
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

        span = con.execute("SELECT min(created_at), max(created_at) FROM items").fetchone()
        return {
            "case": str(self.path),
            "botwatch_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "items": con.execute("SELECT count(*) FROM items").fetchall()[0][0],
            "accounts": con.execute("SELECT count(*) FROM accounts").fetchall()[0][0],
            "quarantined": con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0],
            "time_span": [
                span[0].isoformat() + "Z" if span[0] else None,
                span[1].isoformat() + "Z" if span[1] else None,
            ],
            "per_platform": rows("""SELECT platform, count(*) AS items, count(DISTINCT account_id) AS accounts
                                    FROM items GROUP BY 1 ORDER BY 1"""),
            "per_kind": rows(
                "SELECT platform, kind, count(*) AS items FROM items GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            "per_source": rows("""SELECT source_id, file_name, format, format_reason, timezone, records_read,
                                  items_stored, accounts_stored, quarantined, duplicates, sha256,
                                  strftime(ingested_at, '%Y-%m-%dT%H:%M:%SZ') AS ingested_at
                                  FROM sources ORDER BY source_id"""),
            "quarantine_reasons": rows("""SELECT file_name, reason, count(*) AS records FROM quarantine
                                          GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"""),
        }


def rebuild_accounts(con) -> None:
    """Rebuild the ``accounts`` table of ``con`` from ``account_observations`` and ``items``: one row per
    (platform, account_id) with, for each field, the value from the preferred observation (profiles before
    item-embedded ones, then the smallest raw hash), so the result does not depend on ingest order."""
    fields = [
        "handle",
        "display_name",
        "created_at",
        "bio",
        "avatar_url",
        "avatar_path",
        "followers",
        "following",
        "posts_count",
        "verified",
    ]
    key = "(CASE WHEN is_profile THEN '0' ELSE '1' END) || raw_hash"
    picks = ",\n".join(f"arg_min({f}, {key}) FILTER (WHERE {f} IS NOT NULL) AS {f}" for f in fields)
    con.execute(f"""
        CREATE OR REPLACE TABLE accounts AS
        WITH obs AS (
          SELECT platform, account_id, {picks}, list(DISTINCT source_id ORDER BY source_id) AS source_ids
          FROM account_observations GROUP BY platform, account_id),
        n AS (SELECT platform, account_id, count(*) AS n_items FROM items GROUP BY 1, 2)
        SELECT obs.*, coalesce(n.n_items, 0) AS n_items FROM obs LEFT JOIN n USING (platform, account_id)""")
