"""Regenerate docs/cli.md from the CLI's own --help texts: `python scripts/gen_cli_docs.py`."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from botwatch.cli import cli

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def render() -> str:
    runner = CliRunner()
    parts = [
        "# CLI reference\n",
        "Generated from the commands' own help by `python scripts/gen_cli_docs.py`; a test checks it is current.\n",
        "Exit codes: 0 success, 1 user error (a one-line message saying what to do), 2 usage error.\n",
    ]
    top = runner.invoke(cli, ["--help"], prog_name="botwatch", terminal_width=100)
    parts.append("## botwatch\n\n```text\n" + top.output.rstrip() + "\n```\n")
    for name in sorted(cli.commands):
        res = runner.invoke(cli, [name, "--help"], prog_name="botwatch", terminal_width=100)
        parts.append(f"## botwatch {name}\n\n```text\n" + res.output.rstrip() + "\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
