"""Ingest: adapters for the formats investigators hold, one module per format, one registry, and
:func:`ingest`, which stores files in a case (validation, quarantine, de-duplication, one transaction each)."""

from botwatch.ingest.base import Adapter, Chunk, IngestOptions, Reject, SourceFile
from botwatch.ingest.commit import IngestSummary
from botwatch.ingest.registry import adapter_names, detect_format, get_adapter, register_adapter
from botwatch.ingest.runner import ingest, ingest_file

__all__ = [
    "Adapter",
    "Chunk",
    "IngestOptions",
    "IngestSummary",
    "Reject",
    "SourceFile",
    "adapter_names",
    "detect_format",
    "get_adapter",
    "ingest",
    "ingest_file",
    "register_adapter",
]
