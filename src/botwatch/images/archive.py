"""Reading pictures out of a zip (a 4CAT image download) without extracting it, with bounds.

A picture inside a zip is named by a *locator*, ``<zip path>!/<member name>``, stored in
``avatar_hashes.path``; :func:`botwatch.images.hashing.read_bounded` reads such a locator here, so matching (the
ORB check) and the report read it as they read a file. Nothing is ever written to disk.

An archive is refused as a whole, with the reason, when (:data:`ZIP_LIMITS`):

* it is not a readable zip, or holds more than ``max_members`` members;
* its members announce more than ``max_total_bytes`` uncompressed bytes together;
* a member announces more than ``max_ratio`` times its compressed size (above 1 MB): a zip bomb;
* two members share compressed bytes (overlapping entries: the non-recursive zip bomb);
* a member's name is absolute, has a drive letter or ``..`` (path traversal), even though nothing is extracted:
  an archive built that way was not written by 4CAT.

A member's read is bounded by the picture limit (``max_file_bytes``): Python's zip reader stops at the size the
member announces, and at most that limit plus one byte is read. Encrypted members cannot be read and are refused
as pictures, one by one.
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path, PurePosixPath

from botwatch.errors import BotwatchError

ZIP_SEPARATOR = "!/"
ZIP_LIMITS = {
    "max_members": 200_000,
    "max_total_bytes": 8 << 30,
    "max_ratio": 100,
    "max_metadata_bytes": 64 << 20,
}
_RATIO_FLOOR = 1 << 20


class ArchiveRefused(BotwatchError):
    """A zip that is not read at all; the message is the reason."""


def locator(zip_path: Path, member: str) -> str:
    """The locator of ``member`` inside ``zip_path`` (see the module doc)."""
    return f"{Path(zip_path).resolve()}{ZIP_SEPARATOR}{member}"


def split_locator(path: str | Path) -> tuple[Path, str] | None:
    """(zip path, member) of a locator, or None when ``path`` names a plain file."""
    text = str(path)
    if ZIP_SEPARATOR not in text:
        return None
    archive, member = text.rsplit(ZIP_SEPARATOR, 1)
    return (Path(archive), member) if archive.lower().endswith(".zip") and member else None


def unsafe_name(name: str) -> bool:
    """A member name that would leave the folder it is extracted to (absolute, drive letter, ``..``)."""
    posix = name.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    return posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or ".." in parts


def check_archive(zf: zipfile.ZipFile, name: str, limits: dict | None = None) -> None:
    """Raise :class:`ArchiveRefused` when ``zf`` breaks one of the limits of the module doc."""
    limits = {**ZIP_LIMITS, **(limits or {})}
    infos = zf.infolist()
    if len(infos) > limits["max_members"]:
        raise ArchiveRefused(f"{name}: {len(infos)} members, over the limit of {limits['max_members']}")
    total = sum(i.file_size for i in infos)
    if total > limits["max_total_bytes"]:
        raise ArchiveRefused(
            f"{name}: members announce {total} bytes uncompressed, over the limit of {limits['max_total_bytes']}"
        )
    for info in infos:
        if unsafe_name(info.filename):
            raise ArchiveRefused(
                f"{name}: member {info.filename[:120]!r} has an unsafe path (absolute or with ..); "
                "not a 4CAT download"
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > limits["max_ratio"] * max(
            info.compress_size, 1
        ):
            raise ArchiveRefused(
                f"{name}: member {info.filename[:120]!r} expands {info.file_size // max(info.compress_size, 1)}"
                f" times (over {limits['max_ratio']}): a zip bomb?"
            )
    end = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < end:
            raise ArchiveRefused(f"{name}: members overlap (a zip bomb?)")
        end = info.header_offset + 30 + len(info.orig_filename.encode("utf-8")) + info.compress_size


@functools.lru_cache(maxsize=4)
def _open(path: str, mtime_ns: int, size: int) -> zipfile.ZipFile:
    """A checked, open archive; cached by path and stamp, so that hashing many members opens it once."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveRefused(f"{Path(path).name}: not a readable zip ({exc})") from None
    check_archive(zf, Path(path).name)
    return zf


def open_archive(path: str | Path) -> zipfile.ZipFile:
    """The checked archive at ``path`` (:class:`ArchiveRefused` with the reason when it is refused)."""
    try:
        st = Path(path).stat()
    except OSError as exc:
        raise ArchiveRefused(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    return _open(str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


def read_member(zf: zipfile.ZipFile, member: str, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of ``member`` (the caller compares the length with its limit).

    Raises ``KeyError`` for a missing member and ``OSError`` for one that cannot be read (encrypted, corrupt)."""
    try:
        info = zf.getinfo(member)
        if info.flag_bits & 0x1:
            raise OSError("encrypted member")
        with zf.open(info) as fh:
            return fh.read(max_bytes + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, ValueError) as exc:
        raise OSError(f"unreadable member ({type(exc).__name__})") from None
