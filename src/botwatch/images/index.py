"""Near-duplicate search among 64-bit hashes: a multi-index hash table, never all pairs.

Each 64-bit key is cut into four 16-bit bands and every band is indexed (a counting sort: the keys ordered by
band value, with the start of each of the 65,536 buckets). Two hashes within Hamming distance ``d`` differ, by
the pigeonhole principle, in at most ``d // 4`` bits of at least one band; so probing, for every band of a
query, its bucket and the buckets of the band values at most ``radius`` bits away finds every key within
``4 * radius + 3`` bits (``radius`` 1: every key within 7 bits, 68 buckets per query) and many a bit farther.
The candidates are then checked with an exact popcount. Memory is bounded by working through the queries in
chunks of at most ``max_candidates`` candidate pairs.
"""

from __future__ import annotations

import itertools

import numpy as np

BANDS = 4
BAND_BITS = 16


def to_u64(hex_hashes) -> np.ndarray:
    """16-hex-digit strings as an unsigned 64-bit array."""
    return np.array([int(h, 16) for h in hex_hashes], dtype=np.uint64)


def _flips(radius: int) -> np.ndarray:
    masks = [0]
    for r in range(1, radius + 1):
        masks += [sum(1 << b for b in bits) for bits in itertools.combinations(range(BAND_BITS), r)]
    return np.array(masks, dtype=np.uint64)


class HashIndex:
    """Keys indexed by band; :meth:`search` returns (query index, key index, distance) within a distance."""

    def __init__(self, keys: np.ndarray):
        self.keys = np.asarray(keys, dtype=np.uint64)
        self._order, self._starts = [], []
        for b in range(BANDS):
            band = ((self.keys >> np.uint64(b * BAND_BITS)) & np.uint64(0xFFFF)).astype(np.int64)
            self._order.append(np.argsort(band, kind="stable"))
            self._starts.append(np.concatenate(([0], np.cumsum(np.bincount(band, minlength=1 << BAND_BITS)))))

    def search(
        self, queries: np.ndarray, max_distance: int, radius: int = 1, max_candidates: int = 5_000_000
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (query, key) pair within ``max_distance`` bits that the band probes reach (all of them up to
        ``4 * radius + 3`` bits), each pair once, sorted by query then key."""
        queries = np.asarray(queries, dtype=np.uint64)
        flips = _flips(radius)
        out_q, out_k = [], []
        if len(self.keys) == 0 or len(queries) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        per_query = BANDS * len(flips) * max(1, len(self.keys) >> BAND_BITS)
        step = max(1, max_candidates // per_query)
        for lo in range(0, len(queries), step):
            q = queries[lo : lo + step]
            for b in range(BANDS):
                band = (q >> np.uint64(b * BAND_BITS)) & np.uint64(0xFFFF)
                probes = (band[:, None] ^ flips[None, :]).astype(np.int64).ravel()
                qidx = np.repeat(np.arange(lo, lo + len(q)), len(flips))
                starts, ends = self._starts[b][probes], self._starts[b][probes + 1]
                lengths = ends - starts
                total = int(lengths.sum())
                if total == 0:
                    continue
                offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                ki = self._order[b][np.repeat(starts, lengths) + offsets]
                qi = np.repeat(qidx, lengths)
                d = np.bitwise_count(queries[qi] ^ self.keys[ki])
                keep = d <= max_distance
                out_q.append(qi[keep])
                out_k.append(ki[keep])
        if not out_q:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        n_keys = len(self.keys)
        pairs = np.unique(np.concatenate(out_q) * n_keys + np.concatenate(out_k))
        qi, ki = pairs // n_keys, pairs % n_keys
        return qi, ki, np.bitwise_count(queries[qi] ^ self.keys[ki]).astype(np.int64)
