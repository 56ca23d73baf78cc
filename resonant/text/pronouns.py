"""The pronoun swap: the user's own words, said back to them in the second person."""

from __future__ import annotations

import re

_SWAPS = [
    (r"\bI am\b", "you are"), (r"\bI'm\b", "you're"), (r"\bI've\b", "you've"),
    (r"\bI'd\b", "you'd"), (r"\bI'll\b", "you'll"), (r"\bI was\b", "you were"),
    (r"\bI\b", "you"), (r"\bmy\b", "your"), (r"\bme\b", "you"), (r"\bmine\b", "yours"),
    (r"\bmyself\b", "yourself"), (r"\bwe're\b", "you're"), (r"\bwe\b", "you"),
    (r"\bour\b", "your"), (r"\bus\b", "you"), (r"\bam\b", "are"),
]  # fmt: skip
_SWAP_RES = [(re.compile(p, re.IGNORECASE), r) for p, r in _SWAPS]


def second_person(text: str) -> str:
    """'I lost my job' -> 'you lost your job'."""
    for pattern, replacement in _SWAP_RES:
        text = pattern.sub(replacement, text)
    return text
