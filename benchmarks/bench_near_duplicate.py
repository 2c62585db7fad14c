"""Speed of the near-duplicate text pipeline on synthetic short comments (no real data).

    python benchmarks/bench_near_duplicate.py --n 1000000

Generates ``n`` Russian-looking comments (Zipf vocabulary of made-up words, 3-25 tokens, punctuation, emoji,
some homoglyphs), 1 % of them from 200 templates with word substitutions; then times normalisation, exact
deduplication, shingling, MinHash, LSH + exact verification and union-find (and, with ``--paraphrase 0.45``,
the detector's paraphrase pass: term sets, then links and merging), and prints how many planted comments landed
in a cluster with another copy of their template.
"""

from __future__ import annotations

import argparse
import inspect
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from botwatch.text.minhash import (
    MinHasher,
    choose_bands,
    connected_components,
    jaccard_pairs,
    lsh_candidate_pairs,
    near_duplicate_pairs,
    shingle_texts,
    signature_agreement,
)
from botwatch.text.normalize import normalize_texts
from botwatch.text.paraphrase import attach_paraphrases, paraphrase_links, term_sets

# botwatch's own default: candidates whose signatures agree on fewer than threshold - margin are not verified
PREFILTER_MARGIN = inspect.signature(near_duplicate_pairs).parameters["prefilter_margin"].default
SYLLABLES = "ба ва га да жа за ка ла ма на па ра са та фа ха ца ча ша бо во го до ко ло мо но по ро со то ли ми ни ри си ти ду ку лу му ну ру су ту ен ем ер ес ет ой ый ий ая ое".split()


def make_comments(n: int, seed: int = 7, planted_share: float = 0.01, n_templates: int = 200):
    rng = np.random.default_rng(seed)
    vocab_size = 100_000
    lengths = rng.integers(1, 4, size=vocab_size)
    syl = rng.integers(0, len(SYLLABLES), size=(vocab_size, 3))
    vocab = np.array(
        ["".join(SYLLABLES[s] for s in syl[i, : lengths[i]]) for i in range(vocab_size)], dtype=object
    )
    ranks = np.arange(1, vocab_size + 1)
    p = 1 / ranks
    p /= p.sum()
    n_tok = np.clip(rng.lognormal(2.2, 0.6, size=n).astype(int), 1, 40)
    words = vocab[rng.choice(vocab_size, size=int(n_tok.sum()), p=p)]
    extras = np.array(["!", "!!!", " 👍", ",", " 🇰🇿", "?", " :)", "..."], dtype=object)
    ends = np.cumsum(n_tok)
    texts = []
    start = 0
    tail = rng.integers(0, len(extras) * 2, size=n)
    for i, end in enumerate(ends):
        t = " ".join(words[start:end])
        if tail[i] < len(extras):
            t += extras[tail[i]]
        texts.append(t)
        start = end
    # planted templates with substitutions
    planted = rng.choice(n, size=int(n * planted_share), replace=False)
    templates = [list(vocab[rng.choice(vocab_size, size=rng.integers(8, 16))]) for _ in range(n_templates)]
    label = np.full(n, -1)
    homoglyph = str.maketrans({"о": "o", "а": "a", "е": "e", "р": "p", "с": "c"})
    for i in planted:
        t = rng.integers(n_templates)
        toks = list(templates[t])
        j = rng.integers(len(toks))
        toks[j] = vocab[rng.integers(vocab_size)]
        s = " ".join(toks)
        if rng.random() < 0.3:
            s = s.translate(homoglyph)
        texts[i] = s.capitalize() + "!"
        label[i] = t
    return texts, label


def run(
    texts,
    threshold: float,
    num_perm: int,
    k: int,
    min_tokens: int,
    seed: int = 1,
    paraphrase_threshold: float | None = None,
    paraphrase_min_terms: int = 6,
):
    times = {}
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    arr = pa.array(texts, type=pa.string())
    norm = normalize_texts(arr)
    times["normalise"] = time.perf_counter() - t0
    t = time.perf_counter()
    n_tok = pc.list_value_length(pc.utf8_split_whitespace(norm)).to_numpy()
    eligible = np.flatnonzero(n_tok >= min_tokens)
    encoded = pc.dictionary_encode(norm.take(pa.array(eligible)))
    unique = encoded.dictionary
    text_to_unique = encoded.indices.to_numpy()
    times["exact dedup"] = time.perf_counter() - t
    t = time.perf_counter()
    sh = shingle_texts(unique, k=k)
    times["shingle"] = time.perf_counter() - t
    t = time.perf_counter()
    sig = MinHasher(num_perm=num_perm, seed=seed).signatures(sh)
    times["minhash"] = time.perf_counter() - t
    t = time.perf_counter()
    bands, rows = choose_bands(threshold, num_perm)
    candidates = lsh_candidate_pairs(sig, bands, rows)
    times["lsh"] = time.perf_counter() - t
    t = time.perf_counter()
    pairs = candidates[signature_agreement(sig, candidates) >= threshold - PREFILTER_MARGIN]
    sim = jaccard_pairs(sh, pairs)
    keep = pairs[sim >= threshold]
    times["verify"] = time.perf_counter() - t
    t = time.perf_counter()
    comp = np.arange(len(texts)) + len(unique)  # skipped texts are singletons
    word_component = connected_components(len(unique), keep)
    times["components"] = time.perf_counter() - t
    if paraphrase_threshold is not None:  # the detector's paraphrase pass (botwatch.text.paraphrase)
        t = time.perf_counter()
        terms = term_sets(unique, min_terms=paraphrase_min_terms)
        times["terms"] = time.perf_counter() - t
        t = time.perf_counter()
        occurrences = np.bincount(text_to_unique, minlength=len(unique))
        links, sim = paraphrase_links(
            terms, word_component, occurrences, threshold=paraphrase_threshold, num_perm=num_perm, seed=seed
        )
        word_component, _ = attach_paraphrases(word_component, occurrences, links, sim)
        times["paraphrase"] = time.perf_counter() - t
    comp[eligible] = word_component[text_to_unique]
    times["total"] = time.perf_counter() - t0
    times["total CPU"] = time.process_time() - cpu0
    return comp, times, len(candidates), len(keep), (bands, rows), len(unique), eligible


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--threshold", type=float, default=0.6)
    ap.add_argument("--num-perm", type=int, default=64)
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--min-tokens", type=int, default=4)
    ap.add_argument(
        "--paraphrase", type=float, default=None, help="also time the paraphrase pass at this threshold"
    )
    args = ap.parse_args()
    t = time.perf_counter()
    texts, label = make_comments(args.n)
    print(f"generated {args.n:,} comments in {time.perf_counter() - t:.1f} s")
    comp, times, n_cand, n_pairs, (bands, rows), n_unique, eligible = run(
        texts, args.threshold, args.num_perm, args.k, args.min_tokens, paraphrase_threshold=args.paraphrase
    )
    for name, sec in times.items():
        print(f"  {name:12s} {sec:6.2f} s")
    print(
        f"unique texts {n_unique:,}; bands x rows {bands}x{rows}; candidates {n_cand:,}; verified {n_pairs:,}"
    )
    planted = np.flatnonzero(label >= 0)
    sizes = np.bincount(comp)
    found = sizes[comp[planted]] >= 2
    print(f"planted comments in a cluster: {found.mean():.1%} of {len(planted):,}")
    organic = np.flatnonzero(label < 0)
    print(
        f"organic comments in a cluster: {(sizes[comp[organic]] >= 2).mean():.2%} (skipped as short: {len(texts) - len(eligible):,})"
    )


if __name__ == "__main__":
    main()
