"""CoActionDetector on planted signals with known answers."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa
import pytest

from botwatch import BotwatchError, Case
from botwatch.detectors import RunContext, coaction, get_detector_class
from botwatch.detectors.coaction import CoActionDetector

T0 = dt.datetime(2024, 3, 1, 8, 0, 0)
RUN = 1


def insert_items(case: Case, rows: list[dict]) -> None:
    """Insert item rows (platform, item_id, account_id, kind, created_at, and optional fields) into a case."""
    cols = ["platform", "item_id", "account_id", "kind", "parent_id", "root_id", "created_at", "text"]
    lists = ["links", "hashtags"]
    data = {c: [r.get(c) for r in rows] for c in cols + ["repost_of"]}
    data.update({c: pa.array([r.get(c) for r in rows], pa.list_(pa.string())) for c in lists})
    data["platform"] = [r.get("platform", "test") for r in rows]
    data["created_at"] = pa.array(data["created_at"], pa.timestamp("us"))
    case.con.register("_rows", pa.table(data))
    names = ", ".join(data)
    case.con.execute(f"INSERT INTO items ({names}) SELECT {names} FROM _rows")
    case.con.unregister("_rows")


def comment(item_id, account, post, seconds, **extra) -> dict:
    return {
        "item_id": item_id,
        "account_id": account,
        "kind": "comment",
        "parent_id": post,
        "created_at": T0 + dt.timedelta(seconds=float(seconds)),
        **extra,
    }


def planted_comments(seed: int = 7) -> tuple[list[dict], list[str]]:
    """300 organic accounts commenting at random times over a day under 6 busy posts (~1,500 comments), and 10
    coordinated accounts that comment within 30 s of each other under 8 other posts, plus a busy organic
    minority that comments a lot under the same busy posts."""
    rng = np.random.default_rng(seed)
    rows = []
    busy = [f"busy{i}" for i in range(6)]
    for a in range(300):
        n = 2 + rng.poisson(3) if a >= 30 else 25  # the first 30 accounts are heavy commenters
        for j in range(n):
            rows.append(comment(f"o{a}_{j}", f"org{a:03d}", busy[rng.integers(6)], rng.uniform(0, 86400)))
    bots = [f"bot{i:02d}" for i in range(10)]
    for p in range(8):
        start = 3600 * (p + 1) + rng.uniform(0, 600)
        for b, bot in enumerate(bots):
            rows.append(comment(f"b{p}_{b}", bot, f"target{p}", start + rng.uniform(0, 30)))
        # organic background under the coordinated posts too
        for j in range(20):
            rows.append(
                comment(f"ob{p}_{j}", f"org{rng.integers(300):03d}", f"target{p}", rng.uniform(0, 86400))
            )
    return rows, bots


def run_detector(case: Case, **params) -> dict:
    params.setdefault("co_reply_scales_s", ())  # one window unless a test asks for scales
    det = CoActionDetector(**params)
    return det.run(RunContext(con=case.con, run_id=RUN, seed=0))


def edges(case: Case, layer: str) -> list[dict]:
    cur = case.con.execute(
        "SELECT * FROM edges WHERE run_id = ? AND layer = ? ORDER BY account_a, account_b", [RUN, layer]
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


@pytest.fixture
def planted(make_case):
    rows, bots = planted_comments()
    case = make_case()
    insert_items(case, rows)
    return case, bots


def test_registered():
    assert get_detector_class("coaction") is CoActionDetector


def test_coordinated_pairs_significant_and_no_organic_pair(planted):
    case, bots = planted
    summary = run_detector(case, layers=["co_reply"], co_reply_window_s=60.0)
    got = edges(case, "co_reply")
    significant = {(e["account_a"], e["account_b"]) for e in got if e["significant"]}
    assert significant == set(itertools.combinations(bots, 2))
    # organic pairs do meet (heavy commenters under the same busy posts) but none passes the test
    organic = [e for e in got if not e["account_a"].startswith("bot") or not e["account_b"].startswith("bot")]
    assert organic, "the fixture should produce chance meetings among heavy organic commenters"
    assert not any(e["significant"] for e in organic)
    s = summary["co_reply"]
    assert s["significant"] == 45 and s["pairs_tested"] == len(got)
    assert s["hypotheses"] == s["pairs_tested"]  # selective p-values: the tested pairs are the hypotheses
    bot_edge = next(e for e in got if e["account_a"] == "bot00" and e["account_b"] == "bot01")
    assert bot_edge["weight"] == 8 and bot_edge["null_model"] and bot_edge["expected"] < 1.0
    assert bot_edge["p_value"] < 1e-4 and bot_edge["q_value"] <= 0.01
    assert sorted(bot_edge["targets"]) == [f"target{p}" for p in range(8)]
    assert sorted(bot_edge["evidence_item_ids"]) == sorted([f"b{p}_{b}" for p in range(8) for b in (0, 1)])
    assert bot_edge["median_lag_s"] <= 30 and bot_edge["a_leads"] + bot_edge["b_leads"] == 8


def test_deterministic_and_rerun_replaces(planted):
    case, _ = planted
    run_detector(case, layers=["co_reply"])
    first = edges(case, "co_reply")
    run_detector(case, layers=["co_reply"])
    assert edges(case, "co_reply") == first


def test_the_join_order_switch_does_not_outlive_the_detector(planted):
    """Expected meetings run with DuckDB's join-order optimizer off; the case's other queries must get it back,
    also when the detector fails."""
    case, _ = planted
    setting = "SELECT current_setting('disabled_optimizers')"
    before = case.con.execute(setting).fetchone()[0]
    run_detector(case, layers=["co_reply"])
    assert case.con.execute(setting).fetchone()[0] == before
    with pytest.raises(RuntimeError):
        with coaction._joins_as_written(case.con):
            assert "join_order" in case.con.execute(setting).fetchone()[0]
            raise RuntimeError("boom")
    assert case.con.execute(setting).fetchone()[0] == before


def _lead_follow_rows(background: int) -> list:
    rows = []
    for p in range(5):  # "lead" comments 10 s before "follow" on 5 posts; on a 6th, "follow" is first
        rows += [
            comment(f"l{p}", "lead", f"p{p}", 1000 * p),
            comment(f"f{p}", "follow", f"p{p}", 1000 * p + 10),
        ]
    rows += [comment("f5", "follow", "p5", 9000), comment("l5", "lead", "p5", 9004)]
    rows += [comment("far", "lead", "p0", 50_000)]  # a second comment far away: not evidence
    for p in range(6):  # other commenters, 100 s apart and away from the pair: they meet nobody
        t0 = 1000 * p if p < 5 else 5000
        rows += [comment(f"b{p}-{j}", f"bg{j}", f"p{p}", t0 + 100 * (j + 1)) for j in range(background)]
    return rows


def test_lead_lag_and_evidence(tmp_path):
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, _lead_follow_rows(background=8))
        run_detector(case, layers=["co_reply"], co_reply_window_s=60.0, null="exchangeable")
        (e,) = edges(case, "co_reply")
    assert (e["account_a"], e["account_b"]) == ("follow", "lead") and e["significant"]
    assert (e["a_leads"], e["b_leads"]) == (1, 5) and e["weight"] == 6
    assert e["median_lag_s"] == 10.0
    assert e["evidence_item_ids"][:2] == ["l0", "f0"] and "far" not in e["evidence_item_ids"]
    assert e["first_at"] == T0 and e["last_at"] == T0 + dt.timedelta(seconds=9004)
    assert e["targets"] == ["p0", "p1", "p2", "p3", "p4", "p5"]


def test_a_pair_that_is_not_significant_keeps_its_test_not_its_meetings(tmp_path):
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, _lead_follow_rows(background=0))
        run_detector(case, layers=["co_reply"], co_reply_window_s=60.0, null="exchangeable")
        (e,) = edges(case, "co_reply")
    # tiny targets whose items all lie within the window: the null explains the meetings entirely (on p0 the
    # follower lands next to one of lead's two comments with probability 2/3)
    assert e["expected"] == pytest.approx(5 + 2 / 3) and not e["significant"] and e["weight"] == 6
    assert e["p_value"] > 0.05 and e["q_value"] > 0.01
    details = ("first_at", "last_at", "a_leads", "b_leads", "median_lag_s", "targets", "evidence_item_ids")
    assert all(e[k] is None for k in details)


def test_co_link_ignores_empty_links_and_normalises(tmp_path):
    rows = []
    for i in range(4):  # the same link, written two ways, shared by two accounts 20 s apart, 4 times
        rows += [
            {
                **comment(f"x{i}", "sharer1", None, 5000 * i),
                "kind": "post",
                "links": [f"https://WWW.Example.com/B?x={i}#f"],
            },
            {
                **comment(f"y{i}", "sharer2", None, 5000 * i + 20),
                "kind": "post",
                "links": [f"http://example.com/B?x={i}/"] * 2,
            },
        ]
    for i in range(
        40
    ):  # many accounts posting without a link, or with an empty-string link, at the same time
        rows.append(
            {**comment(f"n{i}", f"nolink{i}", None, i), "kind": "post", "links": [""] if i % 2 else []}
        )
    for i in range(4):  # others share the same links hours apart, so meeting on all four is remarkable
        rows += [
            {**comment(f"o{i}-{j}", f"other{j}", None, 50_000 + 6000 * j), "kind": "post"}
            | {"links": [f"https://example.com/B?x={i}"]}
            for j in range(20)
        ]
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, rows)
        summary = run_detector(case, layers=["co_link"])
        got = edges(case, "co_link")
    assert [(e["account_a"], e["account_b"], e["weight"]) for e in got] == [("sharer1", "sharer2", 4)]
    assert got[0]["significant"] and got[0]["targets"] == [f"example.com/B?x={i}" for i in range(4)]
    assert summary["co_link"]["events"] == 8 + 80


def test_co_repost_and_co_hashtag_planted(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for i in range(6):  # two accounts repost the same 6 items within seconds; 30 others repost at random
        rows += [
            {**comment(f"r1_{i}", "rp1", None, 20_000 * i), "kind": "repost", "repost_of": f"orig{i}"},
            {**comment(f"r2_{i}", "rp2", None, 20_000 * i + 5), "kind": "repost", "repost_of": f"orig{i}"},
        ]
    for j in range(60):
        rows.append(
            {
                **comment(f"rr{j}", f"user{j % 30}", None, rng.uniform(0, 120_000)),
                "kind": "repost",
                "repost_of": f"orig{rng.integers(6)}",
            }
        )
    for i in range(5):  # the same hashtag sequence, in the same order, within a minute, 5 times
        tags = ["#Vote", "#Tokayev", f"#day{i}"]
        rows += [
            {**comment(f"h1_{i}", "tag1", None, 30_000 * i), "kind": "post", "hashtags": tags},
            {
                **comment(f"h2_{i}", "tag2", None, 30_000 * i + 40),
                "kind": "post",
                "hashtags": [t.lower() for t in tags],
            },
            {**comment(f"h3_{i}", "tag3", None, 30_000 * i + 30), "kind": "post", "hashtags": tags[::-1]},
            {**comment(f"h4_{i}", "tag4", None, 30_000 * i + 30), "kind": "post", "hashtags": ["#vote"]},
        ]
        rows += [  # others use the same sequences hours apart
            {
                **comment(f"h5_{i}_{j}", f"tagger{j}", None, 200_000 + 7000 * j),
                "kind": "post",
                "hashtags": tags,
            }
            for j in range(20)
        ]
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, rows)
        run_detector(case, layers=["co_repost", "co_hashtag"])
        reposts = edges(case, "co_repost")
        tags = edges(case, "co_hashtag")
    sig = [(e["account_a"], e["account_b"]) for e in reposts if e["significant"]]
    assert sig == [("rp1", "rp2")]
    assert next(e for e in reposts if e["account_a"] == "rp1")["a_leads"] == 6
    assert [(e["account_a"], e["account_b"], e["weight"]) for e in tags if e["significant"]] == [
        ("tag1", "tag2", 5)
    ]
    sig_tags = next(e for e in tags if e["significant"])
    assert sig_tags["targets"][0] == "vote tokayev day0"
    # the other pairs that met often enough to be tested are stored with their test, not their meetings
    assert all(e["targets"] is None and e["first_at"] is None for e in tags if not e["significant"])


def test_parameter_validation():
    with pytest.raises(BotwatchError, match="'co_reply_window_s' parameter of coaction must be a float"):
        CoActionDetector(co_reply_window_s=-1.0).validate_params()
    with pytest.raises(BotwatchError, match="'layers' parameter"):
        CoActionDetector(layers=["co_follow"]).validate_params()
    with pytest.raises(BotwatchError, match="unknown parameter"):
        CoActionDetector(window=3)


def generate_comments(n: int, seed: int = 0, planted_share: float = 0.01) -> pa.Table:
    """``n`` comments under ``n / 200`` news posts with heavy-tailed popularity (Pareto 1.5) and comments
    decaying over hours after publication, by ``n / 10`` accounts with heavy-tailed activity; ``planted_share``
    of the comments come from 20-account squads that each hit 20 posts within 30 s of each other."""
    rng = np.random.default_rng(seed)
    n_posts, n_acc = max(10, n // 200), max(50, n // 10)
    pop = rng.pareto(1.5, n_posts) + 1
    post = rng.choice(n_posts, n, p=pop / pop.sum())
    post_t = rng.uniform(0, 30 * 86400, n_posts)
    t = post_t[post] + rng.exponential(6 * 3600, n)
    act = rng.pareto(1.5, n_acc) + 1
    accounts = np.char.add("u", rng.choice(n_acc, n, p=act / act.sum()).astype(str)).astype(object)
    n_plant = int(n * planted_share)
    n_squads = max(1, n_plant // 400)
    squad, member = rng.integers(0, n_squads, n_plant), rng.integers(0, 20, n_plant)
    post[:n_plant] = rng.integers(0, n_posts, (n_squads, 20))[squad, rng.integers(0, 20, n_plant)]
    t[:n_plant] = post_t[post[:n_plant]] + 600 + rng.uniform(0, 30, n_plant)
    accounts[:n_plant] = [f"squad{s}_{m}" for s, m in zip(squad, member)]
    return pa.table(
        {
            "platform": pa.array(["test"] * n),
            "item_id": pa.array(np.char.add("c", np.arange(n).astype(str))),
            "account_id": pa.array(accounts.astype(str)),
            "kind": pa.array(["comment"] * n),
            "parent_id": pa.array(np.char.add("p", post.astype(str))),
            "created_at": pa.array((1.7e15 + t * 1e6).astype("int64"), pa.timestamp("us")),
        }
    )


def test_unconditional_mode_counts_every_pair_that_could_meet(planted):
    case, bots = planted
    summary = run_detector(case, layers=["co_reply"], co_reply_window_s=60.0, hypotheses="all")["co_reply"]
    assert summary["hypotheses"] >= summary["pairs_met"] > summary["pairs_tested"]
    significant = {(e["account_a"], e["account_b"]) for e in edges(case, "co_reply") if e["significant"]}
    assert significant <= set(itertools.combinations(bots, 2))  # stricter: never more than the planted pairs


def test_jitter_null_sees_a_burst_that_dominates_its_threads(tmp_path):
    """12 accounts flood 6 threads within a minute and make up a third of each thread. Under the exchangeable
    null their own burst sets the background rate, so they look like chance; the jitter null smooths the rate
    over 10-minute bins and finds every squad pair, and still no organic pair."""
    rng = np.random.default_rng(5)
    rows, squad = [], [f"sq{i:02d}" for i in range(12)]
    for p in range(6):
        start = 3600 * 4 * p
        for j in range(24):
            rows.append(
                comment(f"o{p}_{j}", f"org{rng.integers(60):02d}", f"t{p}", start + rng.uniform(0, 7200))
            )
        for i, acct in enumerate(squad):
            rows.append(comment(f"s{p}_{i}", acct, f"t{p}", start + 300 + rng.uniform(0, 60)))
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, rows)
        pairs = set(itertools.combinations(squad, 2))
        run_detector(case, layers=["co_reply"], co_reply_window_s=60.0, null="exchangeable")
        exch = {(e["account_a"], e["account_b"]): e["expected"] for e in edges(case, "co_reply")}
        run_detector(case, layers=["co_reply"], co_reply_window_s=60.0)
        got = edges(case, "co_reply")
    jit = {(e["account_a"], e["account_b"]) for e in got if e["significant"]}
    # one organic account (org24) has both of its two comments inside the squad's minute, in two threads; two
    # meetings are not enough for the screened pair test (it needs more than min_weight), so it stays out.
    assert jit == pairs
    # the squad's own burst makes the exchangeable background several times higher than the smoothed one
    for e in got:
        if (e["account_a"], e["account_b"]) in pairs:
            assert e["expected"] * 3 < exch[(e["account_a"], e["account_b"])]


@pytest.mark.slow
@pytest.mark.parametrize("null", ["jitter", "exchangeable"])
def test_meetings_in_several_passes_give_the_same_edges(tmp_path, monkeypatch, null):
    """Long windows on big data make more item pairs than fit in memory at once; they are then generated in
    passes over disjoint sets of account pairs. The edges, p-values and evidence do not change."""
    import botwatch.detectors.coaction as coaction

    with Case(tmp_path / "c.duckdb") as case:
        table = generate_comments(4000, seed=3, planted_share=0.2)
        case.con.register("_gen", table)
        names = ", ".join(table.column_names)
        case.con.execute(f"INSERT INTO items ({names}) SELECT {names} FROM _gen")
        results = []
        for per_chunk, per_edge_pass in ((10**9, 10**9), (5_000, 500), (700, 50)):
            monkeypatch.setattr(coaction, "MEETINGS_PER_CHUNK", per_chunk)
            monkeypatch.setattr(coaction, "EDGE_TARGETS_PER_PASS", per_edge_pass)
            summary = run_detector(case, layers=["co_reply"], co_reply_window_s=600.0, null=null)
            results.append((summary["co_reply"], edges(case, "co_reply")))
    (s1, e1), (s2, e2), (s3, e3) = results
    assert len(e1) > 100 and (null == "exchangeable" or s1["significant"] > 10)
    assert s1["meeting_passes"] == 1 and 1 < s2["meeting_passes"] < s3["meeting_passes"]
    same = {k: v for k, v in s1.items() if k not in ("seconds", "meeting_passes")}
    for s, e in ((s2, e2), (s3, e3)):
        assert e == e1
        assert {k: v for k, v in s.items() if k not in ("seconds", "meeting_passes")} == same


def _squads_at_three_tempos(seed: int) -> list[dict]:
    """Posts a day apart with organic comments over the day and three squads of 3-8 accounts, each member
    answering 70 % of the posts: within a minute, 30-35 minutes after the post, or 2-2.5 hours after it."""
    rng = np.random.default_rng(seed)
    rows = []
    squads = [[f"s{q}_{i}" for i in range(int(rng.integers(3, 9)))] for q in range(3)]
    for p in range(int(rng.integers(10, 30))):
        start = 86400 * p
        for j in range(int(rng.integers(10, 60))):
            rows.append(
                comment(f"o{p}_{j}", f"org{rng.integers(60):02d}", f"t{p}", start + rng.uniform(0, 86400))
            )
        for q, squad in enumerate(squads):
            delay, spread = [(60, 60), (1800, 300), (7200, 1500)][q]
            for i, acct in enumerate(squad):
                if rng.uniform() < 0.7:
                    rows.append(
                        comment(f"s{q}{p}_{i}", acct, f"t{p}", start + delay + rng.uniform(0, spread))
                    )
    return rows


def test_co_reply_scales_without_candidates_test_the_base_window_alone(tmp_path):
    """No significant co_text edge: no candidate for the longer scales, one scale tested, nothing multiplied."""
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, _squads_at_three_tempos(5))
        alone = run_detector(case, layers=["co_reply"])["co_reply"]
        plain = {(e["account_a"], e["account_b"]): e for e in edges(case, "co_reply")}
        summary = run_detector(case, layers=["co_reply"], co_reply_scales_s=(600.0, 3600.0))["co_reply"]
        got = edges(case, "co_reply")
    assert set(summary["scales"]) == {"90s"} and summary["significant"] == alone["significant"] > 0
    assert len(got) == len(plain)
    for e in got:
        assert e["null_model"] == plain[(e["account_a"], e["account_b"])]["null_model"] + " min of 1 scales"
        same = {k: v for k, v in e.items() if k != "null_model"}
        assert same == {k: v for k, v in plain[(e["account_a"], e["account_b"])].items() if k != "null_model"}


def test_co_reply_scales_keep_meeting_details_only_for_pairs_significant_after_the_correction(tmp_path):
    """p and q are multiplied by the number of scales; a pair significant at one scale alone but not after that
    correction is stored like any non-significant pair: its count and test, no meeting details."""
    gap = 0
    for seed in (5, 7, 8):
        with Case(tmp_path / f"c{seed}.duckdb") as case:
            insert_items(case, _squads_at_three_tempos(seed))
            case.con.execute(
                "INSERT INTO cluster_items SELECT 1, 'T1', platform, item_id, account_id, 1.0 FROM items "
                "WHERE account_id LIKE 's%' OR account_id < 'org30'"
            )
            case.con.execute(
                "INSERT INTO edges (run_id, platform, account_a, account_b, layer, significant, targets) "
                "VALUES (1, 'test', 'x', 'y', 'co_text', true, ['T1'])"
            )
            run_detector(case, layers=["co_reply"], co_reply_scales_s=(600.0, 3600.0, 21600.0))
            got = edges(case, "co_reply")
        assert got and all("min of 4 scales" in e["null_model"] for e in got)
        assert all(e["significant"] == (e["q_value"] <= 0.01) for e in got)
        detail = ("first_at", "last_at", "a_leads", "b_leads", "median_lag_s", "targets", "evidence_item_ids")
        for e in got:
            assert all((e[c] is None) == (not e["significant"]) for c in detail), e
        gap += sum(0.01 < e["q_value"] <= 0.04 for e in got)  # significant at one scale before the x4
    assert gap > 0


def test_co_reply_scales_find_a_slow_squad_and_keep_its_strongest_scale(tmp_path):
    """A squad that answers every post 30-40 minutes after it, spread over ten minutes, rarely meets within
    90 s; at the 10-minute scale every squad pair is significant. Organic commenters spread over the day do not
    become significant at any scale, and each pair keeps one edge, at the scale where it is strongest."""
    rng = np.random.default_rng(11)
    rows, squad = [], [f"sq{i}" for i in range(6)]
    for p in range(12):
        start = 86400 * p
        for j in range(30):
            rows.append(
                comment(f"o{p}_{j}", f"org{rng.integers(40):02d}", f"t{p}", start + rng.uniform(0, 86400))
            )
        for i, acct in enumerate(squad):
            rows.append(comment(f"s{p}_{i}", acct, f"t{p}", start + 1800 + rng.uniform(0, 600)))
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, rows)
        # candidates for the longer scales: accounts that wrote a coordinated template, T1 (squad and some
        # organic accounts); T2 is a template of organic accounts that no co_text edge cites
        case.con.execute(
            "INSERT INTO cluster_items SELECT 1, CASE WHEN account_id < 'org20' THEN 'T2' ELSE 'T1' END, "
            "platform, item_id, account_id, 1.0 FROM items WHERE account_id LIKE 'sq%' OR account_id < 'org30'"
        )
        case.con.execute(
            "INSERT INTO edges (run_id, platform, account_a, account_b, layer, significant, targets) "
            "VALUES (1, 'test', 'sq0', 'sq1', 'co_text', true, ['T1'])"
        )
        one = run_detector(case, layers=["co_reply"])["co_reply"]
        summary = run_detector(case, layers=["co_reply"], co_reply_scales_s=(600.0, 3600.0))["co_reply"]
        got = edges(case, "co_reply")
    pairs = set(itertools.combinations(squad, 2))
    significant = {(e["account_a"], e["account_b"]) for e in got if e["significant"]}
    assert one["significant"] < len(pairs)
    assert significant == pairs
    assert len({(e["account_a"], e["account_b"]) for e in got}) == len(got)  # one edge per pair
    squad_edges = [e for e in got if (e["account_a"], e["account_b"]) in pairs]
    assert {e["window_s"] for e in squad_edges} <= {90.0, 600.0, 3600.0}
    assert (
        sum(e["window_s"] > 90 for e in squad_edges) > len(pairs) / 2
    )  # most are strongest at a longer scale
    assert all("min of 3 scales" in e["null_model"] for e in got)
    # meeting details only where the pair is significant after the correction over scales
    assert all((e["evidence_item_ids"] is None) == (not e["significant"]) for e in got)
    assert set(summary["scales"]) == {"90s", "600s", "3600s"}
    n_candidates = summary["scales"]["600s"]["events"]
    assert n_candidates == 12 * len(squad) + sum(1 for r in rows if "org20" <= r["account_id"] < "org30")
