"""Order-free term sets that survive rewording: Russian lemmas, Kazakh and unknown-word stems, no stop-words.

The near-duplicate search compares sets of normalised word forms (:mod:`botwatch.text.minhash`), so a copy of a
template whose words were inflected ("заботится о народе" → "позаботился о народа"), whose clauses were swapped
or which dropped a preposition keeps only part of its word set. :func:`term_sets` maps every token of a
normalised text to a *term* that those changes leave alone, and gives each text the set of its terms:

- a **Russian** word that pymorphy3's OpenCorpora dictionary knows becomes its lemma (the first parse's normal
  form: "народа", "народу" → "народ"); a perfective verb whose prefix is ``по`` or ``про`` becomes its
  imperfective base when that is itself a verb in the dictionary ("позаботиться" → "заботиться",
  "проголосовать" → "голосовать");
- any other word (**Kazakh**, which has no offline lemmatiser; names; English; typos) has its Kazakh letters
  folded to their Russian look-alikes (``қ`` → ``к``, ``ә`` → ``а``, ``ң`` → ``н`` …) and keeps its first
  ``prefix`` letters (default 5): Kazakh is agglutinative, so "қазақстанды", "қазақстанға" → "казак",
  "тоқаевқа" and Russian "токаеву" → "токае". Cutting words to their first five letters is the "F5" stemmer
  that works about as well as a full stemmer for Turkish retrieval (Can et al., JASIST 2008);
- **stop-words** are dropped: Russian prepositions, conjunctions, particles, interjections, pronouns and
  pronominal adjectives (by pymorphy3's part of speech), "быть", a short Kazakh list (мен, біз, және, үшін …),
  a short English list, numbers and one-letter words.

:func:`paraphrase_links` finds verified links between the term sets of texts in different word-set components
(MinHash-LSH that only makes the candidates touching a family, an agreement prefilter, exact Jaccard), and
:func:`attach_paraphrases` merges the near-duplicate families of the first pass through them, without ever
joining two lone texts (see their docstrings and ``near_duplicate``).

Lemmas are looked up once per distinct token, behind an ``lru_cache`` that outlives one call (comments reuse
their words; about 50-70k dictionary words per second on one core for the ones not cached yet). Terms are hashed
like word shingles (FNV-1a 64 + splitmix64), so the sets plug into the same MinHash-LSH code. The work is one
Python pass over distinct tokens plus vectorised numpy; it never depends on the number of threads.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from botwatch.text.minhash import (
    MinHasher,
    Shingles,
    _as_string_array,
    choose_bands,
    concatenate_releasing,
    connected_components,
    hash_strings,
    jaccard_pairs,
    lsh_candidate_pairs,
    signature_agreement,
    sorted_unique,
)

__all__ = [
    "STOP_WORDS",
    "attach_paraphrases",
    "paraphrase_links",
    "russian_lemma",
    "term",
    "term_sets",
    "terms_of_tokens",
]

_U64 = np.uint64
TERM_BLOCK_TOKENS = 2_000_000  # tokens per block of term_sets' sort (memory at 1M texts)
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
_FOLD_KAZAKH = str.maketrans("әғқңөұүһі", "агкноуухи")
_STOP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO"})
_ASPECT_PREFIXES = ("про", "по")  # "за", "на", "с" drift too often: зависеть -> висеть, сказать -> казать
STOP_WORDS = frozenset(
    # Russian words pymorphy3 tags as content words but that carry nothing here
    "быть это так вот еще уже тоже также даже очень просто который какой такой весь свой сам самый".split()
    # Kazakh: pronouns, postpositions, conjunctions and particles (no dictionary tags them)
    + "мен сен сіз ол біз сендер сіздер олар бұл осы сол анау мына міне және мен бен пен мен да де та те "
    "менің сенің оның біздің сіздің олардың ғой ма ме ба бе па пе үшін деп еді емес бар жоқ әр бір бірақ немесе "
    "өз өзі өте тек енді".split()
    # English
    + "the a an and or but of to in on at for with by from as is are was were be been it its this that "
    "these those we i you he she they our my your his her their us me them so not no do does did will "
    "would can".split()
)


@functools.cache
def _morph():
    import pymorphy3  # imported on first use: loading the dictionary takes about 0.2 s

    return pymorphy3.MorphAnalyzer(lang="ru")


def _stem(word: str, prefix: int) -> str:
    return word.translate(_FOLD_KAZAKH)[:prefix]


def term(token: str, prefix: int = 5) -> str:
    """The term of one normalised token ("" for a stop-word). See the module docstring; :func:`term_sets` gives
    every token of many texts the same term, vectorised.

    >>> [term(w) for w in "президент позаботился о народе біз тоқаевқа".split()]
    ['президент', 'заботиться', '', 'народ', '', 'токае']
    """
    if len(token) < 2 or token in STOP_WORDS or not any(c.isalpha() for c in token):
        return ""
    if _RUSSIAN.fullmatch(token):
        lemma = russian_lemma(token)
        if lemma is not None:
            return lemma
    return _stem(token, prefix)


_RUSSIAN = re.compile("[а-я]+")
_RUSSIAN_RE = "^[а-я]+$"
_LETTER_RE = r"\pL"


def _dictionary_parses(word: str) -> list[tuple[str, int, int]]:
    """``(word as in the dictionary, paradigm, form)`` of every dictionary parse of ``word`` (е/ё folded)."""
    morph = _morph()
    return [
        (fixed, para_id, idx)
        for fixed, parses in morph.dictionary.words.similar_items(word, morph.char_substitutes)
        for para_id, idx in parses
    ]


@functools.lru_cache(maxsize=1 << 19)
def russian_lemma(token: str) -> str | None:
    """The lemma of a Russian word in pymorphy3's dictionary, "" for a stop-word, ``None`` for an unknown word.

    The parse is pymorphy3's first one (``MorphAnalyzer.parse(token)[0]``: the most probable tag given the word,
    the dictionary's order on ties), read straight from the dictionary: the same answer on every word of 91k
    real VK comments, about 2.3 times faster.
    """
    parses = _dictionary_parses(token)
    if not parses:
        return None
    morph = _morph()
    dictionary, prob = morph.dictionary, morph.prob_estimator.p_t_given_w.prob
    best, best_p = parses[0], -1.0
    for parse in parses:
        p = prob(token, dictionary.build_tag_info(parse[1], parse[2]))
        if p > best_p:
            best, best_p = parse, p
    fixed, para_id, idx = best
    tag = dictionary.build_tag_info(para_id, idx)
    if tag.POS in _STOP_POS or "Apro" in tag:
        return ""
    lemma = dictionary.build_normal_form(para_id, idx, fixed).replace("ё", "е")
    if lemma in STOP_WORDS:
        return ""
    if tag.POS in ("VERB", "INFN", "PRTF", "PRTS", "GRND"):
        lemma = _imperfective(lemma)
    return lemma


@functools.lru_cache(maxsize=1 << 14)
def _imperfective(lemma: str) -> str:
    """ "позаботиться" → "заботиться" when the unprefixed verb is in the dictionary, else ``lemma``."""
    dictionary = _morph().dictionary
    for p in _ASPECT_PREFIXES:
        rest = lemma[len(p) :]
        if lemma.startswith(p) and len(rest) >= 5:
            for fixed, para_id, idx in _dictionary_parses(rest):
                if idx == 0 and fixed == rest and dictionary.build_tag_info(para_id, idx).POS == "INFN":
                    return rest
    return lemma


def terms_of_tokens(tokens: pa.Array, prefix: int = 5) -> pa.Array:
    """:func:`term` of each distinct token, vectorised: only Russian-looking words take a (cached) Python call."""
    tokens = pc.fill_null(tokens, "")
    stem = tokens
    for kazakh, russian in zip("әғқңөұүһі", "агкноуухи"):
        stem = pc.replace_substring(stem, kazakh, russian)
    stem = pc.utf8_slice_codeunits(stem, 0, prefix)
    drop = pc.or_(
        pc.less(pc.utf8_length(tokens), 2),
        pc.or_(
            pc.is_in(tokens, pa.array(sorted(STOP_WORDS))),
            pc.invert(pc.match_substring_regex(tokens, _LETTER_RE)),
        ),
    )
    russian = pc.and_(pc.invert(drop), pc.match_substring_regex(tokens, _RUSSIAN_RE))
    where = np.flatnonzero(russian.to_numpy(zero_copy_only=False))
    out = pc.if_else(drop, pa.scalar("", pa.string()), stem)
    if len(where):
        lemmas = [russian_lemma(t) for t in tokens.take(pa.array(where)).to_pylist()]
        known = np.array([x is not None for x in lemmas], dtype=bool)
        mask = np.zeros(len(tokens), dtype=bool)
        mask[where[known]] = True
        out = pc.replace_with_mask(
            out, pa.array(mask), pa.array([x for x in lemmas if x is not None], pa.string())
        )
    return out


def term_sets(texts, *, prefix: int = 5, min_terms: int = 1) -> Shingles:
    """The set of hashed terms of each normalised text, in the CSR form of :class:`Shingles` (``kind`` 1).

    A text with fewer than ``min_terms`` distinct terms gets an empty set (``kind`` 0): it takes no part in
    matching. ``values`` keep the top ``value_bits`` bits of the 64-bit term hashes, as word shingles do. Each
    distinct token's term is found once; the (text, term) keys are then sorted block by block of about
    ``TERM_BLOCK_TOKENS`` tokens (blocks hold whole texts in order, so the blocks' sorted keys join in order):
    at 1M texts the keys of all 15M tokens at once took 0.8 GB beside everything else.
    """
    arr = _as_string_array(texts)
    n = len(arr)
    doc_bits = max(1, int(n).bit_length())
    value_bits = 64 - doc_bits
    tokens = pc.utf8_split_whitespace(arr)
    offsets = tokens.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    offsets -= offsets[0]
    counts = np.zeros(n, dtype=np.int64)
    values = np.zeros(0, dtype=_U64)
    if offsets[-1]:
        encoded = pc.dictionary_encode(pc.list_flatten(tokens))
        del tokens
        terms = terms_of_tokens(encoded.dictionary, prefix)
        term_hash = hash_strings(terms) >> _U64(doc_bits)  # per distinct token
        is_term = pc.greater(pc.utf8_length(terms), 0).to_numpy(zero_copy_only=False)
        index = encoded.indices.to_numpy(zero_copy_only=False)
        del encoded
        bounds = np.unique(
            np.r_[
                0,
                np.searchsorted(
                    offsets, np.arange(1, offsets[-1] // TERM_BLOCK_TOKENS + 1) * TERM_BLOCK_TOKENS
                ),
                n,
            ]
        )
        blocks = []
        least = max(int(min_terms), 1)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            idx = index[offsets[lo] : offsets[hi]]
            keep = is_term[idx]
            keys = np.repeat(np.arange(lo, hi, dtype=_U64), np.diff(offsets[lo : hi + 1]))[keep]
            keys <<= _U64(value_bits)
            keys |= term_hash[idx[keep]]
            keys = sorted_unique(keys)
            owner = (keys >> _U64(value_bits)).astype(np.int64) - lo
            block_counts = np.bincount(owner, minlength=hi - lo)
            enough = block_counts >= least
            if not enough.all():
                keys = keys[enough[owner]]
                block_counts[~enough] = 0
            counts[lo:hi] = block_counts
            keys &= _U64((1 << value_bits) - 1)
            blocks.append(keys)
            del keys, owner
        values = concatenate_releasing(blocks, _U64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Shingles(offsets=offsets, values=values, value_bits=value_bits, kind=(counts > 0).astype(np.int8))


def attach_paraphrases(
    component: np.ndarray, occurrences: np.ndarray, pairs: np.ndarray, similarity: np.ndarray
) -> tuple[np.ndarray, int]:
    """Merge near-duplicate families through paraphrase links, without chaining lone texts.

    ``component`` labels each distinct text with its word-set component (the smallest text index in it, as
    :func:`~botwatch.text.minhash.connected_components` gives), ``occurrences`` counts the items of each distinct
    text, and ``pairs``/``similarity`` are verified paraphrase links between distinct texts. A component with two
    or more items is a *family* (copies or near-copies already found); a lone text is one posted once with no
    near-duplicate. A link between two families merges them; a lone text joins the one family it is most similar
    to (ties: the lowest label); a link between two lone texts is ignored, so that organic comments on one subject
    never chain into a cluster of their own. Returns the merged label of each distinct text (the smallest text
    index of its merged cluster) and the number of links used.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    similarity = np.asarray(similarity, dtype=np.float64)
    n = len(component)
    size = np.bincount(component, weights=occurrences, minlength=n)
    a, b = component[pairs[:, 0]], component[pairs[:, 1]]
    differ = a != b
    a, b, similarity = a[differ], b[differ], similarity[differ]
    fa, fb = size[a] >= 2, size[b] >= 2
    both = fa & fb
    one = fa ^ fb
    lone = np.where(fa, b, a)[one]
    family = np.where(fa, a, b)[one]
    order = np.lexsort((family, -similarity[one], lone))  # per lone text: most similar family first
    first = np.ones(len(order), dtype=bool)
    first[1:] = lone[order][1:] != lone[order][:-1]
    chosen = order[first]
    links = np.concatenate(
        [np.stack([a[both], b[both]], axis=1), np.stack([lone[chosen], family[chosen]], axis=1)]
    )
    links = sorted_unique(np.minimum(links[:, 0], links[:, 1]) * n + np.maximum(links[:, 0], links[:, 1]))
    merged = connected_components(n, np.stack([links // n, links % n], axis=1))
    return merged[component], len(links)


def paraphrase_links(
    terms: Shingles,
    component: np.ndarray,
    occurrences: np.ndarray,
    *,
    threshold: float,
    num_perm: int = 64,
    seed: int = 1,
    max_bucket: int = 50,
    per_group_pair: int = 16,
    prefilter_margin: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """Verified paraphrase links ``(pairs, similarity)`` between distinct texts of different word-set components
    that :func:`attach_paraphrases` can use: at least one side in a family, term-set Jaccard ≥ ``threshold``.

    MinHash-LSH over the term sets makes only the candidates that touch a family and join two components
    (:func:`~botwatch.text.minhash.lsh_candidate_pairs` with ``involving`` and ``groups``); candidates whose
    signatures agree on fewer than ``threshold - prefilter_margin`` of their values are dropped; of the rest,
    the ``per_group_pair`` with the most agreement for each pair of components are checked exactly (a lone text
    near a family of 50 variants needs one verified link, not 50).
    """
    n = len(component)
    in_family = np.bincount(component, weights=occurrences, minlength=n)[component] >= 2
    signatures = MinHasher(num_perm=num_perm, seed=seed).signatures(terms)
    bands, rows = choose_bands(threshold, num_perm)
    pairs = lsh_candidate_pairs(
        signatures, bands, rows, max_bucket=max_bucket, involving=in_family, groups=component
    )
    if len(pairs) == 0:
        return pairs, np.zeros(0)
    agreement = signature_agreement(signatures, pairs)
    keep = agreement >= threshold - prefilter_margin
    pairs, agreement = pairs[keep], agreement[keep]
    a, b = component[pairs[:, 0]], component[pairs[:, 1]]
    group_pair = (np.minimum(a, b) * n + np.maximum(a, b)).astype(np.uint64)
    # one sort key: the pair of components, then agreement (most first; pairs stay in order on ties)
    level_bits = int(num_perm).bit_length()
    level = num_perm - np.rint(agreement * num_perm).astype(np.uint64)
    key = (group_pair << np.uint64(level_bits)) | level
    order = np.argsort(key, kind="stable")
    ranked = group_pair[order]
    first = np.searchsorted(ranked, ranked, side="left")
    pairs = pairs[np.sort(order[np.arange(len(order)) - first < per_group_pair])]
    similarity = jaccard_pairs(terms, pairs)
    keep = similarity >= threshold
    return pairs[keep], similarity[keep]
