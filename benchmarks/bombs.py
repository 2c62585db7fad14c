"""Hostile inputs from issue 10: decompression bombs, a gigabyte line, a gigabyte CSV field, a gigabyte Telegram
string, and pipes. Each must be answered in < 30 s and < 1.5 GB with a one-line reason (floor of issue 10).

    python benchmarks/bombs.py [--gib 4] [--work /tmp/bombs] [--out benchmarks/results/bombs.md]

The bombs are generated once into ``--work`` (gzip level 1 of repeated bytes; about a minute per 4 GiB on the
2-core machine) and each is ingested by the CLI in a child process measured with GNU time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import code_state, run_measured  # noqa: E402

MIB = 1 << 20
HEADER_CSV = b'item_id,account_id,created_at,text\n1,u1,2024-01-01T00:00:00Z,ok\n2,u2,2024-01-01T00:00:01Z,"'
GOOD_LINE = b'{"item_id": "1", "account_id": "u1", "created_at": "2024-01-01T00:00:00Z", "text": "ok"}\n'
TELEGRAM_HEAD = (
    b'{"name": "x", "type": "public_channel", "id": 1, "messages": [{"id": 1, "type": "message", '
    b'"date_unixtime": "1700000000", "from_id": "user1", "text": "'
)


def _gzip(path: Path, head: bytes, fill: bytes, n_bytes: int, tail: bytes) -> Path:
    """``head`` + ``n_bytes`` of ``fill`` repeated + ``tail``, gzip-compressed, written once."""
    if path.exists():
        return path
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    block = fill * (MIB // len(fill))
    with open(str(path) + ".tmp", "wb") as fh:
        fh.write(comp.compress(head))
        for _ in range(n_bytes // len(block)):
            fh.write(comp.compress(block))
        fh.write(comp.compress(tail) + comp.flush())
    os.replace(str(path) + ".tmp", path)
    return path


def bombs(work: Path, gib: int) -> dict[str, tuple[Path, list[str]]]:
    """name -> (file, extra CLI options)."""
    n = gib << 30
    line = _gzip(work / "line.jsonl.gz", GOOD_LINE + b'{"text": "', b"a", n, b'"}\n')
    return {
        f"{gib} GiB of blank lines (.jsonl.gz)": (
            _gzip(work / "blank.jsonl.gz", GOOD_LINE, b"\n", n, b""),
            [],
        ),
        f"one {gib} GiB line (.jsonl.gz)": (line, []),
        f"one {gib} GiB line (.jsonl.gz, --format twarc2)": (line, ["--format", "twarc2"]),
        f"one {gib} GiB line (.jsonl.gz, --format vk-api)": (line, ["--format", "vk-api"]),
        f"a {gib} GiB field (.csv.gz)": (_gzip(work / "field.csv.gz", HEADER_CSV, b"a", n, b'"\n'), []),
        f"a {max(gib - 1, 1)} GiB string (Telegram .json.gz)": (
            _gzip(work / "telegram.json.gz", TELEGRAM_HEAD, b"a", max(gib - 1, 1) << 30, b'"}]}'),
            [],
        ),
        f"{gib} GiB of 'x' lines (.jsonl.gz)": (
            _gzip(work / "xlines.jsonl.gz", GOOD_LINE, b"x\n", n, b""),
            [],
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gib", type=int, default=4)
    ap.add_argument("--work", type=Path, default=Path("/tmp/botwatch-bombs"))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    botwatch = str(Path(sys.executable).with_name("botwatch"))
    rows = []
    runs = [
        (name, path, extra, ratio_off)
        for ratio_off in (False, True)
        for name, (path, extra) in bombs(args.work, args.gib).items()
    ]
    for i, (name, path, extra, ratio_off) in enumerate(runs):
        case = args.work / "case.duckdb"
        case.unlink(missing_ok=True)
        cmd = [botwatch, "ingest", str(case), str(path), "--timezone", "UTC", *extra]
        env = dict(os.environ)
        if ratio_off:  # the second line of defence: line, field and bad-line limits, bounded blocks
            env["BOTWATCH_MAX_COMPRESSION_RATIO"] = "1000000"
            name += ", ratio check off"
        m = run_measured(cmd, timeout_s=300, log_prefix=args.work / f"run{i}", env=env)
        err = Path(m.stderr_path).read_text(errors="replace").strip()
        rows.append((name, path.stat().st_size, m, err))
        print(f"{name}: {m.wall_s:.1f} s, {m.peak_rss_mb:.0f} MB, rc={m.returncode}: {err[:200]}", flush=True)
    lines = [
        "# Hostile inputs (issue 10)",
        "",
        f"`python benchmarks/bombs.py --gib {args.gib}`, {dt.date.today()}, commit {code_state().get('head', '?')}.",
        "Floor: every bomb answered in < 30 s and < 1.5 GB with a one-line reason.",
        "",
        "| input | compressed | wall s | peak RSS MB | exit | message |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, size, m, err in rows:
        one = err.splitlines()[-1] if err else ""
        lines.append(
            f"| {name} | {size / MIB:.1f} MiB | {m.wall_s:.1f} | {m.peak_rss_mb:.0f} | {m.returncode} | "
            f"{one.replace('|', '/')} (lines: {len(err.splitlines())}) |"
        )
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
