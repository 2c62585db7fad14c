"""Empirical nulls for per-account signals: an account against the case's accounts of similar activity.

A theoretical null such as "its items fall on pages like the platform's items" is false for people: each keeps
to a few pages, has a routine and an active period, so on real data it calls nearly everyone significant. The
nulls here are fitted to the case's own accounts on the same platform, in bins of similar activity, so that a
p-value reads "more than most accounts that post this much here", not "more than random items". Callers report
the larger of this p-value and the theoretical one, so the empirical null can only remove findings.

* **Counts** (items under its busiest pages, items in office hours): a beta-binomial ``BB(n, a, b)``: each
  account has its own share, drawn from a beta distribution across the bin's accounts
  (:func:`fit_betabinom`). For office hours the mean is the platform's share and only the concentration
  ``alpha = a + b`` is fitted (small: people keep their own hours; ``inf``: the binomial); for page focus both
  are fitted to the share under each account's own busiest pages, whichever pages those are.
* **Spans** (lifetime on the item-time scale): a beta distribution (:func:`fit_span`).

**Activity bins** (:func:`activity_bins`): doubling ranges of item counts (10-19, 20-39, ...), merged with their
neighbours until each holds ``min_reference`` accounts. A platform with fewer tested accounts has no empirical
null; the caller falls back to its theoretical null and says so.

**Contamination.** Planted accounts sit in the tested tail and often in one activity bin. The count fits are
maximum likelihood with the accounts above a quantile of the bin's shares censored (each counts only as "above
it"): the lower quarter for office hours and weekdays (one parameter; holds while three quarters of a bin are
planted), the median for page focus (two parameters; holds while half is). Beyond that the fit describes the
planted accounts and they do not stand out: power is lost, never a finding added. Spans are fitted uncensored (see
:func:`fit_span`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.special
import scipy.stats

ALPHA_BOUNDS = (1e-2, 1e4)  # beyond 1e4 the beta-binomial is the binomial for these counts


def activity_bins(n: np.ndarray, min_reference: int) -> list[np.ndarray] | None:
    """Indices of the accounts in each activity bin (doubling ranges of ``n`` from its minimum, merged upward
    until each bin holds ``min_reference`` accounts, the last merged into the one before); ``None`` when there
    are fewer than ``min_reference`` accounts in all."""
    n = np.asarray(n, dtype=np.float64)
    if len(n) < min_reference or len(n) == 0:
        return None
    level = np.floor(np.log2(n / max(n.min(), 1.0))).astype(np.int64)
    groups: list[list[int]] = []
    current: list[int] = []
    for lv in np.unique(level):
        current.extend(np.flatnonzero(level == lv).tolist())
        if len(current) >= min_reference:
            groups.append(current)
            current = []
    if current:
        if groups:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return [np.sort(np.asarray(g, dtype=np.int64)) for g in groups]


FIT_SAMPLE = 1000  # accounts of a bin its parameters are fitted on (all when fewer)


def betabinom_tail(k, n, a, b) -> np.ndarray:
    """``P(X >= k)`` for ``X ~ BB(n, a, b)``, summed in log space (exact in the far tail, where scipy's
    ``1 - cdf`` rounds to 0). ``k <= 0`` gives 1, ``k > n`` gives 0. ``P(X <= k)`` is ``betabinom_tail(n - k, n,
    b, a)``."""
    k, n, a, b = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (k, n, a, b)))
    return _TailTerms(k.ravel(), n.ravel()).tail(a.ravel(), b.ravel()).reshape(k.shape)


class _TailTerms:
    """The terms of ``P(X >= k)`` for fixed counts ``k`` of ``n`` (1-d), ready for any ``(a, b)``: a fit
    evaluates the tail hundreds of times on the same counts, so the terms and their binomial coefficients are
    laid out once."""

    def __init__(self, k: np.ndarray, n: np.ndarray):
        self.base = np.where(k <= 0, 1.0, 0.0)
        self.idx = np.flatnonzero((k > 0) & (k <= n))
        lo, hi = k[self.idx].astype(np.int64), n[self.idx].astype(np.int64)
        lengths = hi - lo + 1
        self.starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        self.owner = np.repeat(np.arange(len(self.idx)), lengths)
        x = lo[self.owner] + (np.arange(lengths.sum()) - self.starts[self.owner])
        self.terms = _Counts(x.astype(np.float64), n[self.idx][self.owner])

    def tail(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The tail under ``BB(n, a, b)``; ``a`` and ``b`` aligned with ``k``."""
        out = self.base.copy()
        if len(self.idx):
            logpmf = self.terms.logpmf(a[self.idx], b[self.idx], self.owner)
            out[self.idx] = np.exp(np.logaddexp.reduceat(logpmf, self.starts))
        return np.clip(out, 0.0, 1.0)


class _Counts:
    """Counts ``x`` of ``n`` (1-d floats) whose log-probabilities a fit evaluates hundreds of times. Within a
    bin every count has the same ``(a, b)``, and the counts take few distinct ``(x, n)`` values (a few hundred
    for thousands of counts), so each distinct pair is computed once and spread back: the same numbers as
    computing every count."""

    def __init__(self, x: np.ndarray, n: np.ndarray):
        self.x, self.n = x, n
        key = x * (float(n.max(initial=0.0)) + 1.0) + n  # exact: counts are small integers
        _, first, self.inverse = np.unique(key, return_index=True, return_inverse=True)
        self.ux, self.un = x[first], n[first]
        self.lbinom_u = _lbinom(self.ux, self.un)

    def logpmf(self, a: np.ndarray, b: np.ndarray, owner: np.ndarray | None = None) -> np.ndarray:
        """log P(X = x) for every count under BB(n, a, b); ``a`` and ``b`` aligned with the counts, or with the
        rows that ``owner`` maps each count to."""
        if len(a) and (a == a[0]).all() and (b == b[0]).all():
            return _logpmf(self.ux, self.un, a[0], b[0], self.lbinom_u)[self.inverse]
        if owner is not None:
            a, b = a[owner], b[owner]
        return _logpmf(self.x, self.n, a, b, self.lbinom_u[self.inverse])


def _lbinom(x, n):
    g = scipy.special.gammaln
    return g(n + 1) - g(x + 1) - g(n - x + 1)


def _logpmf(x, n, a, b, lbinom):
    """log P(X = x) under BB(n, a, b), given ``lbinom = _lbinom(x, n)`` (fixed while a fit searches a, b)."""
    return lbinom + scipy.special.betaln(x + a, n - x + b) - scipy.special.betaln(a, b)


def fit_betabinom(
    k: np.ndarray, n: np.ndarray, mean: np.ndarray | None = None, quantile: float | None = None
) -> tuple[float, float]:
    """Beta-binomial ``(a, b)`` for counts ``k`` of ``n`` items, by maximum likelihood with the accounts above the
    ``quantile`` of the shares ``k / n`` censored (each counts only as ``P(K >= its first count above it)``).

    With ``mean`` (each account's expected share, e.g. the platform's), ``a = alpha mean`` and ``b = alpha (1 -
    mean)`` and only ``alpha`` is fitted (searched within ``ALPHA_BOUNDS``): ``(alpha, nan)`` is returned, ``(inf,
    inf)`` at the upper bound (no overdispersion: the binomial). The default ``quantile`` is then 0.25: one
    parameter is well set by the lower quarter, and the fit holds while three quarters of a bin are planted.
    Without ``mean``, ``a`` and ``b`` are both fitted (log scale, Nelder-Mead from the moments) and the default
    ``quantile`` is the median: two parameters fitted to the lower quarter extrapolate badly (on Reddit they
    called 10 % of the ordinary accounts focused, against none from the lower half)."""
    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    q = (0.25 if mean is not None else 0.5) if quantile is None else quantile
    cut = np.floor(float(np.quantile(k / n, q)) * n) + 1
    above = k >= cut

    below = ~above
    counts_below = _Counts(k[below], n[below])
    tail_terms = _TailTerms(cut[above], n[above])  # laid out once for every step of the search

    def nll(a, b) -> float:
        a, b = np.broadcast_to(a, k.shape), np.broadcast_to(b, k.shape)
        ll = counts_below.logpmf(a[below], b[below]).sum()
        tail = tail_terms.tail(a[above], b[above])
        return -float(ll + np.log(np.maximum(tail, 1e-300)).sum())

    if mean is not None:
        m = np.clip(np.asarray(mean, dtype=np.float64), 1e-9, 1 - 1e-9)
        lo, hi = (math.log(x) for x in ALPHA_BOUNDS)
        res = scipy.optimize.minimize_scalar(
            lambda t: nll(math.exp(t) * m, math.exp(t) * (1 - m)), bounds=(lo, hi), method="bounded"
        )
        return (math.inf, math.inf) if res.x > hi - 0.05 else (float(math.exp(res.x)), math.nan)
    share = np.clip(k / n, 0.01, 0.99)
    mu, var = share.mean(), max(share.var(), 1e-4)
    start = max(mu * (1 - mu) / var - 1, 0.1)
    res = scipy.optimize.minimize(
        lambda t: nll(*np.exp(np.clip(t, -30.0, 30.0))),
        x0=[math.log(start * mu), math.log(start * (1 - mu))],
        method="Nelder-Mead",
        options={"xatol": 1e-3, "fatol": 1e-3},
    )
    a, b = np.exp(np.clip(res.x, -30.0, 30.0))
    return float(a), float(b)


def fit_span(r: np.ndarray) -> tuple[float, float]:
    """Beta distribution ``(a, b)`` of spans ``r`` in (0, 1) by maximum likelihood over every account of the bin
    (spans clipped to [1e-4, 1 - 1e-4]). Not censored: people's short spans have a long left tail that a fit
    on the longer half cannot extrapolate (it called 12 % of Reddit's ordinary accounts short-lived), so
    short-lived planted accounts in the bin widen the fit and lose power instead."""
    r = np.clip(np.asarray(r, dtype=np.float64), 1e-4, 1 - 1e-4)
    a, b, _, _ = scipy.stats.beta.fit(r, floc=0, fscale=1)
    return float(a), float(b)


@dataclass
class BinFit:
    """One activity bin's fit: the range of item counts, accounts, parameters."""

    lo: int
    hi: int
    accounts: int
    params: tuple

    def as_dict(self, platform: str, signal: str) -> dict:
        return {
            "signal": signal,
            "platform": platform,
            "items": [self.lo, self.hi],
            "accounts": self.accounts,
            "params": [None if not math.isfinite(x) else round(x, 4) for x in self.params],
        }


def fit_bins(
    n: np.ndarray,
    bins: list[np.ndarray],
    fit: Callable[[np.ndarray], tuple],
    pvalues: Callable[[np.ndarray, tuple], np.ndarray],
) -> tuple[np.ndarray, list[BinFit]]:
    """p-values of every account under its bin's fit: ``fit(idx)`` returns a bin's parameters from its accounts
    ``idx``, ``pvalues(idx, params)`` their p-values."""
    p = np.ones(len(n))
    fits = []
    for idx in bins:
        # a bin's fit needs a sample, not every account: evenly spaced (accounts are in id order, unrelated to
        # their activity), so a bin of a hot case's 10k heavy commenters fits in the time of 1,000
        sample = (
            idx if len(idx) <= FIT_SAMPLE else idx[np.linspace(0, len(idx) - 1, FIT_SAMPLE).astype(np.int64)]
        )
        params = fit(sample)
        p[idx] = pvalues(idx, params)
        fits.append(BinFit(int(n[idx].min()), int(n[idx].max()), len(idx), tuple(params)))
    return p, fits
