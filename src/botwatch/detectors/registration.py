"""Registration cohorts: accounts created unusually close together, and cohorts whose members later act together.

Accounts made by one operator are registered in waves: dozens in an afternoon. Whether twelve accounts in an hour
is a wave depends on the platform's background rate, so the test compares each window with its surroundings.

**Method** (a scan statistic with a local Poisson background). Per platform, sort the creation times of the
accounts that have one. For every account ``i`` the window ``[t_i, t_i + window_s]`` holds ``k_i`` creations.
The background is the creations within ``background_days`` on either side of that window (the window itself left
out): ``b_i`` creations over ``span_i`` seconds, so the window should hold ``lambda_i = (b_i + 1) * window_s /
span_i`` (one pseudo-creation keeps an empty background from making any pair a wave). The window's p-value is
``P(Poisson(lambda_i) >= k_i)``; windows with fewer than ``min_accounts`` creations are not tested. Every account
starts a window, so there are as many tests as accounts, and they overlap: q-values are Benjamini-Yekutieli
(valid under any dependence) over all windows of the platform. Overlapping significant windows are merged into
one cohort. An account's row carries its most significant window (``value``: creations in it, ``expected``:
``lambda``).

When at least 90 % of a platform's creation times are midnight, the platform only gives dates: the window grows
to a day.

**Later acting together.** For each cohort the description counts the members that have a significant edge (any
layer, written by the detectors that ran before) to another member of the same cohort. It is context for the
reader, not part of the test.

Never flags an account alone (see :class:`~botwatch.detectors.Signal`): a wave of registrations is also what a
school class, a promotion or a platform's marketing campaign produces.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pyarrow as pa

from botwatch.detectors.account_signals import SignalRows, format_p, write_signal_rows
from botwatch.detectors.base import Detector, Interval, RunContext, Setting, Signal
from botwatch.detectors.significance import fdr_qvalues, poisson_sf

DAY = 86400


def scan_windows(t: np.ndarray, window_s: float, background_s: float):
    """For sorted creation times ``t``: creations ``k`` in each window ``[t_i, t_i + window_s]`` and the
    background expectation ``lam`` of each (see the module doc)."""
    n = len(t)
    idx = np.arange(n)
    k = np.searchsorted(t, t + window_s, side="right") - idx
    lo = np.searchsorted(t, t - background_s, side="left")
    hi = np.searchsorted(t, t + window_s + background_s, side="right")
    background = hi - lo - k
    left = np.maximum(t - background_s, t[0])
    right = np.minimum(t + window_s + background_s, t[-1])
    span = np.maximum(right - left - window_s, window_s)
    lam = (background + 1) * window_s / span
    return k, lam


def _best_window(t: np.ndarray, p: np.ndarray, window_s: float) -> np.ndarray:
    """For each account ``j`` the index of the window with the smallest p among those that contain it (windows
    ``i`` with ``t_j - window_s <= t_i <= t_j``): a range-minimum query over a sparse table."""
    n = len(t)
    lo = np.searchsorted(t, t - window_s, side="left")
    hi = np.arange(n)
    table = [np.arange(n)]
    span = 1
    while 2 * span <= n:
        prev = table[-1]
        a, b = prev[:-span], prev[span:]
        table.append(np.where(p[a] <= p[b], a, b))
        span *= 2
    length = hi - lo + 1
    level = np.floor(np.log2(length)).astype(int)
    out = np.empty(n, dtype=np.int64)
    for lvl in np.unique(level):
        sel = np.flatnonzero(level == lvl)
        a = table[lvl][lo[sel]]
        b = table[lvl][hi[sel] - (1 << lvl) + 1]
        out[sel] = np.where(p[a] <= p[b], a, b)
    return out


class RegistrationCohortDetector(Detector):
    """Accounts created in a burst of registrations, tested against the platform's background creation rate."""

    name = "registration_cohorts"
    description = (
        "Accounts created unusually close together for their platform (scan statistic, Poisson null)"
    )
    signals = (Signal("registration_cohort", "created in a burst of registrations (never flags alone)"),)
    tables = ("account_signals",)
    requires = ("coaction", "text_coordination", "shared_avatar")
    settings = (
        Setting("window_s", 3600, Interval(int, 60, None), "length of the scanning window in seconds"),
        Setting(
            "background_days", 30, Interval(int, 1, None), "days on either side that give the background rate"
        ),
        Setting("min_accounts", 3, Interval(int, 2, None), "creations a window needs to be tested"),
        Setting(
            "fdr", 0.01, Interval(float, 0, 1), "false-discovery rate (Benjamini-Yekutieli over windows)"
        ),
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        con = ctx.con
        con.execute(
            "DELETE FROM account_signals WHERE run_id = ? AND signal = 'registration_cohort'", [ctx.run_id]
        )
        rows = con.sql(
            "SELECT platform, account_id, epoch(created_at) AS t FROM accounts WHERE created_at IS NOT NULL "
            "ORDER BY platform, created_at, account_id"
        ).to_arrow_table()
        if rows.num_rows == 0:
            return {"registration_cohort": "off: no account has a creation date"}
        platforms = rows.column("platform").to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.r_[True, platforms[1:] != platforms[:-1]])
        ends = np.r_[starts[1:], len(platforms)]
        ids = rows.column("account_id").to_pylist()
        t_all = rows.column("t").to_numpy().astype(np.float64)
        out = SignalRows("registration_cohort")
        cohorts = 0
        for a, b in zip(starts.tolist(), ends.tolist()):
            cohorts += self._platform(con, ctx.run_id, platforms[a], ids[a:b], t_all[a:b], out)
        n_sig = write_signal_rows(con, ctx.run_id, out, float(self.params["fdr"]))
        return {"accounts_with_dates": rows.num_rows, "cohorts": cohorts, "accounts_in_cohorts": n_sig}

    def _platform(self, con, run_id: int, platform: str, ids: list, t: np.ndarray, out: SignalRows) -> int:
        """Test one platform's accounts (``ids`` with sorted creation times ``t``); add a row per account."""
        window = float(self.params["window_s"])
        if np.mean(t % DAY == 0) >= 0.9:
            window = max(window, DAY)
        k, lam = scan_windows(t, window, float(self.params["background_days"]) * DAY)
        tested = k >= int(self.params["min_accounts"])
        p = np.where(tested, poisson_sf(k, lam), 1.0)
        q = fdr_qvalues(p, method="by")
        best = _best_window(t, p, window)
        sig_windows = np.flatnonzero(q <= float(self.params["fdr"]))
        cohort_of = self._cohorts(t, k, sig_windows, platform)
        acting = self._acting_together(con, run_id, platform, ids, cohort_of)
        size = Counter(cohort_of.values())
        text = [""] * len(ids)
        for j, cid in cohort_of.items():
            i = best[j]
            start = dt.datetime.fromtimestamp(t[i], dt.UTC).strftime("%Y-%m-%d %H:%M")
            text[j] = (
                f"created in registration cohort {cid} ({size[cid]} accounts): {k[i]} accounts within "
                f"{window / 3600:g} h from {start} UTC where the platform's background rate predicts "
                f"{lam[i]:.2g} (p = {format_p(p[i])}){acting.get(cid, '')}"
            )
        out.extend(
            platform,
            ids,
            k[best].astype(np.float64),
            lam[best],
            np.where(tested[best], p[best], np.nan),
            [cohort_of.get(j) for j in range(len(ids))],
            text,
        )
        return len(size)

    @staticmethod
    def _cohorts(t: np.ndarray, k: np.ndarray, windows: np.ndarray, platform: str) -> dict[int, str]:
        """Members (account index -> cohort id) of the significant windows, overlapping windows merged."""
        cohort_of: dict[int, str] = {}
        n, end = 0, -1
        for i in windows.tolist():
            if i > end:
                n += 1
            for j in range(i, i + int(k[i])):
                cohort_of[j] = f"R-{platform}-{n}"
            end = max(end, i + int(k[i]) - 1)
        return cohort_of

    @staticmethod
    def _acting_together(con, run_id: int, platform: str, ids: list, cohort_of: dict) -> dict[str, str]:
        """For each cohort, a phrase counting members with a significant edge to another member."""
        if not cohort_of:
            return {}
        members = pa.table(
            {
                "account_id": pa.array([ids[j] for j in cohort_of], pa.string()),
                "cohort": pa.array(list(cohort_of.values()), pa.string()),
            }
        )
        con.register("_rc_members", members)
        try:
            rows = con.execute(
                """WITH e AS (SELECT ma.cohort, e.account_a, e.account_b, e.layer
                              FROM edges e JOIN _rc_members ma ON ma.account_id = e.account_a
                              JOIN _rc_members mb ON mb.account_id = e.account_b AND mb.cohort = ma.cohort
                              WHERE e.run_id = ? AND e.platform = ? AND e.significant),
                   linked AS (SELECT cohort, count(DISTINCT account_id) AS n
                              FROM (SELECT cohort, account_a AS account_id FROM e
                                    UNION ALL SELECT cohort, account_b FROM e) GROUP BY cohort)
                   SELECT cohort, linked.n, list_sort(list(DISTINCT layer))
                   FROM e JOIN linked USING (cohort) GROUP BY cohort, linked.n""",
                [run_id, platform],
            ).fetchall()
        finally:
            con.unregister("_rc_members")
        return {c: f"; {n} of its members later act together ({', '.join(layers)})" for c, n, layers in rows}
