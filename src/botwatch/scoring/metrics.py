"""Ranking and calibration metrics of account scores against labels (scikit-learn's, gathered in one place).

* PR-AUC as average precision (the step-wise area, no interpolation; ties count as one threshold);
* precision at a fixed recall: the best precision of any threshold whose recall reaches it;
* the Brier score (mean squared error of the probabilities; meaningful for calibrated probabilities only — the
  hand-set score is a ranking, not a probability);
* reliability bins: ``bins`` equal-width bins of the predicted probability, each with its count, mean prediction
  and observed share of positives (the reliability diagram as a table).
"""

from __future__ import annotations

import html

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve

RECALLS = (0.5, 0.8, 0.9)


def precision_at_recall(y, p, recall: float) -> float:
    """The best precision among thresholds whose recall is at least ``recall``."""
    prec, rec, _ = precision_recall_curve(np.asarray(y), np.asarray(p, dtype=float))
    ok = rec >= recall
    return float(prec[ok].max()) if ok.any() else 0.0


def reliability_bins(y, p, bins: int = 10) -> list[dict]:
    """Equal-width bins of ``p`` in [0, 1]: lower and upper edge, count, mean prediction, observed positives."""
    y, p = np.asarray(y, dtype=float), np.clip(np.asarray(p, dtype=float), 0, 1)
    which = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        m = which == b
        if m.any():
            out.append(
                {
                    "lower": round(b / bins, 3),
                    "upper": round((b + 1) / bins, 3),
                    "n": int(m.sum()),
                    "mean_predicted": round(float(p[m].mean()), 4),
                    "observed": round(float(y[m].mean()), 4),
                }
            )
    return out


def score_metrics(y, p, bins: int = 10) -> dict:
    """PR-AUC, base rate, precision at recall 0.5/0.8/0.9, Brier score and reliability bins."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    if len(set(y.tolist())) < 2:
        return {"n": int(len(y)), "positives": int(y.sum()), "pr_auc": None}
    return {
        "n": int(len(y)),
        "positives": int(y.sum()),
        "base_rate": round(float(y.mean()), 4),
        "pr_auc": round(float(average_precision_score(y, p)), 4),
        "precision_at_recall": {f"{r:g}": round(precision_at_recall(y, p, r), 4) for r in RECALLS},
        "brier": round(float(brier_score_loss(y, np.clip(p, 0, 1))), 4),
        "reliability": reliability_bins(y, p, bins),
    }


def reliability_table(bins: list[dict]) -> str:
    """The reliability diagram as a text table."""
    lines = ["  predicted      n   mean p   observed"]
    for b in bins:
        lines.append(
            f"  {b['lower']:.1f}-{b['upper']:.1f}  {b['n']:>7}   {b['mean_predicted']:.3f}    {b['observed']:.3f}"
        )
    return "\n".join(lines)


def reliability_svg(bins: list[dict], size: int = 240, title: str = "reliability") -> str:
    """A small SVG reliability diagram: observed share of positives against mean prediction per bin (circle
    area by count), with the diagonal of perfect calibration."""
    pad, inner = 30, size - 40
    x = lambda v: pad + v * inner  # noqa: E731
    y = lambda v: size - pad + 10 - v * inner  # noqa: E731
    total = max(sum(b["n"] for b in bins), 1)
    dots = "".join(
        f'<circle cx="{x(b["mean_predicted"]):.1f}" cy="{y(b["observed"]):.1f}" '
        f'r="{2 + 10 * (b["n"] / total) ** 0.5:.1f}" fill="#3465a4" fill-opacity="0.7">'
        f"<title>{b['lower']:.1f}-{b['upper']:.1f}: n={b['n']}, mean p={b['mean_predicted']:.3f}, "
        f"observed={b['observed']:.3f}</title></circle>"
        for b in bins
    )
    line = " ".join(f"{x(b['mean_predicted']):.1f},{y(b['observed']):.1f}" for b in bins)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" role="img" '
        f'aria-label="{html.escape(title)}">'
        f'<rect x="{pad}" y="{y(1):.1f}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>'
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#999" stroke-dasharray="4 3"/>'
        f'<polyline points="{line}" fill="none" stroke="#3465a4"/>{dots}'
        f'<text x="{size / 2}" y="{size - 4}" font-size="11" text-anchor="middle">mean predicted</text>'
        f'<text x="10" y="{size / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 10 {size / 2})">observed</text></svg>'
    )


__all__ = [
    "RECALLS",
    "precision_at_recall",
    "reliability_bins",
    "reliability_svg",
    "reliability_table",
    "score_metrics",
]
