"""Labels and page anchors for accounts and items, pseudonymised on request.

Every account and item the report links to gets one HTML ``id`` that is safe in any attribute or URL fragment
(``[A-Za-z0-9_.-]`` only). A raw id that is already safe is kept readable (``account-12345``); anything else is
reduced to its safe characters plus a short hash, so attacker-chosen ids never reach markup unescaped and two
ids never share an anchor. With a pseudonymiser, labels and anchors come from the pseudonyms only, so the page
carries no raw handle, name or id.
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:10]


def safe_fragment(text: str, max_len: int = 60) -> str:
    """``text`` reduced to anchor-safe characters (possibly empty)."""
    return _UNSAFE.sub("_", text)[:max_len]


class Identities:
    """Account/item labels and anchors for one report. ``pseudonymizer`` follows
    :class:`botwatch.privacy.Pseudonymizer` (``account``, ``name``, ``text``) or is ``None``."""

    def __init__(self, pseudonymizer=None):
        self.pseudonymizer = pseudonymizer
        self._anchors: dict[tuple[str, str, str], str] = {}
        self._owners: dict[str, tuple[str, str, str]] = {}
        self._labels: dict[tuple[str, str, str], str] = {}

    @property
    def pseudonymized(self) -> bool:
        return self.pseudonymizer is not None

    # -- labels ----------------------------------------------------------------------------------------------
    def account_label(self, platform: str, account_id: str) -> str:
        key = ("account", platform or "", account_id or "")
        label = self._labels.get(key)
        if label is None:
            label = self.pseudonymizer.account(platform, account_id) if self.pseudonymizer else account_id
            self._labels[key] = label
        return label

    def item_label(self, platform: str, item_id: str) -> str:
        """An item's id, or under pseudonymisation a salted pseudonym of it (item ids identify authors too)."""
        key = ("item", platform or "", item_id or "")
        label = self._labels.get(key)
        if label is None:
            label = item_id
            if self.pseudonymizer is not None:
                item = getattr(self.pseudonymizer, "item", None)
                label = (
                    item(platform, item_id)
                    if item
                    else self.pseudonymizer.account(platform, "item:" + item_id)
                )
            self._labels[key] = label
        return label

    def handle(self, handle: str | None) -> str | None:
        if handle is None or not self.pseudonymizer:
            return handle
        return self.pseudonymizer.name(handle)

    def name(self, name: str | None) -> str | None:
        if name is None or not self.pseudonymizer:
            return name
        return self.pseudonymizer.name(name)

    def text(self, text: str | None) -> str | None:
        if text is None or not self.pseudonymizer:
            return text
        return self.pseudonymizer.text(text)

    # -- anchors ---------------------------------------------------------------------------------------------
    def _anchor(self, kind: str, platform: str, ident: str) -> str:
        key = (kind, platform or "", ident or "")
        found = self._anchors.get(key)
        if found is not None:
            return found
        shown = self.account_label(platform, ident) if kind == "account" else ident
        if kind == "item":
            shown = self.item_label(platform, ident)
        safe = safe_fragment(shown)
        anchor = f"{kind}-{safe}"
        if not safe or safe != shown:
            anchor = f"{kind}-{safe}-{_digest(kind, platform or '', ident or '')}"
        if self._owners.get(anchor, key) != key:
            anchor = f"{kind}-{safe}-{_digest(kind, platform or '', ident or '')}"
        self._anchors[key] = anchor
        self._owners[anchor] = key
        return anchor

    def account_anchor(self, platform: str, account_id: str) -> str:
        return self._anchor("account", platform, account_id)

    def item_anchor(self, platform: str, item_id: str) -> str:
        return self._anchor("item", platform, item_id)
