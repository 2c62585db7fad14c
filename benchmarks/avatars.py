"""Perceptual avatar matching (issue 11 floors), on seeded generated pictures (never photos of people).

    python benchmarks/avatars.py [--originals 500] [--distinct 10000] [--similar 1000] [--match 100000]
                                 [--seed 1] [--work DIR] [--out benchmarks/results/avatars.md]

* recall: ``--originals`` portraits (:mod:`botwatch.images.synthetic`), each with four edited copies (JPEG
  quality 30-90; resized 0.5-2x; mirrored; 10 % of width and height cut away), all in one pool matched by
  :func:`botwatch.images.avatars.match_pictures` with the detector's defaults: the share of (original, copy)
  pairs found, per edit (floors 0.95, and 0.8 for crops);
* false matches: ``--distinct`` different portraits in one pool: matched pairs and the share of pictures in a
  false match (floor 0.1 %); and ``--similar`` pairs of "another person in the same kind of picture" (same
  layout and palette): the share matched;
* speed: 256 px JPEGs hashed per second, decoding included, one process (floor 250/s; CPU seconds are reported
  as well as wall seconds, because the machine is shared); ``--match`` pictures with random hashes matched
  against each other (floor < 10 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _measure import code_state  # noqa: E402

from botwatch.detectors.shared_avatar import SharedAvatarDetector  # noqa: E402
from botwatch.images.avatars import Picture  # noqa: E402
from botwatch.images.avatars import match_pictures as _match  # noqa: E402
from botwatch.images.hashing import hash_picture  # noqa: E402
from botwatch.images.synthetic import jpeg_bytes, portrait, similar_portrait, transformed  # noqa: E402

EDITS = ("jpeg", "resize", "mirror", "crop")
P = SharedAvatarDetector.parameters  # the detector's defaults


def match_pictures(pics):
    return _match(
        pics,
        max_distance=P["max_distance"],
        max_window=P["max_window_distance"],
        min_inliers=P["min_inliers"],
    )


MAX_PIXELS = 40_000_000


def _write(args) -> list[str]:
    """Draw and write one job's pictures (runs in a worker); returns the paths."""
    work, kind, seed = args
    rng = np.random.default_rng([seed, 99])
    out = []
    if kind == "family":
        original = portrait(seed)
        pics = {"orig": original, **{e: transformed(original, e, rng) for e in EDITS}}
    elif kind == "similar":
        pics = {"a": portrait(seed), "b": similar_portrait(seed)}
    else:
        pics = {"x": portrait(seed)}
    for name, img in pics.items():
        path = Path(work) / f"{kind}-{seed}-{name}.jpg"
        if not path.exists():
            path.write_bytes(jpeg_bytes(img, 85))
        out.append(str(path))
    return out


def _draw(work: Path, kind: str, seeds) -> list[str]:
    with Pool(os.cpu_count() or 1) as pool:
        return [
            p
            for paths in pool.map(_write, [(str(work), kind, s) for s in seeds], chunksize=16)
            for p in paths
        ]


def _hash_all(paths: list[str]) -> tuple[list[Picture], float, float]:
    """Pictures of ``paths`` (owner = file stem), with the CPU and wall seconds of reading + decoding + hashing."""
    cpu, wall = time.process_time(), time.perf_counter()
    pics = []
    for p in paths:
        h = hash_picture(Path(p).read_bytes(), MAX_PIXELS)
        pics.append(Picture(("bench", Path(p).stem), p, h.sha256, h.phash, h.mirror, tuple(h.windows)))
    return pics, time.process_time() - cpu, time.perf_counter() - wall


def _family(owner: str) -> tuple[str, str]:
    _, seed, name = owner.split("-")
    return seed, name


def recall(work: Path, n: int, seed: int) -> dict:
    paths = _draw(work, "family", range(seed * 10**6, seed * 10**6 + n))
    pics, cpu, wall = _hash_all(paths)
    t = time.perf_counter()
    matches = match_pictures(pics)
    match_s = time.perf_counter() - t
    found, false = set(), 0
    for m in matches:
        (sa, na), (sb, nb) = _family(m.a.owner[1]), _family(m.b.owner[1])
        if sa != sb:
            false += 1
        else:
            found.add((sa, frozenset((na, nb))))
    per_edit = {
        e: sum((str(s), frozenset(("orig", e))) in found for s in range(seed * 10**6, seed * 10**6 + n)) / n
        for e in EDITS
    }
    return {
        "per_edit": per_edit,
        "false_pairs": false,
        "pictures": len(pics),
        "match_s": match_s,
        "hash_cpu_s": cpu,
        "hash_wall_s": wall,
    }


def distinct(work: Path, n: int, seed: int) -> dict:
    paths = _draw(work, "distinct", range(seed * 10**7, seed * 10**7 + n))
    pics, cpu, wall = _hash_all(paths)
    t_cpu, t = time.process_time(), time.perf_counter()
    matches = match_pictures(pics)
    in_false = {m.a.owner for m in matches} | {m.b.owner for m in matches}
    return {
        "pictures": n,
        "false_pairs": len(matches),
        "share_in_false_match": len(in_false) / n,
        "hash_cpu_s": cpu,
        "hash_wall_s": wall,
        "match_cpu_s": time.process_time() - t_cpu,
        "match_wall_s": time.perf_counter() - t,
        "examples": [(m.a.owner[1], m.b.owner[1], m.how, m.distance) for m in matches[:5]],
    }


def similar(work: Path, n: int, seed: int) -> dict:
    paths = _draw(work, "similar", range(seed * 10**8, seed * 10**8 + n))
    pics, _, _ = _hash_all(paths)
    matches = match_pictures(pics)
    same_pair = [m for m in matches if _family(m.a.owner[1])[0] == _family(m.b.owner[1])[0]]
    return {"pairs": n, "matched": len(same_pair), "other_matches": len(matches) - len(same_pair)}


def matching(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 2**63, size=(n, 6), dtype=np.int64).astype(np.uint64) * np.uint64(2)
    raw |= rng.integers(0, 2, size=(n, 6)).astype(np.uint64)
    hexes = [[f"{int(v):016x}" for v in row] for row in raw]
    pics = [Picture(("bench", str(i)), None, "", h[0], h[1], tuple(h[2:])) for i, h in enumerate(hexes)]
    t_cpu, t = time.process_time(), time.perf_counter()
    matches = match_pictures(pics)
    return {
        "pictures": n,
        "matches": len(matches),
        "cpu_s": time.process_time() - t_cpu,
        "wall_s": time.perf_counter() - t,
    }


def _versions() -> str:
    import cv2
    import imagehash
    import PIL

    return (
        f"Python {platform.python_version()}, Pillow {PIL.__version__}, imagehash {imagehash.__version__}, "
        f"opencv-python-headless {cv2.__version__}, numpy {np.__version__}"
    )


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def markdown(args, r: dict, loads: list[str]) -> str:
    rec, dis, sim, mat = r["recall"], r["distinct"], r["similar"], r["matching"]
    rate_cpu = dis["pictures"] / dis["hash_cpu_s"]
    rate_wall = dis["pictures"] / dis["hash_wall_s"]
    lines = [
        "# Perceptual avatar matching",
        "",
        f"`python benchmarks/avatars.py --originals {args.originals} --distinct {args.distinct} "
        f"--similar {args.similar} --match {args.match} --seed {args.seed}` on {dt.date.today().isoformat()}; "
        f"commit {code_state()['head']}.",
        "",
        f"Machine: {os.cpu_count()} cores ({_cpu()}), shared with other work; {_versions()}.",
        "Load (`uptime`) before and after: " + " / ".join(f"`{x}`" for x in loads) + ".",
        "",
        "Pictures: generated by `botwatch.images.synthetic` (seeded face-like portraits: gradient background, "
        "shapes, head, hair, eyes, mouth, strokes, a caption and noise; 256 px, JPEG q85). No photo of a person.",
        f"Settings: the `shared_avatar` defaults (`max_distance` {P['max_distance']}, `max_window_distance` "
        f"{P['max_window_distance']}, `min_inliers` {P['min_inliers']}).",
        "",
        "| measure | result | floor |",
        "|---|---|---|",
    ]
    floors = {"jpeg": 0.95, "resize": 0.95, "mirror": 0.95, "crop": 0.8}
    words = {
        "jpeg": "re-encoded (JPEG q 30-90)",
        "resize": "resized 0.5-2x (+ JPEG)",
        "mirror": "mirrored (+ JPEG)",
        "crop": "10 % cropped (+ JPEG)",
    }
    for e in EDITS:
        ok = "met" if rec["per_edit"][e] >= floors[e] else "**missed**"
        lines.append(
            f"| recall, {words[e]}, {args.originals} originals | {rec['per_edit'][e]:.3f} | >= {floors[e]} ({ok}) |"
        )
    lines += [
        f"| false pairs in the recall pool ({rec['pictures']} pictures of {args.originals} families) | "
        f"{rec['false_pairs']} | – |",
        f"| false matches among {dis['pictures']:,} distinct pictures: pairs / share of pictures in one | "
        f"{dis['false_pairs']} / {dis['share_in_false_match']:.4%} | <= 0.1 % "
        f"({'met' if dis['share_in_false_match'] <= 0.001 else '**missed**'}) |",
        f"| another person in the same kind of picture ({sim['pairs']} pairs): matched | "
        f"{sim['matched']} ({sim['matched'] / sim['pairs']:.1%}) | – |",
        f"| 256 px JPEGs read + decoded + hashed per second, one process ({dis['pictures']:,}) | "
        f"{rate_cpu:.0f} per CPU second, {rate_wall:.0f} per wall second under the load above | >= 250 "
        f"({'met' if rate_cpu >= 250 else '**missed**'} per CPU second) |",
        f"| matching {dis['pictures']:,} hashed pictures against each other (6 hashes each, ORB checks "
        f"included) | {dis['match_cpu_s']:.2f} CPU s, {dis['match_wall_s']:.2f} s wall | – |",
        f"| matching {mat['pictures']:,} pictures with random hashes against each other (6 hashes each) | "
        f"{mat['cpu_s']:.2f} CPU s, {mat['wall_s']:.2f} s wall | < 10 s "
        f"({'met' if mat['cpu_s'] < 10 else '**missed**'} in CPU s) |",
        "",
        f"False pairs among the distinct pictures (first five): {dis['examples'] or 'none'}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--originals", type=int, default=500)
    ap.add_argument("--distinct", type=int, default=10_000)
    ap.add_argument("--similar", type=int, default=1_000)
    ap.add_argument("--match", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "botwatch-bench" / "avatars"
    )
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "avatars.md")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    loads = [_uptime()]
    r = {"matching": matching(args.match, args.seed)}
    print("matching", r["matching"], flush=True)
    r["recall"] = recall(args.work, args.originals, args.seed)
    print("recall", r["recall"], flush=True)
    r["similar"] = similar(args.work, args.similar, args.seed)
    print("similar", r["similar"], flush=True)
    r["distinct"] = distinct(args.work, args.distinct, args.seed)
    print("distinct", r["distinct"], flush=True)
    loads.append(_uptime())
    text = markdown(args, r, loads)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
