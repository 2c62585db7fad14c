import numpy as np
import pyarrow as pa
import pytest

from botwatch.text.minhash import hash_strings, jaccard_pairs
from botwatch.text.normalize import normalize_texts
from botwatch.text.paraphrase import (
    _morph,
    attach_paraphrases,
    paraphrase_links,
    russian_lemma,
    term,
    term_sets,
    terms_of_tokens,
)


def _terms(text: str) -> set[str]:
    return {t for t in (term(w) for w in normalize_texts([text])[0].split()) if t}


@pytest.mark.parametrize(
    ("forms", "expected"),
    [
        ("народ народа народу народе народом", "народ"),
        ("заботится позаботился заботился позаботится", "заботиться"),  # aspect prefix по- dropped
        ("проголосовал голосую голосовали", "голосовать"),
        ("президенту президента президентом", "президент"),
        ("людях людей люди", "человек"),
        # Kazakh (no lemmatiser): Kazakh letters folded, the first five letters kept
        ("қазақстанды қазақстанға қазақстанның", "казак"),
        ("тоқаевқа тоқаевты токаеву токаева", "токае"),  # Kazakh and Russian spellings of a name meet
        ("таңдадық таңдаймыз таңдадым", "танда"),
    ],
)
def test_inflected_forms_share_a_term(forms, expected):
    assert {term(w) for w in forms.split()} == {expected}


def test_stop_words_and_non_words_have_no_term():
    for token in [
        "о",
        "и",
        "за",
        "наша",
        "его",
        "это",
        "быть",
        "біз",
        "біздің",
        "және",
        "үшін",
        "the",
        "0",
        "",
    ]:
        assert term(token) == "", token
    # aspect pairs only for по-/про-: за- and на- change the meaning too often
    assert term("зависит") == "зависеть" and term("сказал") == "сказать"


def test_vectorised_terms_match_the_single_token_function():
    tokens = (
        "президент позаботился о народе біз тоқаевқа қазақстанды 0 a the government governments "
        "проголосовал зависит сказал stop-word ы ёлка елка наши kazakh123 х2 ааа"
    ).split()
    got = terms_of_tokens(pa.array(tokens)).to_pylist()
    assert got == [term(t) for t in tokens]
    assert terms_of_tokens(pa.array(tokens), prefix=3).to_pylist() == [term(t, 3) for t in tokens]


def test_lemmas_are_pymorphys_first_parse():
    morph = _morph()
    for word in "стали голоса народу людях думает отдаёт выборы новые сильную лучше".split():
        word = word.replace("ё", "е")
        expected = morph.parse(word)[0].normal_form.replace("ё", "е")
        assert russian_lemma(word) in (expected, ""), word
    assert russian_lemma("тоқаевқа") is None and russian_lemma("абырвалг") is None


def test_term_sets_are_order_free_and_drop_short_texts():
    texts = [
        "президент заботится о простых людях и всегда думает о будущем нашего народа",
        "о будущем народа всегда думал и о простом человеке позаботился наш президент",  # swapped, inflected
        "спасибо президенту за заботу",  # two terms
        "",
    ]
    sets = term_sets(texts, min_terms=3)
    assert sets.sizes.tolist() == [8, 8, 0, 0]
    assert sets.kind.tolist() == [1, 1, 0, 0]
    assert np.array_equal(sets.of(0), sets.of(1))
    assert jaccard_pairs(sets, np.array([[0, 1]]))[0] == 1.0
    # the values are the terms' hashes (top bits), as word shingles keep them
    expected = np.sort(hash_strings(sorted(_terms(texts[0]))) >> np.uint64(3))
    assert np.array_equal(np.sort(sets.of(0)), expected)
    assert term_sets(texts, min_terms=1).sizes.tolist()[2] == 2


def test_term_sets_in_blocks_equal_one_block(monkeypatch):
    """Sorting the (text, term) keys block by block gives the sets of one sort over all tokens, for blocks of
    one token, a few tokens or all of them, on a sliced array with empty texts."""
    import botwatch.text.paraphrase as paraphrase

    rng = np.random.default_rng(3)
    words = "спасибо президент заботится народ выбор мен біз және the and жаңа қазақстан рахмет +++ x".split()
    texts = pa.array(
        [" ".join(rng.choice(words, rng.integers(0, 10))) for _ in range(3000)] + [""] * 5
    ).slice(7, 2990)
    whole = term_sets(texts, min_terms=2)
    assert whole.sizes.sum() > 4000 and (whole.kind == 0).any()
    for block in (1, 13, 1000):
        monkeypatch.setattr(paraphrase, "TERM_BLOCK_TOKENS", block)
        parts = term_sets(texts, min_terms=2)
        assert np.array_equal(parts.offsets, whole.offsets)
        assert np.array_equal(parts.values, whole.values)
        assert np.array_equal(parts.kind, whole.kind)


def test_attach_paraphrases_joins_families_and_attaches_lone_texts_once():
    # distinct texts 0..7; word-set components: {0, 1} family, {2} family (posted twice), {3}, {4}, {5}, {6}, {7}
    component = np.array([0, 0, 2, 3, 4, 5, 6, 7])
    occurrences = np.array([1, 1, 2, 1, 1, 1, 1, 1])
    pairs = np.array(
        [
            [1, 2],  # family - family: merged
            [3, 0],  # lone 3 -> family {0, 1} (0.5) ...
            [3, 2],  # ... or family {2} (0.7): the more similar one, but both are one cluster now anyway
            [4, 0],  # lone 4 -> family {0, 1}
            [5, 6],  # lone - lone: ignored
            [6, 7],  # lone - lone: ignored
            [0, 1],  # inside a family: nothing to do
        ]
    )
    similarity = np.array([0.5, 0.5, 0.7, 0.6, 0.9, 0.9, 0.8])
    merged, used = attach_paraphrases(component, occurrences, pairs, similarity)
    assert merged.tolist() == [0, 0, 0, 0, 0, 5, 6, 7]
    assert used == 3
    # a lone text linked to two separate families joins only the more similar one: no chain through it
    component = np.array([0, 0, 2, 2, 4])
    merged, used = attach_paraphrases(
        component, np.ones(5, dtype=np.int64), np.array([[4, 0], [4, 2]]), np.array([0.5, 0.6])
    )
    assert merged.tolist() == [0, 0, 2, 2, 2] and used == 1
    # ties go to the lower family label
    merged, _ = attach_paraphrases(
        component, np.ones(5, dtype=np.int64), np.array([[4, 2], [4, 0]]), np.array([0.6, 0.6])
    )
    assert merged.tolist() == [0, 0, 2, 2, 0]


def test_paraphrase_links_touch_a_family_and_join_components():
    texts = normalize_texts(
        [
            "президент заботится о простых людях и всегда думает о будущем нашего народа",  # 0, 1: a family
            "президент заботится о гражданах и всегда думает о будущем нашего народа",
            "о будущем народа всегда думают и о простых людях заботился наш президент",  # 2: lone rewording
            "президенты заботились о простой людях и всегда думали о будущее нашему народу",  # 3: lone rewording
            "народ устал от пустых обещаний президента и чиновников про светлое будущее",  # 4, 5: lone paraphrases
            "народы устали от пустого обещания президентов и чиновника про светлые будущие",
        ]
    )
    terms = term_sets(texts, min_terms=6)
    component = np.array([0, 0, 2, 3, 4, 5])
    occurrences = np.ones(6, dtype=np.int64)
    pairs, sim = paraphrase_links(terms, component, occurrences, threshold=0.45, num_perm=64, seed=3)
    found = {tuple(p) for p in pairs.tolist()}
    assert {(0, 2), (0, 3)} <= found  # each lone rewording reaches the family
    assert (2, 3) not in found and (4, 5) not in found  # two lone texts: never a candidate
    assert (0, 1) not in found  # one family: joined already
    assert np.all(sim >= 0.45) and np.array_equal(sim, jaccard_pairs(terms, pairs))
    one, _ = paraphrase_links(terms, component, occurrences, threshold=0.45, per_group_pair=1, seed=3)
    assert sorted(component[one].tolist()) == [[0, 2], [0, 3]]  # one checked pair per pair of components
    merged, _ = attach_paraphrases(component, occurrences, pairs, sim)
    assert merged.tolist() == [0, 0, 0, 0, 4, 5]
