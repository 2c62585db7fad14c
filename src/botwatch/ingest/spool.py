"""Inputs that are not regular files: ``-`` (standard input), pipes (``<(zcat f.gz)``, ``/dev/stdin``) and named
FIFOs are read once into a temporary file beside the case, which is then hashed, sniffed and read like any
file; devices and sockets are refused in one line.

A stream can be read only once, while ingest reads a file several times (sniff, hash, parse), so without the
spool a pipe would be consumed by the first reader and look empty (or "already ingested") to the others. A named
FIFO that no program writes to would block forever; botwatch waits ``BOTWATCH_PIPE_TIMEOUT`` seconds (default
30) for its first bytes, then stops with a reason. The spool is capped at ``InputLimits.max_bytes``.
"""

from __future__ import annotations

import os
import select
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from botwatch.errors import BotwatchError, InputLimitError
from botwatch.ingest.base import InputLimits, human_bytes

STDIN = "-"
SPOOL_PREFIX = ".botwatch-spool-"
STALE_SPOOL_S = 24 * 3600
PIPE_TIMEOUT_ENV = "BOTWATCH_PIPE_TIMEOUT"
_PIECE = 1 << 20


@contextmanager
def readable_file(path: Path, limits: InputLimits, spool_dir: Path) -> Iterator[tuple[Path, Path]]:
    """``(file to read, path to record)``: the path itself for a regular file, else a spooled copy that is
    removed afterwards. Raises :class:`BotwatchError` for a missing path, a folder, a device or a socket."""
    if str(path) == STDIN:
        if sys.stdin is None or sys.stdin.isatty():
            raise BotwatchError(
                "'-' reads the input from standard input, which is a terminal; pipe a file in"
            )
        stdin = sys.stdin.buffer
        with _spooled(getattr(stdin, "read1", stdin.read), "standard input", limits, spool_dir) as spool:
            yield spool, Path("<stdin>")
        return
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise BotwatchError(f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise BotwatchError(f"{path}: cannot read ({exc.strerror}); check permissions") from None
    if stat.S_ISREG(mode):
        yield path, path
        return
    if stat.S_ISDIR(mode):
        raise BotwatchError(f"{path} is a folder; pass the export files inside it (e.g. {path}/result.json)")
    if not stat.S_ISFIFO(mode):
        raise BotwatchError(
            f"{path} is a device or socket, not a file; save the export to a file and pass that"
        )
    named = Path(os.path.realpath(path)).exists()  # an anonymous pipe resolves to "pipe:[...]"
    fd = _open_pipe(path, named)
    try:
        with _spooled(lambda n: os.read(fd, n), str(path), limits, spool_dir) as spool:
            yield spool, path
    finally:
        os.close(fd)


def _open_pipe(path: Path, named: bool) -> int:
    """Open a pipe for reading; for a named FIFO wait a bounded time for a writer's first bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise BotwatchError(f"{path}: cannot read ({exc.strerror}); check permissions") from None
    if named:
        timeout = float(os.environ.get(PIPE_TIMEOUT_ENV, "") or 30)
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP)
        if not poller.poll(timeout * 1000):
            os.close(fd)
            raise BotwatchError(
                f"{path} is a named pipe and nothing wrote to it within {timeout:g} s; start the program that "
                f"writes it first, or set {PIPE_TIMEOUT_ENV}"
            )
    os.set_blocking(fd, True)
    return fd


@contextmanager
def _spooled(read: Callable[[int], bytes], what: str, limits: InputLimits, spool_dir: Path) -> Iterator[Path]:
    """A temporary copy of everything ``read`` returns, removed on exit; ``max_bytes`` caps it."""
    _remove_stale(spool_dir)
    try:
        handle, name = tempfile.mkstemp(prefix=SPOOL_PREFIX, suffix=".partial", dir=spool_dir)
    except OSError as exc:
        raise BotwatchError(f"cannot spool {what} into {spool_dir} ({exc.strerror})") from None
    spool = Path(name)
    try:
        _copy(read, handle, what, limits, spool_dir)
        yield spool
    finally:
        spool.unlink(missing_ok=True)


def _remove_stale(folder: Path) -> None:
    """Spools left by a killed ingest (a day old: no running ingest still reads them)."""
    cutoff = time.time() - STALE_SPOOL_S
    for stale in folder.glob(SPOOL_PREFIX + "*.partial"):
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
        except OSError:
            pass


def _copy(read: Callable[[int], bytes], handle: int, what: str, limits: InputLimits, spool_dir: Path) -> None:
    total = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while piece := read(_PIECE):
                total += len(piece)
                if total > limits.max_bytes:
                    raise InputLimitError(
                        f"{what}: more than {human_bytes(limits.max_bytes)} read; stopped (raise "
                        f"{InputLimits.ENV['max_bytes']} if the input is genuine)"
                    )
                out.write(piece)
    except OSError as exc:
        raise BotwatchError(f"cannot spool {what} into {spool_dir} ({exc.strerror})") from None
