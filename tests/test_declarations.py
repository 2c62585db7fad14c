"""Detectors declare what they produce and need; the pipeline and scoring act on the declarations alone."""

import pytest
from test_detector_coaction import comment, insert_items

from botwatch import Case
from botwatch.detectors import (
    Detector,
    Layer,
    Setting,
    Signal,
    declared_layers,
    declared_signals,
    declared_tables,
    register_detector,
    run_order,
)
from botwatch.detectors import _extra as registered_extra
from botwatch.errors import BotwatchError
from botwatch.pipeline import detect_case
from botwatch.settings import Interval


@pytest.fixture
def extra_detectors():
    before = dict(registered_extra)
    yield registered_extra
    registered_extra.clear()
    registered_extra.update(before)


def test_builtin_declarations():
    layers = declared_layers()
    assert {n for n, layer in layers.items() if layer.timing_only} == {"co_reply"}
    assert layers["co_text"].targets == "templates" and not layers["co_avatar"].tested
    assert set(declared_tables()) == {
        "edges",
        "text_clusters",
        "cluster_items",
        "account_signals",
        "gallery_matches",
        "face_matches",
    }
    signals = declared_signals()
    assert {"registration_cohort", "name_pattern", "office_hours", "page_focus"} <= set(signals)
    assert not any(s.flags_alone for s in signals.values())
    assert run_order(["coaction", "text_coordination", "near_duplicate"]) == [
        "near_duplicate",
        "text_coordination",
        "coaction",
    ]


def test_requires_orders_and_is_checked(extra_detectors):
    class Late(Detector):
        name = "late_signal"
        requires = ("coaction",)

    class Broken(Detector):
        name = "broken_signal"
        requires = ("no_such_detector",)

    register_detector(Late)
    assert run_order(["late_signal", "coaction"]) == ["coaction", "late_signal"]
    register_detector(Broken)
    with pytest.raises(BotwatchError, match="requires no_such_detector"):
        run_order(["broken_signal"])


def test_a_new_timing_only_layer_never_flags_alone(tmp_path, extra_detectors):
    """A plugin writes significant edges in its own timing-only layer; scoring reads the declaration, so the
    accounts are not flagged on timing alone (and a non-timing layer with the same edges flags them)."""

    def make(timing_only: bool):
        class SameMinute(Detector):
            name = "same_minute"
            description = "test layer"
            layers = (Layer("co_minute", "posted in the same minute as", timing_only=timing_only),)
            tables = ("edges",)
            settings = (Setting("fdr", 0.01, Interval(float, 0, 1), "false-discovery rate"),)

            def run(self, ctx):
                ctx.con.execute(
                    "INSERT INTO edges (run_id, platform, account_a, account_b, layer, weight, q_value, p_value, "
                    "significant, targets, evidence_item_ids) VALUES (?, 'test', 'u1', 'u2', 'co_minute', 5, "
                    "1e-6, 1e-7, true, ['p1'], ['i1', 'i2'])",
                    [ctx.run_id],
                )
                return {"edges": 1}

        return SameMinute

    rows = [comment(f"i{i}", f"u{i}", "p1", 60 * i, text=f"words of my own number {i}") for i in (1, 2)]
    for timing_only, expect in ((True, set()), (False, {"u1", "u2"})):
        register_detector(make(timing_only))
        with Case(tmp_path / f"c{timing_only}.duckdb") as case:
            insert_items(case, rows)
            run = detect_case(case, seed=1, only=["same_minute"]).run_id
            flagged = {
                r[0]
                for r in case.con.execute(
                    "SELECT account_id FROM account_scores WHERE run_id = ? AND flagged", [run]
                ).fetchall()
            }
            assert flagged == expect, (timing_only, flagged)


def test_account_signals_score_only_next_to_a_flagging_layer_unless_declared_to_flag(
    tmp_path, extra_detectors
):
    """A plugin writes a significant per-account signal for u1..u3 and a non-timing edge u1-u2. Declared without
    ``flags_alone``, the signal flags nobody, and adds evidence and score only to u1 and u2 (next to a flagging
    layer), never to u3; declared ``flags_alone``, it flags all three."""

    def make(flags_alone: bool):
        class Cohort(Detector):
            name = "test_cohort"
            description = "test signal"
            layers = (Layer("co_test", "did the same as"),)
            signals = (Signal("test_wave", "in a test wave", flags_alone=flags_alone),)
            tables = ("edges", "account_signals")

            def run(self, ctx):
                ctx.con.execute(
                    "INSERT INTO edges (run_id, platform, account_a, account_b, layer, weight, q_value, p_value, "
                    "significant, targets, evidence_item_ids) VALUES (?, 'test', 'u1', 'u2', 'co_test', 1, "
                    "NULL, NULL, true, ['p1'], [])",
                    [ctx.run_id],
                )
                for acct in ("u1", "u2", "u3"):
                    ctx.con.execute(
                        "INSERT INTO account_signals VALUES (?, 'test', ?, 'test_wave', 5, 0.1, 1e-9, 1e-8, true, "
                        "'W1', 'created in wave W1', [])",
                        [ctx.run_id, acct],
                    )
                return {}

        return Cohort

    rows = [comment(f"i{i}", f"u{i}", "p1", 3600 * i, text=f"words of my own number {i}") for i in (1, 2, 3)]
    for flags_alone, expect in ((False, set()), (True, {"u1", "u2", "u3"})):
        register_detector(make(flags_alone))
        with Case(tmp_path / f"c{flags_alone}.duckdb") as case:
            insert_items(case, rows)
            run = detect_case(case, seed=1, only=["test_cohort"]).run_id
            got = dict(
                case.con.execute(
                    "SELECT account_id, flagged FROM account_scores WHERE run_id = ? AND flagged", [run]
                ).fetchall()
            )
            assert set(got) == expect
            with_evidence = {
                r[0]
                for r in case.con.execute(
                    "SELECT account_id FROM evidence WHERE run_id = ? AND detector = 'test_wave'", [run]
                ).fetchall()
            }
            assert with_evidence == ({"u1", "u2", "u3"} if flags_alone else {"u1", "u2"})


def test_config_sections_and_values_are_checked(make_case):
    case = make_case()
    with pytest.raises(BotwatchError, match="unknown section.*near_dupicate"):
        detect_case(case, config={"near_dupicate": {"threshold": 0.5}})
    with pytest.raises(BotwatchError, match="unknown parameter.*treshold"):
        detect_case(case, config={"scoring": {"treshold": 0.5}})
    with pytest.raises(BotwatchError, match="'template_recurrence_alpha' parameter of scoring"):
        detect_case(case, config={"scoring": {"template_recurrence_alpha": 2}})
    with pytest.raises(BotwatchError, match=r"config \[campaigns\] must be a table"):
        detect_case(case, config={"campaigns": 3})


def test_the_report_shows_each_setting_as_a_config_file_names_it(tmp_path):
    import html as html_lib
    import json
    import re

    from botwatch.detectors.near_duplicate import NearDuplicateDetector
    from botwatch.report import write_report

    rows = [comment(f"i{i}", f"u{i}", "p1", 60 * i, text=f"words of my own number {i}") for i in range(3)]
    config = tmp_path / "mine.toml"
    config.write_text(
        "seed = 3\n[near_duplicate]\nthreshold = 0.7\n[focus_rhythm]\ntimezone = 'Asia/Almaty'\n"
    )
    with Case(tmp_path / "c.duckdb") as case:
        insert_items(case, rows)
        detect_case(case, config=str(config))
    page = write_report(tmp_path / "c.duckdb", tmp_path / "r.html").read_text("utf-8")
    threshold = next(s for s in NearDuplicateDetector.settings if s.name == "threshold")
    row = "<td><code>[near_duplicate]</code></td><td><code>threshold</code></td><td><code>0.7</code></td>"
    assert f"{row}<td>{threshold.help}</td>" in page
    assert "<td></td><td><code>seed</code></td><td><code>3</code></td>" in page
    assert "detectors.near_duplicate" not in page  # the run's internal key is not what a user types
    assert "versions.duckdb" in page  # recorded facts stay, in their own table
    # the table, typed into a config file as it reads, is accepted and reproduces the run's settings
    table = page[page.index('<table class="config">') :]
    table = table[: table.index("</table>")]
    lines, current = [], None
    for section, name, value in re.findall(
        r"<tr><td>(?:<code>\[(\w+)\]</code>)?</td><td><code>(\w+)</code></td><td><code>(.*?)</code></td>",
        table,
    ):
        if section and section != current:
            lines.append(f"[{section}]")
            current = section
        lines.append(f"{name} = {html_lib.unescape(value)}")
    assert lines[0] == "seed = 3" and "[scoring]" in lines
    again = tmp_path / "again.toml"
    again.write_text("\n".join(lines) + "\n")
    with Case(tmp_path / "c.duckdb") as case:
        detect_case(case, config=str(again))
        first, second = (
            {k: v for k, v in json.loads(c).items() if k not in ("summaries", "versions")}
            for (c,) in case.con.execute("SELECT config FROM runs ORDER BY run_id").fetchall()
        )
    assert first == second and first["detectors"]["near_duplicate"]["threshold"] == 0.7


def test_detect_keeps_a_memory_limit_the_case_was_opened_with(make_case):
    case = make_case(memory_limit="3GB")
    before = case.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    detect_case(case, seed=1)
    assert case.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == before


def test_a_bad_time_zone_is_refused_before_any_work(make_case):
    case = make_case()
    with pytest.raises(BotwatchError, match="'timezone' parameter of focus_rhythm must be an IANA time zone"):
        detect_case(case, config={"focus_rhythm": {"timezone": "Mars/Olympus"}})
    with pytest.raises(BotwatchError, match="'timezone' parameter of focus_rhythm"):
        detect_case(case, timezone="Mars/Olympus")


@pytest.mark.parametrize("seed", ["x", [1], 1.5, True, -1, 2**64])
def test_a_bad_seed_is_one_clear_error(make_case, seed):
    case = make_case()
    with pytest.raises(BotwatchError, match="seed must be a whole number"):
        detect_case(case, config={"seed": seed})


def test_detect_on_a_missing_case_creates_nothing(tmp_path):
    with pytest.raises(BotwatchError):
        detect_case(tmp_path / "missing" / "case.duckdb")
    assert not (tmp_path / "missing").exists()


def _flagged(case, run: int) -> set[str]:
    rows = case.con.execute("SELECT account_id FROM account_scores WHERE run_id = ? AND flagged", [run])
    return {r[0] for r in rows.fetchall()}


def test_a_layer_declared_untested_never_flags_alone(tmp_path, extra_detectors):
    """A plugin writes significant edges *with* q-values in a layer it declares untested (rule-based): scoring
    reads ``Layer.tested``, not the q-value, so the accounts are not flagged and the edge scores the fixed
    untested strength; the same edges declared tested flag them with strength 1 - q."""

    def make(tested: bool):
        class SameBio(Detector):
            name = "same_bio"
            description = "test layer"
            layers = (Layer("co_bio", "has the same bio as", targets="none", tested=tested),)
            tables = ("edges",)

            def run(self, ctx):
                ctx.con.execute(
                    "INSERT INTO edges (run_id, platform, account_a, account_b, layer, weight, q_value, p_value, "
                    "significant, targets, evidence_item_ids) VALUES (?, 'test', 'u1', 'u2', 'co_bio', 1, "
                    "1e-6, 1e-7, true, [], ['i1', 'i2'])",
                    [ctx.run_id],
                )
                return {"edges": 1}

        return SameBio

    rows = [comment(f"i{i}", f"u{i}", "p1", 60 * i, text=f"words of my own number {i}") for i in (1, 2)]
    for tested, expect, strength in ((False, set(), 0.5), (True, {"u1", "u2"}, 1 - 1e-6)):
        register_detector(make(tested))
        with Case(tmp_path / f"c{tested}.duckdb") as case:
            insert_items(case, rows)
            run = detect_case(case, seed=1, only=["same_bio"]).run_id
            assert _flagged(case, run) == expect, tested
            weights = case.con.execute(
                "SELECT DISTINCT weight FROM evidence WHERE run_id = ? AND detector = 'co_bio'", [run]
            ).fetchall()
            assert weights == [(pytest.approx(strength),)], tested


@pytest.fixture(scope="module")
def template_case(tmp_path_factory):
    """A case holding the text-coordination investigation (8 bots writing one template over 40 days)."""
    from test_detector_text_coordination import investigation

    path = tmp_path_factory.mktemp("requires") / "case.duckdb"
    rows, bots = investigation()
    with Case(path) as case:
        insert_items(case, rows)
    return path, set(bots)


def _co_text_accounts(case) -> set[str]:
    rows = case.con.execute(
        "SELECT account_a, account_b FROM edges WHERE layer = 'co_text' AND significant"
    ).fetchall()
    return {a for pair in rows for a in pair}


def test_only_runs_the_detectors_it_requires_library(template_case, copy_case):
    """``only=["text_coordination"]`` also runs near_duplicate, whose text clusters it reads (before, it ran
    alone on no clusters and found nothing)."""
    path, bots = template_case
    with Case(copy_case(path)) as case:
        result = detect_case(case, seed=1, only=["text_coordination"])
        assert result.required == {"near_duplicate": ["text_coordination"]}
        assert list(result.detectors) == ["near_duplicate", "text_coordination"]
        assert "also ran near_duplicate: required by text_coordination" in result.summary_text()
        assert _co_text_accounts(case) == bots


def test_only_runs_the_detectors_it_requires_cli(template_case, copy_case):
    from click.testing import CliRunner

    from botwatch.cli import cli

    path, bots = template_case
    copy = copy_case(path)
    out = CliRunner().invoke(cli, ["detect", str(copy), "--only", "text_coordination", "--seed", "1"])
    assert out.exit_code == 0, out.output
    assert "also ran near_duplicate: required by text_coordination" in out.output
    with Case(copy, read_only=True) as case:
        assert _co_text_accounts(case) == bots
        ran = case.con.execute("SELECT detectors FROM runs ORDER BY run_id DESC LIMIT 1").fetchall()[0][0]
    assert ran == ["near_duplicate", "text_coordination"]


def test_requirements_are_followed_through_each_other(extra_detectors):
    from botwatch.pipeline import _requirements

    class Late(Detector):
        name = "late_signal"
        requires = ("coaction",)

    register_detector(Late)
    names = ["near_duplicate", "text_coordination", "coaction", "late_signal"]
    assert _requirements(["late_signal"], names) == {
        "coaction": ["late_signal"],
        "near_duplicate": ["coaction", "text_coordination"],
        "text_coordination": ["coaction"],
    }
    assert _requirements(["coaction", "near_duplicate"], names) == {"text_coordination": ["coaction"]}
