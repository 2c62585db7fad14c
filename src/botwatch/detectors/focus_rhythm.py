"""Focus and rhythm: where and when an account acts, compared with the case's background.

A nurbot comments under two official pages only, on weekdays in office hours, at a steady pace, and lives a few
weeks. Each of these is tested per account against the case's own items on the same platform (accounts with at
least ``min_items`` items), with Benjamini-Hochberg q-values over the accounts:

* ``page_focus``: the share of its items under its ``focus_pages`` busiest pages. If its items fell on pages like
  the platform's items do, the count on those pages would be Binomial(n, s) with ``s`` the pages' share of all
  items; the p-value is the upper tail times ``C(P, j)`` (Bonferroni over the ways of choosing its ``j`` pages
  among the platform's ``P``, since the pages are chosen after looking).
* ``office_hours`` and ``weekday_share``: items on weekdays from ``office_start`` to ``office_end`` (and on
  weekdays at all) in local time, Binomial against the platform's own share. Local time comes from the
  ``timezone`` setting (``botwatch detect --timezone``), else from the zone each source was ingested with
  (``botwatch ingest --timezone``); with neither, these signals are off and the run summary says so — no region
  is assumed.
* ``regular_intervals``: Moran's statistic ``M = m ln(mean g) - sum ln g`` over the ``m`` gaps ``g`` (seconds + 1)
  between consecutive items; it is 0 for a metronome and grows with burstiness. Under a Poisson process (gaps
  exponential) ``E[M] = m (gamma + psi(m) - ln m)`` and ``Var[M] = m pi^2 / 6 - m^2 psi'(m)``; the p-value is the
  lower tail of the gamma distribution with that mean and variance.
* ``short_lifetime``: the span between its first and last item, measured on the platform's item-time scale
  ``u`` (the share of the platform's items before a time, so that collection gaps do not count). For ``n`` items
  placed like the platform's, the chance that all fall within a span ``r`` is ``n r^(n-1) - (n-1) r^n`` (the range
  of ``n`` uniforms).

**Null** (``null``). These theoretical nulls ("items placed like the platform's items") are false for people,
who keep to their own pages, hours and active periods: on VK media comments they called 99 % of the accounts
focused. With ``null = "empirical"`` (the default) ``page_focus``, ``office_hours``, ``weekday_share`` and
``short_lifetime`` are also tested against the platform's accounts of similar activity (bins of at least
``min_reference`` accounts; :mod:`botwatch.detectors.empirical_null`), and the larger p-value counts. A platform
with fewer accounts keeps the theoretical null; the run summary says which null each signal used (``nulls``) and
records every bin's fit (``null_fits``). ``regular_intervals`` keeps its Poisson null (it is rare already).

None flags an account alone: loyal readers of one page, people who comment from work, and newcomers look the same.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special
import scipy.stats

from botwatch.detectors.account_signals import SignalRows, format_p, write_signal_rows
from botwatch.detectors.base import Detector, Interval, OneOf, RunContext, Setting, Signal
from botwatch.detectors.empirical_null import (
    activity_bins,
    betabinom_tail,
    fit_betabinom,
    fit_bins,
    fit_span,
)
from botwatch.settings import IsTimeZone
from botwatch.store.sql import sql_str

SIGNALS = ("page_focus", "office_hours", "weekday_share", "regular_intervals", "short_lifetime")
# With the empirical null, on a platform too small for one: page focus and lifetime are not tested (their
# theoretical nulls called 99 % and 80 % of VK's accounts significant); office hours and weekdays keep the
# binomial (6-15 % on VK and Reddit: an excess, not noise).
SMALL_PLATFORM = {"page_focus": "off", "short_lifetime": "off", "office_hours": "theoretical",
                  "weekday_share": "theoretical"}  # fmt: skip


def moran_pvalue(m: np.ndarray, stat: np.ndarray) -> np.ndarray:
    """Lower-tail p-value of Moran's statistic for ``m`` exponential gaps: a gamma distribution with its exact
    mean ``m (gamma + psi(m) - ln m)`` and variance ``m pi^2 / 6 - m^2 psi'(m)`` (the statistic is positive and
    right-skewed; a normal approximation halves the rate of small p-values at 30 gaps)."""
    m = np.asarray(m, dtype=np.float64)
    mean = m * (np.euler_gamma + scipy.special.digamma(m) - np.log(m))
    var = m * math.pi**2 / 6 - m * m * scipy.special.polygamma(1, m)
    return scipy.stats.gamma.cdf(np.asarray(stat, dtype=np.float64), mean * mean / var, scale=var / mean)


def range_pvalue(n: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``P(max - min <= r)`` for ``n`` independent uniforms on [0, 1]."""
    n = np.asarray(n, dtype=np.float64)
    r = np.clip(np.asarray(r, dtype=np.float64), 0.0, 1.0)
    return np.clip(n * r ** (n - 1) - (n - 1) * r**n, 0.0, 1.0)


class FocusRhythmDetector(Detector):
    """Per-account focus on few pages, office-hours and weekday rhythm, regular pace and short lifetime."""

    name = "focus_rhythm"
    description = (
        "Accounts focused on few pages, in office hours, at a regular pace or short-lived (per account)"
    )
    signals = (
        Signal("page_focus", "acts under few pages, more than the background (never flags alone)"),
        Signal(
            "office_hours", "acts on weekdays in office hours of the case's time zone (never flags alone)"
        ),
        Signal("weekday_share", "acts on weekdays more than the background (never flags alone)"),
        Signal("regular_intervals", "acts at a regular pace (never flags alone)"),
        Signal("short_lifetime", "all its activity falls in a short span (never flags alone)"),
    )
    tables = ("account_signals",)
    settings = (
        Setting(
            "timezone",
            "",
            IsTimeZone(optional=True),
            "local time zone of the case; '' takes each source's ingest zone, or turns the rhythm signals off",
        ),
        Setting("min_items", 10, Interval(int, 3, None), "items an account needs to be tested"),
        Setting("focus_pages", 2, Interval(int, 1, None), "the small set of pages: its busiest this many"),
        Setting("office_start", 9, Interval(int, 0, 23), "first hour of the office day (local)"),
        Setting("office_end", 18, Interval(int, 1, 24), "hour the office day ends (local, exclusive)"),
        Setting(
            "null",
            "empirical",
            OneOf(("empirical", "theoretical")),
            "page_focus, office_hours, weekday_share, short_lifetime against the platform's accounts of similar "
            "activity (empirical), or against its items alone (theoretical: binomial / uniform)",
        ),
        Setting(
            "min_reference",
            50,
            Interval(int, 10, None),
            "accounts per activity bin an empirical null needs; with fewer on a platform, page_focus and "
            "short_lifetime are not tested there and office hours use the binomial",
        ),
        Setting(
            "fdr", 0.01, Interval(float, 0, 1), "false-discovery rate (Benjamini-Hochberg over accounts)"
        ),
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        con = ctx.con
        con.execute(
            f"DELETE FROM account_signals WHERE run_id = ? AND signal IN ({', '.join(map(sql_str, SIGNALS))})",
            [ctx.run_id],
        )
        rows = self._accounts(con)
        if not rows:
            return {"accounts_tested": 0}
        cols = {k: np.array([r[i] for r in rows], dtype=object) for i, k in enumerate(_COLUMNS)}
        fdr = float(self.params["fdr"])
        self._nulls, self._fits = {}, []
        summary: dict = {"accounts_tested": len(rows)}
        summary["page_focus"] = write_signal_rows(con, ctx.run_id, self._focus(con, rows, cols), fdr)
        if int(np.sum(cols["n_tz"])) == 0:
            off = "off: no time zone (pass botwatch detect --timezone, or ingest with --timezone)"
            summary["office_hours"] = summary["weekday_share"] = off
        else:
            office, weekday = self._rhythm(con, rows, cols)
            summary["office_hours"] = write_signal_rows(con, ctx.run_id, office, fdr)
            summary["weekday_share"] = write_signal_rows(con, ctx.run_id, weekday, fdr)
        summary["regular_intervals"] = write_signal_rows(con, ctx.run_id, self._regular(rows, cols), fdr)
        summary["short_lifetime"] = write_signal_rows(con, ctx.run_id, self._lifetime(rows, cols), fdr)
        summary["nulls"] = {k: "; ".join(v) for k, v in self._nulls.items()}
        summary["null_fits"] = self._fits
        return summary

    def _null(self, signal, platforms, n, p_theory, fit, pvalues) -> tuple[np.ndarray, list[str]]:
        """p-values under the ``null`` setting and, per account, what it was compared with (for the evidence).
        Empirical: per platform and activity bin (see :mod:`botwatch.detectors.empirical_null`), ``fit(idx)``
        gives a bin's parameters and ``pvalues(idx, params)`` the accounts' p-values, never below the
        theoretical ones. On a platform with fewer than ``min_reference`` accounts, ``SMALL_PLATFORM`` says
        what happens: the theoretical null, or not tested (p-value NaN, written as none)."""
        p = np.asarray(p_theory, dtype=np.float64).copy()
        against = ["against the platform's items"] * len(p)
        notes = self._nulls.setdefault(signal, [])
        if self.params["null"] != "empirical":
            notes.append("theoretical (setting null)")
            return p, against
        m = int(self.params["min_reference"])
        for platform in sorted(set(platforms.tolist())):
            idx = np.flatnonzero(platforms == platform)
            bins = activity_bins(n[idx], m)
            if bins is None:
                few = f"{len(idx)} accounts, fewer than min_reference {m}"
                if SMALL_PLATFORM[signal] == "off":
                    notes.append(f"{platform}: not tested ({few}; null = 'theoretical' tests them)")
                    p[idx] = np.nan
                    why = f"not tested: too few accounts ({len(idx)}) for an empirical null"
                else:
                    notes.append(f"{platform}: theoretical ({few})")
                    why = f"against the platform's items; too few accounts ({len(idx)}) for an empirical null"
                for j in idx:
                    against[j] = why
                continue
            pe, fits = fit_bins(n, [idx[b] for b in bins], fit, pvalues)
            for b, f in zip(bins, fits):
                p[idx[b]] = np.maximum(p[idx[b]], pe[idx[b]])
                for j in idx[b]:
                    against[j] = f"against the platform's {f.accounts} accounts with {f.lo}-{f.hi} items"
                self._fits.append(f.as_dict(platform, signal))
            notes.append(f"{platform}: empirical ({len(bins)} activity bins)")
        return p, against

    def _local_time_sql(self) -> str:
        """SQL for an item's local time (``i``: items, ``s``: its source): the ``timezone`` setting, else the
        source's ingest zone, else NULL."""
        tz = sql_str(self.params["timezone"]) if self.params["timezone"] else "NULL"
        return f"timezone(coalesce({tz}, s.timezone), timezone('UTC', i.created_at))"

    def _office_sql(self) -> str:
        p = self.params
        return (
            f"isodow(lt) <= 5 AND hour(lt) >= {int(p['office_start'])} AND hour(lt) < {int(p['office_end'])}"
        )

    def _accounts(self, con) -> list[tuple]:
        """One row per account with ``min_items`` items: see ``_COLUMNS``."""
        p = self.params
        office = self._office_sql()
        return con.execute(f"""
            WITH it AS (SELECT i.platform, i.account_id, i.channel, epoch(i.created_at) AS e,
                               percent_rank() OVER (PARTITION BY i.platform ORDER BY i.created_at) AS u,
                               {self._local_time_sql()} AS lt
                        FROM items i LEFT JOIN sources s USING (source_id)),
            g AS (SELECT platform, account_id, e,
                         e - lag(e) OVER (PARTITION BY platform, account_id ORDER BY e) + 1 AS g FROM it),
            -- summed in (time, gap) order: a float sum in parallel differs in the last bits from run to run
            gaps AS (SELECT platform, account_id, count(g) AS m, sum(ln(g) ORDER BY e, g) AS sum_ln,
                            avg(g ORDER BY e, g) AS mean_g
                     FROM g WHERE g IS NOT NULL GROUP BY 1, 2),
            ch AS (SELECT platform, account_id, channel, count(*) AS c,
                          row_number() OVER (PARTITION BY platform, account_id ORDER BY count(*) DESC, channel) AS r
                   FROM it WHERE channel IS NOT NULL GROUP BY 1, 2, 3),
            top AS (SELECT platform, account_id, sum(c) AS n_top, list(channel ORDER BY r) AS pages
                    FROM ch WHERE r <= {int(p["focus_pages"])} GROUP BY 1, 2),
            acc AS (SELECT platform, account_id, count(*) AS n, min(u) AS u0, max(u) AS u1, count(lt) AS n_tz,
                           count_if({office}) AS n_office, count_if(isodow(lt) <= 5) AS n_weekday,
                           count(channel) AS n_ch
                    FROM it GROUP BY 1, 2 HAVING count(*) >= {int(p["min_items"])})
            SELECT acc.*, coalesce(gaps.m, 0), gaps.sum_ln, gaps.mean_g, coalesce(top.n_top, 0), top.pages
            FROM acc LEFT JOIN gaps USING (platform, account_id) LEFT JOIN top USING (platform, account_id)
            ORDER BY 1, 2""").fetchall()

    def _focus(self, con, rows, cols) -> SignalRows:
        out = SignalRows("page_focus")
        share = {
            (platform, channel): s
            for platform, channel, s in con.execute(
                """SELECT platform, channel, count(*) / sum(count(*)) OVER (PARTITION BY platform) FROM items
                   WHERE channel IS NOT NULL GROUP BY 1, 2"""
            ).fetchall()
        }
        n_pages: dict = {}
        for platform, _ in share:
            n_pages[platform] = n_pages.get(platform, 0) + 1
        ok = [j for j, r in enumerate(rows) if r[-1] and cols["n_ch"][j] > 0]
        if not ok:
            return out
        plat = np.array([rows[j][0] for j in ok], dtype=object)
        n = cols["n_ch"][ok].astype(np.float64)
        top = cols["n_top"][ok].astype(np.float64)
        s = np.array([min(1.0, sum(share.get((rows[j][0], c), 0.0) for c in rows[j][-1])) for j in ok])
        choices = np.array([math.comb(n_pages[rows[j][0]], len(rows[j][-1])) for j in ok], dtype=np.float64)
        theory = np.minimum(1.0, choices * scipy.stats.binom.sf(top - 1, n, s))

        def pvalues(idx, params):
            return np.maximum(theory[idx], betabinom_tail(top[idx], n[idx], *params))

        fit = lambda idx: fit_betabinom(top[idx], n[idx])  # noqa: E731
        p, against = self._null("page_focus", plat, n, theory, fit, pvalues)
        for i, j in enumerate(ok):
            pages = rows[j][-1]
            text = (
                f"{int(top[i])} of its {int(n[i])} items are under {len(pages)} page(s) ({', '.join(pages)}) "
                f"that carry {s[i]:.1%} of the platform's items ({_p_text(p[i], against[i])})"
            )
            out.add(rows[j][0], rows[j][1], top[i] / n[i], s[i] * n[i], _p(p[i]), None, text)
        return out

    def _rhythm(self, con, rows, cols) -> tuple[SignalRows, SignalRows]:
        base = dict(
            (r[0], (r[1], r[2]))
            for r in con.execute(
                f"""WITH l AS (SELECT i.platform, {self._local_time_sql()} AS lt
                               FROM items i LEFT JOIN sources s USING (source_id))
                    SELECT platform, avg(CASE WHEN {self._office_sql()} THEN 1.0 ELSE 0.0 END),
                           avg(CASE WHEN isodow(lt) <= 5 THEN 1.0 ELSE 0.0 END)
                    FROM l WHERE lt IS NOT NULL GROUP BY 1"""
            ).fetchall()
        )
        hours = f"{int(self.params['office_start']):02d}-{int(self.params['office_end']):02d}"
        ok = [j for j, r in enumerate(rows) if int(cols["n_tz"][j]) > 0 and r[0] in base]
        plat = np.array([rows[j][0] for j in ok], dtype=object)
        n = cols["n_tz"][ok].astype(np.float64)
        result = []
        for signal, column, which, what in (
            ("office_hours", "n_office", 0, f"on weekdays {hours} local time"),
            ("weekday_share", "n_weekday", 1, "on weekdays"),
        ):
            out = SignalRows(signal)
            k = cols[column][ok].astype(np.float64)
            p0 = np.array([base[rows[j][0]][which] for j in ok], dtype=np.float64)
            theory = scipy.stats.binom.sf(k - 1, n, p0)
            p, against = self._null(signal, plat, n, theory, *_binary_null(k, n, p0, theory))
            for i, j in enumerate(ok):
                text = (
                    f"{int(k[i])} of its {int(n[i])} items were posted {what}, where the platform's items give "
                    f"{p0[i]:.0%} ({_p_text(p[i], against[i])})"
                )
                out.add(rows[j][0], rows[j][1], k[i] / n[i], p0[i], _p(p[i]), None, text)
            result.append(out)
        return result[0], result[1]

    @staticmethod
    def _regular(rows, cols) -> SignalRows:
        out = SignalRows("regular_intervals")
        m = cols["m"].astype(np.float64)
        ok = m >= 2
        stat = np.zeros(len(rows))
        stat[ok] = m[ok] * np.log(cols["mean_g"][ok].astype(np.float64)) - cols["sum_ln"][ok].astype(
            np.float64
        )
        p = np.ones(len(rows))
        p[ok] = moran_pvalue(m[ok], stat[ok])
        for j in np.flatnonzero(ok):
            r = rows[j]
            cv = stat[j] / m[j]
            text = (
                f"its {int(m[j])} gaps between items (mean {float(cols['mean_g'][j]) / 3600:.1f} h) are more "
                f"regular than a random pace gives (Moran M/m = {cv:.2f}, about 0.58 at random; p = {format_p(p[j])})"
            )
            out.add(r[0], r[1], cv, None, p[j], None, text)
        return out

    def _lifetime(self, rows, cols) -> SignalRows:
        out = SignalRows("short_lifetime")
        n = cols["n"].astype(np.float64)
        span = (cols["u1"] - cols["u0"]).astype(np.float64)
        theory = range_pvalue(n, span)

        def pvalues(idx, params):
            return np.maximum(theory[idx], scipy.stats.beta.cdf(np.clip(span[idx], 0, 1), *params))

        plat = cols["platform"]
        p, against = self._null("short_lifetime", plat, n, theory, lambda idx: fit_span(span[idx]), pvalues)
        for j, r in enumerate(rows):
            text = (
                f"its {int(n[j])} items fall within {span[j]:.1%} of the platform's activity (by item count) "
                f"({_p_text(p[j], against[j])})"
            )
            out.add(r[0], r[1], span[j], None, _p(p[j]), None, text)
        return out


def _p(p: float) -> float | None:
    return None if math.isnan(p) else float(p)


def _p_text(p: float, against: str) -> str:
    """The end of an evidence sentence: the p-value and what the account was compared with."""
    return against if math.isnan(p) else f"p = {format_p(p)} {against}"


def _binary_null(k: np.ndarray, n: np.ndarray, p0: np.ndarray, theory: np.ndarray):
    """``fit`` and ``pvalues`` for a count ``k`` of ``n`` items against the platform's share ``p0``: a
    beta-binomial with mean ``p0`` whose concentration is fitted to the bin's accounts."""

    def fit(idx):
        return fit_betabinom(k[idx], n[idx], mean=p0[idx])

    def pvalues(idx, params):
        if math.isinf(params[0]):
            return theory[idx]
        alpha = params[0]
        tail = betabinom_tail(k[idx], n[idx], alpha * p0[idx], alpha * (1 - p0[idx]))
        return np.maximum(theory[idx], tail)

    return fit, pvalues


_COLUMNS = (
    "platform", "account_id", "n", "u0", "u1", "n_tz", "n_office", "n_weekday", "n_ch", "m", "sum_ln", "mean_g",
    "n_top", "pages",
)  # fmt: skip
