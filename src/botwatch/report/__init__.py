"""The self-contained HTML investigation report.

:func:`write_report` reads a case (the latest detection run's results and the data they rest on) and writes one
HTML file that works offline: the graph library (Cytoscape.js, MIT, vendored under ``assets/``), the page's
script and its style are inline, data is embedded as JSON, and a Content-Security-Policy admits only those
exact inline scripts and style (by SHA-256 hash) and ``data:`` images, so the page makes no network request and
runs no other script even if a value escaped its escaping. Everything from the case is treated as hostile.

The page is rendered from Jinja2 templates (``report/templates/``, autoescaped, see :mod:`.render`), one per
section; sections are plugins (:mod:`.sections`, entry-point group ``botwatch.report_sections``), so an
installed package can add one.

Example::

    from botwatch.report import write_report
    write_report("case.duckdb", "report.html", pseudonymize=True)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from importlib.resources import files
from pathlib import Path

from botwatch.export.atomic import write_text_atomic
from botwatch.privacy import Pseudonymizer, open_case
from botwatch.report.account_data import (
    campaign_colours,
    load_accounts,
    load_explore,
    load_impact,
    load_network,
)
from botwatch.report.campaign_data import load_campaigns, load_leads
from botwatch.report.data import (
    ItemCollector,
    ReportData,
    ReportLimits,
    load_findings,
    load_items,
    load_overview,
    load_run,
    make_scoring_tables,
)
from botwatch.report.identity import Identities
from botwatch.report.render import Links, environment
from botwatch.report.sections import Section, collect_sections, explore_data, render_sections

__all__ = ["ReportLimits", "Section", "build_report", "collect_report_data", "embed_json", "write_report"]

DEFAULT_SEED = 0


def _asset(name: str) -> str:
    return files("botwatch.report").joinpath("assets", name).read_text(encoding="utf-8")


def embed_json(value) -> str:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and U+2028/2029 escaped, so no
    string can close the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for ch, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return text


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _search_dirs(con, case_path: Path | None) -> list[Path]:
    dirs = [case_path.parent] if case_path else []
    for (path,) in con.execute(
        "SELECT DISTINCT path FROM sources WHERE path IS NOT NULL ORDER BY path"
    ).fetchall():
        parent = Path(path).parent
        if parent not in dirs:
            dirs.append(parent)
    return dirs


def collect_report_data(
    con, *, pseudonymizer=None, limits: ReportLimits | None = None, case_path=None
) -> ReportData:
    """Everything the page shows, read from an open case connection (temp tables are created on it): the data
    the built-in sections share, then each section's own data step (:mod:`botwatch.report.sections`)."""
    data = _collect_shared(con, pseudonymizer, limits or ReportLimits(), case_path)
    data.sections = collect_sections(con, data)
    return data


def _collect_shared(con, pseudonymizer, limits: ReportLimits, case_path) -> ReportData:
    ids = Identities(pseudonymizer)
    overview = load_overview(con, limits)
    run = load_run(con)
    data = ReportData(
        meta={
            "generated_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "version": __import__("botwatch").__version__,
            "pseudonymized": pseudonymizer is not None,
            "limits": limits,
            "case_name": case_path.name if case_path and pseudonymizer is None else "case",
            "ids": ids,
            "sectioned": set(),
        },
        overview=overview,
        run=run,
    )
    if pseudonymizer is not None:  # file names often name a person or a page; the docs promise they are gone
        for s in overview["sources"].rows:
            s["file_name"] = f"source {s['source_id']}"
    run_id = run["run_id"] if run else None
    if run_id is not None:
        make_scoring_tables(con, run_id)
    data.meta["findings"] = load_findings(con, run_id)
    if run_id is None:
        return data
    collector = ItemCollector(limits.evidence_items)
    data.accounts = load_accounts(con, run_id, limits, ids, collector)
    sectioned = {(a["platform"], a["account_id"]) for a in data.accounts.rows}
    data.meta["search_dirs"] = _search_dirs(con, case_path)
    campaigns, data.campaigns_total = load_campaigns(
        con, run_id, limits, ids, collector, overview["timezone"], data.meta["search_dirs"]
    )
    all_ids = [
        r[0]
        for r in con.execute(
            "SELECT campaign_id FROM campaigns WHERE run_id = ? ORDER BY n_accounts DESC NULLS LAST, campaign_id",
            [run_id],
        ).fetchall()
    ]
    colours = campaign_colours(all_ids)
    for c in campaigns:
        c["colour"] = colours[c["campaign_id"]]
    data.campaigns = campaigns
    data.leads = load_leads(con, run_id, limits, ids, collector)
    seed = run.get("seed")
    data.network = load_network(
        con, run_id, DEFAULT_SEED if seed is None else int(seed), limits, ids, colours
    )
    data.impact = load_impact(con, limits, ids)
    data.items = load_items(con, collector, limits, ids)
    data.items_omitted = len(collector.refused)
    data.explore = load_explore(con, limits, ids, sectioned, collector)
    data.meta["sectioned"] = sectioned
    return data


def build_report(data: ReportData) -> str:
    """The complete HTML page for ``data``: the page template around each section's template."""
    ids = data.meta.get("ids") or Identities()
    campaign_anchors = {c["campaign_id"]: c["anchor"] for c in data.campaigns}
    links = Links(ids, data.meta.get("sectioned", set()), data.items, campaign_anchors)
    css = _asset("report.css")
    scripts = [_asset("cytoscape.min.js"), _asset("report.js")]
    csp = (
        "default-src 'none'; "
        f"script-src {' '.join(_csp_hash(s) for s in scripts)}; "
        f"style-src {_csp_hash(css)}; img-src data:; font-src data:; connect-src 'none'; media-src 'none'; "
        "object-src 'none'; frame-src 'none'; worker-src 'none'; base-uri 'none'; form-action 'none'"
    )
    network = data.network or {"nodes": [], "edges": [], "nodes_total": 0, "edges_total": 0}
    env = environment(tuple(sorted({section.package for section, _ in data.sections})))
    page = env.get_template("botwatch/page.html.j2").render(
        report=data,
        title=f"botwatch report: {data.meta['case_name']}",
        sections=render_sections(data, links, env),
        csp=csp,
        css=css,
        scripts=scripts,
        network_json=embed_json(network),
        explore_json=embed_json(explore_data(data)),
    )
    return page + "\n"  # the template loader drops a file's last newline


def write_report(
    case_path,
    out_path,
    pseudonymize: bool = False,
    *,
    limits: ReportLimits | None = None,
    salt: str | None = None,
) -> Path:
    """Write the HTML report of the case at ``case_path`` to ``out_path`` and return that path.

    ``pseudonymize`` replaces handles, names and ids with salted pseudonyms
    (:class:`botwatch.privacy.Pseudonymizer`) and hides avatars. ``limits`` caps every list (see
    :class:`ReportLimits`)."""
    case_path = Path(case_path)
    out_path = Path(out_path)
    # read-only, after storing the case's salt once if pseudonymising needs one that does not exist yet
    with open_case(case_path, pseudonymize, salt) as case:
        pseudonymizer = Pseudonymizer.for_case(case.con, salt=salt) if pseudonymize else None
        data = collect_report_data(case.con, pseudonymizer=pseudonymizer, limits=limits, case_path=case_path)
    # written beside the target and renamed over it: a kill or a full disk leaves the previous report whole
    return write_text_atomic(out_path, build_report(data))
