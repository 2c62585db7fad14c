"""Leads: what almost made it, ranked, and kept apart from the flags.

A *campaign* must contain at least one flagged account. After scoring, :func:`extract_leads`

1. removes every community of :func:`~botwatch.campaigns.assemble.assemble_campaigns` that has no flagged member
   from ``campaigns`` and ``campaign_accounts``, clears ``campaign_id`` in its members' ``account_scores`` and
   ``evidence``, and rewrites their campaign-membership evidence (``member of campaign Cn``) into
   ``member of lead group Ln (...; none flagged, so not a campaign)`` with detector ``lead_group`` (their reasons
   and the ``features`` key follow); the remaining campaigns are renumbered ``C1, C2, ...`` in their old order
   (biggest first) everywhere. Each removed community becomes a lead of kind ``account_group``;
2. turns every cross-account text cluster (``text_clusters``) of the run with at least ``min_accounts`` accounts,
   at most ``max_accounts`` accounts (bigger ones are common phrases, the ``template_max_accounts`` of scoring)
   and no flagged account into a lead of kind ``text_cluster``. Clusters posted by exactly the same accounts are
   one lead; a cluster whose accounts all belong to one ``account_group`` lead is listed in that lead instead;
3. for every campaign that stays, gathers the unflagged accounts outside any community that write its
   templates (at least ``WRITER_MIN_ITEMS`` comments in them, and at least ``WRITER_MIN_SHARE`` of their texts)
   into one lead of kind ``campaign_writers``: who else posts a flagged campaign's texts (an account writing
   for two campaigns goes with the one it wrote more for);
4. ranks all leads by their **score**, the mean account score (``account_scores.score``) of their accounts: how
   close, on average, the accounts came to being flagged. Ties go to the kind in the order of ``LEAD_KINDS``
   (a flagged campaign's other writers first: they post what flagged accounts post), then to more accounts,
   then to the smaller q-value of the edges among them. Rank 1 (``L1``) is the most suspicious lead.

Each lead's ``description`` and ``reasons`` say in words why it is a lead (what its accounts share) and why it is
not flagged (no account flagged; the significance of the edges among them; timing-only links). Leads are never
flags: no lead changes any account's score or flag.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from contextlib import contextmanager

import pyarrow as pa

from botwatch.detectors import declared_layers
from botwatch.store.rows import insert_rows

LEAD_KINDS = ("campaign_writers", "account_group", "text_cluster")  # also the order of ties in the ranking
WRITER_MIN_ITEMS = 2  # comments in a campaign's templates that make an unflagged account one of its writers
WRITER_MIN_SHARE = 0.5  # ... and the share of its texts they must be
ITEMS_PER_LEAD = 100  # item ids kept per lead as examples (the lead's n_items counts them all)


def extract_leads(con, run_id: int, *, min_accounts: int = 3, max_accounts: int = 500) -> dict:
    """Keep as campaigns only communities with a flagged member, write the ``leads`` rows of ``run_id`` and
    return a summary (remaining ``campaigns`` and their ``accounts``, and lead counts)."""
    run = int(run_id)
    con.execute("DELETE FROM leads WHERE run_id = ?", [run])
    communities = _communities(con, run)
    removed = {cid: c for cid, c in communities.items() if not c["flagged"]}
    kept = sorted((c for c in communities.values() if c["flagged"]), key=lambda c: c["order"])
    renamed = {c["campaign_id"]: f"C{i}" for i, c in enumerate(kept, 1)}
    candidates = _candidates(con, run, removed, min_accounts, max_accounts)
    candidates += _campaign_writers(con, run, renamed)
    stats = _stats(con, run, candidates, renamed)
    rows, lead_of_campaign = _lead_rows(run, candidates, stats)
    _rewrite_campaigns(con, run, removed, renamed, lead_of_campaign)
    if rows:
        insert_rows(con, "leads", rows)
    return {
        "campaigns": len(kept),
        "accounts": sum(len(c["accounts"]) for c in kept),
        "campaigns_without_flag": len(removed),
        "leads": len(rows),
        "account_group_leads": sum(1 for c in candidates if c["kind"] == "account_group"),
        "text_cluster_leads": sum(1 for c in candidates if c["kind"] == "text_cluster"),
        "campaign_writers_leads": sum(1 for c in candidates if c["kind"] == "campaign_writers"),
    }


def _candidates(con, run: int, removed: dict, min_accounts: int, max_accounts: int) -> list[dict]:
    """The removed communities (``account_group``, in their old order), then the text clusters of unflagged
    accounts that are not posted only inside one of those groups (``text_cluster``)."""
    candidates = [
        {
            "kind": "account_group",
            "platform": c["platform"],
            "accounts": c["accounts"],
            "cluster_ids": c["cluster_ids"],
            "campaign_id": cid,
        }
        for cid, c in sorted(removed.items(), key=lambda kv: kv[1]["order"])
    ]
    groups = {(c["platform"], a): i for i, c in enumerate(candidates) for a in c["accounts"]}
    for (platform, accounts), cluster_ids in _text_clusters(con, run, min_accounts, max_accounts).items():
        homes = {groups.get((platform, a)) for a in accounts}
        if len(homes) == 1 and None not in homes:
            continue  # posted only inside one account-group lead, which lists the cluster
        candidates.append(
            {
                "kind": "text_cluster",
                "platform": platform,
                "accounts": list(accounts),
                "cluster_ids": cluster_ids,
            }
        )
    return candidates


def _lead_rows(run: int, candidates: list[dict], stats: list[dict]) -> tuple[list[tuple], dict]:
    """The ``leads`` rows, ranked (mean account score, then more accounts, then the smaller q-value, then
    stable keys), and the lead id and size of each removed campaign."""
    order = sorted(
        range(len(candidates)),
        key=lambda k: (
            -stats[k]["score"],
            LEAD_KINDS.index(candidates[k]["kind"]),
            -len(candidates[k]["accounts"]),
            stats[k]["min_q"] if stats[k]["min_q"] is not None else 2.0,
            candidates[k]["platform"],
            candidates[k]["cluster_ids"][:1],
            candidates[k]["accounts"][:1],
        ),
    )
    rows = []
    lead_of_campaign = {}
    for rank, k in enumerate(order, 1):
        c, s = candidates[k], stats[k]
        lead_id = f"L{rank}"
        if c["kind"] == "account_group":
            lead_of_campaign[c["campaign_id"]] = (lead_id, len(c["accounts"]))
        description, reasons = _explain(c, s)
        rows.append(
            {
                "run_id": run,
                "lead_id": lead_id,
                "kind": c["kind"],
                "platform": c["platform"],
                "rank": rank,
                "score": s["score"],
                "max_account_score": s["max_score"],
                "n_accounts": len(c["accounts"]),
                "n_items": s["n_items"],
                "first_at": s["first_at"],
                "last_at": s["last_at"],
                "account_ids": list(c["accounts"]),
                "cluster_ids": list(c["cluster_ids"]),
                "layers": s["layers"],
                "channels": s["channels"],
                "n_significant_pairs": s["sig_pairs"],
                "min_q_value": s["min_q"],
                "item_ids": s["item_ids"],
                "description": description,
                "reasons": reasons,
            }
        )
    return rows, lead_of_campaign


def _communities(con, run: int) -> dict:
    """The run's campaigns as assembled: members, templates and whether any member is flagged."""
    out = {}
    for cid, platform, accounts, flagged, n, clusters in con.execute(
        f"""WITH m AS (SELECT campaign_id, platform, account_id FROM campaign_accounts WHERE run_id = {run}),
                 s AS (SELECT platform, account_id, bool_or(flagged) AS flagged FROM account_scores
                       WHERE run_id = {run} GROUP BY 1, 2)
            SELECT m.campaign_id, any_value(m.platform), list(m.account_id ORDER BY m.account_id),
                   coalesce(bool_or(s.flagged), false), count(*),
                   any_value(coalesce(c.cluster_ids, []::VARCHAR[]))
            FROM m LEFT JOIN s USING (platform, account_id)
            LEFT JOIN (SELECT campaign_id, cluster_ids FROM campaigns WHERE run_id = {run}) c USING (campaign_id)
            GROUP BY 1"""
    ).fetchall():
        out[cid] = {
            "campaign_id": cid,
            "platform": platform,
            "accounts": accounts,
            "flagged": bool(flagged),
            "cluster_ids": list(clusters or []),
            # assemble_campaigns numbers them biggest first; keep that order
            "order": (int(cid[1:]) if re.fullmatch(r"C\d+", cid) else 10**9, -n, cid),
        }
    return out


def _text_clusters(con, run: int, min_accounts: int, max_accounts: int) -> dict:
    """``(platform, accounts) -> cluster ids`` of the clusters with ``min_accounts``..``max_accounts`` accounts
    and none of them flagged; clusters posted by the same accounts are merged."""
    merged: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for cluster_id, platform, accounts in con.execute(
        f"""WITH tc AS (SELECT cluster_id, platform FROM text_clusters
                        WHERE run_id = {run} AND coalesce(n_accounts, 0) <= {int(max_accounts)}),
                 ci AS (SELECT DISTINCT ci.cluster_id, ci.platform, ci.account_id FROM cluster_items ci
                        SEMI JOIN tc ON tc.cluster_id = ci.cluster_id AND tc.platform = ci.platform
                        WHERE ci.run_id = {run} AND ci.account_id IS NOT NULL),
                 fl AS (SELECT DISTINCT platform, account_id FROM account_scores WHERE run_id = {run} AND flagged)
            SELECT ci.cluster_id, ci.platform, list(ci.account_id ORDER BY ci.account_id)
            FROM ci LEFT JOIN fl USING (platform, account_id)
            GROUP BY 1, 2
            HAVING count(*) >= {int(min_accounts)} AND count(fl.account_id) = 0
            ORDER BY 2, 1"""
    ).fetchall():
        merged[(platform, tuple(accounts))].append(cluster_id)
    return {k: sorted(v, key=_natural) for k, v in merged.items()}


def _campaign_writers(con, run: int, renamed: dict) -> list[dict]:
    """One ``campaign_writers`` candidate per kept campaign (``renamed``: old id -> new id) with unflagged
    accounts outside every community that write its templates: at least ``WRITER_MIN_ITEMS`` of their comments
    are in the campaign's templates, and at least ``WRITER_MIN_SHARE`` of their texts."""
    if not renamed:
        return []
    kept = ", ".join(f"'{cid}'" for cid in renamed)
    out = []
    for cid, platform, accounts, clusters in con.execute(
        f"""WITH camp AS (SELECT campaign_id, platform, unnest(cluster_ids) AS cluster_id FROM campaigns
                          WHERE run_id = {run} AND campaign_id IN ({kept})),
            w AS (SELECT camp.campaign_id, ci.platform, ci.account_id, count(DISTINCT ci.item_id) AS n,
                         list(DISTINCT ci.cluster_id) AS clusters
                  FROM cluster_items ci JOIN camp ON camp.platform = ci.platform AND camp.cluster_id = ci.cluster_id
                  WHERE ci.run_id = {run} AND ci.account_id IS NOT NULL
                  GROUP BY 1, 2, 3 HAVING count(DISTINCT ci.item_id) >= {int(WRITER_MIN_ITEMS)}
                  QUALIFY row_number() OVER (PARTITION BY ci.platform, ci.account_id ORDER BY n DESC, campaign_id) = 1),
            tot AS (SELECT platform, account_id, count(*) AS n_all FROM items SEMI JOIN w USING (platform, account_id)
                    WHERE text IS NOT NULL AND trim(text) <> '' GROUP BY 1, 2)
            SELECT w.campaign_id, w.platform, list(w.account_id ORDER BY w.account_id),
                   list_distinct(flatten(list(w.clusters)))
            FROM w JOIN tot USING (platform, account_id)
            ANTI JOIN (SELECT platform, account_id FROM campaign_accounts WHERE run_id = {run}) m
              USING (platform, account_id)
            ANTI JOIN (SELECT platform, account_id FROM account_scores WHERE run_id = {run} AND flagged) f
              USING (platform, account_id)
            WHERE w.n >= {float(WRITER_MIN_SHARE)} * tot.n_all
            GROUP BY 1, 2 ORDER BY 1, 2"""
    ).fetchall():
        out.append(
            {
                "kind": "campaign_writers",
                "platform": platform,
                "accounts": list(accounts),
                "cluster_ids": sorted(clusters, key=_natural),
                "of_campaign": renamed[cid],
            }
        )
    return sorted(out, key=lambda c: _natural(c["of_campaign"]))


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def _stats(con, run: int, candidates: list[dict], renamed: dict) -> list[dict]:
    """Per candidate: member scores, the edges among its accounts, its items and the campaigns its accounts
    are in (under their new names)."""
    stats = [_empty_stats() for _ in candidates]
    if not candidates:
        return stats
    tables = _candidate_tables(candidates)
    for name, table in tables.items():
        con.register(name, table)
    try:
        for step in (_score_stats, _edge_stats, _item_stats, _example_stats):
            step(con, run, stats)
        _campaign_stats(con, run, stats, renamed)
    finally:
        for name in tables:
            con.unregister(name)
    return stats


def _empty_stats() -> dict:
    return {
        "score": 0.0,
        "max_score": 0.0,
        "sig_pairs": 0,
        "layers": [],
        "min_q": None,
        "any_edges": 0,
        "n_items": 0,
        "n_channels": 0,
        "channels": [],
        "first_at": None,
        "last_at": None,
        "item_ids": [],
        "campaigns": {},
    }


def _candidate_tables(candidates: list[dict]) -> dict[str, pa.Table]:
    """The candidates' accounts, their text clusters (of ``text_cluster`` candidates) and the keys of the
    account groups, as Arrow tables to register by these names."""
    members = pa.table(
        {
            "key": [k for k, c in enumerate(candidates) for _ in c["accounts"]],
            "platform": [c["platform"] for c in candidates for _ in c["accounts"]],
            "account_id": [a for c in candidates for a in c["accounts"]],
        }
    )
    clusters = pa.table(
        {
            "key": [
                k for k, c in enumerate(candidates) for _ in c["cluster_ids"] if c["kind"] == "text_cluster"
            ],
            "platform": [
                c["platform"] for c in candidates for _ in c["cluster_ids"] if c["kind"] == "text_cluster"
            ],
            "cluster_id": [
                cid for c in candidates if c["kind"] == "text_cluster" for cid in c["cluster_ids"]
            ],
        },
        schema=pa.schema([("key", pa.int64()), ("platform", pa.string()), ("cluster_id", pa.string())]),
    )
    groups = pa.table({"key": [k for k, c in enumerate(candidates) if c["kind"] == "account_group"]}).cast(
        pa.schema([("key", pa.int64())])
    )
    writers = [
        (k, c["platform"], cid)
        for k, c in enumerate(candidates)
        if c["kind"] == "campaign_writers"
        for cid in c["cluster_ids"]
    ]
    writer_clusters = pa.table(
        {
            "key": [w[0] for w in writers],
            "platform": [w[1] for w in writers],
            "cluster_id": [w[2] for w in writers],
        },
        schema=pa.schema([("key", pa.int64()), ("platform", pa.string()), ("cluster_id", pa.string())]),
    )
    return {
        "_lead_members": members,
        "_lead_clusters": clusters,
        "_lead_groups": groups,
        "_lead_writer_clusters": writer_clusters,
    }


def _score_stats(con, run: int, stats: list[dict]) -> None:
    """Mean and highest account score of the members. Scores have four decimals: summed as decimals, the mean
    is exact whatever order the rows are added in (a float sum in parallel is not, and a mean such as 0.58885
    then rounded either way from run to run)."""
    for key, mean, top in con.execute(
        f"""WITH s AS (SELECT platform, account_id, max(score) AS score FROM account_scores
                       WHERE run_id = {run} GROUP BY 1, 2)
            SELECT m.key, avg(CAST(coalesce(s.score, 0) AS DECIMAL(18, 4))), max(coalesce(s.score, 0))
            FROM _lead_members m LEFT JOIN s USING (platform, account_id) GROUP BY 1"""
    ).fetchall():
        stats[key]["score"] = round(float(mean), 4)
        stats[key]["max_score"] = round(float(top), 4)


def _edge_stats(con, run: int, stats: list[dict]) -> None:
    """Significant pairs, their layers, the smallest q-value and all pairs among the members."""
    for key, sig_pairs, layers, min_q, any_edges in con.execute(
        f"""WITH mem AS (SELECT DISTINCT platform, account_id FROM _lead_members),
            pairs AS (
              SELECT e.platform, e.account_a, e.account_b, bool_or(coalesce(e.significant, false)) AS sig,
                     list(e.layer) FILTER (WHERE e.significant) AS layers, min(e.q_value) AS q
              FROM edges e
              SEMI JOIN mem ma ON ma.platform = e.platform AND ma.account_id = e.account_a
              SEMI JOIN mem mb ON mb.platform = e.platform AND mb.account_id = e.account_b
              WHERE e.run_id = {run} GROUP BY 1, 2, 3)
            SELECT a.key, count(*) FILTER (WHERE p.sig),
                   list_sort(list_distinct(flatten(list(p.layers) FILTER (WHERE p.sig)))), min(p.q), count(*)
            FROM pairs p
            JOIN _lead_members a ON a.platform = p.platform AND a.account_id = p.account_a
            JOIN _lead_members b ON b.key = a.key AND b.platform = p.platform AND b.account_id = p.account_b
            GROUP BY 1"""
    ).fetchall():
        s = stats[key]
        s["sig_pairs"], s["layers"], s["any_edges"] = sig_pairs, list(layers or []), any_edges
        s["min_q"] = None if min_q is None else float(min_q)


# the comments of campaign_writers leads: their accounts' own comments in the campaign's templates
_WRITER_ITEMS = """
    SELECT DISTINCT w.key, i.platform, i.item_id, i.channel, i.created_at FROM _lead_writer_clusters w
    JOIN cluster_items ci ON ci.run_id = {run} AND ci.cluster_id = w.cluster_id AND ci.platform = w.platform
    JOIN _lead_members m ON m.key = w.key AND m.platform = ci.platform AND m.account_id = ci.account_id
    JOIN items i ON i.platform = ci.platform AND i.item_id = ci.item_id"""


def _item_stats(con, run: int, stats: list[dict]) -> None:
    """Items, time span and pages: a text cluster's own comments; an account group's everything its members
    wrote."""
    for key, n_items, first_at, last_at, channels, n_channels in con.execute(
        f"""WITH it AS (
              SELECT DISTINCT c.key, i.platform, i.item_id, i.channel, i.created_at FROM _lead_clusters c
              JOIN cluster_items ci ON ci.run_id = {run} AND ci.cluster_id = c.cluster_id
                AND ci.platform = c.platform
              JOIN items i ON i.platform = ci.platform AND i.item_id = ci.item_id
              UNION ALL
              SELECT m.key, i.platform, i.item_id, i.channel, i.created_at FROM _lead_members m
              SEMI JOIN _lead_groups g ON g.key = m.key
              JOIN items i ON i.platform = m.platform AND i.account_id = m.account_id
              UNION ALL
              SELECT * FROM ({_WRITER_ITEMS.format(run=run)})),
            ch AS (SELECT key, channel, count(*) AS n FROM it WHERE channel IS NOT NULL GROUP BY 1, 2),
            cha AS (SELECT key, list(channel ORDER BY n DESC, channel)[1:10] AS channels, count(*) AS n_channels
                    FROM ch GROUP BY 1),
            agg AS (SELECT key, count(*) AS n_items, min(created_at) AS first_at, max(created_at) AS last_at
                    FROM it GROUP BY 1)
            SELECT agg.key, agg.n_items, agg.first_at, agg.last_at, cha.channels, coalesce(cha.n_channels, 0)
            FROM agg LEFT JOIN cha USING (key)"""
    ).fetchall():
        s = stats[key]
        s["n_items"], s["first_at"], s["last_at"] = n_items, first_at, last_at
        s["channels"], s["n_channels"] = list(channels or []), n_channels


def _example_stats(con, run: int, stats: list[dict]) -> None:
    """Example items: a cluster's comments; an account group's items cited by its significant edges."""
    for key, item_ids in con.execute(
        f"""WITH ex AS (
              SELECT c.key, ci.platform, ci.item_id FROM _lead_clusters c
              JOIN cluster_items ci ON ci.run_id = {run} AND ci.cluster_id = c.cluster_id
                AND ci.platform = c.platform
              UNION
              SELECT key, platform, item_id FROM ({_WRITER_ITEMS.format(run=run)})
              UNION
              SELECT a.key, e.platform, unnest(e.evidence_item_ids) FROM _lead_members a
              SEMI JOIN _lead_groups g ON g.key = a.key
              JOIN edges e ON e.run_id = {run} AND e.significant AND e.platform = a.platform
                AND e.account_a = a.account_id
              JOIN _lead_members b ON b.key = a.key AND b.platform = e.platform AND b.account_id = e.account_b)
            SELECT ex.key, list(ex.item_id ORDER BY i.created_at NULLS LAST, ex.item_id)[1:{ITEMS_PER_LEAD}]
            FROM ex LEFT JOIN items i USING (platform, item_id) GROUP BY 1"""
    ).fetchall():
        stats[key]["item_ids"] = list(item_ids or [])


def _campaign_stats(con, run: int, stats: list[dict], renamed: dict) -> None:
    """The kept campaigns (new names) the members are in, with how many members each."""
    for key, cid, n in con.execute(
        f"""SELECT m.key, ca.campaign_id, count(*) FROM _lead_members m
            JOIN campaign_accounts ca ON ca.run_id = {run} AND ca.platform = m.platform
              AND ca.account_id = m.account_id
            GROUP BY 1, 2"""
    ).fetchall():
        if cid in renamed:
            stats[key]["campaigns"][renamed[cid]] = n


def _q(q: float | None) -> str:
    return "none" if q is None else f"{q:.2g}"


def _explain(c: dict, s: dict) -> tuple[str, list[str]]:
    """The lead's one-line description and its reasons: why it is a lead, and why it is not flagged."""
    n = len(c["accounts"])
    pages = f"{s['n_channels']} page(s)"
    templates = ", ".join(c["cluster_ids"][:5]) + (
        f" and {len(c['cluster_ids']) - 5} more" if len(c["cluster_ids"]) > 5 else ""
    )
    span = ""
    if s["first_at"] is not None:
        span = f" between {s['first_at']:%Y-%m-%d %H:%M} and {s['last_at']:%Y-%m-%d %H:%M} UTC"
    if s["sig_pairs"]:
        coordination = (
            f"{s['sig_pairs']} pair(s) of them are linked by significant edges ({', '.join(s['layers'])}; "
            f"smallest q-value {_q(s['min_q'])})"
        )
        short = f"{s['sig_pairs']} significant pair(s)"
    elif s["any_edges"]:
        coordination = (
            f"no significant coordination edge among them ({s['any_edges']} pair(s) acted together, but no more "
            f"often than chance allows; smallest q-value {_q(s['min_q'])})"
        )
        short = "no significant coordination edge"
    else:
        coordination = (
            "no coordination edge among them (they never acted together within the detectors' windows)"
        )
        short = "no coordination edge"
    not_flagged = (
        f"not flagged: none of its {n} accounts is flagged (mean score {s['score']:.2f}, "
        f"highest {s['max_score']:.2f})"
    )
    reasons = []
    if c["kind"] == "account_group":
        layers = ", ".join(s["layers"]) or "none"
        description = (
            f"{n} accounts linked by significant edges ({layers}) with {s['n_items']} item(s) on {pages}; "
            "none flagged"
        )
        reasons.append(
            f"{n} accounts form a community of significant edges ({layers}): {s['sig_pairs']} linked pair(s), "
            f"smallest q-value {_q(s['min_q'])}; {s['n_items']} item(s) on {pages}{span}"
        )
        if c["cluster_ids"]:
            reasons.append(f"they share text template(s) {templates}")
        else:
            reasons.append("they share no text template")
        timing_layers = {name for name, layer in declared_layers().items() if layer.timing_only}
        if s["layers"] and set(s["layers"]) <= timing_layers and not c["cluster_ids"]:
            reasons.append(
                "their only shared signal is timing (commenting under the same posts within seconds), which "
                "busy accounts under busy posts also show by chance"
            )
        reasons.append(not_flagged + ", so this community is a lead, not a campaign")
    elif c["kind"] == "campaign_writers":
        camp = c["of_campaign"]
        description = (
            f"{n} account(s) not flagged write the templates of campaign {camp} ({templates}; "
            f"{s['n_items']} comments on {pages}); {short}"
        )
        reasons.append(
            f"each wrote at least {WRITER_MIN_ITEMS} comments in the templates of campaign {camp}, at least "
            f"{WRITER_MIN_SHARE:.0%} of its texts ({s['n_items']} comments in all, template(s) {templates}, on "
            f"{pages}{span}), but is not in the campaign: no significant edge links it to the campaign's members"
        )
        reasons.append(coordination)
        reasons.append(not_flagged)
    else:
        plural = "s" if len(c["cluster_ids"]) > 1 else ""
        description = (
            f"{n} accounts share template{plural} {templates} ({s['n_items']} comments on {pages}); {short}; "
            "none flagged"
        )
        reasons.append(
            f"{n} accounts posted {s['n_items']} near-identical comments (template{plural} {templates}) on "
            f"{pages}{span}"
        )
        reasons.append(coordination)
        reasons.append(not_flagged)
    for cid, k in sorted(s["campaigns"].items(), key=lambda kv: _natural(kv[0])):
        reasons.append(f"{k} of them are members of campaign {cid} but not flagged themselves")
    return description, reasons


def _rewrite_campaigns(con, run: int, removed: dict, renamed: dict, lead_of_campaign: dict) -> None:
    """Drop the communities without a flagged member, renumber the others, and keep every table that names a
    campaign (campaigns, campaign_accounts, account_scores, evidence) consistent."""
    changed = {old: new for old, new in renamed.items() if old != new}
    if not removed and not changed:
        return
    home = _move_campaign_ids(con, run, list(removed), changed)
    if not home:
        return
    evidence, scores = _membership_texts(con, run, home)
    new_text: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    ev_rows = []
    for evidence_id, platform, account_id, description in evidence:
        old = home[(platform, account_id)]
        if old in removed:
            lead_id, size = lead_of_campaign[old]
            text = (
                f"member of lead group {lead_id} ({size} accounts linked by significant edges; none flagged, "
                "so not a campaign)"
            )
            detector = "lead_group"
        else:
            text = re.sub(rf"\b{re.escape(old)}\b", changed[old], description or "")
            detector = "campaign"
        new_text[(platform, account_id)][description] = text
        ev_rows.append((evidence_id, platform, account_id, detector, text))
    score_rows = []
    for platform, account_id, reasons, features in scores:
        texts = new_text.get((platform, account_id), {})
        if home[(platform, account_id)] in removed:
            features = _lead_features(features)
        score_rows.append((platform, account_id, [texts.get(r, r) for r in (reasons or [])], features))
    _update_evidence(con, run, ev_rows)
    _update_scores(con, run, score_rows)


@contextmanager
def _registered(con, name: str, table: pa.Table):
    """``table`` visible to SQL as ``name`` for the duration of the block."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _string_table(rows: list[tuple], names: tuple[str, ...], types: dict | None = None) -> pa.Table:
    """Rows as an Arrow table of the named columns (strings unless ``types`` says otherwise)."""
    types = types or {}
    schema = pa.schema([(n, types.get(n, pa.string())) for n in names])
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}, schema=schema)


def _move_campaign_ids(con, run: int, gone: list[str], changed: dict) -> dict:
    """Delete the ``gone`` campaigns and their memberships, clear their id in scores and evidence, rename the
    ``changed`` ones everywhere; return the old campaign of each account of a gone or renamed campaign."""
    # membership, before campaign_accounts changes: which accounts' texts must be rewritten
    member_rows = con.execute(
        f"""SELECT platform, account_id, campaign_id FROM campaign_accounts
            WHERE run_id = {run} AND list_contains(?, campaign_id)""",
        [gone + list(changed)],
    ).fetchall()
    con.execute(f"DELETE FROM campaigns WHERE run_id = {run} AND list_contains(?, campaign_id)", [gone])
    con.execute(
        f"DELETE FROM campaign_accounts WHERE run_id = {run} AND list_contains(?, campaign_id)", [gone]
    )
    mapping = _string_table(list(changed.items()), ("old_id", "new_id"))
    with _registered(con, "_lead_renames", mapping):
        for table in ("account_scores", "evidence"):
            con.execute(
                f"UPDATE {table} SET campaign_id = NULL WHERE run_id = {run} AND list_contains(?, campaign_id)",
                [gone],
            )
        for table in ("campaigns", "campaign_accounts", "account_scores", "evidence"):
            con.execute(
                f"""UPDATE {table} SET campaign_id = r.new_id FROM _lead_renames r
                    WHERE {table}.run_id = {run} AND {table}.campaign_id = r.old_id"""
            )
    return {(p, a): cid for p, a, cid in member_rows}


def _membership_texts(con, run: int, home: dict) -> tuple[list[tuple], list[tuple]]:
    """The campaign-membership evidence rows of the accounts in ``home``, and their reasons and features."""
    keys = _string_table(list(home), ("platform", "account_id"))
    with _registered(con, "_lead_keys", keys):
        evidence = con.execute(
            f"""SELECT e.evidence_id, e.platform, e.account_id, e.description FROM evidence e
                SEMI JOIN _lead_keys k ON k.platform = e.platform AND k.account_id = e.account_id
                WHERE e.run_id = {run} AND e.detector = 'campaign'"""
        ).fetchall()
        scores = con.execute(
            f"""SELECT s.platform, s.account_id, s.reasons, CAST(s.features AS VARCHAR) FROM account_scores s
                SEMI JOIN _lead_keys k ON k.platform = s.platform AND k.account_id = s.account_id
                WHERE s.run_id = {run}"""
        ).fetchall()
    return evidence, scores


def _lead_features(features: str | None) -> str | None:
    """The ``features`` JSON of a member of a removed community: its ``campaign`` key becomes ``lead_group``."""
    if not features:
        return features
    try:
        parsed = json.loads(features)
    except ValueError:
        return features
    if isinstance(parsed, dict) and "campaign" in parsed:
        return json.dumps({("lead_group" if k == "campaign" else k): v for k, v in parsed.items()})
    return features


def _update_evidence(con, run: int, ev_rows: list[tuple]) -> None:
    if not ev_rows:
        return
    table = _string_table(ev_rows, ("evidence_id", "platform", "account_id", "detector", "description"))
    with _registered(con, "_lead_evidence", table):
        con.execute(
            f"""UPDATE evidence SET detector = x.detector, description = x.description FROM _lead_evidence x
                WHERE evidence.run_id = {run} AND evidence.evidence_id = x.evidence_id
                  AND evidence.platform = x.platform AND evidence.account_id = x.account_id"""
        )


def _update_scores(con, run: int, score_rows: list[tuple]) -> None:
    if not score_rows:
        return
    names = ("platform", "account_id", "reasons", "features")
    table = _string_table(score_rows, names, {"reasons": pa.list_(pa.string())})
    with _registered(con, "_lead_scores", table):
        con.execute(
            f"""UPDATE account_scores SET reasons = x.reasons, features = CAST(x.features AS JSON)
                FROM _lead_scores x
                WHERE account_scores.run_id = {run} AND account_scores.platform = x.platform
                  AND account_scores.account_id = x.account_id"""
        )


__all__ = ["LEAD_KINDS", "extract_leads"]
