"""Live calls over the WebSocket endpoint: end of speech -> first reply audio, on recorded
human speech, with 1, 2 and 4 calls at once against one `resonant serve --voice` process.

Speech: the recordings of real people that ship inside the gradio package (1.0-7.9 s;
their transcripts are in the table), streamed in 20 ms PCM16 frames at real-time pace and
followed by 1.5 s of quiet, as a microphone would send them. "End of speech" is when the
last frame of the recording was sent; "first audio" is the first reply audio frame to
arrive. The time includes the server's end-of-turn pause (`--silence-ms`, 700 ms by
default), which a live call must wait before it knows the user has finished.

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
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import httpx
import numpy as np
from websockets.sync.client import connect

from resonant.audio.samples import SPEECH_RATE, Audio, read_audio
from resonant_tools.metrics import percentile

RECORDINGS = ("audio_sample.wav", "heath_ledger.mp3", "cate_blanch_2.mp3", "cate_blanch.mp3")
FRAME_SECONDS = 0.02
QUIET_SECONDS = 1.5


@dataclass
class Turn:
    recording: str
    seconds: float
    first_audio_ms: float | None
    transcript_ms: float | None


def recordings() -> dict[str, Audio]:
    folder = files("gradio") / "media_assets" / "audio"
    return {
        name: read_audio(Path(str(folder / name))).resampled(SPEECH_RATE) for name in RECORDINGS
    }


def call(url: str, key: str, user: str, said: list[tuple[str, Audio]], out: list[Turn]) -> None:
    """One call: each recording in turn, waiting for the whole reply before the next."""
    with connect(f"{url}?user={user}&sample_rate={SPEECH_RATE}",
                 additional_headers={"Authorization": f"Bearer {key}"}) as socket:  # fmt: skip
        json.loads(socket.recv())
        for name, speech in said:
            frames = Audio(
                np.concatenate([speech.samples, np.zeros(int(SPEECH_RATE * QUIET_SECONDS))]),
                SPEECH_RATE,
            ).pcm16()
            step = int(SPEECH_RATE * FRAME_SECONDS) * 2
            marks: dict[str, float] = {}
            done = threading.Event()

            def listen(marks: dict[str, float] = marks, done: threading.Event = done) -> None:
                while not done.is_set():
                    message = socket.recv()
                    now = time.monotonic()
                    if isinstance(message, bytes):
                        marks.setdefault("audio", now)
                        continue
                    kind = json.loads(message)["type"]
                    marks.setdefault(kind, now)
                    if kind in ("reply_done", "error"):
                        done.set()

            reader = threading.Thread(target=listen)
            reader.start()
            start = time.monotonic()
            speech_bytes = len(speech.samples) * 2
            for i, at in enumerate(range(0, len(frames), step)):
                socket.send(frames[at : at + step])
                if at + step >= speech_bytes and "end" not in marks:
                    marks["end"] = time.monotonic()
                time.sleep(max(0.0, start + (i + 1) * FRAME_SECONDS - time.monotonic()))
            reader.join(timeout=120)
            end = marks["end"]
            out.append(
                Turn(
                    name,
                    speech.seconds,
                    (marks["audio"] - end) * 1000 if "audio" in marks else None,
                    (marks["transcript"] - end) * 1000 if "transcript" in marks else None,
                )
            )
        socket.send(json.dumps({"type": "hang_up"}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="scripted")
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--turns", type=int, default=2, help="passes over the recordings per call")
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/voice_calls.md"))
    args = parser.parse_args()
    said = recordings()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as data:
        cli = [sys.executable, "-m", "resonant"]
        created = subprocess.run(
            [*cli, "keys", "create", "--tenant", "bench", "--data-dir", data],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        key = created.stdout.split()[-1]
        server = subprocess.Popen(
            [*cli, "serve", "--voice", "--llm", args.llm, "--data-dir", data, "--port",
             str(args.port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"http://127.0.0.1:{args.port}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            url = f"ws://127.0.0.1:{args.port}/v1/voice"
            order = list(said.items()) * args.turns
            rows = []
            by_length: list[Turn] = []
            for calls in args.calls:
                turns: list[Turn] = []
                threads = [
                    threading.Thread(target=call, args=(url, key, f"u{calls}-{i}", order, turns))
                    for i in range(calls)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                if calls == 1:
                    by_length = turns
                first = [t.first_audio_ms for t in turns if t.first_audio_ms is not None]
                heard = [t.transcript_ms for t in turns if t.transcript_ms is not None]
                under = sum(1 for ms in first if ms < 1000)
                rows.append(
                    f"| {calls} | {len(turns)} | {percentile(first, 50):.0f} | "
                    f"{percentile(first, 95):.0f} | {under}/{len(turns)} | "
                    f"{percentile(heard, 50):.0f} |"
                )
                print(rows[-1], flush=True)
        finally:
            server.terminate()
            server.wait(timeout=60)
    lengths = []
    for name, speech in said.items():
        first = [t.first_audio_ms for t in by_length if t.recording == name and t.first_audio_ms]
        if first:
            lengths.append(f"| {name} | {speech.seconds:.1f} | {len(first)} | "
                           f"{statistics.median(first):.0f} | {max(first):.0f} |")  # fmt: skip
    table = "\n".join(
        [
            f"# Live calls over /v1/voice ({args.llm} LLM)",
            "",
            f"`python benchmarks/voice_calls.py --llm {args.llm} --calls "
            f"{' '.join(map(str, args.calls))} --turns {args.turns}` on loopback, 2-core CPU: "
            "one `resonant serve --voice` process, recorded human speech (gradio's media "
            "assets) streamed at real-time pace; end of speech -> first reply audio frame, "
            "including the 700 ms end-of-turn pause.",
            "",
            "| calls at once | turns | first audio p50 ms | p95 ms | under 1 s "
            "| transcript p50 ms |",
            "|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "One call at a time, by recording:",
            "",
            "| recording | seconds | turns | first audio p50 ms | max ms |",
            "|---|---:|---:|---:|---:|",
            *lengths,
        ]
    )
    args.out.write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
