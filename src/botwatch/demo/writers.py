"""Write a simulated :class:`~botwatch.demo.world.World` in the formats investigators hold.

* Telegram Desktop "Export chat history" JSON: one file per channel (its posts), one per linked discussion group
  (the channel post auto-forwarded, then comments replying to it, ``reply_to_message_id``), one per plain group.
  ``date`` is the exporter's local time (Asia/Almaty) without a zone; ``date_unixtime`` is epoch seconds as a
  string, as in Telegram Desktop 3.7+.
* VK API JSON: ``wall.get`` (``extended=1``) per community, ``wall.getComments`` responses (v5.131,
  ``extended=1``, ``thread_items_count=10``, replies nested in ``thread.items``; one response per post and
  page of 100, saved as JSON Lines) and ``users.get`` for every commenter (``photo_200``, ``domain``...).
  A single response is a ``.json`` file, several are ``.jsonl``. VK returns no account creation date.
* Ground truth CSV ``platform,account_id,label,group,created_at,stolen_photo``: ``created_at`` (UTC) is known
  only here; ``stolen_photo`` names the victim's photo (``victims/victim_<n>.jpg``) an account wears.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from botwatch.demo.world import EDITORS, PAGES, TIMEZONE, Account, Comment, Page, Post, World

PAGE_SIZE = 100
USERS_PER_CALL = 1000
FILE_NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return path


def _local(t: int) -> str:
    return dt.datetime.fromtimestamp(t, ZoneInfo(TIMEZONE)).strftime("%Y-%m-%dT%H:%M:%S")


# -- Telegram Desktop -----------------------------------------------------------------------------------------
def _tg_text(parts: list) -> tuple[str | list, list[dict]]:
    """Telegram's two renderings of text: ``text`` (a string, or strings mixed with entity objects) and
    ``text_entities`` (always a list of objects)."""
    parts = [p for p in parts if p]
    if all(isinstance(p, str) for p in parts):
        text = "".join(parts)
        return text, ([{"type": "plain", "text": text}] if text else [])
    entities = [{"type": "plain", "text": p} if isinstance(p, str) else p for p in parts]
    return parts, entities


def _tg_message(msg_id: int, t: int, sender: str, sender_id: str, parts: list, **extra) -> dict:
    m = {"id": msg_id, "type": "message", "date": _local(t), "date_unixtime": str(t)}
    if extra.get("edited"):
        m["edited"] = _local(extra["edited"])
        m["edited_unixtime"] = str(extra["edited"])
    m["from"] = sender
    m["from_id"] = sender_id
    if extra.get("forwarded_from"):
        m["forwarded_from"] = extra["forwarded_from"]
    if extra.get("reply_to") is not None:
        m["reply_to_message_id"] = extra["reply_to"]
    if extra.get("photo"):
        m["photo"] = FILE_NOT_INCLUDED
        m["width"] = 1280
        m["height"] = 853
    m["text"], m["text_entities"] = _tg_text(parts)
    return m


def _post_parts(post: Post) -> list:
    parts: list = [{"type": "bold", "text": post.text}]
    if post.link:
        parts += ["\n\nПодробнее: ", {"type": "link", "text": post.link}]
    return parts


def _comment_parts(c: Comment) -> list:
    return [c.text, " ", {"type": "link", "text": c.link}] if c.link else [c.text]


def _tg_export(name: str, chat_type: str, chat_id: int, messages: list[dict]) -> str:
    return json.dumps({"name": name, "type": chat_type, "id": chat_id, "messages": messages}, ensure_ascii=False,
                      indent=1) + "\n"  # fmt: skip


def write_telegram(world: World, out: Path) -> list[dict]:
    """Write the Telegram exports; return one descriptor per file (path, format, platform, counts)."""
    files = []
    for page in (p for p in PAGES if p.platform == "telegram"):
        posts = [(i, p) for i, p in enumerate(world.posts) if p.page == page.key]
        comments = sorted((c for c in range(len(world.comments)) if world.comments[c].page == page.key),
                          key=lambda c: (world.comments[c].t, c))  # fmt: skip
        events: list[tuple[int, int, str, int]] = []  # (t, order, what, index) for the group's timeline
        channel_author = f"channel{page.page_id}"
        if page.kind == "channel":
            channel_msgs, post_ids = [], {}
            next_id = 1000 + page.page_id % 900
            for i, post in posts:
                post_ids[i] = next_id
                channel_msgs.append(_tg_message(next_id, post.t, page.name, channel_author, _post_parts(post),
                                                photo=post.photo))  # fmt: skip
                next_id += 1 + (1 if (post.t % 7) == 0 else 0)  # an occasional deleted post leaves a gap
                events.append((post.t + 2, 0, "forward", i))
            path = _write(out / "telegram" / f"{page.screen_name}_channel.json",
                          _tg_export(page.name, "public_channel", page.page_id, channel_msgs))  # fmt: skip
            files.append({"path": path, "format": "telegram-desktop", "platform": "telegram",
                          "records": {"posts": len(channel_msgs)}})  # fmt: skip
        events += [(world.comments[c].t, 1, "comment", c) for c in comments]
        events.sort()
        group_id = page.chat_id or page.page_id
        msgs, forward_id, comment_id = [], {}, {}
        next_id = 20000 + group_id % 9000
        counts = {"forwards": 0, "comments": 0}
        for t, _, what, i in events:
            if what == "forward":
                post = world.posts[i]
                forward_id[i] = next_id
                msgs.append(_tg_message(next_id, t, page.name, channel_author, _post_parts(post),
                                        forwarded_from=page.name, photo=post.photo))  # fmt: skip
            else:
                c = world.comments[i]
                comment_id[i] = next_id
                reply_to = comment_id[c.reply_to] if c.reply_to is not None else forward_id.get(c.post)
                msgs.append(_tg_message(next_id, c.t, c.author.display_name, c.author.account_id,
                                        _comment_parts(c), reply_to=reply_to, edited=c.edited))  # fmt: skip
            counts[what + "s"] += 1
            next_id += 1
        name = page.chat_name or page.name
        path = _write(out / "telegram" / f"{page.screen_name}_{'chat' if page.chat_id else 'group'}.json",
                      _tg_export(name, "public_supergroup", group_id, msgs))  # fmt: skip
        files.append({"path": path, "format": "telegram-desktop", "platform": "telegram", "records": counts})
    return files


# -- VK API ---------------------------------------------------------------------------------------------------
def _vk_json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _vk_group(page: Page) -> dict:
    photo = f"https://sun9-{page.page_id % 80 + 10}.userapi.com/s/v1/if1/{page.screen_name}.jpg?size="
    return {"id": page.page_id, "name": page.name, "screen_name": page.screen_name, "is_closed": 0,
            "type": "page", "is_admin": 0, "is_member": 0, "is_advertiser": 0,
            "photo_50": photo + "50x50", "photo_100": photo + "100x100", "photo_200": photo + "200x200"}  # fmt: skip


def _vk_profile(acc: Account, full: bool) -> dict:
    """A users.get record (``full``) or the shorter ``profiles[]`` entry of an extended response."""
    p = {"id": int(acc.account_id), "first_name": acc.first_name, "last_name": acc.last_name}
    if acc.deactivated:
        p["deactivated"] = acc.deactivated
    p.update({"can_access_closed": True, "is_closed": False, "sex": acc.sex})
    if full:
        p["domain"] = acc.domain
    else:
        p["screen_name"] = acc.domain
    has_photo = "camera_200" not in acc.avatar_url and "deactivated" not in acc.avatar_url
    small = acc.avatar_url.replace("size=200x200", "size=50x50").replace("_200.png", "_50.png")
    p["photo_50"] = small
    p["photo_100"] = acc.avatar_url.replace("size=200x200", "size=100x100").replace("_200.png", "_100.png")
    p["photo_200"] = acc.avatar_url
    if full:
        p["has_photo"] = int(has_photo)
        p["followers_count"] = acc.followers
        p["city"] = {
            "id": 1526384 if acc.followers % 3 else 1526273,
            "title": "Алматы" if acc.followers % 3 else "Астана",
        }
    p["online"] = 0
    return p


def _vk_comment(
    c: Comment, cid: int, owner: int, post_id: int, parents: list[int], reply: tuple | None
) -> dict:
    text = c.text + (f" {c.link}" if c.link else "")
    d = {"id": cid, "from_id": int(c.author.account_id), "post_id": post_id, "owner_id": owner,
         "parents_stack": parents, "date": c.t, "text": text}  # fmt: skip
    if reply is not None:
        reply_user, reply_comment, first_name = reply
        if reply_comment != parents[0]:  # a reply to a reply names whom it answers
            d["text"] = f"[id{reply_user}|{first_name}], {text}"
        d["reply_to_user"] = reply_user
        d["reply_to_comment"] = reply_comment
    d["likes"] = {"can_like": 1, "count": (c.t // 7) % 9 if not c.author.is_bot else 0, "user_likes": 0,
                  "can_publish": 1}  # fmt: skip
    return d


def write_vk(world: World, out: Path) -> list[dict]:
    """Write wall.get, per-post wall.getComments and users.get responses; return file descriptors."""
    files = []
    editors = {e[0]: e for e in EDITORS}
    for page in (p for p in PAGES if p.platform == "vk"):
        owner = -page.page_id
        posts = [(i, p) for i, p in enumerate(world.posts) if p.page == page.key]
        post_ids, next_id = {}, 3100 + page.page_id % 700
        for i, post in posts:
            post_ids[i] = next_id
            next_id += 1 + (2 if post.t % 5 == 0 else 0)
        comments = sorted((c for c in range(len(world.comments)) if world.comments[c].page == page.key),
                          key=lambda c: (world.comments[c].t, c))  # fmt: skip
        comment_ids = {c: 40000 + page.page_id % 5000 + 3 * n for n, c in enumerate(comments)}
        per_post: dict[int, list[int]] = {}
        for c in comments:
            per_post.setdefault(world.comments[c].post, []).append(c)
        items = []
        for i, post in reversed(posts):  # wall.get lists the newest first
            text = post.text + (f"\n\n{post.link}" if post.link else "")
            item = {"id": post_ids[i], "from_id": owner, "owner_id": owner, "date": post.t, "marked_as_ads": 0,
                    "post_type": "post", "text": text}  # fmt: skip
            if post.signer:
                item["signer_id"] = post.signer
            if post.photo:
                item["attachments"] = [{"type": "photo", "photo": {
                    "id": 457239017 + post_ids[i], "album_id": -7, "owner_id": owner, "date": post.t, "text": "",
                    "sizes": [{"type": "x", "width": 604, "height": 403,
                               "url": f"https://sun9-{post.t % 80 + 10}.userapi.com/impg/{post.t:x}.jpg"}]}}]  # fmt: skip
            item["post_source"] = {"type": "vk"}
            item["comments"] = {"count": len(per_post.get(i, [])), "can_post": 1, "groups_can_post": True}
            item["likes"] = {"count": post.likes, "user_likes": 0, "can_like": 1, "can_publish": 1}
            item["reposts"] = {"count": post.reposts, "user_reposted": 0}
            item["views"] = {"count": post.views}
            items.append(item)
        signers = sorted({p.signer for _, p in posts if p.signer})
        profiles = [{"id": s, "first_name": editors[s][1], "last_name": editors[s][2], "can_access_closed": True,
                     "is_closed": False, "sex": 1 if editors[s][1].endswith("а") else 2, "online": 0} for s in signers]  # fmt: skip
        walls = []
        for offset in range(0, len(items), PAGE_SIZE):  # wall.get returns at most 100 posts per call
            page_items = items[offset : offset + PAGE_SIZE]
            walls.append((
                {"response": {"count": len(items), "items": page_items, "profiles": profiles,
                              "groups": [_vk_group(page)]}},
                {"posts": len(page_items)},
            ))  # fmt: skip
        files.append(_write_responses(out / "vk" / f"{page.screen_name}_wall.get", walls))
        responses = []
        for i, _ in posts:
            if per_post.get(i):
                responses += _comment_responses(world, page, post_ids[i], per_post[i], comment_ids)
        files.append(_write_responses(out / "vk" / f"{page.screen_name}_wall.getComments", responses))
    people = sorted(
        {int(c.author.account_id): c.author for c in world.comments if c.author.platform == "vk"}.items()
    )
    users = []
    for offset in range(0, len(people), USERS_PER_CALL):  # users.get takes at most 1000 ids per call
        batch = people[offset : offset + USERS_PER_CALL]
        users.append(
            ({"response": [_vk_profile(acc, full=True) for _, acc in batch]}, {"profiles": len(batch)})
        )
    files.append(_write_responses(out / "vk" / "users.get", users))
    return files


def _write_responses(stem: Path, responses: list[tuple[dict, dict]]) -> dict:
    """One response: ``STEM.json``; several (pages, or one per post): JSON Lines ``STEM.jsonl``, one response
    a line, as collectors save them."""
    if len(responses) == 1:
        path = _write(stem.with_name(stem.name + ".json"), _vk_json(responses[0][0]))
    else:
        path = _write(stem.with_name(stem.name + ".jsonl"), "".join(_vk_json(r) for r, _ in responses))
    records: dict[str, int] = {}
    for _, counts in responses:
        for k, v in counts.items():
            records[k] = records.get(k, 0) + v
    return {"path": path, "format": "vk-api", "platform": "vk", "records": records}


def _comment_responses(world, page, post_id, thread_comments, comment_ids) -> list[tuple[dict, dict]]:
    """wall.getComments pages for one post: top-level comments with their thread replies nested."""
    owner = -page.page_id
    top, by_root = [], {}
    root_of: dict[int, int] = {}
    for c in thread_comments:
        parent = world.comments[c].reply_to
        root_of[c] = c if parent is None else root_of[parent]
        if parent is None:
            top.append(c)
        else:
            by_root.setdefault(root_of[c], []).append(c)
    items = []
    for c in top:
        d = _vk_comment(world.comments[c], comment_ids[c], owner, post_id, [], None)
        replies = []
        for r in by_root.get(c, []):
            target = world.comments[world.comments[r].reply_to]
            reply = (
                int(target.author.account_id),
                comment_ids[world.comments[r].reply_to],
                target.author.first_name,
            )
            replies.append(
                _vk_comment(world.comments[r], comment_ids[r], owner, post_id, [comment_ids[c]], reply)
            )
        d["thread"] = {"count": len(replies), "items": replies, "can_post": True, "show_reply_button": True,
                       "groups_can_post": True}  # fmt: skip
        items.append(d)
    responses = []
    for offset in range(0, len(items), PAGE_SIZE):  # wall.getComments returns at most 100 comments per call
        page_items = items[offset : offset + PAGE_SIZE]
        shown = [c for c in thread_comments if comment_ids[root_of[c]] in {d["id"] for d in page_items}]
        authors = sorted(
            {int(world.comments[c].author.account_id): world.comments[c].author for c in shown}.items()
        )
        response = {"response": {"count": len(thread_comments), "items": page_items,
                                 "profiles": [_vk_profile(a, full=False) for _, a in authors],
                                 "groups": [_vk_group(page)], "current_level_count": len(top), "can_post": True,
                                 "show_reply_button": True, "groups_can_post": True}}  # fmt: skip
        responses.append((response, {"comments": len(page_items), "replies": len(shown) - len(page_items)}))
    return responses


# -- ground truth, templates, manifest ------------------------------------------------------------------------
def _iso(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_truth(world: World, out: Path, stolen: dict[tuple[str, str], str] | None = None) -> Path:
    """``platform,account_id,label,group,created_at,stolen_photo``: every account that appears in the data, pages
    included; ``stolen`` maps (platform, account_id) to the victim's photo the account wears."""
    stolen = stolen or {}
    rows = [
        (a.platform, a.account_id, int(a.is_bot), a.campaign, _iso(a.created_at),
         stolen.get((a.platform, a.account_id), ""))
        for a in world.accounts
    ]  # fmt: skip
    for page in PAGES:
        if page.kind == "channel":
            rows.append(("telegram", f"channel{page.page_id}", 0, "", "", ""))
        elif page.kind == "wall":
            rows.append(("vk", str(-page.page_id), 0, "", "", ""))
    signers = {p.signer for p in world.posts if p.signer}
    rows += [("vk", str(e[0]), 0, "", "", "") for e in EDITORS if e[0] in signers]
    rows.sort()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["platform", "account_id", "label", "group", "created_at", "stolen_photo"])
    writer.writerows(rows)
    return _write(out / "ground_truth.csv", buf.getvalue())
