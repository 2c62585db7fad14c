import numpy as np
import pytest

from botwatch.errors import BotwatchError
from botwatch.text.minhash import (
    MinHasher,
    choose_bands,
    concatenate_releasing,
    connected_components,
    hash_strings,
    jaccard_pairs,
    low_bytes,
    lsh_candidate_pairs,
    near_duplicate_pairs,
    shingle_texts,
)

WORDS = [f"w{i}" for i in range(400)]


def _random_texts(n, length, seed):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=length, replace=False)) for _ in range(n)]


def test_hash_strings_is_deterministic_and_distinct():
    h = hash_strings(["a", "b", "a", "привет", ""])
    assert h[0] == h[2] and len({int(x) for x in h}) == 4
    # pinned values: FNV-1a 64 + splitmix64, independent of Python's salted hash()
    assert int(hash_strings(["abc"])[0]) == 11375260467491614100
    assert int(hash_strings(["привет"])[0]) == 16002413038249731311


def test_shingles_words_and_character_fallback():
    sh = shingle_texts(["a b c d", "a b c d", "спасибо большое", "", "a b"], k=2)
    assert list(sh.kind) == [1, 1, 2, 0, 2]
    assert list(sh.sizes[:2]) == [3, 3]  # bigrams of 4 tokens
    assert sh.sizes[3] == 0
    assert jaccard_pairs(sh, [[0, 1], [0, 2], [0, 3]]).tolist() == [1.0, 0.0, 0.0]
    uni = shingle_texts(["a b c d", "a b c e"], k=1)
    assert jaccard_pairs(uni, [[0, 1]])[0] == pytest.approx(3 / 5)


def test_signature_estimates_jaccard_and_refuses_other_seeds():
    base = WORDS[:40]
    texts = [" ".join(base), " ".join(base[:30] + WORDS[100:110])]  # exact Jaccard 30/50
    sh = shingle_texts(texts, k=1)
    sig = MinHasher(num_perm=256, seed=3).signatures(sh)
    assert sig.similarity(0, 1) == pytest.approx(0.6, abs=0.1)
    other = MinHasher(num_perm=256, seed=4).signatures(sh)
    with pytest.raises(BotwatchError, match="different seeds"):
        sig.similarity(0, 1, other)
    again = MinHasher(num_perm=256, seed=3).signatures(sh)
    assert np.array_equal(sig.values, again.values)


def test_choose_bands_respects_num_perm_and_threshold():
    for threshold in (0.5, 0.6, 0.8):
        b, r = choose_bands(threshold, 64)
        assert b * r <= 64
        # the S-curve's midpoint sits near the threshold
        assert abs((1 / b) ** (1 / r) - threshold) < 0.15


def test_lsh_finds_planted_pairs_without_all_pairs():
    texts = _random_texts(300, 12, seed=1)
    planted = [(5, 300), (17, 301), (200, 302)]
    for i, _ in planted:
        toks = texts[i].split()
        toks[3] = "replaced"
        texts.append(" ".join(toks))
    sh = shingle_texts(texts, k=1)
    pairs, sim = near_duplicate_pairs(sh, threshold=0.6, num_perm=64, seed=1)
    assert sorted(map(tuple, pairs.tolist())) == planted
    assert np.all(sim >= 0.6)
    sig = MinHasher(64, 1).signatures(sh)
    candidates = lsh_candidate_pairs(sig, *choose_bands(0.6, 64))
    assert len(candidates) < len(texts) * (len(texts) - 1) / 2 / 20


def test_huge_bucket_is_linked_as_star_and_chain():
    texts = ["one two three four five"] * 50 + ["six seven eight nine ten"]
    sh = shingle_texts(texts, k=1)
    sig = MinHasher(16, 1).signatures(sh)
    pairs = lsh_candidate_pairs(sig, 4, 4, max_bucket=10)
    assert len(pairs) <= 2 * 50  # not 50 * 49 / 2
    labels = connected_components(len(texts), pairs)
    assert len(set(labels[:50].tolist())) == 1 and labels[50] == 50


def test_connected_components():
    labels = connected_components(7, np.array([[5, 6], [0, 1], [1, 5], [3, 4]]))
    assert labels.tolist() == [0, 0, 2, 3, 3, 0, 0]
    assert connected_components(3, np.zeros((0, 2))).tolist() == [0, 1, 2]


def test_lsh_pairs_involving_a_mask_are_the_unmasked_pairs_that_touch_it():
    base = _random_texts(40, 10, seed=4)
    rng = np.random.default_rng(9)
    texts = []
    for t in base:  # families of near-copies, so that buckets hold several texts
        toks = t.split()
        for _ in range(int(rng.integers(1, 6))):
            copy = list(toks)
            copy[int(rng.integers(len(copy)))] = f"x{int(rng.integers(10**6))}"
            texts.append(" ".join(copy))
    sh = shingle_texts(texts + [""], k=1)  # an empty text has no signature
    sig = MinHasher(32, 3).signatures(sh)
    mask = rng.random(len(texts) + 1) < 0.3
    full = lsh_candidate_pairs(sig, 8, 4, max_bucket=1000)
    got = lsh_candidate_pairs(sig, 8, 4, max_bucket=1000, involving=mask)
    expected = full[mask[full[:, 0]] | mask[full[:, 1]]]
    assert len(expected) > 20 and np.array_equal(got, expected)
    groups = np.arange(len(mask)) // 3  # pairs inside a group are dropped
    grouped = lsh_candidate_pairs(sig, 8, 4, max_bucket=1000, involving=mask, groups=groups)
    assert np.array_equal(grouped, expected[groups[expected[:, 0]] != groups[expected[:, 1]]])
    assert len(lsh_candidate_pairs(sig, 8, 4, involving=np.zeros(len(mask), bool))) == 0
    # a large bucket: every member linked to its first masked member, the masked ones chained
    same = shingle_texts(["one two three four five"] * 30, k=1)
    mask = np.zeros(30, bool)
    mask[[7, 12, 20]] = True
    pairs = lsh_candidate_pairs(MinHasher(16, 1).signatures(same), 4, 4, max_bucket=10, involving=mask)
    assert np.all(mask[pairs[:, 0]] | mask[pairs[:, 1]])
    assert len(set(connected_components(30, pairs).tolist())) == 1 and len(pairs) <= 2 * 30


def test_low_bytes_and_releasing_concatenation_equal_their_plain_forms():
    values = np.random.default_rng(5).integers(0, 2**32, size=(300, 64), dtype=np.uint64).astype(np.uint32)
    assert np.array_equal(low_bytes(values), (values & 0xFF).astype(np.uint8))
    assert low_bytes(values).flags.c_contiguous
    big_endian = values.astype(">u4")
    assert np.array_equal(low_bytes(big_endian), (values & 0xFF).astype(np.uint8))
    parts = [np.arange(5, dtype=np.uint64), np.zeros(0, dtype=np.uint64), np.arange(3, dtype=np.uint64)]
    expected = np.concatenate(parts)
    assert np.array_equal(concatenate_releasing(parts, np.uint64), expected)
    assert parts == []  # the parts were handed over


def test_shingles_of_many_slices_equal_one_slice(monkeypatch):
    import botwatch.text.minhash as minhash

    rng = np.random.default_rng(8)
    words = "президент заботится о народе спасибо рахмет жаңа қазақстан біз таңдадық".split()
    texts = [" ".join(rng.choice(words, rng.integers(0, 9))) for _ in range(4000)]
    whole = shingle_texts(texts)
    monkeypatch.setattr(minhash, "SHINGLE_BLOCK_TEXTS", 300)
    monkeypatch.setattr(minhash, "PARALLEL_MIN_TEXTS", 100)
    parts = shingle_texts(texts)
    assert np.array_equal(parts.offsets, whole.offsets)
    assert np.array_equal(parts.values, whole.values)
    assert np.array_equal(parts.kind, whole.kind)
