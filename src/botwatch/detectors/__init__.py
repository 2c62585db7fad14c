"""Detectors: one module per signal, one contract (:class:`Detector`), one registry."""

from __future__ import annotations

import importlib

from botwatch.detectors.base import Detector, Interval, IsBool, OneOf, RunContext
from botwatch.errors import BotwatchError

# name -> "module:Class", in run order (a detector's ``requires`` must come earlier).
BUILTIN_DETECTORS: dict[str, str] = {
    "near_duplicate": "botwatch.detectors.near_duplicate:NearDuplicateDetector",
    "text_coordination": "botwatch.detectors.text_coordination:TextCoordinationDetector",
    "coaction": "botwatch.detectors.coaction:CoActionDetector",
    "shared_avatar": "botwatch.detectors.shared_avatar:SharedAvatarDetector",
}

_extra: dict[str, type[Detector]] = {}


def register_detector(cls: type[Detector]) -> type[Detector]:
    _extra[cls.name] = cls
    return cls


def detector_names() -> list[str]:
    return list(BUILTIN_DETECTORS) + [n for n in _extra if n not in BUILTIN_DETECTORS]


def get_detector_class(name: str) -> type[Detector]:
    if name in _extra:
        return _extra[name]
    target = BUILTIN_DETECTORS.get(name)
    if target is None:
        raise BotwatchError(f"unknown detector {name!r}; detectors are: {', '.join(detector_names())}")
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


__all__ = [
    "BUILTIN_DETECTORS",
    "Detector",
    "Interval",
    "IsBool",
    "OneOf",
    "RunContext",
    "detector_names",
    "get_detector_class",
    "register_detector",
]
