"""Per-account evidence, the network of flagged accounts, impact per page and post, and the explorer's data.

Accounts with a section are those flagged in the run or placed in a campaign, highest score first. The network
holds the flagged accounts (highest score first, capped) and the detectors' edges among them, merged per pair
across layers; when edges must be capped, each node's strongest few edges are kept first (a backbone that
keeps every campaign connected), then the strongest of the rest; its layout is igraph's Fruchterman-Reingold with the run's seed, so the same case draws the same
picture. Impact counts, per page (channel) and per post, the comments written by flagged accounts, the
reactions those comments received, and reposts of the post by flagged accounts.
"""

from __future__ import annotations

import json

from botwatch.report.data import COMMENT_KINDS, Capped, ItemCollector, ReportLimits, clip, link_evidence, rows

PALETTE = [
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#e377c2",
    "#8c564b",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#843c39",
]
NO_CAMPAIGN_COLOUR = "#7f7f7f"


def campaign_colours(campaign_ids: list[str]) -> dict[str, str]:
    return {cid: PALETTE[i % len(PALETTE)] for i, cid in enumerate(campaign_ids)}


def load_accounts(con, run_id: int, limits: ReportLimits, ids, collector: ItemCollector) -> Capped:
    """Accounts with an evidence section, each with its reasons, features, evidence (items accepted into
    ``collector`` are linkable) and ``signals``: its significant per-account signals (registration cohort,
    generated name, focus and rhythm) with value, expected value, p and q."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE rep_sel AS
           SELECT platform, account_id FROM rep_flagged UNION SELECT platform, account_id FROM rep_members"""
    )
    got = rows(
        con,
        """WITH sc AS (SELECT * FROM account_scores WHERE run_id = ?
                       QUALIFY row_number() OVER (PARTITION BY platform, account_id ORDER BY score DESC NULLS LAST) = 1),
                mm AS (SELECT platform, account_id, min(campaign_id) AS campaign_id FROM rep_members GROUP BY ALL)
           SELECT sel.platform, sel.account_id, sc.score, coalesce(sc.flagged, false) AS flagged,
                  coalesce(sc.campaign_id, mm.campaign_id) AS campaign_id, sc.reasons, sc.features,
                  a.handle, a.display_name, a.created_at, a.bio, a.avatar_url, a.avatar_path, a.followers,
                  a.following, a.posts_count, a.verified, a.n_items, count(*) OVER () AS total
           FROM rep_sel sel LEFT JOIN sc USING (platform, account_id) LEFT JOIN mm USING (platform, account_id)
           LEFT JOIN accounts a USING (platform, account_id)
           ORDER BY flagged DESC, sc.score DESC NULLS LAST, sel.platform, sel.account_id LIMIT ?""",
        [run_id, limits.account_sections],
    )
    total = got[0]["total"] if got else 0
    con.execute("CREATE OR REPLACE TEMP TABLE rep_sectioned (platform VARCHAR, account_id VARCHAR)")
    if got:
        con.executemany(
            "INSERT INTO rep_sectioned VALUES (?, ?)", [[r["platform"], r["account_id"]] for r in got]
        )
    evidence = rows(
        con,
        """SELECT e.*, count(*) OVER (PARTITION BY e.platform, e.account_id) AS n_account
           FROM evidence e SEMI JOIN rep_sectioned s ON e.platform = s.platform AND e.account_id = s.account_id
           WHERE e.run_id = ?
           QUALIFY row_number() OVER (PARTITION BY e.platform, e.account_id
                                      ORDER BY e.weight DESC NULLS LAST, e.evidence_id) <= ?""",
        [run_id, limits.evidence_per_account],
    )
    signals: dict[tuple[str, str], list[dict]] = {}
    for sg in rows(
        con,
        """SELECT s.platform, s.account_id, s.signal, s.value, s.expected, s.p_value, s.q_value, s.description
           FROM account_signals s SEMI JOIN rep_sectioned r ON s.platform = r.platform AND s.account_id = r.account_id
           WHERE s.run_id = ? AND s.significant ORDER BY s.q_value, s.signal""",
        [run_id],
    ):
        sg["description"] = ids.text(sg["description"])
        signals.setdefault((sg.pop("platform"), sg.pop("account_id")), []).append(sg)
    by_account: dict[tuple[str, str], list[dict]] = {}
    for ev in sorted(evidence, key=lambda e: (-(e["weight"] or 0), str(e["evidence_id"]))):
        by_account.setdefault((ev["platform"], ev["account_id"]), []).append(ev)
    for r in got:
        key = (r["platform"], r["account_id"])
        r["anchor"] = ids.account_anchor(*key)
        r["label"] = ids.account_label(*key)
        r["handle"] = ids.handle(r["handle"])
        r["display_name"] = ids.name(r["display_name"])
        r["bio"] = clip(r["bio"], limits.text_chars)
        if ids.pseudonymized:  # a bio names, places and reaches its person; exports drop it too
            r["bio"] = r["avatar_url"] = r["avatar_path"] = None
        features = r.get("features")
        if isinstance(features, str):
            try:
                features = json.loads(features)
            except ValueError:
                features = {"features": features}
        r["features"] = features if isinstance(features, dict) else {}
        r["reasons"] = [ids.text(x) for x in (r["reasons"] or [])]
        evs = by_account.get(key, [])
        r["evidence_total"] = evs[0]["n_account"] if evs else 0
        for ev in evs:
            link_evidence(ev, ids, collector, limits)
        r["evidence"] = evs
        r["signals"] = signals.get(key, [])  # significant per-account signals (shown or not next to a flag)
    return Capped(got, total)


def layout_positions(nodes: list, edges: list, seed: int, size: float = 1000.0) -> dict:
    """Fruchterman-Reingold positions (igraph) scaled into a ``size`` box, from seeded random starting points and
    a seeded random generator, so the same graph and seed always give the same drawing."""
    import random

    import igraph
    import numpy as np

    if not nodes:
        return {}
    index = {key: i for i, key in enumerate(nodes)}
    graph = igraph.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b, _ in edges])
    start = np.random.default_rng(seed).uniform(-1, 1, (len(nodes), 2)).tolist()
    igraph.set_random_number_generator(random.Random(seed))
    try:
        coords = np.array(
            graph.layout_fruchterman_reingold(
                seed=start, niter=300, weights=[w for _, _, w in edges] if edges else None
            ).coords
        )
    finally:
        igraph.set_random_number_generator(random)
    lo, span = coords.min(axis=0), np.maximum(np.ptp(coords, axis=0), 1e-9)
    scaled = 20 + (coords - lo) / span * (size - 40)
    return {key: (round(float(x), 1), round(float(y), 1)) for key, (x, y) in zip(nodes, scaled)}


def load_network(con, run_id: int, seed: int, limits: ReportLimits, ids, colours: dict[str, str]) -> dict:
    """Nodes (flagged accounts) with preset positions in a 1000×1000 box, and merged edges among them."""
    nodes = rows(
        con,
        """SELECT f.platform, f.account_id, f.campaign_id, s.score, a.handle, count(*) OVER () AS total
           FROM rep_flagged f LEFT JOIN rep_scores s USING (platform, account_id)
           LEFT JOIN accounts a USING (platform, account_id)
           ORDER BY s.score DESC NULLS LAST, f.platform, f.account_id LIMIT ?""",
        [limits.network_nodes],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE rep_nodes (platform VARCHAR, account_id VARCHAR)")
    if nodes:
        con.executemany(
            "INSERT INTO rep_nodes VALUES (?, ?)", [[n["platform"], n["account_id"]] for n in nodes]
        )
    edges = rows(
        con,
        """WITH e AS (
             SELECT platform, least(account_a, account_b) AS a, greatest(account_a, account_b) AS b, layer,
                    weight, q_value, significant FROM edges
             WHERE run_id = ? AND account_a <> account_b
               AND (platform, account_a) IN (SELECT (platform, account_id) FROM rep_nodes)
               AND (platform, account_b) IN (SELECT (platform, account_id) FROM rep_nodes))
           , pairs AS (
             SELECT platform, a, b, list(DISTINCT layer ORDER BY layer) AS layers, sum(weight) AS weight,
                    min(q_value) AS q_value, bool_or(coalesce(significant, false)) AS significant
             FROM e GROUP BY platform, a, b)
           , ranked AS (
             SELECT *, count(*) OVER () AS total,
                    row_number() OVER (PARTITION BY platform, a ORDER BY significant DESC, weight DESC NULLS LAST, b) AS ra,
                    row_number() OVER (PARTITION BY platform, b ORDER BY significant DESC, weight DESC NULLS LAST, a) AS rb
             FROM pairs)
           SELECT * FROM ranked
           ORDER BY least(ra, rb, ?), significant DESC, weight DESC NULLS LAST, platform, a, b LIMIT ?""",
        [run_id, max(2, 2 * limits.network_edges // max(len(nodes), 1)), limits.network_edges],
    )
    positions = layout_positions(
        [(n["platform"], n["account_id"]) for n in nodes],
        [((e["platform"], e["a"]), (e["platform"], e["b"]), float(e["weight"] or 1)) for e in edges],
        seed,
    )
    out_nodes = []
    for n in nodes:
        key = (n["platform"], n["account_id"])
        x, y = positions[key]
        out_nodes.append(
            {
                "id": ids.account_anchor(*key),
                "label": ids.handle(n["handle"]) or ids.account_label(*key),
                "campaign": n["campaign_id"] or "",
                "colour": colours.get(n["campaign_id"], NO_CAMPAIGN_COLOUR),
                "score": round(float(n["score"]), 3) if n["score"] is not None else None,
                "x": x,
                "y": y,
            }
        )
    out_edges = [
        {
            "source": ids.account_anchor(e["platform"], e["a"]),
            "target": ids.account_anchor(e["platform"], e["b"]),
            "layers": e["layers"],
            "weight": e["weight"],
            "significant": bool(e["significant"]),
        }
        for e in edges
    ]
    return {
        "nodes": out_nodes,
        "edges": out_edges,
        "nodes_total": nodes[0]["total"] if nodes else 0,
        "edges_total": edges[0]["total"] if edges else 0,
    }


def load_impact(con, limits: ReportLimits, ids) -> dict:
    per_page = rows(
        con,
        f"""SELECT i.platform, i.channel, count(*) AS comments, count(f.account_id) AS flagged_comments,
                   coalesce(sum(i.reactions), 0) AS reactions,
                   coalesce(sum(i.reactions) FILTER (WHERE f.account_id IS NOT NULL), 0) AS flagged_reactions,
                   count(*) OVER () AS total
            FROM items i LEFT JOIN rep_flagged f USING (platform, account_id) WHERE i.kind IN {COMMENT_KINDS}
            GROUP BY i.platform, i.channel ORDER BY flagged_comments DESC, comments DESC, i.platform, i.channel
            LIMIT ?""",
        [limits.rows_per_table],
    )
    per_post = rows(
        con,
        f"""WITH c AS (
              SELECT i.platform, coalesce(i.root_id, i.parent_id) AS post, any_value(i.channel) AS channel,
                     count(*) AS comments, count(f.account_id) AS flagged_comments,
                     coalesce(sum(i.reactions), 0) AS reactions,
                     coalesce(sum(i.reactions) FILTER (WHERE f.account_id IS NOT NULL), 0) AS flagged_reactions
              FROM items i LEFT JOIN rep_flagged f USING (platform, account_id) WHERE i.kind IN {COMMENT_KINDS}
              GROUP BY 1, 2 HAVING count(f.account_id) > 0),
            r AS (
              SELECT i.platform, i.repost_of AS post, count(*) AS reposts, count(f.account_id) AS flagged_reposts
              FROM items i LEFT JOIN rep_flagged f USING (platform, account_id)
              WHERE i.kind = 'repost' AND i.repost_of IS NOT NULL GROUP BY 1, 2)
            SELECT c.*, coalesce(r.reposts, 0) AS reposts, coalesce(r.flagged_reposts, 0) AS flagged_reposts,
                   p.text AS post_text, count(*) OVER () AS total
            FROM c LEFT JOIN r USING (platform, post)
            LEFT JOIN items p ON p.platform = c.platform AND p.item_id = c.post
            ORDER BY flagged_comments DESC, comments DESC, c.platform, c.post LIMIT ?""",
        [limits.rows_per_table],
    )
    for r in per_post:
        r["post_text"] = clip(ids.text(r["post_text"]), 160)
    return {
        "pages": Capped(per_page, per_page[0]["total"] if per_page else 0),
        "posts": Capped(per_post, per_post[0]["total"] if per_post else 0),
    }


def load_explore(con, limits: ReportLimits, ids, sectioned: set, collector: ItemCollector) -> dict:
    """Compact rows for the offline search: accounts (scored or in a campaign) and comments (flagged authors'
    first, then a deterministic hash-ordered sample of the rest), as lists to keep the page small."""
    accounts = rows(
        con,
        """WITH a AS (SELECT platform, account_id FROM rep_scores UNION SELECT platform, account_id FROM rep_members)
           SELECT a.platform, a.account_id, s.score, coalesce(s.flagged, false) AS flagged,
                  coalesce(f.campaign_id, s.campaign_id) AS campaign_id, acc.handle, acc.display_name,
                  count(*) OVER () AS total
           FROM a LEFT JOIN rep_scores s USING (platform, account_id)
           LEFT JOIN rep_flagged f USING (platform, account_id)
           LEFT JOIN accounts acc USING (platform, account_id)
           ORDER BY flagged DESC, s.score DESC NULLS LAST, a.platform, a.account_id LIMIT ?""",
        [limits.explorer_accounts],
    )
    acc_rows = []
    for r in accounts:
        key = (r["platform"], r["account_id"])
        acc_rows.append(
            [
                ids.account_label(*key),
                ids.handle(r["handle"]) or "",
                ids.name(r["display_name"]) or "",
                r["campaign_id"] or "",
                1 if r["flagged"] else 0,
                round(float(r["score"]), 3) if r["score"] is not None else None,
                ids.account_anchor(*key) if key in sectioned else "",
            ]
        )
    comments = rows(
        con,
        f"""WITH pick AS (
              SELECT i.platform, i.item_id, i.account_id, i.created_at, i.text, i.channel, f.campaign_id,
                     f.account_id IS NOT NULL AS flagged, count(*) OVER () AS total
              FROM items i LEFT JOIN rep_flagged f USING (platform, account_id) WHERE i.kind IN {COMMENT_KINDS}
              ORDER BY flagged DESC, hash(i.platform, i.item_id) LIMIT ?)
            SELECT * FROM pick ORDER BY created_at, platform, item_id""",
        [limits.explorer_comments],
    )
    com_rows = []
    for r in comments:
        acc = (r["platform"], r["account_id"])
        item = (r["platform"], r["item_id"])
        com_rows.append(
            [
                r["created_at"].strftime("%Y-%m-%d %H:%M") if r["created_at"] else "",
                ids.account_label(*acc),
                ids.account_anchor(*acc) if acc in sectioned else "",
                r["campaign_id"] or "",
                1 if r["flagged"] else 0,
                clip(ids.text(r["text"]), limits.text_chars) or "",
                ids.item_anchor(*item) if item in collector else "",
                r["channel"] or "",
            ]
        )
    return {
        "accounts": acc_rows,
        "accounts_total": accounts[0]["total"] if accounts else 0,
        "comments": com_rows,
        "comments_total": comments[0]["total"] if comments else 0,
    }
