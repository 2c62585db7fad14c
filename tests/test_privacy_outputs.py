"""Issue 10: a privacy test over every output. The inputs carry made-up handles, ids, names, bios, phone numbers
and profile URLs in every field and inside the texts (dots, hyphens, underscores, Cyrillic and Latin); after a
real ingest and detection, every pseudonymised output (report, CSV, JSON Lines and Parquet of every table, GEXF,
SQLite with its metadata) is searched for each of them, and the test lists the format and field of every hit."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from botwatch.export import WHATS, export
from botwatch.ingest import ingest
from botwatch.ingest.base import IngestOptions
from botwatch.pipeline import detect_case
from botwatch.report import write_report
from botwatch.store.case import Case

# (account id, handle, display name) of the planted accounts; all made up
BOTS = [
    ("1234567890", "ivan.petrov", "Иван Петров"),
    ("u_ann_k77", "ann_k", "Ann Kowalska"),
    ("77001112233", "nurbot_3", "Nur Botov"),
    ("olga_sm_0042", "Olga-Smirnova", "Ольга Смирнова"),
    ("id_marat_abenov", "marat.abenov", "Marat Abenov"),
    ("9988776655", "zhanar_s", "Жанар Садыкова"),
]
HUMANS = [(f"77{i:08d}", f"citizen_{i:02d}", f"Resident Number{i}") for i in range(12)]
BIO = "Я {name}, Шымкент, звоните +7 701 555 12 34, пишите dana.koval@mail.kz, t.me/{handle}"
TEMPLATE = (
    "Спасибо @Olga-Smirnova и ivan.petrov за {what}! Пишите ann_k или nurbot_3, "
    "звоните +7 701 555 12 34, t.me/Olga-Smirnova https://vk.com/id1234567890 Marat Abenov"
)
WHAT = ["новую дорогу", "отличный мост", "чистый парк"]
# every spelling that must not survive pseudonymisation (matched case-insensitively)
PLANTED = [
    "ivan.petrov", "ivan petrov", "ivan_petrov", "иван петров", "ann_k", "ann k", "kowalska", "nurbot",
    "olga-smirnova", "smirnova", "смирнова", "marat.abenov", "marat abenov", "abenov", "zhanar", "садыкова",
    "1234567890", "u_ann_k77", "77001112233", "olga_sm_0042", "id_marat_abenov", "9988776655",
    "citizen", "resident number", "555 12 34", "dana.koval", "шымкент", "botov", "ann к", "аnn k",
]  # fmt: skip


def _write_inputs(folder: Path) -> Path:
    t0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    rows = []
    n = 0
    for p in range(6):  # six posts; the planted accounts comment on each within seconds, with one template
        post = f"wall-1_{100 + p}"
        rows.append(
            [post, "page_official", "page_official", "City News", t0 + dt.timedelta(hours=p), "Новость", ""]
        )
        for b, (acc, handle, name) in enumerate(BOTS):
            n += 1
            when = t0 + dt.timedelta(hours=p, seconds=20 + 4 * b)
            text = TEMPLATE.replace("{what}", WHAT[(p + b) % 3])
            rows.append([f"wall-1_{100 + p}_c{n}", acc, handle, name, when, text, post])
        for h, (acc, handle, name) in enumerate(HUMANS[p::3]):
            n += 1
            when = t0 + dt.timedelta(hours=p, minutes=7 + 11 * h)
            text = f"Моё мнение номер {n}: {['хорошо', 'плохо', 'посмотрим'][h % 3]}, {handle} согласен"
            rows.append([f"wall-1_{100 + p}_c{n}", acc, handle, name, when, text, post])
    path = folder / "marat_abenov_export.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["item_id", "account_id", "handle", "display_name", "created_at", "text", "parent_id", "bio",
                    "avatar_url", "links", "mentions"])  # fmt: skip
        for item, acc, handle, name, when, text, parent in rows:
            bio = BIO.format(name=name, handle=handle)
            avatar = f"https://vk.com/images/{handle}.jpg"
            links = f"https://vk.com/{handle}" if parent else ""
            w.writerow([item, acc, handle, name, when.isoformat(), text, parent, bio, avatar, links, handle])
    return path


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("privacy")
    case_path = folder / "ivan_petrov_case.duckdb"
    with Case(case_path) as case:
        (summary,) = ingest(case, [_write_inputs(folder)], IngestOptions(platform="vk"))
        assert summary.quarantined == 0, summary
        detect_case(case, seed=3)
        n_templates = case.con.execute("SELECT count(*) FROM text_clusters").fetchall()[0][0]
    assert n_templates > 0  # the planted template reached detection, so templates are searched too
    out = folder / "out"
    files = {"report": write_report(case_path, out / "report.html", pseudonymize=True)}
    for what in WHATS:
        for fmt in ("csv", "jsonl", "parquet"):
            files[f"{fmt}:{what}"] = export(case_path, what, fmt, out / f"{what}.{fmt}", pseudonymize=True)
    files["gexf"] = export(case_path, "edges", "gexf", out / "net.gexf", pseudonymize=True)
    files["sqlite"] = export(case_path, "items", "sqlite", out, pseudonymize=True)
    files["sqlite:metadata.json"] = out / "metadata.json"
    return files


def _fields(label: str, path: Path):
    """(field, text) pairs of one output file."""
    if label.startswith("csv:"):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                yield from row.items()
    elif label.startswith("jsonl:"):
        for line in path.read_text("utf-8").splitlines():
            for k, v in json.loads(line).items():
                yield k, json.dumps(v, ensure_ascii=False)
    elif label.startswith("parquet:"):
        table = pq.read_table(path)
        for name in table.column_names:
            yield name, json.dumps(table.column(name).to_pylist(), ensure_ascii=False, default=str)
        yield "schema metadata", str(table.schema.metadata)
    elif label == "sqlite":
        db = sqlite3.connect(path)
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            cur = db.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cur.description]
            for row in cur.fetchall():
                yield from ((f"{table}.{n}", str(v)) for n, v in zip(names, row))
        yield "schema", "\n".join(r[0] or "" for r in db.execute("SELECT sql FROM sqlite_master").fetchall())
        db.close()
    else:  # report, GEXF, metadata: the whole text, hits shown with their context
        yield "text", path.read_text("utf-8")
    yield "file name", path.name


@pytest.mark.slow
def test_no_planted_identifier_in_any_pseudonymised_output(outputs):
    hits = []
    for label, path in outputs.items():
        for field, text in _fields(label, path):
            low = text.casefold()
            for planted in PLANTED:
                i = low.find(planted.casefold())
                if i >= 0:
                    hits.append(f"{label} / {field}: {planted!r} in …{text[max(0, i - 40) : i + 40]!r}…")
    assert hits == [], f"{len(hits)} hits:\n" + "\n".join(hits[:60])


def test_times_and_numbers_survive_pseudonymisation(outputs):
    text = outputs["csv:leads"].read_text("utf-8") + outputs["report"].read_text("utf-8")
    assert "[phone]:" not in text  # a date and time is not a phone number
    assert "2024-05-01" in text


def test_the_outputs_are_not_empty(outputs):
    assert len(outputs) == 1 + 3 * len(WHATS) + 3
    for label in ("csv:items", "csv:accounts", "csv:campaigns", "report", "gexf"):
        assert outputs[label].stat().st_size > 200, label
