"""Issue 10, outputs: pseudonymised report and exports leak no bio, handle, file or case name; reports are
written whole or not at all; file-system errors are one line; the CSV formula guard (items 1, 2, 5, 8, 9)."""

from __future__ import annotations

import csv
import errno
import io
import pathlib

import pytest
from click.testing import CliRunner
from report_case import build_report_case

from botwatch.cli import cli
from botwatch.errors import BotwatchError
from botwatch.export import export, neutralize_formula
from botwatch.privacy import Pseudonymizer
from botwatch.report import write_report
from botwatch.store.case import Case

EXPORT_FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "export" / "case.sql"
# planted identifiers (made up): the report and exports must show none of them when pseudonymised
HANDLES = {"bot1": "ivan.petrov", "bot2": "ann_k", "bot3": "nurbot_3", "bot4": "Olga-Smirnova"}
BIO = "Я Жанар из Шымкента, звоните +7 701 555 12 34"
TEMPLATE = "спасибо ivan petrov и ann k, nurbot 0 smirnova за дорогу"
TEXT = "@Olga-Smirnova t.me/Olga-Smirnova https://vk.com/id1234567890 Olga-Smirnova ivan.petrov"
FORBIDDEN = [
    "ivan.petrov",
    "ivan petrov",
    "ann_k",
    "ann k",
    "nurbot",
    "smirnova",
    "1234567890",
    "555 12 34",
    "шымкент",
    "жанар",
    "zhanna_case",
    "marat_dump",
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("planted") / "zhanna_case.duckdb"
    build_report_case(path)
    with Case(path) as case:
        con = case.con
        for account, handle in HANDLES.items():
            con.execute(
                "UPDATE accounts SET handle = ?, bio = ? WHERE account_id = ?", [handle, BIO, account]
            )
        con.execute(
            "INSERT INTO accounts (platform, account_id, handle, display_name, n_items) "
            "VALUES ('vk', '1234567890', 'marat_vk', 'Marat Abenov', 0)"
        )
        con.execute("UPDATE text_clusters SET template = ?, example_text = ?", [TEMPLATE, TEXT])
        con.execute("UPDATE items SET text = ? WHERE kind = 'comment'", [TEXT])
        con.execute("UPDATE sources SET file_name = 'marat_dump.json', path = '/data/marat_dump.json'")
    return path


def _hits(text: str) -> list[str]:
    low = text.casefold()
    return [f for f in FORBIDDEN if f.casefold() in low]


def test_pseudonymised_report_shows_no_bio_handle_file_or_case_name(planted, tmp_path):
    html = write_report(planted, tmp_path / "r.html", pseudonymize=True).read_text("utf-8")
    assert _hits(html) == []
    plain = write_report(planted, tmp_path / "plain.html").read_text("utf-8")
    assert "555 12 34" in plain and "zhanna_case" in plain  # the planting reached the report


@pytest.mark.parametrize("what", ["campaigns", "items", "accounts", "leads"])
def test_pseudonymised_csv_has_no_handles_in_templates_or_texts(planted, tmp_path, what):
    out = export(planted, what=what, fmt="csv", out=tmp_path / f"{what}.csv", pseudonymize=True)
    assert _hits(out.read_text("utf-8")) == []


def test_pseudonymised_sqlite_does_not_carry_the_case_name(tmp_path):
    case = tmp_path / "in" / "zhanna_case.duckdb"
    case.parent.mkdir()
    with Case(case) as c:
        c.con.execute((EXPORT_FIXTURE).read_text(encoding="utf-8"))
    out = export(case, what="items", fmt="sqlite", out=tmp_path, pseudonymize=True)
    assert "zhanna" not in out.name
    assert "zhanna" not in (tmp_path / "metadata.json").read_text("utf-8")


def test_text_pseudonymisation_of_handle_spellings():
    p = Pseudonymizer(
        "s",
        handles={h.casefold(): h for h in HANDLES.values()},
        account_ids={"1234567890": "vk"},
        names=["Marat Abenov"],
    )
    for text in [TEMPLATE, TEXT, "Marat Abenov wrote to ivan@mail.ru", "ANN_K and Ivan-Petrov"]:
        assert _hits(p.text(text)) == [], p.text(text)
        assert "abenov" not in p.text(text).casefold() and "ivan@" not in p.text(text)
    assert p.text("won -187345112 tenge in 2024") == "won -187345112 tenge in 2024"


# -- item 5: atomic report writes ------------------------------------------------------------------------------
def _fail_midway(monkeypatch):
    real = pathlib.Path.write_text

    def write_half(self, data, *args, **kwargs):
        real(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(pathlib.Path, "write_text", write_half)


def test_report_failing_midway_keeps_the_previous_report(planted, tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    before = write_report(planted, out).read_bytes()
    _fail_midway(monkeypatch)
    with pytest.raises(BotwatchError, match="disk is full") as err:
        write_report(planted, out)
    assert "\n" not in str(err.value)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_stale_partial_report_is_removed(planted, tmp_path):
    (tmp_path / "report.html.partial").write_text("<html><body>cut", "utf-8")
    write_report(planted, tmp_path / "report.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


# -- item 8: one-line errors for outputs -----------------------------------------------------------------------
def test_unwritable_out_is_one_line(planted, tmp_path):
    (tmp_path / "file").write_text("x")
    runner = CliRunner()
    for args in (
        ["report", str(planted), "--out", str(tmp_path / "file" / "r.html")],
        [
            "export",
            str(planted),
            "--what",
            "items",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "file" / "x.csv"),
        ],
        ["report", str(planted), "--out", str(tmp_path)],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.output.startswith("Error: cannot write") and result.output.count("\n") == 1, (
            result.output
        )


# -- item 9: CSV formula guard ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ("\n=cmd|' /C calc'!A0", True),
        ("\x00=1+1", True),
        ("\uff1d1+1", True),
        ("\uff0bcmd", True),
        ("-187345112", False),
        ("+77015551234", False),
        ("-12.5", False),
        ("-1+2", True),
        ("-", True),
    ],
)
def test_csv_formula_guard(cell, guarded):
    out = neutralize_formula(cell)
    assert out == ("'" + cell if guarded else cell)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([out])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [out]
