"""The per-account feature table: one row per account, one numeric column per declared account signal.

For a learned scorer (``botwatch train``) and for analysts. Columns, after ``platform`` and ``account_id``:

* ``<signal>``: the signal's value for the account (its meaning is in the detector's method note: e.g.
  ``registration_cohort`` creations in its densest window, ``office_hours`` the share of its items in office
  hours, ``handle_digits`` the trailing digits of its handle);
* ``<signal>_log10p`` for a tested signal: ``-log10`` of its p-value (0 when untested for that account, capped
  at 300).

A missing value (the account could not be measured: no creation date, too few items, no handle) is NULL. Every
account of the case has a row. Columns come from the signals the registered detectors declare, in registry
order, so a plugin's signals appear without any change here.
"""

from __future__ import annotations

import pyarrow as pa

from botwatch.detectors import declared_signals


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def account_feature_table(con, run_id: int | None = None) -> pa.Table:
    """The feature table of ``run_id`` (default: the latest run with account signals) as an Arrow table."""
    if run_id is None:
        run_id = con.execute("SELECT max(run_id) FROM account_signals").fetchall()[0][0] or 0
    cols = []
    for name, decl in declared_signals().items():
        lit = "'" + name.replace("'", "''") + "'"
        cols.append(f"max(s.value) FILTER (WHERE s.signal = {lit}) AS {_ident(name)}")
        if decl.tested:
            cols.append(
                f"coalesce(max(CASE WHEN s.p_value IS NOT NULL THEN least(300.0, -log10(greatest(s.p_value, 1e-300))) "
                f"END) FILTER (WHERE s.signal = {lit}), 0.0) AS {_ident(name + '_log10p')}"
            )
    select = ", ".join(["a.platform", "a.account_id", *cols])
    return con.sql(
        f"""SELECT {select} FROM accounts a LEFT JOIN account_signals s
            ON s.platform = a.platform AND s.account_id = a.account_id AND s.run_id = {int(run_id)}
            GROUP BY a.platform, a.account_id ORDER BY a.platform, a.account_id"""
    ).to_arrow_table()
