"""Profile pictures that a Telegram Desktop JSON export holds as files, and whose they are.

What Telegram Desktop writes (``export_output_json.cpp``), and so what botwatch reads:

* ``profile_pictures[]`` of a full-account export ("Account information" ticked): ``{date, date_unixtime,
  photo}``, the **exporter's own** pictures (``profile_pictures/photo_N@...jpg``); their owner is
  ``user<personal_information.user_id>``.
* service messages ``{"action": "edit_group_photo", "photo": "photos/photo_N@...jpg", "actor_id": ...}``: a
  chat's picture was changed. In a channel that is the channel's own picture (account ``channel<chat id>``, as
  the Telegram adapter names a channel); a group is not an account, so a group's picture is counted unmatched.

What it does not hold: the profile pictures of the people who wrote the messages (no userpic of a sender, in
any export setting), nor any picture when "Photos" was not ticked; a photo left out is written as
``"(Photo not included. Change data exporting settings to download.)"`` and counted as unmatched.
``suggest_profile_photo`` (a photo suggested to someone, perhaps never used) is not taken.

Only the latest picture of each account is kept (the matcher compares one picture per account); earlier ones
are counted. A path that leads outside the export folder is refused.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from botwatch.images.pictures import Found, PictureReport, case_accounts, store_found

ORIGIN = "telegram-export"
PLATFORM = "telegram"
CHANNEL_TYPES = {"public_channel", "private_channel"}
_MARKERS = (b'"profile_pictures"', b'"edit_group_photo"')


def export_file(path: Path) -> Path | None:
    """The ``result.json`` of an export folder, or ``path`` itself when it is one; None otherwise."""
    path = Path(path)
    if path.is_dir():
        return path / "result.json" if (path / "result.json").is_file() else None
    return path if path.is_file() and path.suffix.lower() == ".json" else None


def _when(obj: dict, position: int) -> tuple[float, int]:
    try:
        return float(obj.get("date_unixtime") or 0), position
    except (TypeError, ValueError):
        return 0.0, position


def _chats(data: dict) -> list[dict]:
    if "messages" in data:
        return [data]
    out = []
    for section in ("chats", "left_chats"):
        block = data.get(section)
        chats = block.get("list") if isinstance(block, dict) else None
        out += [c for c in chats or [] if isinstance(c, dict) and isinstance(c.get("messages"), list)]
    return out


def _references(data: dict) -> list[tuple[tuple[str, str] | None, str, tuple[float, int], str | None]]:
    """(owner or None, photo value, when, why no owner) of every picture the export names."""
    refs, position = [], 0
    uid = (data.get("personal_information") or {}).get("user_id") if isinstance(data, dict) else None
    for pic in data.get("profile_pictures") or []:
        if isinstance(pic, dict) and isinstance(pic.get("photo"), str):
            position += 1
            owner = (PLATFORM, f"user{uid}") if uid is not None else None
            refs.append(
                (owner, pic["photo"], _when(pic, position), None if owner else "no personal_information")
            )
    for chat in _chats(data):
        is_channel = chat.get("type") in CHANNEL_TYPES and chat.get("id") is not None
        for msg in chat["messages"]:
            position += 1
            if not (isinstance(msg, dict) and msg.get("action") == "edit_group_photo"):
                continue
            if not isinstance(msg.get("photo"), str):
                continue
            owner = (PLATFORM, f"channel{chat['id']}") if is_channel else None
            why = None if is_channel else "a group's picture (a group is not an account)"
            refs.append((owner, msg["photo"], _when(msg, position), why))
    return refs


def export_pictures(con, export: Path) -> list[Found]:
    """The pictures a Telegram Desktop export folder (or its ``result.json``) names, tied to the case's
    accounts (see the module doc)."""
    result = export_file(export)
    if result is None:
        return []
    raw = result.read_bytes()
    if not any(m in raw for m in _MARKERS):
        return []
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return []  # the adapter has said why the file cannot be read
    if not isinstance(data, dict):
        return []
    folder, accounts = result.parent.resolve(), case_accounts(con)
    refs = _references(data)
    latest: dict[tuple[str, str], tuple[float, int]] = {}
    for owner, photo, when, _ in refs:
        if owner and not photo.startswith("("):
            latest[owner] = max(latest.get(owner, when), when)
    found = []
    for owner, photo, when, why in refs:
        if photo.startswith("("):
            found.append(Found(None, unmatched="left out of the export (Telegram Desktop's media settings)"))
        elif owner is None:
            found.append(Found(str(folder / photo), unmatched=why))
        elif owner not in accounts:
            found.append(Found(str(folder / photo), unmatched="no such account in the case"))
        elif latest[owner] != when:
            found.append(
                Found(str(folder / photo), unmatched="an earlier picture of the account (latest kept)")
            )
        else:
            found.append(_owned(folder, photo, owner))
    return found


def _owned(folder: Path, photo: str, owner: tuple[str, str]) -> Found:
    path = folder / photo
    how = "channel photo" if owner[1].startswith("channel") else "exporter's profile picture"
    if not path.resolve().is_relative_to(folder):
        return Found(str(path), (owner,), how, refused="file outside the export folder")
    if not path.is_file():
        return Found(str(path), (owner,), how, refused="not a regular file")
    return Found(str(path), (owner,), how)


def hash_export_pictures(con, export, limits: dict | None = None) -> PictureReport | None:
    """Hash the profile pictures of a Telegram Desktop export into ``avatar_hashes``; None when it names none."""
    from botwatch.images.avatars import IMAGE_LIMITS

    found = export_pictures(con, Path(export))
    if not found:
        return None
    report = PictureReport(str(export), "Telegram Desktop export pictures")
    return store_found(con, found, ORIGIN, report, {**IMAGE_LIMITS, **(limits or {})})
