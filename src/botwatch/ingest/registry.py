"""The one registry of input formats, and format detection from a bounded sample."""

from __future__ import annotations

from botwatch.errors import FormatError
from botwatch.ingest.base import Adapter, SourceFile, sample_text
from botwatch.plugins import load_plugin, plugin_entry_points

_extra: dict[str, type[Adapter]] = {}


def register_adapter(cls: type[Adapter]) -> type[Adapter]:
    """Add an adapter class at run time (tests, notebooks; usable as a decorator). Installed packages register
    theirs as ``botwatch.adapters`` entry points, as botwatch's own are (see :mod:`botwatch.plugins`)."""
    _extra[cls.name] = cls
    return cls


def adapter_names() -> list[str]:
    return sorted(set(plugin_entry_points("adapters")) | set(_extra))


def get_adapter(name: str) -> Adapter:
    if name in _extra:
        return _extra[name]()
    if name not in plugin_entry_points("adapters"):
        raise FormatError(f"unknown format {name!r}; use one of: {', '.join(adapter_names())}")
    cls = load_plugin("adapters", name)
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise FormatError(f"format plugin {name!r} is not an Adapter subclass")
    return cls()


def all_adapters() -> list[Adapter]:
    return [get_adapter(n) for n in adapter_names()]


def detect_format(source: SourceFile) -> tuple[Adapter, str]:
    """Choose the adapter whose sniff recognises the file's first bytes; say why. Never reads past the sample."""
    sample = source.sample()
    found = []
    for adapter in all_adapters():
        reason = adapter.sniff(sample, source)
        if reason:
            found.append((adapter.priority, adapter.name, adapter, reason))
    if not found:
        head = sample_text(sample[:80]).replace("\n", "\\n")
        raise FormatError(
            f"{source.name}: could not recognise the format (starts with {head!r}); "
            f"pass --format with one of: {', '.join(adapter_names())}"
        )
    found.sort(key=lambda t: (-t[0], t[1]))
    _, _, adapter, reason = found[0]
    return adapter, reason
