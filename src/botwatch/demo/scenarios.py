"""A parameterised family of synthetic investigations with planted "nurbot" campaigns, for measuring detection.

The old benchmark generator (:mod:`botwatch.demo.benchmark`) plants campaigns shaped like botwatch's own
detectors expect them (tight bursts, several templates, a signing hashtag). This module is an independent
generator: every cell of :func:`scenario_grid` varies how a campaign posts (``tempo``: seconds, hours or a day
after the post), how its texts vary (templates, slots, synonym lists, paraphrase), its size and activity, and
whether a few posts are extremely hot, while every cell carries the same organic *traps* (label 0) that a good
detector must not flag:

``stock``        accounts that only type stock phrases ("Рахмет!", "Молодцы", "+++", "Согласен", ...), which
                 thousands of people repeat;
``holiday``      hundreds of unrelated accounts that each post one common greeting under one holiday post;
``superfan``     20-50 accounts that comment on nearly every post of the official channels they follow within
                 minutes, always in their own words;
``wave``         accounts registered in the same hour in batches (the ``account_created_at`` column);
``heavy``        the busiest organic commenters (with ``hot_posts``: one account with about 1 % of all comments,
                 concentrated under a few posts that hold thousands of comments);
``self_repeat``  a few accounts that post their own favourite phrase dozens of times;
``praise``       honest supporters (about 2.5 % of the commenting accounts, 1-10 comments each) who praise the
                 President and the government under the official channels' posts *in their own words*: the
                 campaigns' topic and much of their vocabulary (Президент, спасибо, рахмет, Қазақстан, Тоқаев,
                 реформы, забота, алғыс, ...), in Russian, Kazakh or both mixed, but every comment composed afresh
                 from a grammar with large lists (opening, thanks, addressee, reason, subject, deed, intensifier,
                 judgement, wish, local news, free words, emoji) with no fixed words, never a campaign template or
                 a multiword slot filler; about a third post in a weekday office-hours shift of their own, about a
                 third within minutes of the post.

Planted accounts (label 1) belong to groups ``nurbot-NN``. Each group has its own office-hours shift (weekdays in
Asia/Almaty), comments under its official channels' posts at its tempo, and writes government praise from its
own templates (``{SLOT}`` placeholders filled from the group's synonym lists, a share reworded); some groups
are registered in batches, some not, so registration alone never separates them. Every name and text is
invented.

Output of :func:`generate_scenario` (the same scenario and seed give byte-identical files):

``items.csv``          posts and comments with canonical column names, read by ``botwatch ingest`` with no flags:
                       ``item_id, account_id, kind, parent_id, root_id, channel, created_at, text,
                       account_created_at`` (timestamps ISO 8601 UTC, ``...Z``); platform "generic";
``ground_truth.csv``   ``account_id,label,group`` for every account in ``items.csv`` (channel accounts: group
                       ``page``), as ``botwatch evaluate --labels`` reads it;
``planted_items.csv``  ``item_id,group,template,paraphrased`` for every planted comment;
``templates.json``     each group's templates and slot options;
``manifest.json``      the parameters, seed, counts, per-group settings and file hashes.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

GENERATOR_VERSION = 2  # bump when the same scenario and seed would produce different files
START = 1667152800  # 2022-10-31 00:00 Asia/Almaty (UTC+6), a Monday
DAYS = 30
LOCAL_OFFSET_S = 6 * 3600
TEMPOS = ("burst", "drip", "slow")
# seconds after the post within which a group's members comment
TEMPO_LAG_S = {"burst": (10, 600), "drip": (600, 6 * 3600), "slow": (3600, 24 * 3600)}
# the narrowest spread of one group's arrivals (the widest is the whole range)
TEMPO_MIN_SPREAD_S = {"burst": 10, "drip": 1200, "slow": 3 * 3600}
TRAPS = ("stock", "holiday", "superfan", "wave", "heavy", "self_repeat", "praise")
COLUMNS = (
    "item_id",
    "account_id",
    "kind",
    "parent_id",
    "root_id",
    "channel",
    "created_at",
    "text",
    "account_created_at",
)
CHUNK_ROWS = 100_000
LANGS = ("ru", "kk", "kk-latin", "en")
LANG_SHARE = (0.55, 0.25, 0.07, 0.13)

# (name, official, posts weight, popularity, headline language)
CHANNELS = (
    ("akorda_press", True, 1.0, 1.6, "ru"),
    ("gov_kz", True, 1.2, 1.3, "ru"),
    ("primeminister_kz", True, 0.8, 1.1, "ru"),
    ("minzdrav_kz", True, 0.7, 0.9, "kk"),
    ("edu_ministry_kz", True, 0.7, 0.9, "kk"),
    ("mvd_kz", True, 0.6, 0.8, "ru"),
    ("energy_ministry_kz", True, 0.5, 0.7, "kk"),
    ("astana_akimat", True, 0.8, 1.0, "ru"),
    ("almaty_chat", False, 1.5, 1.2, "ru"),
    ("kz_news_live", False, 1.5, 1.4, "ru"),
    ("auyl_omiri", False, 0.8, 0.8, "kk"),
    ("qala_tynysy", False, 0.7, 0.8, "kk"),
    ("steppe_sports", False, 0.6, 0.7, "ru"),
)
OFFICIAL = tuple(i for i, c in enumerate(CHANNELS) if c[1])
HOLIDAY_CHANNEL = 0  # akorda_press

# Probability that a person is online at each local hour.
HUMAN_HOURS = np.array(
    [0.35, 0.2, 0.1, 0.06, 0.05, 0.08, 0.2, 0.4, 0.55, 0.6, 0.6, 0.65]
    + [0.75, 0.7, 0.6, 0.6, 0.65, 0.75, 0.9, 1.0, 1.0, 0.95, 0.8, 0.55]
)


def _split(s: str) -> list[str]:
    return [x.strip() for x in s.split("|") if x.strip()]


# --- organic text: a small grammar per language plus a vocabulary for free words ("W") ---------------------------
_RU = {
    "OPEN": _split(
        "честно говоря|кстати|а вообще|по-моему|слушайте|если честно|короче|между прочим|как по мне|"
        "к сожалению|к счастью|да уж|опять|в общем|ладно|эх|странно, но|вот например|знаете|скажу так|"
        "на самом деле|ребята|люди добрые|извините, но|хм|ну вот|всё-таки|а между тем|по правде|мне кажется"
    ),
    "SUBJ": _split(
        "я|мы|мой сосед|моя мама|мой брат|сестра|наш двор|у нас в городе|люди|все знакомые|жители района|"
        "моя семья|коллеги по работе|народ|соседи по подъезду|наш аким|молодёжь|пенсионеры|учителя|врачи|"
        "водители такси|студенты|родители|мы с женой|дети|знакомые из Шымкента|тётя из Караганды|"
        "друг из Павлодара|бабушка|начальник|однокурсники|ребята с работы|фермеры|продавцы на базаре|"
        "мой дядя|муж|жена|подруга|соседка|мои дети"
    ),
    "PRED": _split(
        "ждут|обсуждают|жалуются на|говорят про|не видели|спрашивали про|радуются за|переживают за|"
        "до сих пор ищут|устали ждать|хотят нормальные|ругают|хвалят|снова платят за|стояли в очереди за|"
        "вспоминают|не верят в|писали в акимат про|мечтают про|купили|продали|починили|сломали|нашли|"
        "потеряли|смотрели|читали про|спорили про|узнали про|решили вопрос с|звонили насчёт|ходили смотреть|"
        "возмущаются из-за|шутят про|боятся за|привыкли к|скучают по|не могут найти|сфотографировали|"
        "ремонтировали"
    ),
    "OBJ": _split(
        "дороги|газ|горячую воду|цены на хлеб|ремонт школы|автобусы|снег во дворе|пробки на Аль-Фараби|"
        "новую поликлинику|ипотеку|зарплату|пенсию|свет в подъезде|детский сад|парковку|смог|интернет в селе|"
        "бензин|коммуналку|лифт|тротуары|фонари|мост через реку|футбол|концерт на площади|погоду|урожай|скот|"
        "кредиты|налоги|курс тенге|электрички|такси|аренду квартиры|рынок|трассу на Капшагай|экзамены|"
        "больничный|очередь в ЦОН|новый торговый центр|мечеть|стадион|баню|кафе у дома|аптеку|садик|"
        "велодорожки|мусор|собак во дворе|отопление|ветеринарку|маршрутку|сотовую связь|поезд до Астаны|"
        "самолёт в Актау|рыбалку|картошку|мясо на базаре|машину|гараж"
    ),
    "WHEN": _split(
        "уже неделю|с прошлого года|каждую зиму|вчера вечером|прямо сейчас|в нашем районе|в Караганде|"
        "в Актобе|на Жетысу|в селе|третий месяц|с утра|всё лето|после выборов|на прошлой неделе|в Уральске|"
        "в Семее|в Таразе|на Райымбека|возле школы|у вокзала|в центре|на окраине|в микрорайоне|каждый день|"
        "по вечерам|в выходные|осенью|в понедельник|ночью"
    ),
    "TAIL": _split(
        "вот так|что поделать|сил нет|смешно|посмотрим|надоело|и тишина|как всегда|так и живём|неудобно|"
        "реально|без шуток|кто в курсе?|ужас|класс|непонятно|ну и ладно|дела|обидно|жаль|круто|странно|"
        "бывает|ничего не меняется|вот и всё|правда|серьёзно|такие дела|короче говоря|держитесь"
    ),
    "Q": _split(
        "когда починят|где купить|сколько стоит|почему нет|где посмотреть|подскажите про|кто отвечает|"
        "когда откроют|зачем закрыли|что будет|кому жаловаться|как оформить|кто видел|куда сообщить|новости про|"
        "где взять|кто починит|когда вернут|почему закрыли|где найти"
    ),
    "OPINION": _split(
        "думаю, что|считаю, что|мне кажется, что|видно, что|понятно, что|жаль, что|хорошо, что|"
        "удивительно, что|обидно, что|говорят, что"
    ),
    "ADJ": _split(
        "нормальные|хорошие|плохие|новые|старые|дорогие|дешёвые|красивые|грязные|удобные|странные|огромные|"
        "маленькие|тёплые|холодные"
    ),
    "W": _split(
        "город|район|улица|дом|работа|деньги|время|год|день|неделя|месяц|зима|лето|весна|осень|утро|вечер|"
        "ночь|машина|дорога|школа|больница|врач|учитель|ребёнок|семья|друг|сосед|магазин|базар|цена|хлеб|"
        "молоко|мясо|вода|свет|тепло|снег|дождь|ветер|солнце|река|горы|степь|поле|сад|двор|подъезд|квартира|"
        "окно|дверь|крыша|автобус|поезд|билет|очередь|документ|справка|закон|новость|видео|фото|телефон|"
        "сайт|канал|комментарий|вопрос|ответ|проблема|решение|помощь|зарплата|пенсия|кредит|налог|бизнес|"
        "завод|шахта|нефть|баран|лошадь|чай|плов|бешбармак|кумыс|баурсаки|праздник|свадьба|той|матч|команда|"
        "игра|спорт|здоровье|лекарство|аптека|экзамен|студент|университет|колледж|общежитие|аренда|ремонт|"
        "стройка|асфальт|яма|лужа|грязь|пыль|воздух|парк|скамейка|светофор|перекрёсток|пробка|штраф|полиция|"
        "суд|акимат|депутат|министр|чиновник|отчёт|бюджет|тендер|проект|план|программа|реформа|выборы|голос|"
        "участок|митинг|интервью|статья|журналист|блогер|прогноз|температура|мороз|жара|вчера|сегодня|завтра|"
        "потом|сейчас|снова|уже|ещё|всегда|никогда|иногда|часто|редко|быстро|медленно|хорошо|плохо|нормально|"
        "дорого|дёшево|много|мало|очень|совсем|почти|просто|точно|наверное|конечно|кажется|видимо|вообще|тоже|"
        "зато|хотя|поэтому|если|когда|где|куда|откуда|зачем|почему|сколько|какой|этот|тот|наш|ваш|свой|"
        "каждый|другой|новый|старый|большой|маленький|длинный|короткий|чистый|красивый|смешной|грустный|"
        "весёлый|тяжёлый|лёгкий|важный|нужный|лишний|главный|местный|городской|сельский|областной|соседский|"
        "зимний|летний|утренний|вечерний|рабочий|выходной|бесплатный|платный|частный|государственный|"
        "подорожал|подешевел|закрыли|открыли|перенесли|отменили|обещали|построили|снесли|покрасили|"
        "перекопали|забыли|вспомнили|объявили|проверили|уволили|наняли|переехали|вернулись|уехали|приехали|"
        "пришли|ушли|стоим|едем|идём|ждём|платим|покупаем|продаём|слушаем|смотрим|читаем|пишем|звоним|"
        "спрашиваем|отвечаем|думаем|знаем|видим|помним|понимаем|хотим|можем|должны|успели|опоздали|"
        "устали|замёрзли|промокли|обрадовались|удивились|расстроились|посмеялись|поругались|помирились|"
        "Алматы|Астана|Шымкент|Караганда|Актау|Атырау|Павлодар|Костанай|Кызылорда|Талдыкорган|Кокшетау|"
        "Экибастуз|Темиртау|Туркестан|Жезказган|Балхаш|Риддер|Сатпаев|Капшагай|Боровое|Медеу|Шымбулак"
    ),
}
_RU_PATTERNS = [
    "OPEN SUBJ PRED OBJ W W W",
    "SUBJ PRED OBJ WHEN W W W",
    "SUBJ W PRED OBJ W W",
    "OPINION SUBJ W PRED W OBJ W",
    "Q W OBJ W W W",
    "W Q W W W WHEN",
    "OPEN OPINION ADJ W W W WHEN",
    "W OBJ W WHEN TAIL W W",
    "W W W W TAIL",
    "SUBJ W PRED OBJ W WHEN W",
    "WHEN SUBJ PRED ADJ W W W",
    "OPEN W W SUBJ PRED W W",
    "W W ADJ W",
    "ADJ W W W W TAIL",
]
_KK = {
    "OPEN": _split(
        "шынымды айтсам|айтпақшы|менің ойымша|жалпы алғанда|өкінішке қарай|бақытымызға орай|тағы да|қысқасы|"
        "білесіздер ме|ағайын|достар|расында|әрине|негізі|сөз жоқ|айта кетейін|шамасы|қалай десек те|байқасам|"
        "әйтеуір"
    ),
    "SUBJ": _split(
        "мен|біз|көршім|анам|ағам|әпкем|біздің аула|біздің қалада|халық|таныстарым|аудан тұрғындары|отбасым|"
        "әріптестерім|подъездегі көршілер|әкім|жастар|зейнеткерлер|мұғалімдер|дәрігерлер|"
        "такси жүргізушілері|студенттер|ата-аналар|әйелім екеуміз|балалар|Шымкенттегі таныстар|"
        "Қарағандыдағы апам|Павлодардағы досым|әжем|бастығым|курстастарым|фермерлер|базардағы сатушылар|"
        "ағайындар|күйеуім|құрбым"
    ),
    "PRED": _split(
        "күтіп жүр|талқылап жатыр|шағымданып жүр|туралы айтады|әлі көрген жоқ|сұрады|қуанып жүр|уайымдап отыр|"
        "әлі іздеп жүр|күтуден шаршады|жөндеп жатыр|сынайды|мақтайды|тағы төледі|кезекте тұрды|еске алады|"
        "сенбейді|әкімдікке жазды|армандайды|сатып алды|сатып жіберді|жөндеді|сындырып алды|тауып алды|"
        "жоғалтып алды|көрді|оқыды|дауласты|біліп алды|шешті|хабарласты|көруге барды|ашуланып жүр|күліп жүр|"
        "қорқады|үйреніп қалды|сағынады|таба алмай жүр|суретке түсірді|күтіп отыр"
    ),
    "OBJ": _split(
        "жолды|газды|ыстық суды|нанның бағасын|мектеп жөндеуін|автобусты|аладағы қарды|Әл-Фараби кептелісін|"
        "жаңа емхананы|ипотеканы|жалақыны|зейнетақыны|подъездегі жарықты|балабақшаны|тұраққа орынды|түтінді|"
        "ауылдағы интернетті|бензинді|коммуналдық төлемді|лифтті|тротуарды|шамдарды|өзен үстіндегі көпірді|"
        "футболды|алаңдағы концертті|ауа райын|егінді|малды|несиені|салықты|теңге бағамын|электричканы|"
        "такси бағасын|пәтер жалдауды|базарды|Қапшағай жолын|емтиханды|ауруханадағы кезекті|ХҚКО кезегін|"
        "жаңа сауда орталығын|мешітті|стадионды|моншаны|дәріханаларды|велосипед жолын|қоқысты|аладағы иттерді|"
        "жылу беруді|маршруткаларды|ұялы байланысты|Астанаға пойызды|Ақтауға ұшақты|балық аулауды|картопты|"
        "базардағы етті|көлікті|гаражды|қымызды|тойды|кітапхананы"
    ),
    "WHEN": _split(
        "бір аптадан бері|былтырдан бері|әр қыс сайын|кеше кешке|дәл қазір|біздің ауданда|Қарағандыда|"
        "Ақтөбеде|Жетісуда|ауылда|үш айдан бері|таңертеңнен|жаз бойы|сайлаудан кейін|өткен аптада|Оралда|"
        "Семейде|Таразда|мектептің жанында|вокзал маңында|орталықта|қала шетінде|шағын ауданда|күнде|"
        "кешке қарай|демалыс күндері|күзде|дүйсенбіде|түнде|Түркістанда"
    ),
    "TAIL": _split(
        "міне осылай|не істейміз|шаршадық|күлкілі|көрейік|жалықтық|тым-тырыс|әдеттегідей|"
        "осылай өмір|ыңғайсыз|шын айтам|әзілсіз|кім біледі?|сұмдық|керемет|түсініксіз|мейлі|"
        "қызық|өкінішті|жаман емес|таңғаларлық|бола береді|ештеңе өзгермейді|болды|рас|шынымен|"
        "осындай жағдай|қысқасы солай|шыдаңыздар|ой, қойшы"
    ),
    "Q": _split(
        "қашан жөндейді|қайдан аламыз|қанша тұрады|неге жоқ|қайдан көреміз|туралы айтыңызшы|кім жауапты|"
        "қашан ашылады|неге жапты|не болады|кімге шағымданамыз|қалай рәсімдейміз|кім көрді|қайда хабарлаймыз|"
        "жаңалық бар ма|қайдан табамыз|кім жөндейді|қашан қайтарады|неге жабылды|қайда іздейміз"
    ),
    "OPINION": _split(
        "деп ойлаймын|деп санаймын|сияқты|екені анық|екені өкінішті|болғаны жақсы|деп естідім|"
        "екені таң қалдырады|деп айтады|екенін білемін"
    ),
    "ADJ": _split("жақсы|жаман|жаңа|ескі|қымбат|арзан|әдемі|лас|ыңғайлы|оғаш|үлкен|кішкентай|жылы|суық|таза"),
    "W": _split(
        "қала|аудан|көше|үй|жұмыс|ақша|уақыт|жыл|күн|апта|ай|қыс|жаз|көктем|күз|таң|кеш|түн|көлік|жол|"
        "мектеп|аурухана|дәрігер|мұғалім|бала|отбасы|дос|көрші|дүкен|базар|баға|нан|сүт|ет|су|жарық|жылу|"
        "қар|жаңбыр|жел|өзен|тау|дала|егістік|бақ|аула|пәтер|терезе|есік|шатыр|автобус|пойыз|ұшақ|билет|"
        "кезек|құжат|анықтама|заң|жаңалық|бейне|сурет|телефон|ғаламтор|сайт|арна|пікір|сұрақ|жауап|мәселе|"
        "шешім|көмек|жалақы|зейнетақы|несие|салық|бизнес|зауыт|шахта|мұнай|егін|мал|қой|жылқы|шай|палау|"
        "бешбармақ|қымыз|бауырсақ|мереке|той|концерт|футбол|ойын|команда|спорт|денсаулық|дәрі|дәріхана|"
        "емхана|емтихан|студент|университет|колледж|жатақхана|жөндеу|құрылыс|асфальт|шұңқыр|шаң|ауа|қоқыс|"
        "саябақ|орындық|бағдаршам|қиылыс|кептеліс|айыппұл|полиция|сот|әкімдік|депутат|министр|шенеунік|"
        "есеп|бюджет|жоба|жоспар|бағдарлама|сайлау|дауыс|учаске|сұхбат|мақала|журналист|блогер|аяз|ыстық|"
        "кеше|бүгін|ертең|кейін|қазір|тағы|әлі|әрқашан|ешқашан|кейде|жиі|сирек|тез|баяу|жақсы|жаман|"
        "қалыпты|қымбат|арзан|көп|аз|өте|мүлдем|дерлік|жай|нақты|мүмкін|әрине|жалпы|бірақ|сондықтан|себебі|"
        "егер|қашан|қайда|неге|қанша|қандай|осы|сол|біздің|сіздің|өз|әр|басқа|жаңа|ескі|үлкен|кішкентай|"
        "ұзын|қысқа|жылы|суық|таза|лас|әдемі|қызық|мұңды|көңілді|ауыр|жеңіл|маңызды|қажет|басты|жергілікті|"
        "қалалық|ауылдық|облыстық|көршілес|қысқы|жазғы|таңғы|кешкі|жұмыс|демалыс|тегін|ақылы|жеке|"
        "мемлекеттік|қымбаттады|арзандады|жапты|ашты|ауыстырды|болдырмады|уәде берді|салды|бұзды|бояды|"
        "қазды|ұмытты|еске түсірді|жариялады|тексерді|жұмыстан шығарды|жалдады|көшіп келді|қайтып келді|"
        "кетіп қалды|келді|барды|тұрмыз|бара жатырмыз|күтеміз|төлейміз|аламыз|сатамыз|тыңдаймыз|көреміз|"
        "оқимыз|жазамыз|қоңырау шаламыз|сұраймыз|жауап береміз|ойлаймыз|білеміз|есімізде|түсінеміз|"
        "қалаймыз|үлгердік|кешіктік|шаршадық|тоңдық|су болдық|қуандық|таңқалдық|ренжідік|күлдік|ұрыстық|"
        "татуластық|Алматы|Астана|Шымкент|Қарағанды|Ақтау|Атырау|Павлодар|Қостанай|Қызылорда|Талдықорған|"
        "Көкшетау|Екібастұз|Теміртау|Түркістан|Жезқазған|Балқаш|Риддер|Сәтбаев|Қапшағай|Бурабай|Медеу"
    ),
}
_KK_PATTERNS = [
    "OPEN SUBJ W OBJ PRED W W",
    "SUBJ WHEN OBJ W PRED W W",
    "SUBJ W OBJ PRED W W",
    "SUBJ W OBJ W PRED OPINION W",
    "W OBJ W W Q W",
    "WHEN W W OBJ W Q",
    "OPEN W ADJ W W PRED OPINION",
    "W WHEN OBJ W TAIL W W",
    "W W W W TAIL",
    "SUBJ W WHEN OBJ W PRED W",
    "SUBJ WHEN ADJ W W W PRED",
    "OPEN W W SUBJ W PRED W",
    "W W ADJ W",
    "ADJ W W W W TAIL",
]
_EN = {
    "OPEN": _split(
        "honestly|by the way|to be fair|in my opinion|well|look|frankly|anyway|sadly|luckily|again|so|actually|"
        "guys|not gonna lie|I mean|seriously|funny enough|for what it's worth|hmm"
    ),
    "SUBJ": _split(
        "I|we|my neighbour|my mom|my brother|my sister|our street|people in our town|everyone I know|"
        "folks in the district|my family|my coworkers|the locals|our akim|young people|pensioners|teachers|"
        "doctors|taxi drivers|students|parents|my wife and I|the kids|friends from Shymkent|"
        "my aunt in Karaganda|a friend in Pavlodar|grandma|my boss|classmates|farmers|the bazaar sellers|"
        "my uncle|my husband|my roommate|expats here"
    ),
    "PRED": _split(
        "are still waiting for|keep talking about|complain about|never saw|asked about|are happy about|"
        "worry about|are still looking for|got tired of|want better|criticise|praise|paid again for|queued for|"
        "remember|don't believe in|wrote to the akimat about|dream about|bought|sold|fixed|broke|found|lost|"
        "watched|read about|argued about|learned about|sorted out|called about|went to see|are angry about|"
        "joke about|are scared of|got used to|miss|can't find|took photos of|repaired"
    ),
    "OBJ": _split(
        "the roads|the gas supply|hot water|bread prices|the school renovation|the buses|snow in the yard|"
        "traffic on Al-Farabi|the new clinic|mortgages|salaries|pensions|the lights in the stairwell|"
        "the kindergarten|parking|the smog|internet in the village|petrol|utility bills|the elevator|sidewalks|"
        "street lamps|the bridge|football|the concert on the square|the weather|the harvest|livestock|loans|"
        "taxes|the tenge rate|the trains|taxi fares|rent|the market|the Kapshagay highway|exams|sick leave|"
        "the queue at the service centre|the new mall|the mosque|the stadium|the bathhouse|the cafe nearby|"
        "the pharmacy|bike lanes|garbage|stray dogs|heating|the vet|minibuses|mobile coverage|"
        "the train to Astana|flights to Aktau|fishing|potatoes|meat at the bazaar|my car|the garage|the library"
    ),
    "WHEN": _split(
        "for a week now|since last year|every winter|last night|right now|in our district|in Karaganda|"
        "in Aktobe|in Zhetysu|in the village|for three months|since morning|all summer|after the elections|"
        "last week|in Uralsk|in Semey|in Taraz|near the school|by the station|downtown|on the outskirts|"
        "in our microdistrict|every day|in the evenings|on weekends|this autumn|on Monday|at night|in Turkistan"
    ),
    "TAIL": _split(
        "that's it|what can you do|so tired|funny|we'll see|enough already|and silence|as usual|that's life|"
        "awkward|for real|no joke|anyone know?|terrible|great|confusing|oh well|crazy|sad|pity|cool|weird|"
        "it happens|nothing changes|true|seriously|hang in there|lol|ugh|just saying"
    ),
    "Q": _split(
        "when fixing|where to buy|how much|why no|where to watch|news about|who is responsible|"
        "when open|why closed|what about|whom to complain|how to apply|anyone seen|where to report|any update"
    ),
    "OPINION": _split(
        "I think|I believe|it seems|clearly|it's sad that|good that|surprising that|I heard|looks like|no doubt"
    ),
    "ADJ": _split("decent|good|bad|new|old|expensive|cheap|nice|dirty|handy|odd|huge|tiny|warm|cold"),
    "W": _split(
        "city|district|street|house|work|money|time|year|day|week|month|winter|summer|spring|autumn|morning|"
        "evening|night|car|road|school|hospital|doctor|teacher|child|family|friend|neighbour|shop|bazaar|price|"
        "bread|milk|meat|water|light|heat|snow|rain|wind|sun|river|mountains|steppe|field|garden|yard|"
        "flat|window|door|roof|bus|train|ticket|queue|document|certificate|law|news|video|photo|phone|website|"
        "channel|comment|question|answer|problem|solution|help|salary|pension|loan|tax|business|factory|mine|"
        "oil|sheep|horse|tea|plov|beshbarmak|kumis|baursak|holiday|wedding|match|team|game|sport|health|"
        "medicine|pharmacy|exam|student|university|college|dorm|repairs|construction|asphalt|pothole|puddle|"
        "mud|dust|air|park|bench|traffic|crossroads|jam|fine|police|court|akimat|deputy|minister|official|"
        "report|budget|tender|project|plan|programme|reform|elections|vote|polling|rally|interview|article|"
        "journalist|blogger|forecast|temperature|frost|heatwave|yesterday|today|tomorrow|later|now|again|"
        "already|still|always|never|sometimes|often|rarely|fast|slowly|well|badly|normal|pricey|cheaply|many|"
        "few|very|totally|almost|just|exactly|probably|sure|apparently|anyway|also|though|because|if|when|"
        "where|why|how|which|this|that|our|your|own|every|other|new|old|big|small|long|short|clean|pretty|"
        "funny|sad|cheerful|heavy|light|important|needed|extra|main|local|urban|rural|regional|nearby|wintry|"
        "summery|early|late|working|free|paid|private|public|raised|dropped|closed|opened|moved|cancelled|"
        "promised|built|demolished|painted|dug|forgot|recalled|announced|checked|fired|hired|relocated|"
        "returned|left|arrived|came|went|standing|driving|walking|waiting|paying|buying|selling|listening|"
        "watching|reading|writing|calling|asking|answering|thinking|knowing|seeing|remember|understand|want|"
        "can|must|managed|late|tired|frozen|soaked|glad|surprised|upset|laughed|quarrelled|Almaty|Astana|"
        "Shymkent|Karaganda|Aktau|Atyrau|Pavlodar|Kostanay|Kyzylorda|Taldykorgan|Kokshetau|Ekibastuz|"
        "Temirtau|Turkistan|Zhezkazgan|Balkhash|Ridder|Satpayev|Kapshagay|Burabay|Medeu|Shymbulak"
    ),
}
_EN_PATTERNS = _RU_PATTERNS  # English sentences take the Russian shapes
# Free words also appear inflected, so that the vocabulary is large enough for honest texts not to collide.
_RU_HARD = set("бвгджзклмнпрстфхцчшщ")
_KK_BACK, _KK_FRONT = set("аоұыя"), set("әөүіеи")
_KK_VOICELESS = set("кқпстшфхцч")
_RU_VERB = (
    "ем",
    "им",
    "ут",
    "ют",
    "ли",
    "ть",
    "ся",
    "сь",
    "ал",
    "ил",
    "ят",
    "ат",
    "ет",
    "ит",
    "ел",
    "ол",
    "ны",
    "ен",
)
_KK_VERB = (
    "мыз",
    "міз",
    "ды",
    "ді",
    "ты",
    "ті",
    "қ",
    "к",
    "ады",
    "еді",
    "йды",
    "йді",
    "ған",
    "ген",
    "пін",
    "мын",
)


def _inflect_ru(words: set[str]) -> set[str]:
    out = set(words)
    for w in words:
        if len(w) < 4 or not w[:1].islower() or not w.isalpha() or w.endswith(_RU_VERB):
            continue
        last = w[-1]
        if last == "а":
            out.update(w[:-1] + e for e in ("ы", "у", "ой", "е"))
        elif last == "я":
            out.update(w[:-1] + e for e in ("и", "ю", "ей"))
        elif last == "ь":
            out.update(w[:-1] + e for e in ("и", "ю", "ем"))
        elif w.endswith(("ый", "ий", "ой")):
            out.update(w[:-2] + e for e in ("ая", "ое", "ые", "ого", "ому"))
        elif last in _RU_HARD:
            out.update(w + e for e in ("а", "у", "ом", "е", "ы"))
    return out


def _inflect_kk(words: set[str]) -> set[str]:
    out = set(words)
    for w in words:
        if len(w) < 3 or not w[:1].islower() or not w.isalpha() or w.endswith(_KK_VERB):
            continue
        vowels = [c for c in w if c in _KK_BACK | _KK_FRONT]
        back = not vowels or vowels[-1] in _KK_BACK
        hard = w[-1] in _KK_VOICELESS
        vowel_end = w[-1] in _KK_BACK | _KK_FRONT
        if back:
            suffixes = [
                "та" if hard else "да",
                "қа" if hard else "ға",
                "тың" if hard else "ның",
                "лар",
                "мен",
            ]
        else:
            suffixes = [
                "те" if hard else "де",
                "ке" if hard else "ге",
                "тің" if hard else "нің",
                "лер",
                "мен",
            ]
        if vowel_end:
            suffixes[2] = "ның" if back else "нің"
        out.update(w + e for e in suffixes)
    return out


def _inflect_en(words: set[str]) -> set[str]:
    out = set(words)
    for w in words:
        if len(w) < 4 or not w.isalpha() or not w[:1].islower() or w.endswith("s"):
            continue
        out.add(w[:-1] + "ies" if w.endswith("y") else w + "s")
    return out


_INFLECT = {"ru": _inflect_ru, "kk": _inflect_kk, "en": _inflect_en}


CLOSERS = [
    "",
    "",
    "",
    "",
    "",
    ".",
    "!",
    "?",
    "...",
    " 🤔",
    " 👍",
    " 😂",
    " 🙄",
    " 🤷",
    " 😡",
    " 🙏",
    " ))",
    " !!",
]

# --- organic traps ----------------------------------------------------------------------------------------------
STOCK_PHRASES = _split(
    "Рахмет!|Рахмет|Молодцы|Молодец|+++|+|Спасибо|Спасибо!|Құттықтаймын!|Согласен|Согласна|Браво|Супер|👍|"
    "👍👍👍|Правильно|Керемет!|Жарайсыңдар|Так держать|Thanks|Great news|Отлично|Ура!|Поддерживаю|Ок|Класс|"
    "Көп рахмет|Спасибо большое|Спасибо за информацию|Құттықтаймыз|Алға, Қазақстан!|Дұрыс|Иә|Верно|Ясно|"
    "Спасибо большое за информацию|Рахмет, өте пайдалы ақпарат"
)
# the short ones are typed far more often
_STOCK_WEIGHTS = np.array(
    [1.0 / (1 + 0.08 * i) * (0.3 if len(s.split()) >= 4 else 1.0) for i, s in enumerate(STOCK_PHRASES)]
)
HOLIDAY_GREETINGS = [
    "С праздником, дорогие казахстанцы! Мира и добра вашему дому",
    "Поздравляю всех с праздником! Счастья, здоровья и благополучия каждой семье",
    "С праздником! Пусть в каждом доме будет мир, тепло и достаток",
    "Всех с праздником, здоровья родным и близким, мирного неба над головой",
    "Мерекелеріңізбен құттықтаймын! Елімізге тыныштық, отбасыларыңызға амандық тілеймін",
    "Барлығыңызды мерекемен құттықтаймын! Бақыт пен береке тілеймін",
    "Happy holiday to everyone in Kazakhstan, peace and joy to your families",
]
_HOLIDAY_WEIGHTS = np.array([0.22, 0.18, 0.14, 0.12, 0.16, 0.12, 0.06])
HOLIDAY_POST = "Мемлекет басшысы қазақстандықтарды мерекемен құттықтады. Глава государства поздравил казахстанцев с праздником"

# honest praise of the government in people's own words: the campaigns' topic and much of their vocabulary, but
# composed afresh from large word lists (no fixed words in any pattern, no campaign template or multiword filler)
_PRAISE_RU = {
    "OPEN": _split(
        "честно скажу|от себя скажу|искренне|положа руку на сердце|без лести|не буду скрывать|хочу сказать|"
        "давно хотела написать|давно хотел написать|как простой человек скажу|как пенсионерка скажу|"
        "как многодетная мама|как учитель со стажем|как сельский врач|как фермер скажу|по-честному|"
        "вот что скажу|ну что сказать|признаюсь|честное слово|сначала не верила, но|сомневался, но|"
        "люди, посмотрите|вот видите|а ведь говорили, что не сделают|кто бы мог подумать|"
        "ещё год назад не верилось|слава Богу|Аллаға шүкір|ну наконец|что тут скажешь"
    ),
    "THANK": _split(
        "спасибо|благодарю|благодарна|благодарен|рахмет|спасибо вам|сердечно благодарю|мы благодарны|"
        "вся семья благодарна|говорю спасибо|хочу сказать спасибо|мама просит передать спасибо|от родителей спасибо|"
        "от пенсионеров спасибо|от нашего села спасибо|от учителей спасибо|благодарствую|спасибо и поклон|"
        "спасибо, что не забыли|моя благодарность|от нас рахмет|спасибо от фермеров|спасибо за всё|от молодёжи спасибо|"
        "благодарность от аула|рахмет вам|рахмет большое|спасибо, рахмет|спасибо от нашего двора|искренне благодарна"
    ),
    "TO": _split(
        "Президенту|Токаеву|Касым-Жомарту Кемелевичу|нашему Президенту|Главе государства|Президенту страны|"
        "Президенту РК|правительству|акимату|нашему акиму|акиму района|акиму области|властям|министерству|"
        "Акорде|команде Президента|государству|депутатам|строителям|всем, кто это сделал|"
        "тем, кто принимал решение|Токаеву лично|Президенту и акиму|руководству республики|нашим властям"
    ),
    "FOR": _split(
        "за газ в нашем селе|за новую школу|за дорогу до райцентра|за ремонт поликлиники|за повышение пенсий|"
        "за помощь многодетным|за новую больницу в районе|за то, что дали тепло|за то, что услышали людей|"
        "за честный разговор с людьми|за прямоту|за новый мост|за водопровод в ауле|за бесплатное лечение|"
        "за льготную ипотеку|за детские деньги|за Нацфонд детям|за снижение тарифов|за порядок на дорогах|"
        "за борьбу с коррупцией|за внимание к селу|за поддержку фермеров|за новые автобусы|за ремонт крыш|"
        "за освещение улиц|за интернет в селе|за новый садик|за субсидии|за кредиты бизнесу|"
        "за стипендии студентам|за помощь после паводка|за помощь пострадавшим|за отопление вовремя|"
        "за ответ на наше письмо|за то, что приехали к нам|за встречу с жителями|за стадион для детей|"
        "за спортзал в школе|за новую амбулаторию|за чистую воду|за бесплатные лекарства|"
        "за прибавку учителям|за зарплаты врачам|за решение с тарифами|за возвращение активов|"
        "за прозрачность|за открытость|за честность"
    ),
    "SUBJ": _split(
        "Президент|Токаев|Президент страны|Президент РК|Токаев лично|сам Президент|Касым-Жомарт|Тоқаев|"
        "Президент республики|Президент Касым-Жомарт"
    ),
    "OFF": _split(
        "наш аким|новый аким|министр|аким района|аким области|вице-министр|аким города|наш депутат"
    ),
    "PRED": _split(
        "сдержал обещание|не забыл про село|реально помог людям|навёл порядок|услышал людей|приехал к нам лично|"
        "ответил на письмо|решил вопрос с газом|решил вопрос с водой|помог нашему аулу|подписал нужный указ|"
        "поддержал фермеров|поднял пенсии|поднял зарплаты учителям|занялся дорогами|обратил внимание на село|"
        "говорит честно|говорит по делу|говорит простым языком|работает без выходных|не боится перемен|"
        "думает наперёд|видит проблемы|знает, как живут люди|слушает людей|не бросил нас в паводок|"
        "открыл новую школу|открыл больницу|вернул деньги людям|наказал виновных|уволил плохого акима|"
        "стоит за справедливость|делает то, что обещал|знает нужды села|понимает простых работяг|"
        "взялся за коррупцию|разобрался с тарифами|навёл порядок в акимате"
    ),
    "INTENS": _split(
        "очень|правда|реально|действительно|по-настоящему|искренне|от всего сердца|безмерно|бесконечно|честно|"
        "очень-очень|просто|вот правда|без преувеличения|не побоюсь этого слова|впервые за годы|"
        "давно такого не было|правда-правда|очень сильно|до слёз|всем сердцем|от чистого сердца"
    ),
    "JUDGE": _split(
        "это правильное решение|давно пора было|вот это дело|нужное дело|хорошее начало|это по-человечески|"
        "видно, что работают|есть результат|результат налицо|перемены видны|люди это видят|мы это чувствуем|"
        "село оживает|жить стало легче|стало спокойнее|дети довольны|пенсионеры рады|родители довольны|"
        "сразу видно хозяина|это дорогого стоит|так и надо|правильно делает|побольше бы таких решений|"
        "смелое решение|долгожданное решение|честно и открыто|реформы работают|реформы видно на деле|"
        "вот она, настоящая забота|забота о селе видна|сильный шаг|молодцы, что не затянули"
    ),
    "WISH": _split(
        "здоровья Вам|сил Вам и терпения|желаем здоровья|пусть всё получится|удачи во всех делах|"
        "долгих лет жизни|берегите себя|Алла жар болсын|пусть Аллах поможет|продолжайте в том же духе|"
        "не останавливайтесь|ждём новых решений|надеемся на Вас|верим в Вас|рассчитываем на Вас|успехов Вам|"
        "пусть у Вас всё получится|храни Вас Бог|терпения и мудрости|здоровья Вашей семье"
    ),
    "PEOPLE": _split(
        "народ доволен|люди благодарны|весь аул благодарит|село благодарит|в Казахстане стало лучше|"
        "Казахстан меняется на глазах|страна на правильном пути|в стране наводят порядок|народ видит перемены|"
        "простые люди почувствовали заботу|забота чувствуется|о народе наконец вспомнили|жители благодарны|"
        "народ поддерживает|Қазақстан меняется|родина оживает|молодёжь верит в страну"
    ),
    "CTX": _split(
        "у нас в селе провели газ|в ауле наконец дали воду|маме подняли пенсию|сыну дали место в садике|"
        "в школе сделали ремонт|на нашей улице поставили фонари|дорогу до района заасфальтировали|"
        "открыли новую поликлинику|мы получили квартиру по программе|брат получил субсидию на скот|"
        "в нашем районе построили школу|автобус теперь ходит каждый час|отопление дали вовремя|"
        "свет больше не отключают|после паводка нам помогли|дочке дали грант|отцу сделали операцию бесплатно|"
        "в больнице стало чище|очередей в ЦОНе почти нет|интернет в селе заработал|тариф на воду снизили|"
        "в Туркестане открыли новый парк|в Караганде заменили трубы|в Кызылорде построили мост|"
        "в Уральске отремонтировали дороги|в Семее открыли онкоцентр|в Актобе дали газ в пригород|"
        "наш аким наконец отчитался|сосед получил кредит на бизнес|жена получила декретные без проблем|"
        "племянник поступил на грант|нам заменили лифт|у бабушки теперь бесплатные лекарства|"
        "в ауле открыли амбулаторию|дети ходят в новую школу|в подъезде сделали ремонт|"
        "на остановке поставили навес|в посёлке открыли спортзал|мост наконец починили"
    ),
    "T": _split(
        "Президент|Президенту|Токаев|Тоқаев|спасибо|рахмет|народ|страна|Казахстан|Қазақстан|реформы|забота|"
        "вот она забота|спасибо государству|Касым-Жомарт|для народа|для страны|ради народа|в Казахстане|о народе|"
        "по-государственному|спасибо Президенту|благодарим|народу на пользу|стране на пользу"
    ),
    "W": _split(
        "Президент|народ|страна|Казахстан|Қазақстан|Тоқаев|забота|реформа|спасибо|рахмет|село|аул|семья|дети|"
        "мама|отец|пенсионер|учитель|врач|дорога|газ|вода|школа|больница|справедливость|порядок|перемена|"
        "надежда|вера|труд|работа|указ|решение|инициатива|результат|район|область|программа|пенсия|зарплата|"
        "помощь|поддержка|внимание|уважение|честность|молодец|наконец|теперь|сегодня|опять|снова|всегда|"
        "правильно|хорошо|честно|спокойно|заметно|видно|лично|вовремя|давно|впервые|искренне|благодарный|"
        "простой|новый|нужный|честный|сильный|мудрый|родной|сельский|народный|государственный|понятный|"
        "рад|рада|довольны|гордимся|верим|ждём|видим|чувствуем|помним|надеемся|благодарим"
    ),
}
_PRAISE_KK = {
    "OPEN": _split(
        "шынымды айтсам|ашығын айтсам|өз атымнан айтайын|қарапайым адам ретінде айтам|зейнеткер ретінде айтайын|"
        "көп балалы ана ретінде|мұғалім ретінде|ауыл тұрғыны ретінде|жасыратыны жоқ|мақтау үшін емес|"
        "расымды айтсам|Аллаға шүкір|Құдайға шүкір|сенбеп едім, бірақ|күдіктенген едім, бірақ|кім ойлаған|"
        "былтыр сенбейтін едік|айта кетейін|айтпасқа болмас|міне көрдіңдер ме|не дейін"
    ),
    "THANK": _split(
        "рахмет|алғыс|ризамын, рахмет|алғысымды білдіремін|алғыс айтамын|рахмет, рақмет|рахмет сіздерге|"
        "бүкіл отбасымыз алғыс айтады|анам алғыс айтып жатыр|ауыл атынан рахмет|зейнеткерлер атынан рахмет|"
        "мұғалімдер атынан алғыс|алғысым зор|бас иіп алғыс айтамын|рахмет айтамын|рахметтен басқа сөз жоқ|"
        "Алла разы болсын, рахмет|алғыс білдіреміз|мың рахмет|рахмет дейміз"
    ),
    "TO": _split(
        "Президентке|Тоқаевқа|Мемлекет басшысына|Президентімізге|Қасым-Жомарт Кемелұлына|үкіметке|әкімдікке|"
        "әкімімізге|аудан әкіміне|облыс әкіміне|министрлікке|Ақордаға|басшылыққа|депутаттарға|құрылысшыларға|"
        "билікке|мемлекетке|Президент командасына|Тоқаевтың өзіне|шешім қабылдағандарға"
    ),
    "FOR": _split(
        "ауылға газ тартқаны үшін|жаңа мектеп үшін|жолды жөндегені үшін|зейнетақыны көтергені үшін|"
        "көп балалы отбасыларға көмек үшін|жаңа аурухана үшін|жылуды уақытында бергені үшін|"
        "адамдарды тыңдағаны үшін|ашық сөйлегені үшін|жаңа көпір үшін|ауылға су әкелгені үшін|"
        "тегін емделу үшін|жеңілдетілген ипотека үшін|балаларға Ұлттық қор үшін|тарифті төмендеткені үшін|"
        "жолдағы тәртіп үшін|жемқорлықпен күрес үшін|ауылға көңіл бөлгені үшін|фермерлерді қолдағаны үшін|"
        "жаңа автобустар үшін|шатырларды жөндегені үшін|көшеге шам орнатқаны үшін|ауылдағы интернет үшін|"
        "жаңа балабақша үшін|субсидия үшін|студенттерге шәкіртақы үшін|су тасқынынан кейінгі көмек үшін|"
        "хатымызға жауап бергені үшін|бізге келгені үшін|тұрғындармен кездескені үшін|"
        "балаларға стадион үшін|мектептегі спортзал үшін|жаңа амбулатория үшін|таза ауыз су үшін|"
        "тегін дәрі үшін|мұғалімдердің жалақысын көтергені үшін|дәрігерлердің жалақысы үшін|"
        "активтерді қайтарғаны үшін|ашықтық үшін"
    ),
    "SUBJ": _split(
        "Президент|Тоқаев|Президент өзі|Тоқаевтың өзі|Қасым-Жомарт|Президент Қасым-Жомарт|Тоқаев мырза|"
        "Президенттің өзі"
    ),
    "OFF": _split("әкіміміз|жаңа әкім|министр|аудан әкімі|біздің әкім|облыс әкімі|вице-министр|қала әкімі"),
    "PRED": _split(
        "уәдесін орындады|ауылды ұмытпады|адамдарға нақты көмектесті|тәртіп орнатты|жұртты естіді|"
        "бізге өзі келді|хатқа жауап берді|газ мәселесін шешті|су мәселесін шешті|ауылымызға көмектесті|"
        "керекті жарлыққа қол қойды|фермерлерді қолдады|зейнетақыны көтерді|мұғалімдердің жалақысын көтерді|"
        "жолдарды қолға алды|ауылға назар аударды|ашық сөйлейді|іспен айналысады|демалыссыз еңбектенеді|"
        "өзгерістен қорықпайды|алысты болжайды|мәселені көреді|жұрттың жағдайын біледі|"
        "қарапайым адамды түсінеді|су тасқынында бізді тастамады|жаңа мектеп ашты|аурухана ашты|"
        "ақшаны жұртқа қайтарды|кінәлілерді жазалады|нашар әкімді орнынан алды|әділдікті қорғайды|"
        "уәде еткенін істеп жатыр|жемқорларды тыйды|тарифтерді ретке келтірді"
    ),
    "INTENS": _split(
        "шынымен|расымен|өте|керемет|ризашылықпен|жүрегімнің түбінен|шынында|көптен бері күткен|"
        "ұзақ жылдан кейін|бірінші рет|әсіресе|тіпті|қатты|көзіме жас алып|бар жүрегіммен|ерекше|"
        "ешбір артық сөзсіз|шын көңілмен"
    ),
    "JUDGE": _split(
        "дұрыс шешім|баяғыда керек еді|міне бұл іс|керек іс|жақсы бастама|адамгершілікпен жасалды|"
        "жұмыс істеп жатқаны көрініп тұр|нәтиже бар|нәтижесі көзге көрінеді|өзгеріс байқалады|"
        "жұрт мұны көріп отыр|біз мұны сезіп отырмыз|ауыл жанданып келеді|өмір жеңілдеді|тынышырақ болды|"
        "балалар риза|зейнеткерлер қуанып отыр|ата-аналар риза|қожайынның қолы көрінеді|"
        "бұл көп нәрсені білдіреді|солай болу керек|дұрыс жасап жатыр|осындай шешімдер көбірек болсын|"
        "батыл шешім|көптен күткен шешім|ашық әрі әділ|реформалар жұмыс істеп жатыр|"
        "реформалардың нәтижесі бар|міне шынайы қамқорлық|ауылға қамқорлық көрінеді"
    ),
    "WISH": _split(
        "денсаулық тілеймін|сізге күш-қуат|істеріңізге сәттілік|ұзақ ғұмыр тілейміз|бәрі ойдағыдай болсын|"
        "өзіңізді күтіңіз|Алла жар болсын|Алла қолдасын|осылай жалғастыра беріңіз|тоқтамаңыз|"
        "жаңа шешімдерді күтеміз|сізге сенеміз|сізге үміт артамыз|табыс тілейміз|еңбегіңіз жемісті болсын|"
        "жолыңыз болсын|шаңырағыңыз берекелі болсын|сабыр мен даналық тілеймін"
    ),
    "PEOPLE": _split(
        "халық риза|адамдар алғыс айтып жатыр|бүкіл ауыл алғыс айтады|ауыл алғыс айтады|Қазақстанда жағдай жақсарды|"
        "Қазақстан көз алдымызда өзгеріп жатыр|ел дұрыс жолда|елде тәртіп орнап жатыр|халық өзгерісті көріп отыр|"
        "қарапайым адамдар қамқорлықты сезінді|қамқорлық сезіледі|ақыры халықты есіне алды|тұрғындар алғыс айтып отыр|"
        "халық қолдап отыр|жастар болашағын көріп отыр|ел жанданды"
    ),
    "CTX": _split(
        "біздің ауылға газ келді|ауылға ақыры су берді|анамның зейнетақысы өсті|ұлыма балабақшадан орын берді|"
        "мектепте жөндеу жасады|біздің көшеге шам қойды|аудан жолына асфальт төседі|жаңа емхана ашылды|"
        "бағдарлама бойынша пәтер алдық|ағам мал үшін субсидия алды|ауданымызда мектеп салынды|"
        "автобус енді сағат сайын жүреді|жылуды уақытында берді|жарық енді өшпейді|"
        "су тасқынынан кейін бізге көмектесті|қызыма грант берді|әкеме тегін ота жасады|ауруханада тазалық бар|"
        "ХҚКО-да кезек жоқ десе болады|ауылда интернет жұмыс істей бастады|мұғалімдердің жалақысы өсті|"
        "су тарифін төмендетті|Түркістанда жаңа саябақ ашылды|Қарағандыда құбырларды ауыстырды|"
        "Қызылордада көпір салынды|Оралда жолдар жөнделді|Семейде онкоорталық ашылды|Ақтөбе маңына газ келді|"
        "әкіміміз ақыры есеп берді|көршім бизнеске несие алды|жиенім грантқа түсті|лифтіміз жаңарды|"
        "әжемнің дәрісі тегін болды|ауылда амбулатория ашылды|балалар жаңа мектепке барады|"
        "подъезде жөндеу жасалды|аялдамаға күркелер қойылды|кентте спортзал ашылды|көпір ақыры жөнделді"
    ),
    "T": _split(
        "Президент|Президентке|Тоқаев|рахмет|алғыс|халық|ел|Қазақстан|реформа|қамқорлық|халық үшін|ел үшін|мемлекет|"
        "Қасым-Жомарт|халыққа|елге|Президентке рахмет|нағыз қамқорлық|халыққа пайдасы|елге пайдасы|Қазақстанда|"
        "алғыс айтам"
    ),
    "W": _split(
        "Президент|халық|ел|Қазақстан|Тоқаев|қамқорлық|реформа|алғыс|рахмет|ауыл|отбасы|бала|ана|әке|"
        "зейнеткер|мұғалім|дәрігер|жол|газ|су|мектеп|аурухана|әділдік|тәртіп|өзгеріс|үміт|сенім|еңбек|жұмыс|"
        "жарлық|шешім|бастама|нәтиже|аудан|облыс|бағдарлама|зейнетақы|жалақы|көмек|қолдау|назар|құрмет|адалдық|"
        "жарайсыз|ақыры|енді|бүгін|тағы|әрқашан|дұрыс|жақсы|адал|тыныш|анық|өзі|уақытында|баяғыда|алғаш|"
        "риза|қарапайым|жаңа|керек|мықты|дана|туған|ауылдық|халықтық|мемлекеттік|түсінікті|қуаныштымыз|"
        "мақтанамыз|сенеміз|күтеміз|көреміз|сеземіз|ұмытпаймыз|үміттенеміз"
    ),
}
_PRAISE_PATTERNS = [  # each has a category that always names the topic: THANK, SUBJ, PEOPLE or T
    "THANK TO FOR",
    "OPEN THANK TO FOR",
    "THANK TO INTENS FOR",
    "TO THANK FOR WISH",
    "SUBJ PRED",
    "OPEN SUBJ INTENS PRED",
    "SUBJ PRED JUDGE",
    "CTX THANK TO",
    "CTX T JUDGE",
    "OPEN CTX SUBJ PRED",
    "JUDGE THANK TO",
    "PEOPLE WISH",
    "INTENS JUDGE T",
    "SUBJ PRED W W",
    "T CTX W JUDGE",
    "OPEN PEOPLE",
    "THANK FOR W",
    "W SUBJ PRED",
    "CTX INTENS THANK",
    "PEOPLE W THANK TO",
    "WISH W SUBJ PRED",
    "JUDGE T W",
    "OPEN JUDGE CTX T",
    "TO THANK W FOR",
    "OFF PRED THANK",
    "CTX OFF PRED T",
    "OPEN OFF INTENS PRED PEOPLE",
]
PRAISE_SEPARATORS = [". ", "! ", ", ", "... ", " ", "!! "]
PRAISE_CLOSERS = _split("👍|🇰🇿|❤️|🙏|👏|💪|😊|🤲|🌷|✊|🇰🇿🇰🇿|👍👍|🙏🙏|💐|☺️|🥰|❤️🇰🇿|👍🏻|🙌|!|.|!!!|)))")
PRAISE_CLOSERS = ["", "", "", ""] + [" " + c if c[0] not in "!.)" else c for c in PRAISE_CLOSERS]
PRAISE_SHARE = 0.025  # of commenting accounts

# --- planted campaigns: government praise with five {SLOT}s each; a group varies n_slots of them ------------------
SLOTS: dict[str, list[str]] = {
    "PRES": _split(
        "Президент|Глава государства|Касым-Жомарт Кемелевич|наш Президент|Токаев|Президент Токаев|"
        "Касым-Жомарт Токаев|глава страны|уважаемый Президент"
    ),
    "CARES": _split(
        "заботится о людях|думает о простых людях|работает для народа|слышит каждого|болеет душой за страну|"
        "держит слово|делает всё для людей|стоит на стороне народа|не забывает о простых семьях"
    ),
    "PEOPLE": _split(
        "народе|простых людях|каждом казахстанце|нас|гражданах|всех нас|людях|жителях страны|семьях"
    ),
    "THANKS": _split(
        "Спасибо|Благодарим|Огромное спасибо|Большое спасибо|Рахмет|Спасибо от всей души|Низкий поклон|Благодарю|"
        "Искренне благодарим"
    ),
    "COUNTRY": _split(
        "Новый Казахстан|Справедливый Казахстан|наша страна|Казахстан|наша Родина|наше государство|"
        "наша республика|наше Отечество|родной край"
    ),
    "GOOD": _split(
        "процветает|становится сильнее|идёт вперёд|развивается|меняется к лучшему|крепнет|растёт|"
        "движется в правильном направлении|уверенно смотрит в будущее"
    ),
    "SUPPORT": _split(
        "Поддерживаем|Полностью поддерживаю|Мы за|Мы поддерживаем|Я за|Одобряем|Согласны и поддерживаем|"
        "Горячо поддерживаем|Всецело поддерживаем"
    ),
    "REFORM": _split(
        "реформы|курс Президента|новый курс|преобразования|политические реформы|указ|решение Главы государства|"
        "инициативы Президента|программу развития"
    ),
    "FAMILY": _split(
        "наша семья|вся наша семья|моя семья|мы всей семьёй|наша большая семья|мои родные|все мои родственники|"
        "наш род|весь наш дом"
    ),
    "VOTES": _split(
        "четыре голоса|пять голосов|три голоса|все голоса|свои голоса|шесть голосов|все свои голоса|"
        "голоса всей семьи|семь голосов"
    ),
    "CHOICE": _split(
        "сделали выбор|сделали свой выбор|выбрали будущее|определились|приняли решение|выбрали стабильность|"
        "сделали правильный выбор|уже решили|выбрали единство"
    ),
    "FUTURE": _split(
        "светлое будущее|стабильность|мир и согласие|единство|процветание|достойное будущее|спокойствие|"
        "благополучие|уверенность в завтрашнем дне"
    ),
    "MOTTO": _split(
        "Вперёд, Казахстан|Казахстан — наш общий дом|Вместе мы сила|Только вперёд|Так держать|Мы едины|"
        "Слава Казахстану|Вместе построим новую страну|Будущее за нами"
    ),
    "TIME": _split(
        "сегодня|наконец-то|в эти дни|сейчас|в этот непростой момент|именно сейчас|как никогда|в очередной раз|"
        "с каждым годом"
    ),
    "K_PRES": _split(
        "Президент|Мемлекет басшысы|Қасым-Жомарт Кемелұлы|Президентіміз|Тоқаев|Президент Тоқаев|ел Президенті|"
        "Мемлекет басшымыз|құрметті Президент"
    ),
    "K_CARES": _split(
        "халқын ойлайды|әрдайым халық үшін жұмыс істейді|қарапайым халыққа қамқор|әр азаматты естиді|"
        "елінің қамын ойлайды|сөзінде тұрады|халыққа жақын|ел үшін аянбай еңбек етеді|әр отбасын ойлайды"
    ),
    "K_THANKS": _split(
        "Рахмет|Үлкен рахмет|Алғыс айтамыз|Шексіз алғыс|Көп рахмет|Рахмет сізге|Алғысымыз шексіз|Мың алғыс|"
        "Шын жүректен рахмет"
    ),
    "K_COUNTRY": _split(
        "Жаңа Қазақстан|Әділетті Қазақстан|еліміз|Отанымыз|Қазақстан|мемлекетіміз|туған жеріміз|республикамыз|"
        "атамекеніміз"
    ),
    "K_GOOD": _split(
        "өркендейді|алға басады|күшейе түседі|дамып келеді|жақсы жаққа өзгеріп жатыр|нығаяды|гүлденеді|"
        "өсіп келеді|болашаққа сеніммен қарайды"
    ),
    "K_SUPPORT": _split(
        "Қолдаймыз|Толық қолдаймын|Біз жақтаймыз|Қолдаймын|Бір кісідей қолдаймыз|Жақтаймыз|Құптаймыз|"
        "Шын жүректен қолдаймыз|Әрқашан қолдаймыз"
    ),
    "K_FAMILY": _split(
        "біздің отбасы|бүкіл әулетіміз|менің отбасым|отбасымызбен|бар туыстарымыз|үйдегілер|біздің үй|"
        "барлық туған-туыс|бүкіл ауылымыз"
    ),
    "K_VOTES": _split(
        "төрт дауыс|бес дауыс|үш дауыс|барлық дауысымызды|алты дауыс|дауысымызды|бар дауысын|жеті дауыс|"
        "бүкіл отбасының дауысын"
    ),
    "K_FUTURE": _split(
        "жарқын болашақ|тұрақтылық|бейбітшілік пен келісім|бірлік|береке|татулық|игілік|абырой|ынтымақ"
    ),
    "K_REFORM": _split(
        "реформаларды|Президенттің бағытын|жаңа бағытты|өзгерістерді|саяси реформаларды|Жарлықты|бастамаларды|"
        "Мемлекет басшысының шешімін|даму бағдарламасын"
    ),
    "K_CHOICE": _split(
        "таңдау жасадық|өз таңдауымызды жасадық|болашақты таңдадық|шешім қабылдадық|тұрақтылықты таңдадық|"
        "дұрыс таңдау жасадық|бір шешімге келдік|бірлікті таңдадық|ойымызды түйдік"
    ),
    "K_TIME": _split("бүгін|ақыры|осы күндері|қазір|дәл қазір|тағы да|әрқашан|осындай сәтте|жыл сайын"),
    "K_MOTTO": _split(
        "Алға, Қазақстан|Бірлік — біздің күшіміз|Біз біргеміз|Тек алға|Жасасын Қазақстан|Еліміз аман болсын|"
        "Бірге болайық|Жаңа Қазақстанды бірге құрамыз|Болашақ біздің қолымызда"
    ),
}
TEMPLATES: list[str] = [
    "{PRES} {CARES} и всегда думает о {PEOPLE}. {THANKS} за {FUTURE}!",
    "Мы {CHOICE} за {COUNTRY}, {FAMILY} отдаёт {VOTES} за Токаева! {MOTTO}!",
    "{SUPPORT} {REFORM}! {COUNTRY} {GOOD}, {THANKS}, {PRES}!",
    "{TIME} {COUNTRY} {GOOD} благодаря мудрой политике. {SUPPORT}, {MOTTO}!",
    "{THANKS}, {PRES}! Всем видно: наш лидер {CARES}, а {COUNTRY} видит {FUTURE}",
    "{PRES} {TIME} доказал, что {CARES}. {SUPPORT} каждое слово! {MOTTO}",
    "{FAMILY} {CHOICE}: только Токаев! {COUNTRY} заслуживает {FUTURE}, {SUPPORT}",
    "Вот это настоящий лидер! {PRES} {CARES}, {REFORM} дают {FUTURE}. {THANKS}!",
    "{SUPPORT} {REFORM}, потому что {COUNTRY} {GOOD}. {FAMILY} {CHOICE}!",
    "{TIME} особенно видно, как {PRES} {CARES}. {THANKS} за {FUTURE} в каждом доме!",
    "Кто не видит перемен? {COUNTRY} {GOOD}! {SUPPORT} {REFORM}, {MOTTO}",
    "{THANKS} за заботу о {PEOPLE}! {PRES} {CARES}, {FAMILY} гордится",
    "Голосуем за стабильность: {FAMILY} отдаёт {VOTES}! {TIME} {COUNTRY} {GOOD}",
    "Лучшего Президента не найти! {PRES} {CARES}, {SUPPORT} {REFORM}. {MOTTO}",
    "{K_PRES} {K_CARES}, {K_THANKS}! {K_COUNTRY} {K_GOOD}, {K_MOTTO}",
    "Біз {K_CHOICE}: {K_FAMILY} Тоқаевқа {K_VOTES} береді! {K_FUTURE} үшін, {K_MOTTO}!",
    "{K_SUPPORT} {K_REFORM}! {K_TIME} {K_COUNTRY} {K_GOOD}, {K_THANKS}",
    "{K_THANKS}, {K_PRES}! Көшбасшымыз {K_CARES}, {K_COUNTRY} {K_FUTURE} көреді",
    "{K_TIME} {K_COUNTRY} {K_GOOD}. {K_PRES} {K_CARES}, {K_SUPPORT}!",
    "{K_FAMILY} {K_CHOICE}! {K_SUPPORT} {K_REFORM}, {K_MOTTO}",
    "Нағыз көшбасшы! {K_PRES} {K_CARES}, {K_REFORM} {K_FUTURE} әкеледі. {K_THANKS}!",
    "{K_SUPPORT}, себебі {K_COUNTRY} {K_GOOD}! {K_TIME} {K_FAMILY} бір ауыздан",
    "{PRES} {CARES}! {K_THANKS}, {K_SUPPORT} {K_REFORM}. {MOTTO}",
    "{K_PRES} {K_CARES}. {SUPPORT} {REFORM}, {COUNTRY} {GOOD}!",
    "{THANKS} за {FUTURE}, {PRES}! {K_FAMILY} {K_CHOICE}, {K_MOTTO}",
    "Мы с вами, {PRES}! {FAMILY} {CHOICE}, {K_COUNTRY} {K_GOOD}",
]

# rewording: synonyms (ru and kk), words of the other language, clause separators, decorations
PARAPHRASE_SYNONYMS: dict[str, list[str]] = {
    "всегда": ["постоянно", "всё время", "неизменно"],
    "думает": ["переживает", "беспокоится", "помнит"],
    "спасибо": ["благодарю", "спс", "рахмет"],
    "благодарим": ["спасибо", "выражаем благодарность"],
    "поддерживаем": ["одобряем", "мы за", "поддерживаю"],
    "поддерживаю": ["одобряю", "я за"],
    "страна": ["держава", "республика"],
    "народ": ["люди", "граждане", "халық"],
    "будущее": ["завтра", "перспективы"],
    "лидер": ["руководитель", "вождь"],
    "настоящий": ["истинный", "подлинный"],
    "семья": ["родня", "домашние"],
    "только": ["лишь", "исключительно"],
    "вперёд": ["вперед", "только вперёд"],
    "мы": ["мы все", "вот мы"],
    "гордится": ["рада", "счастлива"],
    "каждом": ["любом", "всяком"],
    "заботу": ["внимание", "поддержку"],
    "видно": ["заметно", "понятно"],
    "особенно": ["очень", "как никогда"],
    "рахмет": ["спасибо", "алғыс"],
    "қолдаймыз": ["жақтаймыз", "құптаймыз"],
    "еліміз": ["мемлекетіміз", "Отанымыз"],
    "халық": ["ел", "жұрт", "народ"],
    "болашақ": ["ертең", "келешек"],
    "біз": ["бәріміз", "біз де"],
    "нағыз": ["шынайы", "накты"],
    "себебі": ["өйткені", "себебі де"],
    "береді": ["беретін болды", "береміз"],
    "сіз": ["сіз бен біз", "Сіз"],
}
LANGUAGE_MIX: dict[str, str] = {
    "спасибо": "рахмет",
    "благодарим": "алғыс айтамыз",
    "народ": "халық",
    "страна": "ел",
    "будущее": "болашақ",
    "семья": "отбасы",
    "поддерживаем": "қолдаймыз",
    "вперёд": "алға",
    "единство": "бірлік",
    "казахстан": "Қазақстан",
    "президент": "Президентіміз",
    "мы": "біз",
    "молодец": "жарайсыз",
    "рахмет": "спасибо",
    "халық": "народ",
    "қолдаймыз": "поддерживаем",
    "ел": "страна",
    "алға": "вперёд",
    "бірлік": "единство",
    "отбасы": "семья",
    "болашақ": "будущее",
    "біз": "мы",
    "қазақстан": "Казахстан",
    "жаңа": "новый",
}
DECORATIONS = ["👍", "🇰🇿", "❤️", "🙏", "💪", "👏", "🔥", "🤝", "!!!", "))", "✊", "💯", "🇰🇿🇰🇿", "👍👍"]

_KK_LATIN = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e", "ё": "io", "ж": "j",
    "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "ñ", "о": "o",
    "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ū", "ү": "ü", "ф": "f", "х": "h",
    "һ": "h", "ц": "ts", "ч": "ch", "ш": "ş", "щ": "şş", "ъ": "", "ы": "y", "і": "ı", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip

# headlines of posts
_HEAD_RU = {
    "ACTOR": _split(
        "Президент|Глава государства|Премьер-министр|Правительство|Министр здравоохранения|"
        "Министр образования|Аким Алматы|Аким Астаны|Сенат|Мажилис|МВД|Министр энергетики|Министр финансов|"
        "Вице-премьер|Генпрокуратура|Министр труда"
    ),
    "ACT": _split(
        "провёл совещание по вопросам|подписал документ о|встретился с представителями|поручил ускорить работу по|"
        "обсудил|посетил объекты по|объявил о мерах по|представил план по|дал оценку работе по|"
        "проверил ход работ по|выступил на форуме по|ответил на вопросы по"
    ),
    "TOPIC": _split(
        "развитию регионов|цифровизации|тарифам на коммунальные услуги|строительству школ|поддержке малого бизнеса|"
        "газификации сёл|здравоохранению|борьбе с коррупцией|экологии|сельскому хозяйству|жилищной программе|"
        "ценам на продукты|энергетике|туризму|образованию|дорожному строительству|водоснабжению|занятости|"
        "социальной защите|отопительному сезону"
    ),
    "PLACE": _split(
        "в Астане|в Алматы|в Шымкенте|в Актау|в Караганде|в Кызылорде|в Павлодаре|в Костанае|в Атырау|"
        "в Петропавловске|в Усть-Каменогорске|в Туркестане|в Таразе|в Актобе|в Уральске|в Семее"
    ),
    "DETAIL": _split(
        "Подробности в материале|Видео с места событий|Фото пресс-службы|Комментарии экспертов|"
        "Мнения жителей разделились|Что изменится для граждан|Главное к этому часу|Прямая трансляция|"
        "Полный текст на сайте|Хроника дня|Цифры и факты|Ответы на частые вопросы"
    ),
}
_HEAD_KK = {
    "ACTOR": _split(
        "Президент|Мемлекет басшысы|Премьер-министр|Үкімет|Денсаулық сақтау министрі|Оқу-ағарту министрі|"
        "Алматы әкімі|Астана әкімі|Сенат|Мәжіліс|ІІМ|Энергетика министрі|Қаржы министрі|Вице-премьер|"
        "Бас прокуратура|Еңбек министрі"
    ),
    "TOPIC": _split(
        "өңірлерді дамыту|цифрландыру|коммуналдық тарифтер|мектеп құрылысы|шағын бизнесті қолдау|"
        "ауылдарды газдандыру|денсаулық сақтау|сыбайлас жемқорлықпен күрес|экология|ауыл шаруашылығы|"
        "тұрғын үй бағдарламасы|азық-түлік бағасы|энергетика|туризм|білім беру|жол құрылысы|сумен жабдықтау|"
        "жұмыспен қамту|әлеуметтік қорғау|жылыту маусымы"
    ),
    "ACT": _split(
        "мәселелері бойынша кеңес өткізді|жөнінде құжатқа қол қойды|бойынша өкілдермен кездесті|"
        "жұмысын жеделдетуді тапсырды|мәселесін талқылады|нысандарын аралады|бойынша шаралар жариялады|"
        "бойынша жоспар ұсынды|жұмысына баға берді|барысын тексерді|форумында сөз сөйледі|"
        "бойынша сұрақтарға жауап берді"
    ),
    "PLACE": _split(
        "Астанада|Алматыда|Шымкентте|Ақтауда|Қарағандыда|Қызылордада|Павлодарда|Қостанайда|Атырауда|"
        "Петропавлда|Өскеменде|Түркістанда|Таразда|Ақтөбеде|Оралда|Семейде"
    ),
    "DETAIL": _split(
        "Толығырақ материалда|Оқиға орнынан бейне|Баспасөз қызметінің суреті|Сарапшылар пікірі|"
        "Тұрғындардың пікірі екіге бөлінді|Азаматтар үшін не өзгереді|Осы сағаттағы басты жаңалық|Тікелей эфир|"
        "Толық мәтін сайтта|Күн шежіресі|Сандар мен деректер|Жиі қойылатын сұрақтарға жауап"
    ),
}
_HEAD_PATTERNS = {"ru": "ACTOR ACT TOPIC PLACE", "kk": "PLACE ACTOR TOPIC ACT"}


# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """One cell of the family: the parameters of a generated investigation.

    ``n_comments`` counts every comment (planted, organic and traps; the channels' posts come on top). ``tempo``:
    "burst" (members comment 10 s-10 min after the post), "drip" (10 min-6 h) or "slow" (1-24 h); each group
    draws the spread of its arrivals within that range. ``n_templates`` (1-3) templates per group with
    ``n_slots`` (2-5) varying slots each, every varying slot filled from the group's own list of 3-8 synonyms;
    ``paraphrase`` (0-0.5) of planted comments are reworded. ``group_size`` is the range of accounts per group,
    ``active`` (0.3-1.0) the share of a group's members commenting under each post it targets, ``n_groups`` the
    number of groups, ``planted_share`` the share of comments that are planted. ``hot_posts``: four posts hold
    about 2 %, 1 %, 0.7 % and 0.5 % of all comments and one organic account writes about 1 %. ``focus``: each
    group comments under only one or two official channels (else under all of them). ``split`` says whether the
    cell may be used to tune detectors ("tune") or is kept for measuring ("held_out"); it does not change data.
    """

    name: str
    n_comments: int = 50_000
    tempo: str = "burst"
    n_templates: int = 2
    n_slots: int = 3
    paraphrase: float = 0.0
    group_size: tuple[int, int] = (5, 100)
    active: float = 0.6
    n_groups: int = 5
    hot_posts: bool = False
    focus: bool = True
    seed: int = 1
    planted_share: float = 0.06
    split: str = "held_out"

    def __post_init__(self) -> None:
        if self.tempo not in TEMPOS:
            raise ValueError(f"tempo must be one of {TEMPOS}, not {self.tempo!r}")
        if not 1 <= self.n_templates <= 3:
            raise ValueError("n_templates must be 1-3")
        if not 2 <= self.n_slots <= 5:
            raise ValueError("n_slots must be 2-5")
        if not 0.0 <= self.paraphrase <= 0.5:
            raise ValueError("paraphrase must be 0-0.5")
        lo, hi = self.group_size
        if not 2 <= lo <= hi:
            raise ValueError("group_size must be (lo, hi) with 2 <= lo <= hi")
        if not 0.3 <= self.active <= 1.0:
            raise ValueError("active must be 0.3-1.0")
        if self.n_groups < 0 or not 0.0 <= self.planted_share <= 0.5:
            raise ValueError("n_groups must be >= 0 and planted_share 0-0.5")
        if self.n_comments < 1000:
            raise ValueError("n_comments must be at least 1000")
        if self.split not in ("tune", "held_out"):
            raise ValueError("split must be 'tune' or 'held_out'")

    def params(self) -> dict:
        out = asdict(self)
        out["group_size"] = list(self.group_size)
        return out

    def key(self) -> str:
        """A hash of everything that changes the generated files (not the name or split)."""
        p = {k: v for k, v in self.params().items() if k not in ("name", "split")}
        p["generator_version"] = GENERATOR_VERSION
        return hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()[:12]


@dataclass
class ScenarioFiles:
    out_dir: Path
    items: Path
    truth: Path
    planted: Path
    templates: Path
    manifest: Path
    counts: dict = field(default_factory=dict)


def scenario_grid(size: int = 50_000, seed: int = 1) -> list[Scenario]:
    """The family: tempo x templates (1, 3) x paraphrase (0, 0.3) with group sizes, activity, slots and focus
    varied across cells, plus per tempo a heavily reworded cell, a hot-posts cell, a tiny-groups cell and a
    sparse cell (many accounts, two or three comments each) (24 cells). About a third, at least two per tempo, are ``split="tune"``, chosen by a hash of seed and name."""
    n_groups = max(3, round(5 * math.sqrt(size / 50_000)))
    sizes = [(5, 30), (10, 60), (20, 100)]
    acts = [1.0, 0.6, 0.3]
    slots = [2, 3, 5]
    cells: list[Scenario] = []
    common = {"n_comments": size, "n_groups": n_groups, "seed": seed}
    for t, tempo in enumerate(TEMPOS):
        j = 0
        for n_t in (1, 3):
            for para in (0.0, 0.3):
                cells.append(
                    Scenario(
                        name=f"{tempo}-t{n_t}-p{int(round(para * 100)):02d}",
                        tempo=tempo,
                        n_templates=n_t,
                        paraphrase=para,
                        n_slots=slots[(j + t) % 3],
                        group_size=sizes[(j + 2 * t) % 3],
                        active=acts[(2 * j + t) % 3],
                        focus=(j + t) % 2 == 0,
                        **common,
                    )
                )
                j += 1
        cells.append(Scenario(f"{tempo}-p50", tempo=tempo, n_templates=2, paraphrase=0.5, n_slots=3,
                              group_size=(10, 60), active=0.6, focus=True, **common))  # fmt: skip
        cells.append(Scenario(f"{tempo}-hot", tempo=tempo, n_templates=2, paraphrase=0.1, n_slots=3,
                              group_size=(5, 100), active=0.6, hot_posts=True, focus=t != 1, **common))  # fmt: skip
        cells.append(Scenario(f"{tempo}-tiny", tempo=tempo, n_templates=2, paraphrase=0.1, n_slots=4,
                              group_size=(5, 10), active=0.6, focus=False,
                              **{**common, "n_groups": 2 * n_groups}))  # fmt: skip
        # many accounts with a few comments each (about 2-3 per account), as real comment bots often are
        cells.append(Scenario(f"{tempo}-sparse", tempo=tempo, n_templates=3, paraphrase=0.3, n_slots=4,
                              group_size=(20, 100), active=0.3, focus=t != 2, planted_share=0.015,
                              **common))  # fmt: skip
    return _assign_splits(cells, seed)


def _assign_splits(cells: list[Scenario], seed: int) -> list[Scenario]:
    def rank(c: Scenario) -> str:
        return hashlib.sha256(f"{seed}:{c.name}".encode()).hexdigest()

    tune: set[str] = set()
    leftovers: list[Scenario] = []
    for tempo in TEMPOS:
        ordered = sorted((c for c in cells if c.tempo == tempo), key=rank)
        k = max(1, len(ordered) // 3)
        tune.update(c.name for c in ordered[:k])
        leftovers += ordered[k:]
    for c in sorted(leftovers, key=rank)[: max(0, round(len(cells) / 3) - len(tune))]:
        tune.add(c.name)
    return [Scenario(**{**c.params(), "group_size": c.group_size, "split": "tune" if c.name in tune else "held_out"})
            for c in cells]  # fmt: skip


# --- vectorised text --------------------------------------------------------------------------------------------
class _Grammar:
    """Flattened grammar: each row picks a pattern of its language, each pattern position an option of its
    category; ``W`` positions pick a word from the language's whole vocabulary."""

    def __init__(self, specs: list[tuple[dict[str, list[str]], list[str], str]]):
        options: list[str] = []
        cat_start, cat_size = [], []
        pat_cats: list[int] = []
        pat_off, pat_len, lang_pat_start, lang_pat_n = [], [], [], []
        for cats, patterns, lang in specs:
            ids: dict[str, int] = {}
            vocab = sorted(
                {
                    w.strip(",.?!")
                    for name, opts in cats.items()
                    if name != "OPEN"
                    for o in opts
                    for w in o.split()
                }
                - {""}
            )
            free = sorted(_INFLECT[lang](set(cats.get("W", []))) | set(vocab))
            for name, opts in {**cats, "W": free}.items():
                ids[name] = len(cat_start)
                cat_start.append(len(options))
                cat_size.append(len(opts))
                options += opts
            lang_pat_start.append(len(pat_off))
            lang_pat_n.append(len(patterns))
            for p in patterns:
                names = p.split()
                pat_off.append(len(pat_cats))
                pat_len.append(len(names))
                pat_cats += [ids[n] for n in names]
        self.options = pa.array(options, pa.string())
        self.cat_start, self.cat_size = np.array(cat_start), np.array(cat_size)
        self.pat_cats, self.pat_off, self.pat_len = np.array(pat_cats), np.array(pat_off), np.array(pat_len)
        self.lang_pat_start, self.lang_pat_n = np.array(lang_pat_start), np.array(lang_pat_n)

    def sentences(self, rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
        n = len(langs)
        pat = self.lang_pat_start[langs] + (rng.random(n) * self.lang_pat_n[langs]).astype(np.int64)
        lens = self.pat_len[pat]
        offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int32)
        row = np.repeat(np.arange(n), lens)
        pos = np.arange(len(row)) - offsets[:-1][row]
        cat = self.pat_cats[self.pat_off[pat[row]] + pos]
        pick = self.cat_start[cat] + (rng.random(len(row)) * self.cat_size[cat]).astype(np.int64)
        words = self.options.take(pa.array(pick))
        return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), " ")


_GRAMMAR: _Grammar | None = None
_HEADLINES: _Grammar | None = None


def _grammar() -> _Grammar:
    global _GRAMMAR
    if _GRAMMAR is None:  # ru, kk, kk-latin (kk text, transliterated afterwards), en
        _GRAMMAR = _Grammar(
            [
                (_RU, _RU_PATTERNS, "ru"),
                (_KK, _KK_PATTERNS, "kk"),
                (_KK, _KK_PATTERNS, "kk"),
                (_EN, _EN_PATTERNS, "en"),
            ]
        )
    return _GRAMMAR


def _headline_grammar() -> _Grammar:
    global _HEADLINES
    if _HEADLINES is None:
        _HEADLINES = _Grammar(
            [
                (
                    {**_HEAD_RU, "W": _RU["W"]},
                    [_HEAD_PATTERNS["ru"] + " W W W W", _HEAD_PATTERNS["ru"] + " W W W W W"],
                    "ru",
                ),
                (
                    {**_HEAD_KK, "W": _KK["W"]},
                    [_HEAD_PATTERNS["kk"] + " W W W W", _HEAD_PATTERNS["kk"] + " W W W W W"],
                    "kk",
                ),
            ]
        )
    return _HEADLINES


def kazakh_to_latin(arr: pa.Array) -> pa.Array:
    """Kazakh Cyrillic to the 2021 Latin alphabet (lower case), vectorised."""
    out = pc.utf8_lower(arr)
    for cyr, lat in _KK_LATIN.items():
        out = pc.replace_substring(out, cyr, lat)
    return out


def organic_texts(rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
    """Honest comments of 3-30 words: one to three grammar sentences, sometimes free words, a closer."""
    g = _grammar()
    n = len(langs)
    n_sent = 1 + (rng.random(n) < 0.45).astype(np.int64) + (rng.random(n) < 0.2).astype(np.int64)
    s1, s2, s3 = (g.sentences(rng, langs) for _ in range(3))
    sep2 = pa.array(np.array([", ", ". ", " - ", " и ", "; "])[rng.integers(0, 5, n)])
    sep3 = pa.array(np.array([". ", "! ", ", ", "... "])[rng.integers(0, 4, n)])
    empty = pa.scalar("")
    text = pc.binary_join_element_wise(
        s1,
        pc.if_else(pa.array(n_sent >= 2), pc.binary_join_element_wise(sep2, s2, ""), empty),
        pc.if_else(pa.array(n_sent >= 3), pc.binary_join_element_wise(sep3, s3, ""), empty),
        "",
    )
    closers = pa.array(CLOSERS).take(pa.array(rng.integers(0, len(CLOSERS), n)))
    text = pc.binary_join_element_wise(text, closers, "")
    latin = langs == 2
    if latin.any():
        idx = np.flatnonzero(latin)
        text = pc.replace_with_mask(text, pa.array(latin), kazakh_to_latin(text.take(pa.array(idx))))
    return text


_PRAISE: _Grammar | None = None


def _praise_grammar() -> _Grammar:
    global _PRAISE
    if _PRAISE is None:  # Russian, Kazakh
        _PRAISE = _Grammar([(_PRAISE_RU, _PRAISE_PATTERNS, "ru"), (_PRAISE_KK, _PRAISE_PATTERNS, "kk")])
    return _PRAISE


def praise_texts(rng: np.random.Generator, langs: np.ndarray) -> pa.Array:
    """Honest praise of the government (``langs``: 0 Russian, 1 Kazakh, 2 both, switching between sentences): one
    to three sentences of the praise grammar, sometimes one of everyday talk, and an emoji or punctuation."""
    g = _praise_grammar()
    n = len(langs)
    n_sent = 1 + (rng.random(n) < 0.5).astype(np.int64) + (rng.random(n) < 0.2).astype(np.int64)
    s1, s2, s3 = (g.sentences(rng, np.where(langs == 2, rng.integers(0, 2, n), langs)) for _ in range(3))
    everyday = rng.random(n) < 0.15
    s2 = pc.if_else(pa.array(everyday), _grammar().sentences(rng, np.where(langs == 2, 0, langs)), s2)
    n_sent = np.where(everyday, np.maximum(n_sent, 2), n_sent)
    seps = np.array(PRAISE_SEPARATORS)
    sep2 = pa.array(seps[rng.integers(0, len(seps), n)])
    sep3 = pa.array(seps[rng.integers(0, len(seps), n)])
    empty = pa.scalar("")
    text = pc.binary_join_element_wise(
        s1,
        pc.if_else(pa.array(n_sent >= 2), pc.binary_join_element_wise(sep2, s2, ""), empty),
        pc.if_else(pa.array(n_sent >= 3), pc.binary_join_element_wise(sep3, s3, ""), empty),
        "",
    )
    closers = pa.array(PRAISE_CLOSERS).take(pa.array(rng.integers(0, len(PRAISE_CLOSERS), n)))
    return pc.binary_join_element_wise(text, closers, "")


def _fill(template: str, options: dict[str, list[str]], rng: np.random.Generator) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: options[m.group(1)][int(rng.integers(len(options[m.group(1)])))], template
    )


_TOKEN = re.compile(r"^(\W*)(.*?)(\W*)$")


def paraphrase(text: str, rng: np.random.Generator) -> str:
    """Reword a planted comment with two to four of: clauses swapped, one or two words dropped, synonyms,
    emoji or punctuation added, Russian and Kazakh words mixed."""
    ops = sorted(rng.choice(5, size=int(rng.integers(2, 5)), replace=False).tolist())
    for op in ops:
        if op == 0:  # swap two clauses
            parts = [p for p in re.split(r"(?<=[.!?,:;])\s+", text) if p]
            if len(parts) >= 2:
                i = int(rng.integers(len(parts) - 1))
                parts[i], parts[i + 1] = parts[i + 1], parts[i]
                text = " ".join(parts)
        elif op == 1:  # drop one or two words
            words = text.split()
            if len(words) > 5:
                k = 1 + int(rng.random() < 0.5)
                drop = set(rng.choice(np.arange(1, len(words)), size=k, replace=False).tolist())
                text = " ".join(w for i, w in enumerate(words) if i not in drop)
        elif op in (2, 4):  # synonyms / the other language
            table = PARAPHRASE_SYNONYMS if op == 2 else LANGUAGE_MIX
            words = text.split()
            for i, w in enumerate(words):
                pre, core, post = _TOKEN.match(w).groups()
                alt = table.get(core.lower())
                if alt is not None and rng.random() < 0.7:
                    pick = alt if isinstance(alt, str) else alt[int(rng.integers(len(alt)))]
                    words[i] = pre + pick + post
            text = " ".join(words)
        else:  # decorations
            deco = DECORATIONS[int(rng.integers(len(DECORATIONS)))]
            text = f"{deco} {text}" if rng.random() < 0.3 else f"{text} {deco}"
            if rng.random() < 0.3:
                text = text.replace("!", "!!", 1)
    return text


# --- time helpers -----------------------------------------------------------------------------------------------
def _hour(t: np.ndarray) -> np.ndarray:
    return ((t - START) % 86400) // 3600


def _weekday(t: np.ndarray) -> np.ndarray:
    return ((t - START) // 86400) % 7  # START is a Monday


def _human_lags(rng: np.random.Generator, base: np.ndarray, fast: float = 1500.0) -> np.ndarray:
    """When honest people comment after ``base``: minutes to days, more often in the evening than at night."""
    n = len(base)

    def draw(m):
        k = rng.random(m)
        return (
            30
            + np.where(
                k < 0.55,
                rng.exponential(fast, m),
                np.where(k < 0.9, rng.exponential(4 * 3600, m), rng.uniform(0, 3 * 86400, m)),
            )
        ).astype(np.int64)

    t = base + draw(n)
    todo = np.arange(n)
    for _ in range(12):
        reject = rng.random(len(todo)) > HUMAN_HOURS[_hour(t[todo])]
        todo = todo[reject]
        if not len(todo):
            break
        t[todo] = base[todo] + draw(len(todo))
    return t


def _iso(t: np.ndarray) -> pa.Array:
    ts = pa.array(np.asarray(t, dtype="datetime64[s]"))
    return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")


# --- generation -------------------------------------------------------------------------------------------------
class _Rows:
    """Comment rows collected from each part of the world before they are sorted by time."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, t, post, author, text_ref=None, fixed_kind=0, reply_ok=False, planted=-1) -> None:
        n = len(t)
        self.parts.append(
            {
                "t": np.asarray(t, np.int64),
                "post": np.asarray(post, np.int64),
                "author": np.asarray(author, np.int64),
                # -1: an organic grammar text; else an index into the fixed texts
                "text_ref": np.full(n, -1, np.int64) if text_ref is None else np.asarray(text_ref, np.int64),
                "reply_ok": np.full(n, reply_ok, bool),
                "planted": np.full(n, planted, np.int64)
                if np.isscalar(planted)
                else np.asarray(planted, np.int64),
            }
        )

    def total(self) -> int:
        return sum(len(p["t"]) for p in self.parts)

    def concat(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def generate_scenario(scenario: Scenario, out_dir: str | Path) -> ScenarioFiles:
    """Write one cell's files under ``out_dir`` (see the module docstring); return their paths and counts."""
    s = scenario
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = s.n_comments
    rng_world = np.random.default_rng([s.seed, 1])
    rng_camp = np.random.default_rng([s.seed, 2, s.n_groups, s.n_templates, s.n_slots])
    rng_org = np.random.default_rng([s.seed, 3])

    # posts ------------------------------------------------------------------------------------------------------
    n_posts = int(np.clip(n // 100, 150, 3000))
    weights = np.array([c[2] for c in CHANNELS])
    per_channel = rng_world.multinomial(n_posts, weights / weights.sum())
    post_ch = np.repeat(np.arange(len(CHANNELS)), per_channel)
    official = np.array([CHANNELS[c][1] for c in post_ch])
    day = rng_world.integers(0, DAYS, len(post_ch))
    sec = np.where(
        official,
        rng_world.integers(8 * 3600, 21 * 3600 + 1800, len(post_ch)),
        rng_world.integers(7 * 3600, 23 * 3600, len(post_ch)),
    )
    post_t = START + day * 86400 + sec
    # the holiday post: akorda_press, day 16 at 09:00
    post_ch = np.append(post_ch, HOLIDAY_CHANNEL)
    post_t = np.append(post_t, START + 16 * 86400 + 9 * 3600)
    order = np.argsort(post_t, kind="stable")
    holiday_post = int(np.flatnonzero(order == len(post_t) - 1)[0])
    post_ch, post_t = post_ch[order], post_t[order]
    n_posts = len(post_t)
    popularity = np.minimum(rng_world.lognormal(0.0, 1.0, n_posts), 15.0)
    popularity *= np.array([CHANNELS[c][3] for c in post_ch])
    popularity[holiday_post] = max(popularity[holiday_post], 3.0)
    hot = np.zeros(0, np.int64)
    hot_share = np.array([0.02, 0.01, 0.007, 0.005])
    if s.hot_posts:
        cand = np.flatnonzero(np.arange(n_posts) != holiday_post)
        hot = rng_world.choice(cand, size=4, replace=False)

    # organic people -----------------------------------------------------------------------------------------------
    n_people = max(1500, n // 7)
    person_lang = rng_world.choice(4, size=n_people, p=LANG_SHARE)
    activity = rng_world.pareto(1.8, n_people) + 0.3
    created = rng_world.integers(1325354400, START - 10 * 86400, n_people)  # 2012-01-01 .. 10 days before
    role = np.full(n_people, "organic", dtype=object)
    perm = rng_world.permutation(n_people)
    cursor = 0

    def take(k: int, name: str) -> np.ndarray:
        nonlocal cursor
        idx = np.sort(perm[cursor : cursor + k])
        cursor += k
        role[idx] = name
        return idx

    n_superfans = int(np.clip(n // 1000, 20, 50))
    superfans = take(n_superfans, "superfan")
    holiday_people = take(int(np.clip(n // 250, 60, 1500)), "holiday")
    stock_people = take(int(np.clip(n // 40, 100, 25_000)), "stock")
    n_heavy = 4
    heavy = take(n_heavy, "heavy")
    self_repeat = take(int(rng_world.integers(5, 11)), "self_repeat")
    wave_sizes = rng_world.integers(15, 61, int(np.clip(n_people // 1500, 3, 40)))
    waves = take(int(wave_sizes.sum()), "wave")
    wave_id = np.repeat(np.arange(len(wave_sizes)), wave_sizes)
    wave_hour = (rng_world.integers(1546279200, START - 30 * 86400, len(wave_sizes)) // 3600) * 3600
    created[waves] = wave_hour[wave_id] + rng_world.integers(0, 3600, len(waves))
    praisers = take(max(10, round(PRAISE_SHARE * min(n_people, n / 3.5))), "praise")
    regular_weight = activity.copy()
    regular_weight[stock_people] = 0.0
    regular_weight[heavy] = 0.0
    regular_weight[self_repeat] *= 0.3
    regular_weight[praisers] = 0.0

    rows = _Rows()
    fixed: list[str] = []

    def add_fixed(texts: list[str]) -> np.ndarray:
        start = len(fixed)
        fixed.extend(texts)
        return np.arange(start, start + len(texts))

    stock_base = len(fixed)
    fixed.extend(STOCK_PHRASES)
    holiday_deco = ["", "", "", " 🇰🇿", " 🎉", " ❤️", "!", " 🙏", " 💐"]

    # planted groups -----------------------------------------------------------------------------------------------
    groups, planted_texts, bot_created = _plant(s, rng_camp, post_t, post_ch, n_people, rows, add_fixed)
    n_bots = sum(g["size"] for g in groups)
    planted_n = rows.total()

    # traps --------------------------------------------------------------------------------------------------------
    # superfans: nearly every post of the official channels they follow, within minutes, in their own words
    for p in superfans:
        follow = rng_world.choice(OFFICIAL, size=int(rng_world.integers(1, 4)), replace=False)
        posts = np.flatnonzero(np.isin(post_ch, follow))
        posts = posts[rng_world.random(len(posts)) < rng_world.uniform(0.85, 0.97)]
        lag = 20 + rng_world.exponential(150, len(posts)).astype(np.int64)
        rows.add(post_t[posts] + lag, posts, np.full(len(posts), p))
    # holiday greetings: once each under the holiday post
    k = len(holiday_people)
    g_pick = rng_world.choice(len(HOLIDAY_GREETINGS), size=k, p=_HOLIDAY_WEIGHTS / _HOLIDAY_WEIGHTS.sum())
    deco = rng_world.integers(0, len(holiday_deco), k)
    refs = add_fixed([HOLIDAY_GREETINGS[g] + holiday_deco[d] for g, d in zip(g_pick, deco)])
    rows.add(_human_lags(rng_world, np.full(k, post_t[holiday_post]), 2400.0), np.full(k, holiday_post),
             holiday_people, refs)  # fmt: skip
    # stock-phrase accounts: 1-6 stock phrases each under random posts
    per = rng_world.integers(1, 7, len(stock_people))
    authors = np.repeat(stock_people, per)
    posts = rng_world.choice(n_posts, size=len(authors), p=popularity / popularity.sum())
    phrase = rng_world.choice(len(STOCK_PHRASES), size=len(authors), p=_STOCK_WEIGHTS / _STOCK_WEIGHTS.sum())
    rows.add(_human_lags(rng_world, post_t[posts]), posts, authors, stock_base + phrase)
    # self-repeaters: their own favourite phrase, dozens of times
    fav = organic_texts(rng_world, person_lang[self_repeat]).to_pylist()
    for p, phrase_text in zip(self_repeat, fav):
        c = int(np.clip(n // 2000, 8, 150) * rng_world.uniform(0.6, 1.4))
        posts = rng_world.choice(n_posts, size=c, p=popularity / popularity.sum())
        tails = ["", "", "", "!", " 👍", "!!", " 🙏"]
        refs = add_fixed([phrase_text + tails[int(x)] for x in rng_world.integers(0, len(tails), c)])
        rows.add(_human_lags(rng_world, post_t[posts]), posts, np.full(c, p), refs)
    # wave accounts comment at least once, so that every wave is in the data
    per = rng_world.integers(1, 4, len(waves))
    authors = np.repeat(waves, per)
    posts = rng_world.choice(n_posts, size=len(authors), p=popularity / popularity.sum())
    rows.add(_human_lags(rng_world, post_t[posts]), posts, authors, reply_ok=True)
    # heavy commenters: with hot posts one writes ~1 % of all comments, three ~0.3 %, half under the hot posts
    heavy_share = [0.01, 0.003, 0.003, 0.003] if s.hot_posts else [0.002, 0.0015, 0.0015, 0.001]
    busy = np.argsort(-popularity)[: max(10, n_posts // 20)]
    for p, share in zip(heavy, heavy_share):
        c = max(20, int(share * n))
        on_hot = rng_world.random(c) < (0.5 if len(hot) else 0.0)
        posts = np.where(
            on_hot, rng_world.choice(hot, size=c) if len(hot) else 0, rng_world.choice(busy, size=c)
        )
        lag = 15 + rng_world.exponential(900, c).astype(np.int64)
        rows.add(post_t[posts] + lag, posts, np.full(c, p), reply_ok=True)
    # hot posts: extra comments from many people, mostly in the first hours
    if len(hot):
        for post, share in zip(hot, hot_share):
            c = int(share * n)
            authors = rng_world.choice(n_people, size=c, p=regular_weight / regular_weight.sum())
            t = _human_lags(rng_world, np.full(c, post_t[post]), 1800.0)
            rows.add(t, np.full(c, post), authors, reply_ok=True)

    # honest praise in their own words (its own random stream, so that the other traps stay as they were)
    _praise(np.random.default_rng([s.seed, 7]), praisers, post_t, post_ch, popularity, rows, add_fixed)

    # regular organic comments fill the rest ---------------------------------------------------------------------
    n_regular = n - rows.total()
    if n_regular < n * 0.3:
        raise ValueError(f"{s.name}: traps and planted comments leave only {n_regular} organic comments")
    posts = rng_org.choice(n_posts, size=n_regular, p=popularity / popularity.sum())
    authors = rng_org.choice(n_people, size=n_regular, p=regular_weight / regular_weight.sum())
    stocky = rng_org.random(n_regular) < 0.04
    refs = np.where(stocky, stock_base + rng_org.choice(len(STOCK_PHRASES), size=n_regular,
                                                         p=_STOCK_WEIGHTS / _STOCK_WEIGHTS.sum()), -1)  # fmt: skip
    rows.add(_human_lags(rng_org, post_t[posts]), posts, authors, refs, reply_ok=True)

    return _write(s, out, rows, fixed, planted_texts, groups, bot_created, n_people, person_lang, created, role,
                  post_t, post_ch, holiday_post, hot, planted_n, n_bots)  # fmt: skip


def _plant(s: Scenario, rng, post_t, post_ch, n_people, rows: _Rows, add_fixed):
    """Planted groups: members, shift, channels, tempo window, templates; their comments go into ``rows``."""
    lo, hi = TEMPO_LAG_S[s.tempo]
    sizes = rng.integers(s.group_size[0], s.group_size[1] + 1, s.n_groups) if s.n_groups else np.zeros(0, int)
    weight = sizes * rng.uniform(0.5, 1.5, len(sizes))  # some groups are busier than others
    budget = s.planted_share * s.n_comments * weight / max(1e-9, weight.sum())
    bank_order = rng.permutation(len(TEMPLATES))
    used: list[int] = []
    next_template = 0
    groups = []
    planted_texts: list[dict] = []
    bot_created = np.zeros(int(sizes.sum()), np.int64)
    first = n_people
    for g in range(s.n_groups):
        size = int(sizes[g])
        gid = f"nurbot-{g + 1:02d}"
        # channels, shift and timing
        if s.focus:
            w = np.array([CHANNELS[c][3] for c in OFFICIAL])
            channels = rng.choice(OFFICIAL, size=int(rng.integers(1, 3)), replace=False, p=w / w.sum())
        else:
            channels = np.array(OFFICIAL)
        shift_start = int(rng.integers(8, 11))
        shift_end = shift_start + int(rng.integers(8, 11))
        min_spread = TEMPO_MIN_SPREAD_S[s.tempo]
        spread = float(np.exp(rng.uniform(np.log(min_spread), np.log(hi - lo))))
        w0 = float(rng.uniform(lo, hi - spread))
        # registration: half the groups in one batch (within an hour or three), the rest spread over years
        base = first - n_people
        if rng.random() < 0.5:
            t0 = START - int(rng.integers(20, 200)) * 86400 + int(rng.integers(0, 86400))
            bot_created[base : base + size] = t0 + rng.integers(0, 3600 * int(rng.integers(1, 4)), size)
            batch = True
        else:
            bot_created[base : base + size] = rng.integers(1420070400, START - 30 * 86400, size)
            batch = False
        # templates: the group's own, sometimes one shared with an earlier group
        chosen: list[int] = []
        for _ in range(s.n_templates):
            if used and rng.random() < 0.2 and not chosen:
                cand = [u for u in used if u not in chosen]
                chosen.append(int(cand[int(rng.integers(len(cand)))]))
            else:
                while int(bank_order[next_template % len(TEMPLATES)]) in chosen:
                    next_template += 1
                chosen.append(int(bank_order[next_template % len(TEMPLATES)]))
                next_template += 1
        used += [c for c in chosen if c not in used]
        templates = []
        for ti in chosen:
            text = TEMPLATES[ti]
            names = re.findall(r"\{(\w+)\}", text)
            varying = set(rng.choice(len(names), size=s.n_slots, replace=False).tolist())
            opts = {}
            for j, name in enumerate(names):
                bank = SLOTS[name]
                k = int(rng.integers(3, 9)) if j in varying else 1
                opts[name] = [bank[int(x)] for x in rng.choice(len(bank), size=k, replace=False)]
            templates.append(
                {
                    "bank_index": ti,
                    "template": text,
                    "slots": opts,
                    "varying": sorted(names[j] for j in varying),
                }
            )

        # eligible posts: some point of the lag window falls in the shift; a focused group whose channels have
        # too few such posts for its share of comments takes on another official channel
        want = int(math.ceil(budget[g] / max(1.0, size * s.active)))
        while True:
            cand = np.flatnonzero(np.isin(post_ch, channels))
            grid = post_t[cand, None] + (w0 + spread * (np.arange(24) + 0.5) / 24).astype(np.int64)[None, :]
            eligible = cand[_in_shift(grid, shift_start, shift_end).any(axis=1)]
            others = [c for c in OFFICIAL if c not in channels]
            if len(eligible) >= want or not others:
                break
            channels = np.append(channels, others[int(rng.integers(len(others)))])
        events = np.sort(rng.choice(eligible, size=min(want, len(eligible)), replace=False))
        ev_rows, members = [], []
        for e in events:
            active = np.flatnonzero(rng.random(size) < s.active)
            if len(active) < 2:
                active = rng.choice(size, size=2, replace=False)
            ev_rows.append(np.full(len(active), e))
            members.append(active)
        if not ev_rows:
            groups.append(
                _group_info(gid, size, channels, shift_start, shift_end, w0, spread, batch, templates, 0, 0)
            )
            first += size
            continue
        ev = np.concatenate(ev_rows)
        mem = np.concatenate(members)
        cands = post_t[ev, None] + (w0 + spread * rng.random((len(ev), 32))).astype(np.int64)
        in_shift = _in_shift(cands, shift_start, shift_end)
        has = in_shift.any(axis=1)
        t = cands[np.arange(len(ev)), in_shift.argmax(axis=1)]
        ev, mem, t = ev[has], mem[has], t[has]
        texts, tids, para = [], [], []
        for _ in range(len(ev)):
            j = int(rng.integers(len(templates)))
            text = _fill(templates[j]["template"], templates[j]["slots"], rng)
            p = bool(rng.random() < s.paraphrase)
            if p:
                text = paraphrase(text, rng)
            texts.append(text)
            tids.append(j)
            para.append(p)
        refs = add_fixed(texts)
        rows.add(t, ev, first + mem, refs, planted=g)
        planted_texts += [{"group": gid, "template": j, "paraphrased": p} for j, p in zip(tids, para)]
        groups.append(_group_info(gid, size, channels, shift_start, shift_end, w0, spread, batch, templates,
                                  len(events), len(t)))  # fmt: skip
        first += size
    return groups, planted_texts, bot_created


def _praise(rng, people, post_t, post_ch, popularity, rows: _Rows, add_fixed) -> None:
    """Honest supporters: 1-10 comments each under the official channels they follow; a third in a weekday
    office-hours shift of their own, a third within minutes of the post, the rest whenever people comment."""
    k = len(people)
    per = rng.integers(1, 11, k)
    style = rng.choice(3, size=k, p=[0.35, 0.3, 0.35])  # office hours, within minutes, whenever
    lang = rng.choice(3, size=k, p=[0.5, 0.3, 0.2])  # Russian, Kazakh, both
    weekday, hour = _weekday(post_t) < 5, _hour(post_t)
    ts, ps = [], []
    for i in range(k):
        follow = rng.choice(OFFICIAL, size=int(rng.integers(1, 4)), replace=False)
        start = int(rng.integers(8, 11))
        end = start + int(rng.integers(7, 10))
        # office hours: posts of a weekday before the end of the shift
        cand = np.flatnonzero(
            np.isin(post_ch, follow) & ((weekday & (hour < end - 1)) if style[i] == 0 else True)
        )
        if not len(cand):
            cand = np.flatnonzero(np.isin(post_ch, OFFICIAL))
        w = popularity[cand]
        c = int(per[i])
        posts = rng.choice(cand, size=c, replace=c > len(cand), p=w / w.sum())
        if style[i] == 0:
            tries = post_t[posts, None] + (60 + rng.exponential(3 * 3600, (c, 24))).astype(np.int64)
            ok = _in_shift(tries, start, end)
            t = np.where(ok.any(axis=1), tries[np.arange(c), ok.argmax(axis=1)], tries[:, 0])
        elif style[i] == 1:
            t = post_t[posts] + 20 + rng.exponential(240, c).astype(np.int64)
        else:
            t = _human_lags(rng, post_t[posts])
        ts.append(t)
        ps.append(posts)
    refs = add_fixed(praise_texts(rng, np.repeat(lang, per)).to_pylist())
    rows.add(np.concatenate(ts), np.concatenate(ps), np.repeat(people, per), refs)


def _in_shift(t: np.ndarray, start_h: int, end_h: int) -> np.ndarray:
    h = _hour(t)
    return (_weekday(t) < 5) & (h >= start_h) & (h < end_h)


def _group_info(gid, size, channels, s0, s1, w0, spread, batch, templates, events, comments) -> dict:
    return {
        "group": gid,
        "size": size,
        "channels": [CHANNELS[int(c)][0] for c in channels],
        "shift_local": f"Mon-Fri {s0:02d}:00-{s1:02d}:00",
        "lag_window_s": [round(w0), round(w0 + spread)],
        "batch_registered": batch,
        "templates": templates,
        "posts_targeted": int(events),
        "comments": int(comments),
    }


def _write(s, out, rows, fixed, planted_texts, groups, bot_created, n_people, person_lang, created, role,
           post_t, post_ch, holiday_post, hot, planted_n, n_bots) -> ScenarioFiles:  # fmt: skip
    from botwatch.store.case import sha256_file

    rng = np.random.default_rng([s.seed, 4])
    data = rows.concat()
    n = len(data["t"])
    seq = np.arange(n)
    order = np.lexsort((seq, data["t"]))
    data = {k: v[order] for k, v in data.items()}
    # replies: a fifth of ordinary organic comments answer an earlier comment under the same post
    by_post = np.lexsort((np.arange(n), data["post"]))
    group_start = np.searchsorted(data["post"][by_post], data["post"][by_post], side="left")
    rank = np.arange(n) - group_start
    back = np.minimum(rng.geometric(0.3, n), rank)
    wants = data["reply_ok"][by_post] & (rank > 0) & (rng.random(n) < 0.2)
    parent = np.full(n, -1, np.int64)
    parent[by_post[wants]] = by_post[np.flatnonzero(wants) - back[wants]]

    # public account ids are shuffled so that an id never tells a planted account from an honest one
    n_acc = n_people + n_bots
    public = rng.permutation(n_acc) + 100_000
    acc_created = np.concatenate([created, bot_created])
    langs = np.concatenate([person_lang, np.zeros(n_bots, np.int64)])
    fixed_arr = pa.array(fixed, pa.string())
    n_posts = len(post_t)
    items_path = out / "items.csv"
    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    head_rng = np.random.default_rng([s.seed, 5])
    head_lang = np.array([0 if CHANNELS[c][4] == "ru" else 1 for c in post_ch])
    headlines = pc.binary_join_element_wise(
        _headline_grammar().sentences(head_rng, head_lang),
        pa.scalar(". "),
        pa.array(
            [
                (_HEAD_RU if hl == 0 else _HEAD_KK)["DETAIL"][int(x)]
                for hl, x in zip(head_lang, head_rng.integers(0, 12, n_posts))
            ]
        ),  # fmt: skip
        "",
    ).to_pylist()
    headlines[holiday_post] = HOLIDAY_POST
    page_created = _iso(np.full(n_posts, 1420070400 + 86400 * 40 * post_ch))
    with pacsv.CSVWriter(str(items_path), schema) as writer:
        writer.write_table(
            pa.table(
                {
                    "item_id": pa.array([f"p{i}" for i in range(n_posts)]),
                    "account_id": pa.array([CHANNELS[c][0] for c in post_ch]),
                    "kind": pa.array(["post"] * n_posts),
                    "parent_id": pa.nulls(n_posts, pa.string()),
                    "root_id": pa.nulls(n_posts, pa.string()),
                    "channel": pa.array([CHANNELS[c][0] for c in post_ch]),
                    "created_at": _iso(post_t),
                    "text": pa.array(headlines, pa.string()),
                    "account_created_at": page_created,
                },
                schema=schema,
            )
        )
        for chunk, lo in enumerate(range(0, n, CHUNK_ROWS)):
            hi = min(lo + CHUNK_ROWS, n)
            sl = slice(lo, hi)
            crng = np.random.default_rng([s.seed, 6, chunk])
            author = data["author"][sl]
            ref = data["text_ref"][sl]
            text = organic_texts(crng, langs[author])
            has_fixed = ref >= 0
            if has_fixed.any():
                text = pc.replace_with_mask(
                    text, pa.array(has_fixed), fixed_arr.take(pa.array(ref[has_fixed]))
                )
            post = data["post"][sl]
            par = parent[sl]
            post_ids = np.char.add("p", post.astype(str))
            is_reply = par >= 0
            writer.write_table(
                pa.table(
                    {
                        "item_id": pa.array(np.char.add("c", np.arange(lo, hi).astype(str))),
                        "account_id": pa.array(np.char.add("u", public[author].astype(str))),
                        "kind": pa.array(np.where(is_reply, "reply", "comment")),
                        "parent_id": pa.array(
                            np.where(is_reply, np.char.add("c", par.astype(str)), post_ids)
                        ),
                        "root_id": pa.array(post_ids),
                        "channel": pa.array(np.array([c[0] for c in CHANNELS])[post_ch[post]]),
                        "created_at": _iso(data["t"][sl]),
                        "text": text,
                        "account_created_at": _iso(acc_created[author]),
                    },
                    schema=schema,
                )
            )

    # ground truth: every account in the file
    present = np.unique(data["author"])
    gnames = [g["group"] for g in groups]
    bot_group = np.repeat(np.arange(len(groups)), [g["size"] for g in groups]) if groups else np.zeros(0, int)
    lines = []
    for a in present:
        if a >= n_people:
            lines.append((f"u{public[a]}", 1, gnames[bot_group[a - n_people]]))
        else:
            lines.append((f"u{public[a]}", 0, role[a]))
    lines += [(c[0], 0, "page") for c in CHANNELS]
    lines.sort()
    truth = out / "ground_truth.csv"
    truth.write_text(
        "account_id,label,group\n" + "".join(f"{a},{lab},{g}\n" for a, lab, g in lines), encoding="utf-8"
    )

    planted_pos = np.flatnonzero(data["planted"] >= 0)
    planted_order = data["text_ref"][planted_pos]  # the fixed index of each planted comment
    first_planted_ref = min((r for r in planted_order), default=0)
    planted = out / "planted_items.csv"
    with open(planted, "w", encoding="utf-8") as fh:
        fh.write("item_id,group,template,paraphrased\n")
        for pos, ref in zip(planted_pos, planted_order):
            info = planted_texts[int(ref - first_planted_ref)]
            fh.write(f"c{pos},{info['group']},{info['template']},{int(info['paraphrased'])}\n")

    templates = out / "templates.json"
    templates.write_text(
        json.dumps({g["group"]: g["templates"] for g in groups}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    labels = [lab for _, lab, _ in lines]
    by_group: dict[str, int] = {}
    for _, _, g in lines:
        by_group[g] = by_group.get(g, 0) + 1
    counts = {
        "posts": int(len(post_t)),
        "comments": int(n),
        "rows": int(n + len(post_t)),
        "planted_comments": int(planted_n),
        "planted_accounts": int(sum(labels)),
        "accounts": len(lines),
        "accounts_by_group": dict(sorted(by_group.items())),
        "paraphrased_comments": int(sum(p["paraphrased"] for p in planted_texts)),
        "praise_comments": int(np.sum(role[data["author"][data["author"] < n_people]] == "praise")),
        "hot_posts": [f"p{int(h)}" for h in hot],
        "holiday_post": f"p{holiday_post}",
    }
    manifest = {
        "generator": "botwatch.demo.scenarios",
        "generator_version": GENERATOR_VERSION,
        "scenario": s.params(),
        "key": s.key(),
        "seed": s.seed,
        "format": "csv with canonical column names (botwatch ingest needs no flags); platform generic; "
        "timestamps ISO 8601 UTC",
        "timezone": "Asia/Almaty (UTC+6) for shifts and posting hours",
        "counts": counts,
        "groups": [{k: v for k, v in g.items() if k != "templates"} for g in groups],
        "files": [
            {"path": p.name, "sha256": sha256_file(p)} for p in (items_path, truth, planted, templates)
        ],
    }
    man = out / "manifest.json"
    man.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return ScenarioFiles(out, items_path, truth, planted, templates, man, counts)
