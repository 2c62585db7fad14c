"""Paraphrase-robust matching against plain MinHash: recall of reworded copies, pairwise precision, seconds.

    python benchmarks/paraphrase.py tune --n 100000
    python benchmarks/paraphrase.py compare --sizes 100000 1000000 --intensities 0 0.1 0.25 0.5

Ten templates of government praise written for this benchmark (Russian, Kazakh and mixed; every clause has a
Russian and a Kazakh version; braces are the campaign's own slots, filled at random for every copy) are posted by
campaign accounts into a background of organic comments composed from word lists: Russian (random lemmas from
topic lists in random inflected forms, with function words), Kazakh (stems with random suffixes), English, and
same-topic organic praise (the templates' own vocabulary - президент, Токаев, народ, забота, выборы, голос,
Қазақстан, халық ... - mixed with everyday words, in other orders and forms). 2 % of the comments are campaign
copies; each copy draws its own slot fillers and end punctuation.

**Paraphrase intensity** ``p``: each of six rewording operations is applied to a copy independently with
probability ``p`` (so at 0.5 a copy gets three on average and only 1/64 of the copies none):

- ``swap``: the clauses in another order;
- ``drop``: one or two words dropped;
- ``synonym``: one or two words replaced by a synonym (hand-written table);
- ``inflect``: one to three words in another form (hand-written table for the templates' words - заботится ->
  позаботился, народе -> народа/народу, таңдадық -> таңдаймыз - else another form of the same pymorphy3 lexeme);
- ``emoji``: emoji and punctuation inserted;
- ``mix``: one clause replaced by its version in the other language (Russian <-> Kazakh).

Measured on ``near_duplicate``'s own per-platform step (normalisation, both passes, union-find, medoids,
templates), with ``min_accounts`` 3:

- **recall**: a template's main cluster is the reported cluster holding most of its copies; recall is the share
  of its (reworded) copies in it, pooled over the templates of a half;
- **pairwise precision**: over pairs of items in one reported cluster with at least one campaign copy, the share
  whose two items are copies of the same template (a copy with an organic comment or with another template's copy
  is a false pair); also the organic comments in any reported cluster (``organic clustered``);
- templates 0, 1, 3, 4, 9 are the **tuning half** (``tune`` chooses ``paraphrase_threshold`` and
  ``paraphrase_min_terms`` on them), 2, 5, 6, 7, 8 the **held-out half**.

Each run is a fresh child process (wall time and peak RSS from ``_measure.run_measured``; the time of the
detector step alone is measured inside it). Data are written once per size, intensity and seed under
``--work``. Results are printed as Markdown and written to ``<work>/paraphrase_results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _measure import code_state, measurement_row, run_measured  # noqa: E402

# -- templates -------------------------------------------------------------------------------------------------
# (clauses as (Russian, Kazakh), the language of each clause in the template as posted)
TEMPLATES: list[tuple[list[tuple[str, str]], tuple[str, ...]]] = [
    (  # 0 ru
        [
            (
                "Президент {заботится|печётся} о {народе|людях|простых людях}",
                "Президент {халыққа|елге} қамқорлық жасайды",
            ),
            (
                "и всегда думает о {будущем страны|нашем будущем}",
                "және әрқашан {елдің болашағын|болашағымызды} ойлайды",
            ),
        ],
        ("ru", "ru"),
    ),
    (  # 1 kk
        [
            ("Мы выбрали новый Казахстан", "Біз жаңа Қазақстанды таңдадық"),
            (
                "наша семья отдаст {четыре|пять|шесть} голосов за Токаева",
                "біздің отбасы Тоқаевқа {төрт|бес|алты} дауыс береді",
            ),
        ],
        ("kk", "kk"),
    ),
    (  # 2 ru
        [
            (
                "Благодаря {реформам|преобразованиям} Касым-Жомарта Кемелевича",
                "Қасым-Жомарт Кемелұлының {реформаларының|өзгерістерінің} арқасында",
            ),
            (
                "жизнь в {нашем селе|нашем ауле|регионе} стала заметно лучше",
                "{біздің ауылда|өңірде} өмір айтарлықтай жақсарды",
            ),
            ("{спасибо|благодарим} за это", "бұл үшін {рахмет|алғыс айтамыз}"),
        ],
        ("ru", "ru", "ru"),
    ),
    (  # 3 kk + ru
        [
            ("Новый Казахстан - справедливый Казахстан", "Жаңа Қазақстан - {әділетті|әділ} Қазақстан"),
            (
                "вместе мы {построим|создадим} сильную и процветающую страну",
                "бірге біз күшті әрі гүлденген ел {құрамыз|саламыз}",
            ),
        ],
        ("kk", "ru"),
    ),
    (  # 4 ru
        [
            (
                "Наконец-то {навели порядок|наводят порядок} в {стране|государстве}",
                "Ақыры елде тәртіп орнатылды",
            ),
            (
                "коррупционеры больше не {смогут|будут} воровать у народа",
                "жемқорлар енді халықтан {ұрлай алмайды|ұрламайды}",
            ),
        ],
        ("ru", "ru"),
    ),
    (  # 5 kk
        [
            (
                "Полностью поддерживаю Послание Президента",
                "Президенттің Жолдауын толық {қолдаймын|құптаймын}",
            ),
            (
                "эта программа поможет {каждой семье|всем гражданам}",
                "{бұл|осы} бағдарлама {әр отбасына|барлық азаматтарға} көмектеседі",
            ),
        ],
        ("kk", "kk"),
    ),
    (  # 6 ru
        [
            (
                "Голосую за {стабильность|мир} и {процветание|развитие} нашей Родины",
                "Отанымыздың тұрақтылығы мен өркендеуі үшін дауыс беремін",
            ),
            (
                "{все на выборы|приходите на выборы} двадцатого ноября",
                "жиырмасы қарашада сайлауға келіңіздер",
            ),
        ],
        ("ru", "ru"),
    ),
    (  # 7 ru + kk + ru
        [
            ("Токаев наш лидер", "Тоқаев біздің көшбасшымыз"),
            ("он {слушает|слышит} голос народа", "ол халықтың сөзін {тыңдайды|естиді}"),
            ("{поддерживаем|одобряем} курс президента", "президенттің бағытын {қолдаймыз|құптаймыз}"),
        ],
        ("ru", "kk", "ru"),
    ),
    (  # 8 ru
        [
            (
                "Цены на {продукты|бензин} стабилизировались благодаря мерам правительства",
                "Үкіметтің шараларының арқасында {азық-түлік|бензин} бағасы тұрақтанды",
            ),
            ("пенсии и зарплаты {растут|повышаются} каждый год", "зейнетақы мен жалақы жыл сайын өсуде"),
        ],
        ("ru", "ru"),
    ),
    (  # 9 kk
        [
            (
                "Глава государства дал большие возможности {молодежи|студентам}",
                "Мемлекет басшысы {жастарға|студенттерге} үлкен мүмкіндік берді",
            ),
            (
                "мы {полностью|всем сердцем} поддерживаем его политику",
                "біз оның саясатын {толығымен|бар жүрекпен} қолдаймыз",
            ),
        ],
        ("kk", "kk"),
    ),
]
TUNE = (0, 1, 3, 4, 9)
HELD_OUT = (2, 5, 6, 7, 8)
OPS = ("swap", "drop", "synonym", "inflect", "emoji", "mix")

SYNONYMS = {
    # Russian
    "президент": ["глава государства", "лидер страны"],
    "заботится": ["беспокоится", "радеет"],
    "печётся": ["беспокоится", "радеет"],
    "всегда": ["постоянно", "неизменно"],
    "думает": ["размышляет", "помнит"],
    "будущем": ["завтрашнем дне", "перспективах"],
    "выбрали": ["избрали", "предпочли"],
    "семья": ["родня", "семейство"],
    "отдаст": ["подарит", "даст"],
    "благодаря": ["из-за", "в результате"],
    "жизнь": ["житье", "быт"],
    "заметно": ["значительно", "намного"],
    "лучше": ["краше", "легче"],
    "справедливый": ["честный", "правильный"],
    "сильную": ["мощную", "крепкую"],
    "процветающую": ["богатую", "успешную"],
    "страну": ["державу", "родину"],
    "наконец-то": ["наконец", "в конце концов"],
    "порядок": ["дисциплину", "законность"],
    "коррупционеры": ["взяточники", "казнокрады"],
    "воровать": ["красть", "грабить"],
    "полностью": ["целиком", "всецело"],
    "поддерживаю": ["одобряю", "разделяю"],
    "программа": ["инициатива", "стратегия"],
    "поможет": ["поддержит", "облегчит жизнь"],
    "голосую": ["отдаю голос", "выступаю"],
    "родины": ["отчизны", "отечества"],
    "лидер": ["вождь", "руководитель"],
    "курс": ["политику", "линию"],
    "цены": ["расценки", "стоимость"],
    "стабилизировались": ["выровнялись", "перестали расти"],
    "мерам": ["решениям", "действиям"],
    "растут": ["увеличиваются", "поднимаются"],
    "большие": ["огромные", "широкие"],
    "возможности": ["шансы", "перспективы"],
    "политику": ["курс", "линию"],
    # Kazakh
    "таңдадық": ["сайладық", "қаладық"],
    "отбасы": ["үй-іші", "әулеті"],
    "қамқорлық": ["жанашырлық", "көмек"],
    "әрқашан": ["үнемі", "ылғи"],
    "ойлайды": ["уайымдайды", "ескереді"],
    "арқасында": ["нәтижесінде", "көмегімен"],
    "жақсарды": ["түзелді", "оңалды"],
    "күшті": ["мықты", "қуатты"],
    "гүлденген": ["бай", "дамыған"],
    "тәртіп": ["реттілік", "заң үстемдігі"],
    "жемқорлар": ["парақорлар", "ұрылар"],
    "толық": ["түгел", "бүтіндей"],
    "көмектеседі": ["жәрдемдеседі", "қолдау көрсетеді"],
    "көшбасшымыз": ["басшымыз", "жетекшіміз"],
    "тұрақтанды": ["түзелді", "орнықты"],
    "үлкен": ["зор", "мол"],
    "мүмкіндік": ["жол", "мүмкіншілік"],
}
INFLECT = {
    "заботится": ["позаботился", "заботился", "позаботится"],
    "печётся": ["пёкся", "пекутся"],
    "народе": ["народа", "народу", "народ"],
    "людях": ["людей", "людям", "люди"],
    "думает": ["думал", "подумает", "думают"],
    "выбрали": ["выбираем", "выбрал", "выберем"],
    "отдаст": ["отдает", "отдадим", "отдала"],
    "голосов": ["голоса", "голос"],
    "стала": ["становится", "стало", "станет"],
    "построим": ["построили", "строим", "построит"],
    "навели": ["навел", "наведут"],
    "поддерживаю": ["поддержал", "поддерживаем", "поддержу"],
    "поможет": ["помогает", "помогла", "помогут"],
    "голосую": ["проголосую", "голосовал", "проголосовали"],
    "поддерживаем": ["поддержим", "поддерживал", "поддерживаю"],
    "растут": ["выросли", "росли", "будут расти"],
    "дал": ["дает", "даст", "дали"],
    # Kazakh
    "таңдадық": ["таңдаймыз", "таңдадым", "таңдаймын"],
    "береді": ["береміз", "берді", "бердік"],
    "қазақстанды": ["қазақстанға", "қазақстан", "қазақстанымызды"],
    "отбасы": ["отбасымыз", "отбасым", "отбасымен"],
    "тоқаевқа": ["тоқаевты", "тоқаевтың", "тоқаев"],
    "дауыс": ["дауысын", "дауысымызды"],
    "ойлайды": ["ойлады", "ойлап жүр"],
    "жақсарды": ["жақсаруда", "жақсара түсті"],
    "қолдаймын": ["қолдаймыз", "қолдадым", "қолдайтынымды білдіремін"],
    "көмектеседі": ["көмектесті", "көмектесуде"],
    "қолдаймыз": ["қолдадық", "қолдаймын"],
    "берді": ["беруде", "береді", "берген"],
    "өсуде": ["өсті", "өседі"],
}
EMOJI = ["👍", "🇰🇿", "❤️", "👏", "💪", "🙏", "!!!", "!", "...", ","]
END = ["", ".", "!", "!", "!!", "!!!", "...", " 👍", " 🇰🇿"]

# -- organic vocabulary ----------------------------------------------------------------------------------------
RU_LEMMAS = """
дорога школа больница цена зарплата автобус вода газ свет аким район село город улица дом двор парк мост налог
пенсия врач учитель очередь ремонт снег ветер жара рынок магазин хлеб молоко мясо бензин такси работа отпуск
праздник погода новость вопрос ответ закон суд банк кредит ипотека семья ребёнок внук сосед друг машина поезд
самолёт билет квартира аренда счёт коммуналка интернет телефон сеть кабель отопление батарея подъезд лифт крыша
мусор дворник пробка светофор тротуар яма асфальт трасса остановка маршрут водитель пассажир студент экзамен урок
детсад воспитатель поликлиника лекарство аптека больничный страховка зуб операция скорая пожар полиция штраф
камера чиновник депутат министр министерство бюджет деньги тенге доллар курс рубль кризис бизнес предприниматель
фермер урожай зерно скот корм трактор поле вода арык засуха дождь град весна лето осень зима утро вечер ночь
неделя месяц год праздник концерт футбол команда матч тренер спорт зал фильм сериал книга музыка песня театр
новый старый хороший плохой большой маленький дорогой дешёвый грязный чистый тёплый холодный быстрый медленный
длинный короткий высокий низкий сломанный целый местный городской сельский районный областной частный
строить чинить ремонтировать ждать платить покупать продавать ехать идти работать учиться лечить звонить писать
говорить обещать делать жаловаться искать найти открыть закрыть поднять снизить отключить включить убрать
вывезти проверить помочь увидеть понять знать хотеть мочь начать закончить приехать уехать вернуть потерять
опять снова вчера сегодня завтра долго быстро медленно наконец почему когда где куда зачем сколько
""".split()
RU_FUNCTION = "и в на не что с по за о а но как это все так же уже у к из от до для при или ли бы вот".split()
PRAISE_RU = """
президент токаев касым-жомарт глава государство власть правительство народ люди гражданин страна казахстан
родина будущее забота выбор выборы голос голосование реформа порядок справедливость стабильность развитие
процветание поддержка программа послание курс политика лидер единство мир молодёжь семья спасибо благодарность
заботиться думать поддерживать голосовать выбрать строить верить доверять благодарить одобрять уважать
справедливый новый сильный честный мудрый правильный великий родной светлый счастливый
""".split()
KK_STEMS = """
жол мектеп аурухана баға жалақы автобус су газ жарық әкім аудан ауыл қала көше үй аула саябақ көпір салық
зейнетақы дәрігер мұғалім кезек жөндеу қар жел ыстық базар дүкен нан сүт ет бензин такси жұмыс демалыс мереке
ауа-райы жаңалық сұрақ жауап заң сот банк несие отбасы бала немере көрші дос көлік пойыз билет пәтер ақша теңге
бағдарлама егін мал шөп тракторист дала жаңбыр көктем жаз күз қыс таң кеш түн апта ай жыл ойын команда кітап
ән театр жақсы жаман үлкен кішкентай қымбат арзан таза лас жылы суық жаңа ескі жасау күту төлеу сату бару
келу оқу емдеу сөйлеу жазу айту көру білу қалау бастау аяқтау қайту іздеу табу ашу жабу тексеру көмектесу
""".split()
PRAISE_KK = """
президент тоқаев мемлекет басшы үкімет халық азамат ел қазақстан отан болашақ қамқорлық таңдау сайлау дауыс
реформа тәртіп әділет тұрақтылық даму өркендеу қолдау бағдарлама жолдау бағыт саясат көшбасшы бірлік бейбітшілік
жастар отбасы рахмет алғыс қолдау сену сенім құрметтеу жаңа күшті әділ дана ұлы туған жарқын бақытты
""".split()
KK_SUFFIXES = (
    [
        "",
        "",
        "",
        "",
        "ды",
        "ді",
        "ны",
        "ні",
        "ға",
        "ге",
        "қа",
        "ке",
        "да",
        "де",
        "та",
        "те",
        "дан",
        "ден",
        "нан",
    ]
    + ["нен", "ның", "нің", "дың", "дің", "лар", "лер", "дар", "дер", "тар", "тер", "мыз", "міз", "ым", "ім"]
    + ["ымыз", "іміз", "ы", "і", "сы", "сі", "мен", "пен", "бен", "дағы", "дегі", "ып", "іп", "ады", "еді"]
)
KK_FUNCTION = "және мен біз олар бұл осы сол үшін да де ғой ма бірақ енді әлі тағы өте".split()
EN_WORDS = """
the a and to of in is it for on that this with was are be have not but they you we our my so just like road
school hospital price salary bus water gas power mayor district village city street house park bridge tax
pension doctor teacher queue repair snow wind heat market shop bread milk meat fuel taxi work holiday weather
news question answer law court bank loan family child neighbour friend car train ticket flat rent bill internet
phone good bad big small expensive cheap dirty clean warm cold fast slow new old broken local build fix wait
pay buy sell go work study call write say promise make complain look find open close again today tomorrow
yesterday finally why when where how much president government people country vote election reform future
support thanks great strong fair leader
""".split()


# -- generation ------------------------------------------------------------------------------------------------
def _fill(text: str, rng: np.random.Generator) -> str:
    return re.sub(
        r"\{([^{}]*)\}", lambda m: (opts := m.group(1).split("|"))[int(rng.integers(len(opts)))], text
    )


def _other_forms(word: str, morph) -> list[str]:
    """Other forms of a Russian word from pymorphy3's lexeme of its first parse."""
    if not re.fullmatch(r"[а-яё-]+", word) or not morph.word_is_known(word):
        return []
    forms = {f.word for f in morph.parse(word)[0].lexeme}
    return sorted(forms - {word})


def make_copy(t: int, p: float, rng: np.random.Generator, morph) -> tuple[str, int]:
    """One copy of template ``t`` reworded at intensity ``p``; returns (text, bitmask of OPS applied)."""
    clauses, langs = TEMPLATES[t]
    chosen = list(langs)
    ops = 0
    applied = [rng.random() < p for _ in OPS]
    if applied[OPS.index("mix")]:
        c = int(rng.integers(len(chosen)))
        chosen[c] = "kk" if chosen[c] == "ru" else "ru"
    parts = [_fill(clauses[c][0 if lang == "ru" else 1], rng) for c, lang in enumerate(chosen)]
    order = list(range(len(parts)))
    if applied[OPS.index("swap")]:
        while order == sorted(order):
            order = list(rng.permutation(len(parts)))
    words = [[w for w in parts[c].split()] for c in order]
    flat = [(c, i) for c in range(len(words)) for i in range(len(words[c]))]

    def pick(candidates, k):
        if not candidates:
            return []
        idx = rng.choice(len(candidates), size=min(k, len(candidates)), replace=False)
        return [candidates[int(i)] for i in idx]

    if applied[OPS.index("synonym")]:
        cand = [(c, i) for c, i in flat if words[c][i].lower() in SYNONYMS]
        for c, i in pick(cand, int(rng.integers(1, 3))):
            alts = SYNONYMS[words[c][i].lower()]
            words[c][i] = alts[int(rng.integers(len(alts)))]
    if applied[OPS.index("inflect")]:
        cand = [
            (c, i)
            for c, i in flat
            if words[c][i].lower() in INFLECT or _other_forms(words[c][i].lower(), morph)
        ]
        for c, i in pick(cand, int(rng.integers(1, 4))):
            w = words[c][i].lower()
            alts = INFLECT.get(w) or _other_forms(w, morph)
            words[c][i] = alts[int(rng.integers(len(alts)))]
    if applied[OPS.index("drop")]:
        for c, i in sorted(pick(flat, int(rng.integers(1, 3))), reverse=True):
            if len(words[c]) > 1:
                words[c][i] = ""
    text = ", ".join(" ".join(w for w in ws if w) for ws in words)
    if applied[OPS.index("emoji")]:
        tokens = text.split()
        for _ in range(int(rng.integers(1, 4))):
            pos = int(rng.integers(len(tokens) + 1))
            tokens.insert(pos, EMOJI[int(rng.integers(len(EMOJI)))])
        text = " ".join(tokens)
    for k, on in enumerate(applied):
        ops |= int(on) << k
    return text + END[int(rng.integers(len(END)))], ops


def _russian_forms(lemmas: list[str], morph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All forms of each lemma (pymorphy3 lexeme): (forms, offsets, counts) for vectorised sampling."""
    forms, counts = [], []
    for lemma in lemmas:
        lex = sorted({f.word for f in morph.parse(lemma)[0].lexeme}) or [lemma]
        forms.extend(lex)
        counts.append(len(lex))
    counts = np.array(counts)
    return np.array(forms, dtype=object), np.cumsum(counts) - counts, counts


def _bags(rng, n, n_words, pools):
    """``n`` texts of ``n_words`` words each; ``pools`` is a list of (share, sampler(k) -> array of words)."""
    total = int(n_words.sum())
    which = rng.choice(len(pools), size=total, p=[s for s, _ in pools])
    words = np.empty(total, dtype=object)
    for k, (_, sample) in enumerate(pools):
        at = np.flatnonzero(which == k)
        words[at] = sample(len(at))
    ends = np.cumsum(n_words)
    return [" ".join(words[e - m : e]) for e, m in zip(ends.tolist(), n_words.tolist())]


RU_SYLLABLES = "ба ва га да жа за ка ла ма на па ра са та фа ха ча ша бо во го до ко ло мо но по ро со то ли ми ни ри си ти ду ку лу му ну ру су ту ен ем ер ес ет ой ый ий ая ое ост ник ск ств ов ев ин".split()
KK_SYLLABLES = "ба бе да де жа же қа ке ла ле ма ме на не са се та те ар ер ас ес ақ ек ан ен ау еу ғы гі қы кі лы лі ны ні ұр үр ол өл ым ім ың ің ша ше".split()


def _made_up(rng: np.random.Generator, syllables: list[str], n: int) -> np.ndarray:
    """``n`` distinct made-up words of 2-4 syllables: the long tail of a comment section's vocabulary."""
    words: set[str] = set()
    while len(words) < n:
        k = rng.integers(2, 5, size=n)
        syl = rng.integers(len(syllables), size=(n, 4))
        words.update("".join(syllables[j] for j in syl[i, : k[i]]) for i in range(n))
    return np.array(sorted(words)[:n], dtype=object)


def make_organic(n: int, rng: np.random.Generator, morph) -> tuple[list[str], np.ndarray]:
    """Organic comments and their kind (0 ru, 1 kk, 2 en, 3 ru praise, 4 kk praise): words from topic lists (in
    random inflected forms), function words and a Zipf long tail of made-up words."""
    kind = rng.choice(5, size=n, p=[0.45, 0.17, 0.1, 0.2, 0.08])
    ru_forms, ru_off, ru_cnt = _russian_forms(RU_LEMMAS, morph)
    pr_forms, pr_off, pr_cnt = _russian_forms(PRAISE_RU, morph)
    zipf = lambda m: (w := 1 / np.arange(1, m + 1) ** 0.9) / w.sum()  # noqa: E731
    p_ru, p_pr = zipf(len(RU_LEMMAS)), zipf(len(PRAISE_RU))
    p_kk, p_pk = zipf(len(KK_STEMS)), zipf(len(PRAISE_KK))
    tail_ru, tail_kk = _made_up(rng, RU_SYLLABLES, 30_000), _made_up(rng, KK_SYLLABLES, 30_000)
    tail_en = np.array(
        [w[::-1] + w for w in EN_WORDS] + ["".join(p) for p in zip(EN_WORDS, EN_WORDS[7:])], object
    )
    p_tail = zipf(30_000)

    def forms(off, cnt, p):
        def sample(k):
            lem = rng.choice(len(p), size=k, p=p)
            return off[lem] + (rng.random(k) * cnt[lem]).astype(np.int64)

        return sample

    ru_s, pr_s = forms(ru_off, ru_cnt, p_ru), forms(pr_off, pr_cnt, p_pr)
    suff = np.array(KK_SUFFIXES, dtype=object)

    def kk(stems, p):
        arr = np.array(stems, dtype=object)
        return lambda k: arr[rng.choice(len(arr), size=k, p=p)] + suff[rng.integers(len(suff), size=k)]

    def tail(words):
        return lambda k: words[
            rng.choice(len(words), size=k, p=p_tail if len(words) == len(p_tail) else None)
        ]

    pools = {
        0: [
            (0.35, lambda k: ru_forms[ru_s(k)]),
            (0.35, tail(tail_ru)),
            (0.3, lambda k: rng.choice(RU_FUNCTION, size=k)),
        ],
        1: [
            (0.4, kk(KK_STEMS, p_kk)),
            (0.4, tail(tail_kk)),
            (0.2, lambda k: rng.choice(KK_FUNCTION, size=k)),
        ],
        2: [(0.6, lambda k: rng.choice(EN_WORDS, size=k)), (0.4, tail(tail_en))],
        3: [
            (0.4, lambda k: pr_forms[pr_s(k)]),
            (0.2, lambda k: ru_forms[ru_s(k)]),
            (0.15, tail(tail_ru)),
            (0.25, lambda k: rng.choice(RU_FUNCTION, size=k)),
        ],
        4: [
            (0.45, kk(PRAISE_KK, p_pk)),
            (0.2, kk(KK_STEMS, p_kk)),
            (0.15, tail(tail_kk)),
            (0.2, lambda k: rng.choice(KK_FUNCTION, size=k)),
        ],
    }
    texts = np.empty(n, dtype=object)
    for k, pool in pools.items():
        at = np.flatnonzero(kind == k)
        n_words = np.clip(rng.lognormal(2.2, 0.45, size=len(at)).astype(int), 3, 40)
        texts[at] = _bags(rng, len(at), n_words, pool)
    caps = rng.random(n) < 0.5
    end = np.array(END, dtype=object)[rng.integers(len(END), size=n)]
    out = [
        (t[:1].upper() + t[1:] if c else t) + e
        for t, c, e in zip(texts.tolist(), caps.tolist(), end.tolist())
    ]
    return out, kind


def generate(n: int, intensity: float, seed: int, planted_share: float = 0.02) -> dict:
    """Texts, accounts, template label (-1 organic), rewording ops and organic kind for ``n`` comments."""
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer(lang="ru")
    rng = np.random.default_rng([seed, int(round(intensity * 1000)), n])
    n_planted = int(round(n * planted_share))
    organic, kind = make_organic(n - n_planted, np.random.default_rng([seed, n]), morph)
    label = np.concatenate([np.full(n - n_planted, -1), rng.integers(len(TEMPLATES), size=n_planted)])
    copies = [make_copy(int(t), intensity, rng, morph) for t in label[n - n_planted :]]
    texts = organic + [c[0] for c in copies]
    ops = np.concatenate([np.zeros(n - n_planted, np.int64), np.array([c[1] for c in copies], np.int64)])
    n_people = max(1000, n // 5)
    pool = 60  # accounts per campaign
    account = np.concatenate(
        [
            rng.integers(n_people, size=n - n_planted),
            n_people + label[n - n_planted :] * pool + rng.integers(pool, size=n_planted),
        ]
    )
    order = rng.permutation(n)  # interleave campaign copies with the background
    return {
        "text": [texts[i] for i in order],
        "account": account[order],
        "label": label[order],
        "ops": ops[order],
        "kind": np.concatenate([kind, np.full(n_planted, -1)])[order],
    }


# -- measuring -------------------------------------------------------------------------------------------------
def _data_path(work: Path, n: int, intensity: float, seed: int) -> Path:
    return work / f"paraphrase_n{n}_p{int(round(intensity * 100))}_s{seed}.parquet"


def ensure_data(work: Path, n: int, intensity: float, seed: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = _data_path(work, n, intensity, seed)
    if not path.exists():
        t = time.perf_counter()
        d = generate(n, intensity, seed)
        base = np.datetime64("2024-03-01T00:00:00", "us")
        table = pa.table(
            {
                "item_id": pa.array([f"i{i}" for i in range(n)]),
                "account_id": pa.array([f"a{a}" for a in d["account"].tolist()]),
                "created_at": pa.array(base + np.arange(n) * np.timedelta64(3, "s")),
                "text": pa.array(d["text"], pa.string()),
                "label": pa.array(d["label"]),
                "ops": pa.array(d["ops"]),
                "kind": pa.array(d["kind"]),
            }
        )
        work.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        print(f"  generated {path.name} in {time.perf_counter() - t:.1f} s", flush=True)
    return path


def child(data: str, params: str, out: str) -> None:
    """In the measured child: the detector's per-platform step on the file, cluster index per item to ``out``."""
    import pyarrow.parquet as pq

    from botwatch.detectors.near_duplicate import NearDuplicateDetector

    table = pq.read_table(data, columns=["item_id", "account_id", "created_at", "text"])
    det = NearDuplicateDetector(**json.loads(params))
    det.validate_params()
    t = time.perf_counter()
    cpu = time.process_time()
    clusters, stats = det._cluster_platform("bench", table, seed=1)
    seconds, cpu_s = time.perf_counter() - t, time.process_time() - cpu
    cluster = np.full(table.num_rows, -1, dtype=np.int64)
    sims = np.full(table.num_rows, np.nan)
    for k, c in enumerate(clusters):
        idx = np.array([int(i[1:]) for i in c["item_id"]], dtype=np.int64)
        cluster[idx] = k
        sims[idx] = c["similarity"]
    np.savez(out, cluster=cluster, similarity=sims)
    Path(out + ".json").write_text(json.dumps({"seconds": seconds, "cpu_s": cpu_s, **stats}))


def score(cluster: np.ndarray, label: np.ndarray, ops: np.ndarray, templates) -> dict:
    """Recall of (reworded) copies into their template's main cluster and pairwise precision, for ``templates``."""
    out: dict = {}
    copies = np.flatnonzero(np.isin(label, templates))
    in_main = np.zeros(len(label), dtype=bool)
    for t in templates:
        mine = np.flatnonzero(label == t)
        got = cluster[mine][cluster[mine] >= 0]
        if len(got):
            main = np.bincount(got).argmax()
            in_main[mine] = cluster[mine] == main
    reworded = copies[ops[copies] > 0]
    out["copies"] = len(copies)
    out["reworded"] = len(reworded)
    out["recall_all"] = float(in_main[copies].mean()) if len(copies) else float("nan")
    out["recall_reworded"] = float(in_main[reworded].mean()) if len(reworded) else float("nan")
    for k, op in enumerate(OPS):
        sel = copies[(ops[copies] >> k) & 1 == 1]
        out[f"recall_{op}"] = float(in_main[sel].mean()) if len(sel) else float("nan")
    # pairwise precision over clusters that hold a copy of one of these templates
    clustered = np.flatnonzero(cluster >= 0)
    touched = np.unique(cluster[copies][cluster[copies] >= 0])
    members = clustered[np.isin(cluster[clustered], touched)]
    pairs_total = pairs_true = 0
    for _key, group in _groups(cluster[members], label[members]):
        size = len(group)
        pairs_total += size * (size - 1) // 2
        planted = group[group >= 0]
        _, counts = np.unique(planted, return_counts=True)
        pairs_true += int((counts * (counts - 1) // 2).sum())
    out["pairs"] = int(pairs_total)
    out["precision"] = pairs_true / pairs_total if pairs_total else float("nan")
    out["organic_with_copies"] = int((label[members] < 0).sum())
    return out


def _groups(keys: np.ndarray, values: np.ndarray):
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    cuts = np.flatnonzero(np.diff(keys)) + 1
    return zip(np.split(keys, cuts), np.split(values, cuts))


def measure(work: Path, n: int, intensity: float, seed: int, params: dict, name: str, threads: str) -> dict:
    import pyarrow.parquet as pq

    data = ensure_data(work, n, intensity, seed)
    out = str(work / f"result_{name}_n{n}_p{int(round(intensity * 100))}")
    env = {**os.environ, "BOTWATCH_THREADS": threads}
    m = run_measured(
        [sys.executable, __file__, "child", str(data), json.dumps(params), out],
        timeout_s=1800,
        log_prefix=work / "logs" / Path(out).name,
        env=env,
    )
    row = {"name": name, "n": n, "intensity": intensity, "seed": seed, "params": params, **measurement_row(m)}
    if m.returncode != 0:
        print(m.tail(), file=sys.stderr)
        return row
    inner = json.loads(Path(out + ".json").read_text())
    res = np.load(out + ".npz")
    table = pq.read_table(data, columns=["label", "ops", "kind"])
    label, ops = table["label"].to_numpy(), table["ops"].to_numpy()
    cluster = res["cluster"]
    row.update({f"inner_{k}": v for k, v in inner.items()})
    row["tune"] = score(cluster, label, ops, TUNE)
    row["held_out"] = score(cluster, label, ops, HELD_OUT)
    organic = label < 0
    sizes = np.bincount(cluster[cluster >= 0]) if (cluster >= 0).any() else np.zeros(1, int)
    row["organic_clustered"] = int((cluster[organic] >= 0).sum())
    row["organic"] = int(organic.sum())
    row["n_clusters"] = int(len(sizes))
    row["largest_cluster"] = int(sizes.max())
    row["paraphrase_joined"] = int((res["similarity"] < 0).sum())
    return row


PLAIN = {"paraphrase": False}


def cmd_tune(args) -> list[dict]:
    rows = []
    for intensity in args.intensities:
        rows.append(measure(args.work, args.n, intensity, args.seed, PLAIN, "plain", args.threads))
        for threshold in args.thresholds:
            for min_terms in args.min_terms:
                params = {"paraphrase_threshold": threshold, "paraphrase_min_terms": min_terms}
                rows.append(
                    measure(
                        args.work,
                        args.n,
                        intensity,
                        args.seed,
                        params,
                        f"t{threshold}_m{min_terms}",
                        args.threads,
                    )
                )
        for r in rows[-(1 + len(args.thresholds) * len(args.min_terms)) :]:
            _print_row(r)
    return rows


def cmd_compare(args) -> list[dict]:
    rows = []
    for n in args.sizes:
        for intensity in args.intensities:
            for name, params in (("plain", PLAIN), ("paraphrase", {})):
                r = measure(args.work, n, intensity, args.seed, params, name, args.threads)
                rows.append(r)
                _print_row(r)
    return rows


def _print_row(r: dict) -> None:
    if "tune" not in r:
        print(f"{r['name']} n={r['n']} p={r['intensity']}: FAILED", flush=True)
        return
    t, h = r["tune"], r["held_out"]
    print(
        f"{r['name']:>12} n={r['n']:>8,} p={r['intensity']:.2f} | tune rec {t['recall_reworded']:.3f} "
        f"(all {t['recall_all']:.3f}) prec {t['precision']:.4f} | held rec {h['recall_reworded']:.3f} "
        f"(all {h['recall_all']:.3f}) prec {h['precision']:.4f} | organic clustered {r['organic_clustered']:,} "
        f"largest {r['largest_cluster']:,} joined {r['paraphrase_joined']:,} | step {r['inner_seconds']:.2f} s "
        f"(cpu {r['inner_cpu_s']:.1f}) wall {r['wall_s']:.1f} s peak {r['peak_rss_mb']:.0f} MB load {r['load_1min']}",
        flush=True,
    )


def _f(x, digits=3) -> str:
    return "–" if x is None or x != x else f"{x:.{digits}f}"


def _rescore(work: Path, r: dict) -> dict:
    """:func:`score` over all ten templates, from a run's saved clusters and its data file."""
    import pyarrow.parquet as pq

    table = pq.read_table(_data_path(work, r["n"], r["intensity"], r["seed"]), columns=["label", "ops"])
    cluster = np.load(
        str(work / f"result_{r['name']}_n{r['n']}_p{int(round(r['intensity'] * 100))}") + ".npz"
    )
    return score(
        cluster["cluster"], table["label"].to_numpy(), table["ops"].to_numpy(), range(len(TEMPLATES))
    )


def markdown(rows: list[dict], work: Path) -> str:
    """The tables of ``benchmarks/results/paraphrase.md`` from result rows."""
    out = []
    tune = [r for r in rows if r.get("cmd") == "tune" and "tune" in r]
    if tune:
        out += [
            "| intensity | setting | tune recall (reworded) | tune precision | held-out recall | held-out precision "
            "| organic clustered |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in tune:
            t, h = r["tune"], r["held_out"]
            out.append(
                f"| {r['intensity']:.2f} | {r['name']} | {_f(t['recall_reworded'])} | {_f(t['precision'], 4)} "
                f"| {_f(h['recall_reworded'])} | {_f(h['precision'], 4)} | {r['organic_clustered']:,} |"
            )
        out.append("")
    comp = [r for r in rows if r.get("cmd") == "compare" and "tune" in r]
    if comp:
        out += [
            "| comments | intensity | method | recall reworded: tune / held-out | recall all copies: tune / held-out "
            "| pairwise precision: tune / held-out | organic clustered | step s | CPU s | peak RSS MB | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in comp:
            t, h = r["tune"], r["held_out"]
            out.append(
                f"| {r['n']:,} | {r['intensity']:.2f} | {r['name']} | {_f(t['recall_reworded'])} / "
                f"{_f(h['recall_reworded'])} | {_f(t['recall_all'])} / {_f(h['recall_all'])} | "
                f"{_f(t['precision'], 4)} / {_f(h['precision'], 4)} | {r['organic_clustered']:,} | "
                f"{r['inner_seconds']:.1f} | {r['inner_cpu_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['load_1min']} |"
            )
        out += [
            "",
            "Recall by operation (copies that got it, with whatever else they got; all ten templates):",
            "",
            "| comments | intensity | method | " + " | ".join(OPS) + " |",
            "|---|---|---|" + "---|" * len(OPS),
        ]
        for r in comp:
            if r["intensity"] == 0:
                continue
            both = _rescore(work, r)
            cells = [_f(both[f"recall_{op}"]) for op in OPS]
            out.append(f"| {r['n']:,} | {r['intensity']:.2f} | {r['name']} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rep = sub.add_parser("report", help="print the Markdown tables of <work>/paraphrase_results.json")
    rep.add_argument("--work", type=Path, default=Path("/tmp/botwatch-paraphrase"))
    for name in ("tune", "compare"):
        s = sub.add_parser(name)
        s.add_argument("--work", type=Path, default=Path("/tmp/botwatch-paraphrase"))
        s.add_argument("--seed", type=int, default=1)
        s.add_argument("--threads", default=os.environ.get("BOTWATCH_THREADS", ""))
        s.add_argument("--intensities", type=float, nargs="+", default=[0.0, 0.1, 0.25, 0.5])
    sub.choices["tune"].add_argument("--n", type=int, default=100_000)
    sub.choices["tune"].add_argument(
        "--thresholds", type=float, nargs="+", default=[0.4, 0.45, 0.5, 0.55, 0.6]
    )
    sub.choices["tune"].add_argument("--min-terms", type=int, nargs="+", default=[4, 5, 6])
    sub.choices["compare"].add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = ap.parse_args()
    if args.cmd == "report":
        print(markdown(json.loads((args.work / "paraphrase_results.json").read_text()), args.work))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    rows = cmd_tune(args) if args.cmd == "tune" else cmd_compare(args)
    results = args.work / "paraphrase_results.json"
    old = json.loads(results.read_text()) if results.exists() else []
    state = code_state()
    results.write_text(
        json.dumps(old + [{**r, "cmd": args.cmd, "code": state} for r in rows], indent=1, default=str)
    )


if __name__ == "__main__":
    main()
