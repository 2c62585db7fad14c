"""Detection on the scenario family: precision and recall of flagged accounts in every cell.

    BOTWATCH_THREADS=1 python benchmarks/scenarios.py --size 50000 --seed 1 --split all

For each cell of ``botwatch.demo.scenarios.scenario_grid(size, seed)`` (or the ``--cells`` named): generate the
files (cached under ``--work`` by the cell's parameters and seed), ingest ``items.csv`` into a fresh case with
the library (``botwatch.ingest.ingest``, default ``IngestOptions``: the CSV's canonical columns need no mapping; a cell
with any record quarantined is reported as an error), then run the detect step on a copy of that case in a
child process measured by ``_measure.run_measured`` (wall time, peak RSS): ``detect_case(case, config)``,
which is what ``botwatch detect CASE [--config FILE]`` does. The latest run's ``account_scores`` are compared
with ``ground_truth.csv``: planted accounts flagged (recall), flagged accounts that are planted (precision),
false positives by trap (``stock``, ``holiday``, ``superfan``, ``wave``, ``heavy``, ``self_repeat``, plain
``organic``, channel ``page``), campaigns found and planted groups recovered (``botwatch.evaluate``).

The floors the detectors must eventually reach in every cell: precision >= 0.95 and recall >= 0.9.
``tune`` cells may be looked at while changing detectors; ``held_out`` cells are for measuring only.

Writes ``benchmarks/results/scenarios.md`` (machine, versions, load, command, one table per split) and
``benchmarks/results/scenarios.json`` (raw results); ``--markdown-only`` re-writes the Markdown from the JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _measure import code_state, cpu_model, measurement_row, run_measured  # noqa: E402

RESULTS_MD = HERE / "results" / "scenarios.md"
RESULTS_JSON = HERE / "results" / "scenarios.json"
FLOOR_PRECISION, FLOOR_RECALL = 0.95, 0.9
FP_GROUPS = ("stock", "holiday", "superfan", "wave", "heavy", "self_repeat", "praise", "organic", "page")


def detect_child(case: str, out: str, config: str) -> None:
    """In the measured child: the detect step with the given config (TOML or JSON; empty for defaults)."""
    from botwatch.pipeline import detect_case

    t0 = time.perf_counter()
    result = detect_case(case, config=config or None)
    Path(out).write_text(
        json.dumps(
            {
                "detect_case_s": round(time.perf_counter() - t0, 3),
                "detectors": {k: v.get("seconds") for k, v in result.detectors.items()},
                "campaigns": result.campaigns,
                "scores": result.scores,
            },
            default=str,
        )
    )


def prepare(cell, work: Path) -> tuple[Path, dict]:
    """Generate the cell's files unless the cache holds them for these parameters; return (dir, timings)."""
    from botwatch.demo.scenarios import generate_scenario

    folder = work / f"{cell.name}-{cell.key()}"
    manifest = folder / "manifest.json"
    timings: dict = {}
    if manifest.exists() and json.loads(manifest.read_text()).get("key") == cell.key():
        timings["generated"] = "cached"
    else:
        shutil.rmtree(folder, ignore_errors=True)
        t = time.perf_counter()
        generate_scenario(cell, folder)
        timings["generate_s"] = round(time.perf_counter() - t, 2)
    return folder, timings


def ingest(folder: Path) -> tuple[Path, dict]:
    """A fresh case with the cell's items (kept as the cell's base case)."""
    from botwatch import Case, IngestOptions
    from botwatch.ingest import ingest as ingest_files

    case = folder / "case.duckdb"
    info_path = folder / "ingest.json"
    if case.exists() and info_path.exists():
        return case, json.loads(info_path.read_text())
    for p in (case, Path(f"{case}.wal")):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    with Case(case) as c:
        (summary,) = ingest_files(c, [folder / "items.csv"], IngestOptions(), progress=False)
        info = c.info()
    out = {
        "ingest_s": round(time.perf_counter() - t, 2),
        "records_read": summary.records_read,
        "items_stored": summary.items_stored,
        "quarantined": summary.quarantined,
        "duplicates": summary.duplicates,
        "accounts": info["accounts"],
    }
    info_path.write_text(json.dumps(out))
    return case, out


def evaluate(case: Path, folder: Path) -> dict:
    """Flagged accounts of the latest run against the ground truth, with false positives by trap."""
    from botwatch.evaluate import evaluate_case

    truth = folder / "ground_truth.csv"
    con = duckdb.connect()
    con.execute(f"ATTACH '{case}' AS c (READ_ONLY)")
    con.execute(f"CREATE TEMP TABLE gt AS SELECT * FROM read_csv('{truth}', all_varchar=true, header=true)")
    run = con.execute("SELECT max(run_id) FROM c.runs").fetchone()[0]
    flagged = dict(
        con.execute(
            """SELECT g."group", count(DISTINCT s.account_id) FROM c.account_scores s
               JOIN gt g ON g.account_id = s.account_id WHERE s.run_id = ? AND s.flagged GROUP BY 1""",
            [run],
        ).fetchall()
    )
    unlabelled = con.execute(
        """SELECT count(DISTINCT account_id) FROM c.account_scores WHERE run_id = ? AND flagged
           AND account_id NOT IN (SELECT account_id FROM gt)""",
        [run],
    ).fetchone()[0]
    planted_by_group = dict(
        con.execute("""SELECT "group", count(*) FROM gt WHERE label = '1' GROUP BY 1""").fetchall()
    )
    campaigns = con.execute("SELECT count(*) FROM c.campaigns WHERE run_id = ?", [run]).fetchone()[0]
    by_volume = con.execute(
        """WITH n AS (SELECT account_id, count(*) AS k FROM c.items GROUP BY 1),
                f AS (SELECT DISTINCT account_id FROM c.account_scores WHERE run_id = ? AND flagged)
           SELECT CASE WHEN n.k <= 2 THEN '1-2' ELSE '3+' END, count(*), count(f.account_id)
           FROM gt JOIN n USING (account_id) LEFT JOIN f USING (account_id) WHERE gt.label = '1'
           GROUP BY 1 ORDER BY 1""",
        [run],
    ).fetchall()
    con.close()
    planted = sum(planted_by_group.values())
    tp = sum(v for g, v in flagged.items() if g in planted_by_group)
    fp_by = {g: v for g, v in sorted(flagged.items()) if g not in planted_by_group}
    fp = sum(fp_by.values()) + unlabelled
    group_recall = {g: round(flagged.get(g, 0) / n, 3) for g, n in sorted(planted_by_group.items())}
    ev = evaluate_case(case, truth)
    return {
        "planted": planted,
        "flagged": tp + fp,
        "true_positives": tp,
        "false_positives": fp,
        "fp_by_group": fp_by,
        "fp_unlabelled": unlabelled,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
        "recall": round(tp / planted, 4) if planted else 0.0,
        "group_recall": group_recall,
        "min_group_recall": min(group_recall.values()) if group_recall else None,
        # recall of planted accounts with one or two comments, and with three or more
        "recall_by_comments": {
            b: {"planted": n, "flagged": k, "recall": round(k / n, 3)} for b, n, k in by_volume
        },
        "campaigns": campaigns,
        "groups_recovered": [g for g in ev["groups_recovered"] if g in planted_by_group],
        "groups": len(planted_by_group),
        "pr_auc": ev["pr_auc"],
        "evaluate_precision": ev["precision"],
        "evaluate_recall": ev["recall"],
    }


def run_cell(cell, args) -> dict:
    row: dict = {"cell": cell.params(), "key": cell.key()}
    folder, timings = prepare(cell, args.work)
    row.update(timings)
    manifest = json.loads((folder / "manifest.json").read_text())
    row["counts"] = {
        k: manifest["counts"][k] for k in ("posts", "comments", "planted_comments", "planted_accounts")
    }
    row["counts"]["accounts"] = manifest["counts"]["accounts"]
    base, ing = ingest(folder)
    row["ingest"] = ing
    if ing["quarantined"] or ing["items_stored"] != ing["records_read"]:
        row["error"] = f"ingest stored {ing['items_stored']} of {ing['records_read']} records"
        return row
    run_dir = Path(tempfile.mkdtemp(prefix="run_", dir=folder))
    case = run_dir / "case.duckdb"
    shutil.copyfile(base, case)
    out = run_dir / "detect.json"
    cmd = [sys.executable, __file__, "_child", str(case), str(out), str(args.config or "")]
    m = run_measured(cmd, timeout_s=args.timeout, log_prefix=run_dir / "detect")
    row["detect"] = measurement_row(m, tail=1500)
    if m.returncode == 0:
        row["detect"].update(json.loads(out.read_text()))
        row["result"] = evaluate(case, folder)
    else:
        row["error"] = f"detect exited {m.returncode}" + (" (timed out)" if m.timed_out else "")
    if not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return row


# --- report ---------------------------------------------------------------------------------------------------
def machine() -> dict:
    cpu = cpu_model()
    mem_gib = None
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem_gib = round(kib / 2**20, 1)
    except (OSError, IndexError, ValueError):
        pass
    versions = {"python": platform.python_version()}
    for pkg in ("botwatch", "duckdb", "numpy", "pyarrow", "igraph", "leidenalg"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": mem_gib,
        "os": platform.platform(),
        "versions": versions,
    }


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _f(v, digits: int = 3) -> str:
    return "–" if v is None else f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _fps(res: dict) -> str:
    fp = dict(res.get("fp_by_group", {}))
    if res.get("fp_unlabelled"):
        fp["unlabelled"] = res["fp_unlabelled"]
    return ", ".join(f"{g} {n}" for g, n in fp.items()) or "0"


def _by_volume(res: dict) -> str:
    by = res.get("recall_by_comments", {})
    return " / ".join(f"{by[b]['flagged']}/{by[b]['planted']}" if b in by else "–" for b in ("1-2", "3+"))


def _per_account(row: dict) -> str:
    c = row["counts"]
    return f"{c['planted_comments'] / c['planted_accounts']:.1f}" if c.get("planted_accounts") else "–"


def markdown(results: dict) -> str:
    meta = results["meta"]
    mach = meta["machine"]
    v = mach["versions"]
    lines = [
        "# Detection on the scenario family (issue 8, item 5)",
        "",
        'Generated investigations with planted "nurbot" campaigns of varied shape and the same organic traps in '
        "every cell (`botwatch.demo.scenarios`); one row per cell. **Floors: precision ≥ 0.95 and recall ≥ 0.9 in "
        "every cell.** `tune` cells may be looked at while changing detectors; `held_out` cells are for measuring "
        "only. Detectors at their defaults unless a config is named below.",
        "",
        f"- Measured: {meta['started']} – {meta['finished']} UTC; commit {meta['code']['head']}"
        + (f" (modified: {', '.join(meta['code']['modified'])})" if meta["code"]["modified"] else ""),
        f"- Machine: {mach['cpus']} CPU {mach['cpu']}, {mach['memory_gib']} GiB RAM, {mach['os']}",
        f"- Versions: Python {v['python']}, botwatch {v['botwatch']}, DuckDB {v['duckdb']}, numpy {v['numpy']}, "
        f"pyarrow {v['pyarrow']}, igraph {v['igraph']}, leidenalg {v['leidenalg']}",
        f"- Load (`uptime`) before: `{meta['uptime_before']}`; after: `{meta['uptime_after']}`",
        f"- `BOTWATCH_THREADS={meta['threads']}`; config: {meta['config'] or 'defaults'}",
        "",
        "```bash",
        meta["command"],
        "```",
        "",
        "Columns: tempo (burst 10 s-10 min, drip 10 min-6 h, slow 1-24 h after the post); tpl = templates per "
        "group; slots = varying slots per template; para = share of planted comments reworded; size = accounts "
        "per group; act = share of a group active per post; grp = groups; hot = hot posts; focus = groups "
        "comment under one or two official channels only. Planted = planted accounts in the data; FPs = flagged "
        "organic accounts by trap; per acct = planted comments per planted account; recall 1-2 / 3+ = planted "
        "accounts flagged / present among those with one or two comments and among those with three or more. "
        "Detect s / peak MB: the whole detect step in a fresh child process.",
    ]
    cells = results["cells"]
    for split in ("tune", "held_out"):
        rows = [r for r in cells.values() if r["cell"]["split"] == split]
        if not rows:
            continue
        lines += [
            "",
            f"## {split} ({len(rows)} cells)",
            "",
            "| cell | tempo | tpl | slots | para | size | act | grp | hot | focus | comments | planted | per acct "
            "| flagged | precision | recall | recall 1-2 / 3+ | FPs by trap | campaigns | detect s | peak MB | floors |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            c, res, det = r["cell"], r.get("result", {}), r.get("detect", {})
            ok = res and res["precision"] >= FLOOR_PRECISION and res["recall"] >= FLOOR_RECALL
            lines.append(
                f"| {c['name']} | {c['tempo']} | {c['n_templates']} | {c['n_slots']} | {c['paraphrase']} | "
                f"{c['group_size'][0]}-{c['group_size'][1]} | {c['active']} | {c['n_groups']} | "
                f"{'yes' if c['hot_posts'] else 'no'} | {'yes' if c['focus'] else 'no'} | "
                f"{r['counts']['comments']:,} | {res.get('planted', '–')} | {_per_account(r)} | {res.get('flagged', '–')} | "
                f"{_f(res.get('precision'))} | {_f(res.get('recall'))} | {_by_volume(res)} | "
                f"{_fps(res) if res else r.get('error', '')} | "
                f"{res.get('campaigns', '–')} | {_f(det.get('wall_s'), 1)} | {_f(det.get('peak_rss_mb'), 0)} | "
                f"{'met' if ok else '**missed**'} |"
            )
        done = [r["result"] for r in rows if "result" in r]
        if done:
            met = sum(1 for x in done if x["precision"] >= FLOOR_PRECISION and x["recall"] >= FLOOR_RECALL)
            lines += [
                "",
                f"Minimum precision {min(x['precision'] for x in done):.3f}, minimum recall "
                f"{min(x['recall'] for x in done):.3f}; floors met in {met} of {len(rows)} cells.",
            ]
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        detect_child(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
        return
    from botwatch.demo.scenarios import scenario_grid

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=50_000, help="comments per cell")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cells", nargs="+", default=None, help="only these cells (names from the grid)")
    ap.add_argument("--split", choices=("tune", "held_out", "all"), default="all")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "botwatch-scenarios")
    ap.add_argument("--config", type=Path, default=None, help="detector parameters, TOML or JSON")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per detect run")
    ap.add_argument("--keep", action="store_true", help="keep the detected case of each cell")
    ap.add_argument("--markdown-only", action="store_true", help="re-write the Markdown from the JSON")
    ap.add_argument("--results", type=Path, default=RESULTS_JSON, help="raw results (JSON)")
    ap.add_argument("--markdown", type=Path, default=RESULTS_MD)
    args = ap.parse_args()
    if args.markdown_only:
        args.markdown.write_text(markdown(json.loads(args.results.read_text())))
        print(args.markdown.read_text())
        return
    grid = scenario_grid(args.size, args.seed)
    names = {c.name for c in grid}
    if args.cells:
        unknown = [c for c in args.cells if c not in names]
        if unknown:
            ap.error(f"unknown cell(s) {', '.join(unknown)}; cells are: {', '.join(sorted(names))}")
        grid = [c for c in grid if c.name in args.cells]
    if args.split != "all":
        grid = [c for c in grid if c.split == args.split]
    args.work = args.work / f"size{args.size}_seed{args.seed}"
    args.work.mkdir(parents=True, exist_ok=True)
    if args.config:
        args.config = args.config.resolve()
    results = {"meta": {}, "cells": {}}
    if args.results.exists():
        old = json.loads(args.results.read_text())
        m = old.get("meta", {})
        if (m.get("size"), m.get("seed"), m.get("config")) == (args.size, args.seed, str(args.config or "")):
            results = old  # a partial re-run replaces its cells and keeps the others
    argv = [a if not a.startswith("/") else os.path.relpath(a, ROOT) for a in sys.argv[1:]]
    results["meta"].update(
        {
            "size": args.size,
            "seed": args.seed,
            "config": str(args.config or ""),
            "command": f"BOTWATCH_THREADS={os.environ.get('BOTWATCH_THREADS', '')} python benchmarks/scenarios.py "
            + " ".join(shlex.quote(a) for a in argv),
            "threads": os.environ.get("BOTWATCH_THREADS", "(unset: every core)"),
            "machine": machine(),
            "code": code_state(),
            "uptime_before": uptime(),
            "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        }
    )
    for cell in grid:
        t = time.perf_counter()
        row = run_cell(cell, args)
        results["cells"][cell.name] = row
        res = row.get("result", {})
        print(
            f"{cell.name} [{cell.split}]: planted {res.get('planted')}, flagged {res.get('flagged')}, precision "
            f"{res.get('precision')}, recall {res.get('recall')}, FPs {res.get('fp_by_group')}, detect "
            f"{row.get('detect', {}).get('wall_s')} s, {row.get('detect', {}).get('peak_rss_mb')} MB, cell "
            f"{time.perf_counter() - t:.1f} s {row.get('error', '')}",
            flush=True,
        )
        results["meta"]["uptime_after"] = uptime()
        results["meta"]["finished"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        order = {c.name: i for i, c in enumerate(scenario_grid(args.size, args.seed))}
        results["cells"] = dict(sorted(results["cells"].items(), key=lambda kv: order.get(kv[0], 1 << 30)))
        args.results.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n")
        args.markdown.write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
