"""The main job, end to end: ingest, detect, report. The CLI's ``run`` and ``demo`` call this."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from botwatch.ingest.base import IngestOptions
from botwatch.store.case import Case, IngestSummary


@dataclass
class RunResult:
    case_path: Path
    ingest: list[IngestSummary] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def run_pipeline(inputs, out, options: IngestOptions | None = None, seed: int | None = None) -> RunResult:
    """Ingest ``inputs`` into ``out/case.duckdb`` and run every analysis that exists, writing outputs to ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    case_path = out / "case.duckdb"
    result = RunResult(case_path=case_path)
    with Case(case_path) as case:
        result.ingest = case.ingest(inputs, options or IngestOptions())
        info = case.info()
    result.lines.append(
        f"case: {case_path} ({info['items']} items, {info['accounts']} accounts, "
        f"{info['quarantined']} quarantined)"
    )
    return result
