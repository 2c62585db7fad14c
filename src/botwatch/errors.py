"""Errors that reach the user as one line, with what to do next."""


class BotwatchError(Exception):
    """A user error: the CLI prints the message on one line and exits with code 1."""


class FormatError(BotwatchError):
    """The input's format could not be recognised or read."""


class NeedsTimezoneError(BotwatchError):
    """Timestamps carry no UTC offset and no --timezone was given."""


class CaseVersionError(BotwatchError):
    """The case database was written by a newer botwatch."""


class RecordError(ValueError):
    """One input record is unusable; it goes to quarantine with this message as its reason."""


class NotACaseError(BotwatchError):
    """The path holds a file that is not a botwatch case (another program's database, SQLite, text)."""


class InputLimitError(BotwatchError):
    """An input crossed a size limit (decompressed size, compression ratio, line or field length)."""


MEMORY_HINT = (
    "raise the limit with the environment variable BOTWATCH_MEMORY_LIMIT (e.g. BOTWATCH_MEMORY_LIMIT=4GB)"
)


def system_error_message(exc: BaseException) -> str | None:
    """One line for an error that comes from the machine rather than from botwatch (a full disk, a folder that
    cannot be written, DuckDB out of memory or unable to write), or None for anything else."""
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        what = exc.strerror or str(exc) or type(exc).__name__
        return f"cannot use{where}: {what.strip().splitlines()[0]}"
    name = type(exc).__name__
    if not type(exc).__module__.startswith(("duckdb", "_duckdb")):
        return None
    first = (str(exc).strip().splitlines() or [name])[0]
    if name == "OutOfMemoryException" or "Out of Memory" in first:
        return f"out of memory; {MEMORY_HINT}"
    if "No space left on device" in first:
        return (
            f"the disk is full ({first}); free some space and run the command again (the case is unchanged)"
        )
    if name == "IOException" or any(s in first for s in ("Read-only file system", "Permission denied")):
        return f"DuckDB could not read or write a file: {first}"
    return None
