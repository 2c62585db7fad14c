"""VK API responses saved to disk: ``wall.get``, ``wall.getComments``, ``users.get``.

A file holds one response (``{"response": ...}`` or the bare payload) or JSON Lines with one response per line,
as collectors write them. Item ids follow VK's own URLs: a post is ``"<owner_id>_<post id>"`` (vk.com/wall-1_2),
a comment ``"<owner_id>_<post id>_<comment id>"``; a comment's parent is its post, a thread reply's parent is the
comment it answers, and the root of both is the post. Negative ids are communities; the sign is kept. The channel
is the wall owner's id (``"-<group id>"``) in every file, so one wall is one channel whichever responses hold it;
its screen name is on the owner's account row when ``groups[]`` carried it.

``profiles[]``, ``groups[]`` (``extended=1``) and ``users.get`` lists become account records; a community is
account ``"-<group id>"``. VK returns no account-creation date. Comments from responses before API v5.80 carry no
``owner_id``/``post_id``; when their siblings in the same response do, those are used, otherwise the comment is
quarantined because it cannot be tied to its post.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import Any

import orjson

from botwatch.errors import FormatError, RecordError
from botwatch.ingest.base import (
    Adapter,
    Chunk,
    IngestOptions,
    SourceFile,
    dumps,
    map_records,
    read_line,
    sample_text,
)
from botwatch.ingest.lines import json_line_records
from botwatch.store.sql import URL_RE

PLATFORM = "vk"

_RESPONSE_RE = re.compile(r'"response"\s*:\s*[\[{]')
_ITEMS_RE = re.compile(r'"items"\s*:\s*\[')
_WALL_KEYS_RE = re.compile(r'"(owner_id|post_type|copy_history|parents_stack|from_id)"\s*:\s*(-?\d|")')
_USER_KEYS_RE = re.compile(r'"first_name"\s*:')
_TELEGRAM_RE = re.compile(r'"(text_entities|date_unixtime)"\s*:')
_MENTION_RE = re.compile(r"\[((?:id|club|public|event)?[A-Za-z0-9_.]+)\|([^\]\[]*)\]")
_URL_RE = re.compile(URL_RE)
_COMMENT_KEYS = ("post_id", "parents_stack", "thread", "reply_to_comment")
_POST_KEYS = ("post_type", "copy_history", "reposts", "views")


class VkApiAdapter(Adapter):
    """VK API JSON (wall.get with extended=1, wall.getComments with threads, users.get), one response or
    JSON Lines of responses."""

    name = "vk-api"
    description = "VK API JSON responses (wall.get, wall.getComments, users.get), single or JSON Lines"
    priority = 60

    def sniff(self, sample: bytes, source: SourceFile) -> str | None:
        text = sample_text(sample).lstrip()
        if not text.startswith(("{", "[")) or _TELEGRAM_RE.search(text):
            return None
        if _ITEMS_RE.search(text) and _WALL_KEYS_RE.search(text):
            method = "wall"
            if re.search(r'"(post_id|parents_stack)"\s*:', text):
                method = "wall.getComments"
            elif re.search(r'"(post_type|copy_history)"\s*:', text):
                method = "wall.get"
            wrapped = "in a response object" if _RESPONSE_RE.search(text) else "as a bare payload"
            return f"VK API {method} response ({wrapped}: items[] with from_id/owner_id)"
        if _USER_KEYS_RE.search(text) and ('"last_name"' in text or '"deactivated"' in text):
            if _RESPONSE_RE.search(text) or text.startswith("["):
                return "VK API users.get response (a list of users with first_name/last_name)"
        return None

    def read(self, source: SourceFile, options: IngestOptions) -> Iterator[Chunk]:
        try:
            json_lines = _is_json_lines(source)
        except (OSError, EOFError, zlib.error) as exc:  # a cut or corrupt .gz
            raise FormatError(
                f"{source.name}: cannot be read to the end ({exc}); is the file complete?"
            ) from None
        if json_lines:
            line_rejects, good = json_line_records(source)
            responses = list(good)
            position_kind = "line"
        else:
            try:
                responses = [(0, orjson.loads(source.read_bytes()))]
            except orjson.JSONDecodeError as exc:
                raise FormatError(
                    f"{source.name}: not valid JSON ({exc}); save the API response whole, or one per line"
                ) from None
            except (OSError, EOFError, zlib.error) as exc:  # one response cannot be read in part
                raise FormatError(
                    f"{source.name}: cannot be read to the end ({exc}); is the file complete?"
                ) from None
            line_rejects, position_kind = [], "record"
        records, contexts = _records(responses, json_lines=position_kind == "line")
        mapper = _Mapper(contexts, PLATFORM)
        yield from map_records(records, mapper.map, position_kind)
        if line_rejects:
            yield Chunk(rejects=line_rejects)


def _is_json_lines(source: SourceFile) -> bool:
    """JSON Lines when one of the first two non-blank lines is a whole JSON object or array on its own (the
    inner lines of a pretty-printed document never are) and the file has more than one non-blank line."""
    lines: list[bytes] = []
    with source.open_binary() as fh:
        for line in iter(lambda: read_line(fh, source, None), b""):
            if line.strip():
                lines.append(line.strip().removeprefix(b"\xef\xbb\xbf"))
                if len(lines) == 2:
                    break
    if len(lines) < 2:
        return False
    for line in lines:
        try:
            if isinstance(orjson.loads(line), (dict, list)):
                return True
        except orjson.JSONDecodeError:
            continue
    return False


def _payload(response: Any) -> Any:
    if isinstance(response, dict) and "response" in response:
        return response["response"]
    return response


def _records(responses, json_lines: bool) -> tuple[list[tuple[int, Any]], dict[int, tuple]]:
    """Every record (post, comment, thread reply, profile, group, user, error) with its position, and a
    context per record keyed by ``id(record)``: (what, defaults for owner/post, parent comment id)."""
    records: list[tuple[int, Any]] = []
    contexts: dict[int, tuple] = {}
    counter = 0

    def add(line: int, record: Any, context: tuple) -> None:
        nonlocal counter
        records.append((line if json_lines else counter, record))
        contexts[id(record)] = context
        counter += 1

    for line, response in responses:
        payload = _payload(response)
        if isinstance(response, dict) and "error" in response and "response" not in response:
            add(line, response, ("error",))
        elif isinstance(payload, list):
            for element in payload:
                add(line, element, ("user",))
        elif isinstance(payload, dict) and isinstance(payload.get("items"), list):
            defaults = _sibling_defaults(payload["items"])
            for item in payload["items"]:
                add(line, item, ("wall", defaults, None))
                thread = item.get("thread") if isinstance(item, dict) else None
                replies = thread.get("items") if isinstance(thread, dict) else None
                for reply in replies if isinstance(replies, list) else []:
                    add(line, reply, ("wall", defaults, item.get("id")))
            for key in ("profiles", "groups"):
                block = payload.get(key)
                for element in block if isinstance(block, list) else []:
                    add(line, element, ("user" if key == "profiles" else "group",))
        else:
            add(line, response, ("unknown",))
    return records, contexts


def _sibling_defaults(items: list) -> tuple[Any, Any] | None:
    """The one (owner_id, post_id) all comments of a getComments response share, when they say it."""
    pairs = {
        (item.get("owner_id"), item.get("post_id"))
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get("owner_id"), int | str)
        and isinstance(item.get("post_id"), int | str)
    }  # a list or object there is not an id (and not hashable); its comment is quarantined when mapped
    return next(iter(pairs)) if len(pairs) == 1 else None


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None


def _int_id(record: dict, key: str, what: str) -> int:
    value = record.get(key)
    if value is None:
        raise RecordError(f"{what} has no {key}")
    if not _is_int(value):
        raise RecordError(f"{what} {key} is not an integer: {value!r}")
    return int(value)


def _count(record: dict, key: str) -> int | None:
    block = record.get(key)
    value = block.get("count") if isinstance(block, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _epoch(record: dict, what: str) -> float:
    value = record.get("date")
    if value is None:
        raise RecordError(f"{what} has no date")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RecordError(f"{what} date is not epoch seconds: {value!r}")
    try:
        return float(value)
    except ValueError:
        raise RecordError(f"{what} date is not epoch seconds: {value!r}") from None


def render_text(text: Any) -> tuple[str, list[str]]:
    """VK text with mention markup ``[id123|Name]`` rendered as ``Name`` and ``<br>`` as a newline; also the
    mentioned handles (``id123``, ``club45``, ``durov``)."""
    if text is None:
        return "", []
    if not isinstance(text, str):
        raise RecordError(f"text is {type(text).__name__}, not a string")
    mentions = [m[1] for m in _MENTION_RE.finditer(text)]
    rendered = _MENTION_RE.sub(lambda m: m[2], text).replace("<br>", "\n")
    return rendered, mentions


def _attachments(record: dict) -> tuple[list[str], list[str]]:
    """(media, links): media as VK attachment ids (``photo-1_2``), links from ``link`` attachments."""
    media, links = [], []
    attachments = record.get("attachments")
    for att in attachments if isinstance(attachments, list) else []:
        if not isinstance(att, dict) or not isinstance(att.get("type"), str):
            continue
        kind = att["type"]
        body = att.get(kind)
        if not isinstance(body, dict):
            media.append(kind)
        elif kind == "link" and isinstance(body.get("url"), str):
            links.append(body["url"])
        elif body.get("owner_id") is not None and body.get("id") is not None:
            media.append(f"{kind}{body['owner_id']}_{body['id']}")
        else:
            media.append(kind)
    return media, links


class _Mapper:
    """Maps one record using the context its response gave it."""

    def __init__(self, contexts: dict[int, tuple], platform: str):
        self.contexts = contexts
        self.platform = platform

    def map(self, record: Any):
        context = self.contexts[id(record)]
        what = context[0]
        if what == "error":
            error = record.get("error")
            error = error if isinstance(error, dict) else {}
            raise RecordError(
                f"VK API error response {error.get('error_code', '?')}: {error.get('error_msg', 'no message')}"
            )
        if what == "unknown":
            raise RecordError("not a wall.get, wall.getComments or users.get response")
        if not isinstance(record, dict):
            raise RecordError(f"record is {type(record).__name__}, not a JSON object")
        if what == "user":
            yield "account", self._profile(record)
        elif what == "group":
            yield "account", self._group(record)
        elif any(key in record for key in _POST_KEYS) or (
            not any(key in record for key in _COMMENT_KEYS) and context[2] is None and "owner_id" in record
        ):
            yield "item", self._post(record)
        else:
            yield "item", self._comment(record, context[1], context[2])

    def _common(self, record: dict, what: str) -> dict:
        text, mentions = render_text(record.get("text"))
        media, attachment_links = _attachments(record)
        author = record.get("from_id")
        if author is not None and not _is_int(author):
            raise RecordError(f"{what} from_id is not an integer: {author!r}")
        return {
            "platform": self.platform,
            "account_id": str(int(author)) if author is not None else None,
            "created_at_epoch": _epoch(record, what),
            "text": text,
            "mentions": mentions or None,
            "links": _URL_RE.findall(text) + attachment_links,
            "media": media or None,
            "reactions": _count(record, "likes"),
            "raw": dumps(record),
        }

    def _post(self, post: dict) -> dict:
        post_id = _int_id(post, "id", "post")
        owner_id = _int_id(post, "owner_id", "post")
        row = self._common(post, "post")
        if row["account_id"] is None:
            row["account_id"] = str(owner_id)
        repost_of = None
        history = post.get("copy_history")
        if isinstance(history, list) and history and isinstance(history[0], dict):
            original = history[0]
            if _is_int(original.get("owner_id")) and _is_int(original.get("id")):
                repost_of = f"{int(original['owner_id'])}_{int(original['id'])}"
        row.update(
            item_id=f"{owner_id}_{post_id}",
            kind="repost" if repost_of else "post",
            channel=str(owner_id),
            repost_of=repost_of,
            replies=_count(post, "comments"),
            reposts=_count(post, "reposts"),
            views=_count(post, "views"),
        )
        return row

    def _comment(self, comment: dict, defaults: tuple | None, thread_parent: Any) -> dict:
        comment_id = _int_id(comment, "id", "comment")
        if comment.get("deleted"):
            raise RecordError("deleted comment (VK returns no author or text)")
        owner, post = comment.get("owner_id"), comment.get("post_id")
        if (owner is None or post is None) and defaults is not None:
            owner, post = defaults
        if owner is None or post is None:
            raise RecordError(
                "comment has no owner_id/post_id (wall.getComments before API v5.80, or wall.getComment); "
                "it cannot be tied to its post"
            )
        owner_id = _int_id({"owner_id": owner}, "owner_id", "comment")
        post_id = _int_id({"post_id": post}, "post_id", "comment")
        row = self._common(comment, "comment")
        post_item = f"{owner_id}_{post_id}"
        parent_comment = comment.get("reply_to_comment")
        if parent_comment is None:
            stack = comment.get("parents_stack")
            parent_comment = stack[-1] if isinstance(stack, list) and stack else thread_parent
        if parent_comment is not None and not _is_int(parent_comment):
            raise RecordError(f"comment reply_to_comment is not an integer: {parent_comment!r}")
        thread = comment.get("thread")
        row.update(
            item_id=f"{post_item}_{comment_id}",
            kind="reply" if parent_comment is not None else "comment",
            parent_id=f"{post_item}_{int(parent_comment)}" if parent_comment is not None else post_item,
            root_id=post_item,
            channel=str(owner_id),
            replies=thread.get("count")
            if isinstance(thread, dict) and _is_int(thread.get("count"))
            else None,
        )
        return row

    def _profile(self, user: dict) -> dict:
        user_id = _int_id(user, "id", "user")
        name = " ".join(
            str(user[k]).strip() for k in ("first_name", "last_name") if isinstance(user.get(k), str)
        )
        counters = user.get("counters") if isinstance(user.get("counters"), dict) else {}
        followers = user.get("followers_count", counters.get("followers"))
        return {
            "platform": self.platform,
            "account_id": str(user_id),
            "handle": user.get("screen_name") or user.get("domain") or None,
            "display_name": name.strip() or None,
            "bio": user.get("about") or None,
            "avatar_url": _avatar(user),
            "followers": followers if _is_int(followers) else None,
            "verified": bool(user["verified"]) if "verified" in user else None,
            "is_profile": True,
            "raw": dumps(user),
        }

    def _group(self, group: dict) -> dict:
        group_id = _int_id(group, "id", "group")
        members = group.get("members_count")
        return {
            "platform": self.platform,
            "account_id": f"-{abs(group_id)}",
            "handle": group.get("screen_name") or None,
            "display_name": group.get("name") or None,
            "bio": group.get("description") or None,
            "avatar_url": _avatar(group),
            "followers": members if _is_int(members) else None,
            "verified": bool(group["verified"]) if "verified" in group else None,
            "is_profile": True,
            "raw": dumps(group),
        }


def _avatar(record: dict) -> str | None:
    for key in ("photo_200", "photo_100", "photo_50"):
        if isinstance(record.get(key), str) and record[key]:
            return record[key]
    return None
