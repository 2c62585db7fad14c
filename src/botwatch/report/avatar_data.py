"""Report data for the avatar grid: accounts grouped by matching profile picture, and reference-gallery hits.

Not rendered yet (the report's templates are being rewritten): :func:`load_avatar_groups` returns plain dicts
that a template can show as one row of pictures per group. A picture is embedded (a ``data:`` URI made by
:func:`~botwatch.report.campaign_data.embed_avatar`: magic-byte checked, never SVG, size-capped) only when the
case holds the file and the report is not pseudonymised; otherwise the group shows handles and how they match.
"""

from __future__ import annotations

from pathlib import Path

from botwatch.report.campaign_data import embed_avatar
from botwatch.report.data import ReportLimits, rows


def _picture_paths(con) -> dict[tuple[str, str], str]:
    """(platform, account_id) -> the hashed picture file (a folder's before an adapter's), else avatar_path."""
    got = {
        (p, a): path
        for p, a, path in con.execute(
            "SELECT platform, account_id, avatar_path FROM accounts WHERE avatar_path IS NOT NULL"
        ).fetchall()
    }
    for p, a, path in con.execute(
        """SELECT platform, account_id, path FROM (
             SELECT *, row_number() OVER (PARTITION BY platform, account_id
                                          ORDER BY origin = 'avatars-dir' DESC, hashed_at DESC) AS k
             FROM avatar_hashes WHERE status = 'hashed') WHERE k = 1"""
    ).fetchall():
        got[(p, a)] = path
    return got


def load_avatar_groups(con, run_id: int, ids, search_dirs: list[Path], limits: ReportLimits) -> list[dict]:
    """One dict per shared picture (``co_avatar`` edges of the run grouped by their target), largest first:
    ``target``, ``platform``, ``n_accounts``, ``rules`` (how its pairs match, e.g. "perceptual avatar match
    (cropped, mirrored, 7 of 64 bits)") and ``members`` (``account_id``, ``label``, ``handle``, ``score``,
    ``flagged``, ``gallery`` (sentences of its reference-gallery matches) and ``data_uri`` or None)."""
    groups = rows(
        con,
        """WITH e AS (SELECT platform, account_a, account_b, null_model, targets[1] AS target FROM edges
                      WHERE run_id = ? AND layer = 'co_avatar'),
           m AS (SELECT platform, target, account_a AS account_id FROM e UNION SELECT platform, target, account_b FROM e)
           SELECT m.platform, m.target, list(DISTINCT m.account_id ORDER BY m.account_id) AS accounts,
                  (SELECT list(DISTINCT replace(e.null_model, 'rule: ', '')) FROM e
                   WHERE e.platform = m.platform AND e.target = m.target) AS rules
           FROM m GROUP BY 1, 2 ORDER BY len(accounts) DESC, 1, 2""",
        [run_id],
    )
    if not groups:
        return []
    paths = {} if ids.pseudonymized else _picture_paths(con)
    scores = {
        (p, a): (s, f, h)
        for p, a, s, f, h in con.execute(
            """SELECT s.platform, s.account_id, s.score, s.flagged, a.handle FROM account_scores s
               LEFT JOIN accounts a USING (platform, account_id) WHERE s.run_id = ?""",
            [run_id],
        ).fetchall()
    }
    gallery: dict[tuple[str, str], list[str]] = {}
    for p, a, g, f, d, how in con.execute(
        "SELECT platform, account_id, gallery, file_name, distance, how FROM gallery_matches WHERE run_id = ?",
        [run_id],
    ).fetchall():
        where = "a photo" if ids.pseudonymized else f"photo {f!r}"
        gallery.setdefault((p, a), []).append(f"matches {where} of gallery {g!r} ({how}, distance {d})")
    for p, a, g, f, d in con.execute(
        """SELECT platform, account_id, gallery, arg_min(file_name, distance), min(distance) FROM face_matches
           WHERE run_id = ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        [run_id],
    ).fetchall():
        where = "a photo" if ids.pseudonymized else f"photo {f!r}"
        gallery.setdefault((p, a), []).append(
            f"face resembles {where} of gallery {g!r} (face distance {d:.2f}; not a flag)"
        )
    out = []
    for g in groups[: limits.rows_per_table]:
        members = []
        for acct in g["accounts"][: limits.avatars_per_campaign]:
            key = (g["platform"], acct)
            score, flagged, handle = scores.get(key, (None, False, None))
            members.append(
                {
                    "account_id": acct,
                    "label": ids.account_label(g["platform"], acct),
                    "handle": ids.handle(handle),
                    "score": score,
                    "flagged": bool(flagged),
                    "gallery": gallery.get(key, []),
                    "data_uri": embed_avatar(paths.get(key), search_dirs, limits.avatar_bytes),
                }
            )
        target = g["target"] or ""
        if ids.pseudonymized and not target.startswith("photo:"):
            target = "a shared URL"
        out.append(
            {
                "platform": g["platform"],
                "target": target,
                "n_accounts": len(g["accounts"]),
                "rules": g["rules"],
                "members": members,
            }
        )
    return out
