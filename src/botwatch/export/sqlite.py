"""A SQLite file of the whole case, ready for Datasette (``datasette serve case.db -m metadata.json``).

Written with Python's ``sqlite3`` (no network, no DuckDB extension). Accounts, items and the result tables of the
latest run get primary keys and FOREIGN KEY constraints; because Datasette only follows single-column foreign
keys, rows carry text keys ``account_key`` (``platform:account_id``) and ``item_key`` (``platform:item_id``)
next to the platform and id columns. Lists are stored as JSON text, timestamps as ISO 8601 UTC text with ``Z``,
booleans as 0/1. Views ``flagged_accounts``, ``campaign_members``, ``comments_by_campaign`` and
``lead_members`` (the accounts of each lead; leads are never flags) answer the first questions; ``items_fts`` (FTS5, when the SQLite build has it) makes ``items.text`` searchable. A
``metadata.json`` beside the file gives Datasette the title, licence note, table descriptions and facets.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from botwatch._version import __version__
from botwatch.errors import BotwatchError
from botwatch.export.tables import ALL_TABLES, plain, read_batches


@dataclass(frozen=True)
class Layout:
    """How one table is laid out in SQLite: derived key columns, primary key, foreign keys, indexes."""

    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # new column -> (platform col, id col)
    primary_key: tuple[str, ...] = ()
    foreign_keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (table, column)
    indexes: tuple[str, ...] = ()
    facets: tuple[str, ...] = ()
    label_column: str | None = None
    sort_desc: str | None = None


LAYOUTS: dict[str, Layout] = {
    "sources": Layout(primary_key=("source_id",), facets=("format", "platform")),
    "campaigns": Layout(primary_key=("campaign_id",), facets=("platform",), label_column="description"),
    "accounts": Layout(
        keys={"account_key": ("platform", "account_id")},
        primary_key=("account_key",),
        foreign_keys={"campaign_id": ("campaigns", "campaign_id")},
        facets=("platform", "flagged", "campaign_id"),
        label_column="handle",
        sort_desc="score",
    ),
    "text_clusters": Layout(primary_key=("cluster_id",), label_column="template", sort_desc="n_items"),
    "items": Layout(
        keys={"item_key": ("platform", "item_id"), "account_key": ("platform", "account_id")},
        primary_key=("item_key",),
        foreign_keys={"account_key": ("accounts", "account_key"), "source_id": ("sources", "source_id")},
        indexes=("account_key", "parent_id", "root_id", "channel", "created_at"),
        facets=("platform", "kind", "channel", "lang"),
    ),
    "campaign_accounts": Layout(
        keys={"account_key": ("platform", "account_id")},
        primary_key=("campaign_id", "account_key"),
        foreign_keys={
            "campaign_id": ("campaigns", "campaign_id"),
            "account_key": ("accounts", "account_key"),
        },
        indexes=("account_key",),
        facets=("campaign_id",),
    ),
    "cluster_items": Layout(
        keys={"item_key": ("platform", "item_id"), "account_key": ("platform", "account_id")},
        primary_key=("cluster_id", "item_key"),
        foreign_keys={
            "cluster_id": ("text_clusters", "cluster_id"),
            "item_key": ("items", "item_key"),
            "account_key": ("accounts", "account_key"),
        },
        indexes=("item_key", "account_key"),
        facets=("cluster_id",),
    ),
    "edges": Layout(
        keys={"account_a_key": ("platform", "account_a"), "account_b_key": ("platform", "account_b")},
        primary_key=("account_a_key", "account_b_key", "layer"),
        foreign_keys={
            "account_a_key": ("accounts", "account_key"),
            "account_b_key": ("accounts", "account_key"),
        },
        indexes=("account_b_key",),
        facets=("layer", "significant", "platform"),
        sort_desc="weight",
    ),
    "evidence": Layout(
        keys={"account_key": ("platform", "account_id")},
        primary_key=("evidence_id",),
        foreign_keys={
            "account_key": ("accounts", "account_key"),
            "campaign_id": ("campaigns", "campaign_id"),
        },
        indexes=("account_key", "campaign_id"),
        facets=("detector", "campaign_id"),
    ),
    "leads": Layout(
        primary_key=("lead_id",),
        indexes=("rank",),
        facets=("kind", "platform"),
        label_column="description",
    ),
    "galleries": Layout(indexes=("phash",), facets=("gallery",)),
}

VIEWS = {
    "flagged_accounts": (
        "Accounts flagged by the latest run, highest score first.",
        """SELECT account_key, platform, account_id, handle, display_name, score, campaign_id, reasons, n_items
           FROM accounts WHERE flagged = 1 ORDER BY score DESC, account_key""",
    ),
    "campaign_members": (
        "Every campaign's accounts, with handles, names and scores.",
        """SELECT ca.campaign_id, c.description AS campaign, a.account_key, a.platform, a.account_id, a.handle,
             a.display_name, a.score, a.flagged, a.n_items
           FROM campaign_accounts ca JOIN accounts a ON a.account_key = ca.account_key
           LEFT JOIN campaigns c ON c.campaign_id = ca.campaign_id
           ORDER BY ca.campaign_id, a.score DESC, a.account_key""",
    ),
    "comments_by_campaign": (
        "Comments and replies written by each campaign's members, oldest first.",
        """SELECT ca.campaign_id, i.item_key, i.platform, i.item_id, i.account_key, a.handle, i.kind, i.channel,
             i.parent_id, i.created_at, i.text
           FROM campaign_accounts ca JOIN items i ON i.account_key = ca.account_key
           JOIN accounts a ON a.account_key = ca.account_key
           WHERE i.kind IN ('comment', 'reply')
           ORDER BY ca.campaign_id, i.created_at, i.item_key""",
    ),
    "lead_members": (
        "Every lead's accounts (leads are not flags), with handles, names and scores; best-ranked lead first.",
        """SELECT l.lead_id, l.rank, l.kind, l.description AS lead, a.account_key, a.platform, a.account_id,
             a.handle, a.display_name, a.score, a.flagged, a.n_items
           FROM leads l, json_each(l.account_ids) j
           JOIN accounts a ON a.account_key = l.platform || ':' || j.value
           ORDER BY l.rank, a.score DESC, a.account_key""",
    ),
}


def _sqlite_type(typ: pa.DataType) -> str:
    if pa.types.is_boolean(typ) or pa.types.is_integer(typ):
        return "INTEGER"
    if pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        return "REAL"
    return "TEXT"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_table(db: sqlite3.Connection, name: str, schema: pa.Schema, layout: Layout) -> list[str]:
    columns = list(layout.keys) + schema.names
    defs = [f"{_quote(k)} TEXT NOT NULL" for k in layout.keys]
    defs += [f"{_quote(f.name)} {_sqlite_type(f.type)}" for f in schema]
    if layout.primary_key:
        defs.append("PRIMARY KEY (" + ", ".join(_quote(c) for c in layout.primary_key) + ")")
    for column, (table, other) in layout.foreign_keys.items():
        defs.append(f"FOREIGN KEY ({_quote(column)}) REFERENCES {_quote(table)}({_quote(other)})")
    db.execute(f"CREATE TABLE {_quote(name)} (\n  " + ",\n  ".join(defs) + "\n)")
    return columns


def _cell(value):
    if isinstance(value, list):
        return json.dumps(plain(value), ensure_ascii=False)
    return plain(value)


def _rows(batch: pa.RecordBatch, layout: Layout):
    data = batch.to_pydict()
    n = batch.num_rows
    keys = []
    for platform_col, id_col in layout.keys.values():
        keys.append([f"{p or ''}:{i}" for p, i in zip(data[platform_col], data[id_col])])
    columns = keys + [[_cell(v) for v in data[name]] for name in batch.schema.names]
    return [tuple(col[r] for col in columns) for r in range(n)]


def _fill(db, con, name: str, run_id, pz) -> int:
    layout = LAYOUTS[name]
    schema, batches = read_batches(con, ALL_TABLES[name], run_id, pz)
    columns = _create_table(db, name, schema, layout)
    insert = (
        f"INSERT INTO {_quote(name)} ({', '.join(_quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    n = 0
    for batch in batches:
        rows = _rows(batch, layout)
        try:
            db.executemany(insert, rows)
        except sqlite3.IntegrityError as exc:
            raise BotwatchError(
                f"cannot write table {name} to SQLite: {exc} (duplicate rows in the case's {name} for one run?)"
            ) from None
        n += len(rows)
    for column in layout.indexes:
        db.execute(f"CREATE INDEX {_quote(f'idx_{name}_{column}')} ON {_quote(name)}({_quote(column)})")
    return n


def _add_fts(db: sqlite3.Connection) -> bool:
    try:
        db.execute("CREATE VIRTUAL TABLE items_fts USING fts5(text, content=[items], content_rowid=rowid)")
    except sqlite3.OperationalError:
        return False
    db.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
    return True


def write_sqlite(con, path: Path, run_id: int | None, pz, *, title: str, db_name: str) -> dict:
    """Write every table of the case (results of ``run_id``) to a new SQLite file; return its metadata."""
    db = sqlite3.connect(path)
    try:
        counts = {name: _fill(db, con, name, run_id, pz) for name in LAYOUTS}
        for name, (_, sql) in VIEWS.items():
            db.execute(f"CREATE VIEW {_quote(name)} AS {sql}")
        fts = _add_fts(db)
        db.commit()
        problems = db.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        db.close()
    if problems:
        table, _, parent, _ = problems[0]
        raise BotwatchError(
            f"SQLite export of {title}: {len(problems)} row(s) of {table} point to no {parent} row"
        )
    return metadata(db_name, title=title, run_id=run_id, counts=counts, fts=fts, pseudonymized=pz is not None)


def metadata(db_name: str, *, title: str, run_id, counts: dict, fts: bool, pseudonymized: bool) -> dict:
    """Datasette metadata: title, description, source, licence note, table descriptions and facets."""
    tables = {}
    for name, layout in LAYOUTS.items():
        entry = {"description": f"{ALL_TABLES[name].description} {counts.get(name, 0)} rows."}
        if layout.facets:
            entry["facets"] = list(layout.facets)
        if layout.label_column:
            entry["label_column"] = layout.label_column
        if layout.sort_desc:
            entry["sort_desc"] = layout.sort_desc
        tables[name] = entry
    for name, (description, _) in VIEWS.items():
        tables[name] = {"description": description}
    if fts:
        tables["items"]["fts_table"] = "items_fts"
    privacy = (
        "Pseudonymised: ids, handles and names are salted hashes; avatars, bios, media and file paths removed."
        if pseudonymized
        else "Contains handles, names and texts of real people: keep it private."
    )
    run = f"run {run_id}" if run_id is not None else "no detection run yet"
    return {
        "title": title,
        "description": f"botwatch results ({run}): accounts, items, coordination edges, campaigns, evidence and "
        "leads (below the threshold, not flagged). " + privacy,
        "source": f"botwatch {__version__}",
        "license": "Third-party social-media data; share only as your data-access terms and data-protection "
        "law allow",
        "databases": {db_name: {"tables": tables}},
    }
