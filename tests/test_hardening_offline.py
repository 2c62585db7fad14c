"""Issue 10: every command works with the network switched off (an unshared network namespace: any connect or
DNS lookup fails), and none tries to fetch a DuckDB extension (no ``~/.duckdb`` appears)."""

from __future__ import annotations

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
    bw = Path(sys.executable).with_name("botwatch")
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label\n1,0\n2,1\n")
    script = f"""
    set -e
    B="{bw}"; C="{tmp_path}/case.duckdb"
    if (exec 3<>/dev/tcp/1.1.1.1/80) 2>/dev/null; then echo NETWORK-UP; exit 1; fi  # really offline
    "$B" ingest "$C" "{FIXTURE}" --timezone UTC
    "$B" info "$C" --json > /dev/null
    "$B" detect "$C" --seed 1
    "$B" report "$C" --out "{tmp_path}/r.html" --pseudonymize
    for f in csv jsonl parquet sqlite; do "$B" export "$C" --what items --format $f --out "{tmp_path}/x.$f"; done
    "$B" export "$C" --what edges --format gexf --out "{tmp_path}/n.gexf"
    "$B" evaluate "$C" --labels "{labels}" > /dev/null
    "$B" run "{FIXTURE}" --out "{tmp_path}/run" --timezone UTC > /dev/null
    echo ALL-OK
    """
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    out = subprocess.run(
        ["unshare", "-rn", "bash", "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0 and "ALL-OK" in out.stdout, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "home" / ".duckdb").exists()
    assert (tmp_path / "r.html").stat().st_size > 0 and (tmp_path / "run" / "report.html").exists()
