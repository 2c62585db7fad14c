"""Insert Python rows into a case table in one statement, by column name; name lists of ranks."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)


def insert_rows(con, table: str, rows: list[dict]) -> None:
    """Bulk insert ``rows`` (dicts keyed by column name; a column no row names is NULL) through Arrow;
    ``executemany`` costs about a millisecond per row. A name that is not a column of ``table`` raises
    ``ValueError``, so a schema change cannot shift values into the wrong columns."""
    if not rows:
        return
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    names = list(dict.fromkeys(name for row in rows for name in row))
    unknown = [n for n in names if n not in columns]
    if unknown:
        raise ValueError(f"{table} has no column {', '.join(unknown)}")
    arrays = {n: pa.array([row.get(n) for row in rows]) for n in names}
    con.register("_rows", pa.table(arrays))
    try:
        quoted = ", ".join(f'"{n}"' for n in names)
        con.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM _rows")
    finally:
        con.unregister("_rows")


def named_lists(ranks: pa.ChunkedArray, names: pa.Array) -> pa.ChunkedArray:
    """Lists of ranks (1-based positions in ``names``) as lists of the names at those positions. Detectors list
    items and targets by rank in SQL and name them here: lists of strings built per row cost several times
    lists of integers."""
    chunks = []
    for chunk in ranks.chunks:
        if chunk.offset:  # a slice: its child holds values outside it, and a mask cannot go with its offsets
            chunk = pa.concat_arrays([chunk])
        values = pa.compute.subtract(chunk.values, 1)
        mask = chunk.is_null() if chunk.null_count else None
        chunks.append(pa.ListArray.from_arrays(chunk.offsets, names.take(values), mask=mask))
    return pa.chunked_array(chunks, pa.list_(names.type))
