"""Cyrillic-to-Latin transliteration of Russian and Kazakh names, and a skeleton that folds spelling variants.

A generated handle spells the display name in Latin letters, and operators (like people) use several
systems: "Айгерим Нұрланқызы" becomes ``aigerim_nurlankyzy``, ``aygerim.nurlanqyzy`` or ``ajgerim_nurlankizi``.
:func:`to_latin` transliterates one letter at a time with the table below (close to the Kazakh 2021 Latin
alphabet and to passport-style Russian romanisation); :func:`skeleton` then folds the common variants (``q``/
``k``, ``y``/``i``/``j``, ``kh``/``h``, ``zh``/``j``, ``w``/``v``, ``ya``/``ia``, doubled letters, ``ts``/``c``...) so that all
of these spellings give the same string. Skeletons compare names; they are not meant to be read.
"""

from __future__ import annotations

import re
import unicodedata

# Russian and Kazakh Cyrillic letters -> Latin (lower case). Kazakh-only letters: ә ғ қ ң ө ұ ү һ і.
CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
    "ә": "a", "ғ": "g", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip

# folding of Latin spelling variants, applied in this order to a lower-case Latin string
_FOLDS = (
    ("shch", "sh"), ("sch", "sh"), ("kh", "h"), ("zh", "j"), ("ch", "c"), ("ts", "c"), ("tz", "c"),
    ("ng", "n"), ("q", "k"), ("w", "v"), ("x", "ks"), ("yo", "o"), ("yu", "u"), ("ya", "a"), ("ye", "e"),
    ("iy", "i"), ("ii", "i"), ("y", "i"), ("j", "i"), ("c", "k"), ("ia", "a"), ("iu", "u"), ("io", "o"),
)  # fmt: skip
_DOUBLED = re.compile(r"(.)\1+")


def to_latin(text: str) -> str:
    """Lower-case ``text`` with Cyrillic letters transliterated and accents dropped (``Нұрлан`` -> ``nurlan``)."""
    low = unicodedata.normalize("NFC", text.lower())
    out = "".join(CYRILLIC_TO_LATIN.get(ch, ch) for ch in low)
    return "".join(ch for ch in unicodedata.normalize("NFKD", out) if not unicodedata.combining(ch))


def skeleton(text: str) -> str:
    """The letters of ``text`` in Latin with spelling variants folded (``Айгерим``, ``aigerim``, ``aygerim`` ->
    ``aigerim``); digits and separators are dropped."""
    s = "".join(ch for ch in to_latin(text) if "a" <= ch <= "z")
    for a, b in _FOLDS:
        s = s.replace(a, b)
    return _DOUBLED.sub(r"\1", s)
