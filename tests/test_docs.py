"""Docs are generated from the code where they can be, and every command is documented."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _gen():
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_reference_is_current():
    mod = _gen()
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == mod.render(), (
        "docs/cli.md is stale: run python scripts/gen_cli_docs.py"
    )


def test_every_command_is_documented():
    from botwatch.cli import cli

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"## botwatch {name}" in doc


def test_readme_quick_start_has_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = 'pip install -e ".[test]" && ruff check . && ruff format --check . && pytest'
    assert test_cmd in readme and test_cmd in ci
    assert "pip install . && botwatch demo --out botwatch-demo" in readme


def test_settings_reference_is_current_and_every_setting_has_help():
    spec = importlib.util.spec_from_file_location("gen_settings", ROOT / "scripts" / "gen_settings_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == mod.render(), (
        "docs/settings.md is stale: run python scripts/gen_settings_docs.py"
    )
    from botwatch.catalog import settings_table

    for section, settings in settings_table().items():
        assert settings, section
        for s in settings:
            assert s.help.strip() and s.constraint.accepts(s.default), (section, s.name)
