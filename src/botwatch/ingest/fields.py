"""Small helpers for mapping parsed JSON records: dotted-path lookup and tolerant value conversion.

Platforms move fields between payload generations and write numbers as strings (or ``""`` for none), so every
converter returns None instead of raising on a value of the wrong type.
"""

from __future__ import annotations

from typing import Any


def lookup(obj: Any, path: str) -> Any:
    """The value at a dotted path (list indices as numbers), or None when any step is missing."""
    cur = obj
    for part in path.split("."):
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
        if cur is None:
            return None
    return cur


def first_of(obj: Any, *paths: str) -> Any:
    """The first value that is neither None nor an empty string among ``paths``."""
    for path in paths:
        value = lookup(obj, path)
        if value is not None and value != "":
            return value
    return None


def as_str(value: Any) -> str | None:
    """A string, or None for None and ``""``."""
    return None if value is None or value == "" else str(value)


def as_int(value: Any) -> int | None:
    """An int from a number or numeric string (``"12.0"``), else None; booleans are not counts."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def as_epoch(value: Any) -> float | None:
    """Epoch seconds from a number or numeric string, else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def as_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def unique_strings(values) -> list[str]:
    """Distinct non-empty strings in first-seen order (one t.co link can stand for several photos)."""
    return list(dict.fromkeys(str(v) for v in values if v))
