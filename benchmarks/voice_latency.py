"""Voice-to-voice latency: end of the user's speech to the first audio of the reply.

20 synthetic utterances (spoken by the packaged Piper voice) go through the real voice
pipeline (faster-whisper tiny.en -> agent -> Piper, sentence-streamed), once with the
scripted LLM (the pipeline's own cost) and once with the embedded SmolLM2. Models are
warmed up first: cold start is measured by benchmarks/cold_start.py. In a live call the
endpointer's pause (700 ms by default) comes on top; the table shows both.

    python benchmarks/voice_latency.py --out benchmarks/results/voice_latency.md
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from tqdm import tqdm

from resonant.agent.agent import Agent
from resonant.defaults import DEFAULT_SILENCE_MS
from resonant.voice.pipeline import VoiceAgent
from resonant.voice.stt import WhisperTranscriber
from resonant.voice.tts import PiperSynthesizer
from resonant_tools.metrics import percentile

UTTERANCES = [
    "I lost my job today and I feel terrible.",
    "My sister is getting married next month and I'm so happy for her.",
    "I can't sleep, I keep worrying about my exams.",
    "My dog died last night.",
    "I finally finished my thesis!",
    "Nobody called me on my birthday.",
    "My boss yelled at me in front of everyone.",
    "I'm nervous about the job interview tomorrow.",
    "We moved to a new city and I don't know anyone.",
    "My best friend surprised me with concert tickets.",
    "The doctor said the results look fine.",
    "I failed my driving test again.",
    "I'm so tired of fighting with my partner.",
    "My grandmother is in the hospital.",
    "I got the scholarship!",
    "Someone stole my bike this morning.",
    "I miss my old friends from school.",
    "I have to give a speech in front of the whole company.",
    "My son took his first steps today.",
    "I feel like nobody listens to me.",
]


def run(llm: str, speech: list, transcriber, synthesizer) -> dict[str, list[float]]:
    rows: dict[str, list[float]] = {"first_audio": [], "stt_rtf": [], "tts_rtf": [], "stt": []}
    with (
        tempfile.TemporaryDirectory() as folder,
        Agent.from_defaults(data_dir=folder, llm=llm) as agent,
    ):
        voice = VoiceAgent(agent, transcriber=transcriber, synthesizer=synthesizer)
        voice.warm_up()
        for i, audio in enumerate(tqdm(speech, desc=llm)):
            reply = voice.respond(f"bench-{i}", audio)
            timings = reply.timings_ms
            rows["first_audio"].append(timings["first_audio"])
            rows["stt"].append(timings["stt"])
            rows["stt_rtf"].append(timings["stt"] / 1000 / audio.seconds)
            if reply.audio.seconds:
                rows["tts_rtf"].append(timings["tts"] / 1000 / reply.audio.seconds)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llms", nargs="+", default=["scripted", "smollm2"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/voice_latency.md"))
    args = parser.parse_args()
    synthesizer = PiperSynthesizer()
    transcriber = WhisperTranscriber()
    speech = [synthesizer.synthesize(text) for text in UTTERANCES]
    lines = [
        "# Voice-to-voice latency (CPU, 2 cores)\n",
        f"{len(UTTERANCES)} synthetic utterances (Piper en_US-joe), faster-whisper tiny.en int8, "
        "Piper for the reply, sentence-streamed; models warm. `first audio` is from the end of "
        "the user's speech (the turn handed to the pipeline) to the first synthesised sentence; "
        f"`+ endpoint` adds the {DEFAULT_SILENCE_MS} ms pause a live call waits for. RTF = "
        "processing time / audio duration (lower is faster).\n",
        "| LLM | first audio p50 (ms) | p95 (ms) | + endpoint p50 (ms) | STT p50 (ms) "
        "| STT RTF p50 | TTS RTF p50 |",
        "|---|---|---|---|---|---|---|",
    ]
    for llm in args.llms:
        rows = run(llm, speech, transcriber, synthesizer)
        first = rows["first_audio"]
        lines.append(
            f"| {llm} | {statistics.median(first):.0f} | {percentile(first, 95):.0f} "
            f"| {statistics.median(first) + DEFAULT_SILENCE_MS:.0f} "
            f"| {statistics.median(rows['stt']):.0f} | {statistics.median(rows['stt_rtf']):.3f} "
            f"| {statistics.median(rows['tts_rtf']):.3f} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
