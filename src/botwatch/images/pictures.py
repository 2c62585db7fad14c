"""Pictures found in a source, tied to accounts or not, hashed into ``avatar_hashes``, with one count line.

Every source of profile pictures (an ``--avatars`` folder, a 4CAT image download, a Telegram Desktop export)
lists what it holds as :class:`Found` pictures: a file (or zip member) and the accounts it belongs to, or the
reason it belongs to none. :func:`store_found` hashes each picture that has an owner once, writes a row per
owner (replacing that account's earlier pictures from the same origin) and returns a :class:`PictureReport`:
"N pictures, M matched to accounts (H hashed, R refused), K unmatched (reasons)", so that nothing is silently
lost.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from botwatch.images.hashing import HASH_KIND, ImageRefused, hash_picture, read_bounded
from botwatch.store.rows import insert_rows

Owner = tuple[str, str]  # (platform, account_id)


@dataclass(frozen=True)
class Found:
    """One picture of a source: ``where`` (a path or zip locator; None when the source only names it),
    its ``owners``, ``how`` they were found, or ``unmatched``: why it has none. ``refused``: a reason not to read
    it although it has owners (a name leading outside the source, a missing file)."""

    where: str | None
    owners: tuple[Owner, ...] = ()
    how: str = ""
    unmatched: str | None = None
    refused: str | None = None


@dataclass
class PictureReport:
    """The counts of one source of pictures (see the module doc); ``notes`` add what the source said."""

    source: str
    kind: str
    pictures: int = 0
    matched: int = 0
    hashed: int = 0
    refused: int = 0
    unmatched: dict[str, int] = field(default_factory=dict)
    matched_by: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def n_unmatched(self) -> int:
        return sum(self.unmatched.values())

    def line(self) -> str:
        """One line for the terminal."""
        reasons = ", ".join(
            f"{n} {why}" for why, n in sorted(self.unmatched.items(), key=lambda t: (-t[1], t[0]))
        )
        text = (
            f"{self.source}: {self.kind}: {self.pictures} pictures, {self.matched} matched to accounts "
            f"({self.hashed} hashed, {self.refused} refused: see avatar_hashes.reason), "
            f"{self.n_unmatched} unmatched" + (f" ({reasons})" if reasons else "")
        )
        return "; ".join([text, *self.notes])

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "kind": self.kind,
            "pictures": self.pictures,
            "matched": self.matched,
            "hashed": self.hashed,
            "refused": self.refused,
            "unmatched": dict(self.unmatched),
            "matched_by": dict(self.matched_by),
            "notes": list(self.notes),
        }


def hash_row(where: str | Path, limits: dict) -> tuple:
    """(sha256, size, width, height, kind, phash, mirror, windows, status, reason) of one picture."""
    try:
        h = hash_picture(read_bounded(where, int(limits["max_file_bytes"])), int(limits["max_pixels"]))
    except ImageRefused as exc:
        return (None, None, None, None, HASH_KIND, None, None, None, "refused", str(exc))
    return (
        h.sha256,
        h.size_bytes,
        h.width,
        h.height,
        HASH_KIND,
        h.phash,
        h.mirror,
        h.windows,
        "hashed",
        None,
    )


HASH_COLUMNS = (
    "platform",
    "account_id",
    "origin",
    "path",
    "sha256",
    "size_bytes",
    "width",
    "height",
    "hash_kind",
)
HASH_COLUMNS += ("phash", "mirror", "windows", "status", "reason")


def insert_hashes(con, rows: list[tuple]) -> None:
    """Insert ``avatar_hashes`` rows (tuples in :data:`HASH_COLUMNS` order), stamped now."""
    insert_rows(con, "avatar_hashes", [dict(zip(HASH_COLUMNS, r)) for r in rows])
    con.execute("UPDATE avatar_hashes SET hashed_at = now()::TIMESTAMP WHERE hashed_at IS NULL")


def refused_row(reason: str) -> tuple:
    return (None,) * 4 + (HASH_KIND, None, None, None, "refused", reason)


def case_accounts(con) -> set[Owner]:
    return set(con.execute("SELECT platform, account_id FROM accounts").fetchall())


def _absolute(where) -> str | None:
    """A picture's place stored absolute (``detect``'s ORB checks and the report read the file again, from
    whatever folder they run in); a zip member keeps its ``<zip>!/<member>`` form with the zip made absolute."""
    if where is None:
        return None
    head, sep, member = str(where).partition("!/")
    return str(Path(head).absolute()) + sep + member


def store_found(con, found: list[Found], origin: str, report: PictureReport, limits: dict) -> PictureReport:
    """Hash the pictures of ``found`` that have owners into ``avatar_hashes`` (origin ``origin``) and count all."""
    rows, unmatched, how = [], Counter(report.unmatched), Counter(report.matched_by)
    for f in found:
        report.pictures += 1
        if not f.owners:
            unmatched[f.unmatched or "no account"] += 1
            continue
        row = refused_row(f.refused) if f.refused else hash_row(f.where, limits)
        report.matched += 1
        how[f.how] += 1
        if row[8] == "hashed":
            report.hashed += 1
        else:
            report.refused += 1
        for platform, acct in sorted(set(f.owners)):
            rows.append((platform, acct, origin, _absolute(f.where), *row))
    if rows:
        con.execute(
            "DELETE FROM avatar_hashes WHERE origin = ? AND platform || chr(0) || account_id IN (SELECT unnest(?))",
            [origin, sorted({f"{r[0]}\x00{r[1]}" for r in rows})],
        )
        insert_hashes(con, rows)
    report.unmatched, report.matched_by = dict(unmatched), dict(how)
    return report
