"""shared_avatar: the same picture on several accounts, across CDN hosts and for local files."""

from botwatch import Case
from botwatch.detectors import RunContext
from botwatch.detectors.shared_avatar import SharedAvatarDetector, avatar_key

VK = "https://{host}.userapi.com/s/v1/ig2/{name}.jpg?size=200x200&quality=96&ava=1"


def test_avatar_key_ignores_host_query_and_defaults():
    a = avatar_key(VK.format(host="sun1-50", name="rxVXIdOYRsC6H"))
    b = avatar_key(VK.format(host="sun9-28", name="rxVXIdOYRsC6H"))
    assert a == b == "path:/s/v1/ig2/rxVXIdOYRsC6H.jpg"
    assert avatar_key("https://vk.com/images/camera_200.png") is None
    assert avatar_key("https://x.org/a.jpg") is None  # too generic
    assert avatar_key(None) is None


def test_identical_local_files_match_and_unreadable_ones_fall_back_to_the_url(tmp_path):
    from botwatch.images.synthetic import jpeg_bytes, portrait

    (tmp_path / "same.jpg").write_bytes(jpeg_bytes(portrait(3)))
    (tmp_path / "other.jpg").write_bytes(jpeg_bytes(portrait(4)))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not a picture")
    url = VK.format(host="sun1-1", name="stolenphotoCCC")
    with Case(tmp_path / "c.duckdb") as case:
        rows = [
            ("vk", "1", None, str(tmp_path / "same.jpg")),
            ("vk", "2", None, str(tmp_path / "same.jpg")),
            ("vk", "3", url, str(tmp_path / "other.jpg")),
            ("vk", "4", url, str(tmp_path / "broken.jpg")),
            ("vk", "5", url, None),
        ]
        case.con.executemany(
            "INSERT INTO accounts (platform, account_id, avatar_url, avatar_path) VALUES (?, ?, ?, ?)", rows
        )
        summary = SharedAvatarDetector().run(RunContext(case.con, run_id=1, seed=0))
        got = case.con.execute("SELECT account_a, account_b, null_model FROM edges ORDER BY 1, 2").fetchall()
        refused = case.con.execute(
            "SELECT account_id, reason FROM avatar_hashes WHERE status = 'refused'"
        ).fetchall()
    assert summary["pictures_hashed"] == 4 and summary["photo_edges"] == 1
    # 3 has a readable picture of its own, so its URL is not compared; 4's picture is unreadable: the URL counts
    assert got == [
        ("1", "2", "rule: perceptual avatar match (same picture, 0 of 64 bits)"),
        ("4", "5", "rule: identical non-default avatar"),
    ]
    assert refused == [("4", "not a readable JPEG/PNG/GIF/WebP/BMP image (UnidentifiedImageError)")]


def test_pairs_sharing_a_picture_become_significant_edges(tmp_path):
    with Case(tmp_path / "c.duckdb") as case:
        rows = [
            ("vk", "1", VK.format(host="sun1-1", name="stolenphotoAAA")),
            ("vk", "2", VK.format(host="sun6-2", name="stolenphotoAAA")),
            ("vk", "3", VK.format(host="sun9-3", name="stolenphotoAAA")),
            ("vk", "4", VK.format(host="sun1-1", name="ownphotoBBBBBB")),
            ("vk", "5", "https://vk.com/images/camera_200.png"),
            ("vk", "6", "https://vk.com/images/camera_200.png"),
            ("tg", "1", VK.format(host="sun1-1", name="ownphotoBBBBBB")),
        ]  # other platform: not linked
        case.con.executemany("INSERT INTO accounts (platform, account_id, avatar_url) VALUES (?, ?, ?)", rows)
        summary = SharedAvatarDetector().run(RunContext(case.con, run_id=1, seed=0))
        got = case.con.execute(
            "SELECT platform, account_a, account_b, significant, targets FROM edges ORDER BY 2, 3"
        ).fetchall()
    assert summary == {"pictures_hashed": 0, "photo_edges": 0, "edges": 3, "gallery_matches": 0}
    key = ["path:/s/v1/ig2/stolenphotoAAA.jpg"]
    assert got == [("vk", "1", "2", True, key), ("vk", "1", "3", True, key), ("vk", "2", "3", True, key)]


def test_pictures_shared_too_widely_are_placeholders(make_case):
    case = make_case()
    url = VK.format(host="sun1-1", name="someplatformplaceholder")
    case.con.executemany(
        "INSERT INTO accounts (platform, account_id, avatar_url) VALUES ('vk', ?, ?)",
        [(str(i), url) for i in range(5)],
    )
    SharedAvatarDetector(max_sharing=4).run(RunContext(case.con, run_id=1, seed=0))
    assert case.con.execute("SELECT count(*) FROM edges").fetchone()[0] == 0
