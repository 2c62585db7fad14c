"""Leads below the threshold, campaigns that must hold a flagged account, and campaign descriptions
(tests/leads_case.py holds the case and its known answers)."""

from __future__ import annotations

import json

import pytest
from leads_case import A, B, H, V, score_by_hand

from botwatch import Case
from botwatch.campaigns import assemble_campaigns
from botwatch.campaigns.leads import extract_leads
from botwatch.scoring import score_accounts


@pytest.fixture
def case(leads_case_file, copy_case):
    """A copy of the leads case built once per session (conftest), for this test to write to."""
    with Case(copy_case(leads_case_file)) as c:
        yield c


@pytest.fixture
def led(case):
    """The case after campaigns, hand-made scores and leads."""
    assemble_campaigns(case.con, 1, seed=7)
    score_by_hand(case.con)
    summary = extract_leads(case.con, 1)
    return case.con, summary


def _campaign_ids_everywhere(con) -> set:
    got = set()
    for table in ("campaigns", "campaign_accounts", "account_scores", "evidence"):
        got |= {
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT campaign_id FROM {table} WHERE campaign_id IS NOT NULL"
            ).fetchall()
        }
    return got


# -- campaign descriptions ----------------------------------------------------------------------------------
def test_campaign_linked_only_by_avatar_counts_its_members_items(case):
    assemble_campaigns(case.con, 1, seed=7)
    rows = case.con.execute(
        "SELECT campaign_id, n_items, channels, first_at IS NOT NULL, description FROM campaigns ORDER BY 1"
    ).fetchall()
    avatar = rows[2]
    assert avatar[0] == "C3"  # v0-v2, linked only by co_avatar edges that cite no items
    # their six comments, not 0; the page they posted on, not "across 0 page(s)"
    assert avatar[1:4] == (6, ["PageV"], True)
    assert avatar[4] == "3 accounts acting together (co_avatar) across 1 page(s)"
    assert rows[0][1] == 12 and rows[0][2] == ["PageA"]  # A: every item its members wrote
    assert all("0 page(s)" not in r[4] for r in rows)


def test_campaign_of_members_without_items_says_so(case):
    case.con.execute("DELETE FROM items WHERE account_id LIKE 'v%'")
    assemble_campaigns(case.con, 1, seed=7)
    n_items, description = case.con.execute(
        "SELECT n_items, description FROM campaigns WHERE campaign_id = 'C3'"
    ).fetchone()
    assert n_items == 0
    assert description == "3 accounts acting together (co_avatar); none of their items is in the case"


# -- campaigns need a flagged member ------------------------------------------------------------------------
def test_community_without_flagged_member_becomes_a_lead_and_campaigns_are_renumbered(led):
    con, summary = led
    assert summary["campaigns"] == 2 and summary["accounts"] == len(A) + len(V)
    assert summary["campaigns_without_flag"] == 1
    members = con.execute(
        "SELECT campaign_id, list(account_id ORDER BY account_id) FROM campaign_accounts GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert members == [("C1", A), ("C2", V)]  # V was C3
    assert [r[0] for r in con.execute("SELECT campaign_id FROM campaigns ORDER BY 1").fetchall()] == [
        "C1",
        "C2",
    ]
    # no dangling campaign id anywhere
    assert _campaign_ids_everywhere(con) == {"C1", "C2"}
    scores = dict(con.execute("SELECT account_id, campaign_id FROM account_scores").fetchall())
    assert {scores[a] for a in B} == {None} and {scores[a] for a in V} == {"C2"}
    # every campaign holds a flagged account
    assert con.execute(
        """SELECT count(*) FROM campaigns c WHERE NOT EXISTS (
             SELECT 1 FROM campaign_accounts ca JOIN account_scores s USING (run_id, platform, account_id)
             WHERE ca.campaign_id = c.campaign_id AND s.flagged)"""
    ).fetchone() == (0,)


def test_member_evidence_reasons_and_features_follow(led):
    con, _ = led
    lead_id = con.execute("SELECT lead_id FROM leads WHERE kind = 'account_group'").fetchone()[0]
    ev = con.execute(
        "SELECT detector, description, campaign_id FROM evidence WHERE account_id = 'b0' ORDER BY evidence_id"
    ).fetchall()
    expected = f"member of lead group {lead_id} (4 accounts linked by significant edges; none flagged, so not a campaign)"
    assert ev == [("co_reply", "acted together with others", None), ("lead_group", expected, None)]
    reasons, features = con.execute(
        "SELECT reasons, features FROM account_scores WHERE account_id = 'b0'"
    ).fetchone()
    assert reasons == ["acted together with others", expected]
    assert json.loads(features) == {"co_reply": 0.3, "lead_group": 0.2}
    # the renumbered campaign's members now read C2, in evidence and reasons alike
    v = con.execute(
        "SELECT description FROM evidence WHERE account_id = 'v1' AND detector = 'campaign'"
    ).fetchone()
    assert v == ("member of campaign C2 (3 accounts)",)
    reasons = con.execute("SELECT reasons FROM account_scores WHERE account_id = 'v1'").fetchone()[0]
    assert "member of campaign C2 (3 accounts)" in reasons and not any("C3" in r for r in reasons)
    # scores and flags are untouched: a lead never flags, and never unflags
    assert con.execute("SELECT count(*) FROM account_scores WHERE flagged").fetchone() == (len(A) + len(V),)


# -- the leads ------------------------------------------------------------------------------------------------
def test_leads_are_the_unflagged_group_and_the_unflagged_templates(led):
    con, summary = led
    leads = con.execute(
        """SELECT lead_id, rank, kind, platform, score, max_account_score, n_accounts, n_items, account_ids,
                  cluster_ids, layers, channels, n_significant_pairs, min_q_value
           FROM leads ORDER BY rank"""
    ).fetchall()
    assert (
        summary["leads"] == 2 and summary["account_group_leads"] == 1 and summary["text_cluster_leads"] == 1
    )
    group, text = leads
    # B: mean score 0.45 ranks above the humans' 0.2
    assert group[:8] == ("L1", 1, "account_group", "vk", 0.45, 0.45, 4, 4)
    assert group[8:] == (B, ["T6"], ["co_reply"], ["PageB"], 6, pytest.approx(1e-4))
    # T1 and T5 are posted by the same four humans: one lead. T2 has flagged accounts, T3 two accounts only,
    # T4 is a mass phrase, T6 lies inside the group lead
    assert text[:8] == ("L2", 2, "text_cluster", "vk", 0.2, 0.2, 4, 8)
    assert text[8:] == (H[:4], ["T1", "T5"], [], ["PageH"], 0, pytest.approx(0.3))


def test_leads_say_why_they_are_leads_and_why_not_flagged(led):
    con, _ = led
    (d1, r1), (d2, r2) = con.execute("SELECT description, reasons FROM leads ORDER BY rank").fetchall()
    assert d1 == "4 accounts linked by significant edges (co_reply) with 4 item(s) on 1 page(s); none flagged"
    assert r1[0].startswith("4 accounts form a community of significant edges (co_reply): 6 linked pair(s)")
    assert "they share text template(s) T6" in r1
    assert r1[-1] == (
        "not flagged: none of its 4 accounts is flagged (mean score 0.45, highest 0.45), so this community is a "
        "lead, not a campaign"
    )
    assert d2 == (
        "4 accounts share templates T1, T5 (8 comments on 1 page(s)); no significant coordination edge; none flagged"
    )
    assert r2[1].startswith("no significant coordination edge among them (1 pair(s) acted together")
    assert r2[2] == "not flagged: none of its 4 accounts is flagged (mean score 0.20, highest 0.20)"


def test_timing_only_group_is_called_so(case):
    case.con.execute("DELETE FROM cluster_items WHERE cluster_id = 'T6'")
    case.con.execute("DELETE FROM text_clusters WHERE cluster_id = 'T6'")
    assemble_campaigns(case.con, 1, seed=7)
    score_by_hand(case.con)
    extract_leads(case.con, 1)
    reasons = case.con.execute("SELECT reasons FROM leads WHERE kind = 'account_group'").fetchone()[0]
    assert "they share no text template" in reasons
    assert any(r.startswith("their only shared signal is timing") for r in reasons)


def test_text_cluster_with_campaign_members_says_so_and_limits_apply(case):
    assemble_campaigns(case.con, 1, seed=7)
    score_by_hand(case.con, flagged=set(A) - {"a0", "a1", "a2"} | set(V))
    case.con.execute("DELETE FROM cluster_items WHERE cluster_id = 'T2' AND account_id IN ('a3', 'a4', 'a5')")
    case.con.execute("INSERT INTO cluster_items VALUES (1, 'T2', 'vk', 'i-h9-1', 'h9', 0.9)")
    summary = extract_leads(case.con, 1, min_accounts=2, max_accounts=1000)
    leads = {tuple(r[0]): r[1] for r in case.con.execute("SELECT cluster_ids, reasons FROM leads").fetchall()}
    assert (
        summary["text_cluster_leads"] == 4
    )  # T1+T5, T2 (a0-a2 and h9), T3 (two accounts), T4 (mass, allowed)
    assert "3 of them are members of campaign C1 but not flagged themselves" in leads[("T2",)]
    assert ("T3",) in leads and ("T4",) in leads and ("T1", "T5") in leads


def test_no_leads_and_nothing_to_change(case):
    con = case.con
    con.execute("DELETE FROM cluster_items")
    con.execute("DELETE FROM text_clusters")
    assemble_campaigns(con, 1, seed=7)
    score_by_hand(con, flagged=set(A) | set(B) | set(V))
    before = con.execute("SELECT * FROM evidence ORDER BY evidence_id").fetchall()
    summary = extract_leads(con, 1)
    assert summary == {
        "campaigns": 3,
        "accounts": 13,
        "campaigns_without_flag": 0,
        "leads": 0,
        "account_group_leads": 0,
        "text_cluster_leads": 0,
        "campaign_writers_leads": 0,
    }
    assert con.execute("SELECT * FROM evidence ORDER BY evidence_id").fetchall() == before


def test_with_the_real_scoring_no_campaign_lacks_a_flag(case):
    con = case.con
    assemble_campaigns(con, 1, seed=7)
    score_accounts(con, 1)
    extract_leads(con, 1)
    campaigns = [
        r[0] for r in con.execute("SELECT campaign_id FROM campaigns ORDER BY n_accounts DESC, 1").fetchall()
    ]
    assert campaigns == [f"C{i}" for i in range(1, len(campaigns) + 1)]
    assert _campaign_ids_everywhere(con) <= set(campaigns)
    unflagged = con.execute(
        """SELECT count(*) FROM campaigns c WHERE NOT EXISTS (
             SELECT 1 FROM campaign_accounts ca JOIN account_scores s USING (run_id, platform, account_id)
             WHERE ca.campaign_id = c.campaign_id AND s.flagged)"""
    ).fetchone()[0]
    assert unflagged == 0
    flagged = {r[0] for r in con.execute("SELECT account_id FROM account_scores WHERE flagged").fetchall()}
    for accounts, kind in con.execute("SELECT account_ids, kind FROM leads").fetchall():
        assert not set(accounts) & flagged, kind
    ranks = [r[0] for r in con.execute("SELECT rank FROM leads ORDER BY score DESC, rank").fetchall()]
    assert ranks == sorted(ranks) == list(range(1, len(ranks) + 1))
    assert not con.execute(
        "SELECT count(*) FROM evidence WHERE description LIKE 'member of campaign C%' AND campaign_id IS NULL"
    ).fetchone()[0]


def test_a_flagged_campaigns_other_writers_are_one_lead_ranked_first_among_ties(case):
    con = case.con
    # h9 writes C1's template T2 in both of its comments; h4 once, beside its other comment: too little
    con.executemany(
        "INSERT INTO cluster_items VALUES (1, 'T2', 'vk', ?, ?, 0.9)",
        [("i-h9-1", "h9"), ("i-h9-2", "h9"), ("i-h4-2", "h4")],
    )
    assemble_campaigns(con, 1, seed=7)
    score_by_hand(con)
    summary = extract_leads(con, 1, min_accounts=2)  # T3 (h4, h5; score 0.1) becomes a lead too
    assert summary["campaign_writers_leads"] == 1
    rows = con.execute(
        "SELECT lead_id, kind, score, account_ids, cluster_ids, n_items, item_ids, description FROM leads "
        "ORDER BY rank"
    ).fetchall()
    (lead,) = [r for r in rows if r[1] == "campaign_writers"]
    assert (lead[3], lead[4], lead[5], sorted(lead[6])) == (["h9"], ["T2"], 2, ["i-h9-1", "i-h9-2"])
    assert lead[7].startswith(
        "1 account(s) not flagged write the templates of campaign C1 (T2; 2 comments on"
    )
    # h9's score (0.1) ties with T3's lead of two accounts: the campaign's other writer comes first anyway
    tied = [r for r in rows if r[2] == lead[2]]
    assert len(tied) > 1 and tied[0][1] == "campaign_writers"
