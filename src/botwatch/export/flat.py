"""CSV, JSON Lines and Parquet writers for one table.

CSV is UTF-8 with a header row; timestamps are ISO 8601 UTC with ``Z``; list cells are joined with ``" | "``;
booleans are ``true``/``false``. Because the texts, names and ids come from strangers, every text cell that a
spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return, a line
feed, a NUL, or the fullwidth ``＝ ＋ － ＠`` that some spreadsheets fold to their ASCII forms) gets a leading
apostrophe, as the OWASP CSV-injection guidance recommends. A cell that is a plain number (``-187345112``,
``+7.5``, ``-1e3``) is data, not a formula, and is written as it is, like the numbers we computed. JSON Lines keeps lists as JSON arrays and timestamps as ISO strings with ``Z``; Parquet keeps the Arrow
types, with timestamps marked UTC.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from botwatch.export.tables import iso_z

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\uff1d", "\uff0b", "\uff0d", "\uff20")
LIST_SEPARATOR = " | "
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralize_formula(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would take it for a formula (a plain number, such
    as a negative id, is left alone)."""
    if not text.startswith(FORMULA_START) or _NUMBER.fullmatch(text):
        return text
    return "'" + text


def _csv_scalar(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return iso_z(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_cell(value) -> str:
    """One CSV cell: scalars formatted, lists joined with ``" | "``, text neutralised against formulas."""
    if isinstance(value, list):
        return neutralize_formula(LIST_SEPARATOR.join(_csv_scalar(v) for v in value))
    if isinstance(value, str):
        return neutralize_formula(value)
    return _csv_scalar(value)


def write_csv(schema: pa.Schema, batches: Iterable[pa.RecordBatch], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(schema.names)
        for batch in batches:
            columns = [c.to_pylist() for c in batch.columns]
            writer.writerows([csv_cell(v) for v in row] for row in zip(*columns))


def write_jsonl(schema: pa.Schema, batches: Iterable[pa.RecordBatch], path: Path) -> None:
    options = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z | orjson.OPT_APPEND_NEWLINE
    with open(path, "wb") as fh:
        for batch in batches:
            for row in batch.to_pylist():
                fh.write(orjson.dumps(row, option=options))


def _utc_schema(schema: pa.Schema) -> pa.Schema:
    fields = []
    for f in schema:
        if pa.types.is_timestamp(f.type) and f.type.tz is None:
            f = f.with_type(pa.timestamp(f.type.unit, tz="UTC"))
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def write_parquet(schema: pa.Schema, batches: Iterable[pa.RecordBatch], path: Path) -> None:
    target = _utc_schema(schema)
    with pq.ParquetWriter(path, target, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch.cast(target))
