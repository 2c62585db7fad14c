"""shared_avatar: the same picture on several accounts, across CDN hosts and for local files."""

from botwatch import Case
from botwatch.detectors import RunContext
from botwatch.detectors.shared_avatar import SharedAvatarDetector, avatar_key

VK = "https://{host}.userapi.com/s/v1/ig2/{name}.jpg?size=200x200&quality=96&ava=1"


def test_avatar_key_ignores_host_query_and_defaults(tmp_path):
    a = avatar_key(VK.format(host="sun1-50", name="rxVXIdOYRsC6H"), None, 10)
    b = avatar_key(VK.format(host="sun9-28", name="rxVXIdOYRsC6H"), None, 10)
    assert a == b == "path:/s/v1/ig2/rxVXIdOYRsC6H.jpg"
    assert avatar_key("https://vk.com/images/camera_200.png", None, 10) is None
    assert avatar_key("https://x.org/a.jpg", None, 10) is None  # too generic
    assert avatar_key(None, None, 10) is None
    img = tmp_path / "p.jpg"
    img.write_bytes(b"\xff\xd8 same bytes")
    assert avatar_key(None, str(img), 100).startswith("sha256:")
    assert (
        avatar_key("https://h/x/y/zzzzzzzzzzzz.jpg", str(img), 3) == "path:/x/y/zzzzzzzzzzzz.jpg"
    )  # file too big


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
    assert summary == {"shared_images": 1, "edges": 3}
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
