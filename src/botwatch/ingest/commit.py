"""Store one file's rows in a case, all or nothing: validation, quarantine, de-duplication and the commit.

A :class:`Staging` opens one transaction on the case's connection and keeps the adapter's chunks as Arrow
tables. :meth:`Staging.commit` then, in SQL over the whole file at once,

1. validates every item once (ids, platform, kind, a timestamp that parses and lies between 2000 and tomorrow),
2. quarantines what fails with its file, position and reason, next to the lines the adapter could not read,
3. de-duplicates: the same item twice in the file, or an item already stored from any file, is kept once, as
   the copy with the smallest md5 of its raw record (so the result does not depend on file order),
4. stores the account observations (profiles and the author details seen on items), records the source with
   its counts (``records_read == items_stored + accounts_stored + quarantined + duplicates``), rebuilds the
   accounts table and commits.

Any error before the COMMIT rolls everything back: the case is left as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from botwatch._version import __version__
from botwatch.errors import NeedsTimezoneError
from botwatch.ingest.base import ACCOUNT_SCHEMA, ITEM_SCHEMA, Reject
from botwatch.store.case import Case, rebuild_accounts
from botwatch.store.schema import ITEM_KINDS
from botwatch.store.sql import HASHTAG_RE, MENTION_RE, URL_RE, is_naive_expr, sql_str, timestamp_expr

EARLIEST = "2000-01-01"
_TEMP_TABLES = ("stage_rejects", "stage_v", "stage_authors", "stage_clash", "stage_obs")


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


@dataclass(frozen=True)
class SourceRecord:
    """What the ``sources`` row says about the file besides its counts."""

    path: Path
    sha: str
    size: int
    options_json: str
    platform: str | None
    timezone: str | None


class Staging:
    """One file's rows, held in one open transaction of ``case`` until :meth:`commit` or :meth:`rollback`."""

    def __init__(self, case: Case):
        self.con = case.con
        self.con.execute("BEGIN")
        self._staged: dict[str, list[pa.Table]] = {"items": [], "accounts": []}
        self.con.execute("DROP TABLE IF EXISTS stage_rejects")
        self.con.execute(
            "CREATE TEMP TABLE stage_rejects (position BIGINT, position_kind VARCHAR, reason VARCHAR, raw VARCHAR)"
        )

    def add(self, items: pa.Table | None, accounts: pa.Table | None, rejects: list[Reject]) -> None:
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

    def rollback(self) -> None:
        """Undo everything staged; the case is as before :class:`Staging` began."""
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        self._drop_staged()

    def commit(self, summary: IngestSummary, source: SourceRecord) -> IngestSummary:
        """Validate the staged rows, quarantine failures, merge the rest, record the source; then COMMIT."""
        con = self.con
        self._register_staged()
        summary.source_id = con.execute("SELECT coalesce(max(source_id), 0) + 1 FROM sources").fetchall()[0][
            0
        ]
        tz = sql_str(source.timezone)
        n_items_staged = _validate_items(con, tz, source)
        _quarantine(con, summary.source_id, source.path.name)
        con.execute("DELETE FROM stage_v WHERE reason IS NOT NULL")
        summary.items_stored, item_dups = _store_items(con, summary.source_id)
        con.unregister("stage_items")
        summary.accounts_stored, profile_dups = _store_observations(con, summary.source_id, tz)
        q = con.execute(
            "SELECT reason, count(*) FROM quarantine WHERE source_id = ? GROUP BY 1 ORDER BY 2 DESC",
            [summary.source_id],
        ).fetchall()
        summary.quarantined = sum(n for _, n in q)
        summary.quarantine_reasons = {r: n for r, n in q}
        summary.duplicates = item_dups + profile_dups
        summary.records_read = n_items_staged + _count(
            con,
            "SELECT (SELECT count(*) FROM stage_accounts WHERE coalesce(is_profile, true)) "
            "+ (SELECT count(*) FROM stage_rejects)",
        )
        _record_source(con, summary, source)
        rebuild_accounts(con)
        for name in _TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        self._drop_staged()
        con.execute("COMMIT")
        return summary

    def _register_staged(self) -> None:
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


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def _validate_items(con, tz: str, source: SourceRecord) -> int:
    """Build ``stage_v``: one narrow row per staged item with its key, derived columns and the reason it is
    unusable (NULL when fine). Text and raw stay in the staged Arrow table (``stage_items``, joined on ``_row``),
    so the big columns are copied once, into items. Returns the number of staged items.

    A naive timestamp parses to NULL only without a zone; then the user is asked for ``--timezone``."""
    ts = timestamp_expr("created_at_raw", "created_at_epoch", tz)
    kinds = ", ".join(sql_str(k) for k in ITEM_KINDS)
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
    if naive and source.timezone is None:
        raise NeedsTimezoneError(
            f"{source.path.name}: timestamps have no UTC offset (e.g. {naive[0][0]!r}); pass --timezone with the "
            "zone they were recorded in, e.g. --timezone Asia/Almaty (Kazakhstan since March 2024) or UTC"
        )
    return _count(con, "SELECT count(*) FROM stage_v")


def _quarantine(con, source_id: int, file_name: str) -> None:
    """Quarantine the adapter's rejects, the invalid items and the account records without an id."""
    name = sql_str(file_name)
    con.execute(f"""
        INSERT INTO quarantine (source_id, file_name, position, position_kind, reason, raw)
        SELECT {source_id}, {name}, position, position_kind, reason, raw FROM stage_rejects
        UNION ALL
        SELECT {source_id}, {name}, v.position, 'record', v.reason, s.raw
          FROM stage_v v JOIN stage_items s USING (_row) WHERE v.reason IS NOT NULL
        UNION ALL
        SELECT {source_id}, {name}, position, 'record', 'account record without account id', raw
          FROM stage_accounts WHERE coalesce(is_profile, true) AND (account_id IS NULL OR trim(account_id) = '')""")


def _store_items(con, source_id: int) -> tuple[int, int]:
    """De-duplicate the valid items and insert the survivors; ``(items stored, duplicates)``.

    Author details are taken from every valid row first (duplicates included), so accounts do not depend on
    file order."""
    con.execute("""CREATE TEMP TABLE stage_authors AS
        SELECT DISTINCT platform, account_id, handle, display_name FROM stage_v""")
    n_ok = _count(con, "SELECT count(*) FROM stage_v")
    _drop_duplicates_in_file(con)
    n_first = _count(con, "SELECT count(*) FROM stage_v")
    existing = _settle_clashes_with_stored(con)
    _insert_items(con, source_id)
    stored = n_first - existing
    return stored, n_ok - stored


def _drop_duplicates_in_file(con) -> None:
    """Of items with the same key in this file keep the copy with the smallest (md5 of raw, position). Only keys
    that occur more than once are hashed and sorted, so a clean file costs one aggregate. (``items.raw_hash``
    stays NULL unless set by an older version; md5 is computed when needed.)"""
    con.execute("""
        DELETE FROM stage_v WHERE _row IN (
          SELECT _row FROM (
            SELECT v._row, row_number() OVER (PARTITION BY v.platform, v.item_id
                                              ORDER BY md5(coalesce(s.raw, v.item_id)), v.position) AS rn
            FROM stage_v v JOIN stage_items s USING (_row)
            SEMI JOIN (SELECT platform, item_id FROM stage_v GROUP BY ALL HAVING count(*) > 1) d
              ON v.platform = d.platform AND v.item_id = d.item_id)
          WHERE rn > 1)""")


def _settle_clashes_with_stored(con) -> int:
    """An item already stored (from any file) is a duplicate: keep whichever version has the smaller hash, so the
    result does not depend on ingest order. Returns the number of staged items whose key was already stored."""
    con.execute("""
        CREATE TEMP TABLE stage_clash AS
        SELECT c.*, md5(coalesce(s.raw, c.item_id)) AS new_hash FROM (
          SELECT v._row, v.platform, v.item_id, coalesce(i.raw_hash, md5(coalesce(i.raw, i.item_id))) AS old_hash
          FROM stage_v v JOIN items i ON i.platform = v.platform AND i.item_id = v.item_id) c
        JOIN stage_items s USING (_row)""")
    existing = _count(con, "SELECT count(*) FROM stage_clash")
    if existing:
        con.execute("""
            DELETE FROM items USING stage_clash c
            WHERE items.platform = c.platform AND items.item_id = c.item_id AND c.old_hash > c.new_hash""")
        con.execute(
            "DELETE FROM stage_v WHERE _row IN (SELECT _row FROM stage_clash WHERE old_hash <= new_hash)"
        )
    return existing


def _insert_items(con, source_id: int) -> None:
    """Insert the surviving items; links, hashtags and mentions are extracted from the text unless given."""
    text = "coalesce(s.text, '')"
    con.execute(f"""
        INSERT INTO items BY NAME
        SELECT v.platform, v.item_id, v.account_id, v.kind, nullif(trim(s.parent_id), '') AS parent_id,
          nullif(trim(s.root_id), '') AS root_id, nullif(s.channel, '') AS channel, v.created_at,
          coalesce(s.created_at_raw, CAST(s.created_at_epoch AS VARCHAR)) AS created_at_raw, s.text, s.lang,
          coalesce(s.links, CASE WHEN contains({text}, '://')
            THEN regexp_extract_all({text}, {sql_str(URL_RE)}) ELSE [] END) AS links,
          coalesce(s.hashtags, CASE WHEN contains({text}, '#')
            THEN regexp_extract_all(lower({text}), {sql_str(HASHTAG_RE)}, 1) ELSE [] END) AS hashtags,
          coalesce(s.mentions, CASE WHEN contains({text}, '@')
            THEN regexp_extract_all({text}, {sql_str(MENTION_RE)}, 1) ELSE [] END) AS mentions,
          s.media, nullif(trim(s.repost_of), '') AS repost_of, s.reactions, s.replies, s.reposts, s.views,
          {source_id} AS source_id, v.position, s.raw
        FROM stage_v v JOIN stage_items s USING (_row)""")


def _store_observations(con, source_id: int, tz: str) -> tuple[int, int]:
    """Store each account observation once (profiles, and the author details seen on items);
    ``(profiles stored, duplicate profiles)``. An observation already stored with the same raw hash is skipped."""
    ts = timestamp_expr("created_at_raw", "created_at_epoch", tz)
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
    n_profiles = _count(con, "SELECT count(*) FROM stage_obs WHERE is_profile")
    con.execute("""
        INSERT INTO account_observations BY NAME
        SELECT DISTINCT ON (platform, account_id, raw_hash) * FROM stage_obs s
        WHERE NOT EXISTS (SELECT 1 FROM account_observations o WHERE o.platform = s.platform
            AND o.account_id = s.account_id AND o.raw_hash = s.raw_hash AND o.is_profile = s.is_profile)
        ORDER BY platform, account_id, raw_hash""")
    stored = _count(
        con, f"SELECT count(*) FROM account_observations WHERE source_id = {source_id} AND is_profile"
    )
    return stored, n_profiles - stored


def _record_source(con, summary: IngestSummary, source: SourceRecord) -> None:
    con.execute(
        """INSERT INTO sources (source_id, path, file_name, sha256, size_bytes, format, format_reason, platform,
             timezone, options, records_read, items_stored, accounts_stored, quarantined, duplicates,
             botwatch_version, ingested_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::JSON, ?, ?, ?, ?, ?, ?, ?)""",
        [
            summary.source_id,
            str(source.path),
            source.path.name,
            source.sha,
            source.size,
            summary.format,
            summary.format_reason,
            source.platform,
            source.timezone,
            source.options_json,
            summary.records_read,
            summary.items_stored,
            summary.accounts_stored,
            summary.quarantined,
            summary.duplicates,
            __version__,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
        ],
    )
