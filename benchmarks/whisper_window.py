"""Whisper on a window fitted to the speech against its usual 30 seconds: time and words.

Whisper pads every clip to 30 s, so its encoder costs the same for one second of speech as
for twenty. `WhisperTranscriber(window="fit")` (the default; `resonant.voice.whisper_window`)
reads the speech plus 6 s instead, cuts transcripts that repeat themselves, and falls back
to the usual window when decoding loops or is unsure. This times both on the same clips
and scores the fitted transcripts against the usual ones (word error rate: what the
shorter window changes, not Whisper's own errors).

Clips: the 20 synthetic sentences of benchmarks/voice_latency.py (Piper), the recorded
human speech of benchmarks/voice_calls.py (1-16 s), and the same recordings cut at their
pauses as a live call transcribes them (the speech since the pause before, as
`resonant.voice.hearing` does). Models warm, one clip at a time.

    python benchmarks/whisper_window.py
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path

from pause_transcription import pauses_of
from voice_calls import utterances
from voice_latency import UTTERANCES

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.voice.stt import WhisperTranscriber
from resonant.voice.tts import PiperSynthesizer
from resonant_tools.metrics import percentile, word_errors


def clips() -> dict[str, Audio]:
    voice = PiperSynthesizer()
    found = {text: voice.synthesize(text).resampled(SPEECH_RATE) for text in UTTERANCES}
    for name, speech in utterances().items():
        found[name] = speech
        pauses = pauses_of(speech)
        for before, pause in itertools.pairwise(pauses):
            cut = len(before.audio.samples)
            found[f"{name}, pause {pause.pause}"] = Audio(pause.audio.samples[cut:], SPEECH_RATE)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/whisper_window.md"))
    args = parser.parse_args()
    said = clips()
    usual, fitted = WhisperTranscriber(window="full"), WhisperTranscriber(window="fit")
    usual.warm_up()
    fitted.warm_up()
    times: dict[str, list[float]] = {"full": [], "fit": []}
    wrong = words = 0
    spoken = {way: [0, 0] for way in times}  # against the words Piper was given
    rows = []
    for name, speech in said.items():
        heard = {}
        for way, model in (("full", usual), ("fit", fitted)):
            begun = time.perf_counter()
            heard[way] = model.transcribe(speech).text
            times[way].append((time.perf_counter() - begun) * 1000)
        if name in UTTERANCES:
            for way, text in heard.items():
                missed, total = word_errors(name, text)
                spoken[way][0] += missed
                spoken[way][1] += total
        errors, count = word_errors(heard["full"], heard["fit"])
        wrong, words = wrong + errors, words + count
        if errors:
            rows.append(f"| {name} | {errors}/{count} | {heard['full']} | {heard['fit']} |")
    summary = [
        f"| {way} | {len(ms)} | {statistics.median(ms):.0f} | {percentile(ms, 95):.0f} | "
        f"{spoken[way][0] / spoken[way][1]:.3f} ({spoken[way][1]} words) |"
        for way, ms in times.items()
    ]
    table = "\n".join(
        [
            "# Whisper tiny.en: a window fitted to the speech against the usual 30 s",
            "",
            "`python benchmarks/whisper_window.py` (2-core CPU, int8, warm).",
            "",
            "| window | clips | p50 ms | p95 ms | WER on the synthetic sentences |",
            "|---|---:|---:|---:|---:|",
            *summary,
            "",
            f"Word error rate of the fitted transcripts against the usual ones: "
            f"{wrong / max(1, words):.3f} ({wrong} of {words} words, {len(said)} clips). "
            "The clips where they differ:",
            "",
            "| clip | words wrong | 30 s window | fitted window |",
            "|---|---:|---|---|",
            *rows,
        ]
    )
    args.out.write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
