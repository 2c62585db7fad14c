"""Flat exports (CSV, JSON Lines, Parquet) and pseudonymised sharing, on a tiny case with known results."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from botwatch.errors import BotwatchError
from botwatch.export import export, neutralize_formula
from botwatch.privacy import Pseudonymizer
from botwatch.store.case import Case

# Everything in the fixture that identifies a person: handles, ids, names, avatar and file paths.
ORIGINALS = [
    "alpha_fan",
    "Alpha_Fan",
    "beta_fan_kz",
    "gamma_fan",
    "delta_news",
    "u1001",
    "u1002",
    "u1003",
    "u1004",
    "msg-p1",
    "msg-c1",
    "msg-c2",
    "msg-c3",
    "=SUM(1+2)",
    "@Beta",
    "Гамма",
    "Delta News",
    "bio of alpha",
    "avatars/",
    "cdn.example",
    "/home/analyst",
]


@pytest.fixture
def case_path(export_case) -> Path:
    """The shared export case (conftest): read by these tests, never written."""
    return export_case


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_accounts_csv_joins_scores_of_latest_run(case_path, tmp_path):
    out = export(case_path, "accounts", "csv", tmp_path / "accounts.csv")
    rows = read_csv(out)
    assert [r["account_id"] for r in rows] == ["u1001", "u1002", "u1003", "u1004"]  # score descending
    first = rows[0]
    assert first["platform"] == "tg" and first["handle"] == "alpha_fan"
    assert first["score"] == "0.9" and first["flagged"] == "true" and first["campaign_id"] == "C1"
    assert first["reasons"] == "'+co-reply with beta_fan_kz | -negative start"
    assert first["created_at"] == "2024-02-01T00:00:00Z"
    # run 1 scored u1003 0.99 and flagged it; only the latest run counts
    assert rows[2]["score"] == "0.1" and rows[2]["flagged"] == "false" and rows[2]["reasons"] == ""


def test_edges_csv_has_required_columns_and_only_latest_run(case_path, tmp_path):
    rows = read_csv(export(case_path, "edges", "csv", tmp_path / "edges.csv"))
    required = "platform account_a account_b layer weight p_value first_at last_at evidence_item_ids".split()
    extra = "q_value significant expected window_s a_leads b_leads median_lag_s".split()
    assert set(required + extra) <= set(rows[0])
    assert [(r["account_a"], r["account_b"], r["layer"]) for r in rows] == [
        ("u1001", "u1002", "co_reply"),
        ("u1001", "u1003", "co_reply"),
        ("u1001", "u1002", "template"),
    ]
    top = rows[0]
    assert top["weight"] == "3" and top["p_value"] == "0.001" and top["q_value"] == "0.002"
    assert top["first_at"] == "2024-03-01T09:00:00Z" and top["last_at"] == "2024-03-01T09:00:05Z"
    assert top["evidence_item_ids"] == "msg-c1 | msg-c2"
    assert rows[1]["q_value"] == "" and rows[1]["significant"] == "false"


def test_formula_cells_are_neutralised_and_survive_a_csv_round_trip(case_path, tmp_path):
    accounts = read_csv(export(case_path, "accounts", "csv", tmp_path / "a.csv"))
    items = read_csv(export(case_path, "items", "csv", tmp_path / "i.csv"))
    names = {r["account_id"]: r["display_name"] for r in accounts}
    assert names["u1001"] == "'=SUM(1+2)*cmd"
    assert names["u1002"].startswith('\'@Beta <b>&"q"</b>')
    assert names["u1003"] == "Гамма\tТаб"  # a tab inside a cell is harmless
    assert accounts[1]["reasons"] == "'@mention start"
    texts = {r["item_id"]: r["text"] for r in items}
    assert texts["msg-c1"] == "'=1+1 Great job @beta_fan_kz! see https://t.me/alpha_fan/5"
    for row in accounts + items:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")) or value.lstrip("+-").isdigit(), (
                value
            )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+7", "+7"),  # a number is data, not a formula (issue 10)
        ("-2", "-2"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
    ],
)
def test_neutralize_formula(cell, expected):
    assert neutralize_formula(cell) == expected
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralize_formula(cell)])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [expected]


def test_jsonl_keeps_lists_and_utc_times(case_path, tmp_path):
    lines = (tmp_path / "x").with_suffix(".jsonl")
    export(case_path, "accounts", "jsonl", lines)
    accounts = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert accounts[0]["reasons"] == ["+co-reply with beta_fan_kz", "-negative start"]
    assert accounts[0]["created_at"] == "2024-02-01T00:00:00Z"
    edges_path = export(case_path, "edges", "jsonl", tmp_path / "edges.jsonl")
    edges = [json.loads(line) for line in edges_path.read_text(encoding="utf-8").splitlines()]
    assert edges[0]["evidence_item_ids"] == ["msg-c1", "msg-c2"]
    assert edges[0]["first_at"] == "2024-03-01T09:00:00Z" and edges[1]["q_value"] is None


def test_parquet_types(case_path, tmp_path):
    table = pq.read_table(export(case_path, "edges", "parquet", tmp_path / "edges.parquet"))
    assert table.num_rows == 3
    assert str(table.schema.field("first_at").type) == "timestamp[us, tz=UTC]"
    assert table.column("evidence_item_ids").to_pylist()[0] == ["msg-c1", "msg-c2"]
    accounts = pq.read_table(export(case_path, "accounts", "parquet", tmp_path / "accounts.parquet"))
    assert accounts.column("reasons").to_pylist()[1] == ["@mention start"]


def test_campaigns_and_evidence(case_path, tmp_path):
    (campaign,) = read_csv(export(case_path, "campaigns", "csv", tmp_path / "c.csv"))
    assert campaign["campaign_id"] == "C1" and campaign["n_accounts"] == "2"
    assert campaign["layers"] == "co_reply | template" and campaign["span_s"] == "5.0"
    assert campaign["channels"] == "news_channel" and campaign["cluster_ids"] == "T1"
    assert campaign["templates"] == "Great job @{handle}!"
    evidence = read_csv(export(case_path, "evidence", "csv", tmp_path / "e.csv"))
    assert [(e["evidence_id"], e["item_ids"]) for e in evidence] == [
        ("E-tg-u1001-1", "msg-c1 | msg-c2"),
        ("E-tg-u1002-1", "msg-c2"),
    ]


LEAD_COLUMNS = (
    "lead_id rank kind platform score max_account_score n_accounts n_items first_at last_at span_s layers "
    "n_significant_pairs min_q_value channels cluster_ids templates account_ids item_ids description reasons"
).split()


def test_leads_csv_latest_run_only_and_formulas_neutralised(case_path, tmp_path):
    (lead,) = read_csv(export(case_path, "leads", "csv", tmp_path / "leads.csv"))  # not run 1's L7
    assert list(lead) == LEAD_COLUMNS
    assert (lead["lead_id"], lead["rank"], lead["kind"], lead["score"]) == ("L1", "1", "text_cluster", "0.3")
    assert lead["account_ids"] == "u1003 | u1004" and lead["cluster_ids"] == "T1"
    assert lead["templates"] == "Great job @{handle}!" and lead["channels"] == "news_channel"
    assert lead["first_at"] == "2024-03-01T09:00:00Z" and lead["span_s"] == "3600.0"
    assert lead["layers"] == "" and lead["min_q_value"] == "0.5" and lead["item_ids"] == "msg-c3 | msg-p1"
    assert lead["description"].startswith("'=2 accounts share template T1")
    assert lead["reasons"].startswith("'-2 accounts posted it | @delta_news and gamma_fan")


def test_leads_jsonl_and_parquet(case_path, tmp_path):
    (lead,) = [
        json.loads(x)
        for x in export(case_path, "leads", "jsonl", tmp_path / "l.jsonl").read_text().splitlines()
    ]
    assert lead["account_ids"] == ["u1003", "u1004"] and lead["layers"] == []
    assert lead["reasons"][0] == "-2 accounts posted it" and lead["last_at"] == "2024-03-01T10:00:00Z"
    table = pq.read_table(export(case_path, "leads", "parquet", tmp_path / "l.parquet"))
    assert table.schema.names == LEAD_COLUMNS and table.num_rows == 1
    assert str(table.schema.field("first_at").type) == "timestamp[us, tz=UTC]"
    assert table.column("account_ids").to_pylist() == [["u1003", "u1004"]]


def test_pseudonymised_leads_use_the_same_tokens_as_accounts(case_path, tmp_path):
    (lead,) = read_csv(export(case_path, "leads", "csv", tmp_path / "l.csv", pseudonymize=True, salt="s"))
    pz = Pseudonymizer("s")
    assert lead["account_ids"] == f"{pz.account('tg', 'u1003')} | {pz.account('tg', 'u1004')}"
    assert lead["item_ids"] == f"{pz.item('tg', 'msg-c3')} | {pz.item('tg', 'msg-p1')}"
    assert "gamma_fan" not in lead["description"] and pz.name("gamma_fan") in lead["description"]
    assert f"@{pz.name('delta_news')} and {pz.name('gamma_fan')}" in lead["reasons"]
    accounts = {
        r["account_id"]
        for r in read_csv(
            export(case_path, "accounts", "csv", tmp_path / "a.csv", pseudonymize=True, salt="s")
        )
    }
    assert set(lead["account_ids"].split(" | ")) <= accounts


def test_export_command_writes_leads(case_path, tmp_path):
    from click.testing import CliRunner

    from botwatch.cli import cli

    out = tmp_path / "leads.csv"
    result = CliRunner().invoke(
        cli, ["export", str(case_path), "--what", "leads", "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert [r["lead_id"] for r in read_csv(out)] == ["L1"]


def test_folder_target_and_errors(case_path, tmp_path):
    assert export(case_path, "edges", "csv", tmp_path) == tmp_path / "edges.csv"
    with pytest.raises(BotwatchError, match="use --what edges"):
        export(case_path, "items", "gexf", tmp_path)
    empty = tmp_path / "empty.duckdb"
    Case(empty).close()
    with pytest.raises(BotwatchError, match="run 'botwatch detect"):
        export(empty, "edges", "csv", tmp_path / "e.csv")
    assert not (tmp_path / "e.csv").exists() and not (tmp_path / "e.csv.partial").exists()


def _cli(args, folder: Path, monkeypatch):
    """Run the CLI in an empty working folder; return its result and what it left there."""
    from click.testing import CliRunner

    from botwatch.cli import cli

    folder.mkdir()
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, args)
    return result, sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "gexf"])
def test_out_dash_writes_one_file_to_stdout(case_path, tmp_path, monkeypatch, fmt):
    """``--out -`` is standard output: the bytes of the file export, and no folder named "-"."""
    what = "edges" if fmt == "gexf" else "accounts"
    expected = export(case_path, what, fmt, tmp_path / f"x.{fmt}").read_bytes()
    result, made = _cli(
        ["export", str(case_path), "--what", what, "--format", fmt, "--out", "-"],
        tmp_path / "cwd",
        monkeypatch,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == expected and made == []
    stream = io.BytesIO()
    assert export(case_path, what, fmt, "-", stream=stream) == Path("-")
    assert stream.getvalue() == expected


def test_out_dash_refuses_sqlite(case_path, tmp_path, monkeypatch):
    result, made = _cli(
        ["export", str(case_path), "--what", "accounts", "--format", "sqlite", "--out", "-"],
        tmp_path / "cwd",
        monkeypatch,
    )
    assert result.exit_code == 1 and made == []
    assert result.output.strip().splitlines() == [
        "Error: --out - (standard output) takes one table (csv, jsonl, parquet or gexf); SQLite writes a "
        "database file and metadata.json beside it: give --out a file or folder"
    ]


def test_gexf_refuses_accounts_and_names_what_it_takes(case_path, tmp_path, monkeypatch):
    result, made = _cli(
        ["export", str(case_path), "--what", "accounts", "--format", "gexf", "--out", "n.gexf"],
        tmp_path / "cwd",
        monkeypatch,
    )
    assert result.exit_code == 1 and made == []
    assert (
        "GEXF holds the account network, not accounts: use --what edges with --format gexf" in result.output
    )
    for what in ("campaigns", "evidence", "items", "leads"):
        with pytest.raises(BotwatchError, match="use --what edges with --format gexf"):
            export(case_path, what, "gexf", tmp_path / "n.gexf")


def test_export_help_and_docs_agree():
    """What ``botwatch export --help`` says of GEXF and ``--out -`` is what docs/exports.md says."""
    from click.testing import CliRunner

    from botwatch.cli import cli
    from botwatch.export import GEXF_WHATS

    help_text = " ".join(CliRunner().invoke(cli, ["export", "--help"]).output.split())
    docs = (Path(__file__).parent.parent / "docs" / "exports.md").read_text(encoding="utf-8")
    gexf_row = next(line for line in docs.splitlines() if line.startswith("| `gexf` |"))
    assert gexf_row.split("|")[2].strip().startswith(" or ".join(f"`{w}`" for w in GEXF_WHATS) + " (")
    assert "GEXF takes edges." in help_text and GEXF_WHATS == ("edges",)
    assert "- writes to standard output (not sqlite)" in help_text
    assert "`--out -` writes the file to standard output" in docs and "needs a path" in docs


# -- pseudonymisation ---------------------------------------------------------------------------------------
def test_pseudonymizer_tokens():
    p = Pseudonymizer("salt-1", handles={"alpha_fan": "alpha_fan"}, account_ids={"u10001": "tg"})
    assert p.account("tg", "u1") == p.account("tg", "u1") != p.account("vk", "u1")
    assert p.account("tg", "u1") != Pseudonymizer("salt-2").account("tg", "u1")
    assert p.account("tg", "u1").startswith("acct_") and len(p.account("tg", "u1")) == 5 + 16
    assert p.item("tg", "m1").startswith("item_") and p.account(None, None) is None
    assert p.name("@Alpha_Fan ") == p.name("alpha_fan")
    text = p.text("hi @Alpha_Fan and alpha_fan, id u10001; @stranger too; plain words stay")
    assert text == (
        f"hi @{p.name('alpha_fan')} and {p.name('alpha_fan')}, id {p.account('tg', 'u10001')}; "
        f"@{p.name('stranger')} too; plain words stay"
    )


@pytest.fixture(scope="module")
def private_case(tmp_path_factory, export_case) -> Path:
    """A copy of its own: the first pseudonymised export stores a random salt in it."""
    return Path(shutil.copyfile(export_case, tmp_path_factory.mktemp("private") / "case.duckdb"))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "gexf", "sqlite"])
def test_pseudonymised_exports_hold_no_originals_and_are_stable(private_case, tmp_path, fmt):
    whats = (
        ["edges"]
        if fmt in ("gexf", "sqlite")
        else ["accounts", "edges", "campaigns", "evidence", "items", "leads"]
    )
    for what in whats:
        written = export(private_case, what, fmt, tmp_path / f"{what}.{fmt}", pseudonymize=True)
        data = written.read_bytes()
        if fmt == "sqlite":
            data += (tmp_path / "metadata.json").read_bytes()
        for original in ORIGINALS:
            assert original.encode() not in data, (what, original)
    again = export(private_case, whats[-1], fmt, tmp_path / "again" / f"x.{fmt}", pseudonymize=True)
    assert again.read_bytes() == (tmp_path / f"{whats[-1]}.{fmt}").read_bytes()
    if fmt == "csv":
        post, first_comment, _, reply = read_csv(tmp_path / "items.csv")  # oldest first
        assert post["channel"] == "news_channel"  # pages where campaigns act stay readable
        assert reply["text"] == f"I disagree with {first_comment['handle']}, gardens matter"
        assert reply["parent_id"] == first_comment["item_id"]


def test_salt_is_stored_once_and_a_given_salt_wins(tmp_path, export_case, copy_case):
    case_path = copy_case(export_case)
    a = read_csv(export(case_path, "accounts", "csv", tmp_path / "a.csv", pseudonymize=True))
    b = read_csv(export(case_path, "accounts", "csv", tmp_path / "b.csv", pseudonymize=True))
    c = read_csv(export(case_path, "accounts", "csv", tmp_path / "c.csv", pseudonymize=True, salt="mine"))
    assert [r["account_id"] for r in a] == [r["account_id"] for r in b]
    assert [r["account_id"] for r in a] != [r["account_id"] for r in c]
    assert c[0]["account_id"] == Pseudonymizer("mine").account("tg", "u1001")
    assert "bio" not in a[0] and "avatar_url" not in a[0]
    # the same account gets the same token in every table of an export
    edges = read_csv(export(case_path, "edges", "csv", tmp_path / "e.csv", pseudonymize=True, salt="mine"))
    assert edges[0]["account_a"] == c[0]["account_id"]
    assert edges[0]["handle_a"] == c[0]["handle"] == Pseudonymizer("mine").name("alpha_fan")
