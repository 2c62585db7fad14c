"""Per-campaign views: members, pages and posts worked, activity timeline, templates with their matching
comments, avatars, account creation dates and hour-of-week activity.

A campaign's *worked posts* are the posts under which its member accounts commented. Its timeline compares,
under those posts and within the campaign's active span (padded by 10 %), the comments of its members with
*organic* comments (authors not flagged in this run); the bin width is the smallest of 10 min, 1 h, 3 h, 6 h,
1 day, 1 week or 30 days that gives at most :data:`MAX_BINS` bins.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

from botwatch.detectors import declared_layers
from botwatch.report.data import COMMENT_KINDS, Capped, ItemCollector, ReportLimits, clip, link_evidence, rows
from botwatch.scoring.score import format_seconds

MAX_BINS = 150
BIN_CHOICES = [
    ("10 minutes", timedelta(minutes=10)),
    ("hour", timedelta(hours=1)),
    ("3 hours", timedelta(hours=3)),
    ("6 hours", timedelta(hours=6)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
    ("30 days", timedelta(days=30)),
]
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def choose_bin(span: timedelta) -> tuple[str, timedelta]:
    for name, width in BIN_CHOICES:
        if span / width <= MAX_BINS:
            return name, width
    return BIN_CHOICES[-1]


def _read_picture(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of a picture file or of a zip member's locator (a 4CAT download), when at most ``max_bytes``."""
    from botwatch.images.archive import split_locator
    from botwatch.images.hashing import ImageRefused, read_bounded

    if split_locator(path) is not None:
        try:
            return read_bounded(path, max_bytes)
        except ImageRefused:
            return None
    try:
        if not path.is_file() or path.stat().st_size > max_bytes:
            return None
        return path.read_bytes()
    except OSError:
        return None


def embed_avatar(path_text: str | None, search_dirs: list[Path], max_bytes: int) -> str | None:
    """A ``data:`` URI for a local PNG/JPEG/GIF/WebP avatar of at most ``max_bytes``, else ``None``.
    Relative paths are tried against ``search_dirs``; the type comes from the file's magic bytes, never its
    name, and SVG (which can carry script) is never embedded."""
    if not path_text:
        return None
    candidate = Path(path_text)
    tries = [candidate] if candidate.is_absolute() else [d / candidate for d in search_dirs]
    for path in tries:
        data = _read_picture(path, max_bytes)
        if data is None:
            continue
        mime = next((m for magic, m in IMAGE_MAGIC.items() if data.startswith(magic)), None)
        if mime is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            mime = "image/webp"
        if mime:
            return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    return None


def _timeline(con, campaign_id: str) -> dict | None:
    span = con.execute(
        f"""SELECT min(i.created_at), max(i.created_at) FROM items i JOIN rep_members m USING (platform, account_id)
            WHERE m.campaign_id = ? AND i.kind IN {COMMENT_KINDS}""",
        [campaign_id],
    ).fetchone()
    if span[0] is None:
        return None
    pad = max((span[1] - span[0]) * 0.1, timedelta(minutes=30))
    start, end = span[0] - pad, span[1] + pad
    bin_name, width = choose_bin(end - start)
    got = con.execute(
        f"""WITH c AS (
              SELECT i.platform, i.account_id, coalesce(i.root_id, i.parent_id) AS post, i.created_at
              FROM items i WHERE i.kind IN {COMMENT_KINDS} AND i.created_at BETWEEN ? AND ?),
            mem AS (SELECT platform, account_id FROM rep_members WHERE campaign_id = ?),
            worked AS (SELECT DISTINCT c.platform, c.post FROM c JOIN mem USING (platform, account_id))
            SELECT floor(epoch(c.created_at - ?::TIMESTAMP) / ?)::BIGINT AS b,
                   count(*) FILTER (WHERE mem.account_id IS NOT NULL) AS n_campaign,
                   count(*) FILTER (WHERE mem.account_id IS NULL AND f.account_id IS NULL) AS n_organic
            FROM c SEMI JOIN worked ON c.platform = worked.platform AND c.post IS NOT DISTINCT FROM worked.post
            LEFT JOIN mem USING (platform, account_id)
            LEFT JOIN rep_flagged f USING (platform, account_id)
            GROUP BY b ORDER BY b""",
        [start, end, campaign_id, start, width.total_seconds()],
    ).fetchall()
    n_bins = int((end - start) / width) + 1
    campaign, organic = [0] * n_bins, [0] * n_bins
    for b, n_c, n_o in got:
        if 0 <= b < n_bins:
            campaign[b], organic[b] = n_c, n_o
    return {"start": start, "width": width, "bin": bin_name, "campaign": campaign, "organic": organic}


def _posts(con, campaign_id: str, limit: int, ids) -> Capped:
    got = rows(
        con,
        f"""WITH c AS (
              SELECT i.platform, i.channel, coalesce(i.root_id, i.parent_id) AS post, i.account_id, i.created_at,
                     m.account_id IS NOT NULL AS is_member
              FROM items i LEFT JOIN (SELECT platform, account_id FROM rep_members WHERE campaign_id = ?) m
                USING (platform, account_id) WHERE i.kind IN {COMMENT_KINDS}),
            g AS (
              SELECT platform, post, any_value(channel) AS channel, count(*) FILTER (WHERE is_member) AS n_campaign,
                     count(*) AS n_all, min(created_at) FILTER (WHERE is_member) AS first_at,
                     max(created_at) FILTER (WHERE is_member) AS last_at
              FROM c GROUP BY platform, post HAVING count(*) FILTER (WHERE is_member) > 0)
            SELECT g.*, p.text AS post_text, count(*) OVER () AS total
            FROM g LEFT JOIN items p ON p.platform = g.platform AND p.item_id = g.post
            ORDER BY n_campaign DESC, g.platform, g.post LIMIT ?""",
        [campaign_id, limit],
    )
    for r in got:
        r["post_text"] = clip(ids.text(r["post_text"]), 160)
    return Capped(got, got[0]["total"] if got else 0)


def _templates(
    con, run_id: int, campaign: dict, limits: ReportLimits, ids, collector: ItemCollector
) -> Capped:
    cluster_ids = list(campaign.get("cluster_ids") or [])
    if not cluster_ids:
        cluster_ids = [
            r[0]
            for r in con.execute(
                """SELECT DISTINCT ci.cluster_id FROM cluster_items ci JOIN rep_members m USING (platform, account_id)
                   WHERE ci.run_id = ? AND m.campaign_id = ?""",
                [run_id, campaign["campaign_id"]],
            ).fetchall()
        ]
    if not cluster_ids:
        return Capped([], 0)
    clusters = rows(
        con,
        """SELECT * FROM text_clusters WHERE run_id = ? AND list_contains(?, cluster_id)
           ORDER BY n_items DESC NULLS LAST, cluster_id""",
        [run_id, cluster_ids],
    )
    total = len(clusters)
    for cl in clusters[: limits.templates_per_campaign]:
        cl["template"] = clip(ids.text(cl["template"]), limits.text_chars)
        cl["example_text"] = clip(ids.text(cl["example_text"]), limits.text_chars)
        matches = rows(
            con,
            """SELECT ci.platform, ci.item_id, coalesce(i.account_id, ci.account_id) AS account_id, i.created_at,
                      i.text, ci.similarity, i.channel, count(*) OVER () AS total,
                      CASE WHEN f.account_id IS NOT NULL THEN 'flagged'
                           WHEN m.account_id IS NOT NULL THEN 'member, not flagged'
                           ELSE 'not in the campaign' END AS writer
               FROM cluster_items ci LEFT JOIN items i USING (platform, item_id)
               LEFT JOIN rep_flagged f ON f.platform = ci.platform
                 AND f.account_id = coalesce(i.account_id, ci.account_id)
               LEFT JOIN (SELECT platform, account_id FROM rep_members WHERE campaign_id = ?) m
                 ON m.platform = ci.platform AND m.account_id = coalesce(i.account_id, ci.account_id)
               WHERE ci.run_id = ? AND ci.cluster_id = ?
               ORDER BY i.created_at NULLS LAST, ci.item_id LIMIT ?""",
            [campaign["campaign_id"], run_id, cl["cluster_id"], limits.comments_per_template],
        )
        for m in matches:
            m["text"] = clip(ids.text(m["text"]), limits.text_chars)
            m["linked"] = collector.want(m["platform"], m["item_id"])
        cl["matches"] = Capped(matches, matches[0]["total"] if matches else 0)
    return Capped(clusters[: limits.templates_per_campaign], total)


def _members(con, campaign_id: str, limits: ReportLimits, ids, search_dirs) -> dict:
    members = rows(
        con,
        """SELECT m.platform, m.account_id, a.handle, a.display_name, a.created_at, a.avatar_url, a.avatar_path,
                  a.n_items, s.score, coalesce(s.flagged, false) AS flagged, count(*) OVER () AS total
           FROM rep_members m LEFT JOIN accounts a USING (platform, account_id)
           LEFT JOIN rep_scores s USING (platform, account_id)
           WHERE m.campaign_id = ? ORDER BY s.score DESC NULLS LAST, m.platform, m.account_id""",
        [campaign_id],
    )
    created = [r["created_at"] for r in members if r["created_at"] is not None]
    avatars = []
    for r in members:
        r["handle"] = ids.handle(r["handle"])
        r["display_name"] = ids.name(r["display_name"])
        if ids.pseudonymized:
            r["avatar_url"] = r["avatar_path"] = None
        if len(avatars) < limits.avatars_per_campaign and (r["avatar_url"] or r["avatar_path"]):
            avatars.append(
                {**r, "data_uri": embed_avatar(r["avatar_path"], search_dirs, limits.avatar_bytes)}
            )
    n_avatars = sum(1 for r in members if r["avatar_url"] or r["avatar_path"])
    return {
        "table": Capped(members[: limits.rows_per_table], len(members)),
        "created": created,
        "avatars": Capped(avatars, n_avatars),
    }


def _hour_of_week(con, campaign_id: str, timezone: str) -> list[list[int]]:
    """7×24 counts (Monday first) of the members' items, in ``timezone``."""
    got = con.execute(
        """WITH t AS (SELECT (i.created_at AT TIME ZONE 'UTC') AT TIME ZONE ? AS local
                      FROM items i JOIN rep_members m USING (platform, account_id) WHERE m.campaign_id = ?)
           SELECT isodow(local), hour(local), count(*) FROM t GROUP BY ALL""",
        [timezone, campaign_id],
    ).fetchall()
    grid = [[0] * 24 for _ in range(7)]
    for dow, hour, n in got:
        grid[dow - 1][hour] = n
    return grid


def _campaign_evidence(con, run_id: int, campaign: dict, limits: ReportLimits) -> list[dict]:
    """What holds a campaign together: rows of ``evidence`` about the campaign as a whole (``account_id`` NULL),
    then, per layer, the significant edges among its members and the items they cite, then the templates its
    members posted. Scoring writes evidence per account only, so the per-layer and template rows are what
    this section normally shows."""
    cid = campaign["campaign_id"]
    out = rows(
        con,
        """SELECT * FROM evidence WHERE run_id = ? AND campaign_id = ? AND account_id IS NULL
           ORDER BY weight DESC NULLS LAST, evidence_id LIMIT ?""",
        [run_id, cid, limits.evidence_per_account],
    )
    n = campaign.get("n_members") or campaign.get("n_accounts") or 0
    layers = rows(
        con,
        """WITH e AS (
             SELECT e.* FROM edges e
             JOIN rep_members ma ON ma.platform = e.platform AND ma.account_id = e.account_a AND ma.campaign_id = $2
             JOIN rep_members mb ON mb.platform = e.platform AND mb.account_id = e.account_b AND mb.campaign_id = $2
             WHERE e.run_id = $1 AND e.significant),
           it AS (SELECT DISTINCT layer, platform, unnest(evidence_item_ids) AS item_id FROM e),
           its AS (SELECT it.layer, list(it.item_id ORDER BY i.created_at NULLS LAST, it.item_id) AS item_ids
                   FROM it LEFT JOIN items i USING (platform, item_id) GROUP BY 1),
           tg AS (SELECT layer, count(DISTINCT t) AS n_targets FROM (SELECT layer, unnest(targets) AS t FROM e)
                  GROUP BY 1),
           agg AS (SELECT layer, any_value(platform) AS platform, count(*) AS pairs,
                          len(list_distinct(flatten(list([account_a, account_b])))) AS accounts,
                          sum(weight) AS events, min(q_value) AS q_value, median(median_lag_s) AS lag,
                          max(window_s) AS window_s
                   FROM e GROUP BY 1)
           SELECT agg.*, coalesce(tg.n_targets, 0) AS n_targets, coalesce(its.item_ids, []) AS item_ids
           FROM agg LEFT JOIN tg USING (layer) LEFT JOIN its USING (layer)
           ORDER BY agg.pairs DESC, agg.layer""",
        [run_id, cid],
    )
    declared = declared_layers()
    for r in layers:
        q = "" if r["q_value"] is None else f"; smallest q-value {r['q_value']:.2g}"
        if r["layer"] in declared and declared[r["layer"]].targets == "none":
            text = (
                f"{r['accounts']} of its {n} accounts use the same profile picture ({r['pairs']} pair(s){q})"
            )
        else:
            window = f" within {format_seconds(r['window_s'])}" if r["window_s"] is not None else ""
            lag = f", median gap {format_seconds(r['lag'])}" if r["lag"] is not None else ""
            text = (
                f"{r['pairs']} significant pair(s) link {r['accounts']} of its {n} accounts{window}: "
                f"{r['events'] or 0:,} co-action(s) on {r['n_targets']} target(s){lag}{q}"
            )
        out.append(
            {
                "platform": r["platform"],
                "detector": r["layer"],
                "description": text,
                "item_ids": r["item_ids"],
                "weight": None,
            }
        )
    clusters = list(campaign.get("cluster_ids") or [])
    if clusters:
        got = rows(
            con,
            """SELECT any_value(ci.platform) AS platform, count(DISTINCT ci.account_id) AS accounts,
                      list(DISTINCT ci.item_id) AS item_ids
               FROM cluster_items ci JOIN rep_members m USING (platform, account_id)
               SEMI JOIN (SELECT unnest(?::VARCHAR[]) AS cluster_id) x ON x.cluster_id = ci.cluster_id
               WHERE ci.run_id = ? AND m.campaign_id = ?""",
            [clusters, run_id, cid],
        )
        if got and got[0]["accounts"]:
            g = got[0]
            shown = ", ".join(clusters[:8]) + (f" and {len(clusters) - 8} more" if len(clusters) > 8 else "")
            out.append(
                {
                    "platform": g["platform"],
                    "detector": "template",
                    "description": f"{g['accounts']} of its {n} accounts posted {len(g['item_ids']):,} comments "
                    f"matching template(s) {shown}",
                    "item_ids": sorted(g["item_ids"]),
                    "weight": None,
                }
            )
    return out


def load_leads(con, run_id: int, limits: ReportLimits, ids, collector: ItemCollector) -> Capped:
    """The run's leads (never flags), best rank first: accounts with their scores, templates, example items."""
    leads = rows(
        con,
        "SELECT *, count(*) OVER () AS total FROM leads WHERE run_id = ? ORDER BY rank, lead_id LIMIT ?",
        [run_id, limits.leads],
    )
    for lead in leads:
        platform = lead["platform"]
        lead["anchor"] = ids._anchor("lead", "", lead["lead_id"])
        lead["description"] = ids.text(lead["description"])
        lead["reasons"] = [ids.text(r) for r in lead["reasons"] or []]
        accounts = list(lead["account_ids"] or [])
        scores = dict(
            con.execute(
                """SELECT s.account_id, max(s.score) FROM (SELECT unnest(?::VARCHAR[]) AS account_id) x
                   JOIN rep_scores s ON s.platform = ? AND s.account_id = x.account_id GROUP BY 1""",
                [accounts, platform],
            ).fetchall()
        )
        ranked = sorted(accounts, key=lambda a: (-(scores.get(a) or 0.0), a))
        lead["accounts"] = Capped(
            [(platform, a, scores.get(a)) for a in ranked[: limits.accounts_per_lead]], len(accounts)
        )
        clusters = list(lead["cluster_ids"] or [])
        templates = rows(
            con,
            """SELECT cluster_id, template, n_items, n_accounts FROM text_clusters
               WHERE run_id = ? AND list_contains(?, cluster_id) ORDER BY n_items DESC NULLS LAST, cluster_id""",
            [run_id, clusters],
        )
        for t in templates:
            t["template"] = clip(ids.text(t["template"]), limits.text_chars)
        lead["templates"] = Capped(templates[: limits.templates_per_lead], len(templates))
        item_ids = list(lead["item_ids"] or [])
        lead["items"] = [
            (platform, i, collector.want(platform, i)) for i in item_ids[: limits.items_per_evidence]
        ]
        lead["items_total"] = len(item_ids)
    return Capped(leads, leads[0]["total"] if leads else 0)


def load_campaigns(con, run_id: int, limits: ReportLimits, ids, collector, timezone: str, search_dirs):
    """The run's campaigns, largest first, each with its detailed views; and how many exist in all."""
    campaigns = rows(
        con,
        "SELECT * FROM campaigns WHERE run_id = ? ORDER BY n_accounts DESC NULLS LAST, campaign_id",
        [run_id],
    )
    total = len(campaigns)
    out = []
    for c in campaigns[: limits.campaigns]:
        cid = c["campaign_id"]
        c["anchor"] = ids._anchor("campaign", "", cid)
        c["timeline"] = _timeline(con, cid)
        c["posts"] = _posts(con, cid, limits.rows_per_table, ids)
        c["templates"] = _templates(con, run_id, c, limits, ids, collector)
        c.update(_members(con, cid, limits, ids, search_dirs))
        # _members has one row per member (accounts and rep_scores hold one row per account)
        c["n_members"] = c["table"].total
        c["hour_of_week"] = _hour_of_week(con, cid, timezone)
        c["evidence"] = _campaign_evidence(con, run_id, c, limits)
        c["description"] = ids.text(c.get("description"))
        for ev in c["evidence"]:
            link_evidence(ev, ids, collector, limits)
        out.append(c)
    return out, total
