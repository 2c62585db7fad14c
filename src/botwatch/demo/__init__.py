"""Seeded synthetic investigations with planted campaigns and their ground truth.

:func:`generate_demo` simulates official news pages in Kazakhstan with honest commenters and four planted
"nurbot" campaigns, and writes them as real export formats (Telegram Desktop JSON, VK API JSON) with
``ground_truth.csv``, ``templates.json`` and ``manifest.json``, and the profile pictures an investigator would
download (``avatars/``, with photos stolen from the "victims" in ``victims/``; truth in ``photos.csv``, see
:mod:`botwatch.demo.photos`). :func:`generate_benchmark` writes 100k-1M rows
of the same kind of data as a Coordination Network Toolkit CSV, vectorised, for speed and accuracy benchmarks.
The same seed always gives byte-identical files. Every name, text and id is invented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from botwatch.demo.benchmark import generate_benchmark
from botwatch.demo.campaigns import CAMPAIGNS, CampaignSpec
from botwatch.demo.world import SIZES, TIMEZONE, World, build_world

__all__ = [
    "CAMPAIGNS",
    "SIZES",
    "CampaignSpec",
    "DemoFiles",
    "build_world",
    "generate_benchmark",
    "generate_demo",
    "walkthrough",
]

GENERATOR_VERSION = 2  # bump when the same seed would produce different data


@dataclass
class DemoFiles:
    """What a generator wrote: ``inputs`` to ingest (in order), the ``truth`` CSV, the ``timezone`` to pass
    for naive timestamps (None when every timestamp carries its zone), and the side files; ``avatars`` (for
    ``ingest --avatars``), ``victims`` (for ``gallery add``) and ``photos`` (their truth) when pictures were
    written."""

    out_dir: Path
    inputs: list[Path]
    truth: Path
    timezone: str | None
    templates: Path
    manifest: Path
    files: list[dict] = field(default_factory=list)  # per input: path, format, platform, record counts
    avatars: Path | None = None
    victims: Path | None = None
    photos: Path | None = None


def generate_demo(out_dir: str | Path, seed: int = 7, size: str = "small", photos: bool = True) -> DemoFiles:
    """Simulate and write the demo investigation under ``out_dir``.

    ``size`` "small" is about 5k comments over two weeks, "medium" about 50k over four weeks; "tiny" (three
    days) exists for fast tests. Telegram files carry ``date`` in Asia/Almaty local time next to
    ``date_unixtime``, so ``timezone`` is "Asia/Almaty". ``photos`` False leaves out the pictures (about 1,000
    generated portraits for "small"; they take most of the generation time) and the ``stolen_photo`` column of
    the ground truth stays empty; everything else is the same.
    """
    from botwatch.demo import writers
    from botwatch.demo.photos import write_photos

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(seed, size)
    files = writers.write_telegram(world, out) + writers.write_vk(world, out)
    pictures = write_photos(world, out) if photos else None
    truth = writers.write_truth(world, out, pictures.stolen_by_account() if pictures else {})
    templates = writers._write(out / "templates.json", _json({c.name: c.as_json() for c in CAMPAIGNS}))
    manifest = writers._write(out / "manifest.json", _json(_manifest(world, files, out, pictures)))
    demo = DemoFiles(out, [f["path"] for f in files], truth, TIMEZONE, templates, manifest, files)
    if pictures:
        demo.avatars, demo.victims, demo.photos = pictures.avatars, pictures.victims, pictures.truth
    return demo


def walkthrough(demo: DemoFiles, case: str | Path, seed: int = 7) -> list[str]:
    """The commands that continue the demo after ``botwatch demo`` (ingest, detect and report done), each with
    a ``#`` comment: add the victims' photos as a gallery, detect again, the report, the edges, the evaluation."""
    import shlex

    def q(path) -> str:
        return shlex.quote(str(path))

    case_dir = Path(case).parent
    steps = []
    if demo.victims is not None:
        steps.append(
            (f"botwatch gallery add {q(case)} {q(demo.victims)} --name victims", "the victims' own photos")
        )
    steps += [
        (f"botwatch detect {q(case)} --seed {seed}", "gallery matches flag the accounts wearing them"),
        (f"botwatch report {q(case)} --out {q(case_dir / 'report.html')}", "see 'Shared avatars'"),
        (
            f"botwatch export {q(case)} --what edges --format csv --out {q(case_dir / 'edges.csv')}",
            "co_avatar rows: shared photos",
        ),
        (f"botwatch evaluate {q(case)} --labels {q(demo.truth)}", "against the ground truth"),
    ]
    width = max(len(cmd) for cmd, _ in steps)
    return [f"{cmd.ljust(width)}  # {note}" for cmd, note in steps]


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def _photo_counts(pictures, out: Path) -> dict:
    from collections import Counter

    roles = Counter(r.role for r in pictures.rows)
    return {
        "avatars": pictures.avatars.relative_to(out).as_posix(),
        "victims": pictures.victims.relative_to(out).as_posix(),
        "truth": pictures.truth.relative_to(out).as_posix(),
        "pictures": len(pictures.rows),
        "roles": dict(sorted(roles.items())),
        "victim_photos_worn": dict(sorted(Counter(pictures.stolen_by_account().values()).items())),
    }


def _manifest(world: World, files: list[dict], out: Path, pictures=None) -> dict:
    from botwatch.ingest.runner import sha256_file

    per_campaign: dict[str, dict] = {}
    for acc in world.accounts:
        if acc.campaign:
            per_campaign.setdefault(acc.campaign, {"accounts": 0, "comments": 0})["accounts"] += 1
    for c in world.comments:
        if c.author.campaign:
            per_campaign[c.author.campaign]["comments"] += 1
    totals: dict[str, int] = {}
    for f in files:
        for k, v in f["records"].items():
            key = f"{f['platform']}_{k}"
            totals[key] = totals.get(key, 0) + v
    return {
        "generator": "botwatch.demo",
        "generator_version": GENERATOR_VERSION,
        "seed": world.seed,
        "size": world.size,
        "timezone": TIMEZONE,
        "period_utc": [world.start, world.start + world.days * 86400],
        "counts": {
            "posts": len(world.posts),
            "comments": len(world.comments),
            "bot_comments": sum(1 for c in world.comments if c.author.is_bot),
            "accounts": len(world.accounts),
            "bots": sum(1 for a in world.accounts if a.is_bot),
            **dict(sorted(totals.items())),
        },
        "campaigns": {k: per_campaign[k] for k in sorted(per_campaign)},
        "photos": _photo_counts(pictures, out) if pictures else None,
        "notes": [
            "ground_truth.csv created_at is the account registration time (UTC); neither Telegram exports nor "
            "VK users.get carry it, so it is known only to the ground truth.",
            "Telegram discussion groups repeat each channel post as an auto-forward (forwarded_from); comments "
            "reply to that message.",
            "avatars/ holds the profile pictures an investigator would download (botwatch ingest CASE --avatars "
            "avatars); every picture is a generated portrait. victims/ holds the originals of the stolen photos "
            "(botwatch gallery add CASE victims --name victims); photos.csv says who wears which photo.",
        ],
        "files": [
            {
                "path": f["path"].relative_to(out).as_posix(),
                "format": f["format"],
                "platform": f["platform"],
                "records": f["records"],
                "sha256": sha256_file(f["path"]),
            }
            for f in files
        ],
    }
