"""Perceptual hashes of profile pictures, read safely, and the ORB check of a candidate pair.

**Reading.** A picture is refused, with a reason, when the file is larger than ``max_file_bytes``, when it is
not a JPEG, PNG, GIF, WebP or BMP, or when its header announces more than ``max_pixels`` pixels (a decompression
bomb: a few kilobytes that decode to gigabytes). Only the first frame is decoded, JPEGs at a reduced scale
(``draft``), so decoding costs about the same for a 256 px avatar and a 12-megapixel photo.

**Hashes.** Every picture gets the 64-bit DCT perceptual hash of ``imagehash`` (pHash: the signs of the 8 x 8
lowest frequencies of a 32 x 32 grey thumbnail against their median) of several *views*: the whole picture, its
mirror image, and four windows of 90 % of its width and height (offsets 2.5 and 7.5 % on each axis, so
that every 90 % window is within 2.5 % of one of them). pHash
survives re-encoding and resizing; the mirror view catches flipped copies (the dihedral-variant idea of PDQ);
the windows catch a copy cut by up to 10 % on each axis, whose whole-picture hash is then close to one window of
the original. A match is confirmed, where both files are at hand, by ORB keypoints whose matches agree on one
similarity transform (RANSAC), which tells a cropped copy from a different person in a similar picture.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field

import imagehash
import numpy as np
from PIL import Image

HASH_KIND = "phash64-views-v1"  # recorded with every hash, so that another tool knows what it compares
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")
WORK_SIZE = 128  # the grey working copy the views are cut from
THUMB = 32  # pHash reads a 32 x 32 thumbnail of each view (box-filtered here: cheap and alias-free)
WINDOW = 0.9
OFFSETS = (0.025, 0.075)  # every cut of up to 10 % is within 2.5 % of one window


class ImageRefused(Exception):
    """A picture that is not hashed; ``str()`` is the reason recorded for it."""


@dataclass
class PictureHashes:
    """The hashes of one picture: ``phash`` (whole picture), ``mirror`` and ``windows`` (16 hex digits each)."""

    sha256: str
    size_bytes: int
    width: int
    height: int
    phash: str
    mirror: str
    windows: list[str] = field(default_factory=list)


def _hex(img: Image.Image) -> str:
    """pHash as 16 hex digits (the same digits as ``str(imagehash.phash(img))``)."""
    return np.packbits(imagehash.phash(img.resize((THUMB, THUMB), Image.Resampling.BOX)).hash).tobytes().hex()


def decode(data: bytes, max_pixels: int, draft: int = WORK_SIZE, mode: str = "L") -> Image.Image:
    """The first frame of ``data`` as a grey image (``mode`` "RGB": in colour; a JPEG decoded at the smallest
    scale that keeps it at least ``draft`` px wide), or ImageRefused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            w, h = img.size
            if w * h > max_pixels:
                raise ImageRefused(
                    f"image of {w} x {h} pixels is over max_pixels {max_pixels} (a decompression bomb?)"
                )
            if img.format == "JPEG":
                img.draft(mode, (draft, draft))
            img.seek(0)
            img.load()
            return img.convert(mode)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(f"decompression bomb refused: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # PIL's ways of saying "not an image I read"
        raise ImageRefused(f"not a readable JPEG/PNG/GIF/WebP/BMP image ({type(exc).__name__})") from None


def read_bounded(path, max_file_bytes: int) -> bytes:
    """The bytes of ``path`` (a file, or a zip member's locator: :mod:`botwatch.images.archive`), or
    ImageRefused when it is missing, unreadable or larger than ``max_file_bytes``."""
    from botwatch.images.archive import ArchiveRefused, open_archive, read_member, split_locator

    inside = split_locator(path)
    try:
        if inside is not None:
            data = read_member(open_archive(inside[0]), inside[1], max_file_bytes)
        else:
            with open(path, "rb") as f:
                data = f.read(max_file_bytes + 1)
    except KeyError:
        raise ImageRefused("no such member in the zip") from None
    except ArchiveRefused as exc:
        raise ImageRefused(str(exc)) from None
    except OSError as exc:
        raise ImageRefused(f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > max_file_bytes:
        raise ImageRefused(f"file is over max_file_bytes {max_file_bytes}")
    return data


def hash_picture(data: bytes, max_pixels: int) -> PictureHashes:
    """The hashes of one picture's bytes (see the module doc), or ImageRefused."""
    img = decode(data, max_pixels)
    w, h = img.size
    work = img.resize((WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    side = round(WORK_SIZE * WINDOW)
    windows = []
    for oy in OFFSETS:
        for ox in OFFSETS:
            x0, y0 = round(WORK_SIZE * ox), round(WORK_SIZE * oy)
            windows.append(_hex(work.crop((x0, y0, x0 + side, y0 + side))))
    return PictureHashes(
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        width=w,
        height=h,
        phash=_hex(work),
        mirror=_hex(work.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        windows=windows,
    )


def orb_features(data: bytes, max_pixels: int, mirror: bool = False):
    """ORB keypoints and descriptors of a picture's 256 px grey thumbnail (flipped when ``mirror``), or None."""
    import cv2

    img = decode(data, max_pixels, draft=256)
    img.thumbnail((256, 256))
    if mirror:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    keypoints, descriptors = cv2.ORB_create(nfeatures=500, fastThreshold=10).detectAndCompute(
        np.asarray(img, dtype=np.uint8), None
    )
    if descriptors is None or len(keypoints) < 8:
        return None
    return np.float32([k.pt for k in keypoints]), descriptors


def orb_agreement(fa, fb) -> int:
    """How many ORB matches of two pictures' features agree on one similarity transform (RANSAC, 5 px) that an
    edited copy can have (:func:`_plausible_copy`); 0 otherwise."""
    import cv2

    if fa is None or fb is None:
        return 0
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(fa[1], fb[1])
    if len(matches) < 8:
        return 0
    src = fa[0][[m.queryIdx for m in matches]]
    dst = fb[0][[m.trainIdx for m in matches]]
    transform, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=5.0)
    if transform is None or inliers is None:
        return 0
    inliers = inliers.ravel().astype(bool)
    return int(inliers.sum()) if _plausible_copy(transform, src[inliers]) else 0


def orb_inliers(data_a: bytes, data_b: bytes, max_pixels: int, mirror: bool = False) -> int:
    """:func:`orb_agreement` of two pictures' bytes; ``mirror`` flips the second picture first."""
    return orb_agreement(orb_features(data_a, max_pixels), orb_features(data_b, max_pixels, mirror))


def _plausible_copy(transform: np.ndarray, points: np.ndarray, side: float = 256.0) -> bool:
    """A transform that an edited copy can have (scale 0.75-1.35, turned by at most 6 degrees, shifted by at
    most 15 % of the side) whose agreeing keypoints span at least 15 % of the picture: different pictures
    that share a few drawn shapes or a caption agree on a shifted patch, not on the whole picture."""
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    angle = abs(float(np.arctan2(transform[1, 0], transform[0, 0])))
    shift = float(np.abs(transform[:, 2]).max())
    if not (0.75 <= scale <= 1.35 and angle <= 0.1 and shift <= 0.15 * side) or len(points) == 0:
        return False
    extent = points.max(axis=0) - points.min(axis=0)
    return float(extent[0] * extent[1]) >= 0.15 * side * side
