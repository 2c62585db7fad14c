"""Issue 10: kill -9 at random points of ingest, detect, report and export leaves the case and the previous
outputs intact, and a re-run gives the results of an uninterrupted run. A few kills per command on a small input
here; ``python benchmarks/crash.py`` runs 50 per command on a larger one."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _harness():
    if str(ROOT / "benchmarks") not in sys.path:  # the fork server imports the commands by module name
        sys.path.insert(0, str(ROOT / "benchmarks"))
    import crash

    return crash


@pytest.fixture(scope="module")
def crash(tmp_path_factory):
    mod = _harness()
    work = tmp_path_factory.mktemp("crash")
    one, both, second = mod.prepare(work, 500, seed=5)
    return mod, work, {"ingest": one, "detect": both, "report": both, "export": both}, second


@pytest.mark.slow
@pytest.mark.parametrize(("command", "kills"), [("ingest", 2), ("detect", 1), ("report", 2), ("export", 2)])
def test_kill_at_random_points(crash, command, kills):
    mod, work, bases, second = crash
    tally = mod.crash_command(
        mod.context(), command, work, bases[command], second, kills, random.Random(command)
    )
    assert tally.problems == []
    assert tally.kills + tally.finished_before_kill == kills and tally.kills >= 1
