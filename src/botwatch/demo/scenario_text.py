"""The texts of the scenario family (:mod:`botwatch.demo.scenarios`), vectorised: organic comments and honest
praise from flattened grammars, headlines, template filling and paraphrase. Every draw takes the caller's
seeded generator."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from botwatch.demo.scenario_words import (
    _EN,
    _EN_PATTERNS,
    _HEAD_KK,
    _HEAD_PATTERNS,
    _HEAD_RU,
    _INFLECT,
    _KK,
    _KK_LATIN,
    _KK_PATTERNS,
    _PRAISE_KK,
    _PRAISE_PATTERNS,
    _PRAISE_RU,
    _RU,
    _RU_PATTERNS,
    CLOSERS,
    DECORATIONS,
    LANGUAGE_MIX,
    PARAPHRASE_SYNONYMS,
    PRAISE_CLOSERS,
    PRAISE_SEPARATORS,
)


class _Grammar:
    """Flattened grammar: each row picks a pattern of its language, each pattern position an option of its
    category; ``W`` positions pick a word from the language's whole vocabulary."""

    def __init__(self, specs: list[tuple[dict[str, list[str]], list[str], str]]):
        options: list[str] = []
        cat_start, cat_size = [], []
        pat_cats: list[int] = []
        pat_off, pat_len, lang_pat_start, lang_pat_n = [], [], [], []
        for cats, patterns, lang in specs:
            ids: dict[str, int] = {}
            vocab = sorted(
                {
                    w.strip(",.?!")
                    for name, opts in cats.items()
                    if name != "OPEN"
                    for o in opts
                    for w in o.split()
                }
                - {""}
            )
            free = sorted(_INFLECT[lang](set(cats.get("W", []))) | set(vocab))
            for name, opts in {**cats, "W": free}.items():
                ids[name] = len(cat_start)
                cat_start.append(len(options))
                cat_size.append(len(opts))
                options += opts
            lang_pat_start.append(len(pat_off))
            lang_pat_n.append(len(patterns))
            for p in patterns:
                names = p.split()
                pat_off.append(len(pat_cats))
                pat_len.append(len(names))
                pat_cats += [ids[n] for n in names]
        self.options = pa.array(options, pa.string())
        self.cat_start, self.cat_size = np.array(cat_start), np.array(cat_size)
        self.pat_cats, self.pat_off, self.pat_len = np.array(pat_cats), np.array(pat_off), np.array(pat_len)
        self.lang_pat_start, self.lang_pat_n = np.array(lang_pat_start), np.array(lang_pat_n)

    def sentences(self, rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
        n = len(langs)
        pat = self.lang_pat_start[langs] + (rng.random(n) * self.lang_pat_n[langs]).astype(np.int64)
        lens = self.pat_len[pat]
        offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int32)
        row = np.repeat(np.arange(n), lens)
        pos = np.arange(len(row)) - offsets[:-1][row]
        cat = self.pat_cats[self.pat_off[pat[row]] + pos]
        pick = self.cat_start[cat] + (rng.random(len(row)) * self.cat_size[cat]).astype(np.int64)
        words = self.options.take(pa.array(pick))
        return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), " ")


_GRAMMAR: _Grammar | None = None
_HEADLINES: _Grammar | None = None


def _grammar() -> _Grammar:
    global _GRAMMAR
    if _GRAMMAR is None:  # ru, kk, kk-latin (kk text, transliterated afterwards), en
        _GRAMMAR = _Grammar(
            [
                (_RU, _RU_PATTERNS, "ru"),
                (_KK, _KK_PATTERNS, "kk"),
                (_KK, _KK_PATTERNS, "kk"),
                (_EN, _EN_PATTERNS, "en"),
            ]
        )
    return _GRAMMAR


def _headline_grammar() -> _Grammar:
    global _HEADLINES
    if _HEADLINES is None:
        _HEADLINES = _Grammar(
            [
                (
                    {**_HEAD_RU, "W": _RU["W"]},
                    [_HEAD_PATTERNS["ru"] + " W W W W", _HEAD_PATTERNS["ru"] + " W W W W W"],
                    "ru",
                ),
                (
                    {**_HEAD_KK, "W": _KK["W"]},
                    [_HEAD_PATTERNS["kk"] + " W W W W", _HEAD_PATTERNS["kk"] + " W W W W W"],
                    "kk",
                ),
            ]
        )
    return _HEADLINES


def kazakh_to_latin(arr: pa.Array) -> pa.Array:
    """Kazakh Cyrillic to the 2021 Latin alphabet (lower case), vectorised."""
    out = pc.utf8_lower(arr)
    for cyr, lat in _KK_LATIN.items():
        out = pc.replace_substring(out, cyr, lat)
    return out


def organic_texts(rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
    """Honest comments of 3-30 words: one to three grammar sentences, sometimes free words, a closer."""
    g = _grammar()
    n = len(langs)
    n_sent = 1 + (rng.random(n) < 0.45).astype(np.int64) + (rng.random(n) < 0.2).astype(np.int64)
    s1, s2, s3 = (g.sentences(rng, langs) for _ in range(3))
    sep2 = pa.array(np.array([", ", ". ", " - ", " и ", "; "])[rng.integers(0, 5, n)])
    sep3 = pa.array(np.array([". ", "! ", ", ", "... "])[rng.integers(0, 4, n)])
    text = _join_sentences(n_sent, s1, sep2, s2, sep3, s3)
    closers = pa.array(CLOSERS).take(pa.array(rng.integers(0, len(CLOSERS), n)))
    text = pc.binary_join_element_wise(text, closers, "")
    latin = langs == 2
    if latin.any():
        idx = np.flatnonzero(latin)
        text = pc.replace_with_mask(text, pa.array(latin), kazakh_to_latin(text.take(pa.array(idx))))
    return text


def _join_sentences(n_sent: np.ndarray, s1, sep2, s2, sep3, s3) -> pa.Array:
    """The first sentence, then the second and third (each after its separator) where ``n_sent`` asks for them."""
    empty = pa.scalar("")
    return pc.binary_join_element_wise(
        s1,
        pc.if_else(pa.array(n_sent >= 2), pc.binary_join_element_wise(sep2, s2, ""), empty),
        pc.if_else(pa.array(n_sent >= 3), pc.binary_join_element_wise(sep3, s3, ""), empty),
        "",
    )


_PRAISE: _Grammar | None = None


def _praise_grammar() -> _Grammar:
    global _PRAISE
    if _PRAISE is None:  # Russian, Kazakh
        _PRAISE = _Grammar([(_PRAISE_RU, _PRAISE_PATTERNS, "ru"), (_PRAISE_KK, _PRAISE_PATTERNS, "kk")])
    return _PRAISE


def praise_texts(rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
    """Honest praise of the government (``langs``: 0 Russian, 1 Kazakh, 2 both, switching between sentences): one
    to three sentences of the praise grammar, sometimes one of everyday talk, and an emoji or punctuation."""
    g = _praise_grammar()
    n = len(langs)
    n_sent = 1 + (rng.random(n) < 0.5).astype(np.int64) + (rng.random(n) < 0.2).astype(np.int64)
    s1, s2, s3 = (g.sentences(rng, np.where(langs == 2, rng.integers(0, 2, n), langs)) for _ in range(3))
    everyday = rng.random(n) < 0.15
    s2 = pc.if_else(pa.array(everyday), _grammar().sentences(rng, np.where(langs == 2, 0, langs)), s2)
    n_sent = np.where(everyday, np.maximum(n_sent, 2), n_sent)
    seps = np.array(PRAISE_SEPARATORS)
    sep2 = pa.array(seps[rng.integers(0, len(seps), n)])
    sep3 = pa.array(seps[rng.integers(0, len(seps), n)])
    text = _join_sentences(n_sent, s1, sep2, s2, sep3, s3)
    closers = pa.array(PRAISE_CLOSERS).take(pa.array(rng.integers(0, len(PRAISE_CLOSERS), n)))
    return pc.binary_join_element_wise(text, closers, "")


def _fill(template: str, options: dict[str, list[str]], rng: np.random.Generator) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: options[m.group(1)][int(rng.integers(len(options[m.group(1)])))], template
    )


_TOKEN = re.compile(r"^(\W*)(.*?)(\W*)$")


def paraphrase(text: str, rng: np.random.Generator) -> str:
    """Reword a planted comment with two to four of: clauses swapped, one or two words dropped, synonyms,
    emoji or punctuation added, Russian and Kazakh words mixed."""
    ops = sorted(rng.choice(5, size=int(rng.integers(2, 5)), replace=False).tolist())
    for op in ops:
        if op == 0:  # swap two clauses
            parts = [p for p in re.split(r"(?<=[.!?,:;])\s+", text) if p]
            if len(parts) >= 2:
                i = int(rng.integers(len(parts) - 1))
                parts[i], parts[i + 1] = parts[i + 1], parts[i]
                text = " ".join(parts)
        elif op == 1:  # drop one or two words
            words = text.split()
            if len(words) > 5:
                k = 1 + int(rng.random() < 0.5)
                drop = set(rng.choice(np.arange(1, len(words)), size=k, replace=False).tolist())
                text = " ".join(w for i, w in enumerate(words) if i not in drop)
        elif op in (2, 4):  # synonyms / the other language
            table = PARAPHRASE_SYNONYMS if op == 2 else LANGUAGE_MIX
            words = text.split()
            for i, w in enumerate(words):
                pre, core, post = _TOKEN.match(w).groups()
                alt = table.get(core.lower())
                if alt is not None and rng.random() < 0.7:
                    pick = alt if isinstance(alt, str) else alt[int(rng.integers(len(alt)))]
                    words[i] = pre + pick + post
            text = " ".join(words)
        else:  # decorations
            deco = DECORATIONS[int(rng.integers(len(DECORATIONS)))]
            text = f"{deco} {text}" if rng.random() < 0.3 else f"{text} {deco}"
            if rng.random() < 0.3:
                text = text.replace("!", "!!", 1)
    return text
