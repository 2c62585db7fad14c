"""Chromium (Debian's, via Playwright) for the report's browser tests; they skip only when it is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from botwatch.report.browser import CHROMIUM_ARGS, DEFAULT_CHROMIUM

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/report_case.py

CHROMIUM = Path(DEFAULT_CHROMIUM)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
