"""User and conversation ids: checked and normalised once, wherever they enter.

NFC normalisation makes "josé" typed on a Mac (NFD) and on Windows (NFC) one user; a
printable-only rule keeps NUL, newlines, zero-width and bidi characters out of ids that
end up in logs, URLs and database keys.
"""

from __future__ import annotations

import json
import unicodedata

from resonant.errors import InvalidTurnError

MAX_ID_CHARS = 128


def check_id(kind: str, value: object) -> str:
    """The id in NFC form.

    Raises:
        InvalidTurnError: not a string, blank, longer than MAX_ID_CHARS, or holding a
            character that is not printable (controls, zero-width, bidi, lone surrogates).
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidTurnError(f"{kind} must be a non-empty string")
    normal = unicodedata.normalize("NFC", value)
    if len(normal) > MAX_ID_CHARS or not normal.isprintable():
        raise InvalidTurnError(f"{kind} must be at most {MAX_ID_CHARS} printable characters")
    return normal


def thread_id(user_id: str, conversation: str) -> str:
    """The LangGraph thread of a conversation. JSON keeps the pair unambiguous whatever
    characters the ids contain, and every thread of a user starts with `thread_prefix`."""
    return json.dumps([user_id, conversation])


def thread_prefix(user_id: str) -> str:
    return json.dumps([user_id, ""])[: -len('""]')]
