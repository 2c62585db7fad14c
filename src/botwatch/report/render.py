"""HTML for each part of the report, built as strings in which every value from the case goes through
:func:`show` (escape, isolate, make bidi controls visible) or :func:`attr`; only ``http``/``https`` URLs become
links, and then with ``rel="noopener noreferrer"``. Anchors come from :class:`~botwatch.report.identity.Identities`
and contain only ``[A-Za-z0-9_.-]``."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from botwatch.catalog import setting_help
from botwatch.report.charts import creation_histogram_svg, heatmap_svg, timeline_svg
from botwatch.report.data import Capped, flatten

BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
SLOT = re.compile(r"\{[^{}]*\}")
_URL_BAD = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")


def visible_controls(text: str) -> str:
    """Bidi overrides and isolates replaced by a visible ``[U+202E]`` so they cannot disguise text."""
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def show(value) -> str:
    """Any value as escaped HTML text ('' for None), right-to-left text isolated in ``<bdi>``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    text = escape(visible_controls(str(value)))
    # right-to-left text is isolated so it cannot reorder what surrounds it
    return f"<bdi>{text}</bdi>" if RTL.search(text) else text


def attr(value: str) -> str:
    return escape(str(value), quote=True)


def safe_url(url) -> str | None:
    """``url`` if it is a plain absolute http(s) URL, else ``None``."""
    if not isinstance(url, str) or _URL_BAD.search(url) or BIDI_CONTROLS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def url_html(url) -> str:
    ok = safe_url(url)
    if ok is None:
        return f'<span class="url">{show(url)}</span>' if url else ""
    return f'<a class="url" href="{attr(ok)}" rel="noopener noreferrer" target="_blank">{show(ok)}</a>'


def swatch(colour: str) -> str:
    return (
        f'<svg class="swatch" width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{attr(colour)}"/></svg>'
    )


def pct(part, whole) -> str:
    if not whole:
        return "–"
    return f"{100.0 * part / whole:.1f}%"


def meter(part, whole) -> str:
    if not whole:
        return ""
    return f'<meter min="0" max="1" value="{part / whole:.4f}"></meter>'


def capped_note(capped: Capped, what: str) -> str:
    if not capped.omitted:
        return ""
    return (
        f'<p class="cap">Showing the first {len(capped.rows):,} of {capped.total:,} {escape(what)}; '
        f"{capped.omitted:,} more are left out of this report to bound its size (see the case database).</p>"
    )


def table(headers: list[str], body_rows: list[list[str]], cls: str = "") -> str:
    """A table from pre-rendered cells (each cell must already be safe HTML)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in body_rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def template_html(template: str | None) -> str:
    """A template with its varying slots (``{a/b}``) highlighted."""
    if not template:
        return ""
    out, pos = [], 0
    for m in SLOT.finditer(template):
        out.append(show(template[pos : m.start()]))
        out.append(f'<mark class="slot">{show(m.group())}</mark>')
        pos = m.end()
    out.append(show(template[pos:]))
    return "".join(out)


class Links:
    """Renders links to account sections and evidence items, or plain labels where the target is not on the
    page (a link is emitted only when its anchor exists)."""

    def __init__(self, ids, sectioned: set, items: dict, campaigns: dict):
        self.ids = ids
        self.sectioned = sectioned
        self.items = items
        self.campaigns = campaigns  # campaign_id -> anchor of its section

    def account(self, platform, account_id, label=None) -> str:
        if account_id is None:
            return ""
        text = show(label or self.ids.account_label(platform, account_id))
        if (platform, account_id) in self.sectioned:
            return f'<a href="#{self.ids.account_anchor(platform, account_id)}">{text}</a>'
        return text

    def item(self, platform, item_id, linked: bool = True) -> str:
        text = show(self.ids.item_label(platform, item_id))
        if linked and (platform, item_id) in self.items:
            return f'<a class="item-link" href="#{self.ids.item_anchor(platform, item_id)}">{text}</a>'
        return f'<span class="unlinked" title="not included in this report">{text}</span>'

    def post(self, platform, post_id) -> str:
        """A post's id as plain text (under pseudonymisation its item pseudonym)."""
        if post_id is None:
            return ""
        return show(self.ids.item_label(platform, post_id))

    def campaign(self, campaign_id) -> str:
        if not campaign_id:
            return ""
        anchor = self.campaigns.get(campaign_id)
        return f'<a href="#{anchor}">{show(campaign_id)}</a>' if anchor else show(campaign_id)


# -- overview and methods -------------------------------------------------------------------------------------
def overview_html(data, links: Links) -> str:
    ov, f = data.overview, data.meta["findings"]
    src_rows = [
        [
            show(s["file_name"]),
            show(s["format"]),
            show(s["platform"]),
            show(s["timezone"]),
            show(s["records_read"]),
            show(s["items_stored"]),
            show(s["accounts_stored"]),
            show(s["quarantined"]),
            show(s["duplicates"]),
        ]
        for s in ov["sources"].rows
    ]
    plat_rows = [
        [show(p["platform"]), show(p["items"]), show(p["comments"]), show(p["authors"])]
        + [show(p["first_at"]), show(p["last_at"])]
        for p in ov["platforms"]
    ]
    q_rows = [[show(q["reason"]), show(q["n"])] for q in ov["quarantine"].rows]
    kinds = ", ".join(f"{show(k['kind'])}: {k['n']:,}" for k in ov["kinds"]) or "none"
    camp_rows = [
        [
            links.campaign(c["campaign_id"]),
            show(c["n_members"]),
            show(c["n_items"]),
            show(", ".join(c.get("layers") or [])),
            show(c["first_at"]),
            show(c["last_at"]),
            show(c.get("description")),
        ]
        for c in data.campaigns
    ]
    found = (
        f'<div class="cards"><div class="card"><b id="n-campaigns">{f["campaigns"]:,}</b> campaigns</div>'
        f'<div class="card"><b id="n-flagged">{f["flagged"]:,}</b> flagged accounts '
        f"(of {f['scored']:,} scored)</div>"
        f'<div class="card"><b id="share-flagged">{pct(f["flagged_comments"], f["comments"])}</b> of comments '
        f"({f['flagged_comments']:,} of {f['comments']:,}) came from flagged accounts</div></div>"
    )
    n_leads = f.get("leads") or 0
    see = ' (see <a href="#leads">Leads</a>)' if n_leads else ""
    found += (
        f'<div class="cards lead-cards"><div class="card lead-card"><b id="n-leads">{n_leads:,}</b> leads below '
        f'the threshold, <b class="inline">not flagged</b>: groups and templates that almost made it{see}</div></div>'
    )
    if data.run is None:
        found = '<p class="cap">No detection run in this case yet: run <code>botwatch detect CASE</code>.</p>'
    return f"""<section id="overview"><h2>Overview</h2>
<h3>Data covered</h3>
<p>{ov["items"]:,} items ({kinds}) by {ov["accounts"]:,} accounts, from {show(ov["first_at"])} to
{show(ov["last_at"])} UTC. {ov["quarantined"]:,} records were quarantined.</p>
<h4>Sources</h4>{table(["file", "format", "platform", "timezone", "records", "items", "accounts", "quarantined", "duplicates"], src_rows)}
{capped_note(ov["sources"], "sources")}
<h4>Platforms</h4>{table(["platform", "items", "comments", "authors", "first", "last"], plat_rows)}
<h4>Quarantine by reason</h4>{table(["reason", "records"], q_rows) if q_rows else "<p>Nothing was quarantined.</p>"}
{capped_note(ov["quarantine"], "quarantine reasons")}
<h3>What was found</h3>{found}
{table(["campaign", "accounts", "items", "layers", "first", "last", "description"], camp_rows) if camp_rows else ""}
{f'<p class="cap">{data.campaigns_total - len(data.campaigns):,} smaller campaigns have no section here.</p>' if data.campaigns_total > len(data.campaigns) else ""}
</section>"""


def methods_html(data) -> str:
    run = data.run
    meta = data.meta
    limits = meta["limits"]
    lim_rows = [[show(k), show(v)] for k, v in vars(limits).items()]
    if run is None:
        run_part = "<p>No detection run yet.</p>"
    else:
        cfg_rows = [
            [show(k), f"<code>{show(v)}</code>", show(setting_help(k))]
            for k, v in flatten(run["config"])[:500]
        ]
        run_part = f"""<dl class="facts">
<dt>run</dt><dd id="run-id">{show(run["run_id"])}</dd>
<dt>started / finished</dt><dd>{show(run.get("started_at"))} / {show(run.get("finished_at"))} UTC</dd>
<dt>botwatch version</dt><dd>{show(run.get("botwatch_version"))}</dd>
<dt>seed</dt><dd id="run-seed">{show(run.get("seed"))}</dd>
<dt>detectors</dt><dd>{show(", ".join(run.get("detectors") or []))}</dd></dl>
<h4>Parameters, versions and settings of the run</h4>{table(["setting", "value", "what it does"], cfg_rows, "config")}"""
    return f"""<section id="methods"><h2>Methods</h2>
<p>Results are those of the latest detection run recorded in the case. Detectors link accounts that act together
(the same rare template again and again, the same posts within seconds to hours, the same links, reposts or
pictures), test each link against a null model, group significant links into campaigns and score every account.
An account is flagged only on a link found at the stated false-discovery rate that rests on more than timing;
each flag below lists the evidence behind it.
A campaign holds at least one flagged account; groups and templates without one are listed apart as leads.
Comments are items of kind <i>comment</i> or <i>reply</i>. <i>Organic</i> comments are those whose authors are
not flagged. Times are UTC unless marked. Texts longer than {limits.text_chars} characters are shortened,
and Unicode direction controls are shown as <code>[U+202E]</code> so they cannot disguise text.</p>
{run_part}
<h4>Report limits</h4><p>Tables are capped so the page stays small; capped tables say so.</p>
{table(["limit", "value"], lim_rows)}
<p>Report written {show(meta["generated_at"])} UTC by botwatch {show(meta["version"])}
{"; <b>pseudonymised</b>: handles, names and ids are salted pseudonyms and avatars are hidden" if meta["pseudonymized"] else ""}.</p>
</section>"""


# -- campaigns ------------------------------------------------------------------------------------------------
def _evidence_list(evidence: list[dict], links: Links) -> str:
    lis = []
    for ev in evidence:
        items = " ".join(links.item(p, i, ok) for p, i, ok in ev["items"])
        more = ev["items_total"] - len(ev["items"])
        more_note = f' <span class="cap">(+{more:,} more items)</span>' if more > 0 else ""
        weight = (
            "" if ev.get("weight") is None else f' <span class="muted">weight {show(ev["weight"])}</span>'
        )
        lis.append(
            f'<li><span class="det">{show(ev["detector"])}</span> {show(ev["description"])}{weight}'
            f'<div class="items">{items}{more_note}</div></li>'
        )
    return '<ol class="evidence">' + "".join(lis) + "</ol>" if lis else "<p>No evidence recorded.</p>"


def _avatars_html(avatars: Capped, links: Links) -> str:
    if not avatars.total:
        return ""
    tiles = []
    for a in avatars.rows:
        if a["data_uri"]:
            pic = f'<img src="{attr(a["data_uri"])}" alt="avatar" width="64" height="64">'
        else:
            pic = '<div class="ph" aria-hidden="true">?</div>'
        url = f'<div class="avurl">{show(a["avatar_url"])}</div>' if a.get("avatar_url") else ""
        tiles.append(
            f'<figure class="av">{pic}<figcaption>{links.account(a["platform"], a["account_id"])}{url}'
            "</figcaption></figure>"
        )
    return (
        '<h4>Avatars</h4><p class="muted">Remote avatars are never loaded: their URL is shown as text; small local '
        'image files are embedded.</p><div class="avatars">'
        + "".join(tiles)
        + "</div>"
        + capped_note(avatars, "avatars")
    )


def campaign_html(c: dict, links: Links, timezone: str) -> str:
    posts = [
        [
            show(p["channel"]),
            links.post(p["platform"], p["post"]),
            show(p["post_text"]),
            show(p["n_campaign"]),
            show(p["n_all"]),
            pct(p["n_campaign"], p["n_all"]) + meter(p["n_campaign"], p["n_all"]),
            show(p["first_at"]),
            show(p["last_at"]),
        ]
        for p in c["posts"].rows
    ]
    templates = []
    for t in c["templates"].rows:
        matches = [
            [
                show(m["created_at"]),
                links.account(m["platform"], m["account_id"]),
                show(m["text"]),
                links.item(m["platform"], m["item_id"], m["linked"]),
            ]
            for m in t["matches"].rows
        ]
        templates.append(
            f'<div class="template"><p class="tpl">{template_html(t["template"])}</p>'
            f'<p class="muted">cluster {show(t["cluster_id"])}: {show(t["n_items"])} comments by '
            f"{show(t['n_accounts'])} accounts, {show(t['first_at'])} – {show(t['last_at'])}</p>"
            + table(["time", "account", "text", "item"], matches, "matches")
            + capped_note(t["matches"], "matching comments")
            + "</div>"
        )
    members = [
        [
            links.account(m["platform"], m["account_id"]),
            show(m["handle"]),
            show(m["display_name"]),
            show(m["created_at"]),
            show(m["n_items"]),
            show(m["score"]),
            "yes" if m["flagged"] else "no",
        ]
        for m in c["table"].rows
    ]
    timeline = timeline_svg(c["timeline"]) if c["timeline"] else '<p class="muted">No comments.</p>'
    return f"""<section class="campaign" id="{c["anchor"]}">
<h3>Campaign {show(c["campaign_id"])} {swatch(c["colour"])}</h3>
<p>{show(c.get("description"))}</p>
<dl class="facts"><dt>accounts</dt><dd>{show(c["n_members"])}</dd><dt>items</dt><dd>{show(c["n_items"])}</dd>
<dt>signals</dt><dd>{show(", ".join(c.get("layers") or []))}</dd>
<dt>active</dt><dd>{show(c["first_at"])} – {show(c["last_at"])} UTC</dd>
<dt>pages</dt><dd>{show(", ".join((c.get("channels") or [])[:20]))}</dd></dl>
<h4>Activity</h4>{timeline}
<h4>Campaign evidence</h4>{_evidence_list(c["evidence"], links)}
<h4>Pages and posts worked</h4>
{table(["page", "post", "post text", "campaign comments", "all comments", "share", "first", "last"], posts)}
{capped_note(c["posts"], "posts")}
<h4>Templates</h4><p class="muted">Varying parts of a template are <mark class="slot">{{highlighted}}</mark>.</p>
{"".join(templates) or "<p>No text templates.</p>"}{capped_note(c["templates"], "templates")}
<h4>Accounts</h4>{table(["account", "handle", "name", "created", "items", "score", "flagged"], members)}
{capped_note(c["table"], "accounts")}
{_avatars_html(c["avatars"], links)}
<h4>Account creation dates</h4>{creation_histogram_svg(c["created"])}
<h4>Hour of week</h4>{heatmap_svg(c["hour_of_week"], timezone)}
</section>"""


# -- leads ----------------------------------------------------------------------------------------------------
LEAD_KIND_NAMES = {
    "account_group": "account group",
    "campaign_writers": "campaign's other writers",
    "text_cluster": "text cluster",
}


def _q_text(q) -> str:
    return "–" if q is None else f"{q:.2g}"


def lead_html(lead: dict, links: Links) -> str:
    accounts = ", ".join(
        f'{links.account(p, a)} <span class="muted">{show(sc) if sc is not None else "–"}</span>'
        for p, a, sc in lead["accounts"].rows
    )
    more_accounts = lead["accounts"].total - len(lead["accounts"].rows)
    if more_accounts > 0:
        accounts += f' <span class="cap">(+{more_accounts:,} more accounts)</span>'
    templates = "".join(
        f'<p class="tpl">{template_html(t["template"])}</p><p class="muted">cluster {show(t["cluster_id"])}: '
        f"{show(t['n_items'])} comments by {show(t['n_accounts'])} accounts</p>"
        for t in lead["templates"].rows
    )
    more_templates = lead["templates"].total - len(lead["templates"].rows)
    if more_templates > 0:
        templates += f'<p class="cap">{more_templates:,} more templates are left out.</p>'
    items = " ".join(links.item(p, i, ok) for p, i, ok in lead["items"])
    more_items = lead["items_total"] - len(lead["items"])
    if more_items > 0:
        items += f' <span class="cap">(+{more_items:,} more items)</span>'
    reasons = "".join(f"<li>{show(r)}</li>" for r in lead["reasons"])
    span = ""
    if lead.get("first_at") is not None:
        span = f"<dt>active</dt><dd>{show(lead['first_at'])} – {show(lead['last_at'])} UTC</dd>"
    return f"""<section class="lead" id="{lead["anchor"]}">
<h3>Lead {show(lead["lead_id"])} <span class="notflag">not flagged</span>
<span class="muted">rank {show(lead["rank"])} · {show(LEAD_KIND_NAMES.get(lead["kind"], lead["kind"]))} · score
{show(lead["score"])}</span></h3>
<p>{show(lead["description"])}</p>
<h4>Why it is a lead, and why it is not flagged</h4><ul class="reasons">{reasons}</ul>
<dl class="facts"><dt>platform</dt><dd>{show(lead["platform"])}</dd>
<dt>accounts</dt><dd>{show(lead["n_accounts"])}</dd><dt>items</dt><dd>{show(lead["n_items"])}</dd>
<dt>highest account score</dt><dd>{show(lead["max_account_score"])}</dd>
<dt>significant pairs</dt><dd>{show(lead["n_significant_pairs"])} ({show(", ".join(lead.get("layers") or []) or "no layer")};
smallest q-value {_q_text(lead["min_q_value"])})</dd>{span}
<dt>pages</dt><dd>{show(", ".join((lead.get("channels") or [])[:10]))}</dd></dl>
{"<h4>Templates</h4>" + templates if templates else ""}
<h4>Accounts <span class="muted">(score)</span></h4><p class="lead-accounts">{accounts}</p>
{f'<h4>Example items</h4><div class="items">{items}</div>' if items else ""}
</section>"""


def leads_html(leads: Capped, links: Links) -> str:
    summary = [
        [
            f'<a href="#{lead["anchor"]}">{show(lead["lead_id"])}</a>',
            show(LEAD_KIND_NAMES.get(lead["kind"], lead["kind"])),
            show(lead["score"]),
            show(lead["n_accounts"]),
            show(lead["n_items"]),
            show(lead["description"]),
        ]
        for lead in leads.rows
    ]
    body = (
        table(["lead", "kind", "score", "accounts", "items", "description"], summary, "leads")
        + capped_note(leads, "leads")
        + "".join(lead_html(lead, links) for lead in leads.rows)
        if leads.rows
        else "<p>No leads: every group of linked accounts holds a flagged account, and no text template is "
        "shared by three or more unflagged accounts only.</p>"
    )
    return f"""<section id="leads" class="leads"><h2>Leads (not flagged)</h2>
<p class="lead-note"><b>Leads are not flags.</b> They are what almost made it: communities of accounts linked by
significant edges in which no account is flagged (so they are not campaigns), and text templates shared by
unflagged accounts only. No account below is flagged because of a lead. Leads are ranked by their score, the mean
score of their accounts (how close they came, on average, to being flagged); ties go to more accounts, then to
the smaller q-value of the edges among them. Each lead says why it is a lead and why it is not flagged; check
them by hand before drawing any conclusion.</p>
{body}</section>"""


# -- accounts, items, impact, network, explorer ---------------------------------------------------------------
def account_html(a: dict, links: Links) -> str:
    feats = [
        [show(k), f"<code>{show(json.dumps(v, ensure_ascii=False, default=str))}</code>"]
        for k, v in list(a["features"].items())[:40]
    ]
    reasons = "".join(f"<li>{show(r)}</li>" for r in a["reasons"])
    avatar = ""
    if a.get("avatar_url"):
        avatar = f"<dt>avatar</dt><dd>{url_html(a['avatar_url'])}</dd>"
    more = a["evidence_total"] - len(a["evidence"])
    flag = '<span class="flag">flagged</span>' if a["flagged"] else '<span class="muted">not flagged</span>'
    return f"""<section class="account" id="{a["anchor"]}">
<h3>{show(a["label"])} {flag}</h3>
<dl class="facts"><dt>handle</dt><dd>{show(a["handle"])}</dd><dt>name</dt><dd>{show(a["display_name"])}</dd>
<dt>platform</dt><dd>{show(a["platform"])}</dd><dt>score</dt><dd class="score">{show(a["score"])}</dd>
<dt>campaign</dt><dd>{links.campaign(a["campaign_id"])}</dd><dt>created</dt><dd>{show(a["created_at"])}</dd>
<dt>items</dt><dd>{show(a["n_items"])}</dd>
<dt>followers / following / posts</dt><dd>{show(a["followers"])} / {show(a["following"])} / {show(a["posts_count"])}</dd>
<dt>bio</dt><dd>{show(a["bio"])}</dd>{avatar}</dl>
<h4>Reasons</h4>{"<ul class='reasons'>" + reasons + "</ul>" if reasons else "<p>None recorded.</p>"}
{("<details><summary>Features</summary>" + table(["feature", "value"], feats) + "</details>") if feats else ""}
<h4>Evidence</h4>{_evidence_list(a["evidence"], links)}
{f'<p class="cap">{more:,} weaker pieces of evidence are left out.</p>' if more > 0 else ""}
</section>"""


def items_html(data, links: Links) -> str:
    ids = links.ids
    trs = []
    for (platform, item_id), r in data.items.items():
        link_cells = " ".join(url_html(u) for u in (r["links"] or [])[:5])  # pseudonymised by load_items
        trs.append(
            f'<tr id="{ids.item_anchor(platform, item_id)}"><td>{show(ids.item_label(platform, item_id))}</td>'
            f"<td>{show(r['created_at'])}</td><td>{links.account(platform, r['account_id'])}</td>"
            f"<td>{show(r['kind'] or 'not in case')}</td><td>{show(r['channel'])}</td><td>{links.post(platform, r['post'])}</td>"
            f"<td>{show(r['text'])}</td><td>{link_cells}</td><td>{show(r['reactions'])}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ["item", "time", "account", "kind", "page", "post", "text", "links", "reactions"]
    )
    note = ""
    if data.items_omitted:
        note = (
            f'<p class="cap">{data.items_omitted:,} further evidence items are not listed (cap '
            f"{data.meta['limits'].evidence_items:,}); they appear as plain ids without links.</p>"
        )
    return (
        '<section id="items"><h2>Evidence items</h2><p class="muted">Every item cited as evidence above, once.</p>'
        f'{note}<table class="items"><thead><tr>{head}</tr></thead><tbody>{"".join(trs)}</tbody></table></section>'
    )


def impact_html(impact: dict, links: Links) -> str:
    def metrics(r):
        return [
            show(r["comments"]),
            show(r["flagged_comments"]),
            pct(r["flagged_comments"], r["comments"]) + meter(r["flagged_comments"], r["comments"]),
            show(r["reactions"]),
            pct(r["flagged_reactions"], r["reactions"]),
        ]

    pages = [[show(r["platform"]), show(r["channel"])] + metrics(r) for r in impact["pages"].rows]
    posts = [
        [show(r["channel"]), links.post(r["platform"], r["post"]), show(r["post_text"])]
        + metrics(r)
        + [f"{r['flagged_reposts']:,} of {r['reposts']:,}"]
        for r in impact["posts"].rows
    ]
    cols = ["comments", "from flagged", "share", "reactions on comments", "share on flagged comments"]
    return f"""<section id="impact"><h2>Impact per page and post</h2>
<p class="muted">Share of comments written by flagged accounts, and share of the reactions (likes) on comments that
went to comments by flagged accounts. Posts without flagged comments are omitted.</p>
<h3>Pages</h3>{table(["platform", "page"] + cols, pages, "impact-pages")}{capped_note(impact["pages"], "pages")}
<h3>Posts</h3>{table(["page", "post", "post text"] + cols + ["reposts by flagged"], posts, "impact-posts")}
{capped_note(impact["posts"], "posts")}</section>"""


def network_html(network: dict, campaigns: list[dict]) -> str:
    legend = "".join(f"<li>{swatch(c['colour'])}{show(c['campaign_id'])}</li>" for c in campaigns)
    note = ""
    if network["nodes_total"] > len(network["nodes"]) or network["edges_total"] > len(network["edges"]):
        note = (
            f'<p class="cap">Showing {len(network["nodes"]):,} of {network["nodes_total"]:,} flagged accounts and '
            f"{len(network['edges']):,} of {network['edges_total']:,} links (each account's strongest links first).</p>"
        )
    return f"""<section id="network"><h2>Network of flagged accounts</h2>
<p class="muted">Nodes are flagged accounts coloured by campaign; links are detector edges (significant ones
solid). Drag to pan, scroll to zoom, click a node to open its evidence.</p>{note}
<ul class="legend">{legend}</ul>
<div id="bw-network" class="network" aria-label="network of flagged accounts"></div>
<noscript><p>The network needs JavaScript; every account is also listed under Accounts.</p></noscript>
</section>"""


EXPLORE_HTML = """<section id="explore"><h2>Search</h2>
<p class="muted">Filter accounts and comments offline. Comments searched: {n_com:,} of {n_com_total:,} (all
comments by flagged accounts first, then a fixed sample of the rest); accounts: {n_acc:,} of {n_acc_total:,}.</p>
<div class="controls"><input id="bw-q" type="search" placeholder="text, handle, name, id…" aria-label="search">
<select id="bw-campaign" aria-label="campaign"><option value="">all campaigns</option></select>
<label><input id="bw-flagged" type="checkbox"> flagged only</label></div>
<h3>Accounts <span id="bw-acc-count" class="muted"></span></h3>
<table id="bw-acc-table"><thead><tr><th>account</th><th>handle</th><th>name</th><th>campaign</th><th>flagged</th>
<th>score</th></tr></thead><tbody></tbody></table>
<h3>Comments <span id="bw-com-count" class="muted"></span></h3>
<table id="bw-com-table"><thead><tr><th>time</th><th>account</th><th>campaign</th><th>page</th><th>text</th>
<th>item</th></tr></thead><tbody></tbody></table>
<noscript><p>Search needs JavaScript.</p></noscript></section>"""
