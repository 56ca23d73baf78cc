"""Live calls over the WebSocket endpoint: end of speech -> first reply audio, on recorded
human speech of 1-16 s, with 1, 2 and 4 calls at once against one `resonant serve --voice`
process per mode, in the same sitting. Modes: `on`, transcript-aware turn-taking (the
default); `off`, the baseline (a fixed 700 ms pause, then transcription); `fit`,
turn-taking with Whisper reading a window fitted to the speech (`--stt-window fit`); and,
when asked for, `fit-300`: `fit` ending a turn 300 ms (not 500) after a finished sentence.

Speech: the recordings of real people that ship inside the gradio package (1.0-7.9 s), and
two longer utterances made of them, joined by 450 ms pauses (as between two sentences)
because no packaged recording of one person is longer than 7.9 s. Each is trimmed to its
voiced part (frames within 40 dB of its loudest), streamed in 20 ms PCM16 frames at
real-time pace and followed by 1.5 s of quiet, as a microphone would send it. "End of
speech" is when its last frame was sent; "first audio" is the first reply audio frame to
arrive. This includes the pause the server waits to know the user has finished.

Also reported: how often one utterance was answered as two turns (a pause inside it taken
for the end), and the word error rate of the transcripts the call produced against
Whisper's transcript of the whole utterance at once (the same model: what listening at
pauses loses, not Whisper's own errors).

    python benchmarks/voice_calls.py [--llm scripted|smollm2] [--calls 1 2 4] [--turns 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import httpx
import numpy as np
from websockets.sync.client import ClientConnection, connect

from resonant.audio.samples import SPEECH_RATE, Audio, frame_dbfs, read_audio
from resonant.voice.stt import WhisperTranscriber
from resonant_tools.metrics import percentile, word_errors

RECORDINGS = ("audio_sample.wav", "heath_ledger.mp3", "cate_blanch_2.mp3", "cate_blanch.mp3")
JOINED = {
    "cate_blanch + cate_blanch_2": ("cate_blanch.mp3", "cate_blanch_2.mp3"),
    "cate_blanch + heath_ledger + cate_blanch_2": (
        "cate_blanch.mp3",
        "heath_ledger.mp3",
        "cate_blanch_2.mp3",
    ),
}
JOIN_PAUSE_SECONDS = 0.45
FRAME_SECONDS = 0.02
QUIET_SECONDS = 1.5
VOICED_WITHIN_DB = 40.0


@dataclass
class Turn:
    recording: str
    seconds: float
    first_audio_ms: float | None
    transcript_ms: float | None
    turns_answered: int
    transcript: str
    partials: int = 0


@dataclass
class Run:
    mode: str
    calls: int
    turns: list[Turn] = field(default_factory=list)


def voiced(audio: Audio) -> Audio:
    """The recording from its first to its last frame within VOICED_WITHIN_DB of its peak."""
    frame = SPEECH_RATE // 100
    whole = len(audio.samples) // frame * frame
    levels = frame_dbfs(audio.samples[:whole].reshape(-1, frame))
    loud = np.flatnonzero(levels > levels.max() - VOICED_WITHIN_DB)
    return Audio(audio.samples[loud[0] * frame : (loud[-1] + 1) * frame], SPEECH_RATE)


def utterances() -> dict[str, Audio]:
    folder = files("gradio") / "media_assets" / "audio"
    clips = {
        name: voiced(read_audio(Path(str(folder / name))).resampled(SPEECH_RATE))
        for name in RECORDINGS
    }
    pause = np.zeros(int(SPEECH_RATE * JOIN_PAUSE_SECONDS), np.float32)
    for name, parts in JOINED.items():
        pieces = [piece for part in parts for piece in (clips[part].samples, pause)][:-1]
        clips[name] = Audio(np.concatenate(pieces), SPEECH_RATE)
    return clips


def call(url: str, key: str, user: str, said: list[tuple[str, Audio]], out: list[Turn]) -> None:
    """One call: each utterance in turn, waiting for every reply before the next."""
    with connect(f"{url}?user={user}&sample_rate={SPEECH_RATE}",
                 additional_headers={"Authorization": f"Bearer {key}"}) as socket:  # fmt: skip
        json.loads(socket.recv())
        for name, speech in said:
            out.append(say(socket, name, speech))
        socket.send(json.dumps({"type": "hang_up"}))


def say(socket: ClientConnection, name: str, speech: Audio) -> Turn:
    frames = Audio(
        np.concatenate([speech.samples, np.zeros(int(SPEECH_RATE * QUIET_SECONDS))]),
        SPEECH_RATE,
    ).pcm16()
    step = int(SPEECH_RATE * FRAME_SECONDS) * 2
    marks: dict[str, float] = {}
    heard: list[str] = []
    counts = {"turn_ended": 0, "reply_done": 0, "partial": 0}
    sent = threading.Event()

    def listen() -> None:
        # Until every turn this utterance started has been answered.
        while not (sent.is_set() and counts["reply_done"] == counts["turn_ended"]):
            try:
                message = socket.recv(timeout=0.5)
            except TimeoutError:
                continue
            now = time.monotonic()
            if isinstance(message, bytes):
                marks.setdefault("audio", now)
                continue
            event = json.loads(message)
            kind = event["type"]
            if kind == "transcript" and not event["final"]:
                counts["partial"] += 1
                continue
            marks.setdefault(kind, now)
            if kind == "transcript":
                heard.append(event["text"])
            if kind in counts:
                counts[kind] += 1
            if kind == "error":
                return

    reader = threading.Thread(target=listen)
    reader.start()
    start = time.monotonic()
    speech_bytes = len(speech.samples) * 2
    for i, at in enumerate(range(0, len(frames), step)):
        socket.send(frames[at : at + step])
        if at + step >= speech_bytes and "end" not in marks:
            marks["end"] = time.monotonic()
        time.sleep(max(0.0, start + (i + 1) * FRAME_SECONDS - time.monotonic()))
    sent.set()
    reader.join(timeout=120)
    end = marks["end"]
    # A turn answered before the utterance ended (a pause inside it taken for the end)
    # does not count as answering the end of speech.
    first_audio = marks["audio"] - end if marks.get("audio", 0) > end else None
    return Turn(
        name,
        speech.seconds,
        first_audio * 1000 if first_audio is not None else None,
        (marks["transcript"] - end) * 1000 if "transcript" in marks else None,
        counts["turn_ended"],
        " ".join(heard),
        counts["partial"],
    )


MODES = {
    "on": ["--turn-taking"],
    "off": ["--no-turn-taking"],
    "fit": ["--turn-taking", "--stt-window", "fit"],
    # Not run by default: the trade-off of answering sooner after a finished sentence.
    "fit-300": ["--turn-taking", "--stt-window", "fit", "--finished-silence-ms", "300"],
}


def serve(
    args: argparse.Namespace, data: str, mode: str, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "resonant", "serve", "--voice", *MODES[mode], "--llm", args.llm,
         "--data-dir", data, "--port", str(args.port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{args.port}/readyz").status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("the server did not become ready")


def summary_row(run: Run, whole: dict[str, str]) -> str:
    first = [t.first_audio_ms for t in run.turns if t.first_audio_ms is not None]
    heard = [t.transcript_ms for t in run.turns if t.transcript_ms is not None]
    split = sum(1 for t in run.turns if t.turns_answered > 1)
    errors = [word_errors(whole[t.recording], t.transcript) for t in run.turns]
    wer = sum(e for e, _ in errors) / max(1, sum(n for _, n in errors))
    n = len(run.turns)
    return (
        f"| {run.mode} | {run.calls} | {n} | {percentile(first, 50):.0f} | "
        f"{percentile(first, 95):.0f} | {sum(ms < 1000 for ms in first)}/{n} | "
        f"{sum(ms <= 400 for ms in first)}/{n} | {percentile(heard, 50):.0f} | "
        f"{split}/{n} | {wer:.3f} |"
    )


def length_rows(run: Run, said: dict[str, Audio]) -> list[str]:
    rows = []
    for name, speech in said.items():
        first = [t.first_audio_ms for t in run.turns if t.recording == name and t.first_audio_ms]
        if len(first) >= 2:
            rows.append(f"| {run.mode} | {name} | {speech.seconds:.1f} | {len(first)} | "
                        f"{statistics.median(first):.0f} | {max(first):.0f} |")  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="scripted")
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--turns", type=int, default=2, help="passes over the utterances per call")
    parser.add_argument("--modes", nargs="+", default=["on", "off", "fit"], choices=list(MODES),
                        help="on, off (a fixed pause) or fit (on, fitted window)")  # fmt: skip
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/voice_calls.md"))
    args = parser.parse_args()
    said = utterances()
    transcriber = WhisperTranscriber()
    whole = {name: transcriber.transcribe(speech).text for name, speech in said.items()}
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as data:
        created = subprocess.run(
            [sys.executable, "-m", "resonant", "keys", "create", "--tenant", "bench",
             "--data-dir", data], capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        key = created.stdout.split()[-1]
        url = f"ws://127.0.0.1:{args.port}/v1/voice"
        order = list(said.items()) * args.turns
        for mode in args.modes:
            server = serve(args, data, mode, env)
            try:
                for calls in args.calls:
                    run = Run(mode, calls)
                    threads = [
                        threading.Thread(
                            target=call, args=(url, key, f"{mode}{calls}-{i}", order, run.turns)
                        )
                        for i in range(calls)
                    ]
                    for thread in threads:
                        thread.start()
                    for thread in threads:
                        thread.join()
                    runs.append(run)
                    print(summary_row(run, whole), flush=True)
            finally:
                server.terminate()
                server.wait(timeout=60)
    table = "\n".join(
        [
            f"# Live calls over /v1/voice ({args.llm} LLM)",
            "",
            f"`python benchmarks/voice_calls.py --llm {args.llm} --calls "
            f"{' '.join(map(str, args.calls))} --turns {args.turns}` on loopback, 2-core CPU: "
            "one `resonant serve --voice` process per mode, recorded human speech (gradio's "
            "media assets, and two utterances joined from them) streamed at real-time pace; "
            "end of speech -> first reply audio frame, including the pause that ends the turn. "
            "`on`: transcribed at each 120 ms pause (the speech since an earlier pause), the "
            "turn ends 500 ms into a pause after a finished sentence, 1200 ms after 'and...', "
            "else 700 ms; `off`: 700 ms of quiet, then transcription; `fit`: `on` with "
            "Whisper reading the speech plus 6 s instead of 30 s. Split: one utterance "
            "answered as two turns. "
            "WER: the call's transcripts against Whisper's transcript of the whole utterance.",
            "",
            "| mode | calls at once | utterances | first audio p50 ms | p95 ms "
            "| under 1 s | <= 400 ms | final transcript p50 ms | split | WER |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *(summary_row(run, whole) for run in runs),
            "",
            "One call at a time, by utterance (turns answered after the end of speech):",
            "",
            "| mode | utterance | seconds | turns | first audio p50 ms | max ms |",
            "|---|---|---:|---:|---:|---:|",
            *(row for run in runs if run.calls == 1 for row in length_rows(run, said)),
        ]
    )
    args.out.write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
