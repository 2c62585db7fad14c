"""Ingest: adapters for the formats investigators hold, one module per format, one registry."""

from botwatch.ingest.base import Adapter, Chunk, IngestOptions, Reject, SourceFile
from botwatch.ingest.registry import adapter_names, detect_format, get_adapter, register_adapter

__all__ = [
    "Adapter",
    "Chunk",
    "IngestOptions",
    "Reject",
    "SourceFile",
    "adapter_names",
    "detect_format",
    "get_adapter",
    "register_adapter",
]
