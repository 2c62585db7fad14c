"""Accounts that use the same profile picture.

Nurbot accounts wear photos stolen from real people, and one photo often serves several accounts. Two avatars
count as the same image when their URLs name the same file once the host and query are dropped (CDNs serve one
file from many hosts: ``sun1-50.userapi.com/s/v1/ig2/X.jpg`` and ``sun9-28.userapi.com/s/v1/ig2/X.jpg``), or,
for local avatar files, when their bytes are identical (files over ``max_file_bytes`` are skipped). Default
pictures (VK's camera placeholder, "deactivated", ...) and pictures shared by more than ``max_sharing``
accounts (platform placeholders we do not know by name) are ignored.

Every pair of accounts sharing an image becomes an edge of layer ``co_avatar`` with the image key as its
target. It is a rule, not a statistical test: sharing a non-default picture is rare enough among unrelated
accounts that the edge is marked significant, with ``p_value`` left empty and ``null_model`` "rule".
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from botwatch.detectors.base import Detector, Interval, Layer, RunContext, Setting
from botwatch.store.rows import insert_rows

DEFAULT_MARKERS = (
    "camera_",
    "deactivated",
    "default",
    "no_avatar",
    "noavatar",
    "blank",
    "placeholder",
    "default_profile",
    "anonymous",
)


def avatar_key(url: str | None, path: str | None, max_file_bytes: int) -> str | None:
    """The comparison key of an avatar, or None when it is missing or a default picture."""
    if path:
        p = Path(path)
        try:
            if p.is_file() and p.stat().st_size <= max_file_bytes:
                return "sha256:" + hashlib.sha256(p.read_bytes()).hexdigest()
        except OSError:
            pass
    if not url:
        return None
    low = url.lower()
    if any(m in low for m in DEFAULT_MARKERS):
        return None
    parts = urlsplit(url.strip())
    key = parts.path if parts.scheme in ("http", "https") else url.strip()
    if len(key.strip("/")) < 12:  # too generic to identify an image
        return None
    return "path:" + key


class SharedAvatarDetector(Detector):
    """Edges between accounts whose profile pictures are the same image."""

    name = "shared_avatar"
    description = "Accounts using the same (non-default) profile picture"
    layers = (Layer("co_avatar", "uses the same profile picture as", targets="none", tested=False),)
    tables = ("edges",)
    settings = (
        Setting(
            "max_sharing",
            50,
            Interval(int, 2, None),
            "pictures used by more accounts are defaults, not signals",
        ),
        Setting("max_file_bytes", 5_000_000, Interval(int, 1, None), "largest picture file read to hash"),
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        con = ctx.con
        con.execute("DELETE FROM edges WHERE run_id = ? AND layer = 'co_avatar'", [ctx.run_id])
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for platform, account_id, url, path in con.execute(
            "SELECT platform, account_id, avatar_url, avatar_path FROM accounts "
            "WHERE avatar_url IS NOT NULL OR avatar_path IS NOT NULL ORDER BY platform, account_id"
        ).fetchall():
            key = avatar_key(url, path, self.params["max_file_bytes"])
            if key:
                groups[(platform, key)].append(account_id)
        rows = []
        n_groups = 0
        for (platform, key), accounts in sorted(groups.items()):
            if not 2 <= len(accounts) <= self.params["max_sharing"]:
                continue
            n_groups += 1
            for a, b in itertools.combinations(sorted(accounts), 2):
                rows.append(
                    {
                        "run_id": ctx.run_id,
                        "platform": platform,
                        "account_a": a,
                        "account_b": b,
                        "layer": "co_avatar",
                        "weight": 1,
                        "a_leads": 0,
                        "b_leads": 0,
                        "significant": True,
                        "null_model": "rule: identical non-default avatar",
                        "targets": [key],
                        "evidence_item_ids": [],
                    }
                )
        insert_rows(con, "edges", rows)
        return {"shared_images": n_groups, "edges": len(rows)}
