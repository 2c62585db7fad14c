"""Insert Python rows into a case table in one statement, by column name."""

from __future__ import annotations

import pyarrow as pa


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
