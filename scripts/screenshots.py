"""PNG screenshots of a report's main views, for reviewing the layout.

    python scripts/screenshots.py REPORT.html OUT_DIR [--chromium /usr/bin/chromium]

Opens the report in headless Chromium (Playwright driving the system browser, no network) and writes
``overview.png``, ``network.png``, ``campaign.png``, ``search.png`` (after typing a query), ``account.png`` and
``items.png`` into OUT_DIR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from botwatch.report.browser import CHROMIUM_ARGS, DEFAULT_CHROMIUM

VIEWS = [
    ("overview", "#overview"),
    ("network", "#network"),
    ("campaign", "section.campaign"),
    ("account", "section.account"),
    ("items", "#items"),
]


def take_screenshots(
    report: Path, out_dir: Path, chromium: str = DEFAULT_CHROMIUM, query: str = ""
) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.resolve().as_uri())
        page.wait_for_selector("html[data-ready='1']")
        page.wait_for_timeout(300)
        # the sticky header would cover element screenshots (CSSOM changes are allowed by the page's CSP)
        page.evaluate("document.querySelector('header').style.position = 'static'")
        for name, selector in VIEWS:
            el = page.query_selector(selector)
            if el is None:
                continue
            el.scroll_into_view_if_needed()
            if name == "network":
                page.wait_for_selector("html[data-network='1']")
                page.wait_for_timeout(300)
            path = out_dir / f"{name}.png"
            el.screenshot(path=str(path)) if name != "overview" else page.screenshot(path=str(path))
            written.append(path)
        if page.query_selector("#bw-q"):
            page.fill("#bw-q", query or "")
            page.wait_for_timeout(300)
            page.locator("#explore").scroll_into_view_if_needed()
            path = out_dir / "search.png"
            page.locator("#explore").screenshot(path=str(path))
            written.append(path)
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--chromium", default=DEFAULT_CHROMIUM)
    parser.add_argument("--query", default="", help="text typed into the search box before its screenshot")
    args = parser.parse_args()
    for path in take_screenshots(args.report, args.out_dir, args.chromium, args.query):
        print(path)


if __name__ == "__main__":
    main()
