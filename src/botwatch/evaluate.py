"""Evaluate flagged accounts and campaigns against labels: ``account_id,label[,group][,platform]``.

Besides precision, recall and F1 of the flags: PR-AUC, precision at recall 0.5/0.8/0.9, the Brier score and
reliability bins of the scores (:mod:`botwatch.scoring.metrics`; the Brier score and the reliability diagram
mean something only for a model's calibrated probabilities, not for the hand-set score, which ranks)."""

from __future__ import annotations

import csv
import html
import json
from collections import Counter, defaultdict
from pathlib import Path

from botwatch.errors import BotwatchError
from botwatch.export.atomic import write_text_atomic
from botwatch.scoring.metrics import reliability_svg, reliability_table, score_metrics
from botwatch.store.case import Case

POSITIVE = {"1", "bot", "true", "yes", "fake", "troll", "suspicious", "coordinated"}
NEGATIVE = {"0", "human", "false", "no", "real", "organic", "normal"}


def read_labels(path: str | Path) -> list[dict]:
    """Read a labels CSV; label is 1/0 or bot/human (and a few synonyms)."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = [f.strip() for f in reader.fieldnames or []]
        if "account_id" not in fields or "label" not in fields:
            raise BotwatchError(
                f"{path.name}: needs columns account_id,label[,group] (has: {', '.join(fields)})"
            )
        rows = []
        for n, row in enumerate(reader, 2):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            lab = row["label"].lower()
            if lab in POSITIVE:
                y = 1
            elif lab in NEGATIVE:
                y = 0
            else:
                raise BotwatchError(f"{path.name} line {n}: label {row['label']!r} is not 1/0 or bot/human")
            rows.append(
                {
                    "account_id": row["account_id"],
                    "label": y,
                    "group": row.get("group") or None,
                    "platform": row.get("platform") or None,
                }
            )
    return rows


def average_precision(y_true: list[int], scores: list[float]) -> float:
    """Area under the precision-recall curve as average precision (ties broken by label, pessimistically)."""
    pairs = sorted(zip(scores, y_true), key=lambda t: (-t[0], t[1]))
    n_pos = sum(y_true)
    if n_pos == 0:
        return float("nan")
    tp = 0
    ap = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        block = pairs[i:j]
        tp_block = sum(y for _, y in block)
        tp += tp_block
        if tp_block:
            ap += tp_block / n_pos * (tp / j)
        i = j
    return ap


def evaluate_case(case_path, labels_path) -> dict:
    """Precision, recall, F1 of flagged accounts, PR-AUC of scores and campaign purity."""
    labels = read_labels(labels_path)
    with Case(case_path, read_only=True) as case:
        run = case.con.execute("SELECT max(run_id) FROM runs").fetchone()[0]
        if run is None:
            raise BotwatchError(f"{case_path} has no detection run; run 'botwatch detect {case_path}' first")
        config = json.loads(
            case.con.execute("SELECT config FROM runs WHERE run_id = ?", [run]).fetchone()[0] or "{}"
        )
        rows = case.con.execute(
            "SELECT platform, account_id, score, flagged, campaign_id FROM account_scores WHERE run_id = ?",
            [run],
        ).fetchall()
    by_id: dict[str, list] = defaultdict(list)
    for platform, acct, score, flagged, cid in rows:
        by_id[acct].append((platform, score, flagged, cid))
    y, s, f, missing = [], [], [], 0
    campaign_groups: dict[str, Counter] = defaultdict(Counter)
    for lab in labels:
        cands = [c for c in by_id.get(lab["account_id"], []) if lab["platform"] in (None, c[0])]
        if not cands:
            missing += 1
            score, flagged, cid = 0.0, False, None
        else:
            _, score, flagged, cid = max(cands, key=lambda c: c[1])
        y.append(lab["label"])
        s.append(float(score))
        f.append(bool(flagged))
        if flagged and cid:
            campaign_groups[cid][lab["group"] or ("(human)" if lab["label"] == 0 else "(ungrouped bot)")] += 1
    tp = sum(1 for yi, fi in zip(y, f) if yi and fi)
    fp = sum(1 for yi, fi in zip(y, f) if not yi and fi)
    fn = sum(1 for yi, fi in zip(y, f) if yi and not fi)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = sum(sum(c.values()) for c in campaign_groups.values())
    purity = sum(max(c.values()) for c in campaign_groups.values()) / total if total else None
    groups = {lab["group"] for lab in labels if lab["group"]}
    recovered = sorted(
        g for g in groups if any(c.most_common(1)[0][0] == g for c in campaign_groups.values())
    )
    return {
        "labelled_accounts": len(labels),
        "positives": sum(y),
        "not_in_case": missing,
        "flagged_labelled": tp + fp,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "pr_auc": round(average_precision(y, s), 4) if sum(y) else None,
        **_score_metrics(y, s),
        "scorer": f"model {config['model']['model']}" if "model" in config else "hand-set",
        "campaigns_with_labelled_members": len(campaign_groups),
        "campaign_purity": round(purity, 4) if purity is not None else None,
        "groups": len(groups),
        "groups_recovered": recovered,
    }


def _score_metrics(y: list[int], s: list[float]) -> dict:
    m = score_metrics(y, s)
    if m.get("pr_auc") is None:
        return {}
    return {k: m[k] for k in ("base_rate", "precision_at_recall", "brier", "reliability")}


def evaluation_text(result: dict) -> str:
    """The evaluation as text: one ``key: value`` line each, the reliability diagram as a table."""
    lines = [f"{k}: {v}" for k, v in result.items() if k != "reliability"]
    if result.get("reliability"):
        lines += ["reliability (scores in equal-width bins):", reliability_table(result["reliability"])]
    return "\n".join(lines)


def write_evaluation(result: dict, out) -> Path:
    """A small self-contained HTML page: the metrics table and the reliability diagram (SVG)."""
    cells = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v, default=str))}</td></tr>"
        for k, v in result.items()
        if k != "reliability"
    )
    bins = result.get("reliability") or []
    rows = "".join(
        f"<tr><td>{b['lower']:.1f}-{b['upper']:.1f}</td><td>{b['n']}</td><td>{b['mean_predicted']:.3f}</td>"
        f"<td>{b['observed']:.3f}</td></tr>"
        for b in bins
    )
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>botwatch evaluation</title></head><body>'
        f"<h1>Evaluation ({html.escape(str(result.get('scorer', '')))})</h1><table>{cells}</table>"
        "<h2>Reliability</h2>"
        + (reliability_svg(bins) if bins else "<p>no scores to bin</p>")
        + "<table><tr><th>predicted</th><th>n</th><th>mean p</th><th>observed</th></tr>"
        + rows
        + "</table></body></html>\n"
    )
    return write_text_atomic(Path(out), page)
