"""The case database (DuckDB, embedded) and its schema."""

from botwatch.store.case import Case, IngestSummary

__all__ = ["Case", "IngestSummary"]
