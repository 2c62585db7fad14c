"""``botwatch train``: fit a calibrated scorer on an investigator's labels and store it in the case.

The labels file is the one ``botwatch evaluate`` reads (``account_id,label[,group][,platform]``). Features come
from the case's latest detection run (:mod:`botwatch.scoring.features`), so run ``botwatch detect`` first; the
model, its feature list with each feature's training median, the label file's sha256 and counts, the seed, the
parameters and the cross-validated metrics are stored in the case's ``models`` table
(:mod:`botwatch.scoring.learned`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import numpy as np

from botwatch._version import __version__
from botwatch.errors import BotwatchError
from botwatch.evaluate import read_labels
from botwatch.pipeline import DEFAULT_SEED, _check_seed, _section, load_config
from botwatch.scoring.features import feature_matrix
from botwatch.scoring.learned import (
    AUTO_BOOSTING_MIN,
    MIN_PER_CLASS,
    MODEL_SETTINGS,
    cross_validate,
    fit_model,
    model_threads,
    store_model,
)
from botwatch.settings import resolve
from botwatch.store.case import Case, check_case_path

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_model_name(name: str) -> str:
    """A model name: letters, digits, ``_ . -``, at most 64 characters."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise BotwatchError(
            f"model name {name!r} is not allowed; use letters, digits, '_', '.' or '-' (at most 64 characters)"
        )
    return name


def match_labels(con, labels: list[dict], file_name: str) -> dict[tuple[str, str], int]:
    """``{(platform, account_id): label}`` for every labelled account of the case. A label row without a
    platform labels the account on every platform the case has it on. Unknown accounts and contradictory
    labels are refused."""
    known: dict[str, list[str]] = {}
    for platform, acct in con.execute("SELECT platform, account_id FROM accounts").fetchall():
        known.setdefault(acct, []).append(platform)
    out: dict[tuple[str, str], int] = {}
    unknown = []
    for lab in labels:
        platforms = [p for p in known.get(lab["account_id"], []) if lab["platform"] in (None, p)]
        if not platforms:
            unknown.append(lab["account_id"])
        for p in platforms:
            key = (p, lab["account_id"])
            if out.get(key, lab["label"]) != lab["label"]:
                raise BotwatchError(
                    f"{file_name}: account {lab['account_id']!r} is labelled both bot and human"
                )
            out[key] = lab["label"]
    if unknown:
        shown = ", ".join(repr(a) for a in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise BotwatchError(
            f"{file_name}: {len(unknown)} labelled account(s) are not in the case ({shown}); "
            "ingest their data or remove them from the labels"
        )
    pos = sum(out.values())
    if pos < MIN_PER_CLASS or len(out) - pos < MIN_PER_CLASS:
        raise BotwatchError(
            f"{file_name}: training needs at least {MIN_PER_CLASS} labelled accounts of each class "
            f"(has {pos} bot and {len(out) - pos} human); label more accounts"
        )
    return out


def train_case(
    case_path, labels_path, name: str = "default", seed: int | None = None, config=None, replace: bool = False
) -> dict:
    """Fit, cross-validate and store a model named ``name``; return its record (without the model)."""
    check_model_name(name)
    cfg = config if isinstance(config, dict) else load_config(config)
    seed = _check_seed(seed if seed is not None else cfg.get("seed", DEFAULT_SEED))
    p = resolve("model", MODEL_SETTINGS, _section(cfg, "model"))
    labels_path = Path(labels_path)
    labels = read_labels(labels_path)
    check_case_path(Path(case_path), must_exist=True)
    with Case(case_path) as case:
        con = case.con
        run = con.execute("SELECT max(run_id) FROM runs").fetchone()[0]
        if run is None:
            raise BotwatchError(f"{case_path} has no detection run; run 'botwatch detect {case_path}' first")
        truth = match_labels(con, labels, labels_path.name)
        fm = feature_matrix(con, run)
        rows = [i for i, k in enumerate(fm.keys) if k in truth]
        keep = [
            j
            for j, n in enumerate(fm.names)
            if not any(n.startswith(x) for x in p["exclude_features"]) and _varies(fm.X[rows, j])
        ]
        X = fm.X[np.ix_(rows, keep)]
        y = np.array([truth[fm.keys[i]] for i in rows])
        if p["estimator"] == "auto":
            p = {**p, "estimator": "logistic" if len(y) < AUTO_BOOSTING_MIN else "gradient_boosting"}
        folds = min(int(p["folds"]), int(min(y.sum(), len(y) - y.sum())))
        names = [fm.names[j] for j in keep]
        with model_threads(len(y)):
            _, validation = cross_validate(X, y, {**p, "folds": folds}, seed)
            model, importances = fit_model(X, y, names, p, seed)
        validation["folds"] = folds
        validation["importance"] = importances
        record = {
            "name": name,
            "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "botwatch_version": __version__,
            "sklearn_version": _sklearn_version(),
            "seed": seed,
            "params": p,
            "features": [_describe(fm.features[j], X[:, n]) for n, j in enumerate(keep)],
            "training": {
                "labels_file": labels_path.name,
                "labels_sha256": hashlib.sha256(labels_path.read_bytes()).hexdigest(),
                "run_id": int(run),
                "accounts": len(y),
                "positives": int(y.sum()),
                "negatives": int(len(y) - y.sum()),
            },
            "validation": validation,
        }
        con.execute("BEGIN")
        try:
            record["sha256"] = store_model(con, record, model, replace)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return record


def _varies(column: np.ndarray) -> bool:
    """True when a feature takes at least two values (NaN counting as one) among the labelled accounts; a
    constant feature cannot inform the model and is left out."""
    nan = np.isnan(column)
    finite = column[~nan]
    return (len(finite) > 0 and finite.min() < finite.max()) or (0 < nan.sum() < len(column))


def _describe(feature, column: np.ndarray) -> dict:
    finite = column[~np.isnan(column)]
    return {
        "name": feature.name,
        "help": feature.help,
        "flags": feature.flags,
        "missing": None if np.isnan(feature.missing) else feature.missing,
        "median": float(np.median(finite)) if len(finite) else None,
    }


def _sklearn_version() -> str:
    import sklearn

    return sklearn.__version__


def summary_text(record: dict) -> str:
    """What ``botwatch train`` prints: counts, validation and the features the model leans on."""
    from botwatch.scoring.metrics import reliability_table

    t, v = record["training"], record["validation"]
    par = v["precision_at_recall"]
    lines = [
        f"model {record['name']!r} ({record['params']['estimator']}, {record['params']['calibration']} calibration, "
        f"seed {record['seed']}, sha256 {record['sha256'][:12]})",
        f"  trained on {t['accounts']} labelled accounts ({t['positives']} bot, {t['negatives']} human) "
        f"of run {t['run_id']}, {len(record['features'])} features",
        f"  cross-validated by account ({v['folds']} folds): PR-AUC {v['pr_auc']} (base rate {v['base_rate']}), "
        f"precision at recall 0.5/0.8/0.9 {par['0.5']}/{par['0.8']}/{par['0.9']}, Brier {v['brier']}",
        "  reliability (out-of-fold):",
        reliability_table(v["reliability"]),
        "  leans on (permutation importance, drop in average precision):",
    ]
    lines += [f"    {n}: {x}" for n, x in list(v["importance"].items())[:10]]
    return "\n".join(lines)


__all__ = ["check_model_name", "match_labels", "summary_text", "train_case"]
