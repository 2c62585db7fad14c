from botwatch.text.normalize import normalize_texts
from botwatch.text.template import extract_template, medoid_index


def test_template_marks_slots():
    texts = normalize_texts(
        [
            "Я сделал выбор за новый Казахстан! Наша семья отдаёт четыре голоса за Токаева!",
            "Мы сделали выбор за новый Казахстан, наша семья отдаёт пять голосов за Токаева",
            "Я сделал выбор за новый Казахстан. Наша семья отдаёт четыре голоса за Токаева",
            "Я сделал выбор за новый Казахстан! Наша родня отдаёт пять голосов за Токаева",
        ]
    )
    tmpl = extract_template(texts)
    assert tmpl.text == (
        "{я сделал/мы сделали} выбор за новый казахстан наша {семья/родня} отдает "
        "{пять голосов/четыре голоса} за токаева"
    )
    assert [s["position"] for s in tmpl.slots] == [0, 6, 8]
    assert tmpl.slots[0]["values"] == ["я сделал", "мы сделали"]


def test_template_elides_many_fillers_and_marks_empty():
    texts = [f"спасибо {name} за работу" for name in ["a", "b", "c", "d", "e", "f"]] + ["спасибо за работу"]
    tmpl = extract_template(texts, medoid=0)
    assert tmpl.text.startswith("спасибо {") and tmpl.text.endswith("} за работу")
    assert "…" in tmpl.text
    assert tmpl.slots[0]["n_values"] == 7 and "" in tmpl.slots[0]["values"]
    optional = extract_template(["очень хорошая новость", "хорошая новость", "хорошая новость"])
    assert optional.text == "{∅/очень} хорошая новость"


def test_identical_texts_have_no_slots_and_medoid():
    assert extract_template(["a b c", "a b c"]).text == "a b c"
    assert extract_template(["a b c", "a b c"]).slots == []
    assert medoid_index([["a", "b"], ["a", "b", "c"], ["a", "b", "c"], ["x"]]) == 1
