"""Text coordination on data with a known answer: a one-template campaign posting over weeks is found whatever
its timing; stock phrases, one-off holiday greetings and organic chatter are not."""

import itertools

import numpy as np
import pytest
from test_detector_coaction import comment, edges, insert_items

from botwatch import Case
from botwatch.detectors import RunContext, get_detector_class
from botwatch.detectors.near_duplicate import NearDuplicateDetector
from botwatch.detectors.text_coordination import TextCoordinationDetector
from botwatch.errors import BotwatchError

DAY = 86400
TEMPLATE = "Президент {} заботится о людях и всегда думает о {} простых казахстанцах, спасибо за {}"
SLOTS = (("действительно", "правда", "очень"), ("наших", "всех", "наших"), ("заботу", "работу", "всё"))
SYLLABLES = [a + b for a in "бвгдзклмнпрстх" for b in "аеиоуыя"]


def _organic_text(rng) -> str:
    words = ["".join(rng.choice(SYLLABLES, size=rng.integers(2, 4))) for _ in range(rng.integers(4, 12))]
    return " ".join(words)


def investigation(seed: int = 3) -> tuple[list[dict], list[str]]:
    """40 days of official posts. Campaign: 8 accounts, one template with three slots, each member answers
    40 % of the posts 10 minutes to 20 hours after them. Organic: 300 accounts writing their own words; 150 of
    them also type the stock phrase "Рахмет всем большое за новости" now and then; 120 post a holiday greeting
    once, under the same holiday post."""
    rng = np.random.default_rng(seed)
    rows, bots = [], [f"bot{i}" for i in range(8)]
    for d in range(40):
        post = f"post{d}"
        for i, bot in enumerate(bots):
            if rng.random() < 0.4:
                text = TEMPLATE.format(*(rng.choice(s) for s in SLOTS))
                rows.append(
                    {**comment(f"b{d}_{i}", bot, post, d * DAY + rng.uniform(600, 72000)), "text": text}
                )
        for j in range(60):
            acct = f"org{rng.integers(300):03d}"
            text = "Рахмет всем большое за новости" if rng.random() < 0.15 else _organic_text(rng)
            rows.append({**comment(f"o{d}_{j}", acct, post, d * DAY + rng.uniform(0, DAY)), "text": text})
    for j in range(120):
        text = "С праздником, дорогие казахстанцы! Мира и добра вашему дому"
        rows.append(
            {**comment(f"h{j}", f"org{j:03d}", "holiday", 20 * DAY + rng.uniform(0, 7200)), "text": text}
        )
    return rows, bots


def run(case: Case, **params) -> dict:
    ctx = RunContext(con=case.con, run_id=1, seed=7)
    NearDuplicateDetector().run(ctx)
    return TextCoordinationDetector(**params).run(ctx)


@pytest.fixture(scope="module")
def detected(tmp_path_factory):
    rows, bots = investigation()
    with Case(tmp_path_factory.mktemp("tc") / "c.duckdb") as case:
        insert_items(case, rows)
        summary = run(case)
        yield summary, edges(case, "co_text"), bots


def test_registered():
    assert get_detector_class("text_coordination") is TextCoordinationDetector


def test_one_template_campaign_over_weeks_is_significant(detected):
    summary, got, bots = detected
    significant = {(e["account_a"], e["account_b"]) for e in got if e["significant"]}
    assert significant == set(itertools.combinations(bots, 2))
    edge = next(e for e in got if (e["account_a"], e["account_b"]) == ("bot0", "bot1"))
    assert edge["weight"] >= 2 and edge["q_value"] <= 0.01 and edge["null_model"] == "template_rarity(depth)"
    assert edge["evidence_item_ids"] and all(i.startswith("b") for i in edge["evidence_item_ids"])
    assert edge["a_leads"] + edge["b_leads"] >= 1 and edge["median_lag_s"] > 0  # both answered some posts
    assert summary["significant"] == 28 and summary["target_source"] == "cluster_items"


def test_stock_phrases_and_holiday_greetings_are_not_coordination(detected):
    _, got, _ = detected
    assert not [e for e in got if e["significant"] and e["account_a"].startswith("org")]


def test_a_campaign_that_never_repeats_gets_no_edge(make_case):
    """Accounts that each post the template once have k = 1 < min_weight: timing has to carry them."""
    rows = [
        {**comment(f"b{i}", f"bot{i}", f"post{i}", i * DAY), "text": TEMPLATE.format("очень", "всех", "всё")}
        for i in range(10)
    ]
    case = make_case()
    insert_items(case, rows)
    assert run(case)["pairs_tested"] == 0


def test_exact_text_fallback_and_mass_clusters(make_case):
    rows = []
    for i in range(3):
        text = "Great news for Kazakhstan, thank you to the government and the President"
        rows += [
            {**comment(f"a{i}", "ta", f"p{i}", 10_000 * i), "text": text},
            {**comment(f"b{i}", "tb", f"p{i}", 10_000 * i + 100), "text": "  " + text.upper()},
            {**comment(f"c{i}", "tc", f"r{i}", 10_000 * i + 50), "text": f"Something else entirely {i} here"},
        ]
    rng = np.random.default_rng(1)  # organic background under the same posts
    rows += [
        {**comment(f"o{j}", f"org{j % 60}", f"p{j % 3}", j), "text": _organic_text(rng)} for j in range(300)
    ]
    case = make_case()
    insert_items(case, rows)
    ctx = RunContext(con=case.con, run_id=1, seed=7)
    summary = TextCoordinationDetector().run(ctx)
    assert summary["target_source"] == "exact_text"
    assert [(e["account_a"], e["account_b"], e["weight"]) for e in edges(case, "co_text")] == [
        ("ta", "tb", 3)
    ]
    summary = TextCoordinationDetector(max_accounts=2).run(ctx)
    assert len(edges(case, "co_text")) == 1
    case.con.execute(
        "INSERT INTO cluster_items SELECT 1, 'T1', platform, item_id, account_id, 1.0 FROM items "
        "WHERE item_id LIKE 'a%' OR item_id LIKE 'b%'"
    )
    case.con.execute(
        "INSERT INTO text_clusters (run_id, cluster_id, platform, template, n_accounts) "
        "VALUES (1, 'T1', 'test', 'great news for kazakhstan thank you to the government and the president', 9000)"
    )
    summary = TextCoordinationDetector().run(ctx)
    assert summary["target_source"] == "cluster_items" and edges(case, "co_text") == []
    TextCoordinationDetector(max_accounts=10_000).run(ctx)
    assert [(e["account_a"], e["account_b"]) for e in edges(case, "co_text")] == [("ta", "tb")]


def test_parameter_validation():
    with pytest.raises(BotwatchError, match="'word_rarity' parameter of text_coordination"):
        TextCoordinationDetector(word_rarity=1.5).validate_params()
    with pytest.raises(BotwatchError, match="unknown parameter"):
        TextCoordinationDetector(window_s=3)


def test_breadth_finds_accounts_sharing_many_different_rare_texts(tmp_path):
    """Six troll accounts each post 40 of 55 invented headlines once. Organic accounts write their own words,
    and 200 rare quotes are each shared once by three random organic accounts (the background of rare shared
    texts). Depth cannot see the trolls (each headline once per account); breadth links every troll pair and
    no organic pair."""
    rng = np.random.default_rng(4)
    headlines = [f"{_organic_text(rng)} breaking number {i} today" for i in range(55)]
    rows, trolls = [], [f"troll{i}" for i in range(6)]
    for i, troll in enumerate(trolls):
        for j, h in enumerate(rng.choice(headlines, size=40, replace=False)):
            rows.append({**comment(f"t{i}_{j}", troll, None, (j + i) * DAY), "text": str(h)})
    for a in range(300):
        for j in range(10):
            rows.append(
                {**comment(f"o{a}_{j}", f"org{a:03d}", None, j * DAY + a), "text": _organic_text(rng)}
            )
    for q in range(200):
        quote = f"{_organic_text(rng)} quote {q}"
        for a in rng.choice(300, size=3, replace=False):
            rows.append({**comment(f"q{q}_{a}", f"org{a:03d}", None, q * 3600 + a), "text": quote})
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, rows)
        TextCoordinationDetector().run(RunContext(con=case.con, run_id=1, seed=7))
        got = edges(case, "co_text")
    significant = {(e["account_a"], e["account_b"]) for e in got if e["significant"]}
    assert significant == set(itertools.combinations(trolls, 2))
    assert all(e["null_model"] == "template_rarity(breadth)" for e in got if e["significant"])
