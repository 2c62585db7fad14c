"""The plugin path, with the worked example of docs/architecture.md: a package that declares botwatch entry
points is seen by the CLI and runs, with no change to botwatch."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def _install_example(where: Path) -> None:
    """Write the example package (its module and its template) and a ``.dist-info`` with its entry points (what
    pip would install)."""
    doc = DOC.read_text(encoding="utf-8")
    code = re.search(r"```python\n(# botwatch_example_plugin/__init__\.py\n.*?)```", doc, re.S).group(1)
    name, template = re.search(
        r"```html\+jinja\n\{# (botwatch_example_plugin/templates/[\w.]+) #\}\n(.*?)```", doc, re.S
    ).groups()
    project = tomllib.loads(
        re.search(r"```toml\n(# pyproject\.toml of the plugin package\n.*?)```", doc, re.S).group(1)
    )
    (where / name).parent.mkdir(parents=True)
    (where / name).write_text(template, encoding="utf-8")
    (where / "botwatch_example_plugin" / "__init__.py").write_text(code, encoding="utf-8")
    info = where / "botwatch_example_plugin-0.1.dist-info"
    info.mkdir()
    meta = project["project"]
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n"
    )
    lines = []
    for group, eps in meta["entry-points"].items():  # a package's templates/ travel as its package data
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in eps.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


def _botwatch(args: list[str], plugin_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(plugin_dir)}
    return subprocess.run(
        [sys.executable, "-m", "botwatch", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.slow
def test_an_installed_plugin_is_seen_and_runs(tmp_path):
    plugin = tmp_path / "site"
    plugin.mkdir()
    _install_example(plugin)
    help_text = _botwatch(["--help"], plugin).stdout
    help_text = " ".join(re.sub(r"-\n\s*", "-", help_text).split())  # click wraps long lists, even at hyphens
    assert "pipelog (botwatch-example-plugin)" in help_text
    assert "same_minute (botwatch-example-plugin)" in help_text
    assert (
        help_text.count("same_minute (botwatch-example-plugin)") == 2
    )  # the detector and the report section
    assert "near_duplicate" in help_text and "telegram-desktop" in help_text

    data = tmp_path / "comments.pipelog"
    lines = ["#pipelog"]
    for post in range(3):  # u1 and u2 comment in the same minute under three posts; u3 an hour later
        t = f"2024-05-0{post + 1}T10:00"
        lines += [
            f"u1|p{post}|{t}:05+00:00|first",
            f"u2|p{post}|{t}:40+00:00|second",
            f"u3|p{post}|2024-05-0{post + 1}T11:00:00+00:00|late",
        ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = tmp_path / "case.duckdb"
    ingest = _botwatch(["ingest", str(case), str(data)], plugin)
    assert ingest.returncode == 0, ingest.stderr
    assert "pipelog" in ingest.stdout + ingest.stderr
    detect = _botwatch(["detect", str(case), "--only", "same_minute"], plugin)
    assert detect.returncode == 0, detect.stderr
    assert "same_minute: edges=1" in detect.stdout
    assert "accounts flagged: 0" in detect.stdout  # a timing-only layer never flags alone

    # its report section: after the leads, before the impact tables, with the one pair it found
    out = tmp_path / "report.html"
    report = _botwatch(["report", str(case), "--out", str(out)], plugin)
    assert report.returncode == 0, report.stderr
    page = out.read_text("utf-8")
    assert '<a href="#same_minute">Same minute</a>' in page
    section = page[page.index('<section id="same_minute">') :]
    section = section[: section.index("</section>")]
    assert "<td>u1</td><td>u2</td><td>3</td>" in section and "u3" not in section
    assert page.index('<section id="leads"') < page.index('<section id="same_minute">')
    assert page.index('<section id="same_minute">') < page.index('<section id="impact">')


@pytest.mark.slow
def test_a_plugin_that_fails_to_import_stops_only_what_uses_it(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "broken_plugin.py").write_text("raise ImportError('missing dependency xyz')\n")
    info = site / "broken_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[botwatch.detectors]\nbroken = broken_plugin:Broken\n")
    data = tmp_path / "c.csv"
    data.write_text("item_id,account_id,created_at,text\n1,a,2024-01-01T00:00:00Z,hello there my friends\n")
    case = str(tmp_path / "case.duckdb")
    assert _botwatch(["ingest", case, str(data)], site).returncode == 0
    ok = _botwatch(["detect", case, "--only", "near_duplicate"], site)
    assert ok.returncode == 0, ok.stderr
    bad = _botwatch(["detect", case, "--only", "broken"], site)
    assert bad.returncode == 1 and "broken-plugin" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_without_the_plugin_the_format_is_unknown(tmp_path):
    help_text = _botwatch(["--help"], tmp_path).stdout
    assert "pipelog" not in help_text and "same_minute" not in help_text


# -- the floors of the house (docs/architecture.md) -------------------------------------------------------------
FLOORS = {  # package or module -> floor; a module may import from its own floor and below
    "_version": 0,
    "errors": 0,
    "settings": 0,
    "plugins": 0,
    "parallel": 0,
    "store": 1,
    "ingest": 2,
    "text": 2,
    "images": 2,
    "detectors": 3,
    "campaigns": 4,
    "scoring": 5,
    "report": 6,
    "export": 6,
    "privacy": 2,
    "evaluate": 7,
    "train": 7,
    "demo": 7,
    "pipeline": 7,
    "catalog": 5,
    "cli": 8,
    "testing": 8,
    "__init__": 8,
    "__main__": 8,
}


def _imports() -> list[tuple[str, str, int]]:
    """(importing module, imported botwatch module, line) for every import in src/botwatch, function-local
    imports included. ``from botwatch import X`` imports the module ``X`` when there is one, else the package's
    ``__init__`` (as ``from botwatch import __version__`` did)."""
    import ast

    src = ROOT / "src" / "botwatch"
    found = []
    for path in sorted(src.rglob("*.py")):
        module = ".".join(path.relative_to(src).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module == "botwatch" and node.level == 0:
                names = [f"botwatch.{_submodule(src, a.name)}" for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("botwatch."):
                    found.append((module, name.removeprefix("botwatch."), node.lineno))
    return found


def _submodule(src: Path, name: str) -> str:
    return name if (src / f"{name}.py").exists() or (src / name).is_dir() else "__init__"


def _floor(module: str) -> int:
    return FLOORS[module.split(".")[0]]


def _upward(only_store: bool) -> list[str]:
    return [
        f"{mod} (floor {_floor(mod)}) imports {target} (floor {_floor(target)}) at line {line}"
        for mod, target, line in _imports()
        if _floor(target) > _floor(mod) and mod.startswith("store.") == only_store
    ]


def test_no_module_imports_from_a_floor_above():
    assert not _upward(only_store=False), "\n".join(_upward(only_store=False))


def test_the_store_imports_nothing_from_above():
    assert not _upward(only_store=True), "\n".join(_upward(only_store=True))


def test_the_import_scan_sees_imports_of_the_package_itself_and_inside_functions():
    """``from botwatch import __version__`` inside a store function was an upward import the scan missed."""
    found = {(mod, target) for mod, target, _ in _imports()}
    assert ("__init__", "_version") in found  # from botwatch._version import __version__
    assert ("cli", "pipeline") in found  # imported inside a command function
    assert (
        _floor("__init__") > _floor("store")
        and _submodule(ROOT / "src" / "botwatch", "__version__") == "__init__"
    )
