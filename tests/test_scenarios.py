"""The scenario family generator (botwatch.demo.scenarios): deterministic, complete ground truth, every trap,
tempo and paraphrase as asked, and files that botwatch ingests without flags or quarantine."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from botwatch import IngestOptions
from botwatch.demo.scenarios import (
    CHANNELS,
    HOLIDAY_GREETINGS,
    SLOTS,
    START,
    TEMPLATES,
    TEMPO_LAG_S,
    TEMPOS,
    TRAPS,
    Scenario,
    _fill,
    generate_scenario,
    praise_texts,
    scenario_grid,
)
from botwatch.ingest import ingest
from botwatch.text import normalize_texts

TINY = {
    "n_comments": 3000,
    "n_groups": 3,
    "group_size": (5, 12),
    "planted_share": 0.2,
    "focus": False,
    "seed": 3,
}


@cache
def _generated(tmp_root: str, **kw) -> Path:
    scenario = Scenario(**{"name": "t", **TINY, **kw})
    out = Path(tmp_root) / scenario.key()
    if not (out / "manifest.json").exists():
        generate_scenario(scenario, out)
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("scenarios"))


def _rows(folder: Path, name: str = "items.csv") -> list[dict]:
    with open(folder / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _epoch(iso: str) -> int:
    return int(dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp())


def test_same_seed_same_files_other_seed_other_files(root, tmp_path):
    a = _generated(root, tempo="drip", paraphrase=0.3)
    b = tmp_path / "again"
    generate_scenario(Scenario(name="t", tempo="drip", paraphrase=0.3, **TINY), b)
    for name in ("items.csv", "ground_truth.csv", "planted_items.csv", "templates.json", "manifest.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = tmp_path / "other"
    generate_scenario(Scenario(name="t", tempo="drip", paraphrase=0.3, **{**TINY, "seed": 4}), c)
    assert (a / "items.csv").read_bytes() != (c / "items.csv").read_bytes()


def test_counts_truth_and_traps(root):
    folder = _generated(root, tempo="burst", hot_posts=True)
    rows = _rows(folder)
    comments = [r for r in rows if r["kind"] != "post"]
    posts = {r["item_id"]: r for r in rows if r["kind"] == "post"}
    assert len(comments) == TINY["n_comments"]
    assert all(r["root_id"] in posts and r["parent_id"] for r in comments)
    assert all(r["channel"] == posts[r["root_id"]]["channel"] for r in comments)
    truth = _rows(folder, "ground_truth.csv")
    assert list(truth[0]) == ["account_id", "label", "group"]
    by_account = {t["account_id"]: t for t in truth}
    assert len(by_account) == len(truth)
    assert set(by_account) == {r["account_id"] for r in rows}  # every account, nothing else
    groups = Counter(t["group"] for t in truth)
    assert set(TRAPS) <= set(groups), groups
    assert {t["label"] for t in truth} == {"0", "1"}
    assert all(t["label"] == "1" for t in truth if t["group"].startswith("nurbot-"))
    assert all(t["label"] == "0" for t in truth if not t["group"].startswith("nurbot-"))
    # hot posts: the hottest post holds about 2 % of comments, the heaviest organic account about 1 %
    per_post = Counter(r["root_id"] for r in comments)
    assert per_post.most_common(1)[0][1] >= 0.015 * len(comments)
    organic = Counter(r["account_id"] for r in comments if by_account[r["account_id"]]["label"] == "0")
    assert organic.most_common(1)[0][1] >= 0.008 * len(comments)
    # the holiday greeters each comment once under the holiday post, with one of a handful of greetings
    manifest = json.loads((folder / "manifest.json").read_text())
    greet = [r for r in comments if r["root_id"] == manifest["counts"]["holiday_post"]
             and any(r["text"].startswith(g) for g in HOLIDAY_GREETINGS)]  # fmt: skip
    assert Counter(by_account[r["account_id"]]["group"] for r in greet) == {"holiday": groups["holiday"]}
    assert len({r["account_id"] for r in greet}) == groups["holiday"] >= 60
    # wave accounts share creation hours; superfans comment under most posts of their channels within minutes
    waves = Counter(
        r["account_created_at"][:13] for r in rows if by_account[r["account_id"]]["group"] == "wave"
    )
    assert max(waves.values()) >= 15
    fan_lags = [
        _epoch(r["created_at"]) - _epoch(posts[r["root_id"]]["created_at"])
        for r in comments
        if by_account[r["account_id"]]["group"] == "superfan"
    ]
    assert np.median(fan_lags) < 600
    # self-repeaters repeat their own phrase
    rep = Counter((r["account_id"], r["text"].rstrip("!👍🙏 ")) for r in comments
                  if by_account[r["account_id"]]["group"] == "self_repeat")  # fmt: skip
    assert max(rep.values()) >= 8


# words the honest praise shares with the campaigns' template bank (word starts, after normalisation)
PRAISE_TOPIC = ("президент", "токаев", "тоқаев", "касым", "қасым", "спасибо", "благодар", "рахмет", "алғыс",
                "забот", "қамқор", "казахстан", "қазақстан", "реформ", "народ", "халық", "халқ", "стран",
                "государств", "мемлекет", "ел", "поддерж", "қолда", "будущ", "болаша", "родин", "семь", "отбас")  # fmt: skip


def _words(texts: list[str]) -> list[set[str]]:
    return [set(t.split()) for t in normalize_texts(texts)]


def _campaign_fragments() -> list[str]:
    """Multiword slot fillers and the fixed stretches of the templates, normalised, padded with spaces."""
    frags = {o for opts in SLOTS.values() for o in opts if len(o.split()) >= 2}
    frags |= {p for t in TEMPLATES for p in re.split(r"\{\w+\}", t) if len(re.findall(r"\w+", p)) >= 2}
    return [f" {f} " for f in normalize_texts(sorted(frags)) if len(f.split()) >= 2]


def test_praise_trap_in_own_words(root):
    bank = set().union(*_words(TEMPLATES + [o for opts in SLOTS.values() for o in opts]))
    assert all(any(w.startswith(stem) for w in bank) for stem in PRAISE_TOPIC)  # shared with the campaigns
    official = {c[0] for c in CHANNELS if c[1]}
    grid = scenario_grid(50_000, 1)
    # the trap does not depend on the cell's campaign parameters: tiny versions of two grid cells
    for cell in (grid[0], next(c for c in grid if c.hot_posts and c.tempo == "drip")):
        kw = {
            k: getattr(cell, k)
            for k in ("tempo", "n_templates", "n_slots", "paraphrase", "active", "hot_posts")
        }
        folder = _generated(root, **kw)
        truth = {t["account_id"]: t for t in _rows(folder, "ground_truth.csv")}
        praisers = {a for a, t in truth.items() if t["group"] == "praise"}
        assert praisers and all(truth[a]["label"] == "0" for a in praisers)
        commenters = sum(t["group"] != "page" for t in truth.values())
        assert 0.02 <= len(praisers) / commenters <= 0.035, len(praisers) / commenters
        rows = _rows(folder)
        posts = {r["item_id"]: r for r in rows if r["kind"] == "post"}
        praise = [r for r in rows if r["account_id"] in praisers]
        per_account = Counter(r["account_id"] for r in praise)
        assert (
            set(per_account) == praisers and 1 <= min(per_account.values()) <= max(per_account.values()) <= 10
        )
        assert all(r["channel"] in official for r in praise)
        texts = [r["text"] for r in praise]
        assert len(set(texts)) > 0.98 * len(texts)  # composed afresh, not repeated
        words = _words(texts)
        assert all(any(w.startswith(PRAISE_TOPIC) for w in ws) for ws in words)
        # some within minutes of the post, many in office hours on weekdays
        t = np.array([_epoch(r["created_at"]) for r in praise])
        lag = t - np.array([_epoch(posts[r["root_id"]]["created_at"]) for r in praise])
        hour, weekday = ((t - START) % 86400) // 3600, ((t - START) // 86400) % 7
        assert np.mean(lag < 600) > 0.15 and np.mean((weekday < 5) & (hour >= 8) & (hour < 19)) > 0.4
        # no praise comment is close to a planted text or a fill of the cell's templates
        by_id = {r["item_id"]: r["text"] for r in rows}
        planted = [by_id[p["item_id"]] for p in _rows(folder, "planted_items.csv")]
        rng = np.random.default_rng(0)
        templates = json.loads((folder / "templates.json").read_text())
        fills = [
            _fill(tpl["template"], tpl["slots"], rng)
            for ts in templates.values()
            for tpl in ts
            for _ in range(100)
        ]
        others = _words(planted + fills)
        sample = rng.choice(len(words), size=min(300, len(words)), replace=False)
        worst = max(len(words[i] & o) / len(words[i] | o) for i in sample for o in others)
        assert worst < 0.6, worst
        # nor does it repeat three words running of a template or a multiword filler
        long_frags = [f for f in _campaign_fragments() if len(f.split()) >= 3]
        assert not [(f, n) for n in normalize_texts(texts) for f in long_frags if f in f" {n} "]


def test_praise_grammar_avoids_campaign_phrases():
    from botwatch.demo.scenario_words import _PRAISE_KK, _PRAISE_RU

    options = [o for d in (_PRAISE_RU, _PRAISE_KK) for opts in d.values() for o in opts]
    padded = [f" {n} " for n in normalize_texts(options)]
    frags = _campaign_fragments()
    assert not [(o, f) for o, p in zip(options, padded) for f in frags if f in p]
    rng = np.random.default_rng(1)
    langs = rng.integers(0, 3, 5000)  # Russian, Kazakh, both
    texts = praise_texts(rng, langs).to_pylist()
    assert len(set(texts)) > 0.99 * len(texts)
    assert all(any(w.startswith(PRAISE_TOPIC) for w in ws) for ws in _words(texts))
    kazakh = np.array([re.search("[әғқңөұүі]", t) is not None for t in texts])
    assert (
        kazakh[langs == 1].all() and kazakh[langs == 0].mean() < 0.2 and 0.4 < kazakh[langs == 2].mean() < 0.9
    )


def test_organic_texts_are_diverse(root):
    folder = _generated(root, tempo="slow")
    truth = {t["account_id"]: t["group"] for t in _rows(folder, "ground_truth.csv")}
    texts = [
        r["text"]
        for r in _rows(folder)
        if r["kind"] != "post" and truth[r["account_id"]] in ("organic", "wave")
    ]
    long = [t for t in texts if len(t.split()) >= 5]
    assert len(long) > 0.7 * len(texts)
    assert len(set(long)) / len(long) > 0.99
    lengths = [len(t.split()) for t in texts]
    assert min(lengths) <= 3 and max(lengths) >= 25


@pytest.mark.parametrize("tempo", TEMPOS)
def test_planted_comments_keep_tempo_and_shift(root, tempo):
    folder = _generated(root, tempo=tempo)
    rows = {r["item_id"]: r for r in _rows(folder)}
    planted = _rows(folder, "planted_items.csv")
    assert len(planted) > 0.1 * TINY["n_comments"]
    lo, hi = TEMPO_LAG_S[tempo]
    lags, hours, weekdays = [], [], []
    for p in planted:
        item = rows[p["item_id"]]
        t = _epoch(item["created_at"])
        lags.append(t - _epoch(rows[item["root_id"]]["created_at"]))
        hours.append(((t - START) % 86400) // 3600)
        weekdays.append(((t - START) // 86400) % 7)
    assert lo <= min(lags) and max(lags) <= hi, (min(lags), max(lags))
    assert 8 <= min(hours) and max(hours) < 21 and max(weekdays) < 5  # office hours, Asia/Almaty, weekdays
    groups = json.loads((folder / "manifest.json").read_text())["groups"]
    for g in groups:
        a, b = g["lag_window_s"]
        assert lo <= a <= b <= hi


def test_paraphrase_share_and_templates(root):
    plain = _rows(_generated(root, tempo="burst", paraphrase=0.0), "planted_items.csv")
    assert not any(p["paraphrased"] == "1" for p in plain)
    folder = _generated(root, tempo="burst", paraphrase=0.4, n_templates=3, n_slots=4)
    planted = _rows(folder, "planted_items.csv")
    share = sum(p["paraphrased"] == "1" for p in planted) / len(planted)
    assert 0.33 < share < 0.47, share
    templates = json.loads((folder / "templates.json").read_text())
    assert len(templates) == 3
    for group in templates.values():
        assert len(group) == 3
        for t in group:
            varying = [s for s, opts in t["slots"].items() if len(opts) > 1]
            assert len(varying) == 4 and sorted(varying) == t["varying"]
            assert all(3 <= len(t["slots"][s]) <= 8 for s in varying)
    # paraphrased texts are not plain fills of the group's templates
    rows = {r["item_id"]: r["text"] for r in _rows(folder)}
    para = [rows[p["item_id"]] for p in planted if p["paraphrased"] == "1"]
    fills = {rows[p["item_id"]] for p in planted if p["paraphrased"] == "0"}
    assert sum(t in fills for t in para) < 0.1 * len(para)


def test_template_bank():
    for t in TEMPLATES:
        names = re.findall(r"\{(\w+)\}", t)
        assert len(names) >= 5 and len(set(names)) == len(names), t
        assert all(len(SLOTS[n]) >= 8 for n in names)


def test_grid():
    grid = scenario_grid(50_000, 1)
    assert 18 <= len(grid) <= 30
    assert len({c.name for c in grid}) == len(grid)
    tune = [c for c in grid if c.split == "tune"]
    assert 0.25 <= len(tune) / len(grid) <= 0.4
    for tempo in TEMPOS:
        assert {c.split for c in grid if c.tempo == tempo} == {"tune", "held_out"}
    assert {c.n_templates for c in grid} >= {1, 3} and {c.paraphrase for c in grid} >= {0.0, 0.3, 0.5}
    assert any(c.hot_posts for c in grid) and len({c.group_size for c in grid}) >= 3
    assert [c.split for c in scenario_grid(50_000, 1)] == [c.split for c in grid]
    with pytest.raises(ValueError):
        Scenario(name="x", tempo="fast")


def test_ingest_stores_every_record(root, make_case):
    folder = _generated(root, tempo="drip", paraphrase=0.3)
    n_rows = len(_rows(folder))
    case = make_case()
    (summary,) = ingest(case, [folder / "items.csv"], IngestOptions(), progress=False)
    assert summary.format == "csv"
    assert (summary.records_read, summary.items_stored, summary.quarantined) == (n_rows, n_rows, 0)
    kinds = dict(case.con.execute("SELECT kind, count(*) FROM items GROUP BY 1").fetchall())
    assert set(kinds) == {"post", "comment", "reply"}
    missing = case.con.execute("""SELECT count(*) FROM items WHERE kind <> 'post' AND (root_id IS NULL
        OR parent_id IS NULL OR channel IS NULL OR text IS NULL)""").fetchone()[0]
    assert missing == 0
    accounts, with_created = case.con.execute("SELECT count(*), count(created_at) FROM accounts").fetchone()
    assert accounts == with_created == len(_rows(folder, "ground_truth.csv"))
