"""Report sections: each part of the page is a :class:`Section`, found through entry points like adapters and
detectors.

A section has a ``name`` (its anchor on the page, ``#name``, and its entry-point name), a ``title`` (in the
page's navigation), an ``order`` (its place on the page, smallest first), a ``data`` step and a ``template``.
``data(con, report)`` runs while the case is open (read only); what it returns is the template's ``data``
(``None`` leaves the section out). The template is a file in the ``templates/`` folder of the section's
package, rendered by :mod:`botwatch.report.render`'s environment: everything printed is escaped, and it also
sees ``report`` (:class:`~botwatch.report.data.ReportData`), ``links`` (:class:`~botwatch.report.render.Links`,
which pseudonymises labels when the report is), ``timezone`` and ``section``.

botwatch's own sections are registered in its ``pyproject.toml``, group ``botwatch.report_sections``, as a
package registers its own::

    [project.entry-points."botwatch.report_sections"]
    same_minute = "my_package:SameMinuteSection"

Built-in sections read what :func:`botwatch.report.collect_report_data` gathered once for all of them (the
evidence items cited across sections are collected in one pass); a plugin section queries the case in its data
step, scoped to ``report.run["run_id"]`` and bounded by ``report.meta["limits"]``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import asdict

from markupsafe import Markup

from botwatch.catalog import config_name, setting_help, settings_table
from botwatch.errors import BotwatchError
from botwatch.plugins import load_plugin, plugin_entry_points
from botwatch.report.data import ReportData, flatten

SECTION_NAME = re.compile(r"[a-z][a-z0-9_]*")
MAX_CONFIG_ROWS = 500


class Section:
    """One part of the report. Subclass it, set the class attributes and, if the section shows anything the
    other sections do not read, override :meth:`data`."""

    name: str = ""  # anchor and entry-point name: lower-case letters, digits and _
    title: str = ""  # link text in the page's navigation
    order: int = 100  # place on the page, smallest first; built-ins use 10, 20, ..., 90
    template: str = ""  # file name in the templates/ folder of the section's package
    needs_run: bool = True  # left out while the case has no detection run

    def data(self, con, report: ReportData) -> dict | None:
        """What the template shows, read from the open case ``con``; ``None`` leaves the section out."""
        return {}

    @property
    def package(self) -> str:
        """The top-level package whose ``templates/`` folder holds this section's template."""
        return type(self).__module__.split(".")[0]


def report_sections() -> list[Section]:
    """Every installed section, built-in or from a package, in page order."""
    found = []
    for name, ep in plugin_entry_points("report_sections").items():
        cls = load_plugin("report_sections", name)
        if not (
            isinstance(cls, type)
            and issubclass(cls, Section)
            and cls.name == name
            and SECTION_NAME.fullmatch(name)
            and cls.template
        ):
            raise BotwatchError(
                f"report section {name!r} from package {_dist(ep)!r} ({ep.value}) is not a botwatch.report.Section "
                "named as its entry point (lower-case letters, digits and _) with a template; fix or uninstall "
                "that package"
            )
        found.append(cls())
    return sorted(found, key=lambda s: (s.order, s.name))


def collect_sections(con, report: ReportData) -> list[tuple[Section, dict]]:
    """Each section that has something to show, with what its data step returned."""
    chosen = []
    for section in report_sections():
        if section.needs_run and report.run is None:
            continue
        with guarded(section, "data step"):
            got = section.data(con, report)
        if got is not None:
            chosen.append((section, got))
    return chosen


@contextmanager
def guarded(section: Section, step: str):
    """A failure inside a plugin's section is one line naming the section and its package; a failure in a
    built-in section is a bug in botwatch and keeps its traceback."""
    try:
        yield
    except BotwatchError:
        raise
    except Exception as exc:
        if section.package == "botwatch":
            raise
        raise BotwatchError(
            f"report section {section.name!r} from package {section.package!r} failed in its {step}: "
            f"{type(exc).__name__}: {exc}; fix or uninstall that package"
        ) from None


def _dist(ep) -> str:
    return ep.dist.name if ep.dist is not None else ""


# -- botwatch's own sections ----------------------------------------------------------------------------------
class OverviewSection(Section):
    name, title, order, template, needs_run = "overview", "Overview", 10, "overview.html.j2", False


class MethodsSection(Section):
    """The run's facts, its settings as a ``--config`` file names them, and the report's limits."""

    name, title, order, template, needs_run = "methods", "Methods", 20, "methods.html.j2", False

    def data(self, con, report):
        limits = list(asdict(report.meta["limits"]).items())
        if report.run is None:
            return {"settings": [], "facts": [], "limits": limits}
        table = settings_table()
        settings, facts = [], []
        for key, value in flatten(report.run["config"])[:MAX_CONFIG_ROWS]:
            where = config_name(key)
            if where is None:
                facts.append((key, value))
            else:
                help_text = setting_help(*where, table=table)
                settings.append({"section": where[0], "name": where[1], "value": value, "help": help_text})
        settings.sort(key=lambda s: s["section"] != "")  # seed, at the top of a config file, first
        return {"settings": settings, "facts": facts, "limits": limits}


class NetworkSection(Section):
    name, title, order, template = "network", "Network", 30, "network.html.j2"

    def data(self, con, report):
        return {"network": report.network or {"nodes": [], "edges": [], "nodes_total": 0, "edges_total": 0}}


class CampaignsSection(Section):
    name, title, order, template = "campaigns", "Campaigns", 40, "campaigns.html.j2"


class AvatarsSection(Section):
    """Accounts grouped by matching profile picture (``co_avatar`` edges: the same file, a CDN variant of one
    URL, or a perceptual match), with reference-gallery hits; pictures embedded only when the case holds the
    file and the report is not pseudonymised."""

    name, title, order, template = "avatars", "Shared avatars", 45, "avatars.html.j2"

    def data(self, con, report):
        from botwatch.report.avatar_data import load_avatar_groups

        groups = load_avatar_groups(
            con,
            report.run["run_id"],
            report.meta["ids"],
            report.meta.get("search_dirs", []),
            report.meta["limits"],
        )
        return {"groups": groups} if groups else None


class LeadsSection(Section):
    name, title, order, template = "leads", "Leads (not flagged)", 50, "leads.html.j2"


class ImpactSection(Section):
    name, title, order, template = "impact", "Impact", 60, "impact.html.j2"


class ExploreSection(Section):
    name, title, order, template = "explore", "Search", 70, "explore.html.j2"

    def data(self, con, report):
        return {"explore": explore_data(report)}


class AccountsSection(Section):
    name, title, order, template = "accounts", "Accounts", 80, "accounts.html.j2"


class ItemsSection(Section):
    name, title, order, template = "items", "Evidence items", 90, "items.html.j2"


def explore_data(report: ReportData) -> dict:
    return report.explore or {"accounts": [], "comments": [], "accounts_total": 0, "comments_total": 0}


def render_sections(report: ReportData, links, env) -> list[dict]:
    """Each collected section rendered: ``name``, ``title`` and its ``html``."""
    out = []
    for section, data in report.sections:
        with guarded(section, "template"):
            template = env.get_template(f"{section.package}/{section.template}")
            html = template.render(
                report=report,
                links=links,
                data=data,
                section=section,
                timezone=report.overview["timezone"],
            )
        # the output of an autoescaping template: every value in it was escaped as it was printed
        out.append({"name": section.name, "title": section.title, "html": Markup(html)})
    return out


__all__ = ["Section", "collect_sections", "render_sections", "report_sections"]
