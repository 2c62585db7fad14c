"""The recurrence test of a group's template: one-off writers of a campaign template are flagged, the writers of a
holiday greeting and of an informative stock phrase are not (a known answer, built by hand)."""

import numpy as np
from test_detector_coaction import comment, insert_items
from test_detector_text_coordination import DAY, SLOTS, TEMPLATE, _organic_text

from botwatch.pipeline import detect_case

STOCK = "Спасибо большое за подробную информацию о новых правилах для всех"
GREETING = "С праздником, дорогие казахстанцы! Мира и добра вашему дому"


def investigation(seed: int = 5) -> tuple[list[dict], set[str]]:
    """40 official posts with 60 organic comments each (300 accounts, own words; 100 of them also type a long
    stock phrase now and then). Campaign: 40 accounts that each write the template exactly once, five under each
    of 8 posts, minutes to hours after the post, so no pair of them ever meets twice. 120 organic accounts post a
    holiday greeting once (their only comment), under the holiday posts of four channels over three days."""
    rng = np.random.default_rng(seed)
    rows, bots = [], [f"once{i:02d}" for i in range(40)]
    for d in range(40):
        post = f"post{d}"
        for j in range(60):
            acct = f"org{rng.integers(300):03d}"
            text = STOCK if int(acct[3:]) < 100 and rng.random() < 0.1 else _organic_text(rng)
            rows.append({**comment(f"o{d}_{j}", acct, post, d * DAY + rng.uniform(0, DAY)), "text": text})
        if d % 5 == 0:  # posts 0, 5, ..., 35: five one-off writers each
            for bot in bots[(d // 5) * 5 : (d // 5) * 5 + 5]:
                text = TEMPLATE.format(*(rng.choice(s) for s in SLOTS))
                rows.append(
                    {**comment(f"b_{bot}", bot, post, d * DAY + rng.uniform(600, 20000)), "text": text}
                )
    for j in range(
        120
    ):  # one-off greeters under the holiday posts of four channels, over a three-day holiday
        post, at = f"holiday{j % 4}_{j % 3}", (20 + j % 3) * DAY + rng.uniform(0, 7200)
        rows.append({**comment(f"h{j}", f"greet{j:03d}", post, at), "text": GREETING})
    return rows, set(bots)


def test_one_off_writers_of_a_recurrent_template_are_flagged_greeters_and_stock_phrases_are_not(make_case):
    rows, bots = investigation()
    case = make_case()
    insert_items(case, rows)
    run = detect_case(case, seed=7).run_id
    flagged = {
        r[0]
        for r in case.con.execute(
            "SELECT account_id FROM account_scores WHERE run_id = ? AND flagged", [run]
        ).fetchall()
    }
    assert flagged == bots
    reasons = case.con.execute(
        "SELECT reasons FROM account_scores WHERE run_id = ? AND account_id = 'once07'", [run]
    ).fetchall()[0][0]
    assert any("recurs under the same posts" in r for r in reasons)
    recurrent = {r[0] for r in case.con.execute("SELECT cluster_id FROM recurrent_templates").fetchall()}
    texts = dict(case.con.execute("SELECT cluster_id, example_text FROM text_clusters").fetchall())
    assert {texts[c] for c in recurrent} <= {t for t in texts.values() if t.startswith("Президент")}
    assert GREETING in texts.values() and STOCK in texts.values()  # both clustered, neither recurrent


def test_recurrence_can_be_switched_off(make_case):
    rows, _ = investigation()
    case = make_case()
    insert_items(case, rows)
    run = detect_case(case, seed=7, config={"scoring": {"template_recurrence_alpha": 0.0}}).run_id
    assert not case.con.execute(
        "SELECT count(*) FROM account_scores WHERE run_id = ? AND flagged", [run]
    ).fetchall()[0][0]
