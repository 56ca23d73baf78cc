"""Transcribing at pauses: the last pass of a turn, incremental against the whole turn.

A live call transcribes the speech so far at every pause (`resonant.voice.hearing`); the
pass at the pause that ends the turn is what the reply waits for. Incremental: that pass
transcribes only the speech since an earlier pause that lasted 250 ms or more (at least
1 s of speech), prompted with
the text before. Whole: the same pause's audio transcribed from the turn's beginning (what
the pass would cost without it). Both are compared with Whisper's transcript of the whole
utterance (word error rate: what cutting at pauses loses, not Whisper's own errors).

Utterances: the recorded human speech of benchmarks/voice_calls.py (1-16 s), and six
8-10 s turns of three synthetic sentences each (Piper, the sentences of
benchmarks/voice_latency.py) joined by 450 ms pauses. Models warm, one at a time.

    python benchmarks/pause_transcription.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from voice_calls import JOIN_PAUSE_SECONDS, utterances
from voice_latency import UTTERANCES

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.voice.endpointing import Endpointer, Paused
from resonant.voice.hearing import MIN_CUT_QUIET_MS, PauseTranscriber
from resonant.voice.stt import WhisperTranscriber
from resonant.voice.tts import PiperSynthesizer
from resonant_tools.metrics import percentile, word_errors

SENTENCES_PER_TURN = 3


def synthetic_turns() -> dict[str, Audio]:
    voice = PiperSynthesizer()
    pause = np.zeros(int(SPEECH_RATE * JOIN_PAUSE_SECONDS), np.float32)
    turns = {}
    for first in range(0, 18, SENTENCES_PER_TURN):
        said = UTTERANCES[first : first + SENTENCES_PER_TURN]
        parts = [voice.synthesize(text).resampled(SPEECH_RATE).samples for text in said]
        joined = [piece for part in parts for piece in (part, pause)][:-1]
        turns[f"piper {first + 1}-{first + SENTENCES_PER_TURN}"] = Audio(
            np.concatenate(joined), SPEECH_RATE
        )
    return turns


def pauses_of(speech: Audio) -> list[Paused]:
    """The pauses an endpointer reports in one turn (nothing ends it early)."""
    quiet = np.zeros(SPEECH_RATE, np.float32)
    endpointer = Endpointer(silence_needed=lambda pause: 60_000)
    events = endpointer.feed(np.concatenate([quiet, speech.samples, quiet]))
    return [event for event in events if isinstance(event, Paused)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/pause_transcription.md")
    )
    args = parser.parse_args()
    said = utterances() | synthetic_turns()
    whisper = WhisperTranscriber()
    whisper.warm_up()
    rows, costs = [], {"incremental": [], "whole": []}
    errors = {"incremental": [0, 0], "whole": [0, 0]}
    for name, speech in said.items():
        reference = whisper.transcribe(speech).text
        pauses = pauses_of(speech)
        hearing = PauseTranscriber(whisper)
        for pause in pauses[:-1]:  # the turn so far, heard at each earlier pause
            hearing.paused(pause.audio, pause.pause, pause.turn, pause.earlier_quiet_ms)
            hearing.transcript_at(pause.pause)
        last = pauses[-1]
        begun = time.perf_counter()
        hearing.paused(last.audio, last.pause, last.turn, last.earlier_quiet_ms)
        incremental = hearing.transcript_at(last.pause)
        costs["incremental"].append((time.perf_counter() - begun) * 1000)
        hearing.close()
        begun = time.perf_counter()
        whole = whisper.transcribe(last.audio)
        costs["whole"].append((time.perf_counter() - begun) * 1000)
        assert incremental is not None
        for way, heard in (("incremental", incremental), ("whole", whole)):
            wrong, words = word_errors(reference, heard.text)
            errors[way][0] += wrong
            errors[way][1] += words
        rows.append(
            f"| {name} | {speech.seconds:.1f} | {len(pauses)} | {costs['incremental'][-1]:.0f} "
            f"| {costs['whole'][-1]:.0f} |"
        )
        print(rows[-1], flush=True)
    summary = [
        f"| {way} | {len(costs[way])} | {statistics.median(costs[way]):.0f} "
        f"| {percentile(costs[way], 95):.0f} | {errors[way][0] / errors[way][1]:.3f} "
        f"({errors[way][1]} words) |"
        for way in ("incremental", "whole")
    ]
    table = "\n".join(
        [
            "# The last transcription of a turn: incremental against the whole turn",
            "",
            "`python benchmarks/pause_transcription.py` (2-core CPU, faster-whisper tiny.en "
            "int8, warm). The pass at the pause that ends the turn: incremental (the speech "
            f"since an earlier pause of at least {MIN_CUT_QUIET_MS} ms, prompted with the text "
            "before) or "
            "the whole turn. WER "
            "against Whisper's transcript of the whole utterance.",
            "",
            "| last pass | turns | p50 ms | p95 ms | WER |",
            "|---|---:|---:|---:|---:|",
            *summary,
            "",
            "| utterance | seconds | pauses | incremental ms | whole ms |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ]
    )
    args.out.write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
