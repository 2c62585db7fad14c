"""Read what the report shows from a case database: the data covered, and the latest detection run's results.

All selection happens in SQL over the case (DuckDB), with every list capped by :class:`ReportLimits` so the page
stays small whatever the case size; each capped list records how many rows it left out so the page can say so.
Comments are items of kind ``comment`` or ``reply``; the post a comment sits under is ``coalesce(root_id,
parent_id)``. Times are naive UTC as stored; the hour-of-week view converts to the case's timezone.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

COMMENT_KINDS = "('comment', 'reply')"


@dataclass
class ReportLimits:
    """Caps that bound the report's size. Every table that hits its cap says so on the page."""

    campaigns: int = 50  # campaigns with a detailed section
    leads: int = 50  # leads (not flagged) listed, best rank first
    accounts_per_lead: int = 30
    templates_per_lead: int = 3
    rows_per_table: int = 100  # rows in overview, posts and impact tables
    templates_per_campaign: int = 10
    comments_per_template: int = 40
    avatars_per_campaign: int = 60
    account_sections: int = 500  # accounts with an evidence section
    evidence_per_account: int = 25
    items_per_evidence: int = 25
    evidence_items: int = 3000  # items listed (and linkable) in the evidence-items appendix
    network_nodes: int = 1500
    network_edges: int = 5000
    explorer_accounts: int = 20000
    explorer_comments: int = 20000
    text_chars: int = 400  # longer texts are cut with an ellipsis
    avatar_bytes: int = 200_000  # local avatar files larger than this are not embedded


@dataclass
class Capped:
    """A list that may have been cut at a cap: ``rows`` shown, ``total`` that existed."""

    rows: list
    total: int

    @property
    def omitted(self) -> int:
        return max(0, self.total - len(self.rows))


@dataclass
class ReportData:
    meta: dict
    overview: dict
    run: dict | None
    campaigns: list[dict] = field(default_factory=list)
    campaigns_total: int = 0
    leads: Capped = field(default_factory=lambda: Capped([], 0))
    accounts: Capped = field(default_factory=lambda: Capped([], 0))
    items: dict = field(default_factory=dict)  # (platform, item_id) -> row, the evidence-items appendix
    items_omitted: int = 0
    network: dict = field(default_factory=dict)
    impact: dict = field(default_factory=dict)
    explore: dict = field(default_factory=dict)
    sections: list = field(default_factory=list)  # (Section, what its data step returned), in page order


def rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def one(con, sql: str, params=None):
    got = con.execute(sql, params or []).fetchone()
    return got[0] if got else None


def clip(text: str | None, n: int) -> str | None:
    if text is None or len(text) <= n:
        return text
    return text[: n - 1] + "…"


# -- overview -------------------------------------------------------------------------------------------------
def load_overview(con, limits: ReportLimits) -> dict:
    lim = limits.rows_per_table
    sources = rows(
        con,
        """SELECT s.source_id, s.file_name, s.format,
                  coalesce(s.platform, (SELECT string_agg(DISTINCT p.platform, ', ' ORDER BY p.platform) FROM (
                    SELECT platform FROM items WHERE source_id = s.source_id
                    UNION SELECT platform FROM account_observations WHERE source_id = s.source_id) p)) AS platform,
                  s.timezone, s.records_read, s.items_stored, s.accounts_stored, s.quarantined, s.duplicates,
                  s.ingested_at
           FROM sources s ORDER BY s.source_id""",
    )
    platforms = rows(
        con,
        """SELECT platform, count(*) AS items, count(DISTINCT account_id) AS authors,
                  count(*) FILTER (WHERE kind IN """
        + COMMENT_KINDS
        + """) AS comments,
                  min(created_at) AS first_at, max(created_at) AS last_at
           FROM items GROUP BY platform ORDER BY items DESC, platform""",
    )
    kinds = rows(con, "SELECT kind, count(*) AS n FROM items GROUP BY kind ORDER BY n DESC, kind")
    quarantine = rows(
        con, "SELECT reason, count(*) AS n FROM quarantine GROUP BY reason ORDER BY n DESC, reason"
    )
    span = con.execute("SELECT min(created_at), max(created_at), count(*) FROM items").fetchone()
    timezones = Counter(s["timezone"] for s in sources if s["timezone"])
    return {
        "sources": Capped(sources[:lim], len(sources)),
        "platforms": platforms,
        "kinds": kinds,
        "quarantine": Capped(quarantine[:lim], len(quarantine)),
        "quarantined": sum(q["n"] for q in quarantine),
        "first_at": span[0],
        "last_at": span[1],
        "items": span[2],
        "accounts": one(con, "SELECT count(*) FROM accounts"),
        "timezone": timezones.most_common(1)[0][0] if timezones else "UTC",
    }


def load_run(con) -> dict | None:
    got = rows(con, "SELECT * FROM runs ORDER BY run_id DESC LIMIT 1")
    if not got:
        return None
    run = got[0]
    config = run.get("config")
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError:
            config = {"config": config}
    run["config"] = config if isinstance(config, dict) else {"config": config}
    return run


def flatten(config, prefix: str = "") -> list[tuple[str, str]]:
    """Nested config as ``(dotted.key, json value)`` pairs, in key order."""
    out: list[tuple[str, str]] = []
    if isinstance(config, dict):
        for key in sorted(config, key=str):
            out.extend(flatten(config[key], f"{prefix}.{key}" if prefix else str(key)))
    else:
        out.append((prefix or "value", json.dumps(config, ensure_ascii=False, default=str)))
    return out


def make_scoring_tables(con, run_id: int) -> None:
    """Temp tables the other queries join: flagged accounts and campaign membership of the run."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE rep_scores AS
           SELECT platform, account_id, max(score) AS score, bool_or(coalesce(flagged, false)) AS flagged,
                  min(campaign_id) AS campaign_id
           FROM account_scores WHERE run_id = ? GROUP BY 1, 2""",
        [run_id],
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE rep_members AS
           SELECT DISTINCT campaign_id, platform, account_id FROM campaign_accounts WHERE run_id = ?""",
        [run_id],
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE rep_flagged AS
           SELECT platform, account_id, min(campaign_id) AS campaign_id FROM (
             SELECT platform, account_id, campaign_id FROM rep_scores WHERE flagged
             UNION ALL
             SELECT s.platform, s.account_id, m.campaign_id FROM rep_scores s
               JOIN rep_members m USING (platform, account_id) WHERE s.flagged) GROUP BY 1, 2"""
    )


def load_findings(con, run_id: int | None) -> dict:
    if run_id is None:
        return {"campaigns": 0, "flagged": 0, "scored": 0, "comments": 0, "flagged_comments": 0, "leads": 0}
    got = con.execute(
        f"""SELECT count(*), count(f.account_id) FROM items i
            LEFT JOIN rep_flagged f USING (platform, account_id) WHERE i.kind IN {COMMENT_KINDS}"""
    ).fetchone()
    return {
        "campaigns": one(con, "SELECT count(DISTINCT campaign_id) FROM campaigns WHERE run_id = ?", [run_id]),
        "flagged": one(con, "SELECT count(*) FROM rep_flagged"),
        "scored": one(con, "SELECT count(*) FROM rep_scores"),
        "comments": got[0],
        "flagged_comments": got[1],
        "leads": one(con, "SELECT count(*) FROM leads WHERE run_id = ?", [run_id]),
    }


class ItemCollector:
    """Items the page links to, in the order first asked for, up to ``cap``. An item is linkable only if it
    was accepted here; it is then listed once in the evidence-items appendix under its anchor."""

    def __init__(self, cap: int):
        self.cap = cap
        self.keys: dict[tuple[str, str], None] = {}
        self.refused: set[tuple[str, str]] = set()

    def want(self, platform: str, item_id: str) -> bool:
        key = (platform, item_id)
        if key in self.keys:
            return True
        if len(self.keys) >= self.cap:
            self.refused.add(key)
            return False
        self.keys[key] = None
        return True

    def __contains__(self, key) -> bool:
        return key in self.keys


def link_evidence(ev: dict, ids, collector: ItemCollector, limits: ReportLimits) -> None:
    """Prepare one evidence row for the page, in place: its description pseudonymised, ``items`` as
    ``(platform, item_id, linked)`` for the first ``limits.items_per_evidence`` item ids, and ``items_total``
    the number of item ids it cites in all (so the page can say how many it leaves out)."""
    item_ids = ev["item_ids"] or []
    ev["description"] = ids.text(ev["description"])
    ev["items"] = [
        (ev["platform"], i, collector.want(ev["platform"], i)) for i in item_ids[: limits.items_per_evidence]
    ]
    ev["items_total"] = len(item_ids)


def load_items(con, collector: ItemCollector, limits: ReportLimits, ids) -> dict:
    """The appendix rows for every accepted item, keyed by ``(platform, item_id)``, in request order; texts and
    links pseudonymised like every other text when ``ids`` pseudonymises."""
    if not collector.keys:
        return {}
    import pyarrow as pa

    keys = list(collector.keys)
    table = pa.table(
        {"platform": [k[0] for k in keys], "item_id": [k[1] for k in keys], "ord": list(range(len(keys)))}
    )
    con.register("_rep_item_keys", table)
    try:
        got = rows(
            con,
            """SELECT k.ord, k.platform, k.item_id, i.account_id, i.kind, i.channel,
                      coalesce(i.root_id, i.parent_id) AS post, i.created_at, i.text, i.links, i.reactions
               FROM _rep_item_keys k LEFT JOIN items i USING (platform, item_id) ORDER BY k.ord""",
        )
    finally:
        con.unregister("_rep_item_keys")
    out = {}
    for r in got:
        r["text"] = clip(ids.text(r["text"]), limits.text_chars * 2)
        r["links"] = [ids.text(u) for u in r["links"] or []]
        out.setdefault((r["platform"], r["item_id"]), r)
    return out
