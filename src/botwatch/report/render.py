"""The report's Jinja2 environment and the helpers its templates call.

Templates live in ``report/templates/`` (package data) and in the ``templates/`` folder of any package that adds
a report section (:mod:`botwatch.report.sections`); each is named ``PACKAGE/FILE``, so botwatch's own are
``botwatch/page.html.j2``, ``botwatch/macros.html.j2`` and so on. The environment escapes by default
(``autoescape=True``), refuses undefined names (``StrictUndefined``) and passes every printed value through
:func:`printable` first (``finalize``): bidi controls are made visible, right-to-left text is isolated in
``<bdi>``, numbers and times are formatted, and then autoescape escapes it, whether or not a template remembers
to ask. ``row.name`` reads a dict's key first (:class:`ReportEnvironment`).

The helpers return :class:`markupsafe.Markup` whose every value from the case went through :func:`show`
(``printable``, then escaped); only ``http``/``https`` URLs become links, and then with ``rel="noopener
noreferrer"``. Anchors come from :class:`~botwatch.report.identity.Identities` and contain only
``[A-Za-z0-9_.-]`` (escaped all the same). ``|safe`` is used only on markup botwatch builds itself: the SVG
charts (numbers and escaped labels), its own script and style, and JSON escaped for a script element
(:func:`botwatch.report.embed_json`); ``tests/test_report_sections.py`` holds that list."""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from botwatch.errors import BotwatchError
from botwatch.report.charts import creation_histogram_svg, heatmap_svg, timeline_svg

BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
SLOT = re.compile(r"\{[^{}]*\}")
_URL_BAD = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")
LEAD_KIND_NAMES = {
    "account_group": "account group",
    "campaign_writers": "campaign's other writers",
    "text_cluster": "text cluster",
}


def visible_controls(text: str) -> str:
    """Bidi overrides and isolates replaced by a visible ``[U+202E]`` so they cannot disguise text."""
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def printable(value) -> str:
    """What a template prints for ``value``, before autoescape escapes it: '' for None, numbers with thousands
    separators, times as ``YYYY-MM-DD HH:MM``, bidi controls made visible, right-to-left text isolated in
    ``<bdi>`` (then escaped here, as markup). The environment's ``finalize``."""
    if type(value) is str:  # most values: the fast path, escaped by the template's autoescape
        if BIDI_CONTROLS.search(value):
            value = visible_controls(value)
        # right-to-left text is isolated so it cannot reorder what surrounds it
        return Markup(f"<bdi>{escape(value)}</bdi>") if RTL.search(value) else value
    if isinstance(value, Markup):
        return value
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
    return printable(str(value))


def show(value) -> Markup:
    """Any value as escaped HTML text, as a template prints it (:func:`printable`, then escaped)."""
    return escape(printable(value))


def plain(value) -> Markup:
    """Escaped text with bidi controls made visible but no ``<bdi>`` (for ``<title>``)."""
    return escape(visible_controls(str(value)))


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


def url_html(url) -> Markup:
    ok = safe_url(url)
    if ok is None:
        return Markup('<span class="url">%s</span>') % show(url) if url else Markup("")
    return Markup('<a class="url" href="%s" rel="noopener noreferrer" target="_blank">%s</a>') % (
        ok,
        show(ok),
    )


def url_list(urls, limit: int = 5) -> Markup:
    """The first ``limit`` URLs through :func:`url_html`, separated by spaces."""
    return Markup(" ".join([url_html(u) for u in (urls or [])[:limit]]))


def swatch(colour: str) -> Markup:
    return Markup(
        '<svg class="swatch" width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{escape(colour)}"/></svg>'
    )


def pct(part, whole) -> str:
    if not whole:
        return "–"
    return f"{100.0 * part / whole:.1f}%"


def meter(part, whole) -> Markup:
    if not whole:
        return Markup("")
    return Markup(f'<meter min="0" max="1" value="{part / whole:.4f}"></meter>')


def q_text(q) -> str:
    return "–" if q is None else f"{q:.2g}"


def json_text(value) -> str:
    """A value as compact JSON text (escaped when printed)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def template_html(template: str | None) -> Markup:
    """A template with its varying slots (``{a/b}``) highlighted."""
    if not template:
        return Markup("")
    out, pos = [], 0
    for m in SLOT.finditer(template):
        out.append(show(template[pos : m.start()]))
        out.append(Markup('<mark class="slot">%s</mark>') % show(m.group()))
        pos = m.end()
    out.append(show(template[pos:]))
    return Markup("").join(out)


class Links:
    """Renders links to account sections, evidence items and campaigns, or plain labels where the target is not
    on the page (a link is emitted only when its anchor exists). Labels are pseudonyms when the report is."""

    def __init__(self, ids, sectioned: set, items: dict, campaigns: dict):
        self.ids = ids
        self.sectioned = sectioned
        self.items = items
        self.campaigns = campaigns  # campaign_id -> anchor of its section

    def account(self, platform, account_id, label=None) -> Markup:
        if account_id is None:
            return Markup("")
        text = show(label or self.ids.account_label(platform, account_id))
        if (platform, account_id) in self.sectioned:
            return _link(self.ids.account_anchor(platform, account_id), text)
        return text

    def item(self, platform, item_id, linked: bool = True) -> Markup:
        text = show(self.ids.item_label(platform, item_id))
        if linked and (platform, item_id) in self.items:
            return _link(self.ids.item_anchor(platform, item_id), text, ' class="item-link"')
        return Markup(f'<span class="unlinked" title="not included in this report">{text}</span>')

    def cited(self, cited) -> Markup:
        """``item`` for each ``(platform, item_id, linked)`` of ``cited``, separated by spaces."""
        return Markup(" ".join([self.item(p, i, ok) for p, i, ok in cited]))

    def post(self, platform, post_id) -> Markup:
        """A post's id as plain text (under pseudonymisation its item pseudonym)."""
        if post_id is None:
            return Markup("")
        return show(self.ids.item_label(platform, post_id))

    def campaign(self, campaign_id) -> Markup:
        if not campaign_id:
            return Markup("")
        anchor = self.campaigns.get(campaign_id)
        return _link(anchor, show(campaign_id)) if anchor else show(campaign_id)


def _link(anchor: str, text: Markup, cls: str = "") -> Markup:
    """A link to ``#anchor`` (anchors hold only ``[A-Za-z0-9_.-]``, escaped all the same) around ``text``."""
    return Markup(f'<a{cls} href="#{escape(anchor)}">{text}</a>')


class ReportEnvironment(jinja2.Environment):
    """``row.name`` reads a dict's key before any attribute of the same name (``ev.items`` is the evidence's
    items, not ``dict.items``), and without raising an exception per lookup in the large tables' loops."""

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@functools.cache
def environment(packages: tuple[str, ...] = ("botwatch",)) -> jinja2.Environment:
    """The environment for templates of ``packages`` (botwatch and the packages of plugin sections), each under
    its package's name: ``botwatch/page.html.j2`` is ``botwatch/report/templates/page.html.j2``."""
    loaders = {"botwatch": jinja2.PackageLoader("botwatch.report", "templates")}
    for package in packages:
        if package in loaders:
            continue
        try:
            loaders[package] = jinja2.PackageLoader(package, "templates")
        except (ValueError, ModuleNotFoundError):
            raise BotwatchError(
                f"package {package!r} adds a report section but has no templates/ folder; reinstall or uninstall it"
            ) from None
    env = ReportEnvironment(
        loader=jinja2.PrefixLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=printable,
    )
    env.filters.update(
        plain=plain,
        json_text=json_text,
        q_text=q_text,
        template_html=template_html,
        url_html=url_html,
        url_list=url_list,
    )
    env.globals.update(
        pct=pct,
        meter=meter,
        swatch=swatch,
        lead_kind_names=LEAD_KIND_NAMES,
        timeline_svg=timeline_svg,
        creation_histogram_svg=creation_histogram_svg,
        heatmap_svg=heatmap_svg,
    )
    return env
