"""One plugin mechanism: Python entry points.

botwatch's own adapters, detectors and report sections are registered exactly as a third-party package registers its own: as
entry points in the groups below, declared in the package's ``pyproject.toml``::

    [project.entry-points."botwatch.detectors"]
    same_minute = "my_package.detectors:SameMinuteDetector"

    [project.entry-points."botwatch.adapters"]
    my-format = "my_package.ingest:MyFormatAdapter"

    [project.entry-points."botwatch.report_sections"]
    same_minute = "my_package.report:SameMinuteSection"

Once the package is installed (``pip install my-package``), ``botwatch --help``, ``botwatch ingest --format``
``botwatch detect`` and ``botwatch report`` see it; nothing in botwatch is edited. A plugin that fails to import is reported in one
line naming the package, not with a traceback. ``register_adapter`` / ``register_detector`` add classes at run
time (for tests and notebooks).

This module is on the ground floor: it imports nothing from botwatch but :mod:`botwatch.errors`.
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points

from botwatch.errors import BotwatchError

GROUPS = {
    "adapters": "botwatch.adapters",
    "detectors": "botwatch.detectors",
    "report_sections": "botwatch.report_sections",
    "features": "botwatch.features",
}


@functools.cache
def plugin_entry_points(kind: str) -> dict[str, EntryPoint]:
    """The installed entry points of one kind (``"adapters"``, ``"detectors"`` or ``"report_sections"``), by name, sorted by name. When
    two distributions declare the same name, botwatch's own wins, then the first distribution by name."""
    group = GROUPS[kind]
    found: dict[str, EntryPoint] = {}
    for ep in sorted(entry_points(group=group), key=lambda e: (_dist(e) != "botwatch", _dist(e), e.name)):
        found.setdefault(ep.name, ep)
    if not any(_dist(ep) == "botwatch" for ep in found.values()):
        raise BotwatchError(
            f"no built-in {kind} found: botwatch's package metadata is missing; install it with pip install -e ."
        )
    return dict(sorted(found.items()))


def load_plugin(kind: str, name: str):
    """The class behind entry point ``name`` of ``kind``; a plugin that cannot be imported is one clear error."""
    ep = plugin_entry_points(kind)[name]
    try:
        return ep.load()
    except Exception as exc:  # a broken third-party package must not crash botwatch with a traceback
        raise BotwatchError(
            f"{kind[:-1]} plugin {name!r} from package {_dist(ep)!r} ({ep.value}) failed to load: "
            f"{type(exc).__name__}: {exc}; reinstall or uninstall that package"
        ) from None


def _dist(ep: EntryPoint) -> str:
    return ep.dist.name if ep.dist is not None else ""


__all__ = ["GROUPS", "load_plugin", "plugin_entry_points"]
