"""MinHash signatures and LSH banding over many texts at once, in vectorised numpy.

The pipeline for near-duplicate search (see :func:`near_duplicate_pairs`):

1. :func:`shingle_texts` turns each (already normalised) text into a set of 64-bit shingle hashes: word
   ``k``-grams, or character ``char_k``-grams for texts too short to give ``min_word_shingles`` word shingles.
   Token hashes are FNV-1a 64 over the UTF-8 bytes with a splitmix64 finaliser, computed once per distinct token
   in numpy: deterministic across runs and machines (Python's salted ``hash()`` is never used).
2. :class:`MinHasher` computes ``num_perm`` MinHash values per text. Permutation ``p`` is the strongly universal
   multiply-add-shift hash ``h_p(x) = ((a_p * x + b_p) mod 2**64) >> 32`` (Dietzfelbinger 1996) on the 32-bit
   fold ``x`` of each shingle hash, with ``a_p, b_p`` drawn from ``numpy.random.default_rng(seed)``: the
   power-of-two form of ``(a*x + b) mod p``, without the slow division. Signatures remember their seed and refuse
   to be compared with signatures made with another seed or ``num_perm`` (as datasketch does).
3. :func:`lsh_candidate_pairs` cuts signatures into ``bands`` bands of ``rows`` values, hashes each band, sorts
   the band hashes and pairs the texts that share one. No all-pairs comparison: the cost is a sort per band plus
   the pairs inside buckets. A bucket larger than ``max_bucket`` (a big family of near-copies) is linked as a
   star and a chain instead of all its pairs, so a 10,000-copy template costs 20,000 pairs, not 50 million.
4. :func:`jaccard_pairs` verifies candidates with the exact Jaccard similarity of their shingle sets.

:func:`choose_bands` picks ``bands × rows = num_perm`` for a Jaccard threshold the way datasketch does
(minimising the weighted areas of false positives and false negatives under the S-curve), with false negatives
weighted higher because every candidate is verified exactly afterwards.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse
import scipy.sparse.csgraph

from botwatch.errors import BotwatchError
from botwatch.parallel import n_threads, parallel_map, slices

__all__ = [
    "MinHasher",
    "Shingles",
    "Signatures",
    "choose_bands",
    "connected_components",
    "hash_strings",
    "jaccard_pairs",
    "lsh_candidate_pairs",
    "near_duplicate_pairs",
    "shingle_texts",
    "signature_agreement",
    "sorted_unique",
]

_U64 = np.uint64
PARALLEL_MIN_TEXTS = 50_000  # texts per thread below which shingling runs on one thread
SHINGLE_BLOCK_TEXTS = 100_000  # texts shingled at once per thread: bounds the token arrays' memory
_FNV_OFFSET = _U64(0xCBF29CE484222325)
_FNV_PRIME = _U64(0x100000001B3)
_GOLDEN = _U64(0x9E3779B97F4A7C15)


def _splitmix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a fast bijective mix of 64-bit values (arrays only, wraps modulo 2**64)."""
    x = x.astype(_U64, copy=True)
    x ^= x >> _U64(30)
    x *= _U64(0xBF58476D1CE4E5B9)
    x ^= x >> _U64(27)
    x *= _U64(0x94D049BB133111EB)
    x ^= x >> _U64(31)
    return x


def sorted_unique(values: np.ndarray, *, runs: bool = False) -> np.ndarray:
    """``np.unique`` for integer arrays via a sort (numpy 2's hash-based unique is several times slower).

    ``runs``: ``values`` is a concatenation of a few sorted runs; timsort merges them (3-15x faster than
    quicksort)."""
    values = np.sort(values, kind="stable" if runs else None)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def low_bytes(values: np.ndarray) -> np.ndarray:
    """``(values & 0xFF).astype(np.uint8)`` of a uint32 array, read through a byte view: no uint32 temporary
    (256 MB for 1M signatures of 64 values)."""
    little = values.dtype.byteorder == "<" or (values.dtype.byteorder == "=" and sys.byteorder == "little")
    as_bytes = np.ascontiguousarray(values).view(np.uint8).reshape(*values.shape, 4)
    return np.ascontiguousarray(as_bytes[..., 0 if little else 3])


def concatenate_releasing(parts: list[np.ndarray], dtype) -> np.ndarray:
    """``np.concatenate(parts)`` that empties ``parts``, dropping each part once it is copied. The output's pages
    become resident only as they are written, so (when ``parts`` held the only references) the peak is the
    output plus one part instead of twice the output."""
    out = np.empty(sum(len(part) for part in parts), dtype=dtype)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[at : at + len(part)] = part
        at += len(part)
        del part
    return out


def _string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    arr = arr.cast(pa.large_string()) if not pa.types.is_large_string(arr.type) else arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data_buf = arr.buffers()[2]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets, data


def hash_strings(strings: pa.Array | list[str]) -> np.ndarray:
    """Deterministic 64-bit hashes of strings: FNV-1a over UTF-8 bytes, then splitmix64.

    Vectorised across strings: one numpy step per byte position, over the strings still that long.
    """
    arr = strings if isinstance(strings, pa.Array) else pa.array(strings, type=pa.string())
    arr = pc.fill_null(arr, "")
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=_U64)
    offsets, data = _string_buffers(arr)
    lengths = np.diff(offsets)
    order = np.argsort(-lengths, kind="stable")
    starts = offsets[:-1][order]
    desc_lengths = lengths[order]
    h = np.full(n, _FNV_OFFSET, dtype=_U64)
    longest = int(desc_lengths[0])
    # number of strings longer than j, for every j (lengths are sorted descending)
    still = np.searchsorted(-desc_lengths, -np.arange(longest), side="left")
    for j in range(longest):
        m = int(still[j])
        part = h[:m]
        part ^= data[starts[:m] + j].astype(_U64)
        part *= _FNV_PRIME
    out = np.empty(n, dtype=_U64)
    out[order] = _splitmix(h ^ desc_lengths.astype(_U64))
    return out


@dataclass(frozen=True)
class Shingles:
    """Per-text sets of shingle hashes in CSR form: text ``i`` owns ``values[offsets[i]:offsets[i+1]]``
    (sorted, unique). ``values`` keep the top ``value_bits`` bits of the 64-bit shingle hashes."""

    offsets: np.ndarray
    values: np.ndarray
    value_bits: int
    kind: np.ndarray  # per text: 0 = no shingles, 1 = word shingles, 2 = character shingles

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @functools.cached_property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def of(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]


def _as_string_array(texts) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        texts = pa.array(list(texts), type=pa.string())
    return pc.fill_null(texts, "")


def shingle_texts(texts, *, k: int = 2, char_k: int = 4, min_word_shingles: int = 3) -> Shingles:
    """Shingle normalised texts (whitespace-separated tokens).

    A text with at least ``min_word_shingles`` word ``k``-grams is shingled by words; a shorter non-empty text
    by character ``char_k``-grams (spaces included), so "спасибо большое" still gets a graded similarity. Word
    and character shingles never match each other. An empty text gets no shingles (and no candidates).
    """
    if k < 1 or char_k < 1:
        raise BotwatchError("shingle sizes must be at least 1")
    arr = _as_string_array(texts)
    n = len(arr)
    doc_bits = max(1, int(n).bit_length())
    threads = n_threads()
    parts = slices(n, max(threads, -(-n // SHINGLE_BLOCK_TEXTS)), min_size=PARALLEL_MIN_TEXTS)
    done = parallel_map(
        lambda b: _shingle_slice(arr.slice(b[0], b[1] - b[0]), k, char_k, min_word_shingles, doc_bits), parts
    )
    if len(done) == 1:
        return done[0]
    sizes = np.concatenate([np.diff(d.offsets) for d in done])
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    value_bits, kind = done[0].value_bits, np.concatenate([d.kind for d in done])
    parts = [d.values for d in done]
    del done
    return Shingles(
        offsets=offsets, values=concatenate_releasing(parts, _U64), value_bits=value_bits, kind=kind
    )


def _shingle_slice(arr: pa.Array, k: int, char_k: int, min_word_shingles: int, doc_bits: int) -> Shingles:
    """:func:`shingle_texts` for one slice; ``doc_bits`` (from the whole input) fixes ``value_bits``."""
    n = len(arr)
    tokens = pc.utf8_split_whitespace(arr)
    flat = pc.list_flatten(tokens)
    nonblank = pc.greater(pc.binary_length(flat), 0)
    flat = flat.filter(nonblank)
    parents = pc.list_parent_indices(tokens).filter(nonblank).to_numpy(zero_copy_only=False)
    n_tok = np.bincount(parents, minlength=n).astype(np.int64)
    kind = np.zeros(n, dtype=np.int8)
    word_doc = n_tok - k + 1 >= min_word_shingles
    kind[word_doc] = 1
    kind[(~word_doc) & (n_tok > 0)] = 2

    doc_parts: list[np.ndarray] = []
    hash_parts: list[np.ndarray] = []
    if len(flat) and word_doc.any():
        encoded = pc.dictionary_encode(flat)
        tok_h = hash_strings(encoded.dictionary)[encoded.indices.to_numpy(zero_copy_only=False)]
        tok_doc = np.repeat(np.arange(n, dtype=np.int64), n_tok)
        tok_start = np.repeat(np.cumsum(n_tok) - n_tok, n_tok)
        pos = np.arange(len(tok_h), dtype=np.int64) - tok_start
        valid = word_doc[tok_doc] & (pos <= n_tok[tok_doc] - k)
        padded = np.concatenate([tok_h, np.zeros(k, dtype=_U64)])
        idx = np.flatnonzero(valid)
        h = padded[idx]
        for j in range(1, k):
            h = _splitmix(h * _GOLDEN + padded[idx + j])
        doc_parts.append(tok_doc[idx])
        hash_parts.append(h)
    short = np.flatnonzero(kind == 2)
    if len(short):
        strings = arr.take(pa.array(short)).to_pylist()
        lengths = np.array([len(s) for s in strings], dtype=np.int64)
        cps = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32).astype(_U64)
        n_grams = np.maximum(lengths - char_k + 1, 1)
        gram_doc = np.repeat(short, n_grams)
        gram_pos = np.arange(n_grams.sum()) - np.repeat(np.cumsum(n_grams) - n_grams, n_grams)
        gram_start = np.repeat(np.cumsum(lengths) - lengths, n_grams) + gram_pos
        gram_len = np.minimum(np.repeat(lengths, n_grams), char_k)
        padded = np.concatenate([cps, np.zeros(char_k, dtype=_U64)])
        h = np.full(len(gram_start), _U64(0x2545F4914F6CDD1D), dtype=_U64)
        for j in range(char_k):
            c = np.where(j < gram_len, padded[gram_start + j], _U64(0))
            h = _splitmix(h * _GOLDEN + c)
        doc_parts.append(gram_doc)
        hash_parts.append(h)

    value_bits = 64 - doc_bits
    if doc_parts:
        docs = np.concatenate(doc_parts).astype(_U64)
        hashes = np.concatenate(hash_parts)
        packed = sorted_unique((docs << _U64(value_bits)) | (hashes >> _U64(doc_bits)))
        owner = (packed >> _U64(value_bits)).astype(np.int64)
        values = packed & _U64((1 << value_bits) - 1)
        counts = np.bincount(owner, minlength=n)
    else:
        values = np.zeros(0, dtype=_U64)
        counts = np.zeros(n, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Shingles(offsets=offsets, values=values, value_bits=value_bits, kind=kind)


@dataclass(frozen=True)
class Signatures:
    """MinHash signatures, one row of ``num_perm`` uint32 values per text. Rows of texts without shingles are
    all ``0xFFFFFFFF`` and ``empty`` marks them."""

    values: np.ndarray
    seed: int
    empty: np.ndarray

    @property
    def num_perm(self) -> int:
        return self.values.shape[1]

    def _check(self, other: Signatures) -> None:
        if other.seed != self.seed or other.num_perm != self.num_perm:
            raise BotwatchError(
                f"cannot compare MinHash signatures made with different seeds or num_perm "
                f"(seed {self.seed} vs {other.seed}, num_perm {self.num_perm} vs {other.num_perm})"
            )

    def similarity(self, i: int, j: int, other: Signatures | None = None) -> float:
        """Estimated Jaccard similarity of text ``i`` here and text ``j`` in ``other`` (default: here)."""
        other = self if other is None else other
        self._check(other)
        if self.empty[i] or other.empty[j]:
            return 0.0
        return float(np.mean(self.values[i] == other.values[j]))


class MinHasher:
    """Draws ``num_perm`` universal hash functions from ``seed`` and signs shingle sets with them.

    More permutations estimate Jaccard more precisely (standard error about ``sqrt(J(1-J)/num_perm)``) and give
    LSH finer bands, at a cost linear in ``num_perm``.
    """

    def __init__(self, num_perm: int = 64, seed: int = 1):
        if num_perm < 1:
            raise BotwatchError("num_perm must be at least 1")
        self.num_perm = int(num_perm)
        self.seed = int(seed)
        rng = np.random.default_rng(self.seed)
        self.a = rng.integers(1, 2**63, size=self.num_perm, dtype=np.uint64) | _U64(1)
        self.b = rng.integers(0, 2**63, size=self.num_perm, dtype=np.uint64)

    def signatures(self, shingles: Shingles, block: int = 1 << 18) -> Signatures:
        n = len(shingles)
        sizes = shingles.sizes
        empty = sizes == 0
        sig = np.full((n, self.num_perm), 0xFFFFFFFF, dtype=np.uint32)
        nonempty = np.flatnonzero(~empty)
        if len(nonempty) == 0:
            return Signatures(values=sig, seed=self.seed, empty=empty)
        shift = _U64(max(shingles.value_bits - 32, 0))
        x = (shingles.values >> shift) & _U64(0xFFFFFFFF)
        # blocks of whole texts, so that one pass over a block stays in cache for every permutation
        starts = shingles.offsets[nonempty]
        cut = np.searchsorted(starts, np.arange(0, len(x), block), side="left")
        cut = np.unique(np.append(cut, len(nonempty)))

        def sign(bounds: tuple[int, int]) -> None:  # rows of distinct texts: threads never write the same row
            lo, hi = bounds
            docs = nonempty[lo:hi]
            x_lo = shingles.offsets[docs[0]]
            x_hi = shingles.offsets[docs[-1] + 1]
            xs = x[x_lo:x_hi]
            local = starts[lo:hi] - x_lo
            out = np.empty(len(xs), dtype=_U64)
            block_sig = np.empty((len(docs), self.num_perm), dtype=np.uint32)
            for p in range(self.num_perm):
                np.multiply(xs, self.a[p], out=out)
                out += self.b[p]
                block_sig[:, p] = np.minimum.reduceat(out, local) >> _U64(32)
            sig[docs] = block_sig

        parallel_map(sign, list(zip(cut[:-1].tolist(), cut[1:].tolist())))
        return Signatures(values=sig, seed=self.seed, empty=empty)


def _false_positive_area(threshold: float, b: int, r: int) -> float:
    x = np.linspace(0.0, threshold, 201)
    return float(np.trapezoid(1 - (1 - x**r) ** b, x))


def _false_negative_area(threshold: float, b: int, r: int) -> float:
    x = np.linspace(threshold, 1.0, 201)
    return float(np.trapezoid(1 - (1 - (1 - x**r) ** b), x))


@functools.lru_cache(maxsize=64)
def choose_bands(
    threshold: float, num_perm: int, fp_weight: float = 0.3, fn_weight: float = 0.7
) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` minimising the weighted false-positive and
    false-negative areas of the LSH S-curve ``1 - (1 - J**rows)**bands`` around ``threshold``."""
    best, best_err = (num_perm, 1), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            err = fp_weight * _false_positive_area(threshold, b, r) + fn_weight * _false_negative_area(
                threshold, b, r
            )
            if err < best_err - 1e-12:
                best, best_err = (b, r), err
    return best


def _pairs_in_runs(order: np.ndarray, run_starts: np.ndarray, run_sizes: np.ndarray) -> np.ndarray:
    """All pairs inside each run of ``order`` (``order[run_starts[i] : run_starts[i] + run_sizes[i]]``)."""
    if len(run_sizes) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    members = np.repeat(run_starts, run_sizes) + (
        np.arange(run_sizes.sum()) - np.repeat(np.cumsum(run_sizes) - run_sizes, run_sizes)
    )
    later = np.repeat(run_starts + run_sizes, run_sizes) - members - 1  # partners after each member
    left = np.repeat(members, later)
    step = np.arange(later.sum()) - np.repeat(np.cumsum(later) - later, later) + 1
    right = left + step
    return np.stack([order[left], order[right]], axis=1)


def _pairs_led_by_masked(
    order: np.ndarray, run_starts: np.ndarray, run_sizes: np.ndarray, n_masked: int
) -> np.ndarray:
    """Like :func:`_pairs_in_runs`, but only the pairs whose earlier member is masked (local number below
    ``n_masked``); runs are sorted, so masked members come first and every pair with a masked member is kept."""
    if len(run_sizes) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    members = np.repeat(run_starts, run_sizes) + (
        np.arange(run_sizes.sum()) - np.repeat(np.cumsum(run_sizes) - run_sizes, run_sizes)
    )
    later = np.repeat(run_starts + run_sizes, run_sizes) - members - 1
    later = np.where(order[members] < n_masked, later, 0)
    left = np.repeat(members, later)
    step = np.arange(later.sum()) - np.repeat(np.cumsum(later) - later, later) + 1
    return np.stack([order[left], order[left + step]], axis=1)


def lsh_candidate_pairs(
    signatures: Signatures,
    bands: int,
    rows: int,
    *,
    max_bucket: int = 50,
    involving: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Candidate pairs ``(i, j)`` with ``i < j`` (unique, sorted) that share at least one band.

    Buckets of up to ``max_bucket`` texts contribute all their pairs; a larger bucket links each member to the
    bucket's first member and to its neighbour in text order (star + chain), which keeps its texts connected
    for clustering while bounding the work.

    ``involving`` (a boolean mask over texts) keeps only the pairs with at least one masked text, without
    generating the others: inside a bucket, masked members pair with every other member; a large bucket links
    every member to its first masked member and chains the masked ones; a bucket without one gives nothing.
    ``groups`` (a label per text) drops the pairs inside one group (texts already known to belong together).
    """
    if bands * rows > signatures.num_perm:
        raise BotwatchError(f"bands * rows = {bands * rows} exceeds num_perm = {signatures.num_perm}")
    layout = _BandLayout.of(signatures, involving)
    if layout is None:
        return np.zeros((0, 2), dtype=np.int64)

    def band_codes(band: int) -> np.ndarray | None:
        return _band_pair_codes(signatures, layout, band, rows, max_bucket, groups)

    codes = [c for c in parallel_map(band_codes, list(range(bands))) if c is not None]
    if not codes:
        return np.zeros((0, 2), dtype=np.int64)
    n = layout.n
    code = sorted_unique(np.concatenate(codes), runs=True)  # one sorted run per band
    return np.stack([code // n, code % n], axis=1)


@dataclass(frozen=True)
class _BandLayout:
    """How :func:`lsh_candidate_pairs` numbers the non-empty texts (``docs``) inside a band: local numbers of
    ``doc_bits`` bits packed under the bucket key; with a mask, masked texts are numbered first (``local_of``,
    undone by ``doc_of``) so that they lead every bucket."""

    docs: np.ndarray
    n: int
    all_docs: bool
    doc_bits: int
    doc_mask: np.uint64
    local_of: np.ndarray
    doc_of: np.ndarray | None
    n_masked: int | None

    @classmethod
    def of(cls, signatures: Signatures, involving: np.ndarray | None) -> _BandLayout | None:
        """None when fewer than two texts are non-empty, or a mask is given and no non-empty text is in it."""
        docs = np.flatnonzero(~signatures.empty)
        if len(docs) < 2:
            return None
        doc_bits = max(1, int(len(docs)).bit_length())
        masked = None if involving is None else np.asarray(involving, dtype=bool)[docs]
        if masked is not None and not masked.any():
            return None
        local = np.arange(len(docs), dtype=_U64)
        return cls(
            docs=docs,
            n=len(signatures.values),
            all_docs=len(docs) == len(signatures.values),
            doc_bits=doc_bits,
            doc_mask=_U64((1 << doc_bits) - 1),
            local_of=local if masked is None else np.argsort(~masked, kind="stable").argsort().astype(_U64),
            doc_of=None if masked is None else np.argsort(~masked, kind="stable"),
            n_masked=None if masked is None else int(masked.sum()),
        )


def _band_pair_codes(
    signatures: Signatures, lay: _BandLayout, band: int, rows: int, max_bucket: int, groups: np.ndarray | None
) -> np.ndarray | None:
    """The candidate pairs of one band as sorted unique codes ``i * n + j`` (``i < j``); None when none."""
    block = signatures.values[:, band * rows : (band + 1) * rows]
    cols = block if lay.all_docs else block[lay.docs]
    key = np.full(len(lay.docs), ((band + 1) * int(_GOLDEN)) % 2**64, dtype=_U64)
    for c in range(rows):
        key = _splitmix(key ^ cols[:, c].astype(_U64))
    packed = np.sort((key & ~lay.doc_mask) | lay.local_of)
    bucket = packed >> _U64(lay.doc_bits)
    order = (packed & lay.doc_mask).astype(np.int64)
    boundary = np.flatnonzero(np.diff(bucket) != 0) + 1
    run_starts = np.concatenate([[0], boundary])
    run_sizes = np.diff(np.append(run_starts, len(packed)))
    multi = run_sizes >= 2
    if lay.n_masked is not None:
        multi &= order[run_starts] < lay.n_masked  # a bucket's first member is masked if any is
    small = multi & (run_sizes <= max_bucket)
    if lay.n_masked is None:
        pairs = _pairs_in_runs(order, run_starts[small], run_sizes[small])
    else:
        pairs = _pairs_led_by_masked(order, run_starts[small], run_sizes[small], lay.n_masked)
    big = np.flatnonzero(multi & (run_sizes > max_bucket))
    if len(big):
        pairs = np.concatenate(
            [pairs, *_star_and_chain(order, run_starts[big], run_sizes[big], lay.n_masked)]
        )
    if lay.doc_of is not None and len(pairs):
        pairs = lay.doc_of[pairs]
    if not len(pairs):
        return None
    a, b = lay.docs[pairs[:, 0]], lay.docs[pairs[:, 1]]
    if groups is not None:
        apart = groups[a] != groups[b]
        a, b = a[apart], b[apart]
    return sorted_unique(np.minimum(a, b) * lay.n + np.maximum(a, b))


def _star_and_chain(order, starts, sizes, n_masked: int | None) -> list[np.ndarray]:
    """Pairs of the buckets larger than ``max_bucket``: each member with the first, and a chain in text order
    (of the masked members only, with a mask)."""
    extra = []
    for s, m in zip(starts, sizes):
        members = np.sort(order[s : s + m])
        extra.append(np.stack([np.full(m - 1, members[0]), members[1:]], axis=1))
        chain = members if n_masked is None else members[members < n_masked]
        extra.append(np.stack([chain[1:-1], chain[2:]], axis=1))
    return extra


def signature_agreement(signatures: Signatures, pairs: np.ndarray, batch: int = 1 << 18) -> np.ndarray:
    """Share of MinHash values two texts agree on, per pair: the signature estimate of their Jaccard."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=np.float64)
    # the low byte of each value: a quarter of the memory traffic; two different values share it with
    # probability 1/256, which the estimate corrects for
    values = low_bytes(signatures.values)
    num_perm = values.shape[1]

    def agree(lo: int) -> None:
        chunk = pairs[lo : lo + batch]
        same = np.count_nonzero(values[chunk[:, 0]] == values[chunk[:, 1]], axis=1) / num_perm
        out[lo : lo + len(chunk)] = np.clip((same - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)

    parallel_map(agree, list(range(0, len(pairs), batch)))
    return out


def jaccard_pairs(shingles: Shingles, pairs: np.ndarray, batch: int = 1 << 17) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of each pair (0.0 when either set is empty)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=np.float64)
    sizes = shingles.sizes
    pair_bits = max(1, int(min(batch, max(len(pairs), 1))).bit_length())
    keep_bits = 64 - pair_bits
    drop = _U64(max(shingles.value_bits - keep_bits, 0))

    def verify(lo: int) -> None:
        chunk = pairs[lo : lo + batch]
        keys = []
        for side in (0, 1):
            doc = chunk[:, side]
            size = sizes[doc]
            pid = np.repeat(np.arange(len(chunk), dtype=np.int64), size)
            pos = np.repeat(shingles.offsets[doc], size) + (
                np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
            )
            keys.append((pid.astype(_U64) << _U64(keep_bits)) | (shingles.values[pos] >> drop))
        # each side's keys are sorted (pairs in order, each text's values sorted): timsort merges the two runs
        merged = np.sort(np.concatenate(keys), kind="stable")
        same = merged[1:] == merged[:-1]
        inter = np.bincount((merged[1:][same] >> _U64(keep_bits)).astype(np.int64), minlength=len(chunk))
        union = sizes[chunk[:, 0]] + sizes[chunk[:, 1]] - inter
        out[lo : lo + len(chunk)] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)

    parallel_map(verify, list(range(0, len(pairs), batch)))
    return out


def connected_components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` nodes, the smallest node index in its component
    (``scipy.sparse.csgraph.connected_components`` over the pairs, then each component named by its first node)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if len(pairs) == 0:
        return np.arange(n, dtype=np.int64)
    graph = scipy.sparse.coo_matrix(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    n_comp, labels = scipy.sparse.csgraph.connected_components(graph, directed=False)
    first = np.full(n_comp, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n, dtype=np.int64))
    return first[labels]


def near_duplicate_pairs(
    shingles: Shingles,
    *,
    threshold: float = 0.6,
    num_perm: int = 64,
    seed: int = 1,
    max_bucket: int = 50,
    prefilter_margin: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of texts whose exact shingle Jaccard is at least ``threshold``, found through MinHash LSH.

    Returns ``(pairs, similarity)``. Candidates whose signatures agree on fewer than ``threshold -
    prefilter_margin`` of their values are dropped before the exact check (with 64 permutations the estimate's
    standard error is at most 0.06, so 0.15 is 2.5 of them). Pairs that LSH does not propose are missed;
    :func:`choose_bands` keeps that rate small just above the threshold.
    """
    signatures = MinHasher(num_perm=num_perm, seed=seed).signatures(shingles)
    bands, rows = choose_bands(threshold, num_perm)
    pairs = lsh_candidate_pairs(signatures, bands, rows, max_bucket=max_bucket)
    if prefilter_margin < 1.0 and len(pairs):
        pairs = pairs[signature_agreement(signatures, pairs) >= threshold - prefilter_margin]
    sim = jaccard_pairs(shingles, pairs)
    keep = sim >= threshold
    return pairs[keep], sim[keep]
