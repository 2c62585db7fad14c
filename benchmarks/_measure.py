"""Run a command in a child process and measure its wall time and peak memory, with a timeout.

Peak memory is reported two ways, because some tools (coordination-network-toolkit) fan out to worker processes:

``peak_rss_mb``       the largest resident set of any single process in the tree, from the kernel via GNU
                      ``/usr/bin/time -f %M`` (max of the command and every descendant it waited for), exact;
``peak_tree_rss_mb``  the largest sum of resident sets over the whole process tree, sampled from ``/proc`` every
                      ``sample_s`` seconds (may miss short spikes; 0 where ``/proc`` is absent).

``wall_s`` comes from GNU time (0.01 s resolution). ``cpu_s`` is user + system CPU seconds of the command and its
waited-for descendants (less sensitive than wall time to other load on a shared machine). On timeout the command
and its descendants get SIGTERM, then SIGKILL after 5 s (GNU time above them survives to report CPU and peak
RSS); leftovers of the process group are then killed. The result says ``timed_out``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class Measurement:
    cmd: list[str]
    wall_s: float
    peak_rss_mb: float
    peak_tree_rss_mb: float
    cpu_s: float
    returncode: int | None
    timed_out: bool
    stdout_path: str
    stderr_path: str

    def as_dict(self) -> dict:
        return asdict(self)

    def tail(self, n_chars: int = 2000) -> str:
        out = []
        for p in (self.stdout_path, self.stderr_path):
            try:
                out.append(Path(p).read_text(encoding="utf-8", errors="replace")[-n_chars:])
            except OSError:
                pass
        return "\n".join(out)


def _process_table() -> tuple[dict[int, list[int]], dict[int, int]]:
    """(children by parent pid, RSS bytes by pid) from /proc; empty where /proc is absent."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children, rss
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
            # the command name is in parentheses and may contain spaces; fields after ")" are fixed
            fields = stat[stat.rfind(b")") + 2 :].split()
            ppid, rss_pages = int(fields[1]), int(fields[21])
        except (OSError, ValueError, IndexError):
            continue
        pid = int(name)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = rss_pages * PAGE
    return children, rss


def _descendants(root: int, children: dict[int, list[int]]) -> list[int]:
    out, todo = [], list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _tree_rss_bytes(root: int) -> int:
    """Sum of RSS over ``root`` and all its descendants, from /proc (0 when unavailable)."""
    children, rss = _process_table()
    return sum(rss.get(pid, 0) for pid in [root, *_descendants(root, children)])


def run_measured(
    cmd: list[str],
    *,
    timeout_s: float,
    log_prefix: str | Path,
    env: dict | None = None,
    cwd: str | Path | None = None,
    sample_s: float = 0.25,
) -> Measurement:
    """Run ``cmd``; stdout/stderr go to ``<log_prefix>.out`` / ``.err``. Never raises on failure or timeout."""
    out_path, err_path = Path(f"{log_prefix}.out"), Path(f"{log_prefix}.err")
    time_path = Path(f"{log_prefix}.time")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
        t0 = time.perf_counter()
        # GNU time forks the command from a small process: a child forked straight from this (large) Python
        # process would inherit its RSS high-water mark across exec and report it as its own peak
        timed = [TIME, "-f", "%e %M %U %S", "-o", str(time_path), *map(str, cmd)] if TIME else list(cmd)
        proc = subprocess.Popen(timed, stdout=fo, stderr=fe, env=env, cwd=cwd, start_new_session=True)
        peak_tree, timed_out, killed_at = 0, False, None
        status, usage = None, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            peak_tree = max(peak_tree, _tree_rss_bytes(proc.pid))
            elapsed = time.perf_counter() - t0
            if not timed_out and elapsed > timeout_s:
                timed_out, killed_at = True, time.perf_counter()
                _signal_command(proc.pid, signal.SIGTERM)
            elif timed_out and time.perf_counter() - killed_at > 5:
                _signal_command(proc.pid, signal.SIGKILL)
            time.sleep(sample_s)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    # leftovers of the group (workers that outlived their parent) are ended too
    _signal_group(proc.pid, signal.SIGKILL)
    peak_kib = usage.ru_maxrss  # Linux reports KiB; inflated without GNU time (see above)
    cpu_s = usage.ru_utime + usage.ru_stime
    try:  # the last line; GNU time writes "Command exited with non-zero status N" above it on failure
        elapsed, kib, user, system = time_path.read_text().strip().splitlines()[-1].split()
        peak_kib, cpu_s = int(kib), float(user) + float(system)
        wall = float(elapsed)  # 0.01 s resolution; the polling loop only knows the end to within sample_s
    except (OSError, ValueError, IndexError):
        pass
    return Measurement(
        cmd=[str(c) for c in cmd],
        wall_s=round(wall, 3),
        peak_rss_mb=round(peak_kib / 1024, 1),
        peak_tree_rss_mb=round(max(peak_tree / 2**20, peak_kib / 1024), 1),
        cpu_s=round(cpu_s, 2),
        returncode=proc.returncode,
        timed_out=timed_out,
        stdout_path=str(out_path),
        stderr_path=str(err_path),
    )


def measurement_row(m: Measurement, tail: int = 600) -> dict:
    """The columns every benchmark row records: the 1-minute load now, wall and CPU seconds, both peak RSS
    figures, the exit status and, for a failed run, the last ``tail`` characters of its stdout and stderr."""
    row = {
        "load_1min": round(os.getloadavg()[0], 2),
        "wall_s": m.wall_s,
        "peak_rss_mb": m.peak_rss_mb,
        "peak_tree_rss_mb": m.peak_tree_rss_mb,
        "cpu_s": m.cpu_s,
        "returncode": m.returncode,
        "timed_out": m.timed_out,
    }
    if m.returncode != 0:
        row["error_tail"] = m.tail(tail)
    return row


def code_state(repo: str | Path | None = None) -> dict:
    """The commit measured and the source files that differed from it (the tree is shared and moving)."""
    repo = repo or Path(__file__).resolve().parent.parent

    def git(*a):
        return subprocess.run(["git", *a], cwd=repo, capture_output=True, text=True).stdout.strip()

    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "modified": git("status", "--short", "src").splitlines(),
    }


def _signal_command(root: int, sig: int) -> None:
    """Signal the measured command but not GNU time above it, so that time still reports CPU and peak RSS."""
    if not TIME:
        _signal_group(root, sig)
        return
    for pid in _descendants(root, _process_table()[0]):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


if __name__ == "__main__":  # python benchmarks/_measure.py -- CMD...: quick manual check
    import json
    import sys

    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    m = run_measured(args, timeout_s=3600, log_prefix="/tmp/_measure")
    print(json.dumps(m.as_dict(), indent=2))


def cpu_model(default: str = "") -> str:
    """The CPU's model name from /proc/cpuinfo, or ``default`` where there is none."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return default
