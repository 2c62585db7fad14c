"""The tables an export writes: one SQL query per table over the latest run, and which columns pseudonymise how.

Every writer (flat files, GEXF, SQLite) reads the same :class:`TableSpec` queries as Arrow record batches, so a
column means the same thing in every format. Under pseudonymisation each batch goes through
:func:`pseudonymize_batch`: ids and handles become tokens, free texts lose their handles, and columns that only
identify people (avatars, bios, file paths, media URLs) are not selected at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from botwatch.errors import BotwatchError
from botwatch.privacy import Pseudonymizer

BATCH_ROWS = 20_000

# How a column is pseudonymised: the kind of token (for id and name columns) or text rewriting.
ACCOUNT_ID, ITEM_ID, EVIDENCE_ID, NAME, TEXT = "account", "item", "evidence", "name", "text"


@dataclass(frozen=True)
class TableSpec:
    """One exported table.

    ``sql`` is a template with ``{run}`` for the run id and ``{private}`` for the column list that is dropped
    when pseudonymising (each entry ``, expr AS name``); ``transforms`` maps column names to how their values
    are pseudonymised (list columns are mapped element by element); ``needs_run`` says the table only exists
    after ``botwatch detect``.
    """

    name: str
    sql: str
    transforms: dict[str, str] = field(default_factory=dict)
    private: str = ""
    needs_run: bool = True
    description: str = ""

    def query(self, run_id: int | None, pseudonymized: bool) -> str:
        run = "NULL" if run_id is None else str(int(run_id))
        return self.sql.format(run=run, private="" if pseudonymized else self.private)


ACCOUNTS = TableSpec(
    "accounts",
    """SELECT a.platform, a.account_id, a.handle, a.display_name, s.score, coalesce(s.flagged, false) AS flagged,
         s.campaign_id, coalesce(s.reasons, []::VARCHAR[]) AS reasons, a.created_at, a.followers, a.following,
         a.posts_count, a.verified, a.n_items, CAST(s.features AS VARCHAR) AS features{private}
       FROM accounts a
       LEFT JOIN (SELECT * FROM account_scores WHERE run_id = {run}) s USING (platform, account_id)
       ORDER BY s.score DESC NULLS LAST, a.platform, a.account_id""",
    {"account_id": ACCOUNT_ID, "handle": NAME, "display_name": NAME, "reasons": TEXT},
    private=", a.bio, a.avatar_url, a.avatar_path",
    needs_run=False,
    description="One row per account: profile fields, the latest run's score, flag, campaign and reasons.",
)

EDGES = TableSpec(
    "edges",
    """SELECT e.platform, e.account_a, e.account_b, ha.handle AS handle_a, hb.handle AS handle_b, e.layer,
         e.weight, e.p_value, e.q_value, e.significant, e.expected, e.window_s, e.a_leads, e.b_leads,
         e.median_lag_s, e.first_at, e.last_at, e.null_model, e.targets, e.evidence_item_ids
       FROM edges e
       LEFT JOIN accounts ha ON ha.platform = e.platform AND ha.account_id = e.account_a
       LEFT JOIN accounts hb ON hb.platform = e.platform AND hb.account_id = e.account_b
       WHERE e.run_id = {run}
       ORDER BY e.platform, e.layer, e.account_a, e.account_b""",
    {
        "account_a": ACCOUNT_ID,
        "account_b": ACCOUNT_ID,
        "handle_a": NAME,
        "handle_b": NAME,
        "targets": ITEM_ID,
        "evidence_item_ids": ITEM_ID,
    },
    description="One row per account pair and layer: how often they acted together, and how surprising that is.",
)

CAMPAIGNS = TableSpec(
    "campaigns",
    """WITH m AS (SELECT campaign_id, count(*) AS n FROM campaign_accounts WHERE run_id = {run} GROUP BY 1),
       t AS (SELECT c.campaign_id, list(tc.template ORDER BY tc.n_items DESC, tc.cluster_id) AS templates
             FROM (SELECT campaign_id, unnest(cluster_ids) AS cluster_id FROM campaigns WHERE run_id = {run}) c
             JOIN text_clusters tc ON tc.cluster_id = c.cluster_id AND tc.run_id = {run}
             GROUP BY 1)
       SELECT c.campaign_id, c.platform, coalesce(m.n, c.n_accounts) AS n_accounts, c.n_items, c.layers,
         c.first_at, c.last_at, epoch(c.last_at) - epoch(c.first_at) AS span_s, c.channels,
         c.cluster_ids, coalesce(t.templates, []::VARCHAR[]) AS templates, c.targets, c.description
       FROM campaigns c LEFT JOIN m USING (campaign_id) LEFT JOIN t USING (campaign_id)
       WHERE c.run_id = {run}
       ORDER BY n_accounts DESC, c.campaign_id""",
    {"targets": ITEM_ID, "templates": TEXT, "description": TEXT},
    description="One row per campaign: members, layers, time span, pages (channels) and text templates.",
)

EVIDENCE = TableSpec(
    "evidence",
    """SELECT ev.evidence_id, ev.platform, ev.account_id, a.handle, ev.campaign_id, ev.detector, ev.description,
         ev.weight, ev.item_ids
       FROM evidence ev LEFT JOIN accounts a USING (platform, account_id)
       WHERE ev.run_id = {run}
       ORDER BY ev.platform, ev.account_id, ev.evidence_id""",
    {
        "evidence_id": EVIDENCE_ID,
        "account_id": ACCOUNT_ID,
        "handle": NAME,
        "description": TEXT,
        "item_ids": ITEM_ID,
    },
    description="One row per signal behind a score, with the items that show it.",
)

ITEMS = TableSpec(
    "items",
    """SELECT i.platform, i.item_id, i.account_id, a.handle, i.kind, i.parent_id, i.root_id, i.channel,
         i.created_at, i.text, i.lang, i.links, i.hashtags, i.mentions, i.repost_of, i.reactions, i.replies,
         i.reposts, i.views, i.source_id{private}
       FROM items i LEFT JOIN accounts a USING (platform, account_id)
       ORDER BY i.platform, i.created_at, i.item_id""",
    {
        "item_id": ITEM_ID,
        "account_id": ACCOUNT_ID,
        "handle": NAME,
        "parent_id": ITEM_ID,
        "root_id": ITEM_ID,
        "repost_of": ITEM_ID,
        "text": TEXT,
        "links": TEXT,
        "mentions": NAME,
    },
    private=", i.media",
    needs_run=False,
    description="Posts, comments and replies as ingested (without the raw source records).",
)

CAMPAIGN_ACCOUNTS = TableSpec(
    "campaign_accounts",
    """SELECT campaign_id, platform, account_id FROM campaign_accounts WHERE run_id = {run}
       ORDER BY campaign_id, platform, account_id""",
    {"account_id": ACCOUNT_ID},
    description="Which accounts belong to which campaign.",
)

TEXT_CLUSTERS = TableSpec(
    "text_clusters",
    """SELECT cluster_id, platform, template, CAST(slots AS VARCHAR) AS slots, n_items, n_accounts, first_at,
         last_at, example_text
       FROM text_clusters WHERE run_id = {run} ORDER BY n_items DESC, cluster_id""",
    {"template": TEXT, "slots": TEXT, "example_text": TEXT},
    description="Groups of near-identical texts (templates) and the slots that vary between copies.",
)

CLUSTER_ITEMS = TableSpec(
    "cluster_items",
    """SELECT cluster_id, platform, item_id, account_id, similarity FROM cluster_items WHERE run_id = {run}
       ORDER BY cluster_id, platform, item_id""",
    {"item_id": ITEM_ID, "account_id": ACCOUNT_ID},
    description="Which items belong to which text cluster, and how close each is to the template.",
)

SOURCES = TableSpec(
    "sources",
    """SELECT source_id, format, format_reason, platform, timezone, records_read, items_stored,
         accounts_stored, quarantined, duplicates, sha256, botwatch_version, ingested_at{private}
       FROM sources ORDER BY source_id""",
    private=", file_name, path",
    needs_run=False,
    description="The input files, their detected format and what their ingest stored.",
)

LEADS = TableSpec(
    "leads",
    """WITH t AS (SELECT l.lead_id, list(tc.template ORDER BY tc.n_items DESC, tc.cluster_id) AS templates
             FROM (SELECT lead_id, platform, unnest(cluster_ids) AS cluster_id FROM leads WHERE run_id = {run}) l
             JOIN text_clusters tc ON tc.run_id = {run} AND tc.cluster_id = l.cluster_id
               AND tc.platform = l.platform
             GROUP BY 1)
       SELECT l.lead_id, l.rank, l.kind, l.platform, l.score, l.max_account_score, l.n_accounts, l.n_items,
         l.first_at, l.last_at, epoch(l.last_at) - epoch(l.first_at) AS span_s, l.layers,
         l.n_significant_pairs, l.min_q_value, l.channels, l.cluster_ids,
         coalesce(t.templates, []::VARCHAR[]) AS templates, l.account_ids, l.item_ids, l.description, l.reasons
       FROM leads l LEFT JOIN t USING (lead_id)
       WHERE l.run_id = {run}
       ORDER BY l.rank, l.lead_id""",
    {
        "account_ids": ACCOUNT_ID,
        "item_ids": ITEM_ID,
        "templates": TEXT,
        "description": TEXT,
        "reasons": TEXT,
    },
    description="Leads below the threshold, never flags: groups of linked accounts and text templates with no "
    "flagged account, ranked (rank 1 = most suspicious), with why each is a lead and why it is not flagged.",
)

GALLERIES = TableSpec(
    "galleries",
    """SELECT g.gallery, g.sha256, g.hash_kind, g.phash, g.mirror, g.windows, g.width, g.height, g.added_at{private}
       FROM galleries g LEFT JOIN (
         SELECT gallery, file_name, any_value(model) AS face_model, list(encoding ORDER BY face) AS face_encodings
         FROM gallery_faces GROUP BY 1, 2) f ON f.gallery = g.gallery AND f.file_name = g.file_name
       WHERE g.status = 'hashed' ORDER BY g.gallery, g.sha256""",
    private=", g.file_name, f.face_model, f.face_encodings",
    needs_run=False,
    description="Reference galleries: perceptual hashes (never the images) of photos known to be stolen or "
    "generated, so that another newsroom can check its own accounts against them (botwatch gallery add); "
    "with the face encodings of galleries added with --faces (biometric data: left out by --pseudonymize).",
)

SIGNALS = TableSpec(
    "signals",
    """SELECT s.platform, s.account_id, a.handle, s.signal, s.value, s.expected, s.p_value, s.q_value,
         s.significant, s.description, s.item_ids{private}
       FROM account_signals s LEFT JOIN accounts a USING (platform, account_id)
       WHERE s.run_id = {run}
       ORDER BY s.platform, s.account_id, s.signal""",
    {"account_id": ACCOUNT_ID, "handle": NAME, "description": TEXT, "item_ids": ITEM_ID},
    private=", s.group_id",
    description="One row per account and per-account signal (registration cohort, generated name, focus and "
    "rhythm): its value, what the background predicts, p, q, and whether it is significant.",
)

FLAT_TABLES = {t.name: t for t in (ACCOUNTS, EDGES, CAMPAIGNS, EVIDENCE, ITEMS, LEADS, GALLERIES, SIGNALS)}
ALL_TABLES = {
    t.name: t
    for t in (
        SOURCES,
        ACCOUNTS,
        ITEMS,
        CAMPAIGNS,
        CAMPAIGN_ACCOUNTS,
        TEXT_CLUSTERS,
        CLUSTER_ITEMS,
        EDGES,
        EVIDENCE,
        LEADS,
        GALLERIES,
    )
}

# Accounts drawn in the network: every edge end, every campaign member and every flagged account.
NETWORK_NODES = TableSpec(
    "nodes",
    """WITH ids AS (
         SELECT platform, account_a AS account_id FROM edges WHERE run_id = {run}
         UNION SELECT platform, account_b FROM edges WHERE run_id = {run}
         UNION SELECT platform, account_id FROM campaign_accounts WHERE run_id = {run}
         UNION SELECT platform, account_id FROM account_scores WHERE run_id = {run} AND flagged)
       SELECT ids.platform, ids.account_id, a.handle, a.display_name, s.score,
         coalesce(s.flagged, false) AS flagged, s.campaign_id, coalesce(a.n_items, 0) AS n_items
       FROM ids LEFT JOIN accounts a USING (platform, account_id)
       LEFT JOIN (SELECT * FROM account_scores WHERE run_id = {run}) s USING (platform, account_id)
       ORDER BY ids.platform, ids.account_id""",
    {"account_id": ACCOUNT_ID, "handle": NAME, "display_name": NAME},
)


def latest_run(con) -> int | None:
    """The newest run's id (results always come from it), or ``None`` before the first ``botwatch detect``."""
    return con.execute("SELECT max(run_id) FROM runs").fetchall()[0][0]


def require_run(run_id: int | None, case_path, what: str) -> None:
    if run_id is None:
        raise BotwatchError(
            f"{case_path} has no detection results to export as {what}; run 'botwatch detect {case_path}' first"
        )


def read_batches(
    con, spec: TableSpec, run_id: int | None, pz: Pseudonymizer | None
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """The table's schema and its record batches, pseudonymised when ``pz`` is given."""
    cursor = con.cursor()  # one cursor per reader, so two tables can stream at once
    cursor.execute("SET TimeZone = 'UTC'")
    reader = cursor.sql(spec.query(run_id, pz is not None)).to_arrow_reader(BATCH_ROWS)
    if pz is None:
        return reader.schema, iter(reader)
    return reader.schema, (pseudonymize_batch(b, spec.transforms, pz) for b in reader)


def _mapper(kind: str, pz: Pseudonymizer) -> Callable[[str | None, str], str | None]:
    if kind == ACCOUNT_ID:
        return pz.account
    if kind == ITEM_ID:
        return pz.item
    if kind == EVIDENCE_ID:
        return lambda platform, value: pz.token("ev", platform, value)
    if kind == NAME:
        return lambda platform, value: pz.name(value)
    if kind == TEXT:
        return lambda platform, value: pz.text(value)
    raise ValueError(f"unknown pseudonymisation kind {kind!r}")


def pseudonymize_batch(
    batch: pa.RecordBatch, transforms: dict[str, str], pz: Pseudonymizer
) -> pa.RecordBatch:
    """``batch`` with every column named in ``transforms`` mapped through the pseudonymizer."""
    names = batch.schema.names
    if not transforms:
        return batch
    platforms = (
        batch.column(names.index("platform")).to_pylist() if "platform" in names else [None] * batch.num_rows
    )
    columns = list(batch.columns)
    for name, kind in transforms.items():
        if name not in names:
            continue
        i = names.index(name)
        fn = _mapper(kind, pz)
        values = columns[i].to_pylist()
        if pa.types.is_list(columns[i].type) or pa.types.is_large_list(columns[i].type):
            new = [
                None if v is None else [None if x is None else fn(p, x) for x in v]
                for p, v in zip(platforms, values)
            ]
        else:
            new = [None if v is None else fn(p, v) for p, v in zip(platforms, values)]
        columns[i] = pa.array(new, type=columns[i].type)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def iso_z(value: dt.datetime) -> str:
    """A naive-UTC (or aware) datetime as ISO 8601 with ``Z``: ``2024-03-01T09:30:00Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def plain(value):
    """A value ready for JSON text: datetimes as ISO with Z, NaN as None, lists element by element."""
    if isinstance(value, dt.datetime):
        return iso_z(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
