"""The learned scorer: train on labelled accounts with a known answer, store, load, score with reasons, refuse
bad labels and untrusted models, and never flag on features that may not flag alone."""

import csv
import datetime as dt
import json
import random
import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from botwatch import Case
from botwatch.cli import cli
from botwatch.errors import BotwatchError
from botwatch.pipeline import detect_case
from botwatch.scoring.features import feature_matrix
from botwatch.scoring.learned import load_model
from botwatch.scoring.metrics import precision_at_recall, reliability_bins, score_metrics
from botwatch.train import train_case

T0 = dt.datetime(2024, 5, 6, 9, 0, 0)
TEMPLATE = "Our dear President opened the new bridge in Astana today, thank you for this great work {}"
WORDS = (
    "river morning market bread winter coffee school garden bus tram ticket street rain snow dog cat".split()
)
BOTS = [f"b{i:02d}" for i in range(15)]
HUMANS = [f"h{i:02d}" for i in range(30)]


@pytest.fixture(autouse=True)
def _signing_key(tmp_path, monkeypatch):
    monkeypatch.setenv("BOTWATCH_MODEL_KEY_FILE", str(tmp_path / "key"))


def _write_world(path, seed=3, bots_differ_in_text=True):
    """Bots post one template under the same six posts within a minute of each other; humans post their own
    words under random posts at random times. With ``bots_differ_in_text=False`` bots behave like humans and
    differ only in their creation date (all registered within one hour): a feature that may never flag."""
    rng = random.Random(seed)
    rows = []
    for n, acct in enumerate(BOTS + HUMANS):
        bot = acct.startswith("b")
        created = (
            T0 - dt.timedelta(days=30, minutes=-n) if bot else T0 - dt.timedelta(days=rng.randint(400, 4000))
        )
        for k in range(6):
            if bot and bots_differ_in_text:
                post, when, text = (
                    f"p{k}",
                    T0 + dt.timedelta(hours=5 * k, seconds=rng.randint(0, 60)),
                    TEMPLATE,
                )
                text = text.format(rng.choice(["!", "!!", ""]))
            else:
                post = f"p{rng.randint(0, 40)}"
                when = T0 + dt.timedelta(minutes=rng.randint(0, 20000))
                text = " ".join(rng.sample(WORDS, 6)) + f" {acct}{k}"
            rows.append([f"{acct}-{k}", acct, when.isoformat() + "Z", text, post, created.isoformat() + "Z"])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["item_id", "account_id", "created_at", "text", "parent_id", "account_created_at"])
        w.writerows(rows)
    return path


def _labels(path, accounts=None, extra=()):
    accounts = accounts if accounts is not None else BOTS + HUMANS
    lines = ["account_id,label"] + [f"{a},{1 if a.startswith('b') else 0}" for a in accounts] + list(extra)
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    return res


# small models, few folds: the tests check behaviour, not fit
FAST = {"max_iter": 40, "folds": 2, "calibration_folds": 2, "importance_repeats": 1}


@pytest.fixture(scope="module")
def _detected_once(tmp_path_factory):
    where = tmp_path_factory.mktemp("world")
    case = where / "case.duckdb"
    assert _run("ingest", case, _write_world(where / "world.csv")).exit_code == 0
    assert _run("detect", case, "--seed", 5).exit_code == 0
    return case


@pytest.fixture
def detected(_detected_once, tmp_path):
    return shutil.copy(_detected_once, tmp_path / "case.duckdb")


@pytest.fixture
def fast_config(tmp_path):
    path = tmp_path / "fast.json"
    path.write_text(json.dumps({"model": FAST}))
    return path


@pytest.mark.slow
def test_train_detect_evaluate_end_to_end_from_the_cli(detected, tmp_path, fast_config):
    case = detected
    labels = _labels(tmp_path / "l.csv")
    train = _run("train", case, "--labels", labels, "--name", "m1", "--seed", 11, "--config", fast_config)
    assert train.exit_code == 0, train.output
    assert "trained on 45 labelled accounts (15 bot, 30 human)" in train.output
    assert "PR-AUC 1.0" in train.output and "reliability" in train.output
    det = _run("detect", case, "--model", "m1", "--seed", 5)
    assert det.exit_code == 0, det.output
    assert "model m1" in det.output and "15 of 45 accounts flagged" in det.output
    with Case(case, read_only=True) as c:
        flagged = {
            r[0] for r in c.con.execute("SELECT account_id FROM account_scores WHERE flagged").fetchall()
        }
        reasons = c.con.execute(
            "SELECT account_id, description, weight FROM evidence WHERE detector = 'model' ORDER BY weight DESC"
        ).fetchall()
        run_cfg = json.loads(
            c.con.execute("SELECT config FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()[0]
        )
    assert flagged == set(BOTS)
    assert {r[0] for r in reasons} >= set(BOTS) and all(r[2] > 0 for r in reasons)
    assert "model 'm1' (p = " in reasons[0][1] and "raised p by" in reasons[0][1]
    assert run_cfg["model"]["model"] == "m1"
    out = tmp_path / "ev.html"
    ev = _run("evaluate", case, "--labels", tmp_path / "l.csv", "--out", out)
    assert ev.exit_code == 0 and "precision_at_recall: {'0.5': 1.0, '0.8': 1.0, '0.9': 1.0}" in ev.output
    assert "scorer: model m1" in ev.output and "mean p" in ev.output
    assert "<svg" in out.read_text() and "model m1" in out.read_text()
    exported = tmp_path / "evidence.csv"
    assert _run("export", case, "--what", "evidence", "--format", "csv", "--out", exported).exit_code == 0
    assert "raised p by" in exported.read_text()


@pytest.mark.slow
def test_model_round_trip_is_stored_with_its_data_and_validation(detected, tmp_path):
    labels = _labels(tmp_path / "l.csv")
    rec = train_case(detected, labels, name="rt", seed=4, config={"model": {**FAST, "estimator": "logistic"}})
    with Case(detected) as c:
        model, stored = load_model(c.con, "rt")
        fm = feature_matrix(c.con, 1)
        row = c.con.execute("SELECT estimator, seed, training FROM models WHERE name = 'rt'").fetchone()
    assert row[0] == "logistic" and row[1] == 4
    training = json.loads(row[2])
    assert training["accounts"] == 45 and training["positives"] == 15 and len(training["labels_sha256"]) == 64
    assert stored["sha256"] == rec["sha256"] and stored["validation"]["pr_auc"] == rec["validation"]["pr_auc"]
    names = [f["name"] for f in stored["features"]]
    X = fm.columns(names, {})
    p = model.predict_proba(X)[:, 1]
    bots = [i for i, k in enumerate(fm.keys) if k[1].startswith("b")]
    assert p[bots].min() > np.delete(p, bots).max()  # the stored model ranks the planted bots first
    again = train_case(
        detected, labels, name="rt2", seed=4, config={"model": {**FAST, "estimator": "logistic"}}
    )
    assert again["validation"] == rec["validation"]  # same seed, same folds, same numbers
    with pytest.raises(BotwatchError, match="already holds a model named 'rt'"):
        train_case(detected, labels, name="rt", seed=4, config={"model": FAST})


def test_a_model_from_another_key_or_altered_is_not_loaded(detected, tmp_path, monkeypatch):
    gb = {**FAST, "estimator": "gradient_boosting"}
    train_case(detected, _labels(tmp_path / "l.csv"), name="m", seed=1, config={"model": gb})
    monkeypatch.setenv("BOTWATCH_MODEL_KEY_FILE", str(tmp_path / "other-key"))
    res = _run("detect", detected, "--model", "m")
    assert res.exit_code == 1 and "not trained with this machine's signing key" in res.output
    monkeypatch.setenv("BOTWATCH_MODEL_KEY_FILE", str(tmp_path / "key"))
    with Case(detected) as c:
        c.con.execute("UPDATE models SET blob = blob || '\\x00'::BLOB")
        with pytest.raises(BotwatchError, match="altered"):
            load_model(c.con, "m")
        with pytest.raises(BotwatchError, match="no model named 'nope'"):
            load_model(c.con, "nope")


@pytest.mark.parametrize(
    ("accounts", "extra", "message"),
    [
        (
            None,
            ["ghost,1", "phantom,0"],
            r"2 labelled account\(s\) are not in the case \('ghost', 'phantom'\)",
        ),
        (BOTS[:12], [], r"at least 10 labelled accounts of each class \(has 12 bot and 0 human\)"),
        (BOTS[:5] + HUMANS, [], r"has 5 bot and 30 human"),
        (None, ["b00,0"], "labelled both bot and human"),
    ],
)
def test_bad_labels_are_refused_with_what_to_do(detected, tmp_path, accounts, extra, message):
    labels = _labels(tmp_path / "l.csv", accounts, extra)
    res = _run("train", detected, "--labels", labels)
    assert res.exit_code == 1 and len(res.output.strip().splitlines()) == 1
    assert res.output.startswith("Error: l.csv: ")
    assert re.search(message, res.output), res.output


def test_train_needs_a_run_and_a_good_name(tmp_path):
    case = tmp_path / "c.duckdb"
    assert _run("ingest", case, _write_world(tmp_path / "w.csv")).exit_code == 0
    res = _run("train", case, "--labels", _labels(tmp_path / "l.csv"))
    assert res.exit_code == 1 and "run 'botwatch detect" in res.output
    res = _run("train", case, "--labels", _labels(tmp_path / "l.csv"), "--name", "x'; DROP TABLE items")
    assert res.exit_code == 1 and "is not allowed" in res.output


def test_a_feature_that_may_not_flag_never_flags_alone(tmp_path):
    """Bots and humans differ only in their creation date (a batch registered within an hour): the model learns
    it (high probabilities) but flags nobody, because creation features and batches may not flag alone."""
    case = tmp_path / "c.duckdb"
    assert _run("ingest", case, _write_world(tmp_path / "w.csv", bots_differ_in_text=False)).exit_code == 0
    with Case(case) as c:
        detect_case(c, seed=2)
        assert c.con.execute("SELECT count(*) FROM account_scores WHERE flagged").fetchone()[0] == 0
    rec = train_case(case, _labels(tmp_path / "l.csv"), name="age", seed=2, config={"model": FAST})
    assert rec["params"]["estimator"] == "logistic"  # auto, below 500 labelled accounts
    assert rec["validation"]["pr_auc"] == 1.0
    with Case(case) as c:
        res = detect_case(c, seed=2, model="age")
        probs = dict(c.con.execute("SELECT account_id, score FROM account_scores").fetchall())
        n_flagged = c.con.execute("SELECT count(*) FROM account_scores WHERE flagged").fetchone()[0]
        kinds = c.con.execute("SELECT description FROM evidence WHERE detector = 'model'").fetchall()
    assert min(probs[b] for b in BOTS) >= 0.5 > max(probs[h] for h in HUMANS)
    assert n_flagged == 0 and res.scores["model"]["flagged"] == 0
    assert any("cannot flag on its own" in k[0] for k in kinds)


def test_metrics_known_values():
    y = [1, 0, 1, 0, 0]
    p = [0.9, 0.8, 0.7, 0.2, 0.1]
    assert precision_at_recall(y, p, 0.5) == 1.0
    assert precision_at_recall(y, p, 1.0) == pytest.approx(2 / 3)
    m = score_metrics(y, p)
    assert m["pr_auc"] == pytest.approx((1 + 2 / 3) / 2, abs=1e-4)
    assert m["brier"] == pytest.approx(np.mean((np.array(p) - np.array(y)) ** 2), abs=1e-4)
    bins = reliability_bins(y, p, bins=2)
    assert bins == [
        {"lower": 0.0, "upper": 0.5, "n": 2, "mean_predicted": 0.15, "observed": 0.0},
        {"lower": 0.5, "upper": 1.0, "n": 3, "mean_predicted": 0.8, "observed": 0.6667},
    ]
    assert score_metrics([0, 0], [0.1, 0.2])["pr_auc"] is None


def test_a_registered_feature_source_plugs_in_by_declaration(detected, tmp_path, monkeypatch):
    from botwatch.scoring import features

    class Digits(features.FeatureSource):
        name = "digits"
        description = "the number in the account id"
        declared = (features.Feature("id_number", "the number in the account id", flags=False),)

        def sql(self, con, run_id, feats):
            return "SELECT platform, account_id, TRY_CAST(substr(account_id, 2) AS INTEGER) AS id_number FROM accounts"

    monkeypatch.setitem(features._extra, "digits", Digits())
    rec = train_case(detected, _labels(tmp_path / "l.csv"), name="d", seed=1, config={"model": FAST})
    mine = next(f for f in rec["features"] if f["name"] == "id_number")
    assert mine["flags"] is False and mine["median"] == 11.0  # 0-14 (bots and humans) and 15-29 (humans)


@pytest.mark.slow
def test_on_the_demo_a_model_trained_on_half_the_accounts_ranks_the_other_half(tmp_path):
    """The demo's planted campaigns (ground truth by account): train on half the labelled accounts, evaluate the
    model and the hand-set scorer on the other half."""
    from botwatch.demo import generate_demo
    from botwatch.evaluate import evaluate_case

    demo = generate_demo(tmp_path / "data", seed=7, size="tiny")
    case = tmp_path / "case.duckdb"
    assert _run("ingest", case, *demo.inputs, "--timezone", demo.timezone).exit_code == 0
    assert _run("detect", case, "--seed", 7).exit_code == 0
    with open(demo.truth, newline="", encoding="utf-8") as fh:
        truth = list(csv.DictReader(fh))
    rng = random.Random(1)
    rng.shuffle(truth)
    halves = {"train": truth[::2], "test": truth[1::2]}
    for name, rows in halves.items():
        with open(tmp_path / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["platform", "account_id", "label"])
            w.writerows([(r["platform"], r["account_id"], r["label"]) for r in rows])
    hand = evaluate_case(case, tmp_path / "test.csv")
    assert (
        _run("train", case, "--labels", tmp_path / "train.csv", "--name", "demo", "--seed", 7).exit_code == 0
    )
    assert _run("detect", case, "--seed", 7, "--model", "demo").exit_code == 0
    model = evaluate_case(case, tmp_path / "test.csv")
    assert model["scorer"] == "model demo" and hand["scorer"] == "hand-set"
    assert model["pr_auc"] >= 0.95 and model["pr_auc"] >= hand["pr_auc"] - 0.02
    assert model["precision"] >= 0.95 and model["recall"] >= hand["recall"] - 0.05
