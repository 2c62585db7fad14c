"""Generated names: handles that follow one pattern across accounts that act together, and sequential handles.

A name generator leaves a shape: ``aigerim_nurlanovna4471``, ``nurlanov.daulet1988``, ``bot_0142``,
``bot_0143``. One such handle means nothing (people add their birth year too); many accounts that act together
sharing one shape, when the shape is rare in the case, is a trace of the tool that made them.

**The shape** of a handle (:func:`handle_shape`): its letters are compared with the display name after
transliteration and folding of spelling variants (:mod:`botwatch.text.translit`, Russian and Kazakh in Cyrillic
or Latin), which gives the kind (``first+last``, ``last+first``, ``initial+last``, ``first``, ``last`` or
``word`` when the letters are not the name), then the separators and the number of trailing digits:
``first+last|_|d4``. Handles that contain a longer account id (``id123456``, ids of five or more characters) are
platform defaults and get no shape; a handle that is the account id itself (a Reddit username) keeps its shape.

**Shared pattern test.** An account's *peers* are the accounts it shares a significant edge with (any layer)
and the members of its registration cohort (``registration_cohorts``). With ``m`` peers that have a shape, ``k``
of them with the account's shape, and ``f`` the share of that shape among the platform's other accounts with a
shape, ``p = P(Binomial(m, f) >= k)``: how unlikely it is that this many peers share the shape if peers drew
their shapes like the case's accounts do. q-values: Benjamini-Hochberg over accounts with peers.

**Sequential handles.** Handles with the same letters and separators and the same number of digits ``d`` form a
stem; ``A`` counts pairs of its numbers that follow each other (``0142``, ``0143``). With ``c`` handles on the
stem and numbers drawn independently, ``A`` is about Poisson with mean ``c (c - 1) / 10^d``; ``p = P(Poisson >=
A)``. Accounts in such a pair carry the stem's p-value; q-values count every stem with two or more numbered
handles as a test. A stem of more than ``max_stem_accounts`` handles (``name_34523`` for every account of an
export) is a convention of the platform or the export and is not tested.

Never flags an account alone: families, fan clubs and school classes name accounts alike.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import scipy.stats

from botwatch.detectors.account_signals import SignalRows, format_p, write_signal_rows
from botwatch.detectors.base import Detector, Interval, RunContext, Setting, Signal
from botwatch.detectors.significance import poisson_sf
from botwatch.text.translit import skeleton, to_latin

_TOKENS = re.compile(r"[^\W\d_]+|\d+|[\W_]+")


def handle_shape(
    handle: str | None, display_name: str | None, account_id: str
) -> tuple[str, str, str] | None:
    """``(shape, stem, digits)`` of a handle, or None for a missing or platform-default handle (see the module
    doc). ``stem`` is the folded letters with the separators; ``digits`` the trailing number."""
    if not handle:
        return None
    h = handle.strip().lstrip("@")
    if not h or h.isdigit() or (h != account_id and len(account_id) >= 5 and account_id in h):
        return None
    tokens = _TOKENS.findall(h)
    letters = skeleton("".join(t for t in tokens if t[0].isalpha()))
    digits = tokens[-1] if tokens[-1].isdigit() else ""
    seps = "".join(t for t in tokens if not t[0].isalnum())[:3]
    words = [w for w in re.findall(r"[^\W\d_]{2,}", display_name or "") if skeleton(w)]
    kind = "word"
    if words:
        first, last = words[0], words[-1]
        named = {
            skeleton(first + last): "first+last",
            skeleton(last + first): "last+first",
            skeleton(to_latin(first)[:1] + last): "initial+last",
            skeleton(first): "first",
            skeleton(last): "last",
        }
        kind = (
            named.get(letters, "word")
            if len(words) > 1
            else ("first" if letters == skeleton(first) else "word")
        )
    if not letters:
        kind = "digits"
    return f"{kind}|{seps}|d{len(digits)}", f"{letters}|{seps}", digits


def _adjacent_pairs(numbers: list[str]) -> tuple[int, set[str]]:
    """Pairs of distinct numbers that follow each other, and the numbers in them."""
    values = sorted({int(n) for n in numbers})
    hits: set[str] = set()
    pairs = 0
    for a, b in zip(values, values[1:]):
        if b == a + 1:
            pairs += 1
            hits.update((str(a), str(b)))
    return pairs, hits


class GeneratedNameDetector(Detector):
    """Accounts whose handles share a rare generated shape with the accounts they act with, or run in sequence."""

    name = "generated_names"
    description = "Handles of one generated pattern among linked accounts; sequential handles"
    signals = (
        Signal(
            "name_pattern", "shares a rare handle pattern with the accounts it acts with (never flags alone)"
        ),
        Signal("sequential_handles", "its handle's number follows another account's (never flags alone)"),
        Signal("handle_digits", "trailing digits of the handle (a feature, untested)", tested=False),
    )
    tables = ("account_signals",)
    requires = ("coaction", "text_coordination", "shared_avatar", "registration_cohorts")
    settings = (
        Setting("min_peers_sharing", 2, Interval(int, 1, None), "peers with the same shape that are tested"),
        Setting(
            "fdr", 0.01, Interval(float, 0, 1), "false-discovery rate (Benjamini-Hochberg over accounts)"
        ),
        Setting(
            "max_stem_accounts",
            1000,
            Interval(int, 2, None),
            "stems of more numbered handles are a platform's or an export's convention, not tested",
        ),
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        con = ctx.con
        con.execute(
            "DELETE FROM account_signals WHERE run_id = ? AND signal IN "
            "('name_pattern', 'sequential_handles', 'handle_digits')",
            [ctx.run_id],
        )
        shapes: dict[tuple[str, str], tuple[str, str, str]] = {}
        for platform, acct, handle, display in con.execute(
            "SELECT platform, account_id, handle, display_name FROM accounts ORDER BY 1, 2"
        ).fetchall():
            s = handle_shape(handle, display, acct)
            if s:
                shapes[(platform, acct)] = s
        if not shapes:
            return {"name_pattern": "off: no account has a handle of its own"}
        digits = SignalRows("handle_digits")
        for (platform, acct), (_, _, d) in shapes.items():
            digits.add(platform, acct, len(d))
        write_signal_rows(con, ctx.run_id, digits, 1.0)
        fdr = float(self.params["fdr"])
        n_pattern = write_signal_rows(con, ctx.run_id, self._patterns(con, ctx.run_id, shapes), fdr)
        sequences, stems = self._sequences(shapes)
        n_seq = write_signal_rows(con, ctx.run_id, sequences, fdr, hypotheses=stems)
        return {"handles": len(shapes), "name_pattern": n_pattern, "sequential_handles": n_seq}

    def _peers(self, con, run_id: int) -> dict[tuple[str, str], set[str]]:
        peers: dict[tuple[str, str], set[str]] = defaultdict(set)
        for platform, a, b in con.execute(
            f"""SELECT platform, account_a, account_b FROM edges WHERE run_id = {int(run_id)} AND significant
                UNION SELECT x.platform, x.account_id, y.account_id FROM account_signals x JOIN account_signals y
                  ON x.platform = y.platform AND x.group_id = y.group_id AND x.account_id <> y.account_id
                WHERE x.run_id = {int(run_id)} AND y.run_id = {int(run_id)} AND x.signal = 'registration_cohort'
                  AND y.signal = 'registration_cohort' AND x.significant AND y.significant"""
        ).fetchall():
            peers[(platform, a)].add(b)
            peers[(platform, b)].add(a)
        return peers

    def _patterns(self, con, run_id: int, shapes: dict) -> SignalRows:
        rows = SignalRows("name_pattern")
        counts = Counter((platform, s[0]) for (platform, _), s in shapes.items())
        totals = Counter(platform for platform, _ in shapes)
        min_k = int(self.params["min_peers_sharing"])
        for key, others in sorted(self._peers(con, run_id).items()):
            mine = shapes.get(key)
            platform = key[0]
            shaped = [o for o in others if (platform, o) in shapes]
            if mine is None or not shaped:
                continue
            same = sorted(o for o in shaped if shapes[(platform, o)][0] == mine[0])
            m, k = len(shaped), len(same)
            f = (counts[(platform, mine[0])] - 1) / max(totals[platform] - 1, 1)
            p = float(scipy.stats.binom.sf(k - 1, m, f)) if k >= min_k else 1.0
            text = (
                f"its handle has the shape {mine[0]} like {k} of the {m} accounts it acts with or was registered "
                f"with, a shape {f:.1%} of the platform's accounts have (expected {m * f:.2g}; p = {format_p(p)})"
            )
            rows.add(platform, key[1], k, m * f, p, mine[0], text)
        return rows

    def _sequences(self, shapes: dict) -> tuple[SignalRows, dict]:
        """Rows for accounts in consecutive pairs, and the number of stems tested per platform (every stem with
        two or more numbered handles: the multiplicity of the test)."""
        rows = SignalRows("sequential_handles")
        stems: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
        for (platform, acct), (_, stem, d) in shapes.items():
            if d:
                stems[(platform, stem, len(d))].append((acct, d))
        cap = int(self.params["max_stem_accounts"])
        stems = {k: v for k, v in stems.items() if len(v) <= cap}
        tested = Counter(platform for (platform, _, _), members in stems.items() if len(members) > 1)
        for (platform, stem, width), members in sorted(stems.items()):
            pairs, hits = _adjacent_pairs([d for _, d in members])
            if not pairs:
                continue
            c = len(members)
            lam = c * (c - 1) / 10.0**width
            p = float(poisson_sf(pairs, lam))
            for acct, d in sorted(members):
                if str(int(d)) in hits:
                    text = (
                        f"its handle is one of {c} with the same letters and {width}-digit numbers, {pairs} pair(s) of "
                        f"which are consecutive where chance gives {lam:.2g} (p = {format_p(p)})"
                    )
                    rows.add(platform, acct, pairs, lam, p, f"{stem}#{width}", text)
        return rows, dict(tested)
