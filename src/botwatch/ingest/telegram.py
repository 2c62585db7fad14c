"""Telegram Desktop "Export chat history" JSON (``result.json``): one chat, or a full-account export.

A single-chat export is ``{name, type, id, messages[]}``; a full-account export wraps chats in
``chats.list[]`` (and ``left_chats.list[]``). Message ids are unique per chat only, so an item id is
``"<chat id>/<message id>"``; parents and roots use the same scheme.

Channel comments live in the channel's linked discussion group: each channel post appears there as an automatic
forward sent by the channel, and comments reply to that forward. Comments therefore hang under the forward (their
parent and root), whichever files were ingested, so re-ingesting a chat never changes a stored row's thread. The
forward is a ``repost`` whose ``repost_of`` is the channel post when the channel is in the same file (a
full-account export holding both), matched by channel, text and time; that is what links the group thread to the
post.

Kinds: ``post`` for channel messages; in groups ``comment`` for a reply to a post (or its forward), ``reply`` for a
reply to anything else, ``repost`` for the channel's automatic forward, ``message`` otherwise.

Timestamps: ``date_unixtime`` (epoch seconds, Telegram Desktop >= 3.7, 2022) when present; otherwise ``date``,
the exporter's local wall-clock time without an offset, so the store asks for ``--timezone``.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Iterator
from typing import Any

import orjson

from botwatch.errors import FormatError, RecordError
from botwatch.ingest.base import Adapter, Chunk, IngestOptions, SourceFile, dumps, map_records, sample_text

PLATFORM = "telegram"
CHANNEL_TYPES = {"public_channel", "private_channel"}
CHAT_TYPES = (
    "personal_chat|bot_chat|private_group|private_supergroup|public_supergroup|private_channel|"
    "public_channel|saved_messages|saved_messages_chat"
)
# How far apart (seconds) an automatic forward and its channel post may be to be matched.
FORWARD_MATCH_S = 300

_MESSAGES_RE = re.compile(r'"messages"\s*:\s*\[')
_CHAT_TYPE_RE = re.compile(r'"type"\s*:\s*"(' + CHAT_TYPES + r')"')
_FULL_EXPORT_RE = re.compile(r'"personal_information"\s*:\s*\{')
_CHATS_RE = re.compile(r'"chats"\s*:\s*\{')
_TELEGRAM_KEYS_RE = re.compile(r'"(text_entities|date_unixtime|from_id)"\s*:')


class TelegramDesktopAdapter(Adapter):
    """Telegram Desktop JSON export of one chat or of a whole account (channels, discussion groups, chats)."""

    name = "telegram-desktop"
    description = "Telegram Desktop 'Export chat history' JSON (result.json), single chat or full account"
    priority = 60

    def sniff(self, sample: bytes, source: SourceFile) -> str | None:
        text = sample_text(sample).lstrip()
        if not text.startswith("{"):
            return None
        if _FULL_EXPORT_RE.search(text) and (_CHATS_RE.search(text) or _MESSAGES_RE.search(text)):
            return (
                "JSON object with a Telegram Desktop full-account export's keys (personal_information, chats)"
            )
        if _MESSAGES_RE.search(text):
            chat_type = _CHAT_TYPE_RE.search(text)
            if chat_type:
                return f'JSON object with a Telegram Desktop chat export\'s keys (type "{chat_type[1]}", messages[])'
            if _TELEGRAM_KEYS_RE.search(text):
                return (
                    "JSON object with a Telegram Desktop chat export's keys (messages[] with text_entities)"
                )
        return None

    def read(self, source: SourceFile, options: IngestOptions) -> Iterator[Chunk]:
        try:
            data = orjson.loads(source.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise FormatError(
                f"{source.name}: not valid JSON ({exc}); is the export complete? "
                "Telegram Desktop writes result.json only when the export finishes"
            ) from None
        except (
            OSError,
            EOFError,
            zlib.error,
        ) as exc:  # a cut or corrupt .gz: a document cannot be read in part
            raise FormatError(
                f"{source.name}: cannot be read to the end ({exc}); is the file complete?"
            ) from None
        chats = _chats(data, source.name)
        forwards = _ForwardIndex([chat for chat, _ in chats])
        for chat, position_kind in chats:
            mapper = _ChatMapper(chat, forwards, PLATFORM)
            yield from map_records(enumerate(chat["messages"]), mapper.map, position_kind)


def _chats(data: Any, file_name: str) -> list[tuple[dict, str]]:
    """The chats in an export with where their messages are: a single chat, or chats.list / left_chats.list."""
    if isinstance(data, dict) and "messages" in data:
        found = [(data, "messages[]")]
    elif isinstance(data, dict) and isinstance(data.get("chats"), dict):
        found = []
        for section in ("chats", "left_chats"):
            block = data.get(section)
            chats = block.get("list") if isinstance(block, dict) else None
            if chats is not None and not isinstance(chats, list):
                raise FormatError(f"{file_name}: {section}.list is not a list; the export looks damaged")
            for i, chat in enumerate(chats or []):
                if isinstance(chat, dict) and "messages" in chat:
                    found.append((chat, f"{section}.list[{i}].messages[]"))
    else:
        raise FormatError(
            f"{file_name}: no 'messages' or 'chats.list' at the top level; is this a Telegram Desktop export "
            "(result.json, JSON format)?"
        )
    for chat, where in found:
        if not isinstance(chat["messages"], list):
            raise FormatError(f"{file_name}: {where[:-2]} is not a list; the export looks damaged")
    return found


def _is_channel(chat: dict) -> bool:
    """A channel, by the chat's ``type`` (a damaged export may hold a list or object there)."""
    return isinstance(chat.get("type"), str) and chat["type"] in CHANNEL_TYPES


def flatten_text(text: Any) -> str:
    """Telegram's ``text`` is a string or a list of strings and ``{type, text}`` objects; join their text."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        parts = []
        for part in text:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                parts.append(str(part.get("text") or ""))
            else:
                raise RecordError(f"text part is {type(part).__name__}, not a string or an entity object")
        return "".join(parts)
    raise RecordError(f"text is {type(text).__name__}, not a string or a list of entities")


def _message_id(msg: Any) -> int | None:
    mid = msg.get("id")
    return mid if isinstance(mid, int) and not isinstance(mid, bool) else None


def _account_id(value: Any) -> str | None:
    """``"user123"``/``"channel123"`` as is; a pre-2021 integer user id becomes ``"user123"`` so one person
    keeps one id across export versions."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError("from_id is a boolean, not a string or an integer")
    if isinstance(value, int):
        return f"user{value}"
    if isinstance(value, str):
        return value.strip() or None
    raise RecordError(f"from_id is {type(value).__name__}, not a string or an integer")


def _epoch(msg: dict) -> float | None:
    value = msg.get("date_unixtime")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError("date_unixtime is a boolean, not epoch seconds")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RecordError(f"date_unixtime is not epoch seconds: {value!r}") from None


def _match_time(msg: dict) -> tuple[str, float] | None:
    """A comparable time for matching forwards: epoch when present, else the naive local ``date``."""
    try:
        epoch = _epoch(msg)
    except RecordError:
        epoch = None
    if epoch is not None:
        return "epoch", epoch
    date = msg.get("date")
    if isinstance(date, str):
        try:
            return "local", dt.datetime.fromisoformat(date).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            return None
    return None


def _is_auto_forward(msg: dict) -> bool:
    """A channel post copied into its discussion group: sent by a channel and forwarded from it."""
    sender = msg.get("from_id")
    forwarded = msg.get("forwarded_from")
    if not (isinstance(sender, str) and sender.startswith("channel") and forwarded):
        return False
    forwarded_id = msg.get("forwarded_from_id")
    if forwarded_id is not None:
        return forwarded_id == sender
    return forwarded == msg.get("from")


class _ForwardIndex:
    """Channel posts in the file, by channel and text, to resolve automatic forwards to the posts they copy."""

    def __init__(self, chats: list[dict]):
        self.by_id: dict[str, dict] = {}
        self.by_name: dict[str, list[dict]] = {}
        self.posts: dict[tuple[int, str], list[tuple[tuple[str, float] | None, str]]] = {}
        for chat in chats:
            if not _is_channel(chat) or chat.get("id") is None:
                continue
            self.by_id[f"channel{chat['id']}"] = chat
            if isinstance(chat.get("name"), str):
                self.by_name.setdefault(chat["name"], []).append(chat)
            for msg in chat["messages"]:
                if not isinstance(msg, dict) or msg.get("type", "message") != "message":
                    continue
                mid = _message_id(msg)
                try:
                    text = flatten_text(msg.get("text"))
                except RecordError:
                    continue
                if mid is not None:
                    key = (id(chat), text)
                    self.posts.setdefault(key, []).append((_match_time(msg), f"{chat['id']}/{mid}"))

    def resolve(self, forward: dict) -> str | None:
        """The item id of the channel post an automatic forward copies, or None when it is not in the file."""
        channel = self.by_id.get(str(forward.get("forwarded_from_id") or forward.get("from_id")))
        if channel is None:
            name = forward.get("forwarded_from")
            named = self.by_name.get(name, []) if isinstance(name, str) else []
            channel = named[0] if len(named) == 1 else None
        if channel is None:
            return None
        try:
            text = flatten_text(forward.get("text"))
        except RecordError:
            return None
        candidates = self.posts.get((id(channel), text), [])
        when = _match_time(forward)
        best, best_gap = None, None
        for post_time, item_id in candidates:
            if when is None or post_time is None or post_time[0] != when[0]:
                continue
            gap = abs(post_time[1] - when[1])
            if gap <= FORWARD_MATCH_S and (best_gap is None or gap < best_gap):
                best, best_gap = item_id, gap
        if best is None and len(candidates) == 1 and (when is None or candidates[0][0] is None):
            best = candidates[0][1]
        return best


class _ChatMapper:
    """Maps the messages of one chat; knows the chat's messages by id to classify replies and find roots."""

    def __init__(self, chat: dict, forwards: _ForwardIndex, platform: str):
        self.chat_id = chat.get("id")
        self.channel = chat.get("name") if isinstance(chat.get("name"), str) else None
        if self.channel is None and self.chat_id is not None:
            self.channel = str(self.chat_id)
        self.is_channel = _is_channel(chat)
        self.platform = platform
        self.forwards = forwards
        self.by_id: dict[int, dict] = {}
        for msg in chat["messages"]:
            if isinstance(msg, dict) and _message_id(msg) is not None:
                self.by_id.setdefault(_message_id(msg), msg)

    def item_id(self, message_id: Any) -> str:
        return f"{self.chat_id}/{message_id}"

    def _is_post(self, mid: int) -> bool:
        msg = self.by_id.get(mid)
        return msg is not None and (self.is_channel or _is_auto_forward(msg))

    def _root(self, mid: int) -> str:
        """Follow replies up from ``mid`` to the top of the thread known in this chat."""
        seen = set()
        while mid not in seen:
            seen.add(mid)
            msg = self.by_id.get(mid)
            parent = msg.get("reply_to_message_id") if msg is not None else None
            if (
                msg is None
                or self._is_post(mid)
                or not isinstance(parent, int)
                or msg.get("reply_to_peer_id") is not None
            ):
                break
            mid = parent
        return self.item_id(mid)

    def map(self, msg: Any):
        if not isinstance(msg, dict):
            raise RecordError(f"message is {type(msg).__name__}, not a JSON object")
        msg_type = msg.get("type", "message")
        if msg_type == "service":
            raise RecordError("service message (not a post or comment)")
        if msg_type == "unsupported":
            raise RecordError("unsupported message (Telegram Desktop exported no content for it)")
        if msg_type != "message":
            raise RecordError(f"unknown message type {msg_type!r}")
        if self.chat_id is None:
            raise RecordError("chat has no id, so message ids would not be unique; the export looks damaged")
        mid = _message_id(msg)
        if mid is None:
            raise RecordError(f"message id missing or not an integer: {msg.get('id')!r}")
        account_id = _account_id(msg.get("from_id"))
        display_name = msg.get("from") if isinstance(msg.get("from"), str) else None
        if account_id is None and self.is_channel:
            account_id, display_name = f"channel{self.chat_id}", display_name or self.channel
        epoch = _epoch(msg)
        raw_date = msg.get("date") if isinstance(msg.get("date"), str) else None
        text = flatten_text(msg.get("text"))
        kind, parent_id, root_id, repost_of = self._thread(msg)
        row = {
            "platform": self.platform,
            "item_id": self.item_id(mid),
            "account_id": account_id,
            "kind": kind,
            "parent_id": parent_id,
            "root_id": root_id,
            "channel": self.channel,
            "created_at_epoch": epoch,
            "created_at_raw": None if epoch is not None else raw_date,
            "text": text,
            "links": _links(msg),
            "media": _media(msg),
            "repost_of": repost_of,
            "reactions": _reactions(msg),
            "display_name": display_name,
            "raw": dumps(msg),
        }
        yield "item", row

    def _thread(self, msg: dict) -> tuple[str, str | None, str | None, str | None]:
        """(kind, parent_id, root_id, repost_of) for a message of this chat."""
        reply_to = msg.get("reply_to_message_id")
        if reply_to is not None and (not isinstance(reply_to, int) or isinstance(reply_to, bool)):
            raise RecordError(f"reply_to_message_id is not an integer: {reply_to!r}")
        peer = msg.get("reply_to_peer_id")
        if reply_to is not None and peer is not None:  # a reply to a message in another chat
            peer_chat = re.sub(r"^\D+", "", str(peer)) or str(peer)
            parent = f"{peer_chat}/{reply_to}"
            kind = "post" if self.is_channel else "reply"
            return kind, parent, parent, None
        if self.is_channel:
            if reply_to is None:
                return "post", None, None, None
            return "post", self.item_id(reply_to), self._root(reply_to), None
        if _is_auto_forward(msg):
            return "repost", None, None, self.forwards.resolve(msg)
        if reply_to is None:
            return "message", None, None, None
        kind = "comment" if self._is_post(reply_to) else "reply"
        return kind, self.item_id(reply_to), self._root(reply_to), None


def _links(msg: dict) -> list[str] | None:
    """URLs from ``text_entities`` (``link`` text, ``text_link`` href); None when the message has no entities."""
    entities = msg.get("text_entities")
    if not isinstance(entities, list):
        entities = msg.get("text") if isinstance(msg.get("text"), list) else None
    if entities is None:
        return None
    links = []
    for ent in entities:
        if not isinstance(ent, dict):
            continue
        if ent.get("type") == "link" and ent.get("text"):
            links.append(str(ent["text"]))
        elif ent.get("type") == "text_link" and ent.get("href"):
            links.append(str(ent["href"]))
    return links


def _media(msg: dict) -> list[str] | None:
    """The exported file's relative path, or the media kind (photo, sticker, video_file, ...) when the export
    left the file out ("(File not included. ...)")."""
    media = []
    for key in ("photo", "file"):
        value = msg.get(key)
        if not isinstance(value, str) or not value:
            continue
        if value.startswith("("):
            media.append(key if key == "photo" else str(msg.get("media_type") or "file"))
        else:
            media.append(value)
    return media or None


def _reactions(msg: dict) -> int | None:
    reactions = msg.get("reactions")
    if not isinstance(reactions, list):
        return None
    return sum(
        r["count"]
        for r in reactions
        if isinstance(r, dict) and isinstance(r.get("count"), int) and not isinstance(r.get("count"), bool)
    )
