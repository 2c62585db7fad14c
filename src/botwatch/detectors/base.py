"""The detector contract, modelled on scikit-learn's estimators.

A detector declares its parameters and their constraints; ``__init__`` only stores them; all work happens in
:meth:`Detector.run`, which reads the case's ``items`` (and earlier detectors' results) and writes its rows into
the result tables (``edges``, ``text_clusters``, ``cluster_items``, ``evidence``) for ``ctx.run_id``. Randomised
steps use ``ctx.seed``. Relational steps are SQL (DuckDB dialect, kept to what Spark SQL also runs); per-row CPU
work (normalisation, hashing) runs on Arrow batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import duckdb

from botwatch.settings import (  # noqa: F401  (re-exported: detectors declare their settings with these)
    Interval,
    IsBool,
    OneOf,
    Setting,
    check_constraints,
    check_known,
    constraints_of,
    defaults_of,
)


@dataclass
class RunContext:
    """What a detector run gets besides its parameters."""

    con: duckdb.DuckDBPyConnection
    run_id: int
    seed: int


@dataclass(frozen=True)
class Layer:
    """An edge layer a detector writes, declared so that scoring, reports and exports need not know it by name.

    ``phrase`` completes "<account> ... N other account(s)" (``{w}`` is replaced by the window, e.g. "90 s");
    ``timing_only``: the layer only says "acted at the same time under the same posts", which never flags an
    account on its own; ``targets``: what an edge's ``targets`` are — ``"posts"``, ``"templates"`` (text cluster
    ids: the layer's pairs wrote the same templates), ``"occasions"`` (links, reposts, hashtags) or ``"none"``;
    ``tested``: edges carry a p-value and a q-value (a rule-based layer has none and never flags alone).

    An edge's ``evidence_item_ids`` are items written by its two accounts (scoring lists each account's own
    cited items by author; :func:`botwatch.testing.check_detector` checks this)."""

    name: str
    phrase: str
    timing_only: bool = False
    targets: str = "occasions"
    tested: bool = True


@dataclass(frozen=True)
class Signal:
    """A per-account signal a detector writes into ``account_signals`` (one row per account it could measure:
    the feature ``value``, and for a tested signal its ``expected`` value, ``p_value``, ``q_value`` and
    ``significant``), declared so that scoring and the feature table need not know it by name.

    ``flags_alone``: a significant row flags the account on its own. No built-in account signal does: they add
    evidence and score only to accounts that a flagging layer (one not declared ``timing_only``) already links;
    ``tested``: rows carry a p-value (otherwise the value is a feature for a learned scorer only)."""

    name: str
    help: str
    flags_alone: bool = False
    tested: bool = True


class Detector:
    """Base class. Subclasses set ``name``, ``description``, ``settings`` (:class:`~botwatch.settings.Setting`
    declarations, from which ``parameters`` (name -> default) and ``constraints`` are derived), what they
    produce — ``layers`` (edge layers, :class:`Layer`), ``signals`` (per-account signals, :class:`Signal`) and ``tables`` (result tables they write for a run) — and
    ``requires`` (detectors whose results they read: the pipeline runs those first), and implement :meth:`run`."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    settings: ClassVar[tuple[Setting, ...]] = ()
    parameters: ClassVar[dict[str, Any]] = {}
    constraints: ClassVar[dict[str, Any]] = {}
    layers: ClassVar[tuple[Layer, ...]] = ()
    signals: ClassVar[tuple[Signal, ...]] = ()
    tables: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "settings" in cls.__dict__:
            cls.parameters = defaults_of(cls.settings)
            cls.constraints = constraints_of(cls.settings)

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
