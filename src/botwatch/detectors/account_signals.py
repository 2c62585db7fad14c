"""What the account-signal detectors share: writing ``account_signals`` rows with false-discovery control.

Each account-signal detector (``registration_cohorts``, ``generated_names``, ``focus_rhythm``) measures one
value per account and signal, tests it against the case's own background and hands the rows here. q-values are
Benjamini-Hochberg over the accounts tested for that signal on that platform (:func:`fdr_qvalues`); a row is
significant at ``q <= fdr``. Rows of an untested signal (a plain feature) carry no p-value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from botwatch.detectors.significance import fdr_qvalues


@dataclass
class SignalRows:
    """Rows of one signal before their q-values: parallel lists, one entry per account."""

    signal: str
    platform: list = field(default_factory=list)
    account_id: list = field(default_factory=list)
    value: list = field(default_factory=list)
    expected: list = field(default_factory=list)
    p_value: list = field(default_factory=list)
    group_id: list = field(default_factory=list)
    description: list = field(default_factory=list)
    item_ids: list = field(default_factory=list)

    def add(
        self, platform, account_id, value, expected=None, p_value=None, group_id=None, description="", ids=()
    ):
        self.platform.append(platform)
        self.account_id.append(account_id)
        self.value.append(None if value is None else float(value))
        self.expected.append(None if expected is None else float(expected))
        self.p_value.append(None if p_value is None else float(p_value))
        self.group_id.append(group_id)
        self.description.append(description)
        self.item_ids.append(list(ids)[:100])

    def extend(
        self, platform: str, account_ids: list, values, expected, p_values, group_ids: list, descriptions
    ):
        """Rows for many accounts of one platform at once: ``values``, ``expected`` and ``p_values`` are float
        arrays (a NaN p-value: untested), the rest lists aligned with ``account_ids``; no item ids."""
        n = len(account_ids)
        self.platform.extend([platform] * n)
        self.account_id.extend(account_ids)
        self.value.extend(np.asarray(values, dtype=np.float64).tolist())
        self.expected.extend(np.asarray(expected, dtype=np.float64).tolist())
        p = np.asarray(p_values, dtype=np.float64)
        self.p_value.extend(np.where(np.isnan(p), None, p).tolist())
        self.group_id.extend(group_ids)
        self.description.extend(descriptions)
        self.item_ids.extend([] for _ in range(n))


def write_signal_rows(
    con, run_id: int, rows: SignalRows, fdr: float, method: str = "bh", hypotheses: dict | None = None
) -> int:
    """Insert ``rows`` for ``run_id`` with q-values per platform; return the number of significant rows.
    ``hypotheses`` (platform -> count) says how many tests were made when rows are written only for some of them
    (the others count with p = 1)."""
    n = len(rows.account_id)
    q = [None] * n
    by_platform: dict[str, list[int]] = defaultdict(list)
    for i, (platform, p) in enumerate(zip(rows.platform, rows.p_value)):
        if p is not None:
            by_platform[platform].append(i)
    for idx in by_platform.values():
        platform = rows.platform[idx[0]]
        m = (hypotheses or {}).get(platform)
        qs = fdr_qvalues(np.array([rows.p_value[i] for i in idx]), m=m, method=method)
        for i, v in zip(idx, qs.tolist()):
            q[i] = v
    sig = [v is not None and v <= fdr for v in q]
    if not n:
        return 0
    table = pa.table(
        {
            "run_id": pa.array([run_id] * n, pa.int32()),
            "platform": pa.array(rows.platform, pa.string()),
            "account_id": pa.array(rows.account_id, pa.string()),
            "signal": pa.array([rows.signal] * n, pa.string()),
            "value": pa.array(rows.value, pa.float64()),
            "expected": pa.array(rows.expected, pa.float64()),
            "p_value": pa.array(rows.p_value, pa.float64()),
            "q_value": pa.array(q, pa.float64()),
            "significant": pa.array(sig, pa.bool_()),
            "group_id": pa.array(rows.group_id, pa.string()),
            "description": pa.array(rows.description, pa.string()),
            "item_ids": pa.array(rows.item_ids, pa.list_(pa.string())),
        }
    )
    con.register("_signal_rows", table)
    try:
        con.execute("INSERT INTO account_signals BY NAME SELECT * FROM _signal_rows")
    finally:
        con.unregister("_signal_rows")
    return int(sum(sig))


def format_p(p: float | None) -> str:
    """A p- or q-value for a sentence: ``1.2e-07``, ``0.03``."""
    return "?" if p is None else f"{p:.2g}"
