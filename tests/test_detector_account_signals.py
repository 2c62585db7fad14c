"""Account signals on data with a known answer: registration cohorts, generated names, focus and rhythm."""

import csv
import datetime as dt
import json
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
import scipy.stats
from click.testing import CliRunner
from test_detector_coaction import (
    T0,  # noqa: E402
    comment,
    insert_items,
)

from botwatch import Case
from botwatch.cli import cli
from botwatch.detectors import RunContext
from botwatch.detectors.empirical_null import activity_bins, betabinom_tail, fit_betabinom
from botwatch.detectors.focus_rhythm import FocusRhythmDetector, moran_pvalue, range_pvalue
from botwatch.detectors.generated_names import GeneratedNameDetector, handle_shape
from botwatch.detectors.registration import RegistrationCohortDetector, scan_windows
from botwatch.pipeline import detect_case
from botwatch.scoring.features import account_feature_table
from botwatch.testing import check_detector
from botwatch.text.translit import skeleton


@pytest.mark.parametrize("cls", [RegistrationCohortDetector, GeneratedNameDetector, FocusRhythmDetector])
def test_conformance(cls):
    check_detector(cls)


def _signals(case, signal):
    return {
        r[0]: r[1:]
        for r in case.con.execute(
            "SELECT account_id, value, p_value, q_value, significant, group_id, description FROM account_signals "
            "WHERE signal = ? ORDER BY 1",
            [signal],
        ).fetchall()
    }


def _cohort_csv(path, seed=3):
    """300 organic accounts registered at random over two years, and a wave of 12 registered within 40 minutes,
    whose members later comment in one minute under the same posts; one comment per account otherwise."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    rows = []
    for i in range(300):
        created = start + dt.timedelta(seconds=float(rng.uniform(0, 2 * 365 * 86400)))
        rows.append((f"o{i}", created, f"p{i % 40}", 3600 * i))
    wave = dt.datetime(2021, 5, 4, 14, 0, tzinfo=dt.UTC)
    for i in range(12):
        created = wave + dt.timedelta(seconds=float(rng.uniform(0, 2400)))
        for post in range(5):
            rows.append((f"w{i}", created, f"q{post}", 86400 * post + 5 * i))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["item_id", "account_id", "created_at", "text", "parent_id", "account_created_at"])
        for n, (acct, created, post, t) in enumerate(rows):
            at = dt.datetime(2022, 3, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=t)
            w.writerow([f"i{n}", acct, at.isoformat(), f"my own words number {n}", post, created.isoformat()])


def test_a_registration_wave_is_found_end_to_end_and_never_flags_alone(tmp_path):
    _cohort_csv(tmp_path / "c.csv")
    case = tmp_path / "c.duckdb"
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["ingest", str(case), str(tmp_path / "c.csv"), "--platform", "x"]).exit_code == 0
    )
    res = runner.invoke(cli, ["detect", str(case), "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "registration_cohorts: accounts_with_dates=312, cohorts=1, accounts_in_cohorts=12" in res.output
    with Case(case) as c:
        rows = _signals(c, "registration_cohort")
        assert {a for a, r in rows.items() if r[3]} == {f"w{i}" for i in range(12)}
        assert len({rows[f"w{i}"][4] for i in range(12)}) == 1
        assert "later act together (co_reply)" in rows["w0"][5]
        # the wave acts together in time only (a timing-only layer): nobody is flagged, nothing scores
        assert c.con.execute("SELECT count(*) FROM account_scores WHERE flagged").fetchone()[0] == 0
        assert (
            c.con.execute("SELECT count(*) FROM evidence WHERE detector = 'registration_cohort'").fetchone()[
                0
            ]
            == 0
        )


def test_each_platform_has_its_own_cohorts_and_counts_its_own_members_acting_together(tmp_path):
    _cohort_csv(tmp_path / "c.csv")
    case = tmp_path / "c.duckdb"
    runner = CliRunner()
    for platform in ("x", "y"):  # the same accounts and items on two platforms: two waves, counted apart
        res = runner.invoke(cli, ["ingest", str(case), str(tmp_path / "c.csv"), "--platform", platform])
        assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["detect", str(case), "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "registration_cohorts: accounts_with_dates=624, cohorts=2, accounts_in_cohorts=24" in res.output
    with Case(case) as c:
        rows = c.con.execute(
            "SELECT platform, group_id, count(*), min(description), max(description) FROM account_signals "
            "WHERE signal = 'registration_cohort' AND group_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1"
        ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("x", "R-x-1", 12), ("y", "R-y-1", 12)]
    for r in rows:
        assert "(12 accounts)" in r[3] and r[3].endswith("; 12 of its members later act together (co_reply)")


def test_dates_without_time_widen_the_window_to_a_day():
    t = np.sort(np.floor(np.random.default_rng(1).uniform(0, 400, 600)) * 86400)  # 600 accounts, dates only
    k, lam = scan_windows(t, 86400.0, 30 * 86400.0)
    assert np.median(k) > 1 and np.all(lam > 0.3)  # a day's registrations, against a day's background
    det = RegistrationCohortDetector()
    assert det.params["window_s"] == 3600


def test_transliteration_folds_russian_and_kazakh_spellings():
    spellings = ["Айгерим Нұрланқызы", "aigerim nurlanqyzy", "aygerim nurlankyzy", "Ajgerim Nurlankizi"]
    assert len({skeleton(s) for s in spellings}) == 1
    assert skeleton("Дмитрий Кузнецов") == skeleton("dmitriy kuznetsov") == skeleton("dmitrii kuznecov")
    assert skeleton("Жанар") == skeleton("Zhanar") == skeleton("janar")
    assert skeleton("Хасанов") == skeleton("Khasanov") == skeleton("hasanov")


def test_handle_shapes():
    assert handle_shape("aigerim_nurlanqyzy4471", "Айгерим Нұрланқызы", "70001")[0] == "first+last|_|d4"
    assert handle_shape("nurlanov.daulet1988", "Даулет Нурланов", "70002")[0] == "last+first|.|d4"
    assert handle_shape("qazaq_eli_142", "Асель Бекова", "70003")[:2] == ("word|__|d3", "kazakeli|__")
    assert handle_shape("id123456", "Асель Бекова", "123456") is None  # the platform's default handle
    assert handle_shape(None, "Асель", "70005") is None


def _names_case(case):
    """A linked group of 8 accounts whose handles are first+last+4 digits, 60 organic accounts with varied
    handles (10 of them also first+last+4 digits), and 4 unlinked sequential handles."""
    first = ["Асель", "Айгерим", "Даулет", "Нурлан", "Мадина", "Арман", "Жанар", "Ерлан"]
    last = ["Бекова", "Сапарова", "Касымов", "Ахметов", "Тулегенова", "Садыков", "Нурланова", "Жумабаев"]
    from botwatch.text.translit import to_latin

    accounts = []
    for i in range(8):
        handle = f"{to_latin(first[i])}_{to_latin(last[i])}{4000 + 37 * i}"
        accounts.append(("vk", f"b{i}", handle, f"{first[i]} {last[i]}"))
    for i in range(60):
        f, la = first[i % 8], last[(i * 3) % 8]
        handle = (
            f"{to_latin(f)}_{to_latin(la)}{1990 + i}"
            if i < 10
            else [f"{to_latin(f)}{i}", f"cool_{i}_cat", "dj.x"][i % 3]
        )
        accounts.append(("vk", f"o{i}", handle, f"{f} {la}"))
    for i in range(4):
        accounts.append(("vk", f"s{i}", f"nur_otan_{311 + i}", "Патриот"))
    case.con.executemany(
        "INSERT INTO accounts (platform, account_id, handle, display_name) VALUES (?, ?, ?, ?)", accounts
    )
    edges = [(1, "vk", f"b{i}", f"b{j}", "co_text", True) for i in range(8) for j in range(i + 1, 8)]
    edges += [(1, "vk", "o11", "o12", "co_text", True), (1, "vk", "o0", "o20", "co_text", True)]
    case.con.executemany(
        "INSERT INTO edges (run_id, platform, account_a, account_b, layer, significant) VALUES (?, ?, ?, ?, ?, ?)",
        edges,
    )


def test_generated_names_shared_pattern_and_sequences(tmp_path):
    with Case(tmp_path / "c.duckdb") as case:
        _names_case(case)
        summary = GeneratedNameDetector().run(RunContext(case.con, run_id=1, seed=0))
        pattern = _signals(case, "name_pattern")
        assert {a for a, r in pattern.items() if r[3]} == {f"b{i}" for i in range(8)}
        assert pattern["b0"][0] == 7 and "first+last|_|d4" in pattern["b0"][5]
        assert not pattern["o0"][3]  # one organic partner with the same common shape is no pattern
        seq = _signals(case, "sequential_handles")
        assert {a for a, r in seq.items() if r[3]} == {"s0", "s1", "s2", "s3"}
        assert summary["handles"] == 72


def _rhythm_items():
    """40 organic accounts posting at random hours every day under 4 pages; 'office' posts on weekdays 10-16
    Almaty time under page A only; 'clock' posts every 3 h exactly; 'brief' posts 12 times in one night hour."""
    rng = np.random.default_rng(5)
    rows, n = [], 0
    for a in range(40):
        for t in np.sort(rng.uniform(0, 28 * 86400, 15)):
            rows.append(comment(f"i{n}", f"u{a}", f"p{n % 50}", t, channel="ABCD"[int(rng.integers(4))]))
            n += 1
    almaty = ZoneInfo("Asia/Almaty")
    for day in range(21):
        local = dt.datetime(2024, 3, 1, 10, tzinfo=almaty) + dt.timedelta(
            days=day, hours=float(rng.uniform(0, 6))
        )
        if local.isoweekday() <= 5:
            t = (local.astimezone(dt.UTC).replace(tzinfo=None) - T0).total_seconds()
            rows.append(comment(f"i{n}", "office", f"p{n % 50}", t, channel="A"))
            n += 1
    for k in range(15):
        rows.append(comment(f"i{n}", "clock", f"p{n % 50}", 3 * 3600 * k + 7200, channel="ABCD"[k % 4]))
        n += 1
    for k, t in enumerate(np.sort(rng.uniform(0, 3600, 12))):
        rows.append(
            comment(
                f"i{n}",
                "brief",
                f"p{n % 50}",
                9 * 86400 + 14 * 3600 + t,
                channel="ABCD"[k % 4],
            )
        )
        n += 1
    return rows


def test_focus_and_rhythm_against_the_background(tmp_path):
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, _rhythm_items())
        case.con.execute(
            "UPDATE items SET channel = CASE WHEN account_id = 'office' THEN 'A' ELSE chr(CAST(65 + hash(item_id) % 4 AS INTEGER)) END"
        )
        off = FocusRhythmDetector(null="theoretical").run(RunContext(case.con, run_id=1, seed=0))
        assert off["office_hours"].startswith("off: no time zone")
        assert not _signals(case, "office_hours")
        case.con.execute("DELETE FROM account_signals")
        FocusRhythmDetector(timezone="Asia/Almaty", null="theoretical").run(
            RunContext(case.con, run_id=1, seed=0)
        )
        case.con.execute(
            "INSERT INTO accounts (platform, account_id) SELECT DISTINCT platform, account_id FROM items"
        )
        sig = {
            s: {a for a, r in _signals(case, s).items() if r[3]}
            for s in ("office_hours", "page_focus", "regular_intervals", "short_lifetime")
        }
        assert sig["office_hours"] == {"office"}
        assert sig["page_focus"] == {"office"}
        assert sig["regular_intervals"] == {"clock"}
        assert sig["short_lifetime"] == {"brief", "clock"}
        table = account_feature_table(case.con, 1)
        assert {"office_hours", "office_hours_log10p", "page_focus", "handle_digits"} <= set(
            table.column_names
        )
        row = {
            c: table.column(c)[table.column("account_id").to_pylist().index("office")].as_py()
            for c in table.column_names
        }
        assert (
            row["office_hours"] == 1.0
            and row["office_hours_log10p"] > 5
            and row["registration_cohort"] is None
        )


def test_the_tests_are_calibrated():
    rng = np.random.default_rng(0)
    gaps = rng.exponential(1000.0, size=(4000, 30)) + 1
    stat = 30 * np.log(gaps.mean(1)) - np.log(gaps).sum(1)
    p = moran_pvalue(np.full(4000, 30), stat)
    assert 0.03 < np.mean(p <= 0.05) < 0.07  # random pace: about 5 % below 0.05
    u = rng.uniform(size=(4000, 10))
    p = range_pvalue(np.full(4000, 10), u.max(1) - u.min(1))
    assert 0.04 < np.mean(p <= 0.05) < 0.06


def test_feature_table_has_a_row_per_account_even_without_signals(tmp_path):
    with Case(tmp_path / "c.duckdb") as case:
        case.con.execute("INSERT INTO accounts (platform, account_id) VALUES ('x', 'a'), ('x', 'b')")
        table = account_feature_table(case.con)
        assert table.num_rows == 2 and table.column("office_hours_log10p").to_pylist() == [0.0, 0.0]
        json.dumps(table.to_pylist())


@pytest.mark.slow
def test_on_the_demo_account_signals_change_no_flag_and_name_patterns_are_the_planted_ones(
    demo_case, copy_case
):
    """The rule on a whole investigation: the flags with the account-signal detectors are the flags without them;
    the generated-name evidence sits only on planted accounts."""
    truth = {
        (r["platform"], r["account_id"]): r["label"] == "1"
        for r in csv.DictReader(open(demo_case.files.truth, encoding="utf-8"))
    }
    flags = {}
    for name, only in (
        ("with", None),
        ("without", ["near_duplicate", "text_coordination", "coaction", "shared_avatar"]),
    ):
        path = copy_case(demo_case.path, f"{name}.duckdb")
        with Case(path) as case:
            detect_case(case, seed=5, only=only)
            flags[name] = set(
                case.con.execute("SELECT platform, account_id FROM account_scores WHERE flagged").fetchall()
            )
            if name == "with":
                names = case.con.execute(
                    "SELECT platform, account_id FROM evidence WHERE detector IN ('name_pattern', 'sequential_handles')"
                ).fetchall()
    assert flags["with"] == flags["without"] and flags["with"]
    assert names and all(truth[k] for k in names)


def _loyal_readers_items(seed=11, planted=15):
    """600 organic accounts (10-80 comments, log-uniform) who each favour four of 20 pages (Dirichlet(6) weights) and
    comment in a personal six-hour window of the day (60 % of their comments), and ``planted`` accounts (40-70 comments) that comment only
    under the official page ``P0`` on weekdays 10-16 Almaty time. Platform shares are unequal (P0 is busy)."""
    rng = np.random.default_rng(seed)
    almaty = ZoneInfo("Asia/Almaty")
    start = dt.datetime(2024, 3, 4, tzinfo=almaty)  # a Monday
    rows, n = [], 0
    for a in range(600):
        favourites = rng.choice(20, size=4, replace=False, p=np.arange(20, 0, -1) / 210)
        weights = rng.dirichlet(np.full(4, 6.0))
        hour0 = int(rng.integers(0, 24))
        for _ in range(int(np.exp(rng.uniform(np.log(10), np.log(80))))):
            hour = (hour0 + rng.uniform(0, 6)) % 24 if rng.random() < 0.6 else rng.uniform(0, 24)
            local = start + dt.timedelta(days=int(rng.integers(0, 28)), hours=float(hour))
            t = (local.astimezone(dt.UTC).replace(tzinfo=None) - T0).total_seconds()
            page = f"P{favourites[rng.choice(4, p=weights)]}"
            rows.append(comment(f"i{n}", f"o{a}", f"post{n % 97}", t, channel=page))
            n += 1
    for b in range(planted):
        for _ in range(int(rng.integers(40, 71))):
            day = int(rng.integers(0, 4)) * 7 + int(rng.integers(0, 5))
            local = start + dt.timedelta(days=day, hours=float(10 + rng.uniform(0, 6)))
            t = (local.astimezone(dt.UTC).replace(tzinfo=None) - T0).total_seconds()
            rows.append(comment(f"i{n}", f"b{b}", f"post{n % 97}", t, channel="P0"))
            n += 1
    return rows


def _insert_with_channels(case, rows):
    insert_items(case, rows)
    ch = pa.table({"item_id": [r["item_id"] for r in rows], "channel": [r["channel"] for r in rows]})
    case.con.register("_ch", ch)
    case.con.execute("UPDATE items SET channel = _ch.channel FROM _ch WHERE items.item_id = _ch.item_id")
    case.con.unregister("_ch")


def test_empirical_null_finds_the_planted_page_and_hours_not_loyal_readers(tmp_path):
    """Organic accounts who keep to their own pages and hours are "focused" and "office-hours" under the
    theoretical null; against the accounts of similar activity only the planted group is."""
    with Case(tmp_path / "c.duckdb") as case:
        _insert_with_channels(case, _loyal_readers_items())
        planted = {f"b{i}" for i in range(15)}
        found = {}
        for run_id, null in ((1, "theoretical"), (2, "empirical")):
            summary = FocusRhythmDetector(null=null, timezone="Asia/Almaty").run(
                RunContext(case.con, run_id=run_id, seed=0)
            )
            found[null] = {
                s: {
                    a
                    for (a,) in case.con.execute(
                        "SELECT account_id FROM account_signals WHERE run_id = ? AND signal = ? AND significant",
                        [run_id, s],
                    ).fetchall()
                }
                for s in ("page_focus", "office_hours")
            }
        assert len(found["theoretical"]["page_focus"] - planted) > 100  # loyal readers: the old null is false
        assert len(found["theoretical"]["office_hours"] - planted) > 20
        assert found["empirical"]["page_focus"] == planted
        assert found["empirical"]["office_hours"] == planted
        assert summary["nulls"]["page_focus"].startswith("test: empirical (")
        fits = [f for f in summary["null_fits"] if f["signal"] == "office_hours"]
        assert len(fits) >= 2 and all(f["accounts"] >= 50 for f in fits)
        text = case.con.execute(
            "SELECT description FROM account_signals WHERE run_id = 2 AND signal = 'page_focus' AND account_id = 'b0'"
        ).fetchone()[0]
        assert "under 1 page(s) (P0)" in text and "against the platform's" in text and "accounts with" in text


def test_empirical_null_breaks_down_when_most_of_a_bin_is_planted(tmp_path):
    """With as many planted accounts as organic ones of their activity, the fit describes the planted group: it
    loses power but never finds more than the theoretical null."""
    with Case(tmp_path / "c.duckdb") as case:
        rows = [r for r in _loyal_readers_items(planted=0) if int(r["account_id"][1:]) < 60]
        rows += [r for r in _loyal_readers_items(planted=80) if r["account_id"].startswith("b")]
        _insert_with_channels(case, rows)
        FocusRhythmDetector(timezone="Asia/Almaty").run(RunContext(case.con, run_id=1, seed=0))
        FocusRhythmDetector(null="theoretical", timezone="Asia/Almaty").run(
            RunContext(case.con, run_id=2, seed=0)
        )
        sig = dict(
            case.con.execute(
                "SELECT run_id, count_if(significant) FROM account_signals WHERE signal = 'page_focus' GROUP BY 1"
            ).fetchall()
        )
        assert sig[1] < 80 <= sig[2]


def test_small_platforms_leave_focus_and_lifetime_untested_and_say_so(tmp_path):
    """43 accounts are too few for an empirical null: page focus and lifetime are not tested (rows without a
    p-value), office hours keep the binomial; the run summary and the evidence say so."""
    with Case(tmp_path / "c.duckdb") as case:
        _insert_with_channels(case, _rhythm_items())
        summary = FocusRhythmDetector(timezone="Asia/Almaty").run(RunContext(case.con, run_id=1, seed=0))
        assert summary["nulls"]["page_focus"] == (
            "test: not tested (43 accounts, fewer than min_reference 50; null = 'theoretical' tests them)"
        )
        assert (
            summary["nulls"]["office_hours"] == "test: theoretical (43 accounts, fewer than min_reference 50)"
        )
        assert summary["null_fits"] == [] and summary["page_focus"] == summary["short_lifetime"] == 0
        brief = _signals(case, "short_lifetime")["brief"]
        assert brief[1] is None and not brief[3]
        assert brief[5].endswith("(not tested: too few accounts (43) for an empirical null)")
        office = _signals(case, "office_hours")
        assert {a for a, r in office.items() if r[3]} == {"office"}
        assert "too few accounts (43) for an empirical null" in office["office"][5]


def test_beta_binomial_tail_and_fits():
    k, n = np.array([0, 3, 10, 10, 11]), np.array([10, 10, 10, 10, 10])
    a, b = np.array([2.0, 2.0, 2.0, 0.5, 2.0]), np.array([3.0, 3.0, 3.0, 0.5, 3.0])
    expected = [1.0] + [
        float(scipy.stats.betabinom.sf(x - 1, 10, aa, bb)) for x, aa, bb in zip(k[1:4], a[1:4], b[1:4])
    ]
    assert np.allclose(betabinom_tail(k, n, a, b), expected + [0.0])
    assert betabinom_tail(200, 200, 50.0, 50.0)[()] > 0  # far tail in log space, not 1 - cdf
    rng = np.random.default_rng(2)
    n = rng.integers(10, 60, 3000)
    k = rng.binomial(n, rng.beta(2.0, 6.0, 3000))
    alpha, _ = fit_betabinom(k, n, mean=np.full(3000, 0.25))
    assert 6 < alpha < 10  # a + b = 8
    a_hat, b_hat = fit_betabinom(k, n)
    assert abs(a_hat / (a_hat + b_hat) - 0.25) < 0.02 and 6 < a_hat + b_hat < 10
    assert (
        fit_betabinom(rng.binomial(n, 0.3), n, mean=np.full(3000, 0.3))[0] > 200
    )  # binomial: no overdispersion
    # a fifth of the accounts planted at share 1: the censored fit still describes the others
    k2 = np.where(np.arange(3000) < 600, n, k)
    assert 5 < fit_betabinom(k2, n, mean=np.full(3000, 0.25))[0] < 11
    k3 = np.where(np.arange(3000) < 1800, n, k)  # three fifths: the lower quarter still holds
    assert 4 < fit_betabinom(k3, n, mean=np.full(3000, 0.25))[0] < 12
    assert fit_betabinom(k3, n, mean=np.full(3000, 0.25), quantile=1.0)[0] < 1  # uncensored: swamped
    bins = activity_bins(np.array([10] * 60 + [25] * 30 + [50] * 30 + [400]), 50)
    assert [len(b) for b in bins] == [60, 61]
    assert activity_bins(np.array([10] * 49), 50) is None


def test_beta_binomial_tail_is_the_per_count_computation_with_shared_or_varying_parameters():
    rng = np.random.default_rng(5)
    n = rng.integers(1, 90, 4000).astype(np.float64)
    k = np.floor(rng.uniform(-0.1, 1.1, 4000) * n)  # some at or below 0, some above n
    lbinom = scipy.special.gammaln

    def per_count(k, n, a, b):  # every term computed for its own count, summed in log space
        out = np.where(k <= 0, 1.0, 0.0)
        for i in np.flatnonzero((k > 0) & (k <= n)):
            x = np.arange(k[i], n[i] + 1)
            terms = (
                lbinom(n[i] + 1) - lbinom(x + 1) - lbinom(n[i] - x + 1)
                + scipy.special.betaln(x + a[i], n[i] - x + b[i]) - scipy.special.betaln(a[i], b[i])
            )  # fmt: skip
            out[i] = np.exp(np.logaddexp.reduce(terms))
        return np.clip(out, 0.0, 1.0)

    shared = (np.full(4000, 0.7), np.full(4000, 2.5))  # one bin's parameters: distinct (x, n) computed once
    varying = (rng.uniform(0.2, 5, 4000), rng.uniform(0.2, 5, 4000))
    for a, b in (shared, varying):
        assert np.allclose(betabinom_tail(k, n, a, b), per_count(k, n, a, b), rtol=1e-12, atol=0)


def test_counts_computed_once_per_distinct_pair_are_the_per_count_values():
    from botwatch.detectors.empirical_null import _Counts, _lbinom, _logpmf

    rng = np.random.default_rng(8)
    n = rng.integers(1, 40, 5000).astype(np.float64)
    x = np.floor(rng.uniform(0, 1, 5000) * (n + 1))
    counts = _Counts(x, n)
    assert len(counts.ux) < 1000  # few distinct (x, n): the point of computing them once
    for a, b in ((np.full(5000, 0.8), np.full(5000, 3.0)), (rng.uniform(0.1, 4, 5000), np.full(5000, 2.0))):
        assert np.array_equal(counts.logpmf(a, b), _logpmf(x, n, a, b, _lbinom(x, n)))  # bit for bit
