"""The whole ``botwatch detect`` step on 100k and 1M generated comments: speed, memory and accuracy.

    python benchmarks/detect.py --sizes 100000 1000000 --repeats 3 --seed 1

Uses the same seeded files and ingested case as ``coordination_toolkit.py`` (under ``--work``; generated and
ingested here when missing; ingest is timed but excluded from the detect numbers). Each repeat copies the case
and runs the detect step with default settings in a fresh child process: ``detect_case(case)``, which is what
``botwatch detect CASE`` calls, with timers around each detector, campaign assembly and scoring. Wall time and
peak RSS come from ``_measure.run_measured``.

Accuracy (first run; detection is seeded, so repeats give the same result):

- account precision / recall / groups recovered from ``botwatch evaluate CASE --labels ground_truth.csv --json``;
- templates: every planted comment is matched to the nearest template of its campaign (word-set Jaccard against
  fills of each template); a template counts as recovered when at least half of its comments are in a text
  cluster; the clusters' purity (share of clustered comments that are planted) is reported too;
- organic accounts flagged, by which layers their significant edges are in: an organic account flagged with only
  ``co_reply`` edges was flagged merely for commenting under the same busy posts.

Raw results go to ``<work>/detect_results.json``; a Markdown summary is printed.
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
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _measure import code_state, measurement_row, run_measured  # noqa: E402
from coordination_toolkit import BIN, botwatch_ingest, generate, load_truth  # noqa: E402


def detect_child(case: str, out: str, config: str | None) -> None:
    """In the measured child: the detect step with a timer around every stage."""
    import botwatch.pipeline as pipeline

    steps: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                steps[name] = round(steps.get(name, 0.0) + time.perf_counter() - t, 3)

        return wrapper

    pipeline.assemble_campaigns = timed("campaigns", pipeline.assemble_campaigns)
    pipeline.score_accounts = timed("scoring", pipeline.score_accounts)
    t0 = time.perf_counter()
    cfg = json.loads(Path(config).read_text()) if config else None
    result = pipeline.detect_case(case, config=cfg)
    total = time.perf_counter() - t0
    Path(out).write_text(
        json.dumps(
            {
                "detect_case_s": round(total, 3),
                "run_s": round(result.seconds, 3),
                "steps": steps,
                "detectors": result.detectors,
                "campaigns": result.campaigns,
                "scores": result.scores,
                "summary": result.summary_text(),
            },
            default=str,
        )
    )


def evaluate(case: Path, truth: str) -> dict:
    proc = subprocess.run(
        [str(BIN / "botwatch"), "evaluate", str(case), "--labels", truth, "--json"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-800:]}
    return json.loads(proc.stdout)


_WORD = re.compile(r"\w+")


def _words(text: str) -> frozenset:
    return frozenset(_WORD.findall(text.lower()))


def template_recovery(con: duckdb.DuckDBPyConnection, templates_path: str, seed: int) -> dict:
    """Per planted template: comments, share in a text cluster, and the clusters' purity."""
    from botwatch.demo.campaigns import fill_template

    spec = json.loads(Path(templates_path).read_text())
    rng = np.random.default_rng(seed)
    samples = {
        g: [[_words(fill_template(t, rng)) for _ in range(30)] for t in s["templates"]]
        for g, s in spec.items()
    }
    rows = con.execute("""
        SELECT b.grp, i.text, ci.cluster_id IS NOT NULL AS clustered
        FROM case_db.items i JOIN bots b ON b.account_id = i.account_id
        LEFT JOIN (SELECT DISTINCT platform, item_id, cluster_id FROM case_db.cluster_items
                   WHERE run_id = (SELECT max(run_id) FROM case_db.runs)) ci
          ON ci.platform = i.platform AND ci.item_id = i.item_id""").fetchall()
    per = defaultdict(lambda: [0, 0])
    for grp, text, clustered in rows:
        tag = spec[grp]["hashtag"].lower().lstrip("#")
        words = _words(text or "") - {tag}

        def best(fills, words=words):
            return max(len(words & f) / len(words | f) if words | f else 0.0 for f in fills)

        j = max(range(len(samples[grp])), key=lambda k: best(samples[grp][k]))
        per[(grp, j)][0] += 1
        per[(grp, j)][1] += int(bool(clustered))
    templates = []
    for g, s in spec.items():
        for j, t in enumerate(s["templates"]):
            n, c = per.get((g, j), [0, 0])
            templates.append(
                {
                    "group": g,
                    "template": j,
                    "text": t,
                    "comments": n,
                    "clustered": c,
                    "share": round(c / n, 3) if n else None,
                    "recovered": bool(n) and c / n >= 0.5,
                }
            )
    purity = con.execute("""
        SELECT count(*), count(b.account_id), count(DISTINCT ci.cluster_id)
        FROM case_db.cluster_items ci LEFT JOIN bots b ON b.account_id = ci.account_id
        WHERE ci.run_id = (SELECT max(run_id) FROM case_db.runs)""").fetchone()
    clusters_with_planted = con.execute("""
        SELECT count(DISTINCT ci.cluster_id) FROM case_db.cluster_items ci JOIN bots b ON b.account_id = ci.account_id
        WHERE ci.run_id = (SELECT max(run_id) FROM case_db.runs)""").fetchone()[0]
    present = [t for t in templates if t["comments"]]
    return {
        "templates_used": len(present),
        "templates_recovered": sum(t["recovered"] for t in present),
        "min_share": min((t["share"] for t in present), default=None),
        "clustered_items": purity[0],
        "clustered_planted_items": purity[1],
        "cluster_purity": round(purity[1] / purity[0], 4) if purity[0] else None,
        "text_clusters": purity[2],
        "clusters_with_planted": clusters_with_planted,
        "per_template": templates,
    }


def organic_flags(con: duckdb.DuckDBPyConnection) -> dict:
    """Organic accounts flagged, by the layers of their significant edges, plus their reasons."""
    run = "(SELECT max(run_id) FROM case_db.runs)"
    flagged = con.execute(f"""
        SELECT s.account_id, s.reasons FROM case_db.account_scores s
        WHERE s.run_id = {run} AND s.flagged AND s.account_id NOT IN (SELECT account_id FROM bots)
          AND s.account_id NOT LIKE 'page%'""").fetchall()
    layers = dict(
        con.execute(f"""
        WITH e AS (SELECT account_a AS acc, layer FROM case_db.edges WHERE run_id = {run} AND significant
                   UNION ALL
                   SELECT account_b, layer FROM case_db.edges WHERE run_id = {run} AND significant)
        SELECT acc, list(DISTINCT layer ORDER BY layer) FROM e GROUP BY acc""").fetchall()
    )
    by_layers = Counter(",".join(layers.get(a, [])) or "(none)" for a, _ in flagged)
    reasons = Counter(r for _, rs in flagged for r in (rs or []))
    sig = dict(
        con.execute(f"""
        SELECT layer || CASE WHEN xa.account_id IS NULL AND xb.account_id IS NULL THEN ' organic-organic'
                             WHEN xa.grp = xb.grp THEN ' same planted group' ELSE ' mixed' END, count(*)
        FROM case_db.edges e LEFT JOIN bots xa ON xa.account_id = e.account_a
        LEFT JOIN bots xb ON xb.account_id = e.account_b
        WHERE e.run_id = {run} AND e.significant GROUP BY ALL ORDER BY ALL""").fetchall()
    )
    return {
        "organic_flagged": len(flagged),
        "organic_flagged_only_co_reply": by_layers.get("co_reply", 0),
        "organic_flagged_by_layers": dict(by_layers.most_common()),
        "organic_flagged_reasons": dict(reasons.most_common(10)),
        "significant_edges": sig,
    }


def run_size(n: int, args, results: dict) -> None:
    data = generate(args.work, n, args.seed)
    folder = args.work / f"n{n}_seed{args.seed}"
    base_case = folder / "botwatch_base.duckdb"
    res = results.setdefault(str(n), {})
    res["data"] = data
    res["code"] = code_state()
    if not base_case.exists() or args.reingest:
        res["ingest"] = botwatch_ingest(data["csv"], base_case, folder / "detect_ingest", args.timeout)
        print(f"n={n} ingest: {res['ingest']['wall_s']} s, {res['ingest']['peak_rss_mb']} MB", flush=True)
    runs = []
    for i in range(args.repeats):
        run_dir = Path(tempfile.mkdtemp(prefix="detect_", dir=folder))
        case = run_dir / "case.duckdb"
        shutil.copyfile(base_case, case)
        out = run_dir / "detect.json"
        cmd = [sys.executable, __file__, "_child", str(case), str(out)] + (
            [args.config] if args.config else []
        )
        m = run_measured(cmd, timeout_s=args.timeout, log_prefix=run_dir / "detect")
        row = measurement_row(m, tail=1500)
        if m.returncode == 0:
            row.update(json.loads(out.read_text()))
        print(
            f"n={n} detect run {i + 1}: {m.wall_s} s, {m.peak_rss_mb} MB, rc={m.returncode}, steps "
            f"{row.get('steps')}, detectors {_seconds(row.get('detectors', {}))}",
            flush=True,
        )
        if i == 0 and m.returncode == 0:
            res["evaluate"] = evaluate(case, data["truth"])
            con = duckdb.connect()
            load_truth(con, data["truth"])
            con.execute(f"ATTACH '{case}' AS case_db (READ_ONLY)")
            res["templates"] = template_recovery(con, data["templates"], args.seed)
            res["organic"] = organic_flags(con)
            con.close()
            print(json.dumps({k: res[k] for k in ("evaluate", "organic")}, indent=1, default=str), flush=True)
            t = res["templates"]
            print(
                f"templates recovered {t['templates_recovered']} of {t['templates_used']}, min share "
                f"{t['min_share']}, cluster purity {t['cluster_purity']}",
                flush=True,
            )
        shutil.rmtree(run_dir, ignore_errors=True) if not args.keep else None
        runs.append(row)
        if m.returncode != 0:
            break
        args.results_path.write_text(json.dumps(results, indent=1, default=str))
    ok = [r for r in runs if r["returncode"] == 0] or runs
    res["runs"] = runs
    res["median"] = {
        k: round(statistics.median(r[k] for r in ok), 2) for k in ("wall_s", "cpu_s", "peak_rss_mb")
    }


def _seconds(detectors: dict) -> dict:
    out = {}
    for name, s in detectors.items():
        out[name] = s.get("seconds")
        for k, v in s.items():
            if isinstance(v, dict) and "seconds" in v:
                out[f"{name}.{k}"] = v["seconds"]
    return out


def markdown(results: dict) -> str:
    lines = [
        "| comments | runs | detect wall s (median) | peak RSS MB | precision | recall | groups recovered "
        "| templates recovered | organic flagged (only co_reply) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, res in results.items():
        if "median" not in res:
            continue
        ev, tp, org = res.get("evaluate", {}), res.get("templates", {}), res.get("organic", {})
        lines.append(
            f"| {int(n):,} | {len(res['runs'])} | {res['median']['wall_s']} | {res['median']['peak_rss_mb']} | "
            f"{ev.get('precision')} | {ev.get('recall')} | {len(ev.get('groups_recovered', []))} of {ev.get('groups')} | "
            f"{tp.get('templates_recovered')} of {tp.get('templates_used')} | {org.get('organic_flagged')} "
            f"({org.get('organic_flagged_only_co_reply')}) |"
        )
    lines.append("")
    for n, res in results.items():
        for r in res.get("runs", [])[:1]:
            lines.append(
                f"- {int(n):,}: steps {r.get('steps')}, detectors {_seconds(r.get('detectors', {}))}"
            )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        detect_child(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--config", default=None, help="JSON config for detect (default: botwatch's defaults)")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--reingest", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the per-run case copies")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "botwatch-bench")
    ap.add_argument("--markdown-only", action="store_true")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    args.results_path = args.work / "detect_results.json"
    results = json.loads(args.results_path.read_text()) if args.results_path.exists() else {}
    if not args.markdown_only:
        print(f"load: {os.getloadavg()}", flush=True)
        for n in args.sizes:
            run_size(n, args, results)
            args.results_path.write_text(json.dumps(results, indent=1, default=str))
    print(markdown(results))


if __name__ == "__main__":
    main()
