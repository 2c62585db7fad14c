"""Write an output file whole or not at all: into ``<name>.partial`` beside it, fsync, then rename over it.

A kill or a full disk midway leaves the previous file as it was (and at worst a ``.partial`` that the next
write of the same file removes); the reader never sees a truncated report or export. Errors from the file
system reach the user as one line.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from botwatch.errors import BotwatchError

PARTIAL_SUFFIX = ".partial"

_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space or write elsewhere",
    errno.EDQUOT: "the disk quota is exhausted; free some space or write elsewhere",
    errno.EFBIG: "the file is larger than this file system allows; write elsewhere",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "permission denied; choose a folder you can write to",
    errno.EROFS: "the file system is read-only; choose another folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder; choose another path",
    errno.EEXIST: "a part of the path is a file, not a folder; choose another path",
    errno.EISDIR: "it is a folder; name a file",
}


def os_error_message(path, exc: OSError) -> str:
    """One line saying what went wrong writing ``path`` and what to do next."""
    advice = _ADVICE.get(exc.errno) or (exc.strerror or str(exc)).strip().splitlines()[0]
    return f"cannot write {path}: {advice}"


def partial_path(target: Path) -> Path:
    return target.with_name(target.name + PARTIAL_SUFFIX)


def prepare_folder(target: Path) -> None:
    """Create ``target``'s folder; a file system error becomes a one-line :class:`BotwatchError`."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BotwatchError(os_error_message(target, exc)) from None


@contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield the temporary path to write; on success it replaces ``target`` (fsynced first), on any failure it
    is removed and ``target`` is untouched. A stale ``.partial`` from an interrupted run is removed first."""
    target = Path(target)
    if target.is_dir():
        raise BotwatchError(f"cannot write {target}: it is a folder; name a file")
    prepare_folder(target)
    partial = partial_path(target)
    try:
        partial.unlink(missing_ok=True)
        yield partial
        _fsync(partial)
        os.replace(partial, target)
    except OSError as exc:
        _remove(partial)
        raise BotwatchError(os_error_message(target, exc)) from None
    except sqlite3.Error as exc:  # "database or disk is full" from the SQLite export
        _remove(partial)
        raise BotwatchError(f"cannot write {target}: {str(exc).strip()}") from None
    except BaseException:
        _remove(partial)
        raise


def write_text_atomic(target: Path, text: str) -> Path:
    with atomic_output(target) as partial:
        partial.write_text(text, encoding="utf-8")
    return Path(target)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
