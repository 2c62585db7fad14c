"""Order-free term sets that survive rewording: Russian lemmas, Kazakh and unknown-word stems, no stop-words.

The near-duplicate search compares sets of normalised word forms (:mod:`botwatch.text.minhash`), so a copy of a
template whose words were inflected ("заботится о народе" → "позаботился о народа"), whose clauses were swapped
or which dropped a preposition keeps only part of its word set. :func:`term_sets` maps every token of a
normalised text to a *term* that those changes leave alone, and gives each text the set of its terms:

- a **Russian** word that pymorphy3's OpenCorpora dictionary knows becomes its lemma (the first parse's normal
  form: "народа", "народу" → "народ"); a perfective verb whose prefix is one of ``по про за на`` becomes its
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

Lemmas are looked up once per distinct token, behind an ``lru_cache`` that outlives one call (comments reuse
their words; about 65k dictionary words per second on one core for the ones not cached yet). Terms are hashed
like word shingles (FNV-1a 64 + splitmix64), so the sets plug into the same MinHash-LSH code. The work is one
Python pass over distinct tokens plus vectorised numpy; it never depends on the number of threads.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from botwatch.text.minhash import Shingles, _as_string_array, hash_strings, sorted_unique

__all__ = ["STOP_WORDS", "term", "term_sets"]

_U64 = np.uint64
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
_FOLD_KAZAKH = str.maketrans("әғқңөұүһі", "агкноуухи")
_STOP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO"})
_ASPECT_PREFIXES = ("про", "по", "за", "на")
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


@functools.lru_cache(maxsize=1 << 19)
def term(token: str, prefix: int = 5) -> str:
    """The term of one normalised token ("" for a stop-word). See the module docstring.

    >>> [term(w) for w in "президент позаботился о народе біз тоқаевқа".split()]
    ['президент', 'заботиться', '', 'народ', '', 'токае']
    """
    if len(token) < 2 or token in STOP_WORDS or not any(c.isalpha() for c in token):
        return ""
    if KAZAKH_LETTERS.isdisjoint(token) and any("а" <= c <= "я" for c in token):
        morph = _morph()
        if morph.word_is_known(token):
            parse = morph.parse(token)[0]
            tag = parse.tag
            if tag.POS in _STOP_POS or "Apro" in tag:
                return ""
            lemma = parse.normal_form.replace("ё", "е")
            if lemma in STOP_WORDS:
                return ""
            if tag.POS in ("VERB", "INFN", "PRTF", "PRTS", "GRND"):
                lemma = _imperfective(lemma)
            return lemma
    return _stem(token, prefix)


@functools.lru_cache(maxsize=1 << 14)
def _imperfective(lemma: str) -> str:
    """ "позаботиться" → "заботиться" when the unprefixed verb is in the dictionary, else ``lemma``."""
    for p in _ASPECT_PREFIXES:
        rest = lemma[len(p) :]
        if lemma.startswith(p) and len(rest) >= 5:
            parses = _morph().parse(rest)
            if any(x.normal_form == rest and x.tag.POS == "INFN" and x.is_known for x in parses):
                return rest
    return lemma


def term_sets(texts, *, prefix: int = 5, min_terms: int = 1) -> Shingles:
    """The set of hashed terms of each normalised text, in the CSR form of :class:`Shingles` (``kind`` 1).

    A text with fewer than ``min_terms`` distinct terms gets an empty set (``kind`` 0): it takes no part in
    matching. ``values`` keep the top ``value_bits`` bits of the 64-bit term hashes, as word shingles do.
    """
    arr = _as_string_array(texts)
    n = len(arr)
    doc_bits = max(1, int(n).bit_length())
    value_bits = 64 - doc_bits
    tokens = pc.utf8_split_whitespace(arr)
    flat = pc.list_flatten(tokens)
    parents = pc.list_parent_indices(tokens).to_numpy(zero_copy_only=False).astype(np.int64)
    counts = np.zeros(n, dtype=np.int64)
    values = np.zeros(0, dtype=_U64)
    if len(flat):
        encoded = pc.dictionary_encode(flat)
        terms = [term(t, prefix) for t in encoded.dictionary.to_pylist()]
        term_hash = hash_strings(pa.array(terms, pa.string()))
        is_term = np.array([bool(t) for t in terms], dtype=bool)
        index = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        keep = is_term[index]
        docs = parents[keep].astype(_U64)
        packed = sorted_unique((docs << _U64(value_bits)) | (term_hash[index[keep]] >> _U64(doc_bits)))
        owner = (packed >> _U64(value_bits)).astype(np.int64)
        counts = np.bincount(owner, minlength=n)
        enough = counts >= max(int(min_terms), 1)
        if not enough.all():
            packed = packed[enough[owner]]
            owner = owner[enough[owner]]
            counts = np.where(enough, counts, 0)
        values = packed & _U64((1 << value_bits) - 1)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Shingles(offsets=offsets, values=values, value_bits=value_bits, kind=(counts > 0).astype(np.int8))
