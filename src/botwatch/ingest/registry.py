"""The one registry of input formats, and format detection from a bounded sample."""

from __future__ import annotations

import importlib

from botwatch.errors import FormatError
from botwatch.ingest.base import Adapter, SourceFile, sample_text

# Built-in adapters register exactly as third-party ones do: by name -> "module:Class".
BUILTIN_ADAPTERS: dict[str, str] = {
    "csv": "botwatch.ingest.tabular:CsvAdapter",
    "jsonl": "botwatch.ingest.tabular:JsonlAdapter",
    "zeeschuimer": "botwatch.ingest.zeeschuimer:ZeeschuimerAdapter",
    "twarc2": "botwatch.ingest.twarc:Twarc2Adapter",
    "telegram-desktop": "botwatch.ingest.telegram:TelegramDesktopAdapter",
    "vk-api": "botwatch.ingest.vk:VkApiAdapter",
}

_extra: dict[str, type[Adapter]] = {}


def register_adapter(cls: type[Adapter]) -> type[Adapter]:
    """Register a third-party adapter class (usable as a decorator)."""
    _extra[cls.name] = cls
    return cls


def adapter_names() -> list[str]:
    return sorted(set(BUILTIN_ADAPTERS) | set(_extra))


def get_adapter(name: str) -> Adapter:
    if name in _extra:
        return _extra[name]()
    target = BUILTIN_ADAPTERS.get(name)
    if target is None:
        raise FormatError(f"unknown format {name!r}; use one of: {', '.join(adapter_names())}")
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)()


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
