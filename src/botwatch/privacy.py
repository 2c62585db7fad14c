"""Pseudonyms for sharing results without the people in them.

A :class:`Pseudonymizer` turns account ids, item ids, handles and display names into stable tokens made with a
keyed BLAKE2b hash: ``acct_`` + 16 hex digits of ``BLAKE2b(key=salt, "account" | platform | account_id)``, and
likewise ``item_``, ``name_`` and ``ev_`` tokens. The same input gives the same token everywhere in one export
and in every export made with the same salt, so a shared file still joins with itself and with later exports,
but nobody without the salt can test a guessed handle or id against it.

The salt is either given, or generated once per case (``secrets.token_hex(16)``) and kept in the case's
``settings`` table, so repeated exports of a case agree. Keep the salt secret; it never leaves the case.

Texts keep their meaning but lose the handles in them: every ``@mention`` becomes ``@name_…`` (the token the
mentioned handle gets everywhere else), and whole words equal to a known handle or account id of the case (five
characters or more) are replaced too. Names spelled out in free text are not found; review a shared file before
it leaves your hands.

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

_MENTION = re.compile(r"@([\w](?:[\w.]*[\w])?)")
_WORD = re.compile(r"[\w](?:[\w.]*[\w])?")


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

    def __init__(self, salt: str, handles: dict[str, str] | None = None, account_ids=None):
        if not isinstance(salt, str) or not salt:
            raise ValueError("the pseudonymisation salt must be a non-empty string")
        self._key = hashlib.blake2b(salt.encode("utf-8"), digest_size=32).digest()
        self._handles = {h: h for h in (handles or {}) if len(h) >= MIN_WORD}
        self._ids = {i: p for i, p in (account_ids or {}).items() if len(i) >= MIN_WORD}
        self.token = lru_cache(maxsize=1 << 18)(self._token)

    @classmethod
    def for_case(cls, con, salt: str | None = None) -> Pseudonymizer:
        """A pseudonymizer for the case open on DuckDB connection ``con``.

        Without ``salt`` the case's stored salt is used, created (and stored) on first use; that needs ``con``
        to be writable once. Handles and account ids of the case's ``accounts`` are loaded for :meth:`text`.
        """
        if salt is None:
            salt = case_salt(con)
        handles: dict[str, str] = {}
        ids: dict[str, str] = {}
        for platform, account_id, handle in con.execute(
            "SELECT platform, account_id, handle FROM accounts ORDER BY platform, account_id"
        ).fetchall():
            ids.setdefault(account_id, platform)
            if handle:
                handles.setdefault(_fold(handle), handle)
        return cls(salt, handles, ids)

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
        """``text`` with every @mention and every known handle or account id replaced by its token."""
        if not text:
            return text
        text = _MENTION.sub(lambda m: "@" + self.name(m.group(1)), text)
        if not (self._handles or self._ids):
            return text
        return _WORD.sub(self._word, text)

    def _word(self, m: re.Match) -> str:
        word = m.group(0)
        if word in self._ids:
            return self.account(self._ids[word], word)
        folded = word.casefold()
        if folded in self._handles:
            return self.name(folded)
        return word


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
