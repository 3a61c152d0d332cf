"""Making any incoming text storable, once, where it enters the use cases.

Chat platforms deliver text that a database refuses or that compares badly: PostgreSQL rejects
NUL in text, a lone UTF-16 surrogate (``"\\ud800"``, which JSON escapes can carry) cannot be
encoded as UTF-8 by any driver, and the same name typed on two keyboards may arrive composed or
decomposed. :func:`storable` fixes all three; the relay applies it to every post and command,
so no adapter has to.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["storable", "unstorable"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


def storable(text: str) -> str:
    """``text`` without NUL, lone surrogates as U+FFFD, pairs joined, in Unicode NFC."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _SURROGATE.search(text) is not None:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def unstorable(text: str) -> bool:
    """Whether ``text`` holds what no database stores as it is: NUL, or a UTF-16 surrogate."""
    return "\x00" in text or _SURROGATE.search(text) is not None
