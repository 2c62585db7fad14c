"""Face encodings of reference-gallery photos, and the search for those faces among the case's profile pictures.

Off by default and optional (``pip install "botwatch[faces]"``: dlib and the CC0 models of
``face-recognition-models``); see ``docs/methods/faces.md`` for the method, its measured trade-off and its risks.

**Method.** The method of the ``face_recognition`` package, called on dlib directly: faces are found with dlib's
HOG frontal-face detector (the picture upsampled ``upsample`` times: once finds faces down to about 40 px), five
landmarks align each face, and dlib's ResNet (``dlib_face_recognition_resnet_model_v1``, 99.38 % on the LFW
pairs benchmark at distance 0.6) maps it to a 128-number encoding. Two faces are called the same person when the
Euclidean distance of their encodings is at most ``max_distance``; botwatch's default (0.5, see
:mod:`botwatch.detectors.face_gallery`) is stricter than dlib's 0.6.

**What is stored.** ``gallery add --faces`` stores the encodings of the faces in the gallery's photos
(``gallery_faces``), never the photos. The case's profile pictures are encoded only while a ``detect --faces``
run searches them, and only their matches are kept (``face_matches``): botwatch never stores or compares the
faces of a case among themselves.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from botwatch.errors import BotwatchError
from botwatch.images.hashing import ImageRefused, decode, read_bounded
from botwatch.store.rows import insert_rows

FACE_MODEL = "dlib-resnet-v1-5pt"  # recorded with every encoding: encodings of other models do not compare
ENCODING_SIZE = 128
MAX_SIDE = 1024  # pictures are searched for faces at most this many pixels wide or high
MAX_FACES_PER_PICTURE = 32  # a crowd photo is not a portrait; more faces than this are not encoded
INSTALL_HINT = (
    'face matching needs the optional face models: pip install "botwatch[faces]" '
    "(dlib-bin and face-recognition-models, about 130 MB, offline once installed)"
)
_MODEL_FILES = {
    "landmarks": "shape_predictor_5_face_landmarks.dat",
    "encoder": "dlib_face_recognition_resnet_model_v1.dat",
}


@dataclass(frozen=True)
class Face:
    """One face found in a picture: its box (left, top, right, bottom, in the searched copy) and encoding."""

    box: tuple[int, int, int, int]
    encoding: np.ndarray


@dataclass(frozen=True)
class FaceMatch:
    """A face of an account's picture within ``distance`` of face ``face`` of photo ``file_name`` of a gallery;
    ``faces_in_picture``: how many faces the account's picture holds."""

    platform: str
    account_id: str
    gallery: str
    file_name: str
    face: int
    distance: float
    faces_in_picture: int


def faces_available() -> bool:
    """Whether dlib and the face models are installed (without loading them)."""
    return importlib.util.find_spec("dlib") is not None and _models_dir() is not None


def _models_dir() -> Path | None:
    """The models folder of ``face_recognition_models``, found without importing it (its ``__init__`` needs
    ``pkg_resources``, which recent setuptools no longer ship)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    return folder if all((folder / f).is_file() for f in _MODEL_FILES.values()) else None


@functools.cache
def _backend():
    """dlib's detector, landmark model and encoder, loaded once per process; BotwatchError when missing."""
    folder = _models_dir()
    try:
        import dlib
    except ImportError:
        dlib = None
    if dlib is None or folder is None:
        raise BotwatchError(INSTALL_HINT)
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(str(folder / _MODEL_FILES["landmarks"])),
        dlib.face_recognition_model_v1(str(folder / _MODEL_FILES["encoder"])),
    )


def require_faces() -> None:
    """Load the face models now, or raise BotwatchError saying what to install."""
    _backend()


def picture_faces(data: bytes, max_pixels: int, upsample: int = 1) -> list[Face]:
    """The faces of one picture's bytes (at most :data:`MAX_FACES_PER_PICTURE`, left to right), or
    ImageRefused for a picture that cannot be read safely (see :func:`botwatch.images.hashing.decode`)."""
    detector, landmarks, encoder = _backend()
    img = decode(data, max_pixels, draft=MAX_SIDE, mode="RGB")
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    rgb = np.ascontiguousarray(np.asarray(img, dtype=np.uint8))
    rects = sorted(detector(rgb, int(upsample)), key=lambda r: (r.left(), r.top()))
    faces = []
    for r in rects[:MAX_FACES_PER_PICTURE]:
        encoding = np.array(encoder.compute_face_descriptor(rgb, landmarks(rgb, r)), dtype=np.float64)
        faces.append(Face((r.left(), r.top(), r.right(), r.bottom()), encoding))
    return faces


def add_gallery_faces(con, source, name: str, limits: dict, upsample: int = 1) -> dict:
    """Store the face encodings of the photos of gallery ``name`` (replacing its earlier ones): of every
    picture under the folder ``source`` that the gallery holds, or those a ``galleries`` Parquet export carries.
    Returns counts: photos searched, photos with a face, faces, refused."""
    require_faces()
    source = Path(source)
    if source.is_file() and source.suffix.lower() == ".parquet":
        rows, counts = _face_rows_from_export(source, name)
    else:
        rows, counts = _face_rows_from_folder(con, source, name, limits, upsample)
    con.execute("DELETE FROM gallery_faces WHERE gallery = ?", [name])
    insert_rows(con, "gallery_faces", rows)
    con.execute("UPDATE gallery_faces SET added_at = now()::TIMESTAMP WHERE added_at IS NULL")
    return counts


def _face_rows_from_folder(con, source: Path, name: str, limits: dict, upsample: int):
    files = con.execute(
        "SELECT file_name, sha256 FROM galleries WHERE gallery = ? AND status = 'hashed' ORDER BY 1", [name]
    ).fetchall()
    rows, counts = [], {"photos": len(files), "with_face": 0, "faces": 0, "refused": 0}
    for file_name, sha in files:
        try:
            data = read_bounded(source / file_name, int(limits["max_file_bytes"]))
            faces = picture_faces(data, int(limits["max_pixels"]), upsample)
        except ImageRefused:
            counts["refused"] += 1
            continue
        counts["with_face"] += bool(faces)
        counts["faces"] += len(faces)
        rows += [_face_row(name, file_name, sha, n, f.encoding, list(f.box)) for n, f in enumerate(faces)]
    return rows, counts


def _face_row(gallery, file_name, sha256, face, encoding, box) -> dict:
    return {
        "gallery": gallery,
        "file_name": file_name,
        "sha256": sha256,
        "face": face,
        "box": box,
        "model": FACE_MODEL,
        "encoding": [float(x) for x in encoding],
    }


def _face_rows_from_export(path: Path, name: str):
    """Face rows from the ``face_encodings`` column of a ``galleries`` Parquet export (another newsroom's
    gallery), each encoding checked: :data:`ENCODING_SIZE` finite numbers of our model."""
    import pyarrow.parquet as pq

    columns = set(pq.read_schema(path).names)
    if not {"face_model", "face_encodings"} <= columns:
        raise BotwatchError(
            f"{path}: the file carries no face encodings (export --what galleries of a gallery added with "
            "--faces, without --pseudonymize, carries them)"
        )
    wanted = ["sha256", "face_model", "face_encodings"] + (["file_name"] if "file_name" in columns else [])
    table = pq.read_table(path, columns=wanted)
    rows, photos = [], 0
    for n, r in enumerate(table.to_pylist(), start=1):
        encodings = r["face_encodings"] or []
        if not encodings:
            continue
        if r["face_model"] != FACE_MODEL or len(encodings) > MAX_FACES_PER_PICTURE:
            raise BotwatchError(
                f"{path}: row {n} holds no {FACE_MODEL} encodings; export it with this botwatch"
            )
        for face, enc in enumerate(encodings):
            if len(enc or []) != ENCODING_SIZE or not all(
                isinstance(x, float) and math.isfinite(x) for x in enc
            ):
                raise BotwatchError(f"{path}: row {n}, face {face}: not {ENCODING_SIZE} finite numbers")
            file_name = r.get("file_name") or f"{r['sha256'][:16]} (imported)"
            rows.append(_face_row(name, file_name, r["sha256"], face, enc, None))
        photos += 1
    return rows, {"photos": len(table), "with_face": photos, "faces": len(rows), "refused": 0}


def gallery_face_table(con) -> tuple[list[tuple[str, str, int]], np.ndarray]:
    """Every stored gallery face of our model: its (gallery, file name, face number) and an (n, 128) array."""
    got = con.execute(
        "SELECT gallery, file_name, face, encoding FROM gallery_faces WHERE model = ? ORDER BY 1, 2, 3",
        [FACE_MODEL],
    ).fetchall()
    owners = [(g, f, int(n)) for g, f, n, _ in got]
    encodings = np.array([e for *_, e in got], dtype=np.float64).reshape(len(got), ENCODING_SIZE)
    return owners, encodings


def match_faces(
    pictures, owners, encodings: np.ndarray, max_distance: float, limits: dict, upsample: int = 1
) -> tuple[list[FaceMatch], dict]:
    """Gallery faces within ``max_distance`` of a face in each of ``pictures`` (account pictures with a
    ``path``, :class:`botwatch.images.avatars.Picture`), and counts. A file shared by several accounts is
    encoded once; the encodings of the case's faces are dropped as soon as they are compared."""
    by_file: dict[str, list] = {}
    for pic in pictures:
        if pic.path:
            by_file.setdefault(pic.sha256, []).append(pic)
    found, counts = [], {"pictures": len(by_file), "with_face": 0, "refused": 0}
    for pics in by_file.values():
        try:
            data = read_bounded(pics[0].path, int(limits["max_file_bytes"]))
            faces = picture_faces(data, int(limits["max_pixels"]), upsample)
        except ImageRefused:
            counts["refused"] += 1
            continue
        counts["with_face"] += bool(faces)
        if not faces or not owners:
            continue
        dist = np.linalg.norm(np.stack([f.encoding for f in faces])[:, None, :] - encodings[None], axis=2)
        best = dist.min(axis=0)  # per gallery face, its closest face in this picture
        for k in np.flatnonzero(best <= max_distance):
            gallery, file_name, face = owners[int(k)]
            for pic in pics:
                platform, acct = pic.owner
                d = round(float(best[k]), 4)
                found.append(FaceMatch(platform, acct, gallery, file_name, face, d, len(faces)))
    found.sort(key=lambda m: (m.platform, m.account_id, m.distance, m.gallery, m.file_name, m.face))
    return found, counts
