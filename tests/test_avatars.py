"""Perceptual avatar matching: edited copies match, other pictures do not, bombs are refused, and the pictures
of an --avatars folder and of a reference gallery reach edges, evidence and exports."""

import csv
import json
import sqlite3
import struct
import zlib

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from botwatch.cli import cli
from botwatch.images.avatars import Picture, match_pictures
from botwatch.images.hashing import ImageRefused, hash_picture, read_bounded
from botwatch.images.synthetic import jpeg_bytes, portrait, similar_portrait, transformed

EDITS = ("jpeg", "resize", "mirror", "crop")


def _picture(path, owner) -> Picture:
    h = hash_picture(path.read_bytes(), 10**8)
    return Picture(owner, str(path), h.sha256, h.phash, h.mirror, tuple(h.windows))


def test_edited_copies_match_and_other_people_in_similar_pictures_do_not(tmp_path):
    rng = np.random.default_rng(5)
    pictures = []
    for seed in range(4):
        original = portrait(seed)
        files = {"orig": original, **{e: transformed(original, e, rng) for e in EDITS}}
        files["similar"] = similar_portrait(seed)
        for kind, img in files.items():
            path = tmp_path / f"{seed}-{kind}.jpg"
            path.write_bytes(jpeg_bytes(img, 90))
            pictures.append(_picture(path, ("vk", f"{seed}-{kind}")))
    found = {tuple(sorted((m.a.owner[1], m.b.owner[1]))): m.how for m in match_pictures(pictures)}
    # every edited copy matches its original; nothing matches across pictures, nor the similar picture
    assert {tuple(sorted((f"{s}-{e}", f"{s}-orig"))) for s in range(4) for e in EDITS} <= set(found)
    assert all(a[0] == b[0] and "similar" not in a + b for a, b in found)
    assert found[("0-mirror", "0-orig")] == "same picture, mirrored"
    assert found[("0-crop", "0-orig")].startswith("cropped")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header announces width x height pixels (a decompression bomb's calling card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_bombs_oversized_files_and_non_images_are_refused_with_a_reason(tmp_path):
    for side, reason in (
        (8_000, "image of 8000 x 8000 pixels is over max_pixels 40000000 (a decompression bomb?)"),
        (100_000, "decompression bomb refused: Image size (10000000000 pixels) exceeds limit"),
    ):
        try:
            hash_picture(_png_header_only(side, side), 40_000_000)
            raise AssertionError("bomb accepted")
        except ImageRefused as exc:
            assert str(exc).startswith(reason)
    big = tmp_path / "big.jpg"
    big.write_bytes(jpeg_bytes(portrait(1)))
    try:
        read_bounded(big, 100)
        raise AssertionError("oversized file read")
    except ImageRefused as exc:
        assert str(exc) == "file is over max_file_bytes 100"
    for data in (b"%PDF-1.4 not a picture", b"GIF89a\x01"):
        try:
            hash_picture(data, 40_000_000)
            raise AssertionError("non-image accepted")
        except ImageRefused as exc:
            assert str(exc).startswith("not a readable JPEG/PNG/GIF/WebP/BMP image")


def _comments_csv(path, accounts) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "account_id", "created_at", "text"])
        for n, acct in enumerate(accounts):
            w.writerow(
                [f"i{n}", acct, f"2024-03-0{1 + n % 9}T10:{n % 60:02d}:00Z", f"my own words number {n}"]
            )


def _run(args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _case_with_avatars(tmp_path, use_map: bool):
    """Accounts a (original), b (mirrored copy), c (cropped copy), d (another person), e (not in the case)."""
    rng = np.random.default_rng(1)
    original = portrait(11)
    pics = {
        "a": original,
        "b": transformed(original, "mirror", rng),
        "c": transformed(original, "crop", rng),
        "d": portrait(12),
        "e": original,
    }
    folder = tmp_path / "avatars"
    folder.mkdir()
    rows = [("account_id", "file")]
    for acct, img in pics.items():
        name = f"photo_{acct}.jpg" if use_map else f"{acct}.jpg"
        (folder / name).write_bytes(jpeg_bytes(img, 80))
        rows.append((acct, name))
    (folder / "bomb.png").write_bytes(_png_header_only(100_000, 100_000))
    rows.append(("d", "../outside.jpg"))
    rows.append(("d", "missing.jpg"))
    if use_map:
        with (folder / "map.csv").open("w", newline="") as f:
            csv.writer(f).writerows(rows)
    data = tmp_path / "comments.csv"
    _comments_csv(data, ["a", "b", "c", "d"] * 3)
    case = tmp_path / "case.duckdb"
    out = _run(["ingest", case, data, "--avatars", folder])
    return case, out


def test_avatars_folder_by_file_name_gives_co_avatar_edges_that_do_not_flag_alone(tmp_path):
    case, out = _case_with_avatars(tmp_path, use_map=False)
    assert (
        "avatars folder: 6 pictures, 4 matched to accounts (4 hashed, 0 refused: see avatar_hashes.reason), "
        "2 unmatched (2 no such account in the case)" in out  # e, bomb
    )
    detect = _run(["detect", case])
    assert "accounts flagged: 0" in detect  # a shared photo alone never flags
    _run(["export", case, "--what", "edges", "--format", "csv", "--out", tmp_path / "edges.csv"])
    with (tmp_path / "edges.csv").open() as f:
        edges = [r for r in csv.DictReader(f) if r["layer"] == "co_avatar"]
    assert {(r["account_a"], r["account_b"]) for r in edges} == {("a", "b"), ("a", "c"), ("b", "c")}
    assert len({r["targets"] for r in edges}) == 1  # one picture, one target
    _run(["export", case, "--what", "evidence", "--format", "csv", "--out", tmp_path / "ev.csv"])
    with (tmp_path / "ev.csv").open() as f:
        evidence = {(r["account_id"], r["description"]) for r in csv.DictReader(f)}
    assert ("a", "uses the same profile picture as 2 other account(s)") in evidence


def test_avatars_folder_with_map_csv_records_refusals(tmp_path):
    case, out = _case_with_avatars(tmp_path, use_map=True)
    assert "7 pictures, 6 matched to accounts (4 hashed, 2 refused" in out
    assert "1 unmatched (1 no such account in the case)" in out
    import duckdb

    con = duckdb.connect(str(case), read_only=True)
    rows = con.execute(
        "SELECT account_id, status, reason, sha256 IS NOT NULL FROM avatar_hashes ORDER BY 1, path"
    ).fetchall()
    con.close()
    assert ("d", "refused", "file outside the avatars folder", False) in rows
    assert ("d", "refused", "not a regular file", False) in rows
    assert [r[0] for r in rows if r[1] == "hashed"] == ["a", "b", "c", "d"]


@pytest.mark.slow
def test_a_gallery_match_flags_with_its_name_and_travels_in_exports(tmp_path):
    case, _ = _case_with_avatars(tmp_path, use_map=False)
    gallery = tmp_path / "victim"
    gallery.mkdir()
    rng = np.random.default_rng(2)
    (gallery / "victim-profile.jpg").write_bytes(jpeg_bytes(transformed(portrait(11), "resize", rng), 60))
    (gallery / "unrelated.png").write_bytes(jpeg_bytes(portrait(99)))
    assert "2 picture(s) hashed, 0 refused" in _run(["gallery", "add", case, gallery, "--name", "aigerim-k"])
    assert "aigerim-k: 2 hashed, 0 refused" in _run(["gallery", "list", case])
    _run(["detect", case])
    _run(["export", case, "--what", "accounts", "--format", "csv", "--out", tmp_path / "acc.csv"])
    with (tmp_path / "acc.csv").open() as f:
        flagged = {r["account_id"]: r["reasons"] for r in csv.DictReader(f) if r["flagged"] == "true"}
    # the same picture, whole or mirrored; c's crop is not: a gallery keeps no image for the ORB check, and the
    # crop's hash is not within max_distance of the gallery photo's windows; d, another person, is not
    assert set(flagged) == {"a", "b"}
    assert (
        "photo 'victim-profile.jpg' of reference gallery 'aigerim-k' (same picture, distance" in flagged["a"]
    )
    assert "mirrored" in flagged["b"]

    table = pq.read_table(
        _run(["export", case, "--what", "galleries", "--format", "parquet", "--out", tmp_path / "g.parquet"])
        .split("wrote ")[1]
        .strip()
    ).to_pylist()
    assert {r["file_name"] for r in table} == {"victim-profile.jpg", "unrelated.png"}
    assert all(len(r["phash"]) == 16 and len(r["windows"]) == 4 for r in table)
    # another newsroom: its own case and pictures, the gallery's hashes only
    other = tmp_path / "other"
    other.mkdir()
    other_case, _ = _case_with_avatars(other, use_map=True)
    out = _run(["gallery", "add", other_case, tmp_path / "g.parquet", "--name", "from-partner"])
    assert "2 picture(s) hashed, 0 refused" in out
    _run(["detect", other_case])
    _run(["export", other_case, "--what", "evidence", "--format", "csv", "--out", other / "ev.csv"])
    with (other / "ev.csv").open() as f:
        hits = {r["account_id"] for r in csv.DictReader(f) if r["detector"] == "gallery"}
    assert hits == {"a", "b"}
    bad = CliRunner().invoke(
        cli, ["gallery", "add", str(other_case), str(tmp_path / "acc.csv"), "--name", "x"]
    )
    assert bad.exit_code == 1 and "not a folder of photos nor a .parquet file" in bad.output
    _run(
        ["export", case, "--what", "edges", "--format", "sqlite", "--out", tmp_path / "db", "--pseudonymize"]
    )
    db = sqlite3.connect(tmp_path / "db" / "case.db")
    rows = db.execute("SELECT * FROM galleries").fetchall()
    columns = [d[0] for d in db.execute("SELECT * FROM galleries").description]
    assert len(rows) == 2 and "file_name" not in columns and "phash" in columns
    meta = json.loads((tmp_path / "db" / "metadata.json").read_text())
    assert "galleries" in meta["databases"]["case"]["tables"]


def test_report_data_groups_accounts_by_picture_and_hides_photos_when_pseudonymised(tmp_path):
    import duckdb

    from botwatch.privacy import Pseudonymizer
    from botwatch.report.avatar_data import load_avatar_groups
    from botwatch.report.data import ReportLimits
    from botwatch.report.identity import Identities

    case, _ = _case_with_avatars(tmp_path, use_map=False)
    _run(["detect", case])
    con = duckdb.connect(str(case))
    run_id = con.execute("SELECT max(run_id) FROM runs").fetchone()[0]
    (group,) = load_avatar_groups(con, run_id, Identities(), [tmp_path], ReportLimits())
    assert [m["account_id"] for m in group["members"]] == ["a", "b", "c"]
    assert all(m["data_uri"].startswith("data:image/jpeg;base64,") for m in group["members"])
    assert any("mirrored" in r for r in group["rules"]) and any("cropped" in r for r in group["rules"])
    pz = Pseudonymizer.for_case(con, "salt")
    (hidden,) = load_avatar_groups(con, run_id, Identities(pz), [tmp_path], ReportLimits())
    con.close()
    assert all(m["data_uri"] is None and m["label"] != m["account_id"] for m in hidden["members"])
