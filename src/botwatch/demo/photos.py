"""Profile pictures for the demo: photos stolen from a few "victims", and organic portraits with look-alike traps.

Every picture is drawn by :mod:`botwatch.images.synthetic` (generated face-like portraits, never a photo of a
person). What :func:`write_photos` writes:

* ``avatars/<account_id>.jpg``, what an investigator downloads next to the exports, for ``ingest --avatars``:

  - planted accounts of the campaigns in :data:`STOLEN` wear the photos of victims, **each account a different
    copy**: re-encoded, resized 0.5-2x, mirrored, cut by 10 % or a combination (:data:`EDITS`, in a shuffled order
    per victim). On VK the picture follows the account's avatar URL: accounts that share a URL share the file,
    and each URL of ``vote-family`` is another copy of one victim's photo. ``subtle-kk``'s three shared files are
    generated faces of nobody in the gallery (found by ``co_avatar`` only). Other planted accounts have no photo;
  - organic VK accounts with a photo (not the camera placeholder; ``users.get`` ``has_photo``) and about half the
    organic Telegram accounts get a portrait of their own;
  - traps among the organic accounts: per victim used, one **look-alike** (another person in the same kind of
    picture as the victim's photo, on the campaign's platform); a few **similar selfies** (two people in pictures of
    one style); and one **family** of two Telegram accounts using one identical photo, a true ``co_avatar`` match
    between real people that must not flag them (``co_avatar`` never flags alone).
* ``victims/victim_<n>.jpg``: the victims' originals (one victim's photo is used by nobody), the folder for
  ``botwatch gallery add CASE victims --name victims``.
* ``photos.csv``: the truth per picture: ``platform,account_id,file,picture,role,edits``. Two accounts show the
  same photo exactly when ``picture`` is equal; ``role`` is stolen, campaign, organic, look-alike, similar-style
  or family.

Draws come from their own generator (``seed``, stream 12; one stream per picture), so the pictures leave the rest
of the demo world as it was. Organic portraits are :data:`ORGANIC_PX` px (cheap to draw and hash); victims'
originals :data:`VICTIM_PX` px.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from botwatch.demo.campaigns import CAMPAIGNS
from botwatch.demo.world import World
from botwatch.images.synthetic import jpeg_bytes, portrait, transformed

# campaign -> (victims whose photos it steals, planted accounts wearing them); 0: every avatar URL of the campaign
STOLEN: dict[str, tuple[tuple[int, ...], int]] = {
    "akorda-praise": ((1, 2), 16),
    "two-pages": ((3,), 8),
    "vote-family": ((4,), 0),
}
N_VICTIMS = 5  # victim_5's photo is in the gallery but worn by nobody
EDITS: tuple[tuple[str, ...], ...] = (
    ("jpeg",),
    ("resize",),
    ("mirror",),
    ("crop",),
    ("resize", "mirror"),
    ("crop", "mirror"),
    ("jpeg", "resize"),
    ("crop", "resize"),
)
TELEGRAM_PHOTO_SHARE = 0.5
SIMILAR_PAIRS = {"telegram": 2, "vk": 1}
ORGANIC_PX = 128
VICTIM_PX = 256
STREAM = 12


@dataclass(frozen=True)
class PhotoRow:
    """One account's picture: ``picture`` names the photo (equal for the same photo), ``edits`` how it was copied."""

    platform: str
    account_id: str
    file: str
    picture: str
    role: str
    edits: str = ""


@dataclass
class PhotoSet:
    """What :func:`write_photos` wrote: the avatars folder, the victims' folder, the truth file and its rows."""

    avatars: Path
    victims: Path
    truth: Path
    rows: list[PhotoRow]

    def stolen_by_account(self) -> dict[tuple[str, str], str]:
        """(platform, account_id) -> the victim's file, for accounts wearing a stolen photo."""
        return {(r.platform, r.account_id): r.picture for r in self.rows if r.role == "stolen"}


def victim_file(v: int) -> str:
    return f"victim_{v}.jpg"


class _Painter:
    """Draws each picture once, from its own random stream: ``key`` -> JPEG bytes.

    Keys: ``("victim", v, k)`` copy ``k`` of victim ``v``'s photo (``k`` -1: the original); ``("look-alike", v)``
    another person in the same kind of picture as victim ``v``; ``("similar", pair, member)`` two people in one
    style; ``("portrait", n)`` a face of its own. Portrait seeds are ``base + n`` for organic faces and below
    ``base`` for every other picture, so no two pictures share a seed or a style by accident."""

    def __init__(self, seed: int):
        self.seed = seed
        self.base = int(np.random.default_rng([seed, STREAM]).integers(2**24, 2**30))
        self.cache: dict[tuple, bytes] = {}

    def victim_seed(self, v: int) -> int:
        return self.base - 5000 - v

    def get(self, key: tuple) -> bytes:
        if key not in self.cache:
            self.cache[key] = self._draw(*key)
        return self.cache[key]

    def _draw(self, kind: str, a: int, b: int = 0) -> bytes:
        if kind == "victim":
            original = portrait(self.victim_seed(a), size=VICTIM_PX)
            if b < 0:
                return jpeg_bytes(original, 92)
            rng = np.random.default_rng([self.seed, STREAM, 2, a, b])
            img = original
            for edit in variant_edits(a, b, self.seed):
                img = transformed(img, edit, rng)
            return jpeg_bytes(img, int(rng.integers(70, 96)))  # the platform's own re-encoding on upload
        if kind == "look-alike":
            seed = self.victim_seed(a)
            return jpeg_bytes(portrait(seed + 1_000_003, style=seed, size=VICTIM_PX), 90)
        if kind == "similar":
            style = self.base - 3000 - a
            return jpeg_bytes(portrait(self.base - 2000 - 2 * a - b, style=style, size=ORGANIC_PX), 88)
        if kind == "portrait":
            return jpeg_bytes(
                portrait(self.base + a if a >= 0 else self.base - 1000 + a, size=ORGANIC_PX), 88
            )
        raise ValueError(f"unknown picture kind {kind!r}")


def variant_edits(victim: int, k: int, seed: int) -> tuple[str, ...]:
    """The edits of copy ``k`` of a victim's photo: :data:`EDITS` in a seeded order per victim, cycling."""
    order = np.random.default_rng([seed, STREAM, 0, victim]).permutation(len(EDITS))
    return EDITS[int(order[k % len(EDITS)])]


def _url_token(url: str) -> str | None:
    """The file name of a VK avatar URL (the same file on any host), None for VK's default pictures."""
    if not url or "vk.com/images/" in url:
        return None
    return url.split("/ig2/")[-1].split(".jpg")[0]


def _plan(world: World) -> dict[tuple[str, str], tuple[tuple, str, str, str]]:
    """(platform, account_id) -> (painter key, picture, role, edits) for every account with a picture."""
    rng = np.random.default_rng([world.seed, STREAM, 1])
    plan: dict[tuple[str, str], tuple[tuple, str, str, str]] = {}
    by_campaign: dict[str, list] = {}
    for acc in world.accounts:
        by_campaign.setdefault(acc.campaign, []).append(acc)
    for campaign_no, spec in enumerate(CAMPAIGNS):
        if spec.name in by_campaign:
            plan.update(_campaign_plan(spec.name, campaign_no, by_campaign[spec.name], rng, world.seed))
    for n, acc in enumerate(by_campaign.get("", [])):
        has = _url_token(acc.avatar_url) if acc.platform == "vk" else rng.random() < TELEGRAM_PHOTO_SHARE
        if has:
            plan[(acc.platform, acc.account_id)] = (("portrait", n), f"portrait-{n}", "organic", "")
    _plant_traps(plan, rng)
    return plan


def _campaign_plan(name: str, campaign_no: int, members: list, rng: np.random.Generator, seed: int) -> dict:
    """Pictures of one campaign's accounts: stolen copies, shared generated faces, or none."""
    out = {}
    victims, count = STOLEN.get(name, ((), 0))
    if victims and members[0].platform == "telegram":
        chosen = sorted(rng.choice(len(members), size=min(count, len(members)), replace=False).tolist())
        for i, m in enumerate(chosen):
            v, k = victims[i % len(victims)], i // len(victims)
            edits = "+".join(variant_edits(v, k, seed))
            out[(members[m].platform, members[m].account_id)] = (
                ("victim", v, k),
                victim_file(v),
                "stolen",
                edits,
            )
        return out
    tokens: dict[str, int] = {}
    for acc in members:  # VK: one picture per avatar file name, shared by the accounts that show it
        token = _url_token(acc.avatar_url)
        if token is None:
            continue
        k = tokens.setdefault(token, len(tokens))
        key = (acc.platform, acc.account_id)
        if victims:
            v = victims[k % len(victims)]
            edits = "+".join(variant_edits(v, k // len(victims), seed))
            out[key] = (("victim", v, k // len(victims)), victim_file(v), "stolen", edits)
        else:
            out[key] = (("portrait", -2 - 100 * campaign_no - k), f"{name}-photo-{k + 1}", "campaign", "")
    return out


def _plant_traps(plan: dict, rng: np.random.Generator) -> None:
    """Turn a few organic accounts into look-alikes, similar selfies and one family sharing a photo."""
    organic = {
        p: sorted(k for k, v in plan.items() if k[0] == p and v[2] == "organic") for p in ("telegram", "vk")
    }
    victims_on = sorted({(plan_key[0], v[0][1]) for plan_key, v in plan.items() if v[2] == "stolen"})
    need = {p: 2 * SIMILAR_PAIRS[p] + sum(1 for q, _ in victims_on if q == p) for p in organic}
    need["telegram"] += 2  # the family
    picked = {
        p: [organic[p][int(i)] for i in rng.choice(len(organic[p]), need[p], replace=False)] for p in organic
    }
    for platform, v in victims_on:
        plan[picked[platform].pop()] = (
            ("look-alike", v),
            f"look-alike-of-{victim_file(v)}",
            "look-alike",
            "",
        )
    pair = 0
    for platform in ("telegram", "vk"):
        for _ in range(SIMILAR_PAIRS[platform]):
            for member in range(2):
                picture = f"similar-style-{pair + 1}{'ab'[member]}"
                plan[picked[platform].pop()] = (("similar", pair, member), picture, "similar-style", "")
            pair += 1
    family = (("portrait", -1), "family-1", "family", "")
    for _ in range(2):
        plan[picked["telegram"].pop()] = family


def write_photos(world: World, out: Path) -> PhotoSet:
    """Write ``avatars/``, ``victims/`` and ``photos.csv`` under ``out`` for ``world``; return what was written."""
    painter = _Painter(world.seed)
    avatars, victims = out / "avatars", out / "victims"
    avatars.mkdir(parents=True, exist_ok=True)
    victims.mkdir(parents=True, exist_ok=True)
    for v in range(1, N_VICTIMS + 1):
        (victims / victim_file(v)).write_bytes(painter.get(("victim", v, -1)))
    rows = []
    for (platform, account_id), (key, picture, role, edits) in sorted(_plan(world).items()):
        name = f"{account_id}.jpg"
        (avatars / name).write_bytes(painter.get(key))
        rows.append(PhotoRow(platform, account_id, f"avatars/{name}", picture, role, edits))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["platform", "account_id", "file", "picture", "role", "edits"])
    writer.writerows([r.platform, r.account_id, r.file, r.picture, r.role, r.edits] for r in rows)
    truth = out / "photos.csv"
    truth.write_text(buf.getvalue(), encoding="utf-8", newline="\n")
    return PhotoSet(avatars, victims, truth, rows)
