import pyarrow as pa
import pytest

from botwatch.text.normalize import normalize_text, normalize_texts

PRAISE = "Спасибо Президенту за заботу о народе!"
# the same praise typed with Latin o/a/e/p/c inside the Cyrillic words (a typical nurbot disguise)
PRAISE_HOMOGLYPHS = "Cпacибo Пpeзидeнтy зa зaбoтy o нapoдe!!!"


def test_homoglyph_praise_matches_the_clean_one():
    assert normalize_text(PRAISE) == "спасибо президенту за заботу о народе"
    assert normalize_text(PRAISE_HOMOGLYPHS) == normalize_text(PRAISE)
    assert normalize_text("CПACИБO ПPEЗИДEHTY") == "спасибо президенту"


def test_homoglyphs_fold_by_majority_script_per_word():
    # Cyrillic look-alikes inside English words become Latin
    assert normalize_text("Thе prеsidеnt cаrеs аbout pеoplе") == "the president cares about people"
    # a word of look-alikes only follows the text: Latin "o" in a Russian sentence is Cyrillic "о"
    assert normalize_text("думает o людях") == "думает о людях"
    # Greek omicron in an English word
    assert normalize_text("wοrld") == "world"
    # real English words in a Russian text are left alone
    assert normalize_text("Смотрите YouTube канал") == "смотрите youtube канал"


def test_homoglyph_switch_off_keeps_mixed_words():
    assert normalize_text(PRAISE_HOMOGLYPHS, homoglyphs=False) != normalize_text(PRAISE)


@pytest.mark.parametrize(
    "latin",
    [
        "Jańa Qazaqstan úshin daýys berdim!",  # 2018 (acute) alphabet
        "Jaña Qazaqstan üşin dauıs berdim!",  # 2021 alphabet
    ],
)
def test_kazakh_latin_matches_cyrillic(latin):
    cyrillic = "Жаңа Қазақстан үшін дауыс бердім!"
    assert normalize_text(cyrillic) == "жаңа қазақстан үшін дауыс бердім"
    assert normalize_text(latin) == normalize_text(cyrillic)


def test_kazakh_latin_more_words():
    assert normalize_text("Táýelsizdik kúni qutty bolsyn!") == normalize_text(
        "Тәуелсіздік күні құтты болсын!"
    )
    assert normalize_text("Prezıdent Toqaev") == "президент тоқаев"
    assert normalize_text("Jańa Qazaqstan", kazakh_latin=False) == "jańa qazaqstan"


def test_english_is_not_taken_for_kazakh():
    assert normalize_text("I love Zürich, don't you?") == "i love zürich dont you"
    assert normalize_text("A quick question about the queue") == "a quick question about the queue"


def test_mentions_links_emoji_punctuation_numbers():
    text = (
        "@akim_almaty Молодцы!!! 👍🇰🇿 Подробнее: https://t.me/akorda/123 и nurotan.kz/news. 2024 год, 12,5%"
    )
    assert normalize_text(text) == "молодцы подробнее и 0 год 0"
    assert normalize_text(text, mentions=False).startswith("akim almaty молодцы")
    assert "https" in normalize_text(text, links=False)
    assert "👍" in normalize_text(text, emoji=False)
    assert normalize_text(text, numbers=False).endswith("2024 год 12 5")
    assert "!!!" in normalize_text(text, punctuation=False)


def test_vk_reply_mentions_are_removed():
    assert normalize_text("[id123456|Сергей], какой же вы молодец") == "какой же вы молодец"
    assert normalize_text("[club1|Tengri News] спасибо") == "спасибо"


def test_unicode_tricks():
    assert normalize_text("Ｍолодец") == "молодец"  # full-width Latin M inside a Cyrillic word
    assert normalize_text("мо\u200bло\u00adдец") == "молодец"  # zero-width space, soft hyphen
    assert normalize_text("моло\u0301дец") == "молодец"  # stress mark
    assert normalize_text("𝐒𝐩𝐚𝐬𝐢𝐛𝐨") == "spasibo"  # styled letters
    assert normalize_text("Ёлка   и\tёжик\n") == "елка и ежик"


def test_batch_matches_single_and_keeps_arrow():
    texts = [PRAISE, PRAISE_HOMOGLYPHS, None, "", "Jaña Qazaqstan üşin dauıs berdim", "Hello, WORLD"]
    as_list = normalize_texts(texts)
    assert as_list == [normalize_text(t) for t in texts]
    assert as_list[2] == "" and as_list[3] == ""
    as_arrow = normalize_texts(pa.chunked_array([pa.array(texts[:3]), pa.array(texts[3:])]))
    assert isinstance(as_arrow, pa.Array)
    assert as_arrow.to_pylist() == as_list
    assert normalize_texts([]) == []


def test_kazakh_whole_text_transliteration_matches_the_word_by_word_one():
    # the fast path transliterates a whole text at once; it must give what the word-by-word loop gives,
    # including и/й after и/й ("ıı", "yy"), digraphs, and words that mix Latin with other letters
    import random

    from botwatch.text.normalize import _WORD, _kazakh_text, _kazakh_token

    rng = random.Random(3)
    letters = "aıyuáǵńóúýäğñöşūüçqshchıaıýıo кқаиеыйxʻ1_-. Ωα×"
    for _ in range(20_000):
        text = "".join(rng.choice(letters) for _ in range(rng.randint(1, 20)))
        for modern in (True, False):
            expected = _WORD.sub(lambda m, modern=modern: _kazakh_token(m.group(), modern), text)
            assert _kazakh_text(text, modern) == expected, (text, modern)
    assert _kazakh_text("jańa qazaqstanġa", False) == "жаңа " + _kazakh_token("qazaqstanġa", False)
    assert _kazakh_text("ıı", False) == "ий"


def test_repeated_texts_are_normalised_once_with_the_same_result(monkeypatch):
    from botwatch.text import normalize

    texts = [PRAISE, PRAISE_HOMOGLYPHS, "Jaña Qazaqstan üşin dauıs berdim", None, "Hello, WORLD"] * 5_000
    distinct = normalize_texts(texts[:5])
    seen = []
    real = normalize._normalize_array
    monkeypatch.setattr(normalize, "_normalize_array", lambda arr, sw: seen.append(len(arr)) or real(arr, sw))
    assert normalize_texts(texts) == distinct * 5_000  # 25,000 texts, 5 distinct
    assert normalize_texts(pa.array(texts)).to_pylist() == distinct * 5_000
    assert seen == [5, 5]  # each call normalised only the 5 distinct texts


def test_fold_without_latin_or_greek_letters_returns_the_text(monkeypatch):
    # a text with no Latin or Greek letter leaves the homoglyph pass early; the full pass must agree, on texts
    # of Cyrillic look-alikes, Kazakh letters, digits, marks and symbols, and on ones with a Latin/Greek letter
    import random
    import re

    from botwatch.text import normalize

    rng = random.Random(5)
    letters = "аосехрікмтуәғқңөұүһиыйд 1._-!ß€ёѕјԁ" + "aocxpαο"
    texts = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 16))) for _ in range(20_000)]
    early = [normalize._fold_text(t, True, True) for t in texts]
    real = normalize._LAT_OR_GREEK

    class AlwaysFound:  # the early exit's search always finds a letter: every text takes the full pass
        search = staticmethod(lambda text: re.match("", text))
        findall = staticmethod(real.findall)

    monkeypatch.setattr(normalize, "_LAT_OR_GREEK", AlwaysFound)
    assert [normalize._fold_text(t, True, True) for t in texts] == early
    assert sum(e != t for e, t in zip(early, texts)) > 1000  # the full pass did fold many of them
