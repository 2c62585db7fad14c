"""Profile pictures in a case: hashing them into ``avatar_hashes``, reference galleries, and finding matches.

Pictures come from a folder the investigator passes (:func:`hash_avatar_dir`: files named ``<account_id>.<ext>``
or listed in a ``map.csv`` of ``account_id,file``; the platform is the account's in the case), a 4CAT image
download (:mod:`botwatch.images.fourcat`), a Telegram Desktop export (:mod:`botwatch.images.telegram_export`)
and the ``avatar_path`` of accounts whose adapter saw a file (:func:`hash_account_avatars`). Only hashes, the file path
and its SHA-256 are stored, never the image. A picture that cannot be read safely is recorded with status
``refused`` and the reason. Galleries (:func:`add_gallery`) are named sets of hashes of photos known to be stolen
or generated. :func:`match_pictures` finds matching pairs (see :mod:`botwatch.images.hashing` for the views and
the ORB check, :mod:`botwatch.images.index` for the search).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from botwatch.errors import BotwatchError
from botwatch.images.hashing import (
    HASH_KIND,
    ImageRefused,
    orb_agreement,
    orb_features,
    read_bounded,
)
from botwatch.images.index import HashIndex, to_u64
from botwatch.images.pictures import Found, PictureReport, case_accounts, hash_row, insert_hashes, store_found
from botwatch.settings import Interval, Setting, defaults_of
from botwatch.store.rows import insert_rows

IMAGE_SETTINGS = (
    Setting("max_file_bytes", 5_000_000, Interval(int, 1, None), "largest picture file read to hash"),
    Setting(
        "max_pixels",
        40_000_000,
        Interval(int, 1, None),
        "pictures announcing more pixels are refused as decompression bombs",
    ),
)
IMAGE_LIMITS = defaults_of(IMAGE_SETTINGS)
EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
N_WINDOWS = 4


@dataclass(frozen=True)
class Picture:
    """A hashed picture: who holds it (``owner``: (platform, account_id) or (gallery, file name)), where it is."""

    owner: tuple[str, str]
    path: str | None
    sha256: str
    phash: str
    mirror: str
    windows: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """Two pictures that match: ``how`` is "same picture" or "cropped", with ", mirrored" when flipped."""

    a: Picture
    b: Picture
    distance: int
    how: str


def _dir_entries(folder: Path) -> list[tuple[str, Path]]:
    """(account_id, file) pairs of an avatars folder: its ``map.csv`` when present, else ``<account_id>.<ext>``."""
    if not folder.is_dir():
        raise BotwatchError(
            f"--avatars {folder}: not a folder; pass a folder of <account_id>.jpg files or map.csv, "
            "or a 4CAT image download (a folder or .zip with .metadata.json)"
        )
    mapping = folder / "map.csv"
    if not mapping.is_file():
        return sorted((p.stem, p) for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
    with mapping.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not {"account_id", "file"} <= set(reader.fieldnames or ()):
            raise BotwatchError(f"{mapping}: expected the header account_id,file (found {reader.fieldnames})")
        entries = []
        for row in reader:
            acct, name = (row.get("account_id") or "").strip(), (row.get("file") or "").strip()
            if acct and name:
                entries.append((acct, folder / name))
        return entries


def folder_pictures(con, folder: Path) -> list[Found]:
    """The pictures of an ``--avatars`` folder with their owners: every account of the case with that id (on
    any platform), or the reason there is none."""
    folder = Path(folder).absolute()  # stored absolute: detect and the report read the files again
    entries = _dir_entries(folder)
    platforms: dict[str, list[str]] = {}
    for platform, acct in sorted(case_accounts(con)):
        platforms.setdefault(acct, []).append(platform)
    found = []
    for acct, path in entries:
        if acct not in platforms:
            found.append(Found(str(path), unmatched="no such account in the case"))
            continue
        refused = None
        if not path.resolve().is_relative_to(folder.resolve()):
            refused = "file outside the avatars folder"
        elif not path.is_file():  # missing, a folder, or a FIFO that would block the read
            refused = "not a regular file"
        owners = tuple((p, acct) for p in platforms[acct])
        found.append(Found(str(path), owners, "by file name" if refused is None else "", refused=refused))
    return found


def hash_avatar_dir(con, folder, limits: dict | None = None) -> PictureReport:
    """Hash the pictures of an ``--avatars`` folder (``<account_id>.<ext>`` or ``map.csv``) into
    ``avatar_hashes``, replacing the accounts' earlier pictures from a folder, and count them."""
    limits = {**IMAGE_LIMITS, **(limits or {})}
    report = PictureReport(str(folder), "avatars folder")
    return store_found(con, folder_pictures(con, Path(folder)), "avatars-dir", report, limits)


def hash_avatars(con, path, limits: dict | None = None) -> PictureReport:
    """``ingest --avatars PATH``: a 4CAT image download (a folder or zip with ``.metadata.json``,
    :mod:`botwatch.images.fourcat`) or a folder of ``<account_id>.<ext>`` / ``map.csv``."""
    from botwatch.images.fourcat import hash_fourcat_download, is_fourcat_download

    path = Path(path)
    if is_fourcat_download(path):
        return hash_fourcat_download(con, path, limits)
    if path.is_file() and path.suffix.lower() == ".zip":
        raise BotwatchError(
            f"--avatars {path}: a zip without .metadata.json at its top; only 4CAT image downloads are read "
            "from a zip (unzip other pictures into a folder named by account id, or list them in map.csv)"
        )
    return hash_avatar_dir(con, path, limits)


_GALLERY_COLUMNS = (
    "gallery",
    "file_name",
    "sha256",
    "width",
    "height",
    "hash_kind",
    "phash",
    "mirror",
    "windows",
)
_GALLERY_COLUMNS += ("status", "reason")


def hash_account_avatars(con, limits: dict | None = None) -> int:
    """Hash the ``avatar_path`` files of accounts not hashed yet (by path); returns how many were read."""
    limits = {**IMAGE_LIMITS, **(limits or {})}
    todo = con.execute(
        """SELECT a.platform, a.account_id, a.avatar_path FROM accounts a
           WHERE a.avatar_path IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM avatar_hashes h WHERE h.platform = a.platform AND h.account_id = a.account_id
             AND h.path = a.avatar_path)
           ORDER BY 1, 2"""
    ).fetchall()
    rows = [(platform, acct, "account", path, *hash_row(Path(path), limits)) for platform, acct, path in todo]
    if rows:
        insert_hashes(con, rows)
    return len(rows)


def add_gallery(con, source, name: str, limits: dict | None = None) -> dict:
    """Store gallery ``name`` (replacing one of that name) and return counts hashed and refused: the hashes of
    every picture in the folder ``source`` (and below), never the images; or, when ``source`` is a Parquet file
    written by ``botwatch export --what galleries``, the hashes it carries (another newsroom's gallery)."""
    limits = {**IMAGE_LIMITS, **(limits or {})}
    source = Path(source)
    if not name or not name.strip():
        raise BotwatchError("a gallery needs a name: --name NAME, e.g. --name stolen-from-aigerim")
    if source.is_file() and source.suffix.lower() == ".parquet":
        rows = _gallery_rows_from_export(source, name)
    elif source.is_dir():
        files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS)
        if not files:
            raise BotwatchError(f"{source}: no .jpg/.jpeg/.png/.gif/.webp/.bmp files to add")
        rows = []
        for p in files:
            sha, _, w, h, kind, ph, mi, win, st, why = hash_row(p, limits)
            rows.append((name, str(p.relative_to(source)), sha, w, h, kind, ph, mi, win, st, why))
    else:
        raise BotwatchError(
            f"{source}: not a folder of photos nor a .parquet file from 'botwatch export --what galleries'"
        )
    con.execute("DELETE FROM galleries WHERE gallery = ?", [name])
    con.execute(
        "DELETE FROM gallery_faces WHERE gallery = ?", [name]
    )  # gallery add --faces encodes them anew
    insert_rows(con, "galleries", [dict(zip(_GALLERY_COLUMNS, r)) for r in rows])
    con.execute("UPDATE galleries SET added_at = now()::TIMESTAMP WHERE added_at IS NULL")
    hashed = sum(1 for r in rows if r[9] == "hashed")
    return {"gallery": name, "hashed": hashed, "refused": len(rows) - hashed}


def _gallery_rows_from_export(path: Path, name: str) -> list[tuple]:
    """Gallery rows from a ``galleries`` Parquet export, each hash checked (16 hex digits, our hash kind)."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise BotwatchError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    need = {"sha256", "hash_kind", "phash", "mirror", "windows"}
    if not need <= set(table.column_names):
        raise BotwatchError(
            f"{path}: expected the columns of 'botwatch export --what galleries' ({', '.join(sorted(need))})"
        )
    rows = []
    for n, r in enumerate(table.to_pylist(), start=1):
        hashes = [r["phash"], r["mirror"], *(r["windows"] or [])]
        if (
            r["hash_kind"] != HASH_KIND
            or len(r["windows"] or []) != N_WINDOWS
            or not all(_is_hash(h) for h in hashes)
        ):
            raise BotwatchError(
                f"{path}: row {n} is not a {HASH_KIND} hash set; export it again with this botwatch"
            )
        file_name = r.get("file_name") or f"{r['sha256'][:16]} (imported)"
        rows.append(
            (
                name,
                file_name,
                r["sha256"],
                r.get("width"),
                r.get("height"),
                HASH_KIND,
                r["phash"],
                r["mirror"],
                list(r["windows"]),
                "hashed",
                None,
            )
        )
    if not rows:
        raise BotwatchError(f"{path}: the file holds no gallery hashes")
    return rows


def _is_hash(value) -> bool:
    return isinstance(value, str) and len(value) == 16 and all(c in "0123456789abcdef" for c in value)


def list_galleries(con) -> list[dict]:
    """Each gallery with its pictures hashed and refused, its face encodings and when it was added."""
    rows = con.execute(
        """SELECT gallery, count(*) FILTER (WHERE status = 'hashed'), count(*) FILTER (WHERE status <> 'hashed'),
                  (SELECT count(*) FROM gallery_faces f WHERE f.gallery = g.gallery), max(added_at)
           FROM galleries g GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    return [
        {"gallery": g, "hashed": h, "refused": r, "faces": f, "added_at": str(t)} for g, h, r, f, t in rows
    ]


def account_pictures(con) -> list[Picture]:
    """The hashed picture of every account (a folder's picture before the adapter's file)."""
    rows = con.execute(
        """SELECT platform, account_id, path, sha256, phash, mirror, windows FROM (
             SELECT *, row_number() OVER (PARTITION BY platform, account_id
                                          ORDER BY origin = 'avatars-dir' DESC, hashed_at DESC) AS k
             FROM avatar_hashes WHERE status = 'hashed') WHERE k = 1 ORDER BY platform, account_id"""
    ).fetchall()
    return [Picture((p, a), path, sha, ph, mi, tuple(win)) for p, a, path, sha, ph, mi, win in rows]


def gallery_pictures(con) -> list[Picture]:
    rows = con.execute(
        """SELECT gallery, file_name, sha256, phash, mirror, windows FROM galleries WHERE status = 'hashed'
           ORDER BY 1, 2"""
    ).fetchall()
    return [Picture((g, f), None, sha, ph, mi, tuple(win)) for g, f, sha, ph, mi, win in rows]


def _candidates(queries: list[Picture], keys: list[Picture], max_distance: int, max_window: int):
    """(query index, key index, distance, mirrored, via a window) of every candidate: a query's picture or its
    mirror image within ``max_distance`` of a key's picture, or within ``max_window`` of one of its windows."""
    n, m = len(queries), len(keys)
    q = to_u64([p.phash for p in queries] + [p.mirror for p in queries])
    k = to_u64([p.phash for p in keys] + [w for p in keys for w in p.windows])
    kown = np.concatenate([np.arange(m), np.repeat(np.arange(m), N_WINDOWS)])
    qi, ki, d = HashIndex(k).search(q, max(max_distance, max_window))
    window = ki >= m
    keep = np.where(window, d <= max_window, d <= max_distance)
    return qi[keep] % max(n, 1), kown[ki[keep]], d[keep], qi[keep] >= n, window[keep]


class _OrbCache:
    """ORB features of each picture file, computed once per file and orientation (None: unreadable)."""

    def __init__(self, limits: dict):
        self.limits = limits
        self.features: dict[tuple[str, bool], object] = {}

    def get(self, path: str | None, mirror: bool):
        if not path:
            return None
        if (path, mirror) not in self.features:
            try:
                data = read_bounded(path, int(self.limits["max_file_bytes"]))
                self.features[(path, mirror)] = orb_features(data, int(self.limits["max_pixels"]), mirror)
            except ImageRefused:
                self.features[(path, mirror)] = None
        return self.features[(path, mirror)]

    def confirms(self, a: Picture, b: Picture, mirrored: bool, min_inliers: int) -> bool:
        """Both files at hand and at least ``min_inliers`` ORB matches agree on one plausible transform."""
        return orb_agreement(self.get(a.path, False), self.get(b.path, mirrored)) >= min_inliers


def match_pictures(
    queries: list[Picture],
    keys: list[Picture] | None = None,
    max_distance: int = 4,
    max_window: int = 9,
    min_inliers: int = 40,
    limits: dict | None = None,
) -> list[Match]:
    """Matching pairs among ``queries`` (``keys`` None) or between ``queries`` and ``keys``, best first per pair.

    A whole-picture (or mirror) match within ``max_distance`` bits is the same picture; a window match within
    ``max_window`` bits is a cropped copy when ORB confirms it with ``min_inliers`` (``min_inliers`` 0: no check,
    for galleries, whose images are not kept, window matches then count only within ``max_distance``)."""
    limits = {**IMAGE_LIMITS, **(limits or {})}
    self_join = keys is None
    keys = queries if keys is None else keys
    found: dict[tuple[int, int], tuple] = {}
    for swap in (False, True) if not self_join else (False,):
        qs, ks = (keys, queries) if swap else (queries, keys)
        window_limit = max_window if min_inliers else max_distance
        for qi, ki, d, mirrored, window in zip(*_candidates(qs, ks, max_distance, window_limit)):
            i, j = (int(ki), int(qi)) if swap else (int(qi), int(ki))
            if self_join:
                if i == j or queries[i].owner[0] != queries[j].owner[0]:
                    continue
                i, j = min(i, j), max(i, j)
            rank = (bool(window), int(d))
            if (i, j) not in found or rank < found[(i, j)][0]:
                found[(i, j)] = (rank, bool(mirrored))
    matches, orb = [], _OrbCache(limits)
    for (i, j), ((window, d), mirrored) in sorted(found.items()):
        a, b = queries[i], keys[j]
        if window and min_inliers and not orb.confirms(a, b, mirrored, min_inliers):
            continue
        how = ("cropped" if window else "same picture") + (", mirrored" if mirrored else "")
        matches.append(Match(a, b, d, how))
    return matches
