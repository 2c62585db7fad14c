"""The template of a cluster of near-duplicate texts: the shared skeleton with its varying slots.

:func:`extract_template` aligns every text's tokens against the cluster medoid (the text most similar to the
others) with :class:`difflib.SequenceMatcher`. A medoid token that every text keeps becomes fixed template text;
between two fixed tokens, whatever the texts put there (a substituted word, an inserted or dropped phrase) is a
slot. Slots are written ``{я/мы}`` with up to ``max_shown`` distinct fillers, most frequent first, ``…`` when
there are more, and ``∅`` for "nothing here" — e.g. ``{я/мы} сделал выбор за новый казахстан наша семья
отдает {четыре голоса/пять голосов} за токаева``.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Template", "extract_template", "medoid_index"]

EMPTY = "∅"


@dataclass(frozen=True)
class Template:
    """``text`` is the template string; ``slots`` is a list of ``{"position", "values", "n_values"}`` where
    ``position`` is the slot's index among the template's elements (fixed tokens and slots, from 0) and
    ``values`` its fillers, most frequent first ("" for an empty filler)."""

    text: str
    slots: list[dict] = field(default_factory=list)
    medoid: int = 0


def _token_sets_jaccard(sets: list[frozenset], i: int) -> float:
    a = sets[i]
    total = 0.0
    for j, b in enumerate(sets):
        if j != i and (a or b):
            total += len(a & b) / len(a | b)
    return total


def medoid_index(token_lists: list[list[str]], max_texts: int = 200) -> int:
    """Index of the text with the highest total token-set Jaccard similarity to the others (among the first
    ``max_texts`` texts in the order given; ties go to the earlier text)."""
    if not token_lists:
        raise ValueError("no texts")
    candidates = token_lists[:max_texts]
    sets = [frozenset(t) for t in candidates]
    scores = np.array([_token_sets_jaccard(sets, i) for i in range(len(sets))])
    return int(np.argmax(scores))


def _render(values: Counter, max_shown: int) -> str:
    ordered = [v for v, _ in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))]
    shown = [v if v else EMPTY for v in ordered[:max_shown]]
    if len(ordered) > max_shown:
        shown.append("…")
    return "{" + "/".join(shown) + "}"


def extract_template(
    texts: list[str],
    *,
    medoid: int | None = None,
    max_shown: int = 4,
    max_values: int = 20,
    max_texts: int = 500,
) -> Template:
    """Extract the template of ``texts`` (normalised strings; tokens split on whitespace).

    ``medoid`` is the index of the reference text (default: :func:`medoid_index`). At most ``max_texts`` texts
    (the first ones given) are aligned; ``max_shown`` fillers appear in the string and ``max_values`` in each
    slot's ``values``.
    """
    if not texts:
        return Template(text="", slots=[], medoid=0)
    token_lists = [t.split() for t in texts[:max_texts]]
    if medoid is None or medoid >= len(token_lists):
        medoid = medoid_index(token_lists)
    ref = token_lists[medoid]
    n_ref = len(ref)
    # identical texts align identically: align each distinct text once and count it as often as it occurs
    weight = Counter(map(tuple, token_lists))
    token_lists = [list(t) for t in weight]
    counts = list(weight.values())
    kept = np.ones(n_ref, dtype=bool)
    alignments: list[list[int]] = []  # per distinct text: for each ref token, its index in the text or -1
    for tokens in token_lists:
        where = [-1] * n_ref
        matcher = difflib.SequenceMatcher(None, ref, tokens, autojunk=False)
        for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
            if tag == "equal":
                for offset in range(i2 - i1):
                    where[i1 + offset] = j1 + offset
        kept &= np.array(where, dtype=np.int64) >= 0
        alignments.append(where)
    anchors = [int(i) for i in np.flatnonzero(kept)]
    # segments: before the first anchor, between consecutive anchors, after the last
    fillers: list[Counter] = [Counter() for _ in range(len(anchors) + 1)]
    for tokens, where, count in zip(token_lists, alignments, counts):
        bounds = [-1] + [where[a] for a in anchors] + [len(tokens)]
        for s in range(len(anchors) + 1):
            fillers[s][" ".join(tokens[bounds[s] + 1 : bounds[s + 1]])] += count
    parts: list[str] = []
    slots: list[dict] = []
    for s, values in enumerate(fillers):
        if set(values) != {""}:
            if len(values) == 1:  # every text has the same extra words here: fixed text, not a slot
                parts.extend(next(iter(values)).split())
            else:
                ordered = [v for v, _ in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))]
                slots.append(
                    {"position": len(parts), "values": ordered[:max_values], "n_values": len(ordered)}
                )
                parts.append(_render(values, max_shown))
        if s < len(anchors):
            parts.append(ref[anchors[s]])
    return Template(text=" ".join(parts), slots=slots, medoid=medoid)
