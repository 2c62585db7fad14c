"""Threads change speed, never results: every threaded step gives the same output on 1 and on 4 threads."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from botwatch import parallel
from botwatch.text import minhash, normalize
from botwatch.text.minhash import MinHasher, near_duplicate_pairs, shingle_texts
from botwatch.text.normalize import normalize_texts

WORDS = "спасибо президенту за заботу о народе thanks great job jaña qazaqstan úshin молoдец 2024 👍 @akim".split()


def _texts(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(1, 12))) for _ in range(n)]


@pytest.mark.parametrize(
    ("n", "parts", "min_size"), [(0, 4, 1), (1, 4, 1), (10, 3, 1), (10, 4, 4), (7, 1, 1)]
)
def test_slices_cover_the_range_in_order(n, parts, min_size):
    bounds = parallel.slices(n, parts, min_size)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert len(bounds) <= max(1, parts)


def test_thread_count_from_environment(monkeypatch):
    monkeypatch.setenv("BOTWATCH_THREADS", "3")
    assert parallel.n_threads() == 3
    monkeypatch.setenv("BOTWATCH_THREADS", "zero")  # not a number: the CPUs this process may use
    assert parallel.n_threads() == len(os.sched_getaffinity(0))
    assert parallel.parallel_map(lambda x: x * 2, [1, 2, 3], threads=2) == [2, 4, 6]


def test_same_results_on_one_and_four_threads(monkeypatch):
    monkeypatch.setattr(normalize, "PARALLEL_MIN_TEXTS", 10)
    monkeypatch.setattr(minhash, "PARALLEL_MIN_TEXTS", 10)
    texts = _texts(400)
    results = []
    for threads in ("1", "4"):
        monkeypatch.setenv("BOTWATCH_THREADS", threads)
        norm = normalize_texts(texts)
        shingles = shingle_texts(norm, k=1)
        sig = MinHasher(num_perm=32, seed=5).signatures(shingles, block=64)
        pairs, sim = near_duplicate_pairs(shingles, threshold=0.5, num_perm=32, seed=5)
        results.append((norm, shingles, sig, pairs, sim))
    (n1, s1, g1, p1, j1), (n4, s4, g4, p4, j4) = results
    assert n1 == n4
    assert np.array_equal(s1.offsets, s4.offsets) and np.array_equal(s1.values, s4.values)
    assert s1.value_bits == s4.value_bits and np.array_equal(s1.kind, s4.kind)
    assert np.array_equal(g1.values, g4.values)
    assert len(p1) > 50 and np.array_equal(p1, p4) and np.array_equal(j1, j4)
