"""Assemble campaigns from the significant edges of every layer.

The account graph has one node per account and one edge per account pair that is significant in at least one
layer; its weight adds ``1 + log(1 + weight)`` per significant layer, so a pair that co-replied *and* posted the
same template counts more than either alone. Communities are found with Leiden (modularity, seeded); each
community with at least ``min_accounts`` accounts is a campaign, described by the layers of the edges inside it
and the pages, posts, templates and time span of its members' items. After scoring,
:func:`botwatch.campaigns.leads.extract_leads` keeps as campaigns only the communities with a flagged member; the
others become leads.
"""

from __future__ import annotations

import math

import igraph as ig
import leidenalg

from botwatch.settings import Interval, Setting, constraints_of, defaults_of
from botwatch.store.rows import insert_rows

CAMPAIGN_SETTINGS = (
    Setting(
        "min_accounts",
        3,
        Interval(int, 2, None),
        "smallest community of the account graph that is a campaign",
    ),
    Setting(
        "resolution",
        1.0,
        Interval(float, 0, None, "neither"),
        "Leiden resolution (higher: smaller campaigns)",
    ),
)
CAMPAIGN_PARAMETERS = defaults_of(CAMPAIGN_SETTINGS)
CAMPAIGN_CONSTRAINTS = constraints_of(CAMPAIGN_SETTINGS)
CAMPAIGN_TABLES = ("campaigns", "campaign_accounts", "leads")  # written per run (leads by campaigns.leads)


def assemble_campaigns(con, run_id: int, seed: int, min_accounts: int = 3, resolution: float = 1.0) -> dict:
    """Write ``campaigns`` and ``campaign_accounts`` rows for ``run_id``; return a summary."""
    con.execute("DELETE FROM campaigns WHERE run_id = ?", [run_id])
    con.execute("DELETE FROM campaign_accounts WHERE run_id = ?", [run_id])
    rows = con.execute(
        """SELECT platform, account_a, account_b, sum(1 + ln(1 + weight)) AS w
           FROM edges WHERE run_id = ? AND significant GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        [run_id],
    ).fetchall()
    if not rows:
        return {"campaigns": 0, "accounts": 0}
    index: dict[tuple[str, str], int] = {}
    names: list[tuple[str, str]] = []
    edges, weights = [], []
    for platform, a, b, w in rows:
        for acct in ((platform, a), (platform, b)):
            if acct not in index:
                index[acct] = len(names)
                names.append(acct)
        edges.append((index[(platform, a)], index[(platform, b)]))
        weights.append(float(w))
    graph = ig.Graph(n=len(names), edges=edges)
    graph.es["weight"] = weights
    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=seed % (2**31),
    )
    communities = [sorted(names[v] for v in comm) for comm in partition if len(comm) >= min_accounts]
    # stable order: biggest first, then by first member
    communities.sort(key=lambda c: (-len(c), c[0]))
    member_rows = []
    for i, comm in enumerate(communities, 1):
        cid = f"C{i}"
        member_rows.extend(
            {"run_id": run_id, "campaign_id": cid, "platform": p, "account_id": a} for p, a in comm
        )
    if not member_rows:
        return {"campaigns": 0, "accounts": 0}
    insert_rows(con, "campaign_accounts", member_rows)
    _describe(con, run_id)
    return {
        "campaigns": len(communities),
        "accounts": len(member_rows),
        "graph_nodes": len(names),
        "graph_edges": len(edges),
        "modularity": round(partition.modularity, 4) if not math.isnan(partition.modularity) else None,
    }


def _describe(con, run_id: int) -> None:
    """Summarise each campaign from its members' items and the intra-campaign edges.

    A campaign's items are every item its members wrote, plus any item cited as evidence by a significant edge
    between two members; its pages (channels), posts worked (targets) and active span come from those items, so
    a campaign linked only by a shared avatar (edges without evidence items) still shows what its members
    posted. Layers come from the intra-campaign significant edges, templates from the text clusters that at
    least two members posted in; the description names both ("12 accounts acting together (co_reply) across 1
    page(s), sharing 4 template(s) (T3, T5, T13, T19)"): a group flagged on timing plus its own templates shows
    the templates, not only the timing layer.
    """
    con.execute(
        """
        INSERT INTO campaigns BY NAME
        WITH m AS (SELECT campaign_id, platform, account_id FROM campaign_accounts WHERE run_id = $run),
        e AS (
          SELECT ma.campaign_id, e.* FROM edges e
          JOIN m ma ON ma.platform = e.platform AND ma.account_id = e.account_a
          JOIN m mb ON mb.platform = e.platform AND mb.account_id = e.account_b AND mb.campaign_id = ma.campaign_id
          WHERE e.run_id = $run AND e.significant),
        ids AS (
          SELECT DISTINCT campaign_id, platform, unnest(evidence_item_ids) AS item_id FROM e
          UNION
          SELECT m.campaign_id, i.platform, i.item_id FROM items i JOIN m USING (platform, account_id)),
        it AS (SELECT ids.campaign_id, i.* FROM ids JOIN items i USING (platform, item_id)),
        layers AS (SELECT campaign_id, list(DISTINCT layer ORDER BY layer) AS layers FROM e GROUP BY 1),
        chans AS (
          SELECT campaign_id, list(channel ORDER BY n DESC, channel)[1:10] AS channels, count(*) AS n_channels
          FROM (SELECT campaign_id, channel, count(*) AS n FROM it WHERE channel IS NOT NULL GROUP BY 1, 2)
          GROUP BY 1),
        tgts AS (
          SELECT campaign_id, list(t ORDER BY n DESC, t)[1:20] AS targets FROM (
            SELECT campaign_id, coalesce(root_id, parent_id) AS t, count(*) AS n FROM it
            WHERE coalesce(root_id, parent_id) IS NOT NULL GROUP BY 1, 2) GROUP BY 1),
        shared AS (
          SELECT m.campaign_id, ci.cluster_id FROM cluster_items ci
          JOIN m ON m.platform = ci.platform AND m.account_id = ci.account_id
          WHERE ci.run_id = $run GROUP BY 1, 2 HAVING count(DISTINCT ci.account_id) >= 2),
        clus AS (
          SELECT campaign_id, list(cluster_id ORDER BY TRY_CAST(substr(cluster_id, 2) AS INTEGER), cluster_id) AS cluster_ids
          FROM shared GROUP BY 1),
        span AS (SELECT campaign_id, min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS n_items
                 FROM it GROUP BY 1),
        sizes AS (SELECT campaign_id, any_value(platform) AS platform, count(*) AS n_accounts FROM m GROUP BY 1)
        SELECT $run AS run_id, s.campaign_id, s.platform, s.n_accounts, coalesce(span.n_items, 0) AS n_items,
               coalesce(l.layers, []) AS layers, span.first_at, span.last_at, coalesce(c.channels, []) AS channels,
               coalesce(t.targets, []) AS targets, coalesce(cl.cluster_ids, []) AS cluster_ids,
               s.n_accounts || ' accounts acting together (' || array_to_string(coalesce(l.layers, []), ', ')
                 || CASE WHEN coalesce(c.n_channels, 0) > 0 THEN ') across ' || c.n_channels || ' page(s)'
                         WHEN coalesce(span.n_items, 0) > 0 THEN ') in ' || span.n_items || ' item(s) without a page'
                         ELSE '); none of their items is in the case' END
                 || CASE WHEN len(coalesce(cl.cluster_ids, [])) > 0 THEN
                      ', sharing ' || len(cl.cluster_ids) || ' template(s) ('
                      || array_to_string(cl.cluster_ids[1:5], ', ')
                      || CASE WHEN len(cl.cluster_ids) > 5 THEN ', …' ELSE '' END || ')' ELSE '' END AS description
        FROM sizes s LEFT JOIN layers l USING (campaign_id) LEFT JOIN chans c USING (campaign_id)
        LEFT JOIN tgts t USING (campaign_id) LEFT JOIN clus cl USING (campaign_id) LEFT JOIN span USING (campaign_id)
        ORDER BY s.campaign_id
        """.replace("$run", str(int(run_id)))
    )
