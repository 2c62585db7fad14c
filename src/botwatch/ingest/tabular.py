"""CSV/TSV and JSON Lines with named columns: presets for the exports researchers hold, plus ``--map``.

Columns are always read by name. A preset is chosen when the header holds all of its ``signature`` columns;
otherwise the canonical field names themselves (``item_id``, ``account_id``, ``created_at``, ``text``, ...) are
used, and ``--map FIELD=COLUMN`` adds or overrides any field. For JSON Lines a COLUMN may be a dotted path
(``--map account_id=author.id``). The mapping runs as SQL over the whole file in DuckDB, so it is vectorised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import orjson
import pyarrow as pa

from botwatch.errors import FormatError
from botwatch.ingest.base import Adapter, Chunk, IngestOptions, Reject, SourceFile, sample_text
from botwatch.store.sql import sql_str

# Canonical fields a mapping may target. Item fields first, then account details carried on each row.
ITEM_TARGETS = {
    "item_id",
    "account_id",
    "kind",
    "parent_id",
    "root_id",
    "channel",
    "created_at",
    "text",
    "lang",
    "links",
    "hashtags",
    "mentions",
    "media",
    "repost_of",
    "reactions",
    "replies",
    "reposts",
    "views",
    "handle",
    "display_name",
    "platform",
}
ACCOUNT_TARGETS = {
    "account_created_at",
    "bio",
    "avatar_url",
    "followers",
    "following",
    "posts_count",
    "verified",
}
LIST_FIELDS = {"links", "hashtags", "mentions", "media"}
INT_FIELDS = {"reactions", "replies", "reposts", "views", "followers", "following", "posts_count"}
REQUIRED = ("item_id", "account_id", "created_at")


@dataclass(frozen=True)
class Preset:
    """A known CSV layout: the columns that identify it, how they map, and its defaults."""

    name: str
    signature: frozenset[str]
    mapping: dict[str, str]
    platform: str = "generic"
    timezone: str | None = None
    expressions: dict[str, str] = field(default_factory=dict)  # field -> SQL over quoted column names
    note: str = ""


PRESETS: list[Preset] = [
    Preset(
        "cnt",
        frozenset(
            {"message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"}
        ),
        {
            "item_id": "message_id",
            "account_id": "user_id",
            "handle": "username",
            "repost_of": "repost_id",
            "parent_id": "reply_id",
            "text": "message",
            "created_at": "timestamp",
            "links": "urls",
        },
        note="Coordination Network Toolkit CSV",
    ),
    Preset(
        "coortweet",
        frozenset({"object_id", "account_id", "content_id", "timestamp_share"}),
        {
            "item_id": "content_id",
            "account_id": "account_id",
            "repost_of": "object_id",
            "created_at": "timestamp_share",
        },
        expressions={"kind": "'repost'"},
        note="CooRTweet input (object_id = the shared object)",
    ),
    Preset(
        "twitter-io",
        frozenset({"tweetid", "userid", "tweet_text", "tweet_time"}),
        {
            "item_id": "tweetid",
            "account_id": "userid",
            "handle": "user_screen_name",
            "display_name": "user_display_name",
            "text": "tweet_text",
            "created_at": "tweet_time",
            "parent_id": "in_reply_to_tweetid",
            "lang": "tweet_language",
            "hashtags": "hashtags",
            "links": "urls",
            "mentions": "user_mentions",
            "reactions": "like_count",
            "reposts": "retweet_count",
            "replies": "reply_count",
            "followers": "follower_count",
            "following": "following_count",
            "account_created_at": "account_creation_date",
            "bio": "user_profile_description",
        },
        platform="twitter",
        timezone="UTC",
        expressions={
            "repost_of": """CASE WHEN lower("is_retweet") IN ('true', '1') THEN nullif("retweet_tweetid", '') END"""
        },
        note="Twitter information-operations archive (tweet_time is UTC)",
    ),
    Preset(
        "4cat",
        frozenset({"id", "thread_id", "author", "body", "timestamp"}),
        {
            "item_id": "id",
            "account_id": "author",
            "handle": "author",
            "text": "body",
            "root_id": "thread_id",
            "created_at": "timestamp",
        },
        expressions={
            "parent_id": """CASE WHEN "thread_id" IS NOT NULL AND "thread_id" <> "id" THEN "thread_id" END"""
        },
        note="4CAT CSV export",
    ),
    Preset(
        "crowdtangle",
        frozenset({"Facebook Id", "Post Created", "URL"}),
        {
            "item_id": "URL",
            "account_id": "Facebook Id",
            "handle": "User Name",
            "display_name": "Page Name",
            "channel": "Page Name",
            "created_at": "Post Created",
            "text": "Message",
            "links": "Link",
            "reactions": "Total Interactions",
            "replies": "Comments",
            "reposts": "Shares",
            "followers": "Followers at Posting",
        },
        platform="facebook",
        note="CrowdTangle historical-data CSV (Post Created carries the dashboard's zone)",
    ),
    Preset(
        "meta-content-library",
        frozenset({"id", "creation_time", "text", "post_owner.id"}),
        {
            "item_id": "id",
            "account_id": "post_owner.id",
            "handle": "post_owner.username",
            "display_name": "post_owner.name",
            "created_at": "creation_time",
            "text": "text",
            "lang": "lang",
            "channel": "surface.name",
            "reactions": "statistics.reaction_count",
            "replies": "statistics.comment_count",
            "reposts": "statistics.share_count",
            "views": "statistics.views",
        },
        platform="facebook",
        note="Meta Content Library CSV (flattened with dotted column names)",
    ),
]
PRESET_BY_NAME = {p.name: p for p in PRESETS}


def _choose_preset(columns: list[str], mapping: dict[str, str]) -> Preset | None:
    preset_name = mapping.get("preset")
    if preset_name:
        if preset_name not in PRESET_BY_NAME:
            raise FormatError(f"unknown preset {preset_name!r}; use one of: {', '.join(PRESET_BY_NAME)}")
        return PRESET_BY_NAME[preset_name]
    cols = set(columns)
    for preset in PRESETS:
        if preset.signature <= cols:
            return preset
    return None


def build_select(
    columns: list[str], options: IngestOptions, col_sql, file_name: str
) -> tuple[str, str, str | None]:
    """SQL select list mapping source columns to canonical fields; returns (items_sql, accounts_sql, timezone)."""
    user_map = options.mapping_dict()
    preset = _choose_preset(columns, user_map)
    mapping: dict[str, str] = {}
    exprs: dict[str, str] = {}
    if preset:
        mapping.update({k: v for k, v in preset.mapping.items() if v in columns or col_sql is _json_path})
        exprs.update(preset.expressions)
    else:
        for name in ITEM_TARGETS | ACCOUNT_TARGETS:
            if name in columns:
                mapping[name] = name
    for target, column in user_map.items():
        if target == "preset":
            continue
        if target not in ITEM_TARGETS | ACCOUNT_TARGETS:
            raise FormatError(
                f"--map {target}=...: unknown field {target!r}; fields are: {', '.join(sorted(ITEM_TARGETS | ACCOUNT_TARGETS))}"
            )
        if col_sql is not _json_path and column not in columns:
            raise FormatError(
                f"--map {target}={column}: {file_name} has no column {column!r}; columns are: {', '.join(columns)}"
            )
        mapping[target] = column
        exprs.pop(target, None)
    missing = [f for f in REQUIRED if f not in mapping and f not in exprs]
    if missing:
        raise FormatError(
            f"{file_name}: no column for {', '.join(missing)} (columns: {', '.join(columns[:30])}); "
            f"pass --map {missing[0]}=COLUMN" + (f" (preset {preset.name})" if preset else "")
        )

    def value(target: str) -> str:
        if target in exprs:
            return exprs[target]
        if target not in mapping:
            return "NULL"
        return f"nullif(trim({col_sql(mapping[target])}), '')"

    def as_list(v: str) -> str:
        return f"""(CASE WHEN {v} IS NULL THEN NULL WHEN {v} IN ('[]', 'absent') THEN []::VARCHAR[]
            WHEN starts_with({v}, '[') THEN regexp_extract_all({v}, '[''"]([^''"]+)[''"]', 1)
            ELSE string_split_regex({v}, '[\\s,;]+') END)"""

    platform = options.platform or (preset.platform if preset else "generic")
    sel = []
    for target in sorted(ITEM_TARGETS):
        v = value(target)
        if target == "platform":
            v = f"coalesce({v}, {sql_str(platform)})" if "platform" in mapping else sql_str(platform)
        elif target in LIST_FIELDS and target not in exprs:
            v = as_list(v) if target in mapping else "NULL::VARCHAR[]"
        elif target in INT_FIELDS:
            v = f"CAST(try_cast({v} AS DOUBLE) AS BIGINT)"
        name = "created_at_raw" if target == "created_at" else target
        sel.append(f"{v} AS {name}")
    items_sql = ", ".join(sel)
    acc = [
        f"{sql_str(platform)} AS platform",
        f"{value('account_id')} AS account_id",
        f"{value('handle')} AS handle",
        f"{value('display_name')} AS display_name",
        f"{value('account_created_at')} AS created_at_raw",
        f"{value('bio')} AS bio",
        f"{value('avatar_url')} AS avatar_url",
        f"CAST(try_cast({value('followers')} AS DOUBLE) AS BIGINT) AS followers",
        f"CAST(try_cast({value('following')} AS DOUBLE) AS BIGINT) AS following",
        f"CAST(try_cast({value('posts_count')} AS DOUBLE) AS BIGINT) AS posts_count",
        f"try_cast({value('verified')} AS BOOLEAN) AS verified",
        "false AS is_profile",
    ]
    has_account_fields = any(t in mapping for t in ACCOUNT_TARGETS)
    accounts_sql = ", ".join(acc) if has_account_fields else ""
    tz = options.timezone or (preset.timezone if preset else None)
    return items_sql, accounts_sql, tz


def _quote(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _json_path(col: str) -> str:
    path = "$." + ".".join('"' + p.replace('"', '\\"') + '"' for p in col.split("."))
    return f"json_extract_string(line, {sql_str(path)})"


def _dialect(sample: bytes) -> str:
    text = sample_text(sample)
    first = text.splitlines()[0] if text else ""
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


class CsvAdapter(Adapter):
    """CSV or TSV with a header row (gzip allowed); presets for CNT, CooRTweet, 4CAT, Twitter IO archives,
    CrowdTangle and Meta Content Library."""

    name = "csv"
    description = "CSV/TSV with named columns (presets: " + ", ".join(p.name for p in PRESETS) + ")"
    priority = 10

    def sniff(self, sample: bytes, source: SourceFile) -> str | None:
        text = sample_text(sample)
        if not text or text.lstrip()[:1] in ("{", "["):
            return None
        header = text.splitlines()[0]
        delim = _dialect(sample)
        try:
            cols = next(csv.reader(io.StringIO(header), delimiter=delim))
        except (csv.Error, StopIteration):
            return None
        if len(cols) < 2:
            return None
        preset = _choose_preset([c.strip() for c in cols], {})
        kind = "TSV" if delim == "\t" else "CSV"
        if preset:
            return f"{kind} header has the {preset.note} columns ({', '.join(sorted(preset.signature))})"
        return f"{kind} header with {len(cols)} named columns"

    def read(self, source: SourceFile, options: IngestOptions) -> Iterator[Chunk]:
        delim = _dialect(source.sample(64 * 1024))
        con = duckdb.connect()
        con.execute("SET TimeZone='UTC'")
        src = f"""read_csv({sql_str(str(source.path))}, all_varchar=true, header=true, delim={sql_str(delim)},
            quote='"', escape='"', store_rejects=true, max_line_size=20000000, auto_detect=false,
            columns=$cols)"""
        header = self._header(source, delim)
        cols_struct = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in header) + "}"
        src = src.replace("$cols", cols_struct)
        items_sql, accounts_sql, tz = build_select(header, options, _quote, source.name)
        if tz and not options.timezone:
            yield Chunk(timezone=tz)
        con.execute(
            f"CREATE TEMP TABLE src AS SELECT row_number() OVER () + 1 AS position, to_json(t) AS raw, * "
            f"FROM {src} t"
        )
        yield from _emit(con, items_sql, accounts_sql)
        rejects = con.execute(
            """SELECT line, first(error_type || ': ' || error_message ORDER BY byte_position), first(csv_line)
               FROM reject_errors GROUP BY line ORDER BY line"""
        ).fetchall()
        if rejects:
            yield Chunk(
                rejects=[
                    Reject(int(ln), f"malformed CSV row: {why}", raw or "", "line")
                    for ln, why, raw in rejects
                ]
            )
        con.close()

    def _header(self, source: SourceFile, delim: str) -> list[str]:
        text = sample_text(source.sample(1024 * 1024))
        try:
            header = next(csv.reader(io.StringIO(text), delimiter=delim))
        except (csv.Error, StopIteration):
            raise FormatError(
                f"{source.name}: cannot read a CSV header row; is it CSV? pass --format"
            ) from None
        header = [h.strip() for h in header]
        if len(set(header)) != len(header) or any(not h for h in header):
            raise FormatError(
                f"{source.name}: header has empty or repeated column names ({header}); fix the header row"
            )
        return header


def _emit(con, items_sql: str, accounts_sql: str) -> Iterator[Chunk]:
    reader = con.sql(f"SELECT position, raw, {items_sql} FROM src ORDER BY position").to_arrow_reader(100_000)
    for batch in reader:
        yield Chunk(items=pa.Table.from_batches([batch]))
    if accounts_sql:
        reader = con.sql(f"SELECT {accounts_sql} FROM src").to_arrow_reader(100_000)
        for batch in reader:
            yield Chunk(accounts=pa.Table.from_batches([batch]))


class JsonlAdapter(Adapter):
    """JSON Lines with one flat or nested object per line; fields by name or dotted path."""

    name = "jsonl"
    description = "JSON Lines, one object per line, fields by name or --map dotted path"
    priority = 10

    def sniff(self, sample: bytes, source: SourceFile) -> str | None:
        lines = [ln for ln in sample_text(sample).splitlines() if ln.strip()]
        if not lines or not lines[0].lstrip().startswith("{"):
            return None
        try:
            first = orjson.loads(lines[0])
        except orjson.JSONDecodeError:
            return None
        if isinstance(first, dict):
            return f"one JSON object per line ({len(first)} keys in the first)"
        return None

    def read(self, source: SourceFile, options: IngestOptions) -> Iterator[Chunk]:
        from botwatch.ingest.base import iter_json_lines

        positions, lines, rejects, keys = [], [], [], None
        for rec in iter_json_lines(source):
            if isinstance(rec, Reject):
                rejects.append(rec)
                continue
            pos, obj = rec
            if not isinstance(obj, dict):
                rejects.append(
                    Reject(
                        pos,
                        f"line is JSON but not an object ({type(obj).__name__})",
                        orjson.dumps(obj).decode(),
                        "line",
                    )
                )
                continue
            if keys is None:
                keys = list(obj)
            positions.append(pos)
            lines.append(orjson.dumps(obj).decode())
        if rejects:
            yield Chunk(rejects=rejects)
        if not lines:
            return
        con = duckdb.connect()
        con.execute("SET TimeZone='UTC'")
        con.register(
            "_lines",
            pa.table({"position": pa.array(positions, pa.int64()), "line": pa.array(lines, pa.string())}),
        )
        con.execute("CREATE TEMP TABLE src AS SELECT position, line AS raw, line::JSON AS line FROM _lines")
        items_sql, accounts_sql, _ = build_select(keys or [], options, _json_path, source.name)
        yield from _emit(con, items_sql, accounts_sql)
        con.close()
