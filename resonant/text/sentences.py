"""Cutting a reply that is still being written into sentences, so speech can start early."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# A sentence ends at . ! ? (or … and newlines) followed by space; "Dr." and "3.5" are not
# ends because the first is a known abbreviation and the second has no space after the dot.
_END_RE = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+")
_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "etc."})
MIN_SENTENCE_CHARS = 12  # very short pieces ("Oh.") are joined to the next one
MAX_SENTENCE_CHARS = 300  # a run-on reply is cut at a comma or space so audio still flows


def _complete_sentences(text: str, min_chars: int) -> tuple[list[str], int]:
    """The sentences of `text` that have ended, and where the unfinished rest begins.
    A piece shorter than `min_chars` is not cut off: it joins the sentence after it."""
    sentences = []
    start = 0
    for match in _END_RE.finditer(text):
        candidate = text[start : match.start()].strip()
        last_word = candidate.rsplit(maxsplit=1)[-1].lower() if candidate else ""
        if not candidate or len(candidate) < min_chars or last_word in _ABBREVIATIONS:
            continue
        sentences.append(candidate)
        start = match.end()
    return sentences, start


def sentences_of(text: str) -> list[str]:
    """Every sentence of a finished text, as written (short ones are not joined)."""
    sentences, start = _complete_sentences(text, 0)
    rest = text[start:].strip()
    return [*sentences, rest] if rest else sentences


class SentenceStream:
    """Feed text pieces; get back the sentences completed so far."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, piece: str) -> list[str]:
        self._buffer += piece
        sentences, start = _complete_sentences(self._buffer, MIN_SENTENCE_CHARS)
        self._buffer = self._buffer[start:]
        while len(self._buffer) > MAX_SENTENCE_CHARS:
            cut = self._buffer.rfind(",", 0, MAX_SENTENCE_CHARS)
            cut = cut if cut > 0 else self._buffer.rfind(" ", 0, MAX_SENTENCE_CHARS)
            cut = cut if cut > 0 else MAX_SENTENCE_CHARS
            sentences.append(self._buffer[: cut + 1].strip())
            self._buffer = self._buffer[cut + 1 :]
        return [s for s in sentences if s]

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer.strip(), ""
        return [rest] if rest else []


def split_sentences(pieces: Iterable[str]) -> Iterator[str]:
    stream = SentenceStream()
    for piece in pieces:
        yield from stream.feed(piece)
    yield from stream.flush()
