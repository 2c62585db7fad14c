"""Issue 10: every command works with the network switched off (an unshared network namespace: any connect or
DNS lookup fails), and none tries to fetch a DuckDB extension (no ``~/.duckdb`` appears)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "ingest" / "cnt.csv"


def _network_namespace_works() -> bool:
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _network_namespace_works(), reason="needs unprivileged user and network namespaces")
def test_every_command_works_offline(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label\n1,0\n2,1\n")
    case, out = str(tmp_path / "case.duckdb"), tmp_path
    commands = {
        "ingest": ["ingest", case, str(FIXTURE), "--timezone", "UTC"],
        "info": ["info", case, "--json"],
        "detect": ["detect", case, "--seed", "1"],
        "report": ["report", case, "--out", str(out / "r.html"), "--pseudonymize"],
        **{
            f"export-{f}": ["export", case, "--what", "items", "--format", f, "--out", str(out / f"x.{f}")]
            for f in ("csv", "jsonl", "parquet", "sqlite")
        },
        "export-gexf": ["export", case, "--what", "edges", "--format", "gexf", "--out", str(out / "n.gexf")],
        "evaluate": ["evaluate", case, "--labels", str(labels)],
        "run": ["run", str(FIXTURE), "--out", str(out / "run"), "--timezone", "UTC"],
    }
    args = [x for name, cmd in commands.items() for x in (name, json.dumps(cmd))]
    script = (
        "if (exec 3<>/dev/tcp/1.1.1.1/80) 2>/dev/null; then echo NETWORK-UP; exit 1; fi; "  # really offline
        'exec "$0" "$@"'
    )
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    driver = [sys.executable, str(Path(__file__).parent / "hardening_driver.py"), *args]
    out = subprocess.run(
        ["unshare", "-rn", "bash", "-c", script, *driver],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    sections = dict(s.split("\n", 1) for s in out.stdout.split("== ")[1:])
    assert list(sections) == list(commands), out.stdout + out.stderr
    for name, text in sections.items():
        assert text.rstrip().endswith("rc=0") and "Traceback" not in text, (name, text)
    assert not (tmp_path / "home" / ".duckdb").exists()
    assert (tmp_path / "r.html").stat().st_size > 0 and (tmp_path / "run" / "report.html").exists()
