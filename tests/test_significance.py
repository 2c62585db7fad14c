"""The co-action null model: Poisson tail, FDR adjustment, and the analytic p-values against a seeded
timestamp-permutation Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest

from botwatch.detectors.significance import fdr_qvalues, meeting_counts, permutation_pvalues, poisson_sf


def brute_sf(k: int, lam: float) -> float:
    return 1.0 - sum(math.exp(-lam) * lam**j / math.factorial(j) for j in range(k))


@pytest.mark.parametrize("lam", [0.0, 1e-6, 0.01, 0.5, 3.0, 12.0, 40.0])
def test_poisson_sf_matches_direct_sum(lam):
    ks = np.arange(0, 30)
    got = poisson_sf(ks, np.full(len(ks), lam))
    for k, g in zip(ks, got):
        want = brute_sf(int(k), lam) if lam > 0 else float(k == 0)
        if want > 1e-12:
            assert g == pytest.approx(want, rel=1e-6, abs=1e-14)
    # far tail: the series keeps relative precision where 1 - cdf would round to 0
    assert poisson_sf(20, 0.01)[()] == pytest.approx(
        math.exp(-0.01) * 0.01**20 / math.factorial(20), rel=1e-6
    )


def test_bh_qvalues_hand_computed():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 -> 0.04, 0.06, 0.0533, 0.5 -> running min from the top
    assert fdr_qvalues(p) == pytest.approx([0.04, 0.0533333, 0.0533333, 0.5], rel=1e-5)
    # six more untested hypotheses (p = 1) make the adjustment stricter, never looser
    q10 = fdr_qvalues(p, m=10)
    assert q10 == pytest.approx([0.1, 0.1333333, 0.1333333, 1.0], rel=1e-5)
    assert (fdr_qvalues(p, m=10, method="by") >= q10).all()
    with pytest.raises(ValueError, match="unknown FDR method"):
        fdr_qvalues(p, method="holm")


def small_world(seed: int = 5):
    """8 posts, each with 25 one-comment accounts at random over 50 min; accounts A and B comment within 20 s
    of each other under 3 of them and far apart under 3 others."""
    rng = np.random.default_rng(seed)
    tgt, acc, t = [], [], []
    for post in range(8):
        for a in range(25):
            tgt.append(post)
            acc.append(f"o{post}_{a}" if a >= 10 else f"r{a}")  # r0..r9 comment under every post
            t.append(rng.uniform(0, 3000))
        if post < 6:
            base = rng.uniform(0, 2900)
            tgt += [post, post]
            acc += ["A", "B"]
            t += [base, base + (rng.uniform(0, 20) if post < 3 else 1500)]
    return np.array(tgt), np.array(acc), np.array(t)


def analytic(tgt, acc, t, w, pair):
    lam = 0.0
    for post in np.unique(tgt):
        sel = tgt == post
        tt, aa = t[sel], acc[sel]
        n = len(tt)
        close = np.count_nonzero(np.triu(np.abs(tt[:, None] - tt[None, :]) <= w, 1))
        f = close / (n * (n - 1) / 2)
        na, nb = np.count_nonzero(aa == pair[0]), np.count_nonzero(aa == pair[1])
        lam += min(1.0, na * nb * f)
    return lam


@pytest.mark.slow
def test_analytic_pvalues_agree_with_permutation_monte_carlo():
    tgt, acc, t = small_world()
    w = 60.0
    counts = meeting_counts(tgt, acc, t, w)
    assert counts[("A", "B")] == 3
    pairs = [("A", "B")] + sorted(p for p, k in counts.items() if p[0].startswith("r") and k >= 1)[:6]
    mc, k_obs = permutation_pvalues(tgt, acc, t, w, pairs, n_perm=2000, seed=1)
    again, _ = permutation_pvalues(tgt, acc, t, w, pairs, n_perm=2000, seed=1)
    assert (mc == again).all()  # seeded
    for pair, k, p_mc in zip(pairs, k_obs, mc):
        p_an = poisson_sf(k, analytic(tgt, acc, t, w, pair))[()]
        se = math.sqrt(p_mc * (1 - p_mc) / 2000) + 1 / 2000
        # conservative up to Monte-Carlo noise, and not wildly so
        assert p_an >= p_mc - 3 * se, (pair, p_an, p_mc)
        assert p_an <= 1.5 * p_mc + 0.01, (pair, p_an, p_mc)
    assert len(pairs) == 7 and mc[0] < 0.01 and poisson_sf(3, analytic(tgt, acc, t, w, ("A", "B")))[()] < 0.01


@pytest.mark.parametrize("method", ["bh", "by"])
def test_untested_hypotheses_count_as_p_one(method):
    """q-values out of m hypotheses equal scipy's over the tested p-values padded with m - n ones."""
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.02, size=40) ** 2
    padded = false_discovery_control(np.r_[p, np.ones(960)], method=method)[:40]
    assert fdr_qvalues(p, m=1000, method=method) == pytest.approx(padded, rel=1e-9)
