"""Zeeschuimer / 4CAT NDJSON: browser captures of X/Twitter, Instagram and TikTok.

Zeeschuimer writes one envelope per line, ``{nav_index, item_id, timestamp_collected, source_platform,
source_platform_url, source_url, user_agent, data, id}``, with the platform's own JSON object in ``data``. The
envelope's ``source_platform`` (the capture module: ``twitter.com``, ``x.com``, ``instagram.com``, ``tiktok.com``,
``tiktok-comments``) chooses the mapper; a line from any other module is quarantined.

Platforms change their payloads every year or two, so every field is looked up in the few places the known
generations keep it (e.g. an X user's handle under ``core`` since 2025, under ``legacy`` before). Quoted and
retweeted tweets embedded in an X capture are complete tweets and are stored as items too (the store counts
them as duplicates when the same tweet was also captured on its own line). The author seen on an item becomes
the item's ``handle``/``display_name`` plus an account observation with ``is_profile=False``. Hashtags are
lower-cased, as the store does for hashtags it extracts from text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
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
from botwatch.ingest.fields import as_bool, as_epoch, as_int, as_str, first_of, lookup, unique_strings
from botwatch.ingest.lines import json_line_records

_ENVELOPE_MARKERS = ("nav_index", "timestamp_collected")
# Twitter's codes for "no language": undetermined, no linguistic content, media/hashtags/mentions/cashtags only.
NO_LANGUAGE = frozenset({"und", "zxx", "qme", "qht", "qam", "qct", "qst"})
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


class ZeeschuimerAdapter(Adapter):
    """Zeeschuimer (and 4CAT) NDJSON captures: X/Twitter tweets, Instagram posts and comments, TikTok videos
    and TikTok comments. Each line's ``source_platform`` picks the mapping; unknown modules are quarantined."""

    name = "zeeschuimer"
    description = "Zeeschuimer / 4CAT NDJSON captures (X/Twitter, Instagram, TikTok, TikTok comments)"
    priority = 60

    def sniff(self, sample: bytes, source: SourceFile) -> str | None:
        head_line = first_json_line(sample)
        if head_line is None:
            return None
        obj, first, rest = head_line
        if isinstance(obj, dict):
            keys = set(obj)
            platform = obj.get("source_platform")
            if not isinstance(obj.get("data"), dict):
                return None
        elif not rest:
            # The first line is longer than the sample: read the envelope keys that precede "data".
            head = first.split('"data"', 1)[0]
            keys = set(re.findall(r'"(\w+)"\s*:', head)) | ({"data"} if '"data"' in first else set())
            found = re.search(r'"source_platform"\s*:\s*"([^"]{1,40})"', head)
            platform = found.group(1) if found else None
        else:
            return None
        markers = [k for k in _ENVELOPE_MARKERS if k in keys]
        if "source_platform" in keys and "data" in keys and markers:
            return f"Zeeschuimer NDJSON envelope (source_platform {str(platform)[:40]!r}, data, {markers[0]})"
        return None

    def read(self, source: SourceFile, options: IngestOptions) -> Iterator[Chunk]:
        rejects, records = json_line_records(source)
        yield from map_records(records, map_envelope, "line")
        if rejects:
            yield Chunk(rejects=rejects)


def map_envelope(envelope: Any) -> MapResult:
    """Map one Zeeschuimer line to ('item'|'account', row) pairs; raise RecordError when it cannot be used."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        raise RecordError("not a Zeeschuimer envelope: no data object")
    module = envelope.get("source_platform")
    if not isinstance(module, str) or not module.strip():
        raise RecordError("not a Zeeschuimer envelope: no source_platform")
    mapper = _MAPPERS.get(module.strip().lower())
    if mapper is None:
        raise RecordError(f"unsupported Zeeschuimer platform: {module.strip()[:60]}")
    return list(mapper(envelope["data"], dumps(envelope)))


# -- small lookup helpers ------------------------------------------------------------------------------------
def _nonzero_id(value: Any) -> str | None:
    """TikTok and Instagram write "0" for "no parent"."""
    value = as_str(value)
    return None if value in (None, "0") else value


def parse_twitter_time(value: Any) -> float | None:
    """Epoch seconds of a Twitter timestamp like ``Wed Oct 10 20:19:24 +0000 2018``; None when it is not one.

    Parsed by hand so the result does not depend on the machine's locale (``%a``/``%b`` do)."""
    if not isinstance(value, str):
        return None
    parts = value.split()
    if len(parts) != 6:
        return None
    _, month, day, clock, offset, year = parts
    try:
        hour, minute, second = (int(x) for x in clock.split(":"))
        sign = -1 if offset.startswith("-") else 1
        digits = offset.lstrip("+-")
        delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        stamp = dt.datetime(
            int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=dt.timezone(sign * delta)
        )
    except (KeyError, ValueError):
        return None
    return stamp.timestamp()


# -- X / Twitter (web GraphQL objects) -----------------------------------------------------------------------
def _unwrap_tweet(obj: Any) -> dict | None:
    """The tweet inside ``{result: ...}`` / ``TweetWithVisibilityResults{tweet: ...}`` wrappers, or None for a
    tombstone or an unavailable tweet."""
    for _ in range(4):
        if not isinstance(obj, dict) or isinstance(obj.get("legacy"), dict):
            break
        obj = obj.get("result") if "result" in obj else obj.get("tweet")
    if isinstance(obj, dict) and isinstance(obj.get("legacy"), dict):
        return obj
    return None


def _twitter_author(tweet: dict) -> tuple[str | None, dict | None]:
    """(account id, account observation row) for a tweet's author, from the 2023 ``legacy``, the 2025+
    ``core``/``avatar`` and the older adaptive ``user`` shapes."""
    user = lookup(tweet, "core.user_results.result")
    if isinstance(user, dict) and "legacy" not in user and "core" not in user:
        user = user.get("result") or user
    if not isinstance(user, dict):
        user = tweet.get("user") if isinstance(tweet.get("user"), dict) else None
    fallback_id = as_str(lookup(tweet, "legacy.user_id_str"))
    if user is None:
        return fallback_id, None

    def pick(name: str) -> Any:
        return first_of(user, f"core.{name}", f"legacy.{name}", name)

    account_id = as_str(first_of(user, "rest_id", "legacy.id_str", "id_str")) or fallback_id
    if account_id is None:
        return None, None
    created_raw = as_str(pick("created_at"))
    verified = first_of(user, "verification.verified", "legacy.verified", "verified")
    row = {
        "platform": "twitter",
        "account_id": account_id,
        "handle": as_str(pick("screen_name")),
        "display_name": as_str(pick("name")),
        "created_at_raw": created_raw,
        "created_at_epoch": parse_twitter_time(created_raw),
        "bio": as_str(first_of(user, "legacy.description", "profile_bio.description", "description")),
        "avatar_url": as_str(
            first_of(user, "avatar.image_url", "legacy.profile_image_url_https", "profile_image_url_https")
        ),
        "followers": as_int(pick("followers_count")),
        "following": as_int(pick("friends_count")),
        "posts_count": as_int(pick("statuses_count")),
        "verified": as_bool(verified),
        "raw": dumps(user),
        "is_profile": False,
    }
    return account_id, row


def _tweet_rows(tweet: dict, raw: str, seen: set[str]) -> Iterator[tuple[str, dict]]:
    legacy = tweet["legacy"]
    tweet_id = as_str(first_of(tweet, "rest_id", "legacy.id_str", "id_str"))
    if tweet_id is None:
        raise RecordError("tweet without rest_id or legacy.id_str")
    if tweet_id in seen:
        return
    seen.add(tweet_id)
    account_id, account = _twitter_author(tweet)
    retweeted = _unwrap_tweet(legacy.get("retweeted_status_result"))
    quoted = _unwrap_tweet(tweet.get("quoted_status_result"))
    note = lookup(tweet, "note_tweet.note_tweet_results.result")
    note = note if isinstance(note, dict) else {}
    entities = note.get("entity_set") or legacy.get("entities") or {}
    media = (legacy.get("extended_entities") or legacy.get("entities") or {}).get("media") or []
    parent_id = as_str(legacy.get("in_reply_to_status_id_str"))
    repost_of = as_str(first_of(retweeted, "rest_id", "legacy.id_str")) if retweeted else None
    created_raw = as_str(legacy.get("created_at"))
    lang = as_str(legacy.get("lang"))
    yield (
        "item",
        {
            "platform": "twitter",
            "item_id": tweet_id,
            "account_id": account_id,
            "kind": "repost" if repost_of else "reply" if parent_id else "post",
            "parent_id": parent_id,
            "root_id": as_str(legacy.get("conversation_id_str")),
            "created_at_raw": created_raw,
            "created_at_epoch": parse_twitter_time(created_raw),
            "text": note.get("text") or legacy.get("full_text") or legacy.get("text"),
            "lang": None if lang in NO_LANGUAGE else lang,
            "links": unique_strings(
                u.get("expanded_url") or u.get("url") for u in entities.get("urls") or []
            ),
            "hashtags": [str(h.get("text", "")).lower() for h in entities.get("hashtags") or []],
            "mentions": [m.get("screen_name") for m in entities.get("user_mentions") or []],
            "media": [m.get("media_url_https") or m.get("media_url") for m in media],
            "repost_of": repost_of,
            "reactions": as_int(legacy.get("favorite_count")),
            "replies": as_int(legacy.get("reply_count")),
            "reposts": as_int(legacy.get("retweet_count")),
            "views": as_int(first_of(tweet, "views.count", "ext_views.count")),
            "raw": raw,
            "handle": account["handle"] if account else None,
            "display_name": account["display_name"] if account else None,
        },
    )
    if account:
        yield "account", account
    for embedded in (retweeted, quoted):
        if embedded is not None:
            yield from _tweet_rows(embedded, dumps(embedded), seen)


def _map_twitter(data: dict, raw: str) -> MapResult:
    tweet = _unwrap_tweet(data)
    if tweet is None:
        kind = data.get("__typename") or lookup(data, "result.__typename") or "no legacy object"
        raise RecordError(f"tweet without content ({str(kind)[:40]}): deleted, withheld or a tombstone")
    return _tweet_rows(tweet, raw, set())


# -- Instagram -----------------------------------------------------------------------------------------------
def _instagram_author(holder: dict) -> tuple[str | None, dict | None]:
    user = holder.get("user") if isinstance(holder.get("user"), dict) else holder.get("owner")
    if not isinstance(user, dict):
        return None, None
    account_id = as_str(first_of(user, "pk", "pk_id", "id"))
    if account_id is None:
        return None, None
    return account_id, {
        "platform": "instagram",
        "account_id": account_id,
        "handle": as_str(user.get("username")),
        "display_name": as_str(user.get("full_name")),
        "bio": as_str(user.get("biography")),
        "avatar_url": as_str(first_of(user, "profile_pic_url", "hd_profile_pic_url_info.url")),
        "followers": as_int(first_of(user, "follower_count", "edge_followed_by.count")),
        "following": as_int(first_of(user, "following_count", "edge_follow.count")),
        "posts_count": as_int(first_of(user, "media_count", "edge_owner_to_timeline_media.count")),
        "verified": as_bool(user.get("is_verified")),
        "raw": dumps(user),
        "is_profile": False,
    }


def _instagram_media(post: dict) -> list[str]:
    def one(m: dict) -> str | None:
        return as_str(
            first_of(
                m, "video_versions.0.url", "image_versions2.candidates.0.url", "display_url", "display_uri"
            )
        )

    children = post.get("carousel_media") or [
        e.get("node", {}) for e in lookup(post, "edge_sidecar_to_children.edges") or []
    ]
    urls = [one(c) for c in children if isinstance(c, dict)] if children else [one(post)]
    return [u for u in urls if u]


def _is_instagram_comment(data: dict) -> bool:
    if data.get("content_type") == "comment":
        return True
    return "text" in data and "taken_at" not in data and "code" not in data and "shortcode" not in data


def _map_instagram(data: dict, raw: str) -> MapResult:
    if _is_instagram_comment(data):
        return _map_instagram_comment(data, raw)
    post = data["node"] if isinstance(data.get("node"), dict) else data
    media_id = as_str(first_of(post, "pk", "id"))
    if media_id is None:
        raise RecordError("Instagram post without pk or id")
    media_id = media_id.split("_")[0]  # "id" is "<media pk>_<owner pk>"
    account_id, account = _instagram_author(post)
    hidden = bool(post.get("like_and_view_counts_disabled"))
    item = {
        "platform": "instagram",
        "item_id": media_id,
        "account_id": account_id,
        "kind": "post",
        "root_id": media_id,
        "created_at_epoch": as_epoch(first_of(post, "taken_at", "taken_at_timestamp")),
        "text": first_of(post, "caption.text", "edge_media_to_caption.edges.0.node.text"),
        "media": _instagram_media(post),
        # counts hidden by the owner come back as placeholders; store them as unknown
        "reactions": None
        if hidden
        else as_int(first_of(post, "like_count", "edge_liked_by.count", "edge_media_preview_like.count")),
        "replies": as_int(first_of(post, "comment_count", "edge_media_to_comment.count")),
        "views": None if hidden else as_int(first_of(post, "play_count", "view_count", "video_view_count")),
        "raw": raw,
        "handle": account["handle"] if account else None,
        "display_name": account["display_name"] if account else None,
    }
    return [("item", item)] + ([("account", account)] if account else [])


def _map_instagram_comment(data: dict, raw: str) -> MapResult:
    comment_id = as_str(first_of(data, "pk", "id"))
    if comment_id is None:
        raise RecordError("Instagram comment without pk or id")
    account_id, account = _instagram_author(data)
    media_id = as_str(first_of(data, "media_id", "post_id"))
    parent_comment = _nonzero_id(first_of(data, "parent_comment_id", "replied_to_comment_id"))
    item = {
        "platform": "instagram",
        "item_id": comment_id,
        "account_id": account_id,
        "kind": "reply" if parent_comment else "comment",
        "parent_id": parent_comment or media_id,
        "root_id": media_id,
        "created_at_epoch": as_epoch(first_of(data, "created_at", "created_at_utc")),
        "text": data.get("text"),
        "reactions": as_int(first_of(data, "comment_like_count", "like_count", "edge_liked_by.count")),
        "replies": as_int(first_of(data, "child_comment_count", "edge_threaded_comments.count")),
        "raw": raw,
        "handle": account["handle"] if account else None,
        "display_name": account["display_name"] if account else None,
    }
    return [("item", item)] + ([("account", account)] if account else [])


# -- TikTok --------------------------------------------------------------------------------------------------
def _map_tiktok(data: dict, raw: str) -> MapResult:
    video_id = as_str(data.get("id"))
    if video_id is None:
        raise RecordError("TikTok item without id")
    author = data.get("author")
    if isinstance(author, dict):  # intercepted API response
        user = author
        handle, nickname = as_str(author.get("uniqueId")), as_str(author.get("nickname"))
        account_id = as_str(first_of(author, "id", "uid"))
    else:  # embedded page JSON: author is the handle, the rest sits on the item
        user = {}
        handle, nickname = as_str(author), as_str(data.get("nickname"))
        account_id = as_str(data.get("authorId"))
    account_id = account_id or handle  # no numeric id in some page captures: fall back to the handle
    stats = data.get("stats") if isinstance(data.get("stats"), dict) else data.get("statsV2") or {}
    author_stats = data.get("authorStats") or {}
    extras = data.get("textExtra")
    hashtags = mentions = None
    if isinstance(extras, list):
        hashtags = [str(e["hashtagName"]).lower() for e in extras if e.get("hashtagName")]
        mentions = [str(e["userUniqueId"]) for e in extras if e.get("userUniqueId")]
    elif isinstance(data.get("challenges"), list):
        hashtags = [str(c["title"]).lower() for c in data["challenges"] if c.get("title")]
    item = {
        "platform": "tiktok",
        "item_id": video_id,
        "account_id": account_id,
        "kind": "post",
        "root_id": video_id,
        "created_at_epoch": as_epoch(data.get("createTime")),
        "text": data.get("desc"),
        "hashtags": hashtags,
        "mentions": mentions,
        "reactions": as_int(stats.get("diggCount")),
        "replies": as_int(stats.get("commentCount")),
        "reposts": as_int(stats.get("shareCount")),
        "views": as_int(stats.get("playCount")),
        "raw": raw,
        "handle": handle,
        "display_name": nickname,
    }
    out = [("item", item)]
    if account_id:
        account = {
            "platform": "tiktok",
            "account_id": account_id,
            "handle": handle,
            "display_name": nickname,
            "bio": as_str(first_of(user, "signature")),
            "avatar_url": as_str(first_of(user, "avatarThumb", "avatarMedium")),
            "followers": as_int(author_stats.get("followerCount")),
            "following": as_int(author_stats.get("followingCount")),
            "posts_count": as_int(author_stats.get("videoCount")),
            "verified": as_bool(user.get("verified")),
            "raw": dumps(author if isinstance(author, dict) else {"author": author}),
            "is_profile": False,
        }
        out.append(("account", account))
    return out


def _map_tiktok_comment(data: dict, raw: str) -> MapResult:
    comment_id = as_str(data.get("cid"))
    if comment_id is None:
        raise RecordError("TikTok comment without cid")
    user = data.get("user") if isinstance(data.get("user"), dict) else {}
    handle = as_str(user.get("unique_id"))
    account_id = as_str(first_of(user, "uid", "id")) or handle
    video_id = as_str(data.get("aweme_id"))
    # reply_id is the top-level comment a reply belongs to, reply_to_reply_id the reply it answers
    parent_comment = _nonzero_id(data.get("reply_to_reply_id")) or _nonzero_id(data.get("reply_id"))
    item = {
        "platform": "tiktok",
        "item_id": comment_id,
        "account_id": account_id,
        "kind": "reply" if parent_comment else "comment",
        "parent_id": parent_comment or video_id,
        "root_id": video_id,
        "created_at_epoch": as_epoch(data.get("create_time")),
        "text": data.get("text"),
        "lang": as_str(data.get("comment_language")),
        "reactions": as_int(data.get("digg_count")),
        "replies": as_int(data.get("reply_comment_total")),
        "raw": raw,
        "handle": handle,
        "display_name": as_str(user.get("nickname")),
    }
    out = [("item", item)]
    if account_id:
        account = {
            "platform": "tiktok",
            "account_id": account_id,
            "handle": handle,
            "display_name": as_str(user.get("nickname")),
            "bio": as_str(user.get("signature")),
            "avatar_url": as_str(first_of(user, "avatar_thumb.url_list.0", "avatar_medium.url_list.0")),
            "followers": as_int(user.get("follower_count")),
            "following": as_int(user.get("following_count")),
            "posts_count": as_int(user.get("aweme_count")),
            "verified": as_bool(first_of(user, "is_verified", "verified")),
            "raw": dumps(user),
            "is_profile": False,
        }
        out.append(("account", account))
    return out


# Zeeschuimer module id (envelope ``source_platform``) -> mapper; platforms: twitter, instagram, tiktok.
_MAPPERS = {
    "twitter.com": _map_twitter,
    "x.com": _map_twitter,
    "instagram.com": _map_instagram,
    "tiktok.com": _map_tiktok,
    "tiktok-comments": _map_tiktok_comment,
}
