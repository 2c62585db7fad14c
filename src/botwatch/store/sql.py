"""SQL fragments written once and shared by the store and the engines."""

# A timestamp string has an explicit zone when a time is followed by Z, an offset or a zone abbreviation.
ZONED_RE = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?|[A-Za-z]{2,5})$"
EPOCH_RE = r"-?\d{9,14}(\.\d*)?"


def timestamp_expr(raw: str, epoch: str, tz_literal: str) -> str:
    """SQL that turns (raw string, epoch seconds) into a naive UTC TIMESTAMP, or NULL when unparseable.

    Epoch seconds win; an all-digit string is epoch seconds (or milliseconds when >= 1e11); a string with a zone
    is converted to UTC; a naive string is read in ``tz_literal`` (a quoted zone name or NULL), except outside
    the years 2-9999, where a zone shift would overflow (such a time is kept as written and quarantined as out of
    range). The session TimeZone must be UTC.
    """
    r = f"trim({raw})"
    return f"""(CASE
      WHEN {epoch} IS NOT NULL AND isfinite({epoch}) AND abs({epoch}) < 1e11 THEN make_timestamp(CAST({epoch} * 1e6 AS BIGINT))
      WHEN {epoch} IS NOT NULL THEN NULL
      WHEN {raw} IS NULL THEN NULL
      WHEN regexp_full_match({r}, '{EPOCH_RE}') THEN make_timestamp(CAST(
           CASE WHEN abs(CAST({r} AS DOUBLE)) >= 1e11 THEN CAST({r} AS DOUBLE) * 1e3
                ELSE CAST({r} AS DOUBLE) * 1e6 END AS BIGINT))
      WHEN regexp_matches({r}, '{ZONED_RE}') THEN CAST(try_cast({r} AS TIMESTAMPTZ) AS TIMESTAMP)
      WHEN {tz_literal} IS NOT NULL AND NOT (try_cast({r} AS TIMESTAMP) BETWEEN TIMESTAMP '0002-01-01'
                                                  AND TIMESTAMP '9999-12-31') THEN try_cast({r} AS TIMESTAMP)
      WHEN {tz_literal} IS NOT NULL THEN CAST(timezone({tz_literal}, try_cast({r} AS TIMESTAMP)) AS TIMESTAMP)
      ELSE NULL END)"""


def is_naive_expr(raw: str, epoch: str) -> str:
    """SQL true when a value is a parseable timestamp without any zone information."""
    r = f"trim({raw})"
    return f"""({epoch} IS NULL AND {raw} IS NOT NULL AND NOT regexp_full_match({r}, '{EPOCH_RE}')
        AND NOT regexp_matches({r}, '{ZONED_RE}') AND try_cast({r} AS TIMESTAMP) IS NOT NULL)"""


def distinct_words_expr(text: str) -> str:
    """SQL for the number of distinct words (runs of letters) in ``text``, lower-cased; the ``{slot}`` parts of a
    template are left out."""
    return rf"len(list_distinct(regexp_extract_all(regexp_replace(lower({text}), '\{{[^}}]*\}}', ' ', 'g'), '\p{{L}}+')))"


URL_RE = r"""https?://[^\s<>"'\]\[)(]+"""
HASHTAG_RE = r"#([\p{L}\p{N}_]+)"
MENTION_RE = r"@([\p{L}\p{N}_.]+[\p{L}\p{N}_])"


def sql_str(value: str | None) -> str:
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"
