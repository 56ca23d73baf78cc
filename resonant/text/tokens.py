"""Lower-cased word tokens, the unit every lexicon lookup and word overlap works on."""

from __future__ import annotations

import re

from resonant.text.wordlists import word_list

TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Words that flip or cancel the feeling word after them ("not happy").
NEGATORS = frozenset(word_list("negators"))


def tokens(text: str) -> list[str]:
    """'I can't SLEEP' -> ['i', "can't", 'sleep']."""
    return TOKEN_RE.findall(text.lower())
