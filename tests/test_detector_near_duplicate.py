import json

import numpy as np
import pytest

import botwatch
from botwatch.detectors import BUILTIN_DETECTORS, get_detector_class
from botwatch.detectors.base import RunContext
from botwatch.detectors.near_duplicate import NearDuplicateDetector
from botwatch.errors import BotwatchError

VOCAB = (
    "дорога школа больница цены зарплата автобус вода газ свет аким район село город улица дом двор парк мост "
    "налог пенсия врач учитель очередь ремонт снег ветер жара рынок магазин хлеб молоко мясо бензин такси "
    "работа отпуск праздник погода новость вопрос ответ закон суд банк кредит ипотека семья дети внуки"
).split()
HOMOGLYPHS = str.maketrans({"о": "o", "а": "a", "е": "e", "р": "p", "с": "c"})
TEMPLATES = [
    ("Президент заботится о {a} и всегда думает о людях", ["народе", "казахстанцах", "людях", "стране"]),
    (
        "Я сделал выбор за новый Казахстан наша семья отдаёт {a} голосов за Токаева",
        ["четыре", "пять", "шесть"],
    ),
    ("Жаңа Қазақстан үшін {a} дауыс бердім бүкіл отбасымыз қолдайды", ["мен", "біз", "бәріміз"]),
]


def _rows():
    rng = np.random.default_rng(11)
    rows = []
    t0 = np.datetime64("2024-03-01T09:00:00")
    for i in range(30):  # organic: random sentences from a shared vocabulary
        words = rng.choice(VOCAB, size=rng.integers(6, 12), replace=False)
        rows.append(
            (f"o{i}", f"human{i}", t0 + np.timedelta64(int(rng.integers(0, 86400)), "s"), " ".join(words))
        )
    for t, (template, fillers) in enumerate(TEMPLATES):
        for k in range(8):
            text = template.replace("{a}", fillers[k % len(fillers)])
            if k % 3 == 1:
                text = text.translate(HOMOGLYPHS)  # Latin look-alikes inside the Cyrillic words
            if k % 4 == 2:
                text = text.upper() + "!!! 👍"
            if t == 2 and k % 2:  # Kazakh in the 2018 Latin alphabet
                text = text.replace("Жаңа Қазақстан үшін", "Jańa Qazaqstan úshin")
            rows.append((f"t{t}_{k}", f"bot{t}_{k}", t0 + np.timedelta64(3600 * t + 30 * k, "s"), text))
    for k in range(10):  # short and trivial: humans repeat these too
        rows.append((f"s{k}", f"human{k}", t0 + np.timedelta64(k, "s"), "Спасибо!" if k % 2 else "Молодец"))
    return rows


@pytest.fixture()
def case(tmp_path):
    with botwatch.Case(tmp_path / "c.duckdb") as c:
        c.con.executemany(
            "INSERT INTO items (platform, item_id, account_id, kind, created_at, text) "
            "VALUES ('test', ?, ?, 'comment', ?, ?)",
            [(i, a, t.astype("datetime64[us]").item(), x) for i, a, t, x in _rows()],
        )
        yield c


def _clusters(case, run_id=1):
    rows = case.con.execute(
        "SELECT cluster_id, list(account_id ORDER BY account_id) FROM cluster_items WHERE run_id = ? GROUP BY 1",
        [run_id],
    ).fetchall()
    return {cid: accounts for cid, accounts in rows}


def test_registered_first():
    assert next(iter(BUILTIN_DETECTORS)) == "near_duplicate"
    assert get_detector_class("near_duplicate") is NearDuplicateDetector


def test_recovers_exactly_the_planted_templates(case):
    summary = NearDuplicateDetector().run(RunContext(con=case.con, run_id=1, seed=1))
    assert summary["n_clusters"] == 3 and summary["n_items"] == 24
    found = sorted(_clusters(case).values())
    expected = sorted(sorted(f"bot{t}_{k}" for k in range(8)) for t in range(3))
    assert found == expected
    heads = case.con.execute(
        "SELECT cluster_id, template, slots, n_items, n_accounts, first_at < last_at, example_text "
        "FROM text_clusters WHERE run_id = 1 ORDER BY cluster_id"
    ).fetchall()
    assert [h[0] for h in heads] == ["T1", "T2", "T3"]
    assert all(h[3] == 8 and h[4] == 8 and h[5] for h in heads)
    # ordered by accounts, then first appearance: template 0 was posted first
    assert heads[0][1] == "президент заботится о {казахстанцах/людях/народе/стране} и всегда думает о людях"
    assert (
        heads[1][1]
        == "я сделал выбор за новый казахстан наша семья отдает {пять/четыре/шесть} голосов за токаева"
    )
    assert heads[2][1] == "жаңа қазақстан үшін {біз/мен/бәріміз} дауыс бердім бүкіл отбасымыз қолдайды"
    slots = [json.loads(h[2]) for h in heads]
    assert [s[0]["position"] for s in slots] == [3, 9, 3]
    assert sorted(slots[0][0]["values"]) == ["казахстанцах", "людях", "народе", "стране"]
    sims = case.con.execute(
        "SELECT min(similarity), max(similarity) FROM cluster_items WHERE run_id = 1"
    ).fetchone()
    assert 0.6 <= sims[0] < 1.0 and sims[1] == 1.0


def test_short_texts_are_not_clustered_and_min_accounts_applies(case):
    NearDuplicateDetector(min_tokens=1).run(RunContext(con=case.con, run_id=2, seed=1))
    assert len(_clusters(case, 2)) == 5  # "спасибо" and "молодец" by 5 people each now count
    NearDuplicateDetector(min_accounts=9).run(RunContext(con=case.con, run_id=3, seed=1))
    assert _clusters(case, 3) == {}


def test_same_clusters_for_other_seeds_and_rerun_replaces_rows(case):
    NearDuplicateDetector().run(RunContext(con=case.con, run_id=1, seed=1))
    first = _clusters(case)
    for seed in (2, 99):
        NearDuplicateDetector().run(RunContext(con=case.con, run_id=1, seed=seed))
        assert _clusters(case) == first
    n = case.con.execute("SELECT count(*) FROM text_clusters WHERE run_id = 1").fetchone()[0]
    assert n == 3


def test_homoglyph_switch_matters(case):
    NearDuplicateDetector().run(RunContext(con=case.con, run_id=3, seed=1))
    assert sorted(len(a) for a in _clusters(case, 3).values()) == [8, 8, 8]
    NearDuplicateDetector(homoglyphs=False).run(RunContext(con=case.con, run_id=4, seed=1))
    sizes = sorted(len(a) for a in _clusters(case, 4).values())
    # without folding, each template's copies with look-alike letters form a cluster of their own
    assert sizes == [3, 3, 3, 5, 5, 5]


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"threshold": 1.5},
            "The 'threshold' parameter of near_duplicate must be a float in the range [0.0, 1.0]. Got 1.5 instead.",
        ),
        (
            {"min_tokens": 0},
            "The 'min_tokens' parameter of near_duplicate must be an int in the range [1, inf].",
        ),
        (
            {"homoglyphs": "yes"},
            "The 'homoglyphs' parameter of near_duplicate must be a bool. Got 'yes' instead.",
        ),
    ],
)
def test_parameter_validation(case, params, message):
    with pytest.raises(BotwatchError) as err:
        NearDuplicateDetector(**params).run(RunContext(con=case.con, run_id=1, seed=1))
    assert str(err.value).startswith(message)
