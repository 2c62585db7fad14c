"""Text normalisation for matching Russian, Kazakh (Cyrillic and Latin) and English comments.

Two comments that a person would call "the same text" should normalise to the same string, even when a bot farm
varies them on purpose. :func:`normalize_texts` applies, in order:

1. Unicode NFKC (full-width letters, ligatures, styled "𝐌𝐚𝐭𝐡" letters become plain letters), then lower case;
   invisible characters (zero-width spaces and joiners, soft hyphens, variation selectors) and stray combining
   marks (stress accents, "zalgo") are always removed. ``ё`` is folded to ``е``.
2. ``links``: URLs (``https://…``, ``www.…``, bare ``*.kz``/``*.ru``/… domains) are removed.
   ``mentions``: ``@handles`` are removed.
3. ``kazakh_latin``: a text written in the Kazakh Latin alphabet (2018 acute version: á ǵ ń ó ú ý ı, sh, ch; or
   the 2021 version: ä ğ ñ ö ş ū ü ı) is transliterated to Cyrillic, so "Jańa Qazaqstan" and "Жаңа Қазақстан"
   match. A text counts as Kazakh Latin when at least 40 % of its Latin words carry a Kazakh marker (one of those
   letters, or ``q`` not followed by ``u``); English texts are left alone.
4. ``homoglyphs``: look-alike letters are folded per word, by the word's majority script: Latin ``a c e o p x y
   …`` inside a Cyrillic word become Cyrillic, Cyrillic ``а е о р с …`` inside a Latin word become Latin (Greek
   look-alikes too), judged by the letters that have no twin in the other script. A one- or two-letter word of
   look-alikes (a Latin "o" in a Russian sentence) follows the text's majority script.
5. ``emoji``: pictographs and other symbols are removed. ``punctuation``: punctuation and remaining symbols become
   spaces (apostrophes inside words are dropped: "don't" → "dont").
6. ``numbers``: every number ("2024", "12,5", "10:30") becomes the placeholder ``0``.
7. Whitespace is collapsed and trimmed.

The work runs on Arrow arrays with vectorised kernels (RE2 regular expressions); only texts that mix scripts or
look Kazakh Latin take a per-word Python pass. Large inputs are cut into one slice per core
(:mod:`botwatch.parallel`). About 1M short comments normalise in a few seconds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from botwatch.parallel import n_threads, parallel_map, slices

__all__ = ["normalize_text", "normalize_texts"]

SWITCHES = ("mentions", "links", "emoji", "punctuation", "numbers", "homoglyphs", "kazakh_latin")
SWITCH_HELP = {  # what each switch folds, for settings and docs
    "mentions": "@handles and VK reply mentions into one token",
    "links": "URLs into one token",
    "emoji": "emoji away",
    "punctuation": "punctuation away",
    "numbers": "digits into one token",
    "homoglyphs": "Latin look-alikes in Cyrillic words (and back)",
    "kazakh_latin": "Kazakh Latin script into Cyrillic",
}
PARALLEL_MIN_TEXTS = 20_000  # texts per thread below which threads cost more than they save
DISTINCT_SHARE = 0.95  # texts are normalised once per distinct text when at most this share is distinct
BLOCK_TEXTS = 100_000  # texts normalised at once per thread: bounds the intermediate arrays' memory

# -- vectorised patterns (RE2 syntax, used by pyarrow.compute) --------------------------------------------------
_INVISIBLE_RE = r"[\p{Cf}\p{Mn}\p{Me}\x{FE00}-\x{FE0F}]+"
_URL_RE = (
    r"(?i)(?:(?:https?://|www\.)[^\s<>\"]+"
    r"|[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:kz|ru|com|org|net|gov|edu|info|io|me|ly|su|uz|kg|by|ua|рф|қаз)"
    r"(?:/[^\s<>\"]*)?(?:[^\p{L}\p{N}]|$))"
)
# @handle, and VK's reply mention "[id123|Name]" / "[club123|Page]"
_MENTION_RE = r"@[\p{L}\p{N}_.]*[\p{L}\p{N}_]|\[(?:id|club|public|event)[\p{L}\p{N}_]+\|[^\]\n]{0,100}\]"
_EMOJI_RE = r"[\p{So}\x{1F3FB}-\x{1F3FF}]+"
_PUNCT_RE = r"[\p{P}\p{Sm}\p{Sc}\p{Sk}]+"
_PUNCT_AND_SYMBOLS_RE = r"[\p{P}\p{S}]+"
_NUMBER_RE = r"\p{N}+(?:[.,:/]\p{N}+)*"
_APOSTROPHE_RE = r"['\x{2019}\x{02BC}`]"
_EXOTIC_RE = r"[^\x00-\x7F\x{0400}-\x{0482}\x{048A}-\x{04FF}]"
# texts that need the per-word pass: a word mixing scripts, a word made only of look-alikes of the other script,
# or a Kazakh Latin hint
_MIXED_WORD_RE = (
    r"\p{Cyrillic}[\p{Latin}\p{Greek}]|[\p{Latin}\p{Greek}]\p{Cyrillic}|\p{Greek}\p{Latin}|\p{Latin}\p{Greek}"
)
_LAT_LOOKALIKE_WORD_RE = r"(?:^|[^\p{L}])[abcehikmoptxyəɵë]{1,2}(?:[^\p{L}]|$)"
_CYR_LOOKALIKE_WORD_RE = r"(?:^|[^\p{L}])[авсеніокмортхујѕԁԛԝһӏ]{1,2}(?:[^\p{L}]|$)"
_KAZAKH_HINT_RE = r"[áǵńóúýıäğñöşūüç]|q[^u]|q$"

# -- per-word tables (Python) -----------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W\d_]+")
_LAT_TO_CYR = str.maketrans(
    {
        "a": "а",
        "b": "в",
        "c": "с",
        "e": "е",
        "h": "н",
        "i": "і",
        "k": "к",
        "m": "м",
        "o": "о",
        "p": "р",
        "t": "т",
        "x": "х",
        "y": "у",
        "ə": "ә",
        "ɵ": "ө",
        "ë": "е",
        "α": "а",
        "ε": "е",
        "ο": "о",
        "ρ": "р",
        "τ": "т",
        "κ": "к",
        "χ": "х",
        "υ": "у",
        "ν": "в",
        "μ": "м",
        "η": "н",
        "ι": "і",
    }
)
_CYR_TO_LAT = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "с": "c",
        "е": "e",
        "н": "h",
        "і": "i",
        "к": "k",
        "м": "m",
        "о": "o",
        "р": "p",
        "т": "t",
        "х": "x",
        "у": "y",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "һ": "h",
        "ӏ": "l",
        "α": "a",
        "ε": "e",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "κ": "k",
        "χ": "x",
        "υ": "u",
        "ν": "v",
        "ι": "i",
    }
)
_LAT_LOOKALIKES = frozenset("abcehikmoptxyəɵë")
_CYR_LOOKALIKES = frozenset("авсеніокмортхујѕԁԛԝһӏ")

_KZ_MARKER = re.compile(r"[áǵńóúýıäğñöşūüç]|q(?!u)")
_KZ_2021 = re.compile(r"[äğñöşūüç]")
_KZ_COMMON = {
    "a": "а",
    "b": "б",
    "c": "ц",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "і",
    "j": "ж",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "қ",
    "r": "р",
    "s": "с",
    "t": "т",
    "v": "в",
    "w": "у",
    "x": "х",
    "z": "з",
}
# 2018 (acute) alphabet: ı = и/й, y = ы, u = ұ, ý = у
_KZ_2018 = {**_KZ_COMMON, "á": "ә", "ǵ": "ғ", "ń": "ң", "ó": "ө", "ú": "ү", "ý": "у", "u": "ұ", "y": "ы"}
_KZ_2018_DIGRAPHS = (("sh", "ш"), ("ch", "ч"), ("ıa", "я"), ("ıý", "ю"), ("ıo", "е"))
# 2021 alphabet: ı = ы, y = и/й, u = у, ū = ұ, ü = ү
_KZ_2021_MAP = {
    **_KZ_COMMON,
    "ä": "ә",
    "ğ": "ғ",
    "ñ": "ң",
    "ö": "ө",
    "ş": "ш",
    "ç": "ч",
    "ū": "ұ",
    "ü": "ү",
    "u": "у",
    "ı": "ы",
}
_KZ_2021_DIGRAPHS = (("sh", "ш"), ("ch", "ч"))
_CYR_VOWELS = frozenset("аәеёиоөуұүыіэюя")
_KZ_I_OR_SHORT_I = {True: "y", False: "ı"}  # by alphabet (2021: True): и, or й after a vowel


_CYR_CLASS = "\u0400-\u052f"
_LAT_CLASS = "a-z\u00c0-\u024f\u0250-\u02af\u1e00-\u1eff"
_GREEK_CLASS = "\u0370-\u03ff"
_CYR = re.compile(f"[{_CYR_CLASS}]")
_LAT_OR_GREEK = re.compile(f"[{_LAT_CLASS}{_GREEK_CLASS}]")
_ALL_LATIN = re.compile(f"[{_LAT_CLASS}]+")
_UNAMBIGUOUS_CYR = re.compile(
    "[" + "".join(c for c in map(chr, range(0x400, 0x530)) if c not in _CYR_LOOKALIKES) + "]"
)
_UNAMBIGUOUS_LAT = re.compile(
    "["
    + "".join(c for c in map(chr, range(0x61, 0x7B)) if c not in _LAT_LOOKALIKES)
    + "\u00c0-\u02af\u1e00-\u1eff]"
)
_LETTER = r"[^\W\d_]"
# anchored at a word's first letter: unanchored, every letter of a long word started a backtracking try
_MIXED_WORD = re.compile(
    f"(?<!{_LETTER}){_LETTER}*(?:[{_CYR_CLASS}][{_LAT_CLASS}{_GREEK_CLASS}]|[{_LAT_CLASS}{_GREEK_CLASS}][{_CYR_CLASS}]"
    f"|[{_LAT_CLASS}][{_GREEK_CLASS}]|[{_GREEK_CLASS}][{_LAT_CLASS}]){_LETTER}*"
)
# short words (one or two letters) made only of look-alikes: "o"/"а"/"с" are Russian prepositions and the
# English article; longer words such as "akim" or "taxi" are left in their script
_LAT_LOOKALIKE_WORD = re.compile(f"(?<!{_LETTER})[abcehikmoptxyəɵë]{{1,2}}(?!{_LETTER})")
_CYR_LOOKALIKE_WORD = re.compile(f"(?<!{_LETTER})[авсеніокмортхујѕԁԛԝһӏ]{{1,2}}(?!{_LETTER})")


def _cyrillic_majority(letters: str, tie: bool | None) -> bool:
    """Whether ``letters`` are mostly Cyrillic, judged by the letters that have no look-alike in the other
    script (``д``, ``и``, ``s``, ``l``). On a tie: ``tie`` when given (a word of look-alikes follows its text),
    else the count of all letters."""
    cyr = len(_UNAMBIGUOUS_CYR.findall(letters))
    lat = len(_UNAMBIGUOUS_LAT.findall(letters))
    if cyr == lat:
        if tie is not None:
            return tie
        cyr = len(_CYR.findall(letters))
        lat = len(_LAT_OR_GREEK.findall(letters))
    return cyr > lat


@functools.lru_cache(maxsize=1 << 17)
def _kazakh_token(word: str, modern: bool) -> str:
    """A word of a Kazakh Latin text: transliterated when it is all Latin, else unchanged (cached: words repeat
    across texts)."""
    return _kazakh_word(word, modern) if _ALL_LATIN.fullmatch(word) else word


def _kazakh_word(word: str, modern: bool) -> str:
    """Transliterate one lower-case Kazakh Latin word to Cyrillic."""
    table = _KZ_2021_MAP if modern else _KZ_2018
    for latin, cyrillic in _KZ_2021_DIGRAPHS if modern else _KZ_2018_DIGRAPHS:
        word = word.replace(latin, cyrillic)
    out: list[str] = []
    i_or_short_i = _KZ_I_OR_SHORT_I[modern]
    for ch in word:
        if ch == i_or_short_i:
            out.append("й" if out and out[-1] in _CYR_VOWELS else "и")
        else:
            out.append(table.get(ch, ch))
    return "".join(out)


# the tables leave the и/й letter alone: it is decided by the letter before it
_KZ_TRANSLATE = {True: str.maketrans(_KZ_2021_MAP), False: str.maketrans(_KZ_2018)}
_KZ_SHORT_I = {
    modern: re.compile(f"(?<=[{''.join(sorted(_CYR_VOWELS))}]){i}") for modern, i in _KZ_I_OR_SHORT_I.items()
}
# a letter of the Latin class next to a letter outside it: a word that mixes scripts (left as it is)
_LAT_NEXT_TO_OTHER = re.compile(
    f"[{_LAT_CLASS}](?=[^\\W\\d_{_LAT_CLASS}])|[^\\W\\d_{_LAT_CLASS}](?=[{_LAT_CLASS}])"
)


def _kazakh_text(text: str, modern: bool) -> str:
    """Every all-Latin word of ``text`` transliterated (:func:`_kazakh_word`), other words unchanged. When no
    word mixes Latin with other letters, the whole text is transliterated at once: the table maps only Latin
    letters, digraphs are two letters of one word, a word's first и/й follows no vowel either way, and any other
    и/й follows a letter already transliterated."""
    short_i = _KZ_I_OR_SHORT_I[modern]
    if short_i * 2 in text or _LAT_NEXT_TO_OTHER.search(text):  # и/й after и/й: the word-by-word loop
        return _WORD.sub(lambda m: _kazakh_token(m.group(), modern), text)
    for latin, cyrillic in _KZ_2021_DIGRAPHS if modern else _KZ_2018_DIGRAPHS:
        text = text.replace(latin, cyrillic)
    text = _KZ_SHORT_I[modern].sub("й", text.translate(_KZ_TRANSLATE[modern]))
    return text.replace(short_i, "и")


def _fold_text(text: str, homoglyphs: bool, kazakh_latin: bool) -> str:
    """The per-word pass for texts that mix scripts or look Kazakh Latin."""
    if kazakh_latin and _KZ_MARKER.search(text):
        latin = [w for w in _WORD.findall(text) if _ALL_LATIN.fullmatch(w)]
        markers = sum(1 for w in latin if _KZ_MARKER.search(w))
        if latin and markers and markers / len(latin) >= 0.4:
            modern = bool(_KZ_2021.search(text))
            text = _kazakh_text(text, modern)
    if not homoglyphs or not _LAT_OR_GREEK.search(text):
        # without a Latin or Greek letter no word mixes scripts and no word is a Latin look-alike, and a
        # Cyrillic look-alike word is folded only in a text that is not mostly Cyrillic (this one is, or has
        # no letters of either script): a transliterated Kazakh text ends here
        return text
    text_is_cyrillic = _cyrillic_majority(text, None)

    def fold_mixed(m: re.Match) -> str:
        word = m.group()
        if not _CYR.search(word):  # Latin with Greek look-alikes
            return word.translate(_CYR_TO_LAT)
        return word.translate(_LAT_TO_CYR if _cyrillic_majority(word, text_is_cyrillic) else _CYR_TO_LAT)

    text = _MIXED_WORD.sub(fold_mixed, text)
    if text_is_cyrillic:
        return _LAT_LOOKALIKE_WORD.sub(lambda m: m.group().translate(_LAT_TO_CYR), text)
    return _CYR_LOOKALIKE_WORD.sub(lambda m: m.group().translate(_CYR_TO_LAT), text)


def _on_subset(arr: pa.Array, mask: pa.Array, fn) -> pa.Array:
    """Apply the array function ``fn`` only to the rows where ``mask`` is true."""
    if not pc.any(mask).as_py():
        return arr
    return pc.replace_with_mask(arr, mask, fn(arr.filter(mask)))


def _as_arrow(texts) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if not isinstance(texts, pa.Array):
        texts = pa.array(list(texts), type=pa.string())
    if pa.types.is_large_string(texts.type) or pa.types.is_string_view(texts.type):
        texts = texts.cast(pa.string())
    return pc.fill_null(texts, "")


def normalize_texts(
    texts: Sequence[str | None] | pa.Array | pa.ChunkedArray,
    *,
    mentions: bool = True,
    links: bool = True,
    emoji: bool = True,
    punctuation: bool = True,
    numbers: bool = True,
    homoglyphs: bool = True,
    kazakh_latin: bool = True,
) -> list[str] | pa.Array:
    """Normalise many texts at once (see the module docstring for the steps and switches).

    Returns a ``list[str]`` for a list input and a ``pyarrow.StringArray`` for an Arrow input; a missing text
    becomes ``""``.

    >>> normalize_texts(["Молoдец, @akim! 👍 https://t.me/x", "Jańa Qazaqstan úshin!"])
    ['молодец', 'жаңа қазақстан үшін']
    """
    arrow_in = isinstance(texts, pa.Array | pa.ChunkedArray)
    arr = _as_arrow(texts)
    if len(arr) == 0:
        return arr if arrow_in else []
    switches = (mentions, links, emoji, punctuation, numbers, homoglyphs, kazakh_latin)  # in SWITCHES order
    if len(arr) >= PARALLEL_MIN_TEXTS:  # repeated texts (templates, stock phrases) are normalised once
        encoded = pc.dictionary_encode(arr)
        if len(encoded.dictionary) <= DISTINCT_SHARE * len(arr):
            out = _normalized(encoded.dictionary, switches).take(encoded.indices)
            return out if arrow_in else out.to_pylist()
    out = _normalized(arr, switches)
    return out if arrow_in else out.to_pylist()


def _normalized(arr: pa.Array, switches: tuple[bool, ...]) -> pa.Array:
    """:func:`_normalize_array` over slices of ``arr`` on every core, each slice at most ``BLOCK_TEXTS``."""
    parts = slices(len(arr), max(n_threads(), -(-len(arr) // BLOCK_TEXTS)), min_size=PARALLEL_MIN_TEXTS)
    if len(parts) == 1:
        out = _normalize_array(arr, switches)
    else:  # Arrow's kernels release the GIL: slices on every core
        out = pa.concat_arrays(
            parallel_map(lambda b: _normalize_array(arr.slice(b[0], b[1] - b[0]), switches), parts)
        )
    return out


def _normalize_array(arr: pa.Array, switches: tuple[bool, ...]) -> pa.Array:
    """The steps of :func:`normalize_texts` on one Arrow array; ``switches`` in :data:`SWITCHES` order."""
    mentions, links, emoji, punctuation, numbers, homoglyphs, kazakh_latin = switches
    # Plain ASCII and basic Cyrillic (Kazakh letters included) are NFKC-stable and hold no invisible
    # characters, combining marks or emoji: the Unicode steps run only on the texts with anything else.
    exotic = pc.match_substring_regex(arr, _EXOTIC_RE)
    arr = _on_subset(
        arr, exotic, lambda a: pc.replace_substring_regex(pc.utf8_normalize(a, "NFKC"), _INVISIBLE_RE, "")
    )
    removals = []
    if links:
        removals.append(_URL_RE)
    if mentions:
        removals.append(_MENTION_RE)
    if removals:
        arr = pc.replace_substring_regex(arr, "|".join(removals), " ")
    arr = pc.utf8_lower(arr)
    # lower() can produce combining marks (e.g. "İ" -> "i" + U+0307); drop them again.
    arr = _on_subset(arr, exotic, lambda a: pc.replace_substring_regex(a, r"\p{Mn}+", ""))
    arr = pc.replace_substring(arr, "ё", "е")
    if homoglyphs or kazakh_latin:
        needs_pass = pc.match_substring_regex(arr, _KAZAKH_HINT_RE) if kazakh_latin else None
        if homoglyphs:
            has_cyr = pc.match_substring_regex(arr, r"\p{Cyrillic}")
            has_lat = pc.match_substring_regex(arr, r"\p{Latin}")
            mixed = pc.or_(
                pc.match_substring_regex(arr, _MIXED_WORD_RE),
                pc.or_(
                    pc.and_(has_cyr, pc.match_substring_regex(arr, _LAT_LOOKALIKE_WORD_RE)),
                    pc.and_(has_lat, pc.match_substring_regex(arr, _CYR_LOOKALIKE_WORD_RE)),
                ),
            )
            needs_pass = mixed if needs_pass is None else pc.or_(needs_pass, mixed)
        arr = _on_subset(
            arr,
            needs_pass,
            lambda a: pa.array([_fold_text(t, homoglyphs, kazakh_latin) for t in a.to_pylist()], pa.string()),
        )
    if emoji and not punctuation:  # with punctuation on, the symbol pass below removes emoji too
        arr = _on_subset(arr, exotic, lambda a: pc.replace_substring_regex(a, _EMOJI_RE, " "))
    if numbers:
        arr = pc.replace_substring_regex(arr, _NUMBER_RE, "0")
    if punctuation:
        arr = pc.replace_substring_regex(arr, _APOSTROPHE_RE, "")
        arr = pc.replace_substring_regex(arr, _PUNCT_AND_SYMBOLS_RE if emoji else _PUNCT_RE, " ")
    arr = pc.replace_substring_regex(arr, r"\s{2,}|[^\S ]", " ")
    return pc.utf8_trim_whitespace(arr)


def normalize_text(text: str | None, **switches: bool) -> str:
    """Normalise one text; the same result as :func:`normalize_texts` gives for it (same switches).

    >>> normalize_text("Спасибо Президенту за заботу о народе!!! 🇰🇿")
    'спасибо президенту за заботу о народе'
    """
    return normalize_texts([text], **switches)[0]
