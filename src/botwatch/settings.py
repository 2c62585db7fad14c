"""Settings declared once: name, default, constraint and one line of help.

Every parameter of every detector, of campaign assembly and of scoring is a :class:`Setting`. Validation
(``Detector.validate_params``, the config file check of ``botwatch detect --config``), the report's settings
table and ``docs/settings.md`` (``scripts/gen_settings_docs.py``) are all made from these declarations, so a
parameter cannot be documented, validated or shown differently in two places.

This module is on the ground floor: it imports nothing from botwatch but :mod:`botwatch.errors`.
"""

from __future__ import annotations

import numbers
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botwatch.errors import BotwatchError


@dataclass(frozen=True)
class Interval:
    """A numeric range constraint: ``Interval(float, 0, 1, closed="both")``."""

    type: type
    left: float | None
    right: float | None
    closed: str = "both"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.type is int and not float(value).is_integer():
            return False
        lo_ok = self.left is None or (
            value >= self.left if self.closed in ("both", "left") else value > self.left
        )
        hi_ok = self.right is None or (
            value <= self.right if self.closed in ("both", "right") else value < self.right
        )
        return lo_ok and hi_ok

    def describe(self) -> str:
        lb = "[" if self.closed in ("both", "left") else "("
        rb = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.left is None else self.left
        hi = "inf" if self.right is None else self.right
        return f"{'an int' if self.type is int else 'a float'} in the range {lb}{lo}, {hi}{rb}"


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of values."""

    options: tuple

    def accepts(self, value: Any) -> bool:
        return value in self.options

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class IsBool:
    """``true`` or ``false``."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def describe(self) -> str:
        return "a bool"


@dataclass(frozen=True)
class IsText:
    """A non-empty string."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and bool(value.strip())

    def describe(self) -> str:
        return "a non-empty string"


@dataclass(frozen=True)
class IsTimeZone:
    """An IANA time zone name that this machine knows, e.g. ``Asia/Almaty``; with ``optional``, also ``""``
    (no zone: what depends on it is off)."""

    optional: bool = False

    def accepts(self, value: Any) -> bool:
        if self.optional and value == "":
            return True
        if not isinstance(value, str) or not value.strip():
            return False
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return False
        return True

    def describe(self) -> str:
        return "an IANA time zone name such as 'Asia/Almaty'" + (" or '' (off)" if self.optional else "")


@dataclass(frozen=True)
class Setting:
    """One parameter: its name, default, constraint (``accepts``/``describe``) and one line of help."""

    name: str
    default: Any
    constraint: Any
    help: str


def defaults_of(settings: Iterable[Setting]) -> dict[str, Any]:
    """``{name: default}`` in declaration order."""
    return {s.name: s.default for s in settings}


def constraints_of(settings: Iterable[Setting]) -> dict[str, Any]:
    """``{name: constraint}`` in declaration order."""
    return {s.name: s.constraint for s in settings}


def check_known(owner: str, params: dict, defaults: dict) -> None:
    """Raise when ``params`` names a parameter that ``defaults`` does not declare."""
    unknown = set(params) - set(defaults)
    if unknown:
        raise BotwatchError(
            f"{owner}: unknown parameter(s) {', '.join(sorted(unknown))}; "
            f"parameters are: {', '.join(sorted(defaults))}"
        )


def check_constraints(owner: str, values: dict, constraints: dict) -> None:
    """Raise one uniform message for the first value that breaks its constraint, e.g. "The 'threshold'
    parameter of near_duplicate must be a float in the range [0.0, 1.0]. Got 1.5 instead." """
    for key, constraint in constraints.items():
        if not constraint.accepts(values[key]):
            raise BotwatchError(
                f"The {key!r} parameter of {owner} must be {constraint.describe()}. Got {values[key]!r} instead."
            )


def resolve(section: str, settings: Iterable[Setting], params: dict | None) -> dict[str, Any]:
    """The defaults of ``settings`` updated with ``params``, checked: unknown names and values that break a
    constraint raise one clear message naming the config section."""
    settings = tuple(settings)
    defaults = defaults_of(settings)
    params = dict(params or {})
    check_known(f"config [{section}]", params, defaults)
    merged = {**defaults, **params}
    check_constraints(section, merged, constraints_of(settings))
    return merged


__all__ = [
    "Interval",
    "IsBool",
    "IsText",
    "IsTimeZone",
    "OneOf",
    "Setting",
    "check_constraints",
    "check_known",
    "constraints_of",
    "defaults_of",
    "resolve",
]
