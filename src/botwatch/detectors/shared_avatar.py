"""Accounts that use the same profile picture, and pictures found in a reference gallery.

Nurbot accounts wear photos stolen from real people, and one photo often serves several accounts, re-encoded,
resized, cropped or mirrored. Where the case holds a picture as a file (an ``--avatars`` folder, or an adapter's
``avatar_path``), it is hashed (:mod:`botwatch.images`) and two pictures match when their perceptual hashes, or
one's mirror image, are within ``max_distance`` bits, or when one is within ``max_window_distance`` bits of a 90 %
window of the other *and* ORB keypoints confirm it (``min_inliers``): a cropped copy. Accounts with only a URL
match as before: URLs naming the same file once the host and query are dropped (CDNs serve one file from many
hosts: ``sun1-50.userapi.com/s/v1/ig2/X.jpg`` and ``sun9-28.userapi.com/s/v1/ig2/X.jpg``). Default pictures (VK's
camera placeholder, "deactivated", ...) and pictures shared by more than ``max_sharing`` accounts (platform
placeholders we do not know by name) are ignored.

Every matching pair becomes an edge of layer ``co_avatar`` with the picture as its target. It is a rule, not a
statistical test: the edge is marked significant with ``p_value`` left empty, so it never flags an account on
its own (see :mod:`botwatch.scoring.score`). A picture that matches a photo of a reference gallery
(``botwatch gallery add``) is written to ``gallery_matches`` with the gallery, the photo and the distance; that
is the investigator's own reference, and scoring lets it flag.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from botwatch.detectors.base import Detector, Interval, Layer, RunContext, Setting
from botwatch.images.avatars import (
    IMAGE_SETTINGS,
    account_pictures,
    gallery_pictures,
    hash_account_avatars,
    match_pictures,
)
from botwatch.images.urls import DEFAULT_MARKERS, avatar_key  # noqa: F401 (re-exported)
from botwatch.store.rows import insert_rows


def _edge(run_id: int, platform: str, a: str, b: str, rule: str, target: str) -> dict:
    return {
        "run_id": run_id,
        "platform": platform,
        "account_a": a,
        "account_b": b,
        "layer": "co_avatar",
        "weight": 1,
        "a_leads": 0,
        "b_leads": 0,
        "significant": True,
        "null_model": rule,
        "targets": [target],
        "evidence_item_ids": [],
    }


def _components(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Each account of ``pairs`` -> the smallest account of its connected component (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


class SharedAvatarDetector(Detector):
    """Edges between accounts whose profile pictures are the same image."""

    name = "shared_avatar"
    description = "Accounts using the same (non-default) profile picture"
    layers = (Layer("co_avatar", "uses the same profile picture as", targets="none", tested=False),)
    tables = ("edges", "gallery_matches")
    settings = (
        Setting(
            "max_sharing",
            50,
            Interval(int, 2, None),
            "pictures used by more accounts are defaults, not signals",
        ),
        Setting("max_distance", 4, Interval(int, 0, 16), "bits of 64 within which two pictures are the same"),
        Setting(
            "max_window_distance",
            9,
            Interval(int, 0, 16),
            "bits within which a picture matches a 90 % window of another (a crop, checked by ORB)",
        ),
        Setting(
            "min_inliers",
            40,
            Interval(int, 0, None),
            "ORB keypoint matches on one transform that confirm a crop (0: crops are not matched)",
        ),
        *IMAGE_SETTINGS,
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        con, p = ctx.con, self.params
        con.execute("DELETE FROM edges WHERE run_id = ? AND layer = 'co_avatar'", [ctx.run_id])
        con.execute("DELETE FROM gallery_matches WHERE run_id = ?", [ctx.run_id])
        limits = {k: p[k] for k in ("max_file_bytes", "max_pixels")}
        newly_hashed = hash_account_avatars(con, limits)
        pictures = account_pictures(con)
        knobs = dict(max_distance=p["max_distance"], max_window=p["max_window_distance"], limits=limits)
        rows = self._picture_edges(
            ctx.run_id, match_pictures(pictures, min_inliers=p["min_inliers"], **knobs)
        )
        n_photo_edges = len(rows)
        rows += self._url_edges(con, ctx.run_id, {pic.owner for pic in pictures})
        insert_rows(con, "edges", rows)
        gallery = match_pictures(pictures, gallery_pictures(con), min_inliers=0, **knobs)
        insert_rows(
            con,
            "gallery_matches",
            [
                {
                    "run_id": ctx.run_id,
                    "platform": m.a.owner[0],
                    "account_id": m.a.owner[1],
                    "gallery": m.b.owner[0],
                    "file_name": m.b.owner[1],
                    "sha256": m.b.sha256,
                    "distance": m.distance,
                    "how": m.how,
                }
                for m in gallery
            ],
        )
        return {
            "pictures_hashed": newly_hashed,
            "photo_edges": n_photo_edges,
            "edges": len(rows),
            "gallery_matches": len(gallery),
        }

    def _picture_edges(self, run_id: int, matches) -> list[tuple]:
        """Edges of matching pictures; a component of more than ``max_sharing`` accounts is a placeholder."""
        by_platform = defaultdict(list)
        for m in matches:
            by_platform[m.a.owner[0]].append(m)
        rows = []
        for platform, ms in sorted(by_platform.items()):
            comp = _components([(m.a.owner[1], m.b.owner[1]) for m in ms])
            sha = {m.a.owner[1]: m.a.sha256 for m in ms} | {m.b.owner[1]: m.b.sha256 for m in ms}
            sizes = defaultdict(int)
            for root in comp.values():
                sizes[root] += 1
            for m in ms:
                a, b = sorted((m.a.owner[1], m.b.owner[1]))
                if sizes[comp[a]] > self.params["max_sharing"]:
                    continue
                rule = f"rule: perceptual avatar match ({m.how}, {m.distance} of 64 bits)"
                rows.append(_edge(run_id, platform, a, b, rule, f"photo:{sha[comp[a]][:16]}"))
        return rows

    def _url_edges(self, con, run_id: int, hashed: set[tuple[str, str]]) -> list[tuple]:
        """Edges of accounts without a hashed picture whose avatar URLs name the same file."""
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for platform, account_id, url in con.execute(
            "SELECT platform, account_id, avatar_url FROM accounts WHERE avatar_url IS NOT NULL "
            "ORDER BY platform, account_id"
        ).fetchall():
            key = avatar_key(url)
            if key and (platform, account_id) not in hashed:
                groups[(platform, key)].append(account_id)
        rows = []
        for (platform, key), accounts in sorted(groups.items()):
            if 2 <= len(accounts) <= self.params["max_sharing"]:
                for a, b in itertools.combinations(sorted(accounts), 2):
                    rows.append(_edge(run_id, platform, a, b, "rule: identical non-default avatar", key))
        return rows
