"""Shared fixtures: a fresh case path, a factory of open cases, and cases built once per session.

A case built once (``export_case``, ``leads_case_file``, ``scoring_case_file``, ``demo_case``) is read-only for
the tests that use it: open it with ``Case(path, read_only=True)``. A test that writes works on its own copy
(``copy_case``): a file copy, not a rebuild. Under pytest-xdist each worker builds a session case once.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from botwatch import Case, IngestOptions
from botwatch.ingest import ingest

FIXTURES = Path(__file__).parent / "fixtures"
EXPORT_SQL = FIXTURES / "export" / "case.sql"  # a tiny case with one run and known results (docs/exports.md)


@pytest.fixture
def new_case_path(tmp_path) -> Path:
    """Where a test's own case goes (nothing is there yet)."""
    return tmp_path / "case.duckdb"


@pytest.fixture
def make_case(tmp_path) -> Iterator[Callable[..., Case]]:
    """``make_case(name="case.duckdb", sql=None, **case_options)``: a new case in the test's folder, open for
    writing (``sql``, if given, is run in it first); every case made is closed after the test."""
    opened: list[Case] = []

    def make(name: str = "case.duckdb", sql: str | None = None, **options) -> Case:
        case = Case(tmp_path / name, **options)
        opened.append(case)
        if sql:
            case.con.execute(sql)
        return case

    yield make
    for case in opened:
        case.close()


@pytest.fixture
def copy_case(tmp_path) -> Callable[[Path], Path]:
    """``copy_case(path, name=None)``: a copy of a (closed) case file in the test's folder, to write to."""

    def copy(path: Path, name: str | None = None) -> Path:
        target = tmp_path / (name or Path(path).name)
        shutil.copyfile(path, target)
        return target

    return copy


def _built(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    path = tmp_path_factory.mktemp(name) / "case.duckdb"
    built = build(path)
    if isinstance(built, Case):
        built.close()
    return path


@pytest.fixture(scope="session")
def export_case(tmp_path_factory) -> Path:
    """The export fixture (``fixtures/export/case.sql``): four accounts, one run, known edges and leads."""

    def build(path: Path) -> None:
        with Case(path) as case:
            case.con.execute(EXPORT_SQL.read_text(encoding="utf-8"))

    return _built(tmp_path_factory, "export", build)


@pytest.fixture(scope="session")
def leads_case_file(tmp_path_factory) -> Path:
    """``leads_case.build_leads_case``: run 1's items, edges and clusters, before campaigns and scores."""
    from leads_case import build_leads_case

    return _built(tmp_path_factory, "leads", build_leads_case)


@pytest.fixture(scope="session")
def scoring_case_file(tmp_path_factory) -> Path:
    """``test_campaigns_scoring.build_scoring_case``: two planted groups and ten humans, hand-made edges."""
    from test_campaigns_scoring import build_scoring_case

    return _built(tmp_path_factory, "scoring", build_scoring_case)


@dataclass
class DemoCase:
    """The tiny demo investigation (seed 5) ingested into ``path``: its files and the ingest summaries."""

    path: Path
    files: object  # botwatch.demo.DemoFiles
    summaries: list


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory) -> DemoCase:
    """The tiny synthetic demo (seed 5), generated and ingested once with its profile pictures (``--avatars``);
    not detected."""
    from botwatch.demo import generate_demo
    from botwatch.images.avatars import hash_avatar_dir

    root = tmp_path_factory.mktemp("demo-case")
    files = generate_demo(root / "data", seed=5, size="tiny")
    with Case(root / "case.duckdb") as case:
        summaries = ingest(case, files.inputs, IngestOptions(timezone=files.timezone))
        hash_avatar_dir(case.con, files.avatars)
    return DemoCase(path=root / "case.duckdb", files=files, summaries=summaries)
