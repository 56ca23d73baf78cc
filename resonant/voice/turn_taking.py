"""When has the user finished speaking? Silence, read together with what they said.

A fixed pause either cuts people off (short) or makes every reply wait (long). Whisper
writes punctuation, so the transcript of the speech so far tells the two cases apart: a
pause after "I lost my job today." can end the turn soon; a pause after "I lost my job
and" should be waited out; anything else gets the ordinary pause.
"""

from __future__ import annotations

from dataclasses import dataclass

from resonant.defaults import (
    DEFAULT_FINISHED_SILENCE_MS,
    DEFAULT_SILENCE_MS,
    DEFAULT_UNFINISHED_SILENCE_MS,
)
from resonant.text.tokens import tokens
from resonant.text.wordlists import word_list

_FINAL_MARKS = (".", "!", "?")
_OPEN_MARKS = (",", ";", ":", "-", "...", "…")


@dataclass(frozen=True, slots=True)
class TurnTaking:
    """How long a pause must last before the turn ends, by what was said before it.

    Args:
        silence_ms: the ordinary pause (also used while the transcript is not known yet).
        finished_silence_ms: after a sentence that sounds finished ("... today.").
        unfinished_silence_ms: after words that promise more ("and", "um", a comma).
    """

    silence_ms: int = DEFAULT_SILENCE_MS
    finished_silence_ms: int = DEFAULT_FINISHED_SILENCE_MS
    unfinished_silence_ms: int = DEFAULT_UNFINISHED_SILENCE_MS

    def silence_after(self, transcript: str | None) -> int:
        """Milliseconds of quiet that end a turn whose speech so far reads `transcript`
        (None: not transcribed yet)."""
        if transcript is None:
            return self.silence_ms
        finished = sounds_finished(transcript)
        if finished is None:
            return self.silence_ms
        return self.finished_silence_ms if finished else self.unfinished_silence_ms


def sounds_finished(transcript: str) -> bool | None:
    """True when the text ends like a finished sentence, False when it ends mid-thought,
    None when it cannot tell (no words, or no punctuation to go by)."""
    text = transcript.strip()
    said = tokens(text)
    if not said:
        return None
    if said[-1] in _continuations() or text.endswith(_OPEN_MARKS):
        return False
    if text.endswith(_FINAL_MARKS):
        return True
    return None


def _continuations() -> frozenset[str]:
    return frozenset(word_list("continuation_words"))
