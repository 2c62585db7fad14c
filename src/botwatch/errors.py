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
