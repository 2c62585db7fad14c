"""The detector contract, modelled on scikit-learn's estimators.

A detector declares its parameters and their constraints; ``__init__`` only stores them; all work happens in
:meth:`Detector.run`, which reads the case's ``items`` (and earlier detectors' results) and writes its rows into
the result tables (``edges``, ``text_clusters``, ``cluster_items``, ``evidence``) for ``ctx.run_id``. Randomised
steps use ``ctx.seed``. Relational steps are SQL (DuckDB dialect, kept to what Spark SQL also runs); per-row CPU
work (normalisation, hashing) runs on Arrow batches.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import duckdb

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
    options: tuple

    def accepts(self, value: Any) -> bool:
        return value in self.options

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class IsBool:
    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def describe(self) -> str:
        return "a bool"


@dataclass
class RunContext:
    """What a detector run gets besides its parameters."""

    con: duckdb.DuckDBPyConnection
    run_id: int
    seed: int


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


class Detector:
    """Base class. Subclasses set ``name``, ``description``, ``parameters`` (name -> default) and
    ``constraints`` (name -> constraint), and implement :meth:`run`."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    parameters: ClassVar[dict[str, Any]] = {}
    constraints: ClassVar[dict[str, Any]] = {}
    requires: ClassVar[tuple[str, ...]] = ()  # detectors whose results this one reads

    def __init__(self, **params: Any):
        check_known(self.name, params, self.parameters)
        self.params = {**self.parameters, **params}

    def get_params(self) -> dict[str, Any]:
        return dict(self.params)

    def validate_params(self) -> None:
        """Raise one uniform message per bad parameter, e.g. "The 'threshold' parameter of near_duplicate must
        be a float in the range [0.0, 1.0]. Got 1.5 instead." """
        check_constraints(self.name, self.params, self.constraints)

    def run(self, ctx: RunContext) -> dict:
        """Do the work; write result rows for ``ctx.run_id``; return a small summary dict."""
        raise NotImplementedError
