"""Report sections: built-ins through the entry-point group, page order, escaping by default in a third-party
section's template, and one-line errors for a broken section (the worked plugin example, with its section, runs
in tests/test_architecture.py)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from report_case import build_report_case

from botwatch.errors import BotwatchError
from botwatch.report import sections as sections_module
from botwatch.report import write_report
from botwatch.report.sections import report_sections

TEMPLATES = Path(sections_module.__file__).parent / "templates"
BUILTIN = [
    "overview",
    "methods",
    "network",
    "campaigns",
    "avatars",
    "leads",
    "impact",
    "explore",
    "accounts",
    "items",
]


@pytest.fixture(scope="module")
def case_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sections") / "case.duckdb"
    build_report_case(path)
    return path


def test_builtin_sections_come_from_the_entry_points_in_page_order(case_path, tmp_path):
    assert [s.name for s in report_sections()] == BUILTIN
    page = write_report(case_path, tmp_path / "r.html").read_text("utf-8")
    shown = [
        name for name in BUILTIN if name != "avatars"
    ]  # no shared pictures here: the section is left out
    nav = re.search(r"<nav>(.*?)</nav>", page).group(1)
    assert re.findall(r'<a href="#(\w+)">', nav) == shown
    main = page[page.index("<main>") :]
    top = [m.group(1) for m in re.finditer(r'(?:^|</section>|<main>)<section id="(\w+)"', main)]
    assert top == shown


def test_safe_is_only_used_on_markup_botwatch_builds():
    allowed = {
        "css",
        "script",
        "network_json",
        "explore_json",
        "timeline_svg(c.timeline)",
        "creation_histogram_svg(c.created)",
        "heatmap_svg(c.hour_of_week, timezone)",
    }
    used = set()
    for path in TEMPLATES.glob("*.j2"):
        used |= set(re.findall(r"\{\{\s*([^{}]*?)\s*\|\s*safe\s*\}\}", path.read_text("utf-8")))
    assert used == allowed


SECTION_MODULE = """
from botwatch.report import Section


class Echo(Section):
    name, title, order, template = "echo", "Echo", 55, "echo.html.j2"

    def data(self, con, report):
        (n,) = con.execute("SELECT count(*) FROM items WHERE kind = 'comment'").fetchone()
        return {"text": TEXT, "comments": n}


class Typo(Echo):
    name, template = "typo", "typo.html.j2"


class Broken(Echo):
    name = "broken"

    def data(self, con, report):
        raise KeyError("run_id")
"""


@pytest.fixture
def section_package(tmp_path, monkeypatch):
    """A third-party package with three sections, written to a temporary folder and put on the path."""
    package = tmp_path / "site" / "bw_sections_pkg"
    (package / "templates").mkdir(parents=True)
    text = '<script>alert(1)</script> "q" \u202e שלום'
    (package / "__init__.py").write_text(f"TEXT = {text!r}\n" + SECTION_MODULE, encoding="utf-8")
    (package / "templates" / "echo.html.j2").write_text(
        '<section id="echo"><h2>Echo</h2><p id="echo-text">{{ data.text }}</p><p>{{ data.comments }}</p>'
        '<p id="echo-account">{{ links.account("vk", "bot1") }}</p></section>'
    )
    (package / "templates" / "typo.html.j2").write_text('<section id="typo">{{ data.txet }}</section>')
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    module = importlib.import_module("bw_sections_pkg")
    builtins = report_sections()

    def install(*names):
        extra = [getattr(module, n)() for n in names]
        monkeypatch.setattr(
            sections_module, "report_sections", lambda: sorted(builtins + extra, key=lambda s: s.order)
        )

    return install


def test_a_third_party_section_is_escaped_by_default_and_placed_by_its_order(
    case_path, tmp_path, section_package
):
    section_package("Echo")
    page = write_report(case_path, tmp_path / "r.html").read_text("utf-8")
    echo = re.search(r'<p id="echo-text">(.*?)</p>', page).group(1)
    # every printed value goes through the report's escaping: no markup, visible bidi controls, isolated RTL
    assert echo == "<bdi>&lt;script&gt;alert(1)&lt;/script&gt; &#34;q&#34; [U+202E] שלום</bdi>"
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in echo
    assert "[U+202E]" in echo and echo.startswith("<bdi>")
    assert "<p>20</p>" in page  # the report case has 20 comments
    assert (
        page.index('<section id="leads"')
        < page.index('<section id="echo">')
        < page.index('<section id="impact">')
    )
    assert '<a href="#echo">Echo</a>' in page
    assert '<p id="echo-account"><a href="#account-bot1">bot1</a></p>' in page


def test_a_third_party_section_prints_pseudonyms_through_links(case_path, tmp_path, section_package):
    from botwatch.privacy import Pseudonymizer

    section_package("Echo")
    page = write_report(case_path, tmp_path / "p.html", pseudonymize=True, salt="s").read_text("utf-8")
    token = Pseudonymizer("s").account("vk", "bot1")
    shown = re.search(r'<p id="echo-account">(.*?)</p>', page).group(1)
    assert re.fullmatch(rf'<a href="#account-[\w.-]+">{token}</a>', shown) and "bot1" not in shown


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "Typo",
            "report section 'typo' from package 'bw_sections_pkg' failed in its template: UndefinedError",
        ),
        (
            "Broken",
            "report section 'broken' from package 'bw_sections_pkg' failed in its data step: KeyError",
        ),
    ],
)
def test_a_broken_third_party_section_is_one_clear_error(
    case_path, tmp_path, section_package, section, message
):
    section_package(section)
    with pytest.raises(BotwatchError) as caught:
        write_report(case_path, tmp_path / "r.html")
    assert str(caught.value).startswith(message) and "fix or uninstall that package" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "r.html").exists()


def test_an_entry_point_that_is_not_a_section_is_refused(monkeypatch):
    real = sections_module.load_plugin
    monkeypatch.setattr(
        sections_module, "load_plugin", lambda kind, name: dict if name == "items" else real(kind, name)
    )
    with pytest.raises(BotwatchError, match=r"report section 'items' from package 'botwatch' .* is not a "):
        report_sections()
