"""Detectors: one module per signal, one contract (:class:`Detector`), one registry."""

from __future__ import annotations

import warnings

from botwatch.detectors.base import Detector, Interval, IsBool, Layer, OneOf, RunContext, Setting, Signal
from botwatch.errors import BotwatchError
from botwatch.plugins import load_plugin, plugin_entry_points

_extra: dict[str, type[Detector]] = {}


def register_detector(cls: type[Detector]) -> type[Detector]:
    """Add a detector class at run time (tests, notebooks); installed packages use entry points instead."""
    _extra[cls.name] = cls
    return cls


def detector_names() -> list[str]:
    """Every detector: the ``botwatch.detectors`` entry points of the installed packages (botwatch's own
    included, see :mod:`botwatch.plugins`), then those registered at run time; ``run_order`` sorts them by
    ``requires``."""
    installed = list(plugin_entry_points("detectors"))
    return installed + [n for n in _extra if n not in installed]


def get_detector_class(name: str) -> type[Detector]:
    if name in _extra:
        return _extra[name]
    if name not in plugin_entry_points("detectors"):
        raise BotwatchError(f"unknown detector {name!r}; detectors are: {', '.join(detector_names())}")
    cls = load_plugin("detectors", name)
    if not (isinstance(cls, type) and issubclass(cls, Detector)) or cls.name != name:
        raise BotwatchError(f"detector plugin {name!r} is not a Detector subclass named {name!r}")
    return cls


def run_order(names: list[str]) -> list[str]:
    """``names`` ordered so that every detector comes after those it ``requires`` that are among ``names``
    (otherwise registry order). A requirement that no registered detector meets, or a cycle, is an error."""
    classes = {n: get_detector_class(n) for n in names}
    known = set(detector_names())
    for n, cls in classes.items():
        missing = [r for r in cls.requires if r not in known]
        if missing:
            raise BotwatchError(
                f"detector {n!r} requires {', '.join(missing)}, which no installed detector provides"
            )
    done: list[str] = []
    pending = list(names)
    while pending:
        ready = [n for n in pending if all(r in done or r not in classes for r in classes[n].requires)]
        if not ready:
            raise BotwatchError(f"detectors {', '.join(pending)} require each other in a cycle")
        done.append(ready[0])
        pending.remove(ready[0])
    return done


def loadable_detectors() -> list[type[Detector]]:
    """The classes of every registered detector that loads; a broken plugin is left out with a warning here (it
    fails in one line when it is asked to run), so it cannot stop a run or a report that does not use it."""
    out = []
    for name in detector_names():
        try:
            out.append(get_detector_class(name))
        except BotwatchError as exc:
            warnings.warn(str(exc), stacklevel=2)
    return out


def declared_layers() -> dict[str, Layer]:
    """Every edge layer the registered detectors declare, by name."""
    return {layer.name: layer for cls in loadable_detectors() for layer in cls.layers}


def declared_signals() -> dict[str, Signal]:
    """Every per-account signal the registered detectors declare, by name (registry order)."""
    return {signal.name: signal for cls in loadable_detectors() for signal in cls.signals}


def declared_tables() -> tuple[str, ...]:
    """The result tables the registered detectors write per run (each once, in registry order)."""
    out: list[str] = []
    for cls in loadable_detectors():
        out.extend(t for t in cls.tables if t not in out)
    return tuple(out)


__all__ = [
    "Detector",
    "Interval",
    "IsBool",
    "Layer",
    "OneOf",
    "RunContext",
    "Setting",
    "Signal",
    "declared_layers",
    "declared_signals",
    "declared_tables",
    "loadable_detectors",
    "detector_names",
    "get_detector_class",
    "register_detector",
    "run_order",
]
