import json

import numpy as np
import pytest

import botwatch
from botwatch.detectors import detector_names, get_detector_class, run_order
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
def case(make_case):
    c = make_case()
    c.con.executemany(
        "INSERT INTO items (platform, item_id, account_id, kind, created_at, text) "
        "VALUES ('test', ?, ?, 'comment', ?, ?)",
        [(i, a, t.astype("datetime64[us]").item(), x) for i, a, t, x in _rows()],
    )
    return c


def _clusters(case, run_id=1):
    rows = case.con.execute(
        "SELECT cluster_id, list(account_id ORDER BY account_id) FROM cluster_items WHERE run_id = ? GROUP BY 1",
        [run_id],
    ).fetchall()
    return {cid: accounts for cid, accounts in rows}


def test_registered_and_run_first():
    order = run_order(detector_names())  # before every detector that reads its clusters
    assert order.index("near_duplicate") < min(order.index("text_coordination"), order.index("coaction"))
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


# -- paraphrase pass -----------------------------------------------------------------------------------------------
RU_CORE = "Президент заботится о простых людях и всегда думает о будущем нашего народа"
KK_CORE = "Біз жаңа Қазақстанды таңдадық, біздің отбасы Тоқаевқа төрт дауыс береді"
# each rewording also inflects words, so that no two of these texts share 0.6 of their word sets (first pass)
REWORDED = {
    "swap": "О будущем народа всегда думают и о простых людях заботился наш президент",
    "drop": "Президент позаботится о людях и подумает о будущем народа",
    "synonym": "Президент печётся о простом человеке и всегда думал о будущем нашего народа",
    "inflect": "Президенты заботились о простой людях и всегда думали о будущее нашему народу",
    "emoji": "👍👍 Президентом позаботимся о простому человеку 🇰🇿🇰🇿 и всегда думаем о будущим народу!!! 💪",
    "ru_kk_words": "Президенту позаботился о простого человека және әрқашан думающий о будущее нашего халқы",
    "kk_ru_words": "Біз жаңа Қазақстанды таңдаймыз, наша семья Тоқаевқа төрт дауыс береміз",
    "kk_names": "Жаңа Қазақстанды таңдадық, отбасымыз Токаеву төрт дауысын берді",
}
ORGANIC = {  # same subject, other sentences; short stock phrases; lone paraphrases of each other
    "org1": "Спасибо президенту за заботу о народе, дороги в нашем селе наконец отремонтировали",
    "org2": "Президент опять обещает заботиться о простых людях, а цены растут и народ беднеет",
    "org3": "Будущее страны зависит от простых людей, а не от президента и его чиновников",
    "org_kk": "Біздің отбасы жаңа үйге көшті, Тоқаевқа рахмет айтамыз бәріміз",
    "short1": "Спасибо президенту за заботу",
    "short2": "Президент думает о народе",
    "lone1": "Народ устал от пустых обещаний президента и чиновников про светлое будущее",
    "lone2": "Народы устали от пустого обещания президентов и чиновника про светлые будущие",
    "lone3": "Уставший народ от пустыми обещаниями президенту и чиновникам про светлом будущем",
}


def _paraphrase_rows(noise: int = 0):
    t0 = np.datetime64("2024-03-01T09:00:00")
    rows = []
    for k in range(4):  # the campaign's near-identical copies: the families the first pass finds
        ru = RU_CORE + ("!!!" if k % 2 else "") if k < 3 else RU_CORE.replace("простых людях", "гражданах")
        rows.append((f"ru{k}", f"bot_ru{k}", t0 + np.timedelta64(60 * k, "s"), ru))
        rows.append(
            (f"kk{k}", f"bot_kk{k}", t0 + np.timedelta64(60 * k + 30, "s"), KK_CORE + " 🇰🇿" * (k % 2))
        )
    for k, (name, text) in enumerate({**REWORDED, **ORGANIC}.items()):
        rows.append((name, f"acc_{name}", t0 + np.timedelta64(3600 + 60 * k, "s"), text))
    rng = np.random.default_rng(5)
    for i in range(noise):
        words = rng.choice(VOCAB, size=rng.integers(4, 12), replace=False)
        rows.append((f"n{i}", f"noise{i % 97}", t0 + np.timedelta64(7200 + i, "s"), " ".join(words)))
    return rows


@pytest.fixture()
def paraphrase_case(make_case):
    c = make_case("p.duckdb")
    c.con.executemany(
        "INSERT INTO items (platform, item_id, account_id, kind, created_at, text) "
        "VALUES ('test', ?, ?, 'comment', ?, ?)",
        [(i, a, t.astype("datetime64[us]").item(), x) for i, a, t, x in _paraphrase_rows()],
    )
    return c


def _members(case, run_id):
    rows = case.con.execute(
        "SELECT ci.cluster_id, list(ci.item_id ORDER BY ci.item_id), list(ci.similarity ORDER BY ci.item_id), "
        "any_value(tc.template) FROM cluster_items ci JOIN text_clusters tc USING (run_id, cluster_id) "
        "WHERE run_id = ? GROUP BY 1 ORDER BY 1",
        [run_id],
    ).fetchall()
    return {cid: (items, dict(zip(items, sims)), template) for cid, items, sims, template in rows}


def test_reworded_copies_join_their_templates_cluster(paraphrase_case):
    plain = NearDuplicateDetector(paraphrase=False).run(RunContext(con=paraphrase_case.con, run_id=1, seed=1))
    found = NearDuplicateDetector().run(RunContext(con=paraphrase_case.con, run_id=2, seed=1))
    ru_copies = sorted([f"ru{k}" for k in range(4)] + [k for k in REWORDED if not k.startswith("kk")])
    kk_copies = sorted([f"kk{k}" for k in range(4)] + [k for k in REWORDED if k.startswith("kk")])
    # the first pass finds the near-identical copies only
    assert sorted(items for items, _, _ in _members(paraphrase_case, 1).values()) == [
        [f"kk{k}" for k in range(4)],
        [f"ru{k}" for k in range(4)],
    ]
    clusters = _members(paraphrase_case, 2)
    assert sorted(items for items, _, _ in clusters.values()) == sorted([kk_copies, ru_copies])
    # nothing organic: same-subject sentences, short stock phrases, and lone texts that paraphrase each other
    # (no near-duplicate family to join) stay out
    assert not set(ORGANIC) & {i for items, _, _ in clusters.values() for i in items}
    for items, sims, _ in clusters.values():
        for item in items:  # joined through the paraphrase pass: minus the term-set Jaccard with the medoid
            assert (sims[item] < 0) == (item in REWORDED)
            assert 0.45 <= abs(sims[item]) <= 1.0
    # the templates come from the near-identical copies alone, as without the paraphrase pass
    assert sorted(t for _, _, t in clusters.values()) == sorted(
        t for _, _, t in _members(paraphrase_case, 1).values()
    )
    assert plain["n_paraphrase_pairs"] == 0 and plain["n_paraphrase_items"] == 0
    assert found["n_paraphrase_items"] == len(REWORDED) and found["n_items"] == 8 + len(REWORDED)


def test_paraphrase_threshold_and_min_terms(paraphrase_case):
    NearDuplicateDetector(paraphrase_threshold=0.95).run(
        RunContext(con=paraphrase_case.con, run_id=3, seed=1)
    )
    joined = {i for items, _, _ in _members(paraphrase_case, 3).values() for i in items} & set(REWORDED)
    assert joined == {"swap", "inflect", "emoji"}  # the rewordings with exactly the template's terms
    NearDuplicateDetector(paraphrase_min_terms=9).run(RunContext(con=paraphrase_case.con, run_id=4, seed=1))
    assert not {i for items, _, _ in _members(paraphrase_case, 4).values() for i in items} & set(REWORDED)


@pytest.mark.slow
def test_paraphrase_results_do_not_depend_on_threads_or_seed(tmp_path, monkeypatch):
    from botwatch.text import minhash, normalize

    monkeypatch.setattr(normalize, "PARALLEL_MIN_TEXTS", 10)
    monkeypatch.setattr(minhash, "PARALLEL_MIN_TEXTS", 10)
    with botwatch.Case(tmp_path / "t.duckdb") as case:
        case.con.executemany(
            "INSERT INTO items (platform, item_id, account_id, kind, created_at, text) "
            "VALUES ('test', ?, ?, 'comment', ?, ?)",
            [(i, a, t.astype("datetime64[us]").item(), x) for i, a, t, x in _paraphrase_rows(noise=400)],
        )
        results = []
        for run_id, (threads, seed) in enumerate([("1", 1), ("4", 1), ("4", 7)], start=1):
            monkeypatch.setenv("BOTWATCH_THREADS", threads)
            NearDuplicateDetector().run(RunContext(con=case.con, run_id=run_id, seed=seed))
            results.append(
                case.con.execute(
                    "SELECT cluster_id, item_id, similarity FROM cluster_items WHERE run_id = ? ORDER BY 1, 2",
                    [run_id],
                ).fetchall()
            )
    assert len(results[0]) >= 8 + len(REWORDED)
    assert results[0] == results[1] == results[2]
