"""Campaign assembly, scoring and evaluation on hand-built edges with a known answer."""

import datetime as dt
import itertools

import pytest

from botwatch import Case
from botwatch.campaigns import assemble_campaigns
from botwatch.errors import BotwatchError
from botwatch.evaluate import average_precision, evaluate_case
from botwatch.scoring import score_accounts

T0 = dt.datetime(2024, 5, 6, 10, 0, 0)
BOTS_A = [f"a{i}" for i in range(6)]
BOTS_B = [f"b{i}" for i in range(4)]
HUMANS = [f"h{i}" for i in range(10)]


def _edge(run, a, b, layer, weight, sig=True):
    a, b = sorted([a, b])
    return (
        run,
        "vk",
        a,
        b,
        layer,
        weight,
        60.0,
        T0,
        T0,
        1,
        1,
        12.0,
        0.1,
        1e-6 if sig else 0.4,
        1e-5 if sig else 0.9,
        sig,
        "test",
        ["p1", "p2"],
        [f"i-{a}", f"i-{b}"],
    )


def build_scoring_case(path) -> Case:
    """Items, accounts and run 1's edges: group A (co_text and co_reply), group B (co_reply only), ten humans
    (one significant chance co_reply pair, the rest not significant). Returns the open case."""
    c = Case(path)
    con = c.con
    for acct in BOTS_A + BOTS_B + HUMANS:
        con.execute(
            "INSERT INTO items (platform, item_id, account_id, kind, created_at, text, channel, parent_id) "
            "VALUES ('vk', ?, ?, 'comment', ?, 'text', 'Page', 'p1')",
            [f"i-{acct}", acct, T0],
        )
        con.execute(
            "INSERT INTO accounts (platform, account_id, handle) VALUES ('vk', ?, ?)", [acct, "@" + acct]
        )
    edges = []
    for a, b in itertools.combinations(BOTS_A, 2):
        edges.append(_edge(1, a, b, "co_text", 3))
        edges.append(_edge(1, a, b, "co_reply", 4))
    for a, b in itertools.combinations(BOTS_B, 2):
        edges.append(_edge(1, a, b, "co_reply", 5))
    # two humans that met by chance once (significant by bad luck) and many non-significant edges
    edges.append(_edge(1, "h0", "h1", "co_reply", 2))
    for a, b in itertools.combinations(HUMANS, 2):
        edges.append(_edge(1, a, b, "co_reply", 1, sig=False))
    con.executemany("INSERT INTO edges VALUES (" + ", ".join("?" * 19) + ")", edges)
    con.execute("INSERT INTO runs (run_id, seed) VALUES (1, 7)")
    return c


@pytest.fixture
def case(scoring_case_file, copy_case):
    """A copy of the case built once per session (conftest), for this test to write to."""
    with Case(copy_case(scoring_case_file)) as c:
        yield c


def test_campaigns_are_the_planted_groups(case):
    summary = assemble_campaigns(case.con, 1, seed=7)
    assert summary["campaigns"] == 2
    members = case.con.execute(
        "SELECT campaign_id, list(account_id ORDER BY account_id) FROM campaign_accounts GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert members == [("C1", BOTS_A), ("C2", BOTS_B)]
    layers = dict(case.con.execute("SELECT campaign_id, layers FROM campaigns").fetchall())
    assert layers == {"C1": ["co_reply", "co_text"], "C2": ["co_reply"]}


def test_a_campaign_lists_the_templates_two_of_its_members_share(case):
    # T1: two members of the b group; T2: one member and a human; T3: one member alone
    rows = [("T1", "b0"), ("T1", "b1"), ("T2", "b2"), ("T2", "h3"), ("T3", "a0")]
    case.con.executemany(
        "INSERT INTO cluster_items VALUES (1, ?, 'vk', ?, ?, 1.0)", [(c, f"i-{a}", a) for c, a in rows]
    )
    assemble_campaigns(case.con, 1, seed=7)
    got = dict(case.con.execute("SELECT campaign_id, cluster_ids FROM campaigns").fetchall())
    assert got == {"C1": [], "C2": ["T1"]}
    desc = dict(case.con.execute("SELECT campaign_id, description FROM campaigns").fetchall())
    assert desc["C2"] == "4 accounts acting together (co_reply) across 1 page(s), sharing 1 template(s) (T1)"
    assert desc["C1"] == "6 accounts acting together (co_reply, co_text) across 1 page(s)"


def test_scores_flag_bots_not_humans_and_cite_evidence(case):
    assemble_campaigns(case.con, 1, seed=7)
    summary = score_accounts(case.con, 1)
    flagged = {
        r[0] for r in case.con.execute("SELECT account_id FROM account_scores WHERE flagged").fetchall()
    }
    # group B and the two humans acted together only in time (co_reply): scored, but timing alone does not
    # flag by default
    assert flagged == set(BOTS_A)
    assert summary["flagged"] == 6
    for acct in ("b0", "h0"):
        score, is_flagged = case.con.execute(
            "SELECT score, flagged FROM account_scores WHERE account_id = ?", [acct]
        ).fetchone()
        assert score >= 0.5 and not is_flagged
    score_accounts(case.con, 1, {"timing_alone_flags": True})
    flagged = {
        r[0] for r in case.con.execute("SELECT account_id FROM account_scores WHERE flagged").fetchall()
    }
    assert flagged == set(BOTS_A + BOTS_B + ["h0", "h1"])
    reasons = case.con.execute("SELECT reasons FROM account_scores WHERE account_id = 'a0'").fetchone()[0]
    assert any("same rare template(s) as 5 other account(s)" in r for r in reasons)
    assert any("member of campaign C1" in r for r in reasons)
    ev = case.con.execute(
        "SELECT item_ids FROM evidence WHERE account_id = 'a0' AND detector = 'co_text'"
    ).fetchone()[0]
    assert ev == ["i-a0"]  # cites the account's own item
    scores = dict(case.con.execute("SELECT account_id, score FROM account_scores").fetchall())
    assert all(0 <= v <= 1 for v in scores.values())
    assert scores["h5"] == 0.0


def test_timing_edge_with_a_shared_template_flags(case):
    """A significant co_reply pair flags both accounts once they also wrote the same cross-account template."""
    con = case.con
    for acct in ("b0", "b1"):
        con.execute("INSERT INTO cluster_items VALUES (1, 'T1', 'vk', ?, ?, 1.0)", [f"i-{acct}", acct])
    con.execute("INSERT INTO cluster_items VALUES (1, 'T2', 'vk', 'i-b2', 'b2', 1.0)")
    for cid, n in (("T1", 2), ("T2", 1)):
        con.execute(
            "INSERT INTO text_clusters (run_id, cluster_id, platform, n_accounts, example_text) VALUES "
            "(1, ?, 'vk', ?, 'the president cares and always thinks about people')",
            [cid, n],
        )
    score_accounts(con, 1)
    flagged = {r[0] for r in con.execute("SELECT account_id FROM account_scores WHERE flagged").fetchall()}
    assert flagged == set(BOTS_A) | {"b0", "b1"}


def test_timing_partners_who_share_a_template_once_among_many_own_words_are_not_flagged(case):
    """Superfans: a significant co_reply pair (they comment early on every post) that once typed the same phrase
    among 20 texts of their own each; the template is under timing_template_item_share of their texts."""
    con = case.con
    for acct in ("b0", "b1"):
        con.execute("INSERT INTO cluster_items VALUES (1, 'T1', 'vk', ?, ?, 1.0)", [f"i-{acct}", acct])
        for k in range(19):
            con.execute(
                "INSERT INTO items (platform, item_id, account_id, kind, created_at, text, channel, parent_id) "
                "VALUES ('vk', ?, ?, 'comment', ?, ?, 'Page', 'p1')",
                [f"own-{acct}-{k}", acct, T0, f"my own words number {k}"],
            )
    con.execute(
        "INSERT INTO text_clusters (run_id, cluster_id, platform, n_accounts, example_text) VALUES "
        "(1, 'T1', 'vk', 2, 'the president cares and always thinks about people')"
    )
    score_accounts(con, 1)
    flagged = {r[0] for r in con.execute("SELECT account_id FROM account_scores WHERE flagged").fetchall()}
    assert flagged == set(BOTS_A)
    score_accounts(con, 1, {"timing_template_item_share": 0.05})  # 1 of 20 texts is enough at 5 %
    flagged = {r[0] for r in con.execute("SELECT account_id FROM account_scores WHERE flagged").fetchall()}
    assert flagged == set(BOTS_A) | {"b0", "b1"}


def test_evaluate_against_labels(case, tmp_path):
    assemble_campaigns(case.con, 1, seed=7)
    score_accounts(case.con, 1, {"timing_alone_flags": True})
    case.close()
    labels = tmp_path / "labels.csv"
    rows = ["account_id,label,group"]
    rows += [f"{a},bot,A" for a in BOTS_A] + [f"{a},1,B" for a in BOTS_B] + [f"{a},human," for a in HUMANS]
    rows += ["ghost,1,A"]  # a labelled account that is not in the case counts as missed
    labels.write_text("\n".join(rows) + "\n")
    res = evaluate_case(case.path, labels)
    assert res["precision"] == pytest.approx(10 / 12, abs=1e-4)  # h0 and h1 flagged on timing alone
    assert res["recall"] == pytest.approx(10 / 11, abs=1e-4)
    assert res["not_in_case"] == 1
    assert res["campaign_purity"] == 1.0
    assert res["groups_recovered"] == ["A", "B"]


def test_bad_labels_file(tmp_path, case):
    bad = tmp_path / "l.csv"
    bad.write_text("id,label\nx,1\n")
    with pytest.raises(BotwatchError, match="needs columns account_id,label"):
        evaluate_case(case.path, bad)


def test_average_precision_known_values():
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([1, 1], [0.5, 0.5]) == 1.0


def test_a_short_stock_template_does_not_lift_timing_and_avatars_never_flag_alone(case):
    """A timing pair that shares only a three-word stock phrase stays unflagged; so does an account whose only
    significant edge is a shared profile picture (a rule, not a test: no q-value)."""
    con = case.con
    for acct in ("b0", "b1"):
        con.execute("INSERT INTO cluster_items VALUES (1, 'T1', 'vk', ?, ?, 1.0)", [f"i-{acct}", acct])
    con.execute(
        "INSERT INTO text_clusters (run_id, cluster_id, platform, n_accounts, example_text) "
        "VALUES (1, 'T1', 'vk', 2, 'спасибо большое всем')"
    )
    con.execute(
        "INSERT INTO edges (run_id, platform, account_a, account_b, layer, weight, significant, targets, "
        "evidence_item_ids) VALUES (1, 'vk', 'h2', 'h3', 'co_avatar', 1, true, [], [])"
    )
    score_accounts(con, 1)
    rows = dict(con.execute("SELECT account_id, flagged FROM account_scores").fetchall())
    assert {a for a, f in rows.items() if f} == set(BOTS_A)
    h2 = con.execute("SELECT score FROM account_scores WHERE account_id = 'h2'").fetchone()[0]
    assert h2 == 0.5  # untested_layer_strength
    # the same picture and the same informative template together do flag
    for acct in ("h2", "h3"):
        con.execute("INSERT INTO cluster_items VALUES (1, 'T3', 'vk', ?, ?, 1.0)", [f"i-{acct}", acct])
    con.execute(
        "INSERT INTO text_clusters (run_id, cluster_id, platform, n_accounts, example_text) "
        "VALUES (1, 'T3', 'vk', 2, 'we made a choice for the new kazakhstan')"
    )
    score_accounts(con, 1)
    rows = dict(con.execute("SELECT account_id, flagged FROM account_scores").fetchall())
    assert {a for a, f in rows.items() if f} == set(BOTS_A) | {"h2", "h3"}
