"""Face matching against a reference gallery: off by default, evidence that never flags, clear errors.

The tests with real faces read public-domain portraits that installed packages ship (scikit-image's
``astronaut.png``, Eileen Collins, NASA; matplotlib's ``grace_hopper.jpg``, U.S. Navy), never a photo kept in
this repository, and skip when those packages or the face models (``botwatch[faces]``) are not installed.
"""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from botwatch import Case
from botwatch.cli import cli
from botwatch.errors import BotwatchError
from botwatch.images import faces as faces_mod
from botwatch.images.synthetic import jpeg_bytes, portrait
from botwatch.pipeline import detect_case


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _comments_csv(path: Path, accounts) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "account_id", "created_at", "text"])
        for n, acct in enumerate(accounts):
            w.writerow([f"i{n}", acct, f"2024-03-01T10:{n:02d}:00Z", f"my own words number {n}"])
    return path


@pytest.fixture
def no_face_models(monkeypatch):
    """As if botwatch[faces] were not installed."""
    monkeypatch.setattr(faces_mod, "_models_dir", lambda: None)
    faces_mod._backend.cache_clear()
    yield
    faces_mod._backend.cache_clear()


def test_without_the_models_a_face_option_says_what_to_install_and_writes_nothing(tmp_path, no_face_models):
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    (gallery / "p.jpg").write_bytes(jpeg_bytes(portrait(1)))
    case = tmp_path / "c.duckdb"
    assert _invoke("ingest", case, _comments_csv(tmp_path / "c.csv", ["a"])).exit_code == 0
    got = _invoke("gallery", "add", case, gallery, "--name", "v", "--faces")
    assert got.exit_code == 1
    assert 'pip install "botwatch[faces]"' in got.output
    with Case(case, read_only=True) as c:
        assert c.con.execute("SELECT count(*) FROM galleries").fetchone()[0] == 0
    got = _invoke("detect", case, "--faces")
    assert got.exit_code == 1 and 'pip install "botwatch[faces]"' in got.output
    assert not faces_mod.faces_available()


def test_face_matching_is_off_by_default_and_checks_its_threshold(tmp_path, no_face_models):
    case = tmp_path / "c.duckdb"
    assert _invoke("ingest", case, _comments_csv(tmp_path / "c.csv", ["a", "b"])).exit_code == 0
    result = detect_case(case)  # the models are missing, and nothing asks for them
    assert result.detectors["face_gallery"]["faces"] == "off"
    with pytest.raises(BotwatchError, match=r"'max_face_distance' parameter of face_gallery must be a float"):
        detect_case(case, config={"face_gallery": {"faces": True, "max_face_distance": 0.7}})
    with pytest.raises(BotwatchError, match="add --only face_gallery"):
        detect_case(case, only=["near_duplicate"], faces=True)


def _face_match_case(make_case):
    case = make_case()
    case.con.execute(
        "INSERT INTO accounts (platform, account_id) VALUES ('vk', 'a'), ('vk', 'b'), ('vk', 'c')"
    )
    case.con.execute(
        """INSERT INTO face_matches VALUES
           (1, 'vk', 'a', 'victim', 'beach.jpg', 0, 0.42, 1, 0.5),
           (1, 'vk', 'a', 'victim', 'office.jpg', 0, 0.31, 1, 0.5),
           (1, 'vk', 'b', 'victim', 'beach.jpg', 0, 0.48, 3, 0.5)"""
    )
    case.con.execute(
        "INSERT INTO gallery_matches VALUES (1, 'vk', 'c', 'victim', 'beach.jpg', 'x', 2, 'same picture')"
    )
    return case


def test_a_face_match_is_evidence_with_gallery_and_distance_and_never_flags(make_case):
    from botwatch.scoring.score import score_accounts

    case = _face_match_case(make_case)
    score_accounts(case.con, 1)
    scores = dict(
        case.con.execute("SELECT account_id, (score, flagged) FROM account_scores ORDER BY 1").fetchall()
    )
    assert scores == {"a": (0.3, False), "b": (0.3, False), "c": (0.9, True)}  # the photo match flags
    evidence = case.con.execute(
        "SELECT account_id, detector, description FROM evidence WHERE detector = 'gallery_face' ORDER BY 1"
    ).fetchall()
    assert evidence == [  # the closest face of the gallery, once per account and gallery
        (
            "a",
            "gallery_face",
            "the face in the profile picture resembles face 1 of photo 'office.jpg' of reference gallery "
            "'victim' (face distance 0.31, threshold 0.50; a resemblance to check by eye, not a flag)",
        ),
        (
            "b",
            "gallery_face",
            "one of 3 faces in the profile picture resembles face 1 of photo 'beach.jpg' of reference gallery "
            "'victim' (face distance 0.48, threshold 0.50; a resemblance to check by eye, not a flag)",
        ),
    ]


def _encodings_case(path):
    case = Case(path)
    case.con.execute(
        """INSERT INTO galleries (gallery, file_name, sha256, hash_kind, phash, mirror, windows, status)
           VALUES ('victim', 'p.jpg', repeat('a', 64), 'phash64-views-v1', repeat('0', 16), repeat('1', 16),
                   [repeat('2', 16), repeat('3', 16), repeat('4', 16), repeat('5', 16)], 'hashed')"""
    )
    enc = [round(0.01 * k, 2) for k in range(128)]
    case.con.execute(
        "INSERT INTO gallery_faces VALUES ('victim', 'p.jpg', repeat('a', 64), 0, [1, 2, 3, 4], ?, ?, now())",
        [faces_mod.FACE_MODEL, enc],
    )
    case.close()
    return path, enc


def test_gallery_exports_carry_face_encodings_unless_pseudonymized(new_case_path, tmp_path):
    import pyarrow.parquet as pq

    from botwatch.export import export

    case, enc = _encodings_case(new_case_path)
    export(case, "galleries", "parquet", tmp_path / "g.parquet")
    export(case, "galleries", "parquet", tmp_path / "p.parquet", pseudonymize=True)
    row = pq.read_table(tmp_path / "g.parquet").to_pylist()[0]
    assert row["face_model"] == faces_mod.FACE_MODEL and row["face_encodings"] == [enc]
    assert not {"face_encodings", "face_model", "file_name"} & set(
        pq.read_schema(tmp_path / "p.parquet").names
    )
    rows, counts = faces_mod._face_rows_from_export(tmp_path / "g.parquet", "theirs")
    assert counts == {"photos": 1, "with_face": 1, "faces": 1, "refused": 0}
    assert rows[0]["encoding"] == enc and rows[0]["file_name"] == "p.jpg"
    with pytest.raises(BotwatchError, match="carries no face encodings"):
        faces_mod._face_rows_from_export(tmp_path / "p.parquet", "theirs")


def test_a_bad_encoding_in_an_imported_gallery_is_refused(make_case, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    bad = {"sha256": ["a" * 64], "face_model": [faces_mod.FACE_MODEL], "face_encodings": [[[0.1] * 127]]}
    pq.write_table(pa.table(bad), tmp_path / "bad.parquet")
    with pytest.raises(BotwatchError, match="row 1, face 0: not 128 finite numbers"):
        faces_mod._face_rows_from_export(tmp_path / "bad.parquet", "theirs")


# --- real faces (skipped without botwatch[faces], scikit-image and matplotlib) -------------------------------


def _package_file(package: str, *parts: str) -> Path:
    pytest.importorskip(package)
    path = Path(next(iter(importlib.util.find_spec(package).submodule_search_locations))).joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{package} does not ship {'/'.join(parts)}")
    return path


@pytest.fixture
def photos():
    """(astronaut photo, Grace Hopper photo) as RGB images, or skip."""
    pytest.importorskip("dlib")
    if not faces_mod.faces_available():
        pytest.skip('the face models are not installed (pip install "botwatch[faces]")')
    astronaut = _package_file("skimage", "data", "astronaut.png")
    hopper = _package_file("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg")
    return Image.open(astronaut).convert("RGB"), Image.open(hopper).convert("RGB")


def _save(img: Image.Image, path: Path, quality: int = 85) -> None:
    path.write_bytes(jpeg_bytes(img, quality))


def test_edited_copies_of_a_face_are_close_and_other_faces_far(photos):
    from botwatch.images.avatars import Picture

    astronaut, hopper = photos
    owners, encodings = [], []
    for name, img in (("collins.jpg", astronaut), ("hopper.jpg", hopper)):
        for n, face in enumerate(faces_mod.picture_faces(jpeg_bytes(img, 95), 40_000_000)):
            owners.append(("victims", name, n))
            encodings.append(face.encoding)
    assert [o[1:] for o in owners] == [("collins.jpg", 0), ("collins.jpg", 1), ("hopper.jpg", 0)]
    head = astronaut.crop((90, 10, 390, 310)).resize((256, 256)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    copy = jpeg_bytes(head, 40)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "a.jpg").write_bytes(copy)
        pic = Picture(("vk", "a"), str(Path(folder) / "a.jpg"), "s" * 64, "", "", ())
        limits = {"max_file_bytes": 5_000_000, "max_pixels": 40_000_000}
        found, counts = faces_mod.match_faces([pic], owners, np.stack(encodings), 0.6, limits)
    assert counts == {"pictures": 1, "with_face": 1, "refused": 0}
    # her face, not the mission patch (face 0) nor Grace Hopper, even at dlib's loose 0.6
    assert [(m.account_id, m.file_name, m.face) for m in found] == [("a", "collins.jpg", 1)]
    assert found[0].distance < 0.4


@pytest.mark.slow
def test_faces_in_edited_copies_match_the_gallery_from_the_cli_and_from_a_shared_export(tmp_path, photos):
    astronaut, hopper = photos
    gallery, avatars = tmp_path / "gallery", tmp_path / "avatars"
    gallery.mkdir()
    avatars.mkdir()
    _save(astronaut, gallery / "collins.jpg", 95)
    head = astronaut.crop(
        (90, 10, 390, 310)
    )  # a head-and-shoulders avatar: no perceptual match with the photo
    _save(head.resize((256, 256)).transpose(Image.Transpose.FLIP_LEFT_RIGHT), avatars / "m1.jpg", 50)
    _save(
        head.crop((15, 15, 285, 285)).resize((400, 400)).convert("L").convert("RGB"), avatars / "m2.jpg", 70
    )
    _save(hopper.crop((60, 40, 460, 440)).resize((256, 256)), avatars / "other.jpg")
    _save(portrait(5), avatars / "drawn.jpg")
    out = io.BytesIO()
    Image.open(_package_file("skimage", "data", "coffee.png")).convert("RGB").save(out, "PNG")
    (avatars / "coffee.png").write_bytes(out.getvalue())
    case = tmp_path / "c.duckdb"
    accounts = ["m1", "m2", "other", "drawn", "coffee"]
    assert (
        _invoke("ingest", case, _comments_csv(tmp_path / "c.csv", accounts), "--avatars", avatars).exit_code
        == 0
    )
    got = _invoke("gallery", "add", case, gallery, "--name", "victim", "--faces")
    assert got.exit_code == 0, got.output
    assert (
        "2 face(s) encoded in 1 of 1 photo(s)" in got.output
    )  # her face, and the mission patch on her sleeve

    assert _invoke("detect", case).exit_code == 0  # off by default
    with Case(case, read_only=True) as c:
        assert c.con.execute("SELECT count(*) FROM face_matches").fetchone()[0] == 0
    got = _invoke("detect", case, "--faces")
    assert got.exit_code == 0, got.output
    with Case(case, read_only=True) as c:
        matches = c.con.execute(
            "SELECT account_id, file_name, face, distance FROM face_matches ORDER BY 1"
        ).fetchall()
        flagged = c.con.execute("SELECT count(*) FROM account_scores WHERE flagged").fetchone()[0]
        gallery_face = c.con.execute(
            "SELECT account_id FROM evidence WHERE detector = 'gallery_face' ORDER BY 1"
        ).fetchall()
    assert [(a, f, n) for a, f, n, _ in matches] == [("m1", "collins.jpg", 1), ("m2", "collins.jpg", 1)]
    assert all(d < 0.4 for *_, d in matches)  # measured: edited copies 0.08-0.45, other people >= 0.6
    assert flagged == 0 and gallery_face == [("m1",), ("m2",)]

    export = tmp_path / "g.parquet"
    assert (
        _invoke("export", case, "--what", "galleries", "--format", "parquet", "--out", export).exit_code == 0
    )
    other_case = tmp_path / "other.duckdb"
    _invoke("ingest", other_case, _comments_csv(tmp_path / "c.csv", accounts), "--avatars", avatars)
    got = _invoke("gallery", "add", other_case, export, "--name", "shared", "--faces")
    assert got.exit_code == 0 and "2 face(s) encoded in 1 of 1 photo(s)" in got.output
    assert _invoke("detect", other_case, "--faces").exit_code == 0
    with Case(other_case, read_only=True) as c:
        again = c.con.execute("SELECT account_id, distance FROM face_matches ORDER BY 1").fetchall()
    assert again == [(a, d) for a, _, _, d in matches]  # the same matches from the shared encodings


def test_detect_faces_without_a_face_gallery_says_how_to_add_one(tmp_path, photos):
    case = tmp_path / "c.duckdb"
    assert _invoke("ingest", case, _comments_csv(tmp_path / "c.csv", ["a"])).exit_code == 0
    got = _invoke("detect", case, "--faces")
    assert got.exit_code == 1
    assert "no gallery holds" in got.output and "gallery add CASE DIR --name NAME --faces" in got.output


def test_picture_faces_are_deterministic_and_refuse_bombs(photos):
    from botwatch.images.hashing import ImageRefused

    data = jpeg_bytes(photos[1].resize((256, 300)))
    a, b = faces_mod.picture_faces(data, 40_000_000), faces_mod.picture_faces(data, 40_000_000)
    assert len(a) == 1 and np.array_equal(a[0].encoding, b[0].encoding) and a[0].encoding.shape == (128,)
    with pytest.raises(ImageRefused, match="over max_pixels"):
        faces_mod.picture_faces(data, 1000)
