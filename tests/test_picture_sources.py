"""Profile pictures from 4CAT image downloads (zip or folder with .metadata.json) and Telegram Desktop exports.

Every fixture is made here: generated portraits (botwatch.images.synthetic), Zeeschuimer lines and a
.metadata.json in 4CAT's shape with invented ids and URLs, a mini Telegram Desktop export.
"""

import csv
import io
import json
import zipfile

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner

from botwatch.cli import cli
from botwatch.images.archive import ArchiveRefused, check_archive
from botwatch.images.hashing import ImageRefused, read_bounded
from botwatch.images.synthetic import jpeg_bytes, portrait, transformed
from botwatch.images.urls import looks_like_profile_picture, picture_url_key
from botwatch.report.campaign_data import embed_avatar

IG_PIC = "https://scontent-{host}.cdninstagram.com/v/t51.2885-19/{size}{name}_n.jpg?stp=dst-jpg&oe=65A1B2C3"
TT_AVATAR = "https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/{name}~c5_{size}.jpeg?x-expires=1697281200"
TT_COVER = "https://p16-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068/{name}?x-expires=1697281200"


def _run(args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


def _envelope(platform: str, data: dict, n: int) -> str:
    return json.dumps(
        {
            "nav_index": f"1:1:{n}",
            "item_id": str(n),
            "timestamp_collected": 1700000000000 + n,
            "source_platform": platform,
            "source_platform_url": f"https://www.{platform}/",
            "source_url": f"https://www.{platform}/api/",
            "user_agent": "test",
            "data": data,
            "id": str(n),
        }
    )


def _instagram(n: int, user: str, pic: str) -> dict:
    return {
        "pk": f"30{n:04d}",
        "id": f"30{n:04d}_{user}",
        "code": f"Cx{n:04d}abc",
        "taken_at": 1700000000 + 3600 * n,
        "caption": {"text": f"own words number {n}"},
        "media_type": 1,
        "user": {"pk": user, "username": f"user_{user}", "full_name": "", "profile_pic_url": pic},
        "like_count": 1,
        "comment_count": 0,
    }


def _tiktok(n: int, user: str, avatar: str) -> dict:
    return {
        "id": f"72{n:04d}",
        "desc": f"video number {n}",
        "createTime": 1700000000 + 3600 * n,
        "author": {"id": user, "uniqueId": f"tt_{user}", "nickname": "", "avatarThumb": avatar},
        "stats": {"diggCount": 1, "commentCount": 0, "shareCount": 0, "playCount": 5},
    }


def _zeeschuimer_case(tmp_path):
    """Instagram accounts 101, 102, 103 and TikTok account 201, each with two posts."""
    lines, n = [], 0
    for user in ("101", "102", "103"):
        pic = IG_PIC.format(host="ams2-1", size="s150x150/", name=f"4{user}77")
        for _ in range(2):
            n += 1
            lines.append(_envelope("instagram.com", _instagram(n, user, pic), n))
    for _ in range(2):
        n += 1
        lines.append(
            _envelope("tiktok.com", _tiktok(n, "201", TT_AVATAR.format(name="aa201ff", size="100x100")), n)
        )
    data = tmp_path / "capture.ndjson"
    data.write_text("\n".join(lines) + "\n")
    case = tmp_path / "case.duckdb"
    _run(["ingest", case, data])
    return case


def _download(tmp_path, as_zip: bool):
    """A 4CAT "Download images" result on author_avatar_url, with a known owner (or reason) for each file."""
    rng = np.random.default_rng(3)
    face = portrait(41)
    files = {
        # 101's avatar, fetched from another CDN host at another size: tied by URL
        "a.jpg": (face, IG_PIC.format(host="fra5-2", size="", name="4101" + "77"), ["Cx0001abc"]),
        # a cropped copy of it as 102's new picture (URL not in the capture): tied by post id (a shortcode)
        "b.jpg": (
            transformed(face, "crop", rng),
            IG_PIC.format(host="x", size="", name="9999"),
            ["Cx0003abc"],
        ),
        # a TikTok video cover: a post's image, never the author's picture
        "c.jpg": (portrait(42), TT_COVER.format(name="cover0007"), ["720007"]),
        # a URL and a post that the case does not know
        "d.jpg": (portrait(43), IG_PIC.format(host="x", size="", name="5555"), ["Zz9999zzz"]),
        # 201's TikTok avatar at the medium size
        "e.jpg": (portrait(44), TT_AVATAR.format(name="aa201ff", size="720x720"), ["720007"]),
    }
    meta = {
        url: {"filename": name, "success": True, "from_dataset": "k1", "post_ids": posts}
        for name, (_, url, posts) in files.items()
    }
    meta["https://scontent.cdninstagram.com/v/t51.2885-19/gone_n.jpg"] = {
        "filename": None,
        "success": False,
        "from_dataset": "k1",
        "post_ids": ["Cx0005abc"],
    }
    blobs = {name: jpeg_bytes(img, 85) for name, (img, _, _) in files.items()}
    blobs["f.jpg"] = jpeg_bytes(portrait(45), 85)  # in the download, not in .metadata.json
    if as_zip:
        path = tmp_path / "download.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for name, blob in blobs.items():
                zf.writestr(name, blob)
            zf.writestr(".metadata.json", json.dumps(meta))
    else:
        path = tmp_path / "download"
        path.mkdir()
        for name, blob in blobs.items():
            (path / name).write_bytes(blob)
        (path / ".metadata.json").write_text(json.dumps(meta))
    return path


def test_picture_url_keys_join_cdn_sizes_and_tell_profile_pictures_from_post_images():
    assert picture_url_key(TT_AVATAR.format(name="x1234567", size="100x100")) == picture_url_key(
        "https://p16-sign-sg.tiktokcdn.com/aweme/720x720/tos-maliva-avt-0068/x1234567.webp?x=1"
    )
    assert picture_url_key("https://pbs.twimg.com/profile_images/12345/AbC_normal.jpg") == picture_url_key(
        "https://pbs.twimg.com/profile_images/12345/AbC_400x400.png"
    )
    assert picture_url_key(IG_PIC.format(host="a", size="s150x150/", name="77")) == picture_url_key(
        IG_PIC.format(host="b", size="", name="77")
    )
    assert picture_url_key("https://pbs.twimg.com/profile_images/12345/AbC_normal.jpg") != picture_url_key(
        "https://pbs.twimg.com/profile_images/12345/AbD_normal.jpg"
    )
    assert looks_like_profile_picture(TT_AVATAR.format(name="x", size="1x1"))
    assert not looks_like_profile_picture(TT_COVER.format(name="x"))
    assert not looks_like_profile_picture("https://scontent.cdninstagram.com/v/t51.2885-15/123_n.jpg")


@pytest.mark.parametrize("as_zip", [True, False])
def test_a_4cat_download_ties_files_by_url_or_post_id_and_counts_the_rest(tmp_path, as_zip):
    case = _zeeschuimer_case(tmp_path)
    out = _run(["ingest", case, "--avatars", _download(tmp_path, as_zip)])
    assert (
        "4CAT image download: 6 pictures, 3 matched to accounts (3 hashed, 0 refused: see avatar_hashes.reason), "
        "3 unmatched (1 no account with this avatar URL, no post of the case among its post_ids, "
        "1 not a profile-picture URL (a post's image?), 1 not listed in .metadata.json); "
        "4CAT could not download 1 URL(s) (success false in .metadata.json)"
    ) in out
    con = duckdb.connect(str(case), read_only=True)
    rows = con.execute(
        "SELECT platform, account_id, origin, status, path FROM avatar_hashes ORDER BY 1, 2"
    ).fetchall()
    con.close()
    assert [(p, a, o, s) for p, a, o, s, _ in rows] == [
        ("instagram", "101", "4cat-download", "hashed"),
        ("instagram", "102", "4cat-download", "hashed"),
        ("tiktok", "201", "4cat-download", "hashed"),
    ]
    assert rows[0][4].endswith("download.zip!/a.jpg" if as_zip else "download/a.jpg")
    assert embed_avatar(rows[0][4], [], 10**6).startswith("data:image/jpeg;base64,")  # the report's grid


@pytest.mark.slow
def test_a_cropped_copy_inside_a_4cat_zip_is_confirmed_by_orb_and_becomes_a_co_avatar_edge(tmp_path):
    case = _zeeschuimer_case(tmp_path)
    _run(["ingest", case, "--avatars", _download(tmp_path, as_zip=True)])
    _run(["detect", case])
    _run(["export", case, "--what", "edges", "--format", "csv", "--out", tmp_path / "edges.csv"])
    with (tmp_path / "edges.csv").open() as f:
        edges = [r for r in csv.DictReader(f) if r["layer"] == "co_avatar"]
    assert [(r["account_a"], r["account_b"]) for r in edges] == [("101", "102")]
    assert "cropped" in edges[0]["null_model"]


def _zip_bytes(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bombs_traversal_and_too_many_members_are_refused_with_a_reason(tmp_path):
    case = _zeeschuimer_case(tmp_path)
    meta = json.dumps({"https://x.org/p.jpg": {"filename": "p.jpg", "success": True, "post_ids": []}})
    cases = {
        "traversal.zip": ({".metadata.json": meta, "../../evil.jpg": b"x"}, "has an unsafe path"),
        "absolute.zip": ({".metadata.json": meta, "/etc/evil.jpg": b"x"}, "has an unsafe path"),
        "bomb.zip": ({".metadata.json": meta, "p.jpg": b"\0" * (40 << 20)}, "times (over 100): a zip bomb?"),
        "broken.zip": (None, "not a readable zip"),
    }
    for name, (members, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(b"PK\x03\x04 not really" if members is None else _zip_bytes(members))
        out = _run(["ingest", case, "--avatars", path], code=1)
        assert reason in out, out
    with zipfile.ZipFile(io.BytesIO(_zip_bytes({f"{i}.jpg": b"x" for i in range(5)}))) as zf:
        with pytest.raises(ArchiveRefused, match="5 members, over the limit of 4"):
            check_archive(zf, "many.zip", {"max_members": 4})
    plain = tmp_path / "plain.zip"
    plain.write_bytes(_zip_bytes({"a.jpg": b"x"}))
    assert "a zip without .metadata.json" in _run(["ingest", case, "--avatars", plain], code=1)


def test_a_zip_member_is_read_within_the_picture_limit(tmp_path):
    path = tmp_path / "d.zip"
    path.write_bytes(_zip_bytes({"big.jpg": b"\xff" * 2000, "small.jpg": b"\xff" * 10}))
    assert read_bounded(f"{path}!/small.jpg", 100) == b"\xff" * 10
    with pytest.raises(ImageRefused, match="over max_file_bytes 100"):
        read_bounded(f"{path}!/big.jpg", 100)
    with pytest.raises(ImageRefused, match="no such member"):
        read_bounded(f"{path}!/other.jpg", 100)


def _telegram_export(tmp_path):
    """A full-account export: the exporter (user500) with two profile pictures, channels 11 and 12 whose
    pictures are one photo and its mirror image, channel 13 whose picture was left out, group 14 with a
    picture, and a channel 15 picture that points outside the folder."""
    folder = tmp_path / "DataExport_2024-01-05"
    for sub in ("profile_pictures", "chats/chat_01/photos", "chats/chat_02/photos", "chats/chat_04/photos"):
        (folder / sub).mkdir(parents=True)
    rng = np.random.default_rng(9)
    face = portrait(61)
    pictures = {
        "profile_pictures/photo_1@05-01-2024_10-00-00.jpg": portrait(62),
        "profile_pictures/photo_2@01-01-2023_10-00-00.jpg": portrait(63),
        "chats/chat_01/photos/photo_1@02-01-2024_09-00-00.jpg": face,
        "chats/chat_02/photos/photo_1@03-01-2024_09-00-00.jpg": transformed(face, "mirror", rng),
        "chats/chat_04/photos/photo_1@03-01-2024_09-00-00.jpg": portrait(64),
    }
    for rel, img in pictures.items():
        (folder / rel).write_bytes(jpeg_bytes(img, 85))
    (tmp_path / "outside.jpg").write_bytes(jpeg_bytes(portrait(65), 85))

    def service(mid, photo, actor):
        return {
            "id": mid,
            "type": "service",
            "date": "2024-01-02T09:00:00",
            "date_unixtime": str(1704186000 + mid),
            "actor": "x",
            "actor_id": actor,
            "action": "edit_group_photo",
            "photo": photo,
            "width": 640,
            "height": 640,
            "text": "",
            "text_entities": [],
        }

    def post(mid, sender, text):
        return {
            "id": mid,
            "type": "message",
            "date": "2024-01-02T10:00:00",
            "date_unixtime": str(1704189600 + mid),
            "from": "x",
            "from_id": sender,
            "text": text,
            "text_entities": [{"type": "plain", "text": text}],
        }

    def channel(cid, photo):
        return {
            "name": f"Channel {cid}",
            "type": "public_channel",
            "id": cid,
            "messages": [service(1, photo, f"channel{cid}"), post(2, f"channel{cid}", f"news {cid}")],
        }

    left_out = "(Photo not included. Change data exporting settings to download.)"
    data = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 500, "first_name": "I", "last_name": "", "phone_number": "+0"},
        "profile_pictures": [
            {"date": "2024-01-05T10:00:00", "date_unixtime": "1704448800", "photo": next(iter(pictures))},
            {"date": "2023-01-01T10:00:00", "date_unixtime": "1672567200", "photo": list(pictures)[1]},
        ],
        "chats": {
            "about": "chats",
            "list": [
                channel(11, list(pictures)[2]),
                channel(12, list(pictures)[3]),
                channel(13, left_out),
                {
                    "name": "Group 14",
                    "type": "private_supergroup",
                    "id": 14,
                    "messages": [service(1, list(pictures)[4], "user500"), post(2, "user500", "hello all")],
                },
                channel(15, "../outside.jpg"),
            ],
        },
    }
    (folder / "result.json").write_text(json.dumps(data))
    return folder


def test_a_telegram_export_folder_gives_channel_photos_and_the_exporters_pictures(tmp_path):
    case = tmp_path / "case.duckdb"
    out = _run(["ingest", case, _telegram_export(tmp_path)])
    assert (
        "Telegram Desktop export pictures: 7 pictures, 4 matched to accounts (3 hashed, 1 refused: see "
        "avatar_hashes.reason), 3 unmatched (1 a group's picture (a group is not an account), "
        "1 an earlier picture of the account (latest kept), "
        "1 left out of the export (Telegram Desktop's media settings))"
    ) in out
    con = duckdb.connect(str(case), read_only=True)
    rows = con.execute("SELECT account_id, status, reason FROM avatar_hashes ORDER BY 1").fetchall()
    con.close()
    assert rows == [
        ("channel11", "hashed", None),
        ("channel12", "hashed", None),
        ("channel15", "refused", "file outside the export folder"),
        ("user500", "hashed", None),
    ]
    _run(["detect", case])
    _run(["export", case, "--what", "edges", "--format", "csv", "--out", tmp_path / "edges.csv"])
    with (tmp_path / "edges.csv").open() as f:
        edges = {(r["account_a"], r["account_b"]) for r in csv.DictReader(f) if r["layer"] == "co_avatar"}
    assert edges == {("channel11", "channel12")}  # the mirrored channel photo


def test_an_export_without_pictures_and_a_folder_without_result_json(tmp_path):
    folder = tmp_path / "plain_export"
    folder.mkdir()
    (folder / "result.json").write_text(
        json.dumps({"name": "C", "type": "public_channel", "id": 3, "messages": []})
    )
    out = _run(["ingest", tmp_path / "case.duckdb", folder])
    assert "pictures" not in out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "a folder without result.json" in _run(["ingest", tmp_path / "case.duckdb", empty], code=1)
