"""The case database: one DuckDB file per investigation.

``Case`` owns the connection, applies migrations, and stores what adapters read: it validates every record
once (ids, timestamps, plausible dates), quarantines what fails with its position and reason, deduplicates
(the same record twice is stored once, and the choice does not depend on file order), and keeps provenance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np
import pyarrow as pa

from botwatch import __version__
from botwatch.errors import BotwatchError, CaseVersionError, NeedsTimezoneError, NotACaseError
from botwatch.store.db import connect
from botwatch.store.schema import ITEM_KINDS, MIGRATIONS, SCHEMA_VERSION
from botwatch.store.sql import HASHTAG_RE, MENTION_RE, URL_RE, is_naive_expr, sql_str, timestamp_expr

EARLIEST = "2000-01-01"
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


@dataclass
class IngestSummary:
    """What one file's ingest did. ``records_read == items_stored + accounts_stored + quarantined + duplicates``."""

    file: str
    format: str
    format_reason: str
    source_id: int | None
    records_read: int = 0
    items_stored: int = 0
    accounts_stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    status: str = "ingested"
    quarantine_reasons: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_timezone(tz: str | None) -> str | None:
    if tz is None:
        return None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise BotwatchError(
            f"unknown timezone {tz!r}; use an IANA name such as Asia/Almaty, Europe/Moscow or UTC"
        ) from None
    return tz


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
            raise BotwatchError(f"{self.path} needs a schema upgrade; open it once without read-only")
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

    # -- ingest ----------------------------------------------------------------------------------------------
    def ingest(self, paths, options=None, progress: bool | None = None) -> list[IngestSummary]:
        """Ingest files in order, each in its own transaction. See :func:`botwatch.ingest.runner.ingest_file`."""
        from botwatch.ingest.runner import ingest_file

        return [ingest_file(self, p, options, progress=progress) for p in paths]

    def source_by_sha(self, sha: str, format_name: str, options_json: str) -> int | None:
        row = self.con.execute(
            "SELECT source_id FROM sources WHERE sha256=? AND format=? AND options=?::JSON",
            [sha, format_name, options_json],
        ).fetchone()
        return row[0] if row else None

    def begin_staging(self) -> None:
        """Start a transaction; staged chunks are kept as Arrow tables until :meth:`commit_staging`."""
        con = self.con
        con.execute("BEGIN")
        self._staged: dict[str, list[pa.Table]] = {"items": [], "accounts": []}
        con.execute("DROP TABLE IF EXISTS stage_rejects")
        con.execute(
            "CREATE TEMP TABLE stage_rejects (position BIGINT, position_kind VARCHAR, reason VARCHAR, raw VARCHAR)"
        )

    def stage(self, items: pa.Table | None, accounts: pa.Table | None, rejects) -> None:
        """Keep one chunk (tables already conformed to the canonical Arrow schema) for the commit."""
        if items is not None:
            self._staged["items"].append(items)
        if accounts is not None:
            self._staged["accounts"].append(accounts)
        if rejects:
            tbl = pa.table(
                {
                    "position": pa.array([r.position for r in rejects], pa.int64()),
                    "position_kind": [r.position_kind for r in rejects],
                    "reason": [r.reason for r in rejects],
                    "raw": [r.raw for r in rejects],
                }
            )
            self.con.register("_chunk_rejects", tbl)
            self.con.execute("INSERT INTO stage_rejects SELECT * FROM _chunk_rejects")
            self.con.unregister("_chunk_rejects")

    def _register_staged(self) -> None:
        from botwatch.ingest.base import ACCOUNT_SCHEMA, ITEM_SCHEMA

        for name, schema in (("items", ITEM_SCHEMA), ("accounts", ACCOUNT_SCHEMA)):
            tables = self._staged[name]
            table = pa.concat_tables(tables) if tables else schema.empty_table()
            if name == "items":  # a row number to join the narrow verdict table back to text and raw
                table = table.append_column("_row", pa.array(np.arange(table.num_rows, dtype=np.int64)))
            self.con.register(f"stage_{name}", table)
        self._staged = {"items": [], "accounts": []}

    def _drop_staged(self) -> None:
        for name in ("stage_items", "stage_accounts"):
            try:  # noqa: SIM105
                self.con.unregister(name)
            except duckdb.Error:
                pass
        self._staged = {"items": [], "accounts": []}

    def rollback(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        self._drop_staged()

    def commit_staging(
        self,
        summary: IngestSummary,
        *,
        path: Path,
        sha: str,
        size: int,
        options_json: str,
        platform: str | None,
        timezone: str | None,
    ) -> IngestSummary:
        """Validate the staged rows, quarantine failures, merge the rest, record the source; then COMMIT."""
        con = self.con
        self._register_staged()
        tz = sql_str(timezone)
        source_id = con.execute("SELECT coalesce(max(source_id), 0) + 1 FROM sources").fetchall()[0][0]
        summary.source_id = source_id
        ts = timestamp_expr("created_at_raw", "created_at_epoch", tz)
        kinds = ", ".join(sql_str(k) for k in ITEM_KINDS)
        text = "coalesce(s.text, '')"
        # stage_v is narrow: one row per staged item with its key, derived columns and the reason it is unusable
        # (NULL when fine). Text and raw stay in the staged Arrow table (stage_items, joined on _row), so the
        # big columns are copied once, into items.
        con.execute(f"""
            CREATE TEMP TABLE stage_v AS
            SELECT *, CASE
              WHEN item_id IS NULL OR item_id = '' THEN 'missing item id'
              WHEN account_id IS NULL OR account_id = '' THEN 'missing account id'
              WHEN platform IS NULL OR platform = '' THEN 'missing platform (pass --platform)'
              WHEN raw_created_at IS NULL AND epoch IS NULL THEN 'missing timestamp'
              WHEN created_at IS NULL THEN 'unparseable timestamp: ' || coalesce(raw_created_at, CAST(epoch AS VARCHAR))
              WHEN created_at < TIMESTAMP '{EARLIEST}' THEN 'timestamp before {EARLIEST[:4]}: ' || CAST(created_at AS VARCHAR)
              WHEN created_at > now()::TIMESTAMP + INTERVAL 1 DAY THEN 'timestamp in the future: ' || CAST(created_at AS VARCHAR)
              WHEN kind NOT IN ({kinds}) THEN 'unknown item kind: ' || kind
            END AS reason
            FROM (
              SELECT _row, trim(platform) AS platform, trim(item_id) AS item_id, trim(account_id) AS account_id,
                coalesce(nullif(trim(kind), ''), CASE WHEN nullif(trim(repost_of), '') IS NOT NULL THEN 'repost'
                     WHEN nullif(trim(parent_id), '') IS NOT NULL THEN 'comment' ELSE 'post' END) AS kind,
                CASE WHEN created_at_epoch IS NULL AND length(created_at_raw) = 20
                       AND ends_with(created_at_raw, 'Z') AND substr(created_at_raw, 11, 1) = 'T'
                  THEN coalesce(try_strptime(created_at_raw, '%Y-%m-%dT%H:%M:%SZ'), {ts})  -- fast path: ISO UTC
                  ELSE {ts} END AS created_at, position,
                nullif(trim(handle), '') AS handle, nullif(trim(display_name), '') AS display_name,
                created_at_raw AS raw_created_at, created_at_epoch AS epoch
              FROM stage_items)""")
        naive = con.execute(
            f"SELECT raw_created_at FROM stage_v WHERE created_at IS NULL AND "
            f"{is_naive_expr('raw_created_at', 'epoch')} LIMIT 1"
        ).fetchall()
        if naive and timezone is None:  # only a naive value parses to NULL here
            raise NeedsTimezoneError(
                f"{path.name}: timestamps have no UTC offset (e.g. {naive[0][0]!r}); pass --timezone with the zone "
                "they were recorded in, e.g. --timezone Asia/Almaty (Kazakhstan since March 2024) or UTC"
            )
        con.execute(f"""
            INSERT INTO quarantine
            SELECT {source_id}, {sql_str(path.name)}, position, position_kind, reason, raw FROM stage_rejects
            UNION ALL
            SELECT {source_id}, {sql_str(path.name)}, v.position, 'record', v.reason, s.raw
              FROM stage_v v JOIN stage_items s USING (_row) WHERE v.reason IS NOT NULL
            UNION ALL
            SELECT {source_id}, {sql_str(path.name)}, position, 'record', 'account record without account id', raw
              FROM stage_accounts WHERE coalesce(is_profile, true) AND (account_id IS NULL OR trim(account_id) = '')""")
        n_items_staged = con.execute("SELECT count(*) FROM stage_v").fetchall()[0][0]
        con.execute("DELETE FROM stage_v WHERE reason IS NOT NULL")
        # Author details seen on every valid row, duplicates included, so accounts do not depend on file order.
        con.execute("""CREATE TEMP TABLE stage_authors AS
            SELECT DISTINCT platform, account_id, handle, display_name FROM stage_v""")
        n_ok = con.execute("SELECT count(*) FROM stage_v").fetchall()[0][0]
        # Duplicates inside this file: keep the copy with the smallest (md5 of raw, position); the rest are
        # dropped. Only keys that occur more than once are hashed and sorted, so a clean file costs one
        # aggregate. (items.raw_hash stays NULL unless set by an older version; md5 is computed when needed.)
        con.execute("""
            DELETE FROM stage_v WHERE _row IN (
              SELECT _row FROM (
                SELECT v._row, row_number() OVER (PARTITION BY v.platform, v.item_id
                                                  ORDER BY md5(coalesce(s.raw, v.item_id)), v.position) AS rn
                FROM stage_v v JOIN stage_items s USING (_row)
                SEMI JOIN (SELECT platform, item_id FROM stage_v GROUP BY ALL HAVING count(*) > 1) d
                  ON v.platform = d.platform AND v.item_id = d.item_id)
              WHERE rn > 1)""")
        n_first = con.execute("SELECT count(*) FROM stage_v").fetchall()[0][0]
        # A record already stored (from any file) is a duplicate; keep whichever version has the smaller hash so
        # the result does not depend on ingest order.
        con.execute("""
            CREATE TEMP TABLE stage_clash AS
            SELECT c.*, md5(coalesce(s.raw, c.item_id)) AS new_hash FROM (
              SELECT v._row, v.platform, v.item_id, coalesce(i.raw_hash, md5(coalesce(i.raw, i.item_id))) AS old_hash
              FROM stage_v v JOIN items i ON i.platform = v.platform AND i.item_id = v.item_id) c
            JOIN stage_items s USING (_row)""")
        existing = con.execute("SELECT count(*) FROM stage_clash").fetchall()[0][0]
        if existing:
            con.execute("""
                DELETE FROM items USING stage_clash c
                WHERE items.platform = c.platform AND items.item_id = c.item_id AND c.old_hash > c.new_hash""")
            con.execute("""
                DELETE FROM stage_v WHERE _row IN (SELECT _row FROM stage_clash WHERE old_hash <= new_hash)""")
        con.execute(f"""
            INSERT INTO items
            SELECT v.platform, v.item_id, v.account_id, v.kind, nullif(trim(s.parent_id), ''),
              nullif(trim(s.root_id), ''), nullif(s.channel, ''), v.created_at,
              coalesce(s.created_at_raw, CAST(s.created_at_epoch AS VARCHAR)), s.text, s.lang,
              coalesce(s.links, CASE WHEN contains({text}, '://')
                THEN regexp_extract_all({text}, {sql_str(URL_RE)}) ELSE [] END),
              coalesce(s.hashtags, CASE WHEN contains({text}, '#')
                THEN regexp_extract_all(lower({text}), {sql_str(HASHTAG_RE)}, 1) ELSE [] END),
              coalesce(s.mentions, CASE WHEN contains({text}, '@')
                THEN regexp_extract_all({text}, {sql_str(MENTION_RE)}, 1) ELSE [] END),
              s.media, nullif(trim(s.repost_of), ''), s.reactions, s.replies, s.reposts, s.views,
              {source_id}, v.position, s.raw, NULL
            FROM stage_v v JOIN stage_items s USING (_row)""")
        con.unregister("stage_items")
        summary.items_stored = n_first - existing
        item_dups = n_ok - summary.items_stored

        con.execute(f"""
            CREATE TEMP TABLE stage_obs AS
            SELECT trim(platform) AS platform, trim(account_id) AS account_id, nullif(trim(handle), '') AS handle,
              nullif(trim(display_name), '') AS display_name,
              CASE WHEN t BETWEEN TIMESTAMP '{EARLIEST}' AND now()::TIMESTAMP + INTERVAL 1 DAY THEN t END AS created_at,
              created_at_raw, bio, avatar_url, avatar_path, followers, following, posts_count, verified,
              coalesce(is_profile, true) AS is_profile, {source_id} AS source_id, position, raw,
              md5(coalesce(raw, CAST([platform, account_id, handle, display_name, created_at_raw, bio, avatar_url,
                  avatar_path, CAST(followers AS VARCHAR), CAST(following AS VARCHAR), CAST(posts_count AS VARCHAR),
                  CAST(verified AS VARCHAR)] AS VARCHAR))) AS raw_hash
            FROM (SELECT *, {ts} AS t FROM stage_accounts)
            WHERE account_id IS NOT NULL AND trim(account_id) <> ''
            UNION ALL
            SELECT DISTINCT platform, account_id, handle, display_name, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, false, {source_id}, NULL, NULL,
              md5(concat_ws('|', platform, account_id, handle, display_name))
            FROM stage_authors""")
        n_profiles = con.execute("SELECT count(*) FROM stage_obs WHERE is_profile").fetchall()[0][0]
        con.execute("""
            INSERT INTO account_observations
            SELECT DISTINCT ON (platform, account_id, raw_hash) * FROM stage_obs s
            WHERE NOT EXISTS (SELECT 1 FROM account_observations o WHERE o.platform = s.platform
                AND o.account_id = s.account_id AND o.raw_hash = s.raw_hash AND o.is_profile = s.is_profile)
            ORDER BY platform, account_id, raw_hash""")
        stored_profiles = con.execute(
            f"SELECT count(*) FROM account_observations WHERE source_id = {source_id} AND is_profile"
        ).fetchall()[0][0]
        summary.accounts_stored = stored_profiles
        profile_dups = n_profiles - stored_profiles

        q = con.execute(
            f"SELECT reason, count(*) FROM quarantine WHERE source_id = {source_id} GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        summary.quarantined = sum(n for _, n in q)
        summary.quarantine_reasons = {r: n for r, n in q}
        summary.duplicates = item_dups + profile_dups
        n_profile_staged = con.execute(
            "SELECT count(*) FROM stage_accounts WHERE coalesce(is_profile, true)"
        ).fetchall()[0][0]
        n_rej = con.execute("SELECT count(*) FROM stage_rejects").fetchall()[0][0]
        summary.records_read = n_items_staged + n_profile_staged + n_rej
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::JSON, ?, ?, ?, ?, ?, ?, ?)",
            [
                source_id,
                str(path),
                path.name,
                sha,
                size,
                summary.format,
                summary.format_reason,
                platform,
                timezone,
                options_json,
                summary.records_read,
                summary.items_stored,
                summary.accounts_stored,
                summary.quarantined,
                summary.duplicates,
                __version__,
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
            ],
        )
        self._rebuild_accounts()
        for name in ("stage_rejects", "stage_v", "stage_authors", "stage_clash", "stage_obs"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
        self._drop_staged()
        con.execute("COMMIT")
        return summary

    def _rebuild_accounts(self) -> None:
        """One row per (platform, account_id): for each field the value from the preferred observation
        (profiles before item-embedded ones, then the smallest raw hash) so the result is order independent."""
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
        self.con.execute(f"""
            CREATE OR REPLACE TABLE accounts AS
            WITH obs AS (
              SELECT platform, account_id, {picks}, list(DISTINCT source_id ORDER BY source_id) AS source_ids
              FROM account_observations GROUP BY platform, account_id),
            n AS (SELECT platform, account_id, count(*) AS n_items FROM items GROUP BY 1, 2)
            SELECT obs.*, coalesce(n.n_items, 0) AS n_items FROM obs LEFT JOIN n USING (platform, account_id)""")

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


def options_json(options) -> str:
    return json.dumps(
        {
            "format": options.format,
            "timezone": options.timezone,
            "platform": options.platform,
            "mapping": dict(options.mapping),
        },
        sort_keys=True,
    )
