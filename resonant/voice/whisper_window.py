"""Whisper on a window fitted to the speech, instead of the 30 seconds it pads every clip to.

Whisper's encoder reads 30 s whatever was said, and that fixed cost is most of the time
it takes to transcribe a spoken turn (benchmarks/results/whisper_window.md). CTranslate2
runs the encoder on a shorter input, as whisper.cpp's `audio_ctx` does: here the speech
that Silero finds (the voice filter faster-whisper applies too) plus FIT_PAD_SECONDS of
quiet. A shortened window makes Whisper run on past the end of what was said (repeating
it), so decoding is capped at TOKENS_PER_SECOND, a transcript that repeats itself is cut
to its first saying, and one that hit the cap or compresses too well (a loop) is not
trusted: the caller transcribes that clip the usual way (as it does an unsure one).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from resonant.audio.samples import SPEECH_RATE, FloatArray

FIT_PAD_SECONDS = 6
MAX_FIT_SECONDS = 24  # longer speech gets the usual 30 s window
TOKENS_PER_SECOND = 6  # fast speech is about 4 Whisper tokens a second
LOOP_COMPRESSION = 2.4  # faster-whisper's own threshold for a looping transcript
MIN_REPEATED_WORDS = 3  # "thank you, thank you" is speech; a repeated clause is a loop


@dataclass(frozen=True, slots=True)
class Fitted:
    """What the fitted window heard (text already cut of repeats)."""

    text: str
    speech_seconds: float
    avg_logprob: float


def speech_only(samples: FloatArray) -> FloatArray:
    """The stretches Silero's voice filter takes for speech, joined."""
    from faster_whisper.vad import get_speech_timestamps

    spans = get_speech_timestamps(samples)
    if not spans:
        return np.zeros(0, np.float32)
    return np.concatenate([samples[span["start"] : span["end"]] for span in spans])


def transcribe_fitted(model: Any, samples: FloatArray, prompt: str | None) -> Fitted | None:
    """`samples` (16 kHz) through `model` (a faster_whisper.WhisperModel, English) with the
    encoder window fitted to their speech; None when the decoding looped or the speech is
    too long for a fitted window."""
    from faster_whisper.tokenizer import Tokenizer

    speech = speech_only(samples)
    seconds = len(speech) / SPEECH_RATE
    if seconds == 0:
        return Fitted("", 0.0, 0.0)
    if seconds > MAX_FIT_SECONDS:
        return None
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, "transcribe", "en")
    earlier = tokenizer.encode(" " + prompt.strip()) if prompt and prompt.strip() else []
    tokens = model.get_prompt(tokenizer, earlier, without_timestamps=True)
    budget = int(seconds * TOKENS_PER_SECOND) + 12
    result = model.model.generate(
        _encode(model, speech, math.ceil(seconds) + FIT_PAD_SECONDS),
        [tokens],
        beam_size=1,
        max_length=len(tokens) + budget,
        suppress_blank=True,
        suppress_tokens=[-1],
        return_scores=True,
    )[0]
    heard = result.sequences_ids[0]
    text = str(tokenizer.decode(heard)).strip()
    avg_logprob = float(result.scores[0]) if heard else 0.0
    if len(heard) >= budget - 1 or _compression(text) > LOOP_COMPRESSION:
        return None
    return Fitted(without_repeats(text), seconds, avg_logprob)


def without_repeats(text: str) -> str:
    """A transcript that says its own beginning again ("I got it. I got it.", or "...for
    free. If you're") cut to its first saying, and words said twice at its end said once.
    Repeats shorter than MIN_REPEATED_WORDS are speech ("thank you, thank you"), unless a
    sentence ended just before (a loop starting again)."""
    said = text.split()
    plain = [word.strip(".,!?;:").lower() for word in said]
    for unit in range(MIN_REPEATED_WORDS, len(plain)):
        again = plain[unit:]
        sentence_ended = said[unit - 1].endswith((".", "!", "?"))
        long_enough = len(again) >= MIN_REPEATED_WORDS or (len(again) >= 2 and sentence_ended)
        if long_enough and again == plain[: len(again)]:
            return " ".join(said[:unit])
    unit = MIN_REPEATED_WORDS
    while 2 * unit <= len(plain):
        if plain[-unit:] == plain[-2 * unit : -unit]:
            said, plain = said[:-unit], plain[:-unit]
            unit = MIN_REPEATED_WORDS
        else:
            unit += 1
    return " ".join(said)


def _encode(model: Any, speech: FloatArray, window_seconds: int) -> Any:
    import ctranslate2

    padded = np.zeros(window_seconds * SPEECH_RATE, np.float32)
    padded[: len(speech)] = speech
    features = model.feature_extractor(padded, padding=0)
    features = features[:, : features.shape[1] // 2 * 2]  # the encoder halves the frames
    return model.model.encode(
        ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
    )


def _compression(text: str) -> float:
    data = text.encode()
    return len(data) / len(zlib.compress(data)) if data else 0.0
