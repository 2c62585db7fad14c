"""Twitter/X API v2 JSON Lines as twarc2 writes them: response pages, or flattened tweets.

A page line is one API response, ``{data, includes{users, tweets, media}, meta, errors, __twarc}``. Every tweet
in ``data`` and in ``includes.tweets`` (the replied-to, quoted and retweeted tweets) becomes an item; every user
in ``includes.users`` (or in ``data``, for user lookups) becomes an account record. All records of a page share
its line number as their position. A flattened line (``twarc2 flatten``) is one tweet with its ``author`` and
referenced tweets expanded inline; the embedded author becomes an account observation (``is_profile=False``)
and the embedded referenced tweets become items.

``referenced_tweets`` of type ``replied_to`` gives ``parent_id`` (kind ``reply``), ``retweeted`` gives
``repost_of`` (kind ``repost``); ``quoted`` stays in ``raw``. ``conversation_id`` is the ``root_id``.
Hashtags are lower-cased, as the store does for hashtags it extracts from text; Twitter's "no language" codes
(``und``, ``zxx``, ``qme``, ...) are stored as null; a link listed twice (one t.co for several photos) once.
A page without data that carries API errors is quarantined with the first error; other ``errors`` entries
(deleted or suspended resources) are not records and are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from botwatch.errors import RecordError
from botwatch.ingest.base import (
    Adapter,
    Chunk,
    IngestOptions,
    MapResult,
    SourceFile,
    dumps,
    first_json_line,
    map_records,
)
from botwatch.ingest.fields import as_bool, as_int, as_str, unique_strings
from botwatch.ingest.lines import json_line_records
from botwatch.ingest.zeeschuimer import NO_LANGUAGE

# A page has these (and __twarc); a flattened tweet or user has __twarc too, so __twarc alone does not make a page.
_PAGE_KEYS = ("includes", "meta", "errors")


class Twarc2Adapter(Adapter):
    """Twitter/X API v2 JSONL (twarc2 output): one response page per line, or one flattened tweet per line."""

    name = "twarc2"
    description = "Twitter/X API v2 JSONL as written by twarc2 (response pages or flattened tweets)"
    priority = 60

    def sniff(self, sample: bytes, source: SourceFile) -> str | None:
        head_line = first_json_line(sample)
        if head_line is None:
            return None
        obj, first, rest = head_line
        if isinstance(obj, dict):
            if _is_page(obj):
                data = obj.get("data")
                head = data[0] if isinstance(data, list) and data else data
                if _is_tweet(head):
                    return "Twitter API v2 response pages (data holds tweets; includes, meta) as twarc2 writes them"
                if _is_user(head):
                    return "Twitter API v2 user lookup pages (data holds users) as twarc2 writes them"
                return None
            if (
                _is_tweet(obj)
                and "author_id" in obj
                and any(k in obj for k in ("author", "__twarc", "created_at"))
            ):
                return (
                    "Twitter API v2 tweets, one per line (id, author_id, text), as twarc2 flatten writes them"
                )
            if _is_user(obj) and "__twarc" in obj:
                return "Twitter API v2 users, one per line, as twarc2 flatten writes them"
            return None
        # A page longer than the sample: recognise its opening.
        if not rest and re.match(r'\{\s*"data"\s*:\s*\[\s*\{', first) and '"author_id"' in first:
            return "Twitter API v2 response pages (data holds tweets; first line longer than the sample)"
        return None

    def read(self, source: SourceFile, options: IngestOptions) -> Iterator[Chunk]:
        rejects, lines = json_line_records(source)
        page = _PageContext()
        yield from map_records(_records(lines, page), page.map_record, "line")
        if rejects:
            yield Chunk(rejects=rejects)


def _is_page(obj: Any) -> bool:
    """A response page: ``data`` (tweets or users) and/or the page keys, never a tweet's or user's ``id``."""
    if not isinstance(obj, dict) or "id" in obj:
        return False
    return isinstance(obj.get("data"), list | dict) or any(k in obj for k in _PAGE_KEYS)


def _is_tweet(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and "id" in obj
        and "username" not in obj
        and any(k in obj for k in ("text", "author_id", "edit_history_tweet_ids"))
    )


def _is_user(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and "username" in obj


def _records(lines: Iterable[tuple[int, Any]], page: _PageContext) -> Iterator[tuple[int, Any]]:
    """Split page lines into their tweets and users (each keeps the page's line number); pass other lines on.

    ``page`` holds the current page's users and media while its records are mapped."""
    for lineno, obj in lines:
        if not _is_page(obj):
            page.load(None)
            yield lineno, obj
            continue
        page.load(obj)
        data = obj.get("data")
        elements = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        includes = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
        # a part that is not what the API writes (data a string, includes.users a number) is quarantined
        bad = [_BadPart("data", data)] if data is not None and not isinstance(data, list | dict) else []
        if obj.get("includes") is not None and not isinstance(obj.get("includes"), dict):
            bad.append(_BadPart("includes", obj["includes"]))
        for key in ("tweets", "users"):
            if includes.get(key) is not None and not isinstance(includes[key], list):
                bad.append(_BadPart(f"includes.{key}", includes[key]))
        if not elements and not includes.get("tweets") and not includes.get("users") and not bad:
            if obj.get("errors"):
                yield lineno, obj  # quarantined with its first error
            continue
        for element in elements:
            yield lineno, element
        for element in _list(includes.get("tweets")) + _list(includes.get("users")) + bad:
            yield lineno, element


class _BadPart(dict):
    """A part of a response page that is not the list (or object) the API writes; quarantined on its own."""

    def __init__(self, where: str, value: Any):
        super().__init__({where: value})
        kind = {str: "a string", bool: "a boolean", dict: "an object", list: "an array"}.get(
            type(value), "a number"
        )
        expected = "an object" if where == "includes" else "a list of tweets or users"
        self.reason = f"page {where} is {kind}, not {expected}"


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def parse_iso_time(value: Any) -> float | None:
    """Epoch seconds of an ISO-8601 timestamp with a zone (``2021-05-18T19:24:56.000Z``), else None."""
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo is not None else None


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def user_row(user: dict, is_profile: bool) -> dict:
    """An account row from an API v2 user object."""
    metrics = _dict(user.get("public_metrics"))
    created = as_str(user.get("created_at"))
    return {
        "platform": "twitter",
        "account_id": as_str(user.get("id")),
        "handle": as_str(user.get("username")),
        "display_name": as_str(user.get("name")),
        "created_at_raw": created,
        "created_at_epoch": parse_iso_time(created),
        "bio": as_str(user.get("description")),
        "avatar_url": as_str(user.get("profile_image_url")),
        "followers": as_int(metrics.get("followers_count")),
        "following": as_int(metrics.get("following_count")),
        "posts_count": as_int(metrics.get("tweet_count")),
        "verified": as_bool(user.get("verified")),
        "raw": dumps(user),
        "is_profile": is_profile,
    }


class _PageContext:
    """The users and media of the page whose records are being mapped (empty for flattened lines)."""

    def __init__(self) -> None:
        self.users: dict[str, dict] = {}
        self.media: dict[str, dict] = {}

    def load(self, page: dict | None) -> None:
        self.users, self.media = {}, {}
        if page is None:
            return
        includes = _dict(page.get("includes"))
        data = page.get("data")
        users = _list(includes.get("users")) + [u for u in _list(data) if _is_user(u)]
        self.users = {str(u["id"]): u for u in users if isinstance(u, dict) and "id" in u}
        self.media = {
            str(m["media_key"]): m
            for m in _list(includes.get("media"))
            if isinstance(m, dict) and "media_key" in m
        }

    def map_record(self, obj: Any) -> MapResult:
        """Map one tweet, user, or flattened tweet; raise RecordError for anything else."""
        if isinstance(obj, _BadPart):
            raise RecordError(obj.reason)
        if not isinstance(obj, dict):
            raise RecordError(f"line is JSON but not an object ({type(obj).__name__})")
        if _is_tweet(obj):
            return list(self._tweet_rows(obj, set()))
        if _is_user(obj):
            return [("account", user_row(obj, is_profile=True))]
        if _is_page(obj):
            err = _dict((obj.get("errors") or [{}])[0])
            what = ": ".join(str(err[k])[:120] for k in ("title", "detail") if err.get(k)) or "no detail"
            raise RecordError(f"API response page without data; first error: {what}")
        keys = ", ".join(str(k)[:30] for k in list(obj)[:8])
        raise RecordError(f"not a Twitter API v2 response page, tweet or user (keys: {keys})")

    def _tweet_rows(self, tweet: dict, seen: set[str]) -> Iterator[tuple[str, dict]]:
        tweet_id = as_str(tweet.get("id"))
        if tweet_id in seen:
            return
        seen.add(tweet_id)
        author_id = as_str(tweet.get("author_id"))
        embedded_author = tweet.get("author") if isinstance(tweet.get("author"), dict) else None
        author = embedded_author or self.users.get(author_id or "")
        if author_id is None and author:
            author_id = as_str(author.get("id"))
        refs = [r for r in tweet.get("referenced_tweets") or [] if isinstance(r, dict)]
        parent_id = next((as_str(r.get("id")) for r in refs if r.get("type") == "replied_to"), None)
        repost_of = next((as_str(r.get("id")) for r in refs if r.get("type") == "retweeted"), None)
        note = _dict(tweet.get("note_tweet"))
        entities = _dict(note.get("entities") or tweet.get("entities"))
        metrics = _dict(tweet.get("public_metrics"))
        created = as_str(tweet.get("created_at"))
        lang = as_str(tweet.get("lang"))
        yield (
            "item",
            {
                "platform": "twitter",
                "item_id": tweet_id,
                "account_id": author_id,
                "kind": "repost" if repost_of else "reply" if parent_id else "post",
                "parent_id": parent_id,
                "root_id": as_str(tweet.get("conversation_id")),
                "created_at_raw": created,
                "created_at_epoch": parse_iso_time(created),
                "text": note.get("text") or tweet.get("text"),
                "lang": None if lang in NO_LANGUAGE else lang,
                "links": unique_strings(
                    u.get("expanded_url") or u.get("url") for u in entities.get("urls") or []
                ),
                "hashtags": [str(h.get("tag", "")).lower() for h in entities.get("hashtags") or []],
                "mentions": [m.get("username") for m in entities.get("mentions") or []],
                "media": self._media(tweet),
                "repost_of": repost_of,
                "reactions": as_int(metrics.get("like_count")),
                "replies": as_int(metrics.get("reply_count")),
                "reposts": as_int(metrics.get("retweet_count")),
                "views": as_int(metrics.get("impression_count")),
                "raw": dumps(tweet),
                "handle": as_str(author.get("username")) if author else None,
                "display_name": as_str(author.get("name")) if author else None,
            },
        )
        if embedded_author and embedded_author.get("id"):
            yield "account", user_row(embedded_author, is_profile=False)
        for ref in refs:  # flattened lines carry the referenced tweets themselves
            if _is_tweet(ref) and ("text" in ref or "author_id" in ref):
                yield from self._tweet_rows(ref, seen)

    def _media(self, tweet: dict) -> list[str]:
        attachments = _dict(tweet.get("attachments"))
        expanded = attachments.get("media")
        if not isinstance(expanded, list):
            expanded = [self.media.get(str(k), {"media_key": k}) for k in attachments.get("media_keys") or []]
        out = []
        for m in expanded:
            if isinstance(m, dict):
                url = m.get("url") or m.get("preview_image_url") or m.get("media_key")
                if url:
                    out.append(str(url))
        return out
