"""Pseudonyms for sharing results without the people in them.

A :class:`Pseudonymizer` turns account ids, item ids, handles and display names into stable tokens made with a
keyed BLAKE2b hash: ``acct_`` + 16 hex digits of ``BLAKE2b(key=salt, "account" | platform | account_id)``, and
likewise ``item_``, ``name_`` and ``ev_`` tokens. The same input gives the same token everywhere in one export
and in every export made with the same salt, so a shared file still joins with itself and with later exports,
but nobody without the salt can test a guessed handle or id against it.

The salt is either given, or generated once per case (``secrets.token_hex(16)``) and kept in the case's
``settings`` table, so repeated exports of a case agree. Keep the salt secret; it never leaves the case.

Texts keep their meaning but lose the people in them (:meth:`Pseudonymizer.text`):

- every ``@mention`` (dots, hyphens and underscores included: ``@Olga-Smirnova``) becomes ``@name_…``, the token
  the mentioned handle gets everywhere else;
- a link to a profile (``t.me/…``, ``vk.com/id…``, ``x.com/…``, ``instagram.com/…`` and other social sites) keeps
  its site and loses its path: ``vk.com/name_…``;
- e-mail addresses become ``[email]`` and phone numbers (10 to 15 digits, ``+7 701 123 45 67``) ``[phone]``;
- a known handle, account id or full display name of the case is replaced wherever it appears as words, in any
  case and with any of ``.``, ``-``, ``_`` or spaces between its parts (``ivan.petrov``, ``Ivan Petrov``,
  ``ivan petrov``), and so is the form it takes in normalised text (numbers folded to ``0``, the tail left
  after an ``@mention`` is cut: ``smirnova``), so templates built from normalised texts lose them too. Bare
  handles and ids shorter than five characters, and one-word display names, are not replaced.

Names spelled out in free text that are not handles or display names of the case are not found; review a shared
file before it leaves your hands.

>>> p = Pseudonymizer("s3cret")
>>> p.account("vk", "12345") == p.account("vk", "12345")
True
>>> p.account("vk", "12345").startswith("acct_")
True
>>> p.text("thanks @Some_User!").startswith("thanks @name_")
True
"""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import lru_cache

import duckdb

from botwatch.errors import BotwatchError

SALT_KEY = "pseudonym_salt"
TOKEN_HEX = 16  # 64 bits: the chance that two of a million accounts share a token is about 3 in 100 million
MIN_WORD = 5  # bare words shorter than this are not replaced even when they equal a known handle or id

_DIGITS = re.compile(r"\d+(?:[.,:/]\d+)*")  # a number, as text normalisation folds it to "0"
_MENTION_RUN = re.compile(r"[\w.]*\w")  # what text normalisation removes as an @mention
_HAS_DIGITS = re.compile(r"\d{3}")
_END = "\x00"  # marks the end of a name in the trie (no word contains NUL)
_MENTION = re.compile(r"@([\w](?:[\w.-]*[\w])?)")
_PART = re.compile(r"[^\W_]+")  # the words of a handle or text: letters and digits, split at . - _ and spaces
# what may stand between the parts of a name in a text; "{" and "/" also inside a template's slot ("citizen {03/04}")
_GAP = re.compile(r"[\s._'{/-]{1,3}")
# Cyrillic and Greek letters that look like Latin ones: a name matches whichever script a text (or the homoglyph
# folding that builds templates: "ann_k" -> "ann к" in a Russian sentence) wrote it in
_SKELETON = str.maketrans("авеёкмнорстухіјѕԁһӏԛԝαβεικνορτυχ", "abeekmhopctyxijsdhlqwabeikvoptux")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# +7 701 555 12 34, 8 (701) 555-12-34, 87015551234, and "7 701 555 12 34" as templates write it (10-15 digits);
# not dates and times (2024-05-01 08:07)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d(?:[\s().-]{0,2}\d){8,14}|8\s?\(?\d{3}\)?(?:[\s-]?\d){7}|\d{10,15}|\d{1,4}(?: \d{2,4}){2,5})(?!\w)"
)
_SOCIAL_HOSTS = (
    r"t\.me|telegram\.me|telegram\.dog|vk\.com|vk\.ru|m\.vk\.com|ok\.ru|twitter\.com|x\.com|instagram\.com|"
    r"tiktok\.com|facebook\.com|fb\.com|m\.facebook\.com|threads\.net|youtube\.com|reddit\.com/u(?:ser)?"
)
_PROFILE_URL = re.compile(rf"(?i)((?:https?://)?(?:www\.)?(?:{_SOCIAL_HOSTS})/)(@?[\w.-]*[\w])")


class Pseudonymizer:
    """Stable salted tokens for ids, handles and names, and texts with their handles replaced.

    Parameters
    ----------
    salt : str
        The secret that keys the hash. Exports made with the same salt agree token for token.
    handles : mapping of lower-cased handle -> handle, optional
        Handles known in the case; whole words equal to one are replaced in :meth:`text`.
    account_ids : mapping of account id -> platform, optional
        Account ids known in the case; whole words equal to one are replaced in :meth:`text`.
    """

    def __init__(self, salt: str, handles: dict[str, str] | None = None, account_ids=None, names=()):
        if not isinstance(salt, str) or not salt:
            raise ValueError("the pseudonymisation salt must be a non-empty string")
        self._key = hashlib.blake2b(salt.encode("utf-8"), digest_size=32).digest()
        self._ids = {i: p for i, p in (account_ids or {}).items() if len(i) >= MIN_WORD}
        # a trie of the known names' words (skeletons); _END marks where a name ends, with its key
        self._trie: dict = {}
        handles = [h for h in (handles or {}) if len(_fold(h)) >= MIN_WORD]
        multiword = [n for n in names if n and len(_PART.findall(n)) > 1 and len(_fold(n)) >= MIN_WORD]
        for key, form in _name_forms(handles, one_word=True) + _name_forms(multiword, one_word=False):
            self._add_form(key, form)
        self.token = lru_cache(maxsize=1 << 18)(self._token)

    def _add_form(self, key: str, form: str) -> None:
        words = _PART.findall(_skeleton(form))
        if not words or len("".join(words)) < MIN_WORD - 1:
            return
        node = self._trie
        for w in words:
            node = node.setdefault(w, {})
        node.setdefault(_END, key)

    @classmethod
    def for_case(cls, con, salt: str | None = None) -> Pseudonymizer:
        """A pseudonymizer for the case open on DuckDB connection ``con``.

        Without ``salt`` the case's stored salt is used, created (and stored) on first use; that needs ``con``
        to be writable once. Handles, account ids and display names of the case's ``accounts`` are loaded for
        :meth:`text`.
        """
        if salt is None:
            salt = case_salt(con)
        handles: dict[str, str] = {}
        ids: dict[str, str] = {}
        names: set[str] = set()
        for platform, account_id, handle, display_name in con.execute(
            "SELECT platform, account_id, handle, display_name FROM accounts ORDER BY platform, account_id"
        ).fetchall():
            ids.setdefault(account_id, platform)
            if handle:
                handles.setdefault(_fold(handle), handle)
            if display_name:
                names.add(display_name)
        return cls(salt, handles, ids, sorted(names))

    def _token(self, kind: str, platform: str | None, value: str) -> str:
        data = "\x1f".join((kind, platform or "", value)).encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(data, key=self._key, digest_size=TOKEN_HEX // 2).hexdigest()
        return f"{kind}_{digest}"

    # ``token(kind, platform, value)`` is the cached form of ``_token``; the methods below are its public faces.
    def account(self, platform: str | None, account_id: str | None) -> str | None:
        """``acct_…`` token of an account (``None`` stays ``None``)."""
        if account_id is None:
            return None
        return self.token("acct", platform, str(account_id))

    def item(self, platform: str | None, item_id: str | None) -> str | None:
        """``item_…`` token of an item id (item ids identify their authors on most platforms)."""
        if item_id is None:
            return None
        return self.token("item", platform, str(item_id))

    def name(self, text: str | None) -> str | None:
        """``name_…`` token of a handle or display name; case, surrounding spaces and a leading ``@`` are
        ignored, so ``@Foo`` in a text and the handle ``foo`` get the same token."""
        if text is None:
            return None
        folded = _fold(text)
        return self.token("name", None, folded) if folded else ""

    def text(self, text: str | None) -> str | None:
        """``text`` without the people in it: mentions, profile links, e-mail addresses, phone numbers, and known
        handles, ids and display names replaced (see the module docstring)."""
        if not text:
            return text
        if "@" in text:
            text = _EMAIL.sub("[email]", text)
            text = _MENTION.sub(lambda m: "@" + self.name(m.group(1)), text)
        if "/" in text:
            text = _PROFILE_URL.sub(self._profile_link, text)
        if (self._ids or self._trie) and self._may_hold_a_name(text):
            text = self._replace_words(text, _skeleton_words(text))
        return _PHONE.sub(_phone, text) if _HAS_DIGITS.search(text) else text

    def _profile_link(self, m: re.Match) -> str:
        """A profile link's site kept, its path replaced by the account's token (when the path is a known id,
        also as VK's ``id123``) or by the name token of the handle it holds."""
        segment = m.group(2)
        for ident in (segment, segment[2:] if segment.startswith("id") else None):
            if ident in self._ids:
                return m.group(1) + self.account(self._ids[ident], ident)
        return m.group(1) + self.name(segment)

    def _may_hold_a_name(self, text: str) -> bool:
        """A quick test: does any word start a known name or equal a known id?"""
        trie, ids = self._trie, self._ids
        return any(w in trie for w in _PART.findall(_skeleton(text))) or (
            bool(ids) and any(w in ids for w in _PART.findall(text))
        )

    def _replace_words(self, text: str, words: list[tuple[int, int, str]]) -> str:
        out: list[str] = []
        pos = i = 0
        while i < len(words):
            n, token = self._match_at(text, words, i)
            if token is not None:
                out.append(text[pos : words[i][0]])
                out.append(token)
                pos = words[i + n - 1][1]
            i += n
        out.append(text[pos:])
        return "".join(out)

    def _match_at(self, text: str, words: list[tuple[int, int, str]], i: int) -> tuple[int, str | None]:
        """How many words from ``words[i]`` form a known name (the longest), and its token; ``(1, None)`` when
        none does. The words of a name may be joined by ``.``, ``-``, ``_``, spaces or a template's slot."""
        best: tuple[int, str | None] = (1, None)
        node = self._trie.get(words[i][2])
        j = i
        while node is not None:
            if _END in node:
                best = (j - i + 1, self.name(node[_END]))
            j += 1
            if j == len(words) or not _GAP.fullmatch(text, words[j - 1][1], words[j][0]):
                break
            node = node.get(words[j][2])
        if best[1] is None:
            word = text[words[i][0] : words[i][1]]
            if word in self._ids:
                return 1, self.account(self._ids[word], word)
        return best


def _skeleton_words(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, skeleton)`` of each word of ``text``."""
    skeleton = _skeleton(text)
    if len(skeleton) == len(text):  # one pass over the whole text (case folding rarely changes its length)
        return [(m.start(), m.end(), m.group(0)) for m in _PART.finditer(skeleton)]
    return [(m.start(), m.end(), _skeleton(m.group(0))) for m in _PART.finditer(text)]


def _name_forms(names: list[str], one_word: bool) -> list[tuple[str, str]]:
    """``(key, form)`` pairs for handles or display names: the name itself, the form text normalisation gives
    it in templates (numbers folded to ``0``; case, punctuation and look-alike letters are matched anyway) and,
    for handles, what normalisation leaves of ``@name`` (``@Olga-Smirnova`` -> ``-Smirnova``). ``key`` is the
    folded name, whose token replaces every form. ``one_word`` admits one-word forms."""
    out = []
    for name in names:
        key = _fold(name)
        forms = {name, _DIGITS.sub("0", name)}
        if one_word:
            bare = name.strip().lstrip("@")
            mention = _MENTION_RUN.match(bare)
            if mention and mention.end() < len(bare):
                forms |= {bare[mention.end() :], _DIGITS.sub("0", bare[mention.end() :])}
        out += [(key, f) for f in forms if f and (one_word or len(_PART.findall(f)) > 1)]
    return out


def _phone(m: re.Match) -> str:
    digits = sum(c.isdigit() for c in m.group(0))
    return "[phone]" if 10 <= digits <= 15 else m.group(0)


def _skeleton(word: str) -> str:
    """``word`` case-folded, with Cyrillic and Greek look-alikes of Latin letters made Latin."""
    return word.casefold().translate(_SKELETON)


def _fold(text: str) -> str:
    return text.strip().lstrip("@").casefold()


def _stored_salt(con) -> str | None:
    """The salt stored in the case's ``settings`` table, or ``None`` when there is none (yet)."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'settings'"
    ).fetchall()[0][0]
    if not has:
        return None
    rows = con.execute("SELECT value FROM settings WHERE key = ?", [SALT_KEY]).fetchall()
    return rows[0][0] if rows else None


def case_salt(con) -> str:
    """The case's pseudonymisation salt, generated and stored in ``settings`` on first use."""
    stored = _stored_salt(con)
    if stored is not None:
        return stored
    salt = secrets.token_hex(16)
    try:
        con.execute("CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO settings VALUES (?, ?)", [SALT_KEY, salt])
    except duckdb.Error as exc:
        raise BotwatchError(
            f"cannot store a pseudonymisation salt in the case ({exc}); open the case writable once, "
            "or pass a salt"
        ) from None
    return salt


def has_case_salt(con) -> bool:
    """Whether the case already stores a salt (so a read-only connection is enough)."""
    return _stored_salt(con) is not None


def open_case(case_path, pseudonymize: bool = False, salt: str | None = None):
    """The case at ``case_path`` opened read-only (a :class:`~botwatch.store.case.Case`), after opening it
    writable once to create and store its salt when pseudonymising needs one that is neither given nor stored."""
    from botwatch.store.case import Case

    case = Case(case_path, read_only=True)
    if pseudonymize and salt is None and not has_case_salt(case.con):
        case.close()
        with Case(case_path) as writable:
            case_salt(writable.con)
        case = Case(case_path, read_only=True)
    return case


__all__ = ["Pseudonymizer", "case_salt", "has_case_salt", "open_case"]
