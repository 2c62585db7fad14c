"""Handles for the demo's accounts: what a name generator makes for planted accounts, and what real people pick.

Planted accounts of one campaign share one generator style, drawn per campaign:

* ``name_digits``: first name + separator + surname + four digits, in one of two Latin spellings of the Cyrillic
  name (``aigerim_nurlanqyzy4471``, ``aygerim_nurlankyzy4471``);
* ``surname_year``: surname + "." + first name + a birth year (``nurlanov.daulet1988``);
* ``sequential``: a fixed word + a running three-digit number (``qazaq_eli_142``, ``qazaq_eli_143``, ...).

Organic look-alikes: some real people also write their name with digits (``daulet_k_07``, ``aigerim.s1995``),
with varied separators, initials and digit counts, so digits alone mean nothing.

Draws come from their own generator (``seed`` and the stream number 11), so adding handles leaves the rest of
the demo world as it was.
"""

from __future__ import annotations

import numpy as np

from botwatch.demo.phrases import kazakh_to_latin
from botwatch.text.translit import to_latin

STYLES = ("name_digits", "sequential", "surname_year")  # by campaign, in the order campaigns are made
SEQUENCE_WORDS = ("qazaq_eli_", "nur_otan_", "akorda_dos_", "jana_qazaq_")


def _latin(name: str, variant: int) -> str:
    """One of two Latin spellings: the informal Kazakh one (қ -> q, ы -> y) or passport-style (қ -> k)."""
    s = kazakh_to_latin(name.lower()) if variant == 0 else to_latin(name).replace("q", "k")
    return "".join(ch for ch in s if ch.isalnum())


class HandleMaker:
    """Seeded handles for planted and organic accounts."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng([seed, 11])
        self.style: dict[str, str] = {}
        self.next_number: dict[str, int] = {}
        self.word: dict[str, str] = {}

    def planted(self, campaign: str, first: str, last: str) -> str:
        """The handle the campaign's generator gives the next account."""
        rng = self.rng
        if campaign not in self.style:
            self.style[campaign] = STYLES[len(self.style) % len(STYLES)]
            self.next_number[campaign] = int(rng.integers(100, 700))
            self.word[campaign] = SEQUENCE_WORDS[int(rng.integers(len(SEQUENCE_WORDS)))]
        style = self.style[campaign]
        variant = int(rng.integers(2))
        if style == "sequential":
            n = self.next_number[campaign]
            self.next_number[campaign] = n + 1
            return f"{self.word[campaign]}{n:03d}"
        if style == "surname_year":
            return f"{_latin(last, variant)}.{_latin(first, variant)}{int(rng.integers(1975, 2004))}"
        return f"{_latin(first, variant)}_{_latin(last, variant)}{int(rng.integers(1000, 10000))}"

    def organic(self, first: str, last: str) -> str:
        """A real-looking handle with digits: varied separators, initials and digit counts."""
        rng = self.rng
        f, surname = _latin(first, int(rng.integers(2))), _latin(last, int(rng.integers(2)))
        sep = ("", "_", ".")[int(rng.integers(3))]
        form = int(rng.choice(4, p=[0.2, 0.5, 0.15, 0.15]))  # name + surname is the most common
        if form == 0:
            base = f"{f}{sep}{surname[:1]}"
        elif form == 1:
            base = f"{f}{sep}{surname}"
        elif form == 2:
            base = f"{surname}{sep}{f[:1]}"
        else:
            base = f
        digits = ("07", "95", "1995", "2001", "777", "13", "88", "1987", "1979", "2004")[
            int(rng.integers(10))
        ]
        return f"{base}{sep if rng.random() < 0.3 else ''}{digits}"
