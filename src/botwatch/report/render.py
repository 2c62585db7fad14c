"""The report's Jinja2 environment and the helpers its templates call.

Templates live in ``report/templates/`` (package data) and in the ``templates/`` folder of any package that adds
a report section (:mod:`botwatch.report.sections`); each is named ``PACKAGE/FILE``, so botwatch's own are
``botwatch/page.html.j2``, ``botwatch/macros.html.j2`` and so on. The environment escapes by default
(``autoescape=True``), refuses undefined names (``StrictUndefined``) and passes every printed value through
:func:`show` first (``finalize``): case values are escaped, right-to-left text is isolated in ``<bdi>``, bidi
controls are made visible and numbers and times are formatted, whether or not a template remembers to ask.
The helpers below return :class:`markupsafe.Markup` built with ``Markup.format``, which escapes what it is given;
only ``http``/``https`` URLs become links, and then with ``rel="noopener noreferrer"``. Anchors come from
:class:`~botwatch.report.identity.Identities` and contain only ``[A-Za-z0-9_.-]``. ``|safe`` is used only on
markup botwatch builds itself: the SVG charts (numbers and escaped labels), its own script and style, and JSON
escaped for a script element (:func:`botwatch.report.embed_json`)."""

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
LEAD_KIND_NAMES = {"account_group": "account group", "text_cluster": "text cluster"}


def visible_controls(text: str) -> str:
    """Bidi overrides and isolates replaced by a visible ``[U+202E]`` so they cannot disguise text."""
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def show(value) -> Markup:
    """Any value as escaped HTML text ('' for None), right-to-left text isolated in ``<bdi>``. Markup that
    botwatch built is passed through as it is."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    if isinstance(value, datetime):
        return Markup(value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, float):
        return Markup(f"{value:.3g}")
    if isinstance(value, bool):
        return Markup(str(value).lower())
    if isinstance(value, int):
        return Markup(f"{value:,}")
    text = escape(visible_controls(str(value)))
    # right-to-left text is isolated so it cannot reorder what surrounds it
    return Markup("<bdi>{}</bdi>").format(text) if RTL.search(text) else text


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
        return Markup('<span class="url">{}</span>').format(show(url)) if url else Markup("")
    return Markup('<a class="url" href="{}" rel="noopener noreferrer" target="_blank">{}</a>').format(
        ok, show(ok)
    )


def swatch(colour: str) -> Markup:
    return Markup(
        '<svg class="swatch" width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        'fill="{}"/></svg>'
    ).format(colour)


def pct(part, whole) -> str:
    if not whole:
        return "–"
    return f"{100.0 * part / whole:.1f}%"


def meter(part, whole) -> Markup:
    if not whole:
        return Markup("")
    return Markup('<meter min="0" max="1" value="{}"></meter>').format(f"{part / whole:.4f}")


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
        out.append(Markup('<mark class="slot">{}</mark>').format(show(m.group())))
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
            return Markup('<a href="#{}">{}</a>').format(self.ids.account_anchor(platform, account_id), text)
        return text

    def item(self, platform, item_id, linked: bool = True) -> Markup:
        text = show(self.ids.item_label(platform, item_id))
        if linked and (platform, item_id) in self.items:
            anchor = self.ids.item_anchor(platform, item_id)
            return Markup('<a class="item-link" href="#{}">{}</a>').format(anchor, text)
        return Markup('<span class="unlinked" title="not included in this report">{}</span>').format(text)

    def post(self, platform, post_id) -> Markup:
        """A post's id as plain text (under pseudonymisation its item pseudonym)."""
        if post_id is None:
            return Markup("")
        return show(self.ids.item_label(platform, post_id))

    def campaign(self, campaign_id) -> Markup:
        if not campaign_id:
            return Markup("")
        anchor = self.campaigns.get(campaign_id)
        return (
            Markup('<a href="#{}">{}</a>').format(anchor, show(campaign_id)) if anchor else show(campaign_id)
        )


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
    env = jinja2.Environment(
        loader=jinja2.PrefixLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=show,
    )
    env.filters.update(
        plain=plain, json_text=json_text, q_text=q_text, template_html=template_html, url_html=url_html
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
