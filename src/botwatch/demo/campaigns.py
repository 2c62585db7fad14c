"""The planted campaigns of the demo: who they are, what they post, and how they disguise it.

A template is text with alternatives in braces, ``{Спасибо|Благодарим} Президенту{p}``; ``{p}`` is end
punctuation. Each comment picks a template, fills every brace at random, swaps words for synonyms, and adds
noise: punctuation, emoji, lower-case starts, double spaces and (for some) Latin homoglyphs inside Cyrillic words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from botwatch.demo.phrases import EMOJI, HOMOGLYPHS, kazakh_to_latin

_BRACE = re.compile(r"\{([^{}]*)\}")
PUNCTUATION = ["", ".", "!", "!", "!!", "!!!", "..."]


@dataclass(frozen=True)
class CampaignSpec:
    """One planted campaign.

    ``pages`` are the official pages it comments under; ``burst_size`` how many of its accounts join one
    burst; ``start_delay_s`` the delay from the post to the first comment; ``gap_mean_s`` the mean gap
    between consecutive comments of a burst; ``post_share`` the share of office-hours posts it targets;
    ``created`` batches of account creation as (local ISO time, spread in seconds, share of accounts);
    ``avatar_mode`` "same-url" (accounts share avatar URLs) or "same-name" (same file name, other hosts).
    """

    name: str
    platform: str
    n_accounts: int
    pages: tuple[str, ...]
    templates: tuple[str, ...]
    swaps: dict[str, tuple[str, ...]] = field(default_factory=dict)
    burst_size: tuple[int, int] = (6, 14)
    start_delay_s: tuple[float, float] = (20.0, 480.0)
    gap_mean_s: float = 15.0
    post_share: float = 0.7
    homoglyph_rate: float = 0.15
    emoji_rate: float = 0.3
    lowercase_rate: float = 0.1
    created: tuple[tuple[str, float, float], ...] = ()
    n_avatars: int = 4
    avatar_mode: str = "same-url"
    subtle: bool = False

    def as_json(self) -> dict:
        return {
            "platform": self.platform,
            "n_accounts": self.n_accounts,
            "pages": list(self.pages),
            "subtle": self.subtle,
            "templates": list(self.templates),
            "word_swaps": {k: list(v) for k, v in self.swaps.items()},
            "noise": {
                "homoglyph_rate": self.homoglyph_rate,
                "emoji_rate": self.emoji_rate,
                "lowercase_rate": self.lowercase_rate,
            },
            "timing": {
                "burst_size": list(self.burst_size),
                "start_delay_s": list(self.start_delay_s),
                "gap_mean_s": self.gap_mean_s,
                "post_share": self.post_share,
                "active_hours": "weekdays 09:00-18:00 Asia/Almaty",
            },
            "avatars": {"n_shared": self.n_avatars, "mode": self.avatar_mode},
            "created_batches": [list(b) for b in self.created],
        }


_SUBTLE_KK = (
    "{Дұрыс|Өте дұрыс|Орынды} шешім{p} {Президент|Мемлекет басшысы} {халықты ойлайды|халық үшін жұмыс істейді}{p}",
    "Бұл {жаңалық|бастама|реформа} {ауылдағы|қарапайым|барлық} адамдарға {көмектеседі|пайдалы болады}{p}",
)

CAMPAIGNS: tuple[CampaignSpec, ...] = (
    CampaignSpec(
        name="akorda-praise",
        platform="telegram",
        n_accounts=40,
        pages=("akorda",),
        templates=(
            "Президент заботится о народе и всегда думает о людях{p}",
            "{Спасибо Президенту|Благодарим Президента|Огромное спасибо Главе государства} за {заботу о народе|реформы|новый Казахстан}{p}",
            "{Правильное|Мудрое|Верное} решение{p} {Только вперёд|Так держать|Поддерживаем}{p}",
            "Касым-Жомарт Кемелевич {делает всё|работает день и ночь} для {народа|простых людей|нашей страны}{p}",
            "Президентке {рахмет|алғыс}{p} Халық үшін {көп жұмыс істеп жүр|еңбек етуде}{p}",
            "Жаңа Қазақстан — {әділ|жарқын|мықты} Қазақстан{p}",
        ),
        swaps={"всегда": ("постоянно", "всегда"), "народе": ("народе", "людях", "казахстанцах")},
        burst_size=(7, 15),
        start_delay_s=(15.0, 300.0),
        gap_mean_s=12.0,
        post_share=0.75,
        homoglyph_rate=0.2,
        created=(("2022-09-14T10:05:00", 5400.0, 1.0),),
        n_avatars=0,
    ),
    CampaignSpec(
        name="vote-family",
        platform="vk",
        n_accounts=24,
        pages=("tengri",),
        templates=(
            "Я {сделал|сделала} выбор за новый Казахстан{p} наша семья отдаёт {четыре голоса|пять голосов} за Токаева{p}",
            "Вся наша семья {идёт|пойдёт} на выборы {20 ноября|в воскресенье} и {голосует|проголосует} за {Токаева|Касым-Жомарта Кемелевича}{p}",
            "Мен жаңа Қазақстан үшін таңдау жасадым{p} Біздің отбасы {төрт|бес} дауысын Тоқаевқа береді{p}",
            "I made my choice for a New Kazakhstan{p} my family gives {four|five} votes to Tokayev{p}",
        ),
        swaps={"выбор": ("выбор", "свой выбор"), "семья": ("семья", "семья", "родня")},
        burst_size=(6, 12),
        start_delay_s=(30.0, 600.0),
        gap_mean_s=20.0,
        post_share=0.6,
        created=(("2022-10-03T14:10:00", 3000.0, 0.5), ("2022-10-05T11:20:00", 2400.0, 0.5)),
        n_avatars=4,
        avatar_mode="same-url",
    ),
    CampaignSpec(
        name="two-pages",
        platform="telegram",
        n_accounts=16,
        pages=("akorda", "kazinform"),
        templates=(
            "Kazakhstan is {moving forward|on the right path|getting stronger} under {the President|Tokayev}{p}",
            "{Great|Excellent|Wonderful} news for {our country|all Kazakhstanis|the people}{p} {Proud of Kazakhstan|Thank you Mr. President}{p}",
            "{Отличная|Хорошая|Прекрасная} новость для всей страны{p} {Казахстан идёт вперёд|Гордимся Казахстаном}{p}",
        ),
        burst_size=(4, 9),
        start_delay_s=(60.0, 900.0),
        gap_mean_s=25.0,
        post_share=0.45,
        homoglyph_rate=0.1,
        created=(("2022-08-22T16:40:00", 1800.0, 1.0),),
        n_avatars=0,
    ),
    CampaignSpec(
        name="subtle-kk",
        platform="vk",
        n_accounts=9,
        pages=("tengri",),
        templates=_SUBTLE_KK
        + tuple(kazakh_to_latin(t) for t in _SUBTLE_KK)
        + (
            "{Наконец-то|Вот это} {хорошие новости|правильный шаг}{p} {Видно, что|Чувствуется, что} власть {думает о людях|слышит народ}{p}",
            "Наш {аул|район|город} {это чувствует|уже видит перемены}{p} {Рахмет|Спасибо}{p}",
        ),
        swaps={"шешім": ("шешім", "қадам"), "власть": ("власть", "государство", "руководство")},
        burst_size=(2, 4),
        start_delay_s=(300.0, 2400.0),
        gap_mean_s=240.0,
        post_share=0.3,
        homoglyph_rate=0.05,
        emoji_rate=0.15,
        lowercase_rate=0.3,
        created=(
            ("2022-06-06T12:00:00", 86400.0, 0.4),
            ("2022-06-20T09:00:00", 172800.0, 0.3),
            ("2022-07-11T15:00:00", 86400.0, 0.3),
        ),
        n_avatars=3,
        avatar_mode="same-name",
        subtle=True,
    ),
)


def fill_template(template: str, rng: np.random.Generator) -> str:
    """Replace every ``{a|b|c}`` by one alternative and ``{p}`` by end punctuation."""

    def pick(match: re.Match) -> str:
        body = match.group(1)
        if body == "p":
            return PUNCTUATION[int(rng.integers(len(PUNCTUATION)))]
        options = body.split("|")
        return options[int(rng.integers(len(options)))]

    return _BRACE.sub(pick, template)


def add_noise(text: str, spec: CampaignSpec, rng: np.random.Generator) -> str:
    """Word swaps, homoglyphs, lower-case start, double spaces and trailing emoji, each at the spec's rate."""
    for word, alternatives in spec.swaps.items():
        if word in text and rng.random() < 0.5:
            text = text.replace(word, alternatives[int(rng.integers(len(alternatives)))], 1)
    if rng.random() < spec.homoglyph_rate:
        positions = [i for i, ch in enumerate(text) if ch in HOMOGLYPHS]
        if positions:
            chars = list(text)
            for i in rng.choice(positions, size=min(len(positions), int(rng.integers(1, 4))), replace=False):
                chars[int(i)] = HOMOGLYPHS[chars[int(i)]]
            text = "".join(chars)
    if rng.random() < spec.lowercase_rate and text:
        text = text[0].lower() + text[1:]
    if rng.random() < 0.05:
        text = text.replace(" ", "  ", 1)
    if rng.random() < spec.emoji_rate:
        n = int(rng.integers(1, 4))
        text = text.rstrip() + " " + "".join(EMOJI[int(i)] for i in rng.integers(len(EMOJI), size=n))
    return text.strip()


def campaign_text(spec: CampaignSpec, template_index: int, rng: np.random.Generator) -> str:
    """One comment of the campaign from its template number ``template_index``."""
    return add_noise(fill_template(spec.templates[template_index], rng), spec, rng)
