"""Text coordination on data with a known answer: a one-template campaign posting over weeks is found whatever
its timing; stock phrases, one-off holiday greetings and organic chatter are not."""

import datetime as dt
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


FOUR_TEMPLATES = (
    "Президент заботится о людях и всегда думает о простых казахстанцах спасибо",
    "Мы сделали выбор за новый Казахстан наша семья отдаёт четыре голоса",
    "Жаңа Қазақстан үшін біз бірге таңдау жасадық және алға қарай жүреміз",
    "Благодарим министерство за новые дороги школы и больницы в нашем регионе",
)


def _reference_evidence(case: Case, edge: dict, per_side: int, max_e: int) -> tuple:
    """What an edge's evidence, first/last times and lead/lag must be, computed the plain way: per side, the
    account's earliest ``per_side`` items of each of the pair's first three clusters, in (time, id) order;
    the sides alternated; lags over the posts both sides answered, from each side's earliest answer there."""
    clusters = edge["targets"][:3]
    rows = case.con.execute(
        """SELECT i.account_id, ci.cluster_id, epoch(i.created_at), i.item_id, i.parent_id FROM items i
           JOIN cluster_items ci ON ci.item_id = i.item_id AND ci.run_id = 1
           WHERE i.account_id IN (?, ?) AND list_contains(?, ci.cluster_id)""",
        [edge["account_a"], edge["account_b"], clusters],
    ).fetchall()
    sides = []
    for acct in (edge["account_a"], edge["account_b"]):
        mine = []
        for c in clusters:
            mine += sorted((t, i, post) for a, cl, t, i, post in rows if a == acct and cl == c)[:per_side]
        sides.append(sorted(mine))
    evidence = []
    for k in range(max(len(s) for s in sides)):
        evidence += [s[k][1] for s in sides if k < len(s)]
    first = {}
    for n, side in enumerate(sides):
        for t, _, post in side:
            first.setdefault((n, post), t)
            first[(n, post)] = min(first[(n, post)], t)
    lags = [first[(1, p)] - first[(0, p)] for (n, p) in first if n == 0 and (1, p) in first]
    times = [t for s in sides for t, _, _ in s]
    return (
        evidence[:max_e],
        min(times),
        max(times),
        sum(1 for x in lags if x > 0),
        sum(1 for x in lags if x < 0),
        float(np.median(np.abs(lags))) if lags else None,
    )


@pytest.mark.parametrize("max_evidence_items, small_passes", [(7, False), (50, False), (7, True)])
def test_edge_evidence_and_lags_match_a_plain_computation(
    make_case, monkeypatch, max_evidence_items, small_passes
):
    """Six accounts writing four templates, some many times under one post and some rarely: each edge's
    evidence (capped per cluster and in all, sides alternated), first/last times and lead/lag equal a plain
    per-pair computation, whatever the pair's views share with other pairs, and in passes of a few pairs and
    view rows as in one."""
    import botwatch.detectors.text_coordination as tc

    if small_passes:
        monkeypatch.setattr(tc, "EDGE_PAIRS_PER_PASS", 3)
        monkeypatch.setattr(tc, "VIEW_ROWS_PER_PASS", 20)
    rng = np.random.default_rng(11)
    rows = []
    for a in range(6):
        for c, template in enumerate(FOUR_TEMPLATES):
            for n in range(int(rng.integers(1, 9))):
                post = f"post{int(rng.integers(6))}"
                t = float(rng.uniform(0, 20 * DAY))
                rows.append({**comment(f"i{a}_{c}_{n}", f"acct{a}", post, t), "text": template})
    for j in range(200):
        rows.append(
            {**comment(f"o{j}", f"org{j % 70}", f"post{j % 6}", j * 900.0), "text": _organic_text(rng)}
        )
    case = make_case()
    insert_items(case, rows)
    run(case, max_evidence_items=max_evidence_items)
    got = [e for e in edges(case, "co_text") if e["account_a"].startswith("acct")]
    assert len(got) >= 10
    per_side = -(-max_evidence_items // 2)
    for e in got:
        evidence, first, last, a_leads, b_leads, lag = _reference_evidence(
            case, e, per_side, max_evidence_items
        )
        assert e["evidence_item_ids"] == evidence
        epoch = dt.datetime(1970, 1, 1)
        assert (e["first_at"] - epoch).total_seconds() == pytest.approx(first)
        assert (e["last_at"] - epoch).total_seconds() == pytest.approx(last)
        assert (e["a_leads"], e["b_leads"]) == (a_leads, b_leads)
        assert e["median_lag_s"] == pytest.approx(lag)
