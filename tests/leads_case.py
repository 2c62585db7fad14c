"""A small case for campaigns and leads: hand-made edges, text clusters and scores with known answers.

Groups (platform ``vk``, run 1):

- A ``a0``-``a5``: significant co_text and co_reply edges, template T2; flagged (becomes campaign C1);
- B ``b0``-``b3``: significant co_reply edges only, template T6 among three of them; **not flagged**: a
  community without a flagged member, so the lead of kind ``account_group`` (it was C2 before leads);
- V ``v0``-``v2``: linked only by a shared avatar (co_avatar edges without evidence items), each posting two
  comments on page ``PageV``; flagged (it was C3, and is renumbered C2);
- humans ``h0``-``h9``: T1 and T5 are posted by exactly ``h0``-``h3`` (one ``text_cluster`` lead with both
  templates; one non-significant co_reply edge ``h0``-``h1``); T3 has only two accounts (too few for a lead);
  T4 claims 600 accounts (a mass phrase, above ``max_accounts``).

``score_by_hand`` writes scores and evidence the way scoring does (``member of campaign Cn (k accounts)``), so
the expected results do not depend on the scoring rules; tests of the real scoring use ``score_accounts``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

from botwatch.store.case import Case

T0 = dt.datetime(2024, 5, 6, 10, 0, 0)
A = [f"a{i}" for i in range(6)]
B = [f"b{i}" for i in range(4)]
V = [f"v{i}" for i in range(3)]
H = [f"h{i}" for i in range(10)]
FLAGGED = set(A) | set(V)


def _edge(a, b, layer, weight, sig=True, items=None, q=None):
    a, b = sorted([a, b])
    q = q if q is not None else (1e-5 if sig else 0.4)
    return (
        1,
        "vk",
        a,
        b,
        layer,
        weight,
        None if layer == "co_avatar" else 60.0,
        T0,
        T0,
        1,
        1,
        12.0,
        0.1,
        q / 10,
        q,
        sig,
        "test",
        [] if layer == "co_avatar" else ["p1"],
        [] if items is None else items,
    )


def build_leads_case(path) -> Case:
    """Write items, accounts, edges and text clusters of run 1; return the open case."""
    case = Case(path)
    con = case.con
    items = []

    def item(item_id, account, when, text, channel, post="p1"):
        items.append(("vk", item_id, account, "comment", post, post, channel, when, text))

    for i, acct in enumerate(A):
        item(f"i-{acct}-1", acct, T0 + dt.timedelta(seconds=i), "Great job, mayor!", "PageA")
        item(
            f"i-{acct}-2", acct, T0 + dt.timedelta(hours=1, seconds=i), "Great job, our mayor!", "PageA", "p2"
        )
    for i, acct in enumerate(B):
        item(f"i-{acct}-1", acct, T0 + dt.timedelta(hours=2, seconds=i), f"b says {i}", "PageB", "p3")
    for i, acct in enumerate(V):
        item(f"i-{acct}-1", acct, T0 + dt.timedelta(days=1, hours=i), f"v says {i}", "PageV", "p4")
        item(f"i-{acct}-2", acct, T0 + dt.timedelta(days=2, hours=i), f"v again {i}", "PageV", "p5")
    for i, acct in enumerate(H):
        item(
            f"i-{acct}-1",
            acct,
            T0 + dt.timedelta(hours=3, minutes=7 * i),
            "Roads are bad again",
            "PageH",
            "p6",
        )
        item(
            f"i-{acct}-2", acct, T0 + dt.timedelta(hours=5, minutes=7 * i), "Where is the bus?", "PageH", "p7"
        )
    con.executemany(
        "INSERT INTO items (platform, item_id, account_id, kind, parent_id, root_id, channel, created_at, text) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        items,
    )
    for acct in A + B + V + H:
        con.execute(
            "INSERT INTO accounts (platform, account_id, handle, n_items) VALUES ('vk', ?, ?, ?)",
            [acct, "@" + acct, sum(1 for r in items if r[2] == acct)],
        )
    edges = []
    for a, b in itertools.combinations(A, 2):
        edges.append(_edge(a, b, "co_text", 3, items=[f"i-{a}-1", f"i-{b}-1"]))
        edges.append(_edge(a, b, "co_reply", 4, items=[f"i-{a}-2", f"i-{b}-2"]))
    for a, b in itertools.combinations(B, 2):
        edges.append(_edge(a, b, "co_reply", 5, items=[f"i-{a}-1", f"i-{b}-1"], q=1e-4))
    for a, b in itertools.combinations(V, 2):
        edges.append(_edge(a, b, "co_avatar", 1))  # a shared picture cites no items
    edges.append(_edge("h0", "h1", "co_reply", 1, sig=False, items=["i-h0-1", "i-h1-1"], q=0.3))
    con.executemany("INSERT INTO edges VALUES (" + ", ".join("?" * 19) + ")", edges)

    def cluster(cid, members, n_accounts=None, which=1):
        con.execute(
            "INSERT INTO text_clusters VALUES (1, ?, 'vk', ?, '[]', ?, ?, ?, ?, 'example')",
            [cid, f"template {cid} {{a/b}}", len(members), n_accounts or len(members), T0, T0],
        )
        con.executemany(
            "INSERT INTO cluster_items VALUES (1, ?, 'vk', ?, ?, 0.9)",
            [(cid, f"i-{m}-{which}", m) for m in members],
        )

    cluster("T1", H[:4])
    cluster("T2", A)
    cluster("T3", H[4:6])
    cluster("T4", H[6:9], n_accounts=600)
    cluster("T5", H[:4], which=2)
    cluster("T6", B[:3])
    con.execute("INSERT INTO runs (run_id, seed) VALUES (1, 7)")
    return case


def score_by_hand(con, flagged=FLAGGED) -> None:
    """Scores, reasons, features and evidence like scoring writes them, with ``flagged`` accounts flagged."""
    con.execute("DELETE FROM account_scores")
    con.execute("DELETE FROM evidence")
    members = dict(con.execute("SELECT account_id, campaign_id FROM campaign_accounts").fetchall())
    sizes = dict(con.execute("SELECT campaign_id, count(*) FROM campaign_accounts GROUP BY 1").fetchall())
    for acct in A + B + V + H:
        score = 0.9 if acct in flagged else 0.45 if acct in B else 0.2 if acct in H[:4] else 0.1
        cid = members.get(acct)
        reasons, evidence, features = [], [], {}
        if acct not in H:
            reasons.append("acted together with others")
            evidence.append(("co_reply", "acted together with others", [f"i-{acct}-1"], 0.3))
            features["co_reply"] = 0.3
        if cid:
            text = f"member of campaign {cid} ({sizes[cid]} accounts)"
            reasons.append(text)
            evidence.append(("campaign", text, [], 0.2))
            features["campaign"] = 0.2
        con.execute(
            "INSERT INTO account_scores VALUES (1, 'vk', ?, ?, ?, ?, ?, ?)",
            [acct, score, acct in flagged, cid, reasons, json.dumps(features)],
        )
        for n, (det, text, ids, w) in enumerate(evidence, 1):
            con.execute(
                "INSERT INTO evidence VALUES (1, ?, 'vk', ?, ?, ?, ?, ?, ?)",
                [f"E-vk-{acct}-{n}", acct, cid, det, text, ids, w],
            )
