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


def _log_factorial(k: np.ndarray) -> np.ndarray:
    """``log(k!)`` for integer arrays, from a cumulative table (exact, vectorised)."""
    kmax = int(k.max()) if k.size else 0
    table = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, kmax + 1, dtype=np.float64)))])
    return table[k.astype(np.int64)]


def poisson_sf(k, lam) -> np.ndarray:
    """``P(Poisson(lam) >= k)`` for arrays of integer ``k >= 0`` and ``lam >= 0``, accurate in the far tail.

    For ``lam < k + 1`` the upper tail is summed as a series from ``k`` (relative error < 1e-17 per term); else
    ``1 -`` the lower sum, summed up to ``k <= 200``. Where ``k > 200`` and ``lam >= k + 1`` the value is at least
    about one half and is returned as 0.5: such pairs are far from any significance threshold.
    """
    k = np.asarray(k, dtype=np.int64)
    lam = np.asarray(lam, dtype=np.float64)
    k, lam = np.broadcast_arrays(k, lam)
    out = np.ones(k.shape, dtype=np.float64)
    pos = (k > 0) & (lam > 0)
    out[(k > 0) & (lam <= 0)] = 0.0
    if not pos.any():
        return out
    kk, ll = k[pos], lam[pos]
    log_lam = np.log(ll)
    tail = ll < kk + 1  # upper tail by its series; otherwise 1 - lower sum
    res = np.empty(kk.shape)
    if tail.any():
        k_t, l_t = kk[tail].astype(np.float64), ll[tail]
        log_first = -l_t + k_t * log_lam[tail] - _log_factorial(kk[tail])
        term = np.ones_like(l_t)
        total = np.ones_like(l_t)
        j = np.zeros_like(l_t)
        for _ in range(2000):
            j += 1.0
            term *= l_t / (k_t + j)
            total += term
            if (term < 1e-17 * total).all():
                break
        res[tail] = np.exp(log_first + np.log(total))
    head = ~tail
    if head.any():
        k_h, l_h, log_l = kk[head], ll[head], log_lam[head]
        small = k_h <= 200
        lower = np.zeros(len(k_h))
        if small.any():
            ks, ls, lls = k_h[small], l_h[small], log_l[small]
            acc = np.zeros(len(ks))
            log_fact = 0.0
            for j in range(int(ks.max())):
                if j:
                    log_fact += np.log(j)
                acc += np.where(j < ks, np.exp(-ls + j * lls - log_fact), 0.0)
            lower[small] = acc
        r = np.clip(1.0 - lower, 0.0, 1.0)
        r[~small] = 0.5
        res[head] = r
    out[pos] = np.clip(res, 0.0, 1.0)
    return out


def fdr_qvalues(p_values, m: int | None = None, method: str = "bh") -> np.ndarray:
    """Adjusted p-values (q-values) for the tested ``p_values`` out of ``m >= len(p_values)`` hypotheses; the
    untested ``m - len(p_values)`` count as p = 1. ``method``: ``"bh"`` (Benjamini-Hochberg, independent or
    positively dependent tests) or ``"by"`` (Benjamini-Yekutieli, any dependence; more conservative)."""
    p = np.asarray(p_values, dtype=np.float64)
    n = len(p)
    m = n if m is None else max(int(m), n)
    if n == 0:
        return p.copy()
    scale = float(m)
    if method == "by":
        scale *= (
            float(np.sum(1.0 / np.arange(1, m + 1)))
            if m < 10_000_000
            else math.log(m) + 0.5772156649 + 0.5 / m
        )
    elif method != "bh":
        raise ValueError(f"unknown FDR method {method!r}; use 'bh' or 'by'")
    order = np.argsort(p, kind="stable")
    ranked = p[order] * scale / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(ranked, 1.0)
    return q


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
