"""Profile pictures showing a face of the investigator's reference gallery (off by default; ``detect --faces``).

A stolen-photo account often wears a *different* photo of its victim than the ones the investigator holds, which
no perceptual hash matches. When a gallery was added with ``botwatch gallery add CASE DIR --name NAME --faces``
(face encodings of its photos, never the photos) and this detector is switched on (``faces = true`` in the
config's ``[face_gallery]`` table, or ``botwatch detect --faces``), every profile picture the case holds as a file
is searched for faces (:mod:`botwatch.images.faces`) and each face within ``max_face_distance`` of a gallery
face is written to ``face_matches`` with the gallery, the photo and the distance.

A face match is a weaker and riskier claim than a near-identical photo (look-alikes, relatives, and more false
matches for some groups of people): scoring adds it as evidence with a modest strength (``face_match``) and
never flags an account on it. The case's faces are never compared among themselves. See
``docs/methods/faces.md`` for the measured trade-off of the threshold and the risks.
"""

from __future__ import annotations

from botwatch.detectors.base import Detector, Interval, IsBool, RunContext, Setting
from botwatch.errors import BotwatchError
from botwatch.images.avatars import IMAGE_SETTINGS, account_pictures, hash_account_avatars
from botwatch.images.faces import FACE_MODEL, gallery_face_table, match_faces, require_faces
from botwatch.store.rows import insert_rows


class FaceGalleryDetector(Detector):
    """``face_matches`` rows: a face in an account's picture close to a face of a reference gallery."""

    name = "face_gallery"
    description = "Profile pictures showing a face of a reference gallery (off unless asked: detect --faces)"
    tables = ("face_matches",)
    settings = (
        Setting(
            "faces",
            False,
            IsBool(),
            "search profile pictures for the faces of galleries added with --faces (needs botwatch[faces]; "
            "read docs/methods/faces.md on the risks first)",
        ),
        Setting(
            "max_face_distance",
            0.5,
            Interval(float, 0.0, 0.6),
            "encodings at most this far apart are the same face (dlib's own threshold, 0.6, is the loosest "
            "allowed)",
        ),
        Setting("face_upsample", 1, Interval(int, 0, 2), "times a picture is upsampled to find small faces"),
        *IMAGE_SETTINGS,
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        con, p = ctx.con, self.params
        con.execute("DELETE FROM face_matches WHERE run_id = ?", [ctx.run_id])
        if not p["faces"]:
            return {"faces": "off"}
        require_faces()
        owners, encodings = gallery_face_table(con)
        if not owners:
            raise BotwatchError(
                f"detect --faces: no gallery holds {FACE_MODEL} face encodings; add one first with "
                "botwatch gallery add CASE DIR --name NAME --faces"
            )
        limits = {k: p[k] for k in ("max_file_bytes", "max_pixels")}
        hash_account_avatars(con, limits)  # pictures an adapter saw that shared_avatar has not hashed yet
        matches, counts = match_faces(
            account_pictures(con),
            owners,
            encodings,
            float(p["max_face_distance"]),
            limits,
            int(p["face_upsample"]),
        )
        insert_rows(
            con,
            "face_matches",
            [
                {"run_id": ctx.run_id, **m.__dict__, "max_distance": float(p["max_face_distance"])}
                for m in matches
            ],
        )
        return {
            "gallery_faces": len(owners),
            "pictures_searched": counts["pictures"],
            "pictures_with_face": counts["with_face"],
            "refused": counts["refused"],
            "face_matches": len(matches),
            "accounts_matched": len({(m.platform, m.account_id) for m in matches}),
        }
