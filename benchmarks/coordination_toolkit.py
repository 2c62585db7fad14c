"""botwatch against coordination-network-toolkit (CNT) on the same generated comment files.

    python benchmarks/coordination_toolkit.py --sizes 100000 1000000 --repeats 3 --seed 1
    python benchmarks/coordination_toolkit.py --sizes 100000 --tasks similar --tools botwatch --repeats 1

For each size the seeded generator (:func:`botwatch.demo.generate_benchmark`) writes one CNT-layout CSV and its
ground truth under ``--work`` (never committed). Both tools then build three networks from it:

``co_reply``   accounts commenting under the same post within the window (CNT ``co_reply``; botwatch
               ``coaction`` layer ``co_reply``);
``identical``  the same text within the window (CNT ``co_tweet``; botwatch ``text_coordination`` on exact
               ``lower(trim(text))``, i.e. without ``near_duplicate``);
``similar``    similar text (CNT ``co_similar_tweet`` at word-set Jaccard ``--jaccard``; botwatch
               ``near_duplicate`` clusters, then ``text_coordination`` over them).

The CNT window is ``--window`` (600 s, as in the earlier measurements) for every network; for ``co_reply``
botwatch runs once with the same window ("matched") and once with its own defaults ("default"). botwatch's text
networks have no window (since issue 8 text coordination is tested whatever the timing), so they run once. Minimum edge weight is 2 for both. Every
run starts from a fresh copy of the loaded database, in a child process measured by ``_measure.run_measured``
(wall, peak RSS). CNT's CSV->SQLite preprocess and botwatch's ingest are timed separately from the network step.

Accuracy: the planted pairs are all pairs of accounts within one planted group of the truth file. For every
network: unordered edges (weight >= 2), recall of planted pairs and precision (share of edges whose two accounts
are in the same planted group); for botwatch also the same for edges marked ``significant``.
Raw results go to ``<work>/cnt_results.json``; a Markdown summary is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _measure import code_state, measurement_row, run_measured  # noqa: E402

BIN = Path(sys.executable).parent
CNT = str(BIN / "compute_networks")
TASKS = {"co_reply": "co_reply", "identical": "co_tweet", "similar": "co_similar_tweet"}


# -- data -------------------------------------------------------------------------------------------------------
def generate(work: Path, n: int, seed: int) -> dict:
    """Generate (or reuse) the benchmark files for ``n`` comments; return paths and generation seconds."""
    folder = work / f"n{n}_seed{seed}"
    done = folder / "DONE.json"
    if done.exists():
        return json.loads(done.read_text())
    from botwatch.demo import generate_benchmark

    t0 = time.perf_counter()
    files = generate_benchmark(folder, n_comments=n, seed=seed, formats=("cnt-csv",))
    info = {
        "csv": str(files.inputs[0]),
        "truth": str(files.truth),
        "templates": str(files.templates),
        "manifest": str(files.manifest),
        "generate_s": round(time.perf_counter() - t0, 1),
        "csv_mb": round(Path(files.inputs[0]).stat().st_size / 2**20, 1),
    }
    done.write_text(json.dumps(info))
    return info


def load_truth(con: duckdb.DuckDBPyConnection, truth: str) -> int:
    """Create table ``bots(account_id, grp)``; return the number of planted pairs."""
    con.execute(f"""CREATE OR REPLACE TABLE bots AS
        SELECT account_id, "group" AS grp FROM read_csv('{truth}', all_varchar = true)
        WHERE label = '1' AND "group" IS NOT NULL AND "group" <> ''""")
    return con.execute(
        "SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM bots GROUP BY grp)"
    ).fetchone()[0]


def score_pairs(con: duckdb.DuckDBPyConnection, pairs_sql: str, n_planted: int) -> dict:
    """Unordered distinct pairs from ``pairs_sql`` (columns a, b): count, recall and precision vs ``bots``."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _p AS
        SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b FROM ({pairs_sql}) WHERE a <> b""")
    n = con.execute("SELECT count(*) FROM _p").fetchone()[0]
    hits = con.execute("""
        SELECT count(*) FROM _p JOIN bots x ON x.account_id = _p.a JOIN bots y ON y.account_id = _p.b
        WHERE x.grp = y.grp""").fetchone()[0]
    return {
        "edges": n,
        "planted_hits": hits,
        "recall": round(hits / n_planted, 4) if n_planted else None,
        "precision": round(hits / n, 4) if n else None,
    }


# -- CNT --------------------------------------------------------------------------------------------------------
def cnt_preprocess(csv: str, db: Path, logs: Path, timeout: float) -> dict:
    db.unlink(missing_ok=True)
    m = run_measured([CNT, str(db), "preprocess", "--format", "csv", csv], timeout_s=timeout, log_prefix=logs)
    return {**measurement_row(m), "db_mb": round(db.stat().st_size / 2**20, 1) if db.exists() else None}


def cnt_network(base_db: Path, task: str, args, run_dir: Path, timeout: float, con, n_planted: int) -> dict:
    """One CNT network on a fresh copy of the preprocessed database.

    CNT 1.5.2's CSV output is broken (``compute --output_file X --output_format csv`` and ``export_network``
    raise ``TypeError: output_gephi_csv() got an unexpected keyword argument 'n_messages'`` after computing), so
    the network is computed into its SQLite table and the edges are read from there outside the measurement.
    """
    db = run_dir / "cnt.db"
    shutil.copyfile(base_db, db)
    cmd = [
        CNT,
        str(db),
        "compute",
        TASKS[task],
        "--time_window",
        str(int(args.window)),
        "--min_edge_weight",
        "2",
    ]
    cmd += ["--similarity_threshold", str(args.jaccard)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # its progress lines must survive a timeout kill
    m = run_measured(cmd, timeout_s=timeout, log_prefix=run_dir / "cnt", env=env)
    row = {"tool": "cnt", "task": task, "variant": f"window {args.window:g} s", **measurement_row(m)}
    progress = re.findall(r"Completed (\d+) / (\d+)", Path(m.stdout_path).read_text(errors="replace"))
    if progress:
        row["progress"] = f"{progress[-1][0]} of {progress[-1][1]} user batches"
    if m.returncode == 0:
        load_sqlite_pairs(con, db, f"{TASKS[task]}_network")
        row.update(score_pairs(con, "SELECT a, b FROM _cnt_edges", n_planted))
        con.execute("DROP TABLE _cnt_edges")
    db.unlink(missing_ok=True)
    return row


def load_sqlite_pairs(con: duckdb.DuckDBPyConnection, db: Path, table: str, batch: int = 500_000) -> None:
    """Copy CNT's ``user_1, user_2`` pairs (loops dropped, as its exporter does) into DuckDB ``_cnt_edges``."""
    import sqlite3

    import pyarrow as pa

    con.execute("CREATE OR REPLACE TEMP TABLE _cnt_edges (a VARCHAR, b VARCHAR)")
    src = sqlite3.connect(db)
    try:
        cur = src.execute(f"SELECT user_1, user_2 FROM {table} WHERE user_1 != user_2")
        while rows := cur.fetchmany(batch):
            a, b = zip(*rows)
            con.register("_chunk", pa.table({"a": pa.array(map(str, a)), "b": pa.array(map(str, b))}))
            con.execute("INSERT INTO _cnt_edges SELECT * FROM _chunk")
            con.unregister("_chunk")
    finally:
        src.close()


# -- botwatch ---------------------------------------------------------------------------------------------------
def botwatch_ingest(csv: str, case: Path, logs: Path, timeout: float) -> dict:
    case.unlink(missing_ok=True)
    m = run_measured([str(BIN / "botwatch"), "ingest", str(case), csv], timeout_s=timeout, log_prefix=logs)
    return {**measurement_row(m), "case_mb": round(case.stat().st_size / 2**20, 1) if case.exists() else None}


def botwatch_config(task: str, window: float | None) -> tuple[dict, list[str]]:
    """co_reply: coaction's co_reply at one window (no longer scales, as CNT has one window). Text: botwatch's
    text network has no window since issue 8 — text_coordination links accounts that keep writing the same
    rare text whatever their timing (identical: exact texts; similar: near_duplicate clusters first)."""
    if task == "co_reply":
        params: dict = {"layers": ["co_reply"], "co_reply_scales_s": []}
        if window is not None:
            params["co_reply_window_s"] = float(window)
        return {"coaction": params}, ["coaction"]
    return {}, (["near_duplicate", "text_coordination"] if task == "similar" else ["text_coordination"])


def botwatch_network(base_case: Path, task: str, window, seed, run_dir, timeout, con, n_planted) -> dict:
    case = run_dir / "case.duckdb"
    shutil.copyfile(base_case, case)
    config, only = botwatch_config(task, window)
    cfg = run_dir / "config.json"
    cfg.write_text(json.dumps(config))
    summary = run_dir / "summary.json"
    cmd = [
        sys.executable,
        __file__,
        "_botwatch_child",
        str(case),
        str(cfg),
        ",".join(only),
        str(seed),
        str(summary),
    ]
    m = run_measured(cmd, timeout_s=timeout, log_prefix=run_dir / "botwatch")
    variant = (
        f"window {window:g} s"
        if window is not None
        else "defaults (90 s)"
        if task == "co_reply"
        else "defaults (no window)"
    )
    row = {"tool": "botwatch", "task": task, "variant": variant, **measurement_row(m)}
    if m.returncode == 0:
        s = json.loads(summary.read_text())
        row["detect_s"] = round(s["seconds"], 2)
        row["step_s"] = {k: v.get("seconds") for k, v in s["detectors"].items()}
        layer = "co_reply" if task == "co_reply" else "co_text"
        row["layer_stats"] = (
            s["detectors"]["coaction"].get(layer, {})
            if task == "co_reply"
            else s["detectors"]["text_coordination"]
        )
        if "near_duplicate" in s["detectors"]:
            row["near_duplicate"] = {
                k: v for k, v in s["detectors"]["near_duplicate"].items() if not isinstance(v, dict | list)
            }
        con.execute(f"ATTACH '{case}' AS bw (READ_ONLY)")
        try:
            edges = (
                f"SELECT account_a AS a, account_b AS b FROM bw.edges WHERE layer = '{layer}' AND weight >= 2"
            )
            row.update(score_pairs(con, edges, n_planted))
            row["significant"] = score_pairs(con, edges + " AND significant", n_planted)
        finally:
            con.execute("DETACH bw")
    case.unlink(missing_ok=True)
    Path(str(case) + ".wal").unlink(missing_ok=True)
    return row


def botwatch_child(case: str, cfg: str, only: str, seed: str, summary: str) -> None:
    """In the measured child: the network step only — the named detectors, as ``detect_case`` runs them, but
    without campaign assembly and account scoring (``detect.py`` measures the whole detect step)."""
    from botwatch.detectors import RunContext, get_detector_class
    from botwatch.store.case import Case

    config = json.loads(Path(cfg).read_text())
    t0 = time.perf_counter()
    detectors = {}
    with Case(case) as c:
        ctx = RunContext(con=c.con, run_id=1, seed=int(seed))
        for name in only.split(","):
            det = get_detector_class(name)(**config.get(name, {}))
            det.validate_params()
            t = time.perf_counter()
            s = det.run(ctx) or {}
            s.setdefault("seconds", round(time.perf_counter() - t, 3))
            detectors[name] = s
    result = {"seconds": time.perf_counter() - t0, "detectors": detectors}
    Path(summary).write_text(json.dumps(result, default=str))


# -- driver -----------------------------------------------------------------------------------------------------
def median_row(rows: list[dict]) -> dict:
    """Medians of the numeric measurements over repeats; accuracy comes from the first run (deterministic)."""
    ok = [r for r in rows if r.get("returncode") == 0]
    by_wall = sorted(ok or rows, key=lambda r: r["wall_s"])
    out = dict(by_wall[(len(by_wall) - 1) // 2])  # per-step seconds of the median run
    out["repeats"] = len(rows)
    for key in ("wall_s", "cpu_s", "peak_rss_mb", "peak_tree_rss_mb", "detect_s"):
        vals = [r[key] for r in (ok or rows) if r.get(key) is not None]
        if vals:
            out[key] = round(statistics.median(vals), 2)
            out[key + "_all"] = vals
    return out


def run_size(n: int, args, results: dict) -> None:
    data = generate(args.work, n, args.seed)
    print(f"# n={n}: {data['csv']} ({data['csv_mb']} MB, generated in {data['generate_s']} s)", flush=True)
    con = duckdb.connect()
    n_planted = load_truth(con, data["truth"])
    key = str(n)
    res = results.setdefault(key, {"data": data, "planted_pairs": n_planted, "rows": {}})
    res["data"], res["planted_pairs"] = data, n_planted
    res.setdefault("code", {})[",".join(args.tools)] = code_state()
    big = n >= args.large
    folder = args.work / f"n{n}_seed{args.seed}"
    base_db, base_case = folder / "cnt_base.db", folder / "botwatch_base.duckdb"

    if "cnt" in args.tools:
        reps = 1 if big else args.repeats
        runs = [
            cnt_preprocess(data["csv"], base_db, folder / f"cnt_preprocess_{i}", args.timeout)
            for i in range(reps)
        ]
        res["cnt_preprocess"] = median_row(runs)
        print("cnt preprocess", _brief(res["cnt_preprocess"]), flush=True)
    if "botwatch" in args.tools:
        reps = 1 if big else args.repeats
        runs = [
            botwatch_ingest(data["csv"], base_case, folder / f"bw_ingest_{i}", args.timeout)
            for i in range(reps)
        ]
        res["botwatch_ingest"] = median_row(runs)
        print("botwatch ingest", _brief(res["botwatch_ingest"]), flush=True)

    for task in args.tasks:
        plans = []
        if "cnt" in args.tools:
            timeout = args.cnt_similar_timeout if task == "similar" else args.timeout
            reps = 1 if big else args.repeats
            plans.append(
                (
                    "cnt",
                    None,
                    reps,
                    lambda d, t=task, to=timeout: cnt_network(base_db, t, args, d, to, con, n_planted),
                )
            )
        if "botwatch" in args.tools:
            for window in (args.window, None) if task == "co_reply" else (None,):
                plans.append(
                    (
                        "botwatch",
                        window,
                        args.repeats,
                        lambda d, t=task, w=window: botwatch_network(
                            base_case, t, w, args.seed, d, args.timeout, con, n_planted
                        ),
                    )
                )
        for tool, _window, reps, fn in plans:
            rows = []
            for i in range(reps):
                run_dir = Path(tempfile.mkdtemp(prefix=f"{tool}_{task}_", dir=folder))
                row = fn(run_dir)
                rows.append(row)
                print(f"  {task:9} {tool:8} {row['variant']:22} run {i + 1}: {_brief(row)}", flush=True)
                if row.get("timed_out") or row.get("returncode") != 0:
                    break  # a timeout or failure is not repeated
            row = median_row(rows)
            res["rows"][f"{task}|{tool}|{row['variant']}"] = row
            save(args.results_path, results)
    con.close()


def save(path: Path, results: dict) -> None:
    """Merge ``results`` into the file (another invocation may have written other rows meanwhile)."""
    disk = json.loads(path.read_text()) if path.exists() else {}
    for n, res in results.items():
        into = disk.setdefault(n, {"rows": {}})
        into.update({k: v for k, v in res.items() if k != "rows"})
        into.setdefault("rows", {}).update(res.get("rows", {}))
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(disk, indent=1, default=str))
    tmp.replace(path)


def _brief(r: dict) -> str:
    s = f"{r['wall_s']} s (cpu {r.get('cpu_s')} s), {r['peak_rss_mb']} MB (tree {r['peak_tree_rss_mb']} MB)"
    if r.get("timed_out"):
        s += f" TIMED OUT {r.get('progress', '')}"
    elif r.get("returncode") != 0:
        s += f" FAILED rc={r.get('returncode')}: {r.get('error_tail', '')[-300:]}"
    if "edges" in r:
        s += f", edges {r['edges']}, recall {r['recall']}, precision {r['precision']}"
    if "significant" in r:
        sg = r["significant"]
        s += f"; significant {sg['edges']} (recall {sg['recall']}, precision {sg['precision']})"
    if "detect_s" in r:
        s += f"; detect {r['detect_s']} s {r.get('step_s')}"
    return s


def markdown(results: dict) -> str:
    lines = []
    for n, res in results.items():
        lines.append(f"\n### {int(n):,} comments ({int(res['planted_pairs']):,} planted pairs)\n")
        for key, label in (
            ("cnt_preprocess", "CNT preprocess (CSV→SQLite)"),
            ("botwatch_ingest", "botwatch ingest"),
        ):
            if key in res:
                r = res[key]
                lines.append(
                    f"- {label}: {r['wall_s']} s, peak RSS {r['peak_rss_mb']} MB (median of {r['repeats']})"
                )
        lines.append(
            "\n| network | tool | setting | runs | wall s (median) | CPU s | detector s | peak RSS MB (largest / tree) "
            "| edges w≥2 | recall | precision | significant edges | sig. recall | sig. precision |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        order = {t: i for i, t in enumerate(TASKS)}
        for r in sorted(
            res["rows"].values(), key=lambda r: (order[r["task"]], r["tool"] != "cnt", r["variant"])
        ):
            if r.get("timed_out"):
                wall = f"did not finish in {r['wall_s']:.0f} s ({r.get('progress', 'no progress line')})"
            elif r.get("returncode") != 0:
                wall = f"failed (rc {r.get('returncode')})"
            else:
                wall = f"{r['wall_s']}"
            sig = r.get("significant", {})
            step = ""
            if r.get("step_s"):
                step = " + ".join(f"{v}" for v in r["step_s"].values())
            lines.append(
                f"| {r['task']} | {r['tool']} | {r['variant']} | {r['repeats']} | {wall} | {r.get('cpu_s') or '–'} | {step} | "
                f"{r['peak_rss_mb']} / {r['peak_tree_rss_mb']} | {_fmt(r.get('edges'))} | {_fmt(r.get('recall'))} | "
                f"{_fmt(r.get('precision'))} | {_fmt(sig.get('edges'))} | {_fmt(sig.get('recall'))} | "
                f"{_fmt(sig.get('precision'))} |"
            )
        lines.append("")
        for task in TASKS:
            cnt = [r for k, r in res["rows"].items() if k.startswith(f"{task}|cnt|")]
            bw = [r for k, r in res["rows"].items() if k.startswith(f"{task}|botwatch|window")] or [
                r for k, r in res["rows"].items() if k.startswith(f"{task}|botwatch|")
            ]
            if cnt and bw and bw[0].get("returncode") == 0:
                c, b = cnt[0], bw[0]
                bound = "≥ " if c.get("timed_out") else ""
                lines.append(
                    f"- {task}: CNT / botwatch (same window) wall = {bound}{c['wall_s'] / b['wall_s']:.1f}x"
                )
    return "\n".join(lines)


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return f"{v:,}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_botwatch_child":
        botwatch_child(*sys.argv[2:7])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    ap.add_argument("--tools", nargs="+", default=["cnt", "botwatch"], choices=["cnt", "botwatch"])
    ap.add_argument(
        "--window", type=float, default=600.0, help="CNT window and botwatch's matched window (s)"
    )
    ap.add_argument("--jaccard", type=float, default=0.8, help="CNT co_similar_tweet threshold")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--cnt-similar-timeout", type=float, default=1200.0)
    ap.add_argument("--large", type=int, default=1_000_000, help="sizes from here on run CNT and loads once")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "botwatch-bench")
    ap.add_argument("--markdown-only", action="store_true", help="print the summary of earlier results")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    args.results_path = args.work / "cnt_results.json"
    results: dict = {}
    if not args.markdown_only:
        print(f"load: {os.getloadavg()}; cnt: {_cnt_version()}", flush=True)
        for n in args.sizes:
            run_size(n, args, results)
            save(args.results_path, results)
    print(markdown(json.loads(args.results_path.read_text()) if args.results_path.exists() else results))


def _cnt_version() -> str:
    try:
        from importlib.metadata import version

        return version("coordination-network-toolkit")
    except Exception:  # pragma: no cover
        if not Path(CNT).exists():
            return "not installed"
        return subprocess.run([CNT, "--help"], capture_output=True, text=True).stdout[:40]


if __name__ == "__main__":
    main()
