"""The demo's profile pictures: stolen copies of victims' photos, organic portraits and look-alike traps, and what
``co_avatar`` edges and the victims' gallery find in them (known answers from ``photos.csv``)."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import shlex
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from botwatch import Case
from botwatch.cli import cli
from botwatch.demo import CAMPAIGNS, generate_demo
from botwatch.demo.photos import N_VICTIMS, STOLEN, victim_file

SPEC = {c.name: c for c in CAMPAIGNS}


def _csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _photo_pairs(photos: list[dict]) -> set[tuple[str, str, str]]:
    """(platform, a, b) of every two accounts that wear the same photo: the pairs co_avatar should find."""
    groups = defaultdict(list)
    for r in photos:
        groups[(r["platform"], r["picture"])].append(r["account_id"])
    return {
        (p, *sorted(ab)) for (p, _), accounts in groups.items() for ab in itertools.combinations(accounts, 2)
    }


def test_pictures_follow_the_plan_and_agree_with_the_ground_truth(demo_case):
    files = demo_case.files
    photos = _csv(files.photos)
    truth = {(r["platform"], r["account_id"]): r for r in _csv(files.truth)}
    sha = {}
    for r in photos:
        key = (r["platform"], r["account_id"])
        sha[key] = hashlib.sha256((files.out_dir / r["file"]).read_bytes()).hexdigest()
        assert key in truth and r["file"] == f"avatars/{r['account_id']}.jpg"
        planted = truth[key]["group"]
        assert (r["role"] in ("stolen", "campaign")) == bool(planted), r
        assert truth[key]["stolen_photo"] == (r["picture"] if r["role"] == "stolen" else ""), r
        if r["role"] == "stolen":
            assert r["picture"] in {victim_file(v) for v in STOLEN[planted][0]}, r
    assert sorted(p.name for p in files.victims.iterdir()) == [
        victim_file(v) for v in range(1, N_VICTIMS + 1)
    ]
    roles = Counter(r["role"] for r in photos)
    assert roles["stolen"] >= 30 and roles["campaign"] >= 2 and roles["organic"] > 100
    assert roles["look-alike"] == 4 and roles["similar-style"] == 6 and roles["family"] == 2
    # on Telegram each account wears a different copy of its victim's photo: other edits, other bytes
    by_victim = defaultdict(list)
    for r in photos:
        if r["role"] == "stolen" and r["platform"] == "telegram":
            by_victim[r["picture"]].append(r)
    assert len(by_victim) == 3
    for rows in by_victim.values():
        assert len({r["edits"] for r in rows}) == len(rows) == 8
        assert {"crop", "mirror", "resize", "jpeg"} <= {e for r in rows for e in r["edits"].split("+")}
        assert len({sha[(r["platform"], r["account_id"])] for r in rows}) == 8
    # distinct people have distinct files; only the family (and VK accounts sharing an avatar URL) share bytes
    shared = [s for s, n in Counter(sha.values()).items() if n > 1]
    holders = {
        s: {r["picture"] for r in photos if sha[(r["platform"], r["account_id"])] == s} for s in shared
    }
    assert all(len(pictures) == 1 for pictures in holders.values())
    assert {p for pictures in holders.values() for p in pictures} <= {
        "family-1",
        *{r["picture"] for r in photos if r["platform"] == "vk" and r["role"] in ("stolen", "campaign")},
    }
    # VK: the picture follows the avatar URL's file name; VK's default pictures get no file
    users = [
        u
        for p in files.inputs
        if p.name.startswith("users.get")
        for u in json.loads(p.read_text())["response"]
    ]
    by_token = defaultdict(set)
    for u in users:
        key = ("vk", str(u["id"]))
        assert (key in sha) == ("vk.com/images/" not in u["photo_200"]), u
        if key in sha:
            by_token[u["photo_200"].split("/")[-1].split("?")[0]].add(sha[key])
    assert all(len(s) == 1 for s in by_token.values())


def test_pictures_leave_the_rest_of_the_demo_as_it_was(tmp_path):
    with_photos = generate_demo(tmp_path / "a", seed=3, size="tiny")
    without = generate_demo(tmp_path / "b", seed=3, size="tiny", photos=False)
    assert without.avatars is None and not (tmp_path / "b" / "avatars").exists()
    for a, b in zip(with_photos.inputs, without.inputs, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    rows = {tuple(r.values())[:5] for r in _csv(with_photos.truth)}
    assert rows == {tuple(r.values())[:5] for r in _csv(without.truth)}
    assert all(r["stolen_photo"] == "" for r in _csv(without.truth))


def test_co_avatar_edges_and_the_victims_gallery_find_the_planted_photos(demo_case, copy_case, tmp_path):
    """The tiny demo through the CLI: gallery add, detect, export --what edges, report."""
    files, case = demo_case.files, copy_case(demo_case.path)
    photos = _csv(files.photos)
    picture = {(r["platform"], r["account_id"]): r for r in photos}
    assert "5 picture(s) hashed" in _run("gallery", "add", case, files.victims, "--name", "victims")
    _run("detect", case, "--seed", 5)
    _run("export", case, "--what", "edges", "--format", "csv", "--out", tmp_path / "edges.csv")
    edges = {
        (e["platform"], *sorted((e["account_a"], e["account_b"])))
        for e in _csv(tmp_path / "edges.csv")
        if e["layer"] == "co_avatar"
    }
    expected = _photo_pairs(photos)
    # every edge joins two accounts wearing the same photo; most such pairs directly, all through the groups
    assert edges and edges <= expected
    assert len(edges) >= 0.9 * len(expected)
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for p, a, b in edges:
        parent[find((p, a))] = find((p, b))
    assert all(find((p, a)) == find((p, b)) for p, a, b in expected)  # seed 5: every group whole
    organic_edges = [e for e in edges if picture[(e[0], e[1])]["role"] not in ("stolen", "campaign")]
    assert [picture[(e[0], e[1])]["picture"] for e in organic_edges] == ["family-1"]  # the stated trap
    # the gallery: only accounts wearing a victim's photo, with that victim's file; every uncropped copy
    with Case(case, read_only=True) as c:
        matches = c.con.execute("SELECT platform, account_id, file_name FROM gallery_matches").fetchall()
        flagged = set(
            c.con.execute("SELECT platform, account_id FROM account_scores WHERE flagged").fetchall()
        )
    hit = {(p, a): f for p, a, f in matches}
    stolen = {k: r for k, r in picture.items() if r["role"] == "stolen"}
    assert hit and all(k in stolen and stolen[k]["picture"] == f for k, f in hit.items())
    assert {k for k, r in stolen.items() if "crop" not in r["edits"]} <= set(hit)
    assert victim_file(N_VICTIMS) not in hit.values()  # the victim nobody impersonates
    assert set(hit) <= flagged
    assert not {k for k in flagged if k in picture and picture[k]["role"] not in ("stolen", "campaign")}
    _run("report", case, "--out", tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text("utf-8")
    section = html.split('<section id="avatars">', 1)[1].split("</section>", 1)[0]
    assert "Shared avatars" in section and "data:image/jpeg;base64," in section  # the case holds the files
    assert "victim_1.jpg" in section and "victims" in section  # the gallery hits


@pytest.mark.slow
def test_botwatch_demo_with_pictures_keeps_its_floors_and_its_walkthrough_runs(tmp_path):
    """``botwatch demo`` (small, seed 7) with the pictures: every planted campaign found at precision 1.0; then
    every printed next step runs as printed."""
    out = tmp_path / "demo"
    printed = _run("demo", "--out", out)
    with Case(out / "case.duckdb", read_only=True) as c:
        status = dict(c.con.execute("SELECT status, count(*) FROM avatar_hashes GROUP BY 1").fetchall())
    assert status == {"hashed": len(_csv(out / "data" / "photos.csv"))}  # every picture, none refused
    steps = printed.split("next steps:\n", 1)[1].splitlines()
    commands = [shlex.split(s, comments=True) for s in steps]  # as a shell reads them
    assert [c[1] for c in commands] == ["gallery", "detect", "report", "export", "evaluate"]
    outputs = [_run(*c[1:]) for c in commands]
    evaluation = dict(line.split(": ", 1) for line in outputs[-1].splitlines() if ": " in line)
    assert float(evaluation["precision"]) == 1.0 and float(evaluation["recall"]) >= 0.944
    assert evaluation["groups_recovered"] == str(sorted(SPEC))
    edges = [e for e in _csv(out / "edges.csv") if e["layer"] == "co_avatar"]
    assert edges and all(e["targets"].startswith("photo:") for e in edges)


def test_a_relative_avatars_folder_is_stored_absolute(demo_case, copy_case, tmp_path, monkeypatch):
    """Detect (ORB checks of crops) and report read the pictures again, maybe from another working folder."""
    case = copy_case(demo_case.path)
    monkeypatch.chdir(demo_case.files.out_dir)
    _run("ingest", case, "--avatars", "avatars")
    with Case(case, read_only=True) as c:
        paths = [Path(p) for (p,) in c.con.execute("SELECT path FROM avatar_hashes").fetchall()]
    assert paths and all(p.is_absolute() and p.is_file() for p in paths)
