"""A live call with a resonant server from Python: stream a recording, hear the reply.

    resonant keys create --tenant demo          # prints KEY
    resonant serve --voice &                    # the HTTP API plus /v1/voice
    python examples/voice_client.py --key KEY --in question.wav --out reply.wav

The recording is sent in 20 ms PCM16 frames at real-time pace (as a microphone would),
or with `--format webm` (or `ogg`) as the Opus stream a browser's MediaRecorder makes, in
20 ms slices, followed by a second of quiet so the server hears the end of the turn; every
event is printed as it arrives, with the time since the end of the speech, and the reply
audio is written to --out. The message schema is in resonant/server/voice_socket.py.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import numpy as np
from websockets.sync.client import ClientConnection, connect

from resonant.audio.samples import Audio, read_audio
from resonant.audio.streams import opus_recording

FRAME_SECONDS = 0.02


def listen(socket: ClientConnection, speech_ended: float, reply_parts: list[Audio]) -> None:
    """Print each event with the time since the end of the speech, until the reply is done."""
    rate = 0
    while True:
        message = socket.recv()
        since = f"{(time.monotonic() - speech_ended) * 1000:7.0f} ms"
        if isinstance(message, bytes):
            reply_parts.append(Audio.from_pcm16(message, rate))
            print(since, f"<{len(message) // 2} samples of reply audio>")
            continue
        event = json.loads(message)
        rate = event.get("sample_rate", rate)
        print(since, json.dumps(event, ensure_ascii=False)[:160])
        if event["type"] in ("reply_done", "error"):
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8080/v1/voice")
    parser.add_argument("--key", required=True, help="an API key (resonant keys create)")
    parser.add_argument("--user", default="demo-user")
    parser.add_argument("--in", dest="input", required=True, help="speech to send (WAV, MP3...)")
    parser.add_argument("--out", help="write the spoken reply here (WAV)")
    parser.add_argument("--format", default="pcm16", choices=["pcm16", "webm", "ogg"])
    args = parser.parse_args()

    speech = read_audio(args.input).resampled(16_000)
    quiet = np.zeros(16_000, np.float32)
    sent = Audio(np.concatenate([speech.samples, quiet]), 16_000)
    audio = sent.pcm16() if args.format == "pcm16" else opus_recording(sent, args.format)
    # Bytes per 20 ms of speech, whatever the encoding.
    step = max(1, round(len(audio) * FRAME_SECONDS / sent.seconds))
    if args.format == "pcm16":
        step -= step % 2
    url = f"{args.url}?user={args.user}&sample_rate=16000&format={args.format}"
    reply_parts: list[Audio] = []
    with connect(url, additional_headers={"Authorization": f"Bearer {args.key}"}) as socket:
        print(socket.recv())  # ready
        started = time.monotonic()
        speech_ended = started + speech.seconds
        # Events are read while the audio is still being sent, as an app would.
        listening = threading.Thread(target=listen, args=(socket, speech_ended, reply_parts))
        listening.start()
        for i, start in enumerate(range(0, len(audio), step)):
            socket.send(audio[start : start + step])
            time.sleep(max(0.0, started + (i + 1) * FRAME_SECONDS - time.monotonic()))
        listening.join(timeout=120)
        socket.send(json.dumps({"type": "hang_up"}))
    if args.out and reply_parts:
        Audio.concatenate(reply_parts, reply_parts[0].sample_rate).write_wav(args.out)


if __name__ == "__main__":
    main()
