"""4CAT image downloads: a zip (or its unzipped folder) of pictures and the ``.metadata.json`` that names them.

4CAT's "Download images" processor (and "Download TikTok images", "Download Telegram images") writes the
pictures flat into one zip with a ``.metadata.json`` at its top: a JSON object keyed by the source URL (by
file name for Telegram), each value ``{"filename", "success", "from_dataset", "post_ids"}`` (``post_ids``: the
4CAT item ids of the posts the URL was found in; Instagram items are known there by their shortcode, X and
TikTok items by their id). Run on the column ``author_avatar_url`` of an Instagram, TikTok or X dataset
captured with Zeeschuimer, it downloads profile pictures.

A picture is tied to accounts of the case:

1. **by avatar URL**: its URL names the same picture as an account's ``avatar_url`` once host, query, size
   markers and extension are dropped (:func:`botwatch.images.urls.picture_url_key`); every such account gets it;
2. **by post id**, only when the URL is on a CDN path that serves profile pictures alone
   (:func:`~botwatch.images.urls.looks_like_profile_picture`): the authors of the posts in ``post_ids`` that the
   case holds. A post's own image (a thumbnail, a photo) is never tied to its author.

Everything else is counted as unmatched with its reason, and URLs 4CAT could not download are noted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from botwatch.errors import BotwatchError
from botwatch.images.archive import ZIP_LIMITS, ArchiveRefused, locator, open_archive, read_member
from botwatch.images.pictures import Found, PictureReport, store_found
from botwatch.images.urls import avatar_key, looks_like_profile_picture, picture_url_key

METADATA = ".metadata.json"
ORIGIN = "4cat-download"
_PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")


@dataclass(frozen=True)
class Entry:
    """One downloaded picture of ``.metadata.json``: its file (path or zip locator), URL and post ids."""

    where: str | None
    file_name: str
    url: str | None
    post_ids: tuple[str, ...]


def is_fourcat_download(path: Path) -> bool:
    """A folder with ``.metadata.json`` in it, or a zip with ``.metadata.json`` at its top."""
    path = Path(path)
    if path.is_dir():
        return (path / METADATA).is_file()
    if path.is_file() and path.suffix.lower() == ".zip":
        try:
            names = set(open_archive(path).namelist())
        except ArchiveRefused:
            return True  # refused with its reason when it is read
        return METADATA in names
    return False


def _members(path: Path) -> tuple[dict[str, str], bytes]:
    """(file name -> path or locator of every picture, bytes of ``.metadata.json``) of a folder or zip."""
    limit = ZIP_LIMITS["max_metadata_bytes"]
    if path.is_dir():
        names = {p.name: str(p) for p in sorted(path.iterdir()) if p.suffix.lower() in _PICTURE_SUFFIXES}
        with (path / METADATA).open("rb") as fh:
            raw = fh.read(limit + 1)
    else:
        zf = open_archive(path)
        names = {
            n: locator(path, n)
            for n in sorted(zf.namelist())
            if "/" not in n.rstrip("/") and Path(n).suffix.lower() in _PICTURE_SUFFIXES
        }
        try:
            raw = read_member(zf, METADATA, limit)
        except OSError as exc:
            raise BotwatchError(f"{path}: {METADATA} cannot be read ({exc})") from None
    if len(raw) > limit:
        raise BotwatchError(f"{path}: {METADATA} is over {limit} bytes; not a 4CAT download")
    return names, raw


def _parse_metadata(raw: bytes, where: Path) -> dict[str, dict]:
    """``.metadata.json`` as ``{key: entry}``, checked against 4CAT's shape (a clear error otherwise)."""
    shape = f"{where}: {METADATA} is not 4CAT's (an object of {{url: {{filename, success, post_ids}}}})"
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BotwatchError(f"{shape}: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise BotwatchError(shape)
    return data


def read_download(path: Path) -> tuple[list[Entry], list[str], int]:
    """(downloaded pictures, files in the download that ``.metadata.json`` does not list, URLs not downloaded)."""
    path = Path(path)
    names, raw = _members(path)
    listed: set[str] = set()
    entries, not_downloaded = [], 0
    for key, meta in _parse_metadata(raw, path).items():
        name = meta.get("filename")
        if not meta.get("success") or not isinstance(name, str) or not name:
            not_downloaded += 1
            continue
        post_ids = meta.get("post_ids") if isinstance(meta.get("post_ids"), list) else []
        url = key if key.startswith(("http://", "https://")) else None
        listed.add(name)
        entries.append(Entry(names.get(name), name, url, tuple(str(p) for p in post_ids if p is not None)))
    unlisted = sorted(set(names) - listed)
    return entries, unlisted, not_downloaded


def _avatar_index(con) -> dict[str, set[tuple[str, str]]]:
    """picture_url_key of every account's ``avatar_url`` -> the accounts."""
    index: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for platform, acct, url in con.execute(
        "SELECT platform, account_id, avatar_url FROM accounts WHERE avatar_url IS NOT NULL"
    ).fetchall():
        key = picture_url_key(url)
        if key:
            index[key].add((platform, acct))
    return index


def _post_authors(con, post_ids: set[str]) -> dict[str, set[tuple[str, str]]]:
    """4CAT post id -> authors in the case: items by id, and Instagram posts by their shortcode."""
    authors: dict[str, set[tuple[str, str]]] = defaultdict(set)
    if not post_ids:
        return authors
    wanted = sorted(post_ids)
    for pid, platform, acct in con.execute(
        """SELECT item_id, platform, account_id FROM items
           WHERE account_id IS NOT NULL AND item_id IN (SELECT unnest(?))
           UNION
           SELECT code, platform, account_id FROM (
             SELECT coalesce(json_extract_string(raw, '$.data.code'), json_extract_string(raw, '$.data.shortcode'),
                             json_extract_string(raw, '$.data.node.shortcode')) AS code, platform, account_id
             FROM items WHERE platform = 'instagram' AND account_id IS NOT NULL AND json_valid(raw))
           WHERE code IN (SELECT unnest(?))""",
        [wanted, wanted],
    ).fetchall():
        authors[pid].add((platform, acct))
    return authors


def _tie(entry: Entry, by_url: dict, by_post: dict) -> Found:
    """The owners of one downloaded picture (see the module doc), or why it has none."""
    if entry.where is None:
        return Found(None, unmatched="listed in .metadata.json but not in the download")
    if entry.url is not None and avatar_key(entry.url) is None:
        return Found(entry.where, unmatched="a platform default or unidentifiable URL")
    owners = by_url.get(picture_url_key(entry.url) or "", set())
    if owners:
        return Found(entry.where, tuple(sorted(owners)), "by avatar URL")
    authors = set().union(*(by_post.get(p, set()) for p in entry.post_ids)) if entry.post_ids else set()
    if not authors:
        return Found(
            entry.where, unmatched="no account with this avatar URL, no post of the case among its post_ids"
        )
    if not looks_like_profile_picture(entry.url):
        return Found(entry.where, unmatched="not a profile-picture URL (a post's image?)")
    return Found(entry.where, tuple(sorted(authors)), "by post id (the post's author)")


def hash_fourcat_download(con, path, limits: dict | None = None) -> PictureReport:
    """Tie the pictures of a 4CAT image download to the case's accounts, hash them and count them."""
    from botwatch.images.avatars import IMAGE_LIMITS

    limits = {**IMAGE_LIMITS, **(limits or {})}
    path = Path(path)
    entries, unlisted, not_downloaded = read_download(path)
    by_url = _avatar_index(con)
    needs_post = {p for e in entries if picture_url_key(e.url) not in by_url for p in e.post_ids}
    by_post = _post_authors(con, needs_post)
    found = [_tie(e, by_url, by_post) for e in entries]
    found += [Found(None, unmatched="not listed in .metadata.json") for _ in unlisted]
    report = PictureReport(str(path), "4CAT image download")
    if not_downloaded:
        report.notes.append(f"4CAT could not download {not_downloaded} URL(s) (success false in {METADATA})")
    return store_found(con, found, ORIGIN, report, limits)
