"""Insert Python row tuples into a case table in one statement."""

from __future__ import annotations

import pyarrow as pa


def insert_rows(con, table: str, rows: list[tuple]) -> None:
    """Bulk insert ``rows`` (tuples in the table's column order) through Arrow; ``executemany`` costs about a
    millisecond per row."""
    if not rows:
        return
    names = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    arrays = {n: pa.array(list(c)) for n, c in zip(names, zip(*rows))}
    con.register("_rows", pa.table(arrays))
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
    finally:
        con.unregister("_rows")
