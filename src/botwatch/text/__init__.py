"""Text for matching: normalisation (Russian, Kazakh Cyrillic and Latin, English), MinHash LSH near-duplicate
search, paraphrase-robust term sets (Russian lemmas, Kazakh stems), and cluster templates."""

from botwatch.text.minhash import (
    MinHasher,
    Shingles,
    Signatures,
    choose_bands,
    connected_components,
    jaccard_pairs,
    lsh_candidate_pairs,
    near_duplicate_pairs,
    shingle_texts,
)
from botwatch.text.normalize import normalize_text, normalize_texts
from botwatch.text.paraphrase import attach_paraphrases, term, term_sets
from botwatch.text.template import Template, extract_template

__all__ = [
    "MinHasher",
    "Shingles",
    "Signatures",
    "Template",
    "attach_paraphrases",
    "choose_bands",
    "connected_components",
    "extract_template",
    "jaccard_pairs",
    "lsh_candidate_pairs",
    "near_duplicate_pairs",
    "normalize_text",
    "normalize_texts",
    "shingle_texts",
    "term",
    "term_sets",
]
