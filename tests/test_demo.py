"""The synthetic demo and benchmark generators: determinism, planted truth, and the real export schemas."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from botwatch.demo import CAMPAIGNS, generate_benchmark, generate_demo
from botwatch.demo.benchmark import CNT_COLUMNS
from botwatch.demo.campaigns import add_noise, campaign_text, fill_template
from botwatch.demo.phrases import EMOJI, HOMOGLYPHS, kazakh_to_latin

ALMATY = ZoneInfo("Asia/Almaty")
SPEC = {c.name: c for c in CAMPAIGNS}
# the demo's homoglyphs undone, also after a lower-casing of the first letter
UNDO_HOMOGLYPHS = {v: k for k, v in HOMOGLYPHS.items()} | {
    v.lower(): k.lower() for k, v in HOMOGLYPHS.items()
}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    # the pictures are tested in test_demo_photos.py (on the tiny demo); here they would only cost 5 s
    return generate_demo(tmp_path_factory.mktemp("demo") / "data", seed=7, size="small", photos=False)


def _truth(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _telegram_messages(files) -> dict[str, dict]:
    """file name -> parsed export."""
    return {p.name: json.loads(p.read_text("utf-8")) for p in files.inputs if p.parent.name == "telegram"}


def _vk_responses(path: Path) -> list[dict]:
    text = path.read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()] if path.suffix == ".jsonl" else [json.loads(text)]


def _all_comments(files) -> list[dict]:
    """Every comment as {platform, account_id, t, page, text} read back from the written files."""
    out = []
    for name, export in _telegram_messages(files).items():
        for m in export["messages"]:
            if m["from_id"].startswith("user"):
                out.append({"platform": "telegram", "account_id": m["from_id"], "t": int(m["date_unixtime"]),
                            "page": name, "text": m["text"]})  # fmt: skip
    for p in files.inputs:
        if "getComments" in p.name:
            for r in _vk_responses(p):
                for c in r["response"]["items"]:
                    for d in [c, *c["thread"]["items"]]:
                        out.append({"platform": "vk", "account_id": str(d["from_id"]), "t": d["date"],
                                    "page": p.name, "text": d["text"]})  # fmt: skip
    return out


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = generate_demo(tmp_path / "a", seed=11, size="tiny")
    b = generate_demo(tmp_path / "b", seed=11, size="tiny")
    c = generate_demo(tmp_path / "c", seed=12, size="tiny", photos=False)
    names = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    side = [n for n in names if n.parts[0] not in ("avatars", "victims")]
    assert len(side) == len(a.inputs) + 4  # ground truth, templates, manifest, photos.csv
    pictures = [n for n in names if n.parts[0] == "avatars"]
    assert len(pictures) == json.loads(a.manifest.read_text("utf-8"))["photos"]["pictures"] > 100
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.truth.read_bytes() != c.truth.read_bytes()
    assert json.loads(a.manifest.read_text("utf-8"))["seed"] == 11
    assert a.timezone == "Asia/Almaty" and b.inputs == [
        tmp_path / "b" / p.relative_to(tmp_path / "a") for p in a.inputs
    ]


def test_campaign_sizes_and_labels_match_the_files(small):
    truth = _truth(small.truth)
    assert len({(r["platform"], r["account_id"]) for r in truth}) == len(truth)
    groups = Counter(r["group"] for r in truth if r["label"] == "1")
    assert dict(groups) == {c.name: c.n_accounts for c in CAMPAIGNS}
    assert all(8 <= n <= 40 for n in groups.values()) and len(groups) >= 3
    assert all(r["group"] == "" for r in truth if r["label"] == "0")
    platform_of = {(r["platform"], r["account_id"]): r for r in truth}
    comments = _all_comments(small)
    # every author in the files is in the truth, and every labelled account wrote something
    authors = {(c["platform"], c["account_id"]) for c in comments}
    assert authors <= set(platform_of)
    assert {k for k, r in platform_of.items() if r["created_at"]} == authors
    # planted comments: only under the official pages, on their campaign's platform, in office hours
    by_group = defaultdict(list)
    for c in comments:
        row = platform_of[(c["platform"], c["account_id"])]
        if row["label"] == "1":
            by_group[row["group"]].append(c)
            assert c["platform"] == SPEC[row["group"]].platform
            assert c["page"].startswith(("akorda", "kazinform", "tengrihabar")), c
    for name, items in by_group.items():
        local = [dt.datetime.fromtimestamp(c["t"], ALMATY) for c in items]
        office = sum(t.weekday() < 5 and 9 <= t.hour < 19 for t in local)
        assert office / len(local) > 0.97, name
    # the cross-page campaign uses the same accounts under both channels
    pages = defaultdict(set)
    for c in by_group["two-pages"]:
        pages[c["account_id"]].add(c["page"].split("_")[0])
    assert sum(len(v) == 2 for v in pages.values()) >= 8
    # accounts made in batches: all akorda-praise accounts registered within the same two hours
    created = sorted(
        dt.datetime.fromisoformat(r["created_at"]) for r in truth if r["group"] == "akorda-praise"
    )
    assert created[-1] - created[0] < dt.timedelta(hours=2)
    # the manifest agrees with the truth
    manifest = json.loads(small.manifest.read_text("utf-8"))
    assert {k: v["accounts"] for k, v in manifest["campaigns"].items()} == dict(groups)
    assert manifest["counts"]["bot_comments"] == sum(len(v) for v in by_group.values())
    assert 3000 <= manifest["counts"]["comments"] <= 6500


def test_vk_campaigns_share_avatars_and_honest_accounts_do_not(small):
    truth = {r["account_id"]: r for r in _truth(small.truth) if r["platform"] == "vk"}
    users = [
        u
        for p in small.inputs
        if p.name.startswith("users.get")
        for r in _vk_responses(p)
        for u in r["response"]
    ]
    assert {str(u["id"]) for u in users} == {k for k, r in truth.items() if r["created_at"]}
    photos = defaultdict(list)
    for u in users:
        photos[truth[str(u["id"])]["group"]].append(u["photo_200"])
    vote = Counter(photos["vote-family"])
    assert len(vote) <= SPEC["vote-family"].n_avatars + 1 and vote.most_common(1)[0][1] >= 4
    subtle_names = Counter(url.split("/")[-1].split("?")[0] for url in photos["subtle-kk"])
    assert len(subtle_names) <= SPEC["subtle-kk"].n_avatars and len(set(photos["subtle-kk"])) > len(
        subtle_names
    )
    honest = Counter(u for u in photos[""] if "vk.com/images" not in u)
    assert honest.most_common(1)[0][1] == 1  # real photos are unique; only the no-photo camera is shared


def test_telegram_files_follow_the_desktop_export_schema(small):
    exports = _telegram_messages(small)
    assert {e["type"] for e in exports.values()} == {"public_channel", "public_supergroup"}
    for name, export in exports.items():
        assert set(export) == {"name", "type", "id", "messages"} and isinstance(export["id"], int)
        ids = set()
        for m in export["messages"]:
            assert m["type"] == "message" and isinstance(m["id"], int) and m["id"] not in ids
            assert re.fullmatch(r"(user|channel)\d+", m["from_id"]) and isinstance(m["from"], str)
            local = dt.datetime.fromtimestamp(int(m["date_unixtime"]), ALMATY).strftime("%Y-%m-%dT%H:%M:%S")
            assert m["date"] == local
            assert isinstance(m["text"], (str, list)) and isinstance(m["text_entities"], list)
            flat = (
                m["text"]
                if isinstance(m["text"], str)
                else "".join(p if isinstance(p, str) else p["text"] for p in m["text"])
            )
            assert flat == "".join(e["text"] for e in m["text_entities"])
            if "reply_to_message_id" in m:
                assert m["reply_to_message_id"] in ids, (name, m["id"])  # replies point to earlier messages
            ids.add(m["id"])
        if export["type"] == "public_channel":
            assert all(m["from_id"] == f"channel{export['id']}" for m in export["messages"])


def test_vk_files_follow_the_api_schema(small):
    posts = {}
    for p in small.inputs:
        if ".get" in p.name and "wall.get" in p.name and "Comments" not in p.name:
            for r in _vk_responses(p):
                assert {g["id"] for g in r["response"]["groups"]} and len(r["response"]["items"]) <= 100
                for item in r["response"]["items"]:
                    assert item["owner_id"] == item["from_id"] < 0 and item["post_type"] == "post"
                    posts[(item["owner_id"], item["id"])] = item
    counted = Counter()
    for p in small.inputs:
        if "getComments" not in p.name:
            continue
        for r in _vk_responses(p):
            resp = r["response"]
            profile_ids = {u["id"] for u in resp["profiles"]}
            assert len(resp["items"]) <= 100
            for c in resp["items"]:
                assert (c["owner_id"], c["post_id"]) in posts and c["parents_stack"] == []
                assert c["from_id"] in profile_ids and isinstance(c["date"], int)
                assert c["thread"]["count"] == len(c["thread"]["items"]) <= 10
                for reply in c["thread"]["items"]:
                    assert reply["parents_stack"] == [c["id"]] and reply["date"] >= c["date"]
                    assert reply["post_id"] == c["post_id"] and "reply_to_comment" in reply
                counted[(c["owner_id"], c["post_id"])] += 1 + len(c["thread"]["items"])
    assert all(posts[k]["comments"]["count"] == n for k, n in counted.items())


def _words(text: str) -> list[str]:
    """The words of a comment with Latin look-alikes turned back into Cyrillic, emoji and punctuation dropped."""
    return re.findall(r"\w+", "".join(UNDO_HOMOGLYPHS.get(ch, ch) for ch in text).casefold())


def _n_lookalikes(text: str) -> int:
    return sum(ch in UNDO_HOMOGLYPHS for ch in text)


def test_templates_fill_every_slot_and_noise_keeps_the_words():
    rng = np.random.default_rng(0)
    for spec in CAMPAIGNS:
        assert len(spec.templates) >= 3
        loud = dataclasses.replace(spec, swaps={}, homoglyph_rate=1.0, emoji_rate=1.0, lowercase_rate=1.0)
        swapped_in = {w for alternatives in spec.swaps.values() for a in alternatives for w in _words(a)}
        swapped_out = {w for word in spec.swaps for w in _words(word)}
        for i, template in enumerate(spec.templates):
            filled = fill_template(template, rng)
            assert "{" not in filled and "|" not in filled
            # every kind of noise at once (but no word swaps): the same words in the same order
            noisy = add_noise(filled, loud, rng)
            assert noisy[-1] in "".join(EMOJI) and _words(noisy) == _words(filled)
            if any(ch in HOMOGLYPHS for ch in filled):  # templates in Latin letters have nothing to swap
                assert _n_lookalikes(noisy) > _n_lookalikes(filled)
            # the campaign's own noise: only its listed word swaps change words
            for draw in range(10):
                words = set(_words(campaign_text(spec, i, np.random.default_rng([i, draw]))))
                expected = set(_words(fill_template(template, np.random.default_rng([i, draw]))))
                assert words and words - expected <= swapped_in and expected - words <= swapped_out
    assert kazakh_to_latin("Жаңа Қазақстан") == "Zhana Qazaqstan"


def test_benchmark_rows_campaigns_and_planted_fraction(tmp_path):
    files = generate_benchmark(tmp_path / "bench", 20_000, seed=3)
    manifest = json.loads(files.manifest.read_text("utf-8"))
    with open(files.inputs[0], encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        assert next(reader) == CNT_COLUMNS
        rows = list(reader)
    comments = [r for r in rows if r[0].startswith("c")]
    assert len(comments) == 20_000 and len(rows) == 20_000 + manifest["counts"]["posts"]
    ids = {r[0] for r in rows}
    assert all(r[4] in ids for r in comments)  # every reply_id is a post or an earlier comment
    truth = {r["account_id"]: r for r in _truth(files.truth)}
    assert {r[1] for r in rows} == set(truth)
    planted = sum(truth[r[1]]["label"] == "1" for r in comments) / len(comments)
    assert 0.045 <= planted <= 0.055 and planted == pytest.approx(manifest["planted_fraction"])
    sizes = Counter(r["group"] for r in truth.values() if r["label"] == "1")
    assert len(sizes) >= 3 and all(8 <= n <= 40 for n in sizes.values())
    again = generate_benchmark(tmp_path / "again", 20_000, seed=3)
    assert again.inputs[0].read_bytes() == files.inputs[0].read_bytes()
    with pytest.raises(ValueError, match="use one of: cnt-csv"):
        generate_benchmark(tmp_path / "x", 20_000, seed=3, formats=("parquet",))


def test_demo_ingests_without_quarantine(demo_case):
    from botwatch import Case

    small, summaries = demo_case.files, demo_case.summaries
    counts = json.loads(small.manifest.read_text("utf-8"))["counts"]
    expected = sum(counts[k] for k in counts if k.startswith(("telegram_", "vk_")) and k != "vk_profiles")
    assert sum(s.quarantined for s in summaries) == 0
    assert sum(s.items_stored for s in summaries) == expected
    with Case(demo_case.path, read_only=True) as case:
        stored = set(case.con.execute("SELECT platform || ':' || account_id FROM accounts").fetchall())
    truth = {(f"{r['platform']}:{r['account_id']}",) for r in _truth(small.truth)}
    assert truth <= stored


def test_vk_handles_come_from_a_generator_per_campaign_and_organic_users_have_digits_too(small):
    from botwatch.detectors.generated_names import handle_shape

    truth = {r["account_id"]: r["group"] for r in _truth(small.truth) if r["platform"] == "vk"}
    users = [
        u
        for p in small.inputs
        if p.name.startswith("users.get")
        for r in _vk_responses(p)
        for u in r["response"]
    ]
    shapes = defaultdict(Counter)
    numbers = defaultdict(list)
    for u in users:
        name = f"{u['first_name']} {u['last_name']}"
        shape = handle_shape(u["domain"], name, str(u["id"]))
        shapes[truth[str(u["id"])]][shape[0] if shape else None] += 1
        if truth[str(u["id"])] == "subtle-kk":
            numbers["subtle-kk"].append(int(re.findall(r"\d+$", u["domain"])[0]))
    assert shapes["vote-family"].most_common(1)[0] == ("first+last|_|d4", SPEC["vote-family"].n_accounts)
    assert sorted(numbers["subtle-kk"]) == list(
        range(min(numbers["subtle-kk"]), max(numbers["subtle-kk"]) + 1)
    )
    organic = shapes[""]
    assert organic["first+last|_|d4"] >= 3  # look-alikes: real people write their name with a year
    assert sum(n for s, n in organic.items() if s and s.endswith(("d2", "d3", "d4"))) > 100
