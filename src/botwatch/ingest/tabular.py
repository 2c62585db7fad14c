"""CSV/TSV and JSON Lines with named columns: presets for the exports researchers hold, plus ``--map``.

Columns are always read by name. A preset (CSV only) is chosen when the header holds all of its ``signature``
columns; otherwise the canonical field names themselves (``item_id``, ``account_id``, ``created_at``, ...) are
used, and ``--map FIELD=COLUMN`` adds or overrides any field. For JSON Lines a COLUMN may be a dotted path
(``--map account_id=author.id``). The mapping runs as SQL over the whole file in DuckDB, so it is vectorised.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from botwatch.errors import FormatError
from botwatch.ingest.base import (
    Adapter,
    Chunk,
    IngestOptions,
    LineGuard,
    Reject,
    SourceFile,
    check_rejects,
    first_json_line,
    sample_text,
)
from botwatch.ingest.lines import load_json_lines
from botwatch.store.db import connect
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


# CrowdTangle writes the dashboard's zone as an abbreviation; DuckDB knows EST but not the others.
US_ZONES = {"EDT": "-04:00", "EST": "-05:00", "CDT": "-05:00", "CST": "-06:00", "MDT": "-06:00",
            "MST": "-07:00", "PDT": "-07:00", "PST": "-08:00"}  # fmt: skip


def _us_zone_to_offset(col: str) -> str:
    expr = f"trim({col})"
    for abbr, offset in US_ZONES.items():
        expr = f"regexp_replace({expr}, ' {abbr}$', '{offset}')"
    return f"nullif({expr}, '')"


@dataclass(frozen=True)
class Preset:
    """A known CSV layout: the columns that identify it, how they map, and its defaults."""

    name: str
    signature: frozenset[str]
    mapping: dict[str, str]
    platform: str = "generic"
    timezone: str | None = None
    # field -> SQL over quoted column names; left out, like a mapped column, when a column it reads is absent
    expressions: dict[str, str] = field(default_factory=dict)
    note: str = ""
    alternatives: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # field -> columns, first present wins


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
        # a row is one share: a content (tweet) can share several objects, so the item is the pair
        expressions={
            "kind": "'repost'",
            "item_id": """nullif(trim("content_id"), '') || ':' || trim("object_id")""",
        },
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
        "pushshift-reddit",
        frozenset(
            {
                "author",
                "id",
                "created",
                "subreddit",
                "parent_id",
                "full_link",
                "title",
                "selftext",
                "body",
                "url",
            }
        ),
        {"account_id": "author", "handle": "author", "created_at": "created", "channel": "subreddit"},
        platform="reddit",
        expressions={
            # Reddit fullnames: t3_ for a submission (its id only appears in full_link), t1_ for a comment,
            # so parent_id (t3_xxx / t1_xxx) joins the item it answers.
            "item_id": """CASE WHEN nullif(trim("id"), '') IS NOT NULL THEN 't1_' || trim("id")
                ELSE 't3_' || nullif(regexp_extract("full_link", '/comments/([a-z0-9]+)', 1), '') END""",
            "parent_id": """nullif(trim("parent_id"), '')""",
            "text": """nullif(concat_ws(chr(10) || chr(10), nullif(trim("title"), ''),
                nullif(trim("selftext"), ''), nullif(trim("body"), '')), '')""",
            "links": """CASE WHEN nullif(trim("url"), '') IS NOT NULL
                AND NOT contains("url", '/comments/') THEN [trim("url")] END""",
        },
        note="Pushshift Reddit submissions and comments",
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
        # timestamp is the 4CAT server's local time; unix_timestamp is exact
        alternatives={"created_at": ("unix_timestamp", "timestamp"), "handle": ("author_username", "author")},
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
        expressions={"created_at": _us_zone_to_offset('"Post Created"')},
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


_SQL_LITERAL_OR_NAME = re.compile(r"'(?:[^']|'')*'|\"((?:[^\"]|\"\")+)\"")


def _columns_read(sql: str) -> set[str]:
    """The quoted column names a preset expression reads (string literals skipped)."""
    return {m.group(1).replace('""', '"') for m in _SQL_LITERAL_OR_NAME.finditer(sql) if m.group(1)}


def resolve_mapping(
    columns: list[str], options: IngestOptions, file_name: str, check_columns: bool = True
) -> tuple[Preset | None, dict[str, str], dict[str, str]]:
    """Which source column (or SQL expression) fills each canonical field: preset, canonical names, ``--map``.

    ``check_columns`` is False for JSON, where a dotted path may be absent from the first records; presets are
    CSV layouts, so JSON gets none.
    """
    user_map = options.mapping_dict()
    if check_columns:
        preset = _choose_preset(columns, user_map)
    elif "preset" in user_map:
        raise FormatError(
            f"{file_name}: --map preset={user_map['preset']} is for CSV files; "
            "map JSON fields with --map FIELD=PATH instead"
        )
    else:
        preset = None
    mapping: dict[str, str] = {}
    exprs: dict[str, str] = {}
    if preset:
        mapping.update({k: v for k, v in preset.mapping.items() if v in columns})
        for target, candidates in preset.alternatives.items():
            present = [c for c in candidates if c in columns]
            if present:
                mapping[target] = present[0]
        exprs.update({k: sql for k, sql in preset.expressions.items() if _columns_read(sql) <= set(columns)})
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
        if check_columns and column not in columns and not _is_derived(column):
            raise FormatError(
                f"--map {target}={column}: {file_name} has no column {column!r}; columns are: {_show(columns)}"
            )
        if not check_columns and not _is_derived(column) and "" in column.split("."):
            raise FormatError(
                f"--map {target}={column}: a JSON path names a key at each step (e.g. author.id); "
                "this one has an empty step"
            )
        mapping[target] = column
        exprs.pop(target, None)
    missing = [f for f in REQUIRED if f not in mapping and f not in exprs]
    if missing:
        raise FormatError(
            f"{file_name}: no column for {', '.join(missing)} (columns: {_show(columns)}); "
            f"pass --map {missing[0]}=COLUMN"
            + (f" (preset {preset.name})" if preset else "")
            + ("; a file without ids can use --map item_id=@hash" if "item_id" in missing else "")
        )
    return preset, mapping, exprs


def _show(columns: list[str], n: int = 30) -> str:
    """Column names for a one-line message of bounded length: the first ``n``, each cut to 40 characters; a name
    with a line break or another unprintable character (a JSON key can hold anything) as a quoted literal."""
    shown = [c[:40] if c.isprintable() else repr(c[:40]) for c in columns[:n]]
    return ", ".join(shown) + (", ..." if len(columns) > n else "")


def _names(header: list[str], n: int = 12) -> str:
    """The first ``n`` column names, each quoted and cut to 40 characters, for a message of bounded length."""
    return ", ".join(repr(h[:40]) for h in header[:n]) + (", ..." if len(header) > n else "")


def build_select(
    columns: list[str], options: IngestOptions, col_sql, file_name: str, check_columns: bool = True
) -> tuple[str, str, str | None]:
    """SQL select list mapping source columns to canonical fields; returns (items_sql, accounts_sql, timezone)."""
    preset, mapping, exprs = resolve_mapping(columns, options, file_name, check_columns)

    def value(target: str) -> str:
        if target in exprs:
            return exprs[target]
        if target not in mapping:
            return "NULL"
        column = mapping[target]
        if column == "@hash":  # an id from the record's content: identical records collapse into one
            return "md5(raw)"
        if column == "@line":  # an id from the record's place: <file name>:<line>
            return f"{sql_str(file_name + ':')} || CAST(position AS VARCHAR)"
        if _is_derived(column):
            return sql_str(column[1:-1])
        return f"nullif(trim({col_sql(column)}), '')"

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
            v = _count(v)
        name = "created_at_raw" if target == "created_at" else target
        sel.append(f"{v} AS {name}")
    items_sql = ", ".join(sel)
    acc = [
        f"{sel[sorted(ITEM_TARGETS).index('platform')].removesuffix(' AS platform')} AS platform",
        f"{value('account_id')} AS account_id",
        f"{value('handle')} AS handle",
        f"{value('display_name')} AS display_name",
        f"{value('account_created_at')} AS created_at_raw",
        f"{value('bio')} AS bio",
        f"{value('avatar_url')} AS avatar_url",
        f"{_count(value('followers'))} AS followers",
        f"{_count(value('following'))} AS following",
        f"{_count(value('posts_count'))} AS posts_count",
        f"try_cast({value('verified')} AS BOOLEAN) AS verified",
        "false AS is_profile",
    ]
    has_account_fields = any(t in mapping for t in ACCOUNT_TARGETS)
    accounts_sql = ", ".join(acc) if has_account_fields else ""
    tz = options.timezone or (preset.timezone if preset else None)
    return items_sql, accounts_sql, tz


def _is_derived(column: str) -> bool:
    """``@hash``, ``@line`` and a quoted constant (``'comment'``) are --map values that are not columns."""
    return column in ("@hash", "@line") or (len(column) >= 2 and column[0] == column[-1] == "'")


def _count(v: str) -> str:
    """A count as BIGINT; tolerates '12.0' (Twitter IO) and thousands separators '1,234' (CrowdTangle). A value
    beyond BIGINT ('1e308', 'inf') is NULL, like any other unreadable count."""
    return f"try_cast(try_cast(replace({v}, ',', '') AS DOUBLE) AS BIGINT)"


def _quote(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _json_path_literal(col: str) -> str:
    return sql_str("$." + ".".join('"' + p.replace('"', '\\"') + '"' for p in col.split(".")))


class _JsonPaths:
    """Collects the dotted paths a mapping reads, so one ``json_extract_string(raw, [paths])`` parses each
    line once; a path becomes ``_j[i]`` in the select list."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, col: str) -> str:
        if col not in self.paths:
            self.paths.append(col)
        return f"_j[{self.paths.index(col) + 1}]"

    def source(self) -> str:
        if not self.paths:
            return "(SELECT position, raw FROM src)"
        lits = ", ".join(_json_path_literal(p) for p in self.paths)
        return f"(SELECT position, raw, json_extract_string(raw, [{lits}]) AS _j FROM src)"


def _dialect(sample: bytes) -> str:
    text = sample_text(sample)
    first = text.splitlines()[0] if text else ""
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _connect() -> duckdb.DuckDBPyConnection:
    con = connect()
    con.execute("SET TimeZone='UTC'")
    con.execute("SET memory_limit='1GB'")
    return con


class CsvAdapter(Adapter):
    """CSV or TSV with a header row (gzip allowed); presets for CNT, CooRTweet, 4CAT, Twitter IO archives,
    CrowdTangle and Meta Content Library.

    A clean file is read by DuckDB's parallel CSV reader. When that reader rejects anything, or the file has
    blank lines or fields that span lines (so DuckDB's row numbers are not line numbers), the file is re-read
    with Python's ``csv`` module, which reports every bad row with its exact line and keeps going.
    """

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
        header = self._header(source, delim)
        items_sql, accounts_sql, tz = build_select(header, options, _quote, source.name)
        if tz and not options.timezone:
            yield Chunk(timezone=tz)
        n_lines = _count_lines(source)  # first: a bomb or an over-long line stops here, before DuckDB reads
        con = _connect()
        try:
            chunks = self._read_duckdb(con, source, delim, header, items_sql, accounts_sql, n_lines)
            if chunks is not None:
                yield from chunks
                return
            rejects = self._load_python(con, source, delim, header)
            yield from _emit(con, "src", items_sql, accounts_sql)
            if rejects:
                yield Chunk(rejects=rejects)
        finally:
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
                f"{source.name}: header has empty or repeated column names ({_names(header)}); fix the header row"
            )
        folded = [h.lower() for h in header]
        if len(set(folded)) != len(folded):  # DuckDB's column names ignore case
            same = [h for h in header if folded.count(h.lower()) > 1]
            raise FormatError(
                f"{source.name}: header has column names that differ only in case ({_names(same)}); "
                "rename one of them"
            )
        return header

    def _read_duckdb(
        self,
        con,
        source: SourceFile,
        delim: str,
        header: list[str],
        items_sql: str,
        accounts_sql: str,
        n_lines: int,
    ) -> list[Chunk] | None:
        """Fast path: DuckDB's parallel CSV reader maps the whole file into Arrow chunks. None (and the chunks
        are dropped) when the reader rejects a row or cannot read the file, or when its row numbers would not
        be line numbers (blank lines, fields spanning lines)."""
        cols = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in header) + "}"
        raw = "to_json({" + ", ".join(f"{sql_str(c)}: t.{_quote(c)}" for c in header) + "})"
        compression = "gzip" if source.gzipped else "none"
        reader = f"""read_csv({sql_str(str(source.path))}, all_varchar=true, header=true, delim={sql_str(delim)},
            quote='"', escape='"', strict_mode=true, store_rejects=true, max_line_size=20000000,
            auto_detect=false, compression={sql_str(compression)}, columns={cols})"""
        src = f"(SELECT row_number() OVER () + 1 AS position, {raw} AS raw, t.* FROM {reader} t)"
        try:
            chunks = list(_emit(con, src, items_sql, accounts_sql))
            n_rejects = con.execute("SELECT count(*) FROM reject_errors").fetchall()[0][0]
        except (duckdb.IOException, duckdb.InvalidInputException):  # a cut gzip stream; a row it cannot parse
            return None
        n_rows = sum(c.items.num_rows for c in chunks if c.items is not None)
        if n_rejects or n_lines != n_rows + 1:
            return None
        return chunks

    def _load_python(self, con, source: SourceFile, delim: str, header: list[str]) -> list[Reject]:
        """Robust path: Python's csv module, exact start line of every record, each bad row rejected."""
        rows: list[list[str]] = []
        positions: list[int] = []
        rejects: list[Reject] = []
        width = len(header)
        csv.field_size_limit(source.limits.max_line_bytes)  # a 10 MB comment is data; 4 GB is not
        with source.open_binary() as fb:
            text = io.TextIOWrapper(fb, encoding="utf-8-sig", errors="surrogateescape", newline="")
            reader = csv.reader(text, delimiter=delim, strict=True)
            prev = 0
            try:
                next(reader)
            except (csv.Error, StopIteration, EOFError, OSError, zlib.error):
                return rejects
            prev = reader.line_num
            while True:
                start = prev + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    if "field larger than field limit" in str(exc):
                        raise source.limits.line_too_long(
                            source.name, start, "field starting on line"
                        ) from None
                    what = "unterminated quote" if "end of data" in str(exc) else str(exc)
                    rejects.append(Reject(start, f"malformed CSV row: {what}", "", "line"))
                    check_rejects(source, rejects)
                    prev = reader.line_num
                    continue
                except (EOFError, OSError, zlib.error) as exc:
                    rejects.append(
                        Reject(
                            start, f"file truncated or corrupt after line {prev}: {exc}", "", "end-of-file"
                        )
                    )
                    break
                prev = reader.line_num
                if not row:
                    continue
                raw = delim.join(row)
                if _has_surrogates(raw):
                    raw = raw.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
                    rejects.append(Reject(start, "invalid UTF-8", raw, "line"))
                elif len(row) != width:
                    rejects.append(
                        Reject(
                            start,
                            f"malformed CSV row: {len(row)} fields but the header has {width}",
                            raw,
                            "line",
                        )
                    )
                else:
                    rows.append(row)
                    positions.append(start)
                    continue
                check_rejects(source, rejects)
        columns = list(zip(*rows)) if rows else [[] for _ in header]
        table = pa.table(
            {"position": pa.array(positions, pa.int64())}
            | {f"c{i}": pa.array(col, pa.string()) for i, col in enumerate(columns)}
        )
        con.register("_py_rows", table)
        fields = ", ".join(f"nullif(c{i}, '') AS {_quote(c)}" for i, c in enumerate(header))
        raw_sql = "to_json({" + ", ".join(f"{sql_str(c)}: t.{_quote(c)}" for c in header) + "})"
        con.execute(f"""CREATE TEMP TABLE src AS SELECT position, {raw_sql} AS raw, t.* EXCLUDE (position)
            FROM (SELECT position, {fields} FROM _py_rows) t""")
        con.unregister("_py_rows")
        return rejects


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _count_lines(source: SourceFile) -> int:
    """Physical lines in the (decompressed) file; a last line without a newline counts; -1 for a truncated
    gzip file. A line longer than the line limit, or a decompression bomb, stops with an InputLimitError."""
    last = b"\n"
    guard = LineGuard(source)
    progress, source.progress = source.progress, lambda n: None
    try:
        with source.open_binary() as fh:
            for block in iter(lambda: fh.read1(1 << 24), b""):
                guard.feed(block)
                last = block[-1:]
    except (EOFError, OSError, zlib.error):
        return -1
    finally:
        source.progress = progress
    return guard.lines + (last != b"\n")


def _emit(con, src: str, items_sql: str, accounts_sql: str) -> Iterator[Chunk]:
    reader = con.sql(f"SELECT position, raw, {items_sql} FROM {src}").to_arrow_reader(250_000)
    for batch in reader:
        yield Chunk(items=pa.Table.from_batches([batch]))
    if accounts_sql:
        reader = con.sql(f"SELECT position, {accounts_sql} FROM {src}").to_arrow_reader(250_000)
        for batch in reader:
            yield Chunk(accounts=pa.Table.from_batches([batch]))


class JsonlAdapter(Adapter):
    """JSON Lines with one flat or nested object per line; fields by name or dotted path.

    Lines are split in Arrow and validated and mapped by DuckDB's JSON functions (one parse per line for all
    mapped paths); only rejected lines are parsed again in Python, to say what is wrong with them.
    """

    name = "jsonl"
    description = "JSON Lines, one object per line, fields by name or --map dotted path"
    priority = 10

    def sniff(self, sample: bytes, source: SourceFile) -> str | None:
        head = first_json_line(sample)
        if head is None or not isinstance(head[0], dict):
            return None
        return f"one JSON object per line ({len(head[0])} keys in the first)"

    def read(self, source: SourceFile, options: IngestOptions) -> Iterator[Chunk]:
        con = _connect()
        try:
            rejects = load_json_lines(con, source)
            keys = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT unnest(json_keys(raw)) FROM (SELECT raw FROM src ORDER BY position LIMIT 1000)"
                ).fetchall()
            ]
            if con.execute("SELECT count(*) FROM src").fetchall()[0][0]:
                paths = _JsonPaths()
                items_sql, accounts_sql, _ = build_select(
                    keys, options, paths, source.name, check_columns=False
                )
                rejects += _reject_wrong_types(con, keys, options, source.name)
                yield from _emit(con, paths.source(), items_sql, accounts_sql)
            if rejects:
                yield Chunk(rejects=sorted(rejects, key=lambda r: r.position))
        finally:
            con.close()


def _reject_wrong_types(con, keys: list[str], options: IngestOptions, file_name: str) -> list[Reject]:
    """Quarantine records whose id, account id or timestamp is a JSON object or array, and drop them."""
    _, mapping, _ = resolve_mapping(keys, options, file_name, check_columns=False)
    checks = [(f, mapping[f]) for f in REQUIRED if f in mapping]
    if not checks:
        return []
    types = ", ".join(_json_path_literal(col) for _, col in checks)
    names = "[" + ", ".join(sql_str(f) for f, _ in checks) + "]"
    rows = con.execute(f"""
        SELECT position, raw, list_filter(list_zip({names}, t), lambda x: x[2] IN ('OBJECT', 'ARRAY')) AS bad
        FROM (SELECT position, raw, json_type(raw, [{types}]) AS t FROM src)
        WHERE list_bool_or(list_transform(t, lambda x: x IN ('OBJECT', 'ARRAY')))""").fetchall()
    if not rows:
        return []
    con.execute("DELETE FROM src WHERE position IN (SELECT unnest(?))", [[int(r[0]) for r in rows]])
    out = []
    for pos, raw, bad in rows:
        field, typ = bad[0][0], bad[0][1]
        out.append(Reject(pos, f"{field} is a JSON {typ.lower()}, expected a string or number", raw, "line"))
    return out
