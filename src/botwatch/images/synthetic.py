"""Seeded synthetic portraits and scenes, for tests and benchmarks: never a photo of a real person.

:func:`portrait` draws a face-like picture (background gradient, shoulders, head, hair, eyes, mouth, a caption
and noise) from a seed; :func:`similar_portrait` draws another picture from the same *style* (same layout and
palette, different details), the "different people in similar selfies" case. :func:`transformed` applies the
edits that stolen photos go through: JPEG re-encoding, resizing, mirroring and cropping.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 256


def _palette(rng: np.random.Generator) -> dict:
    def colour(lo=0, hi=255):
        return tuple(int(v) for v in rng.integers(lo, hi, 3))

    return {
        "bg_top": colour(),
        "bg_bottom": colour(),
        "skin": (int(rng.integers(150, 240)), int(rng.integers(110, 200)), int(rng.integers(80, 170))),
        "hair": colour(0, 120),
        "shirt": colour(),
    }


def portrait(seed: int, style: int | None = None, size: int = SIZE) -> Image.Image:
    """A face-like RGB picture of ``size`` px. ``style`` (default: the seed) fixes layout and palette; ``seed``
    the details (face position, eyes, hair, caption, noise)."""
    srng = np.random.default_rng([style if style is not None else seed, 1])
    rng = np.random.default_rng([seed, 2])
    pal = _palette(srng)
    angle = srng.uniform(0, 2 * np.pi)  # background gradient in the style's direction, with soft blobs
    yy, xx = np.mgrid[0:size, 0:size] / size
    t = np.clip((np.cos(angle) * (xx - 0.5) + np.sin(angle) * (yy - 0.5)) + 0.5, 0, 1)[..., None]
    bg = (1 - t) * np.array(pal["bg_top"]) + t * np.array(pal["bg_bottom"])
    for _ in range(int(srng.integers(1, 4))):
        bx, by, br = srng.uniform(0, 1), srng.uniform(0, 1), srng.uniform(0.1, 0.4)
        blob = np.exp(-((xx - bx) ** 2 + (yy - by) ** 2) / (2 * br**2))[..., None]
        bg = bg * (1 - 0.6 * blob) + 0.6 * blob * srng.integers(0, 255, 3)
    img = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    for _ in range(int(srng.integers(2, 8))):  # background shapes of the style, jittered per picture
        x, y = (srng.integers(0, size, 2) + rng.integers(-25, 25, 2)).tolist()
        r = int(srng.integers(10, 60))
        shape = d.rectangle if srng.random() < 0.5 else d.ellipse
        shape((x - r, y - r, x + r, y + r), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    cx = int(size * srng.uniform(0.3, 0.7)) + int(rng.integers(-20, 20))
    cy = int(size * srng.uniform(0.35, 0.55)) + int(rng.integers(-15, 15))
    hw, hh = int(size * srng.uniform(0.1, 0.22)), int(size * srng.uniform(0.14, 0.27))
    d.ellipse((cx - 2 * hw, cy + hh, cx + 2 * hw, cy + 4 * hh), fill=pal["shirt"])
    d.ellipse((cx - hw - 6, cy - hh - 10, cx + hw + 6, cy + hh // 3), fill=pal["hair"])
    d.ellipse((cx - hw, cy - hh, cx + hw, cy + hh), fill=pal["skin"])
    ey = cy - hh // 4 + int(rng.integers(-6, 6))
    ex = hw // 2 + int(rng.integers(-5, 5))
    er = int(rng.integers(4, 10))
    for sx in (-1, 1):
        d.ellipse((cx + sx * ex - er, ey - er // 2, cx + sx * ex + er, ey + er // 2), fill=(255, 255, 255))
        d.ellipse((cx + sx * ex - 3, ey - 3, cx + sx * ex + 3, ey + 3), fill=(20, 20, 20))
    my = cy + hh // 2 + int(rng.integers(-6, 6))
    mw = int(rng.integers(8, hw))
    d.arc((cx - mw, my - 8, cx + mw, my + 8), 0, 180, fill=(120, 30, 30), width=3)
    for _ in range(int(rng.integers(3, 9))):  # freckles, glasses, earrings: details that differ per person
        x, y = int(rng.integers(0, size)), int(rng.integers(0, size))
        d.line(
            (x, y, x + int(rng.integers(-40, 40)), y + int(rng.integers(-40, 40))), fill=(0, 0, 0), width=2
        )
    d.text((int(rng.integers(5, 60)), int(size * 0.88)), f"#{seed % 99991}", fill=(255, 255, 255))
    arr = np.asarray(img.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.int16)
    arr = arr + rng.normal(0, 6, arr.shape).astype(np.int16)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def similar_portrait(seed: int) -> Image.Image:
    """Another person in the same kind of picture as ``portrait(seed)``: same style, other details."""
    return portrait(seed + 1_000_003, style=seed)


def transformed(img: Image.Image, kind: str, rng: np.random.Generator) -> Image.Image:
    """``img`` after one edit: ``jpeg`` (quality 30-90), ``resize`` (0.5-2x), ``mirror`` or ``crop`` (10 % of the
    width and of the height cut away, split at random between the sides), each followed by a JPEG re-encoding."""
    if kind == "resize":
        f = float(rng.uniform(0.5, 2.0))
        img = img.resize((max(8, round(img.width * f)), max(8, round(img.height * f))), Image.BICUBIC)
    elif kind == "mirror":
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    elif kind == "crop":
        cw, ch = round(img.width * 0.1), round(img.height * 0.1)
        x0, y0 = int(rng.integers(0, cw + 1)), int(rng.integers(0, ch + 1))
        img = img.crop((x0, y0, x0 + img.width - cw, y0 + img.height - ch))
    elif kind != "jpeg":
        raise ValueError(f"unknown edit {kind!r}")
    return Image.open(io.BytesIO(jpeg_bytes(img, int(rng.integers(30, 91)))))


def jpeg_bytes(img: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()
