"""Separating coordination from coincidence in co-action networks.

Two accounts that comment under the same busy post within a minute of each other have usually met by chance:
the busier the post (and the more bursty its comments), the likelier a close pair of timestamps. The null model
used here is **target permutation**: within each target (post, text cluster, URL, ...) the set of timestamps is
taken as given and who posted which timestamp is exchangeable. Under it

* ``f_t`` = (item pairs of target ``t`` that lie within the window) / C(n_t, 2) is the chance that two given
  items of ``t`` land within the window;
* each of the ``n_a * n_b`` item pairs of accounts ``a`` and ``b`` in ``t`` is close with probability ``f_t``,
  so the chance that they meet in ``t`` is at most ``p_t(a, b) = min(1, n_a * n_b * f_t)`` (union bound: exact
  when each has one item, an over-estimate otherwise, which only makes the test more cautious);
* the number of targets where they meet, ``K_ab``, is a sum of independent Bernoulli(``p_t``) over the targets
  both accounts joined; its mean is ``lambda_ab = sum_t p_t(a, b)`` (stored as ``expected``);
* ``p_value = P(Poisson(lambda_ab) >= k)``. For ``k >= lambda + 1`` the Poisson tail bounds the exact
  Poisson-binomial tail from above (Anderson & Samuels 1967), so the approximation errs on the safe side.

The false-discovery rate is controlled per layer with Benjamini-Hochberg (``"bh"``) or, for arbitrary
dependence between pairs that share accounts, Benjamini-Yekutieli (``"by"``). The number of hypotheses ``m`` is
the number of account pairs that could have met (pairs sharing at least one target); pairs that were not tested
count with p = 1. See docs/methods/coaction.md.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import scipy.stats


def poisson_sf(k, lam) -> np.ndarray:
    """``P(Poisson(lam) >= k)`` for arrays of integer ``k`` and ``lam >= 0`` (``scipy.stats.poisson``; exact in
    the far tail, where significance is decided). ``k <= 0`` gives 1."""
    k = np.asarray(k, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    k, lam = np.broadcast_arrays(k, lam)
    out = np.where(k <= 0, 1.0, scipy.stats.poisson.sf(k - 1, lam))
    return np.clip(np.nan_to_num(out, nan=1.0), 0.0, 1.0)


def fdr_qvalues(p_values, m: int | None = None, method: str = "bh") -> np.ndarray:
    """Adjusted p-values (q-values) for the tested ``p_values`` out of ``m >= len(p_values)`` hypotheses; the
    untested ``m - len(p_values)`` count as p = 1. ``method``: ``"bh"`` (Benjamini-Hochberg, independent or
    positively dependent tests) or ``"by"`` (Benjamini-Yekutieli, any dependence; more conservative).

    The step-up procedure is scipy's (``scipy.stats.false_discovery_control``) over the tested p-values; the
    untested hypotheses multiply every adjusted value by ``m / n`` (with p = 1 they never lower a minimum), and
    BY's constant is ``sum_{i <= m} 1/i`` of all ``m`` hypotheses — scipy has no argument for either."""
    if method not in ("bh", "by"):
        raise ValueError(f"unknown FDR method {method!r}; use 'bh' or 'by'")
    p = np.asarray(p_values, dtype=np.float64)
    n = len(p)
    m = n if m is None else max(int(m), n)
    if n == 0:
        return p.copy()
    scale = m / n
    if method == "by":
        scale *= (
            float(np.sum(1.0 / np.arange(1, m + 1)))
            if m < 10_000_000
            else math.log(m) + 0.5772156649 + 0.5 / m
        )
    return np.minimum(1.0, scipy.stats.false_discovery_control(p, method="bh") * scale)


def meeting_counts(target, account, t, window_s: float) -> dict[tuple, int]:
    """Brute force, for small data: number of distinct targets where each account pair has items within
    ``window_s``. Keys are ``(a, b)`` with ``a < b``. Used to check the analytic null on small cases."""
    target, account, t = np.asarray(target), np.asarray(account), np.asarray(t, dtype=np.float64)
    counts: dict[tuple, int] = defaultdict(int)
    order = np.argsort(target, kind="stable")
    target, account, t = target[order], account[order], t[order]
    bounds = np.flatnonzero(np.r_[True, target[1:] != target[:-1], True])
    for s, e in zip(bounds[:-1], bounds[1:]):
        acc, tt = account[s:e], t[s:e]
        close = np.abs(tt[:, None] - tt[None, :]) <= window_s
        i, j = np.nonzero(np.triu(close, 1))
        met = {(min(x, y), max(x, y)) for x, y in zip(acc[i].tolist(), acc[j].tolist()) if x != y}
        for pair in met:
            counts[pair] += 1
    return dict(counts)


def permutation_pvalues(target, account, t, window_s: float, pairs, n_perm: int = 1000, seed: int = 0):
    """Monte-Carlo p-values under the target-permutation null: timestamps are shuffled among the items of each
    target (seeded), meetings recounted, and ``P(K >= k_observed)`` estimated as ``(1 + #{K_perm >= k}) /
    (1 + n_perm)``. Slow; meant for validating :func:`poisson_sf` on small data."""
    target, account, t = np.asarray(target), np.asarray(account), np.asarray(t, dtype=np.float64)
    observed = meeting_counts(target, account, t, window_s)
    k_obs = np.array([observed.get(p, 0) for p in pairs])
    hits = np.zeros(len(pairs), dtype=np.int64)
    rng = np.random.default_rng(seed)
    order = np.argsort(target, kind="stable")
    target, account, t = target[order], account[order], t[order]
    for _ in range(n_perm):
        shuffled = t[np.lexsort((rng.random(len(t)), target))]
        counts = meeting_counts(target, account, shuffled, window_s)
        hits += np.array([counts.get(p, 0) for p in pairs]) >= k_obs
    return (1 + hits) / (1 + n_perm), k_obs
