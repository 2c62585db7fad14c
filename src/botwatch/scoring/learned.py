"""A scorer learned from an investigator's labels: fit, validate, store, and score with reasons.

**Model.** scikit-learn's ``HistGradientBoostingClassifier`` (``estimator = "gradient_boosting"``; missing
values handled natively) or a ``LogisticRegression`` on median-imputed, standardised features (``"logistic"``);
``"auto"`` (the default) picks logistic regression below ``AUTO_BOOSTING_MIN`` (500) labelled accounts, where
boosted trees on a few dozen positives overfit their calibration folds (measured on the tests' 45-account
world: cross-validated PR-AUC 0.72 boosted vs 1.0 logistic), and gradient boosting from there; wrapped in ``CalibratedClassifierCV`` (``calibration``: Platt's ``sigmoid``, safer with few
labels, or ``isotonic``; ``calibration_folds`` inner folds), so that the score is a probability. Inputs: every
feature of every registered source (:mod:`botwatch.scoring.features`).

**Validation.** Cross-validated by account: ``folds`` stratified folds (seeded); every labelled account is
scored once by a model that did not see it; PR-AUC, precision at recall 0.5/0.8/0.9, Brier score and reliability
bins of those out-of-fold probabilities are stored with the model. Feature importances: permutation importance
(drop in average precision, ``importance_repeats`` seeded repeats) of the final model on its training accounts.

**Reasons.** For each account at or above ``reason_probability``, the contribution of feature ``j`` is
``p(x) - p(x with x_j set to its training median)``: how much that value moved the probability away from a
typical account's. The ``reasons`` largest contributions of at least half a percentage point become evidence rows (``detector = 'model'``).

**Flag.** An account is flagged when its probability is at least ``flag_probability`` (0.5) *and* either the
hand-set rules flag it (at least one significant pair in a flagging layer, :mod:`botwatch.scoring.score`) or
its probability stays at or above ``flag_probability`` when every feature unable to flag (``Feature.flags`` is
false: timing-only layers, campaign membership, creation dates and batches, office hours, the hand-set score) is
set to its training median. So no probability, however high, flags an account on those features alone. (Single
feature contributions are not used for the flag: correlated features share the credit, and each alone moves a
saturated probability little.)

**Storage and trust.** The fitted model is pickled into the case's ``models`` table with its sha256 and an
HMAC-SHA256 signature made with a key kept outside the case (``BOTWATCH_MODEL_KEY_FILE``, default
``~/.config/botwatch/model-signing.key``, created on first use, mode 0600). Loading a pickle runs code, so a
model is loaded only when its bytes match the sha256 and the signature matches this key: a case received from
someone else cannot run code through its models; retrain it with ``botwatch train``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import secrets
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from botwatch.errors import BotwatchError
from botwatch.parallel import n_threads
from botwatch.scoring.features import feature_matrix
from botwatch.scoring.metrics import score_metrics
from botwatch.settings import Interval, OneOf, Setting, constraints_of, defaults_of
from botwatch.store.rows import insert_rows

AUTO_BOOSTING_MIN = (
    500  # labelled accounts from which "auto" picks gradient boosting over logistic regression
)


class IsNameList:
    """A list of feature names or name prefixes (strings)."""

    def accepts(self, value) -> bool:
        return isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value)

    def describe(self) -> str:
        return "a list of feature names or prefixes"


MODEL_SETTINGS = (
    Setting(
        "estimator",
        "auto",
        OneOf(("auto", "gradient_boosting", "logistic")),
        f"the model family; auto: logistic below {AUTO_BOOSTING_MIN} labelled accounts, gradient boosting from there",
    ),
    Setting("calibration", "sigmoid", OneOf(("sigmoid", "isotonic")), "how probabilities are calibrated"),
    Setting("calibration_folds", 3, Interval(int, 2, 10), "inner folds of the calibration"),
    Setting("folds", 5, Interval(int, 2, 20), "cross-validation folds by account for the stored validation"),
    Setting("max_iter", 200, Interval(int, 10, 5000), "boosting iterations (gradient_boosting)"),
    Setting("learning_rate", 0.05, Interval(float, 0, 1, closed="right"), "boosting learning rate"),
    Setting("min_samples_leaf", 10, Interval(int, 1, None), "smallest leaf of a boosted tree"),
    Setting("importance_repeats", 5, Interval(int, 1, 100), "seeded repeats of the permutation importance"),
    Setting("exclude_features", [], IsNameList(), "features (names or prefixes) left out of training"),
    Setting("flag_probability", 0.5, Interval(float, 0, 1), "probability at which a model may flag"),
    Setting("reasons", 5, Interval(int, 1, 50), "contributing features written as evidence per account"),
    Setting(
        "reason_probability", 0.2, Interval(float, 0, 1), "accounts at or above this probability get reasons"
    ),
)
MODEL_PARAMETERS = defaults_of(MODEL_SETTINGS)
MODEL_CONSTRAINTS = constraints_of(MODEL_SETTINGS)
MIN_PER_CLASS = 10  # labelled accounts of each class that training needs
KEY_ENV = "BOTWATCH_MODEL_KEY_FILE"
MIN_REASON = 0.005  # contributions below half a percentage point are not written as reasons
# below this many rows, OpenMP threads cost more (spinning on a busy machine) than they save
SMALL_FIT = 50_000


@contextmanager
def model_threads(n_rows: int):
    """Limit scikit-learn's OpenMP threads: one for small data, ``BOTWATCH_THREADS`` (every core) otherwise."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1 if n_rows < SMALL_FIT else n_threads(), user_api="openmp"):
        yield


def build_estimator(p: dict, seed: int):
    """The calibrated, unfitted scikit-learn estimator ``p`` describes."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if p["estimator"] == "logistic":
        base = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            StandardScaler(),
            LogisticRegression(max_iter=2000, random_state=seed),
        )
    else:
        base = HistGradientBoostingClassifier(
            max_iter=int(p["max_iter"]),
            learning_rate=float(p["learning_rate"]),
            min_samples_leaf=int(p["min_samples_leaf"]),
            random_state=seed,
        )
    inner = StratifiedKFold(int(p["calibration_folds"]), shuffle=True, random_state=seed)
    return CalibratedClassifierCV(base, method=p["calibration"], cv=inner)


def cross_validate(X: np.ndarray, y: np.ndarray, p: dict, seed: int) -> tuple[np.ndarray, dict]:
    """Out-of-fold probabilities (``folds`` stratified folds by account, seeded) and their metrics."""
    from sklearn.model_selection import StratifiedKFold

    oof = np.empty(len(y))
    for train, test in StratifiedKFold(int(p["folds"]), shuffle=True, random_state=seed).split(X, y):
        oof[test] = build_estimator(p, seed).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    return oof, score_metrics(y, oof)


def fit_model(X: np.ndarray, y: np.ndarray, names: list[str], p: dict, seed: int) -> tuple[object, dict]:
    """The final calibrated model on every labelled account, and its permutation importances (top 20)."""
    from sklearn.inspection import permutation_importance

    model = build_estimator(p, seed).fit(X, y)
    imp = permutation_importance(
        model, X, y, scoring="average_precision", n_repeats=int(p["importance_repeats"]), random_state=seed
    )
    order = np.argsort(-imp.importances_mean)[:20]
    importances = {names[j]: round(float(imp.importances_mean[j]), 4) for j in order}
    return model, importances


def contributions(model, X: np.ndarray, baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and per-feature contributions ``p(x) - p(x with x_j := baseline_j)`` (n x features)."""
    p0 = model.predict_proba(X)[:, 1]
    out = np.zeros(X.shape)
    for j in range(X.shape[1]):
        if np.isnan(baseline[j]) and np.isnan(X[:, j]).all():
            continue
        Xj = X.copy()
        Xj[:, j] = baseline[j]
        out[:, j] = p0 - model.predict_proba(Xj)[:, 1]
    return p0, out


# -- storage --------------------------------------------------------------------------------------------------
def _key() -> bytes:
    path = Path(os.environ.get(KEY_ENV) or Path.home() / ".config" / "botwatch" / "model-signing.key")
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
        return path.read_bytes()
    except OSError as exc:
        raise BotwatchError(
            f"cannot read or create the model signing key {path}: {exc.strerror}; set {KEY_ENV} to a writable file"
        ) from None


def _sign(name: str, digest: str) -> str:
    return hmac.new(_key(), f"{name}\0{digest}".encode(), hashlib.sha256).hexdigest()


def store_model(con, record: dict, model, replace: bool) -> str:
    """Pickle ``model`` into the ``models`` table with ``record`` (name, features, training, validation...);
    returns its sha256."""
    blob = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(blob).hexdigest()
    exists = con.execute("SELECT count(*) FROM models WHERE name = ?", [record["name"]]).fetchone()[0]
    if exists and not replace:
        raise BotwatchError(
            f"the case already holds a model named {record['name']!r}; choose another --name or pass --replace"
        )
    con.execute("DELETE FROM models WHERE name = ?", [record["name"]])
    insert_rows(
        con,
        "models",
        [
            {
                "name": record["name"],
                "created_at": record["created_at"],
                "botwatch_version": record["botwatch_version"],
                "sklearn_version": record["sklearn_version"],
                "estimator": record["params"]["estimator"],
                "seed": record["seed"],
                "features": json.dumps(record["features"]),
                "params": json.dumps(record["params"]),
                "training": json.dumps(record["training"]),
                "validation": json.dumps(record["validation"]),
                "blob": blob,
                "sha256": digest,
                "signature": _sign(record["name"], digest),
            }
        ],
    )
    return digest


def load_model(con, name: str) -> tuple[object, dict]:
    """The model ``name`` and its record, after checking its sha256 and its signature (see the module doc)."""
    row = con.execute(
        "SELECT name, seed, features, params, training, validation, blob, sha256, signature FROM models WHERE name = ?",
        [name],
    ).fetchone()
    if row is None:
        names = [r[0] for r in con.execute("SELECT name FROM models ORDER BY 1").fetchall()]
        raise BotwatchError(
            f"no model named {name!r} in this case (models: {', '.join(names) or 'none'}); "
            "train one with botwatch train CASE --labels FILE --name NAME"
        )
    _, seed, features, params, training, validation, blob, digest, signature = row
    blob = bytes(blob)
    if hashlib.sha256(blob).hexdigest() != digest or not hmac.compare_digest(
        _sign(name, digest), signature or ""
    ):
        raise BotwatchError(
            f"model {name!r} was not trained with this machine's signing key ({KEY_ENV}) or was altered; "
            "it is not loaded (a pickle runs code): retrain it with botwatch train"
        )
    record = {
        "name": name,
        "seed": seed,
        "features": json.loads(features),
        "params": json.loads(params),
        "training": json.loads(training),
        "validation": json.loads(validation),
        "sha256": digest,
    }
    return pickle.loads(blob), record  # noqa: S301 - integrity and origin checked above


# -- scoring a run --------------------------------------------------------------------------------------------
def apply_model(con, run_id: int, name: str, params: dict | None = None) -> dict:
    """Score every account of ``run_id`` with model ``name``: probability as the score, the flag rule of the
    module doc, and the contributing features as ``evidence`` rows. The hand-set score and flag stay in each
    account's ``features`` (``hand_score``, ``hand_flagged``)."""
    p = {**MODEL_PARAMETERS, **(params or {})}
    model, record = load_model(con, name)
    fm = feature_matrix(con, run_id)
    feats = record["features"]
    names = [f["name"] for f in feats]
    missing = {f["name"]: (float("nan") if f["missing"] is None else f["missing"]) for f in feats}
    X = fm.columns(names, missing)
    baseline = np.array([np.nan if f["median"] is None else f["median"] for f in feats], dtype=float)
    flags = np.array([bool(f["flags"]) for f in feats], dtype=bool)
    hand = {
        tuple(r)
        for r in con.execute(
            "SELECT platform, account_id FROM account_scores WHERE run_id = ? AND flagged", [run_id]
        ).fetchall()
    }
    with model_threads(len(X)):
        prob = model.predict_proba(X)[:, 1] if len(X) else np.zeros(0)
        explain = np.flatnonzero(prob >= min(float(p["reason_probability"]), float(p["flag_probability"])))
        contrib = contributions(model, X[explain], baseline)[1] if len(explain) else np.zeros((0, len(names)))
        alone = np.zeros(len(prob))
        if len(
            explain
        ):  # the probability on the features able to flag: the others set to a typical account's
            Xr = X[explain].copy()
            Xr[:, ~flags] = baseline[~flags]
            alone[explain] = model.predict_proba(Xr)[:, 1]
    t = float(p["flag_probability"])
    flagged = (prob >= t) & (np.array([k in hand for k in fm.keys], dtype=bool) | (alone >= t))
    evidence = _reason_rows(
        run_id, name, fm.keys, explain, contrib, X, baseline, feats, prob, int(p["reasons"])
    )
    _write_scores(con, run_id, name, fm.keys, prob, flagged, evidence, p)
    return {"model": name, "sha256": record["sha256"], "flagged": int(flagged.sum()), "scored": len(prob)}


def _reason_rows(run_id, name, keys, explain, contrib, X, baseline, feats, prob, k) -> list[tuple]:
    """Evidence rows: each explained account's ``k`` largest positive contributions."""
    rows = []
    for row, i in enumerate(explain):
        c = contrib[row]
        platform, acct = keys[i]
        for n, j in enumerate([j for j in np.argsort(-c)[:k] if c[j] >= MIN_REASON], 1):
            f = feats[j]
            rows.append(
                {
                    "run_id": run_id,
                    "evidence_id": f"M-{platform}-{acct}-{n}",
                    "platform": platform,
                    "account_id": acct,
                    "detector": "model",
                    "description": f"model {name!r} (p = {prob[i]:.2f}): {f['name']} = {_fmt(X[i, j])} (typical "
                    f"{_fmt(baseline[j])}) raised p by {c[j]:.2f}{'' if f['flags'] else '; cannot flag on its own'}"
                    f" — {f['help']}",
                    "item_ids": [],
                    "weight": round(float(c[j]), 4),
                }
            )
    return rows


def _write_scores(con, run_id, name, keys, prob, flagged, evidence, p) -> None:
    """Overwrite the run's scores with the model's (keeping the hand-set ones in ``features``), add its reasons."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE model_scores (platform VARCHAR, account_id VARCHAR, p DOUBLE, f BOOLEAN, "
        "reason VARCHAR)"
    )
    rule = f"flags at p >= {float(p['flag_probability']):g} with a reason able to flag"
    rows = [
        {
            "platform": a,
            "account_id": b,
            "p": round(float(x), 4),
            "f": bool(f),
            "reason": f"model {name}: p = {x:.2f} ({rule})",
        }
        for (a, b), x, f in zip(keys, prob, flagged)
    ]
    if rows:
        insert_rows(con, "model_scores", rows)
    con.execute(
        """UPDATE account_scores s SET
             features = json_merge_patch(coalesce(s.features, '{}'::JSON),
                          json_object('hand_score', s.score, 'hand_flagged', s.flagged, 'model', ?)),
             score = m.p, flagged = m.f, reasons = list_prepend(m.reason, coalesce(s.reasons, []::VARCHAR[]))
           FROM model_scores m WHERE s.run_id = ? AND s.platform = m.platform AND s.account_id = m.account_id""",
        [name, run_id],
    )
    if evidence:
        insert_rows(con, "evidence", evidence)
        con.execute(
            """UPDATE evidence e SET campaign_id = s.campaign_id FROM account_scores s
               WHERE e.run_id = ? AND e.detector = 'model' AND s.run_id = e.run_id
                 AND s.platform = e.platform AND s.account_id = e.account_id""",
            [run_id],
        )
    con.execute("DROP TABLE model_scores")


def _fmt(v: float) -> str:
    return "unknown" if np.isnan(v) else f"{v:.3g}"


__all__ = [
    "MIN_PER_CLASS",
    "MODEL_PARAMETERS",
    "MODEL_SETTINGS",
    "apply_model",
    "build_estimator",
    "contributions",
    "cross_validate",
    "fit_model",
    "load_model",
    "store_model",
]
