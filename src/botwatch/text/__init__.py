"""Text for matching: normalisation (Russian, Kazakh Cyrillic and Latin, English), MinHash LSH near-duplicate
search, and cluster templates."""

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
from botwatch.text.template import Template, extract_template

__all__ = [
    "MinHasher",
    "Shingles",
    "Signatures",
    "Template",
    "choose_bands",
    "connected_components",
    "extract_template",
    "jaccard_pairs",
    "lsh_candidate_pairs",
    "near_duplicate_pairs",
    "normalize_text",
    "normalize_texts",
    "shingle_texts",
]
