"""Regenerate docs/settings.md from the declared settings: `python scripts/gen_settings_docs.py`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from botwatch.catalog import settings_table
from botwatch.plugins import plugin_entry_points

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple | list):
        return json.dumps(list(v))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return f"{v:g}" if isinstance(v, float) else str(v)


def render() -> str:
    parts = [
        "# Settings\n",
        "Every parameter of every detector, of campaign assembly and of scoring, generated from their declarations "
        "(`botwatch.settings.Setting`) by `python scripts/gen_settings_docs.py`; a test checks it is current. "
        "The same declarations validate a config file and fill the report's settings table.\n",
        "Set them in a TOML (or JSON) file passed to `botwatch detect --config FILE`, one table per section:\n",
        "```toml\nseed = 20171\n\n[near_duplicate]\nthreshold = 0.6\n\n[scoring]\ntemplate_recurrence_alpha = 0.01\n```\n",
        "An unknown section or parameter, or a value outside its constraint, stops the run with a message that "
        "names it. The methods behind each section: `docs/methods/`.\n",
    ]
    own = {
        n
        for n, ep in plugin_entry_points("detectors").items()
        if ep.dist is not None and ep.dist.name == "botwatch"
    }
    for section, settings in settings_table().items():
        if section not in own | {
            "campaigns",
            "scoring",
            "model",
        }:  # an installed plugin documents its own settings
            continue
        rows = [f"## [{section}]\n", "| setting | default | allowed | what it does |", "|---|---|---|---|"]
        for s in settings:
            help_text = s.help.replace("|", "\\|")
            rows.append(f"| `{s.name}` | `{_value(s.default)}` | {s.constraint.describe()} | {help_text} |")
        parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
