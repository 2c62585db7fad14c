"""The report in Chromium: it draws, searches, links, makes no request, and runs no payload."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from report_case import build_report_case

from botwatch.report import write_report
from botwatch.report.render import visible_controls

pytestmark = pytest.mark.browser

PAYLOADS = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "report" / "xss_payloads.json").read_text("utf-8")
)


class Opened:
    """A report page with everything it logged, every request it made and every dialog it opened."""

    def __init__(self, browser, report: Path):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.url = report.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("html[data-ready='1']", timeout=10_000)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def show_network(self) -> None:
        self.page.locator("#bw-network").scroll_into_view_if_needed()
        self.page.wait_for_selector("html[data-network='1']", timeout=10_000)

    def rows(self, table_id: str) -> int:
        return self.page.locator(f"#{table_id} tbody tr").count()

    def search(self, text: str) -> None:
        self.page.fill("#bw-q", text)
        self.page.wait_for_timeout(250)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    build_report_case(root / "case.duckdb", avatar_dir=root / "avatars")
    return write_report(root / "case.duckdb", root / "report.html")


def test_report_draws_searches_and_links(browser, report):
    view = Opened(browser, report)
    page = view.page
    assert page.evaluate("document.documentElement.dataset.network") is None  # drawn only when looked at
    view.show_network()
    assert page.evaluate("window.__bwNetwork.nodes().length") == 6
    assert page.evaluate("window.__bwNetwork.edges().length") == 7
    assert page.locator("#bw-network canvas").count() >= 1
    # search, campaign and flagged filters
    assert view.rows("bw-acc-table") == 10 and view.rows("bw-com-table") == 20
    view.search("Отличная")
    assert view.rows("bw-com-table") == 2 and view.rows("bw-acc-table") == 0
    view.search("")
    page.check("#bw-flagged")
    page.wait_for_timeout(100)
    assert view.rows("bw-acc-table") == 6 and view.rows("bw-com-table") == 10
    page.select_option("#bw-campaign", "C2")
    page.wait_for_timeout(100)
    assert view.rows("bw-acc-table") == 2
    assert page.inner_text("#bw-acc-count") == "(2 matches)"
    # every in-page link (static and script-built) resolves to an element
    unresolved = page.evaluate(
        """Array.from(document.querySelectorAll('a[href^="#"]'))
             .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))"""
    )
    assert unresolved == []
    assert page.locator('a[href="#item-c1"]').count() >= 2
    # clicking a node opens that account's evidence
    page.evaluate("() => { window.__bwNetwork.getElementById('account-bot2').emit('tap'); }")
    assert page.evaluate("location.hash") == "#account-bot2"
    assert view.errors == []
    assert all(u.startswith("file://") for u in view.requests), view.requests
    page.close()


def test_payloads_never_execute_and_show_as_text(browser, tmp_path):
    build_report_case(tmp_path / "case.duckdb", payloads=PAYLOADS, avatar_dir=tmp_path / "avatars")
    report = write_report(tmp_path / "case.duckdb", tmp_path / "report.html")
    view = Opened(browser, report)
    page = view.page
    # make the search tables render every payload-bearing row too, and hover over everything
    view.search("")
    view.show_network()
    page.evaluate("document.querySelectorAll('*').forEach(e => e.dispatchEvent(new MouseEvent('mouseover')))")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert view.dialogs == []
    assert view.errors == [], view.errors  # an injected script blocked by the CSP would log here
    assert all(u.startswith("file://") for u in view.requests), view.requests
    # the page's text (outside the JSON data blocks) holds every payload verbatim, as text nodes
    text = page.evaluate(
        "(() => { const c = document.body.cloneNode(true);"
        " c.querySelectorAll('script').forEach(s => s.remove()); return c.textContent; })()"
    )
    body = re.sub(r"\s+", " ", text)
    for payload in PAYLOADS:
        shown = re.sub(r"\s+", " ", visible_controls(payload)).strip()
        assert shown in body, payload
    page.close()


def test_pseudonymized_report_runs_clean(browser, tmp_path):
    build_report_case(tmp_path / "case.duckdb")
    report = write_report(tmp_path / "case.duckdb", tmp_path / "report.html", pseudonymize=True)
    view = Opened(browser, report)
    view.show_network()
    assert view.page.evaluate("window.__bwNetwork.nodes().length") == 6
    assert "@bot1" not in view.page.inner_text("body")
    assert view.errors == []
    view.page.close()
