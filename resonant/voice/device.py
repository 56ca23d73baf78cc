"""`resonant call`: a live call through this computer's microphone and speakers."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.errors import MissingExtraError, SoundDeviceError
from resonant.voice.call import BargeIn, CallSession, UserTurnEnded

BLOCK_SECONDS = 0.1


def open_sounddevice() -> Any:
    """The sounddevice module, with a working default input and output device.

    Raises:
        SoundDeviceError: sounddevice or PortAudio is missing, or there is no device.
    """
    try:
        import sounddevice
    except ImportError as exc:
        raise MissingExtraError("a live call", "voice") from exc
    except OSError as exc:  # the PortAudio shared library is missing
        raise SoundDeviceError(
            f"PortAudio is not installed ({exc}); on Debian: apt-get install libportaudio2"
        ) from exc
    try:
        sounddevice.check_input_settings(samplerate=SPEECH_RATE, channels=1)
        sounddevice.query_devices(kind="output")
    except Exception as exc:  # PortAudioError or ValueError, both mean "no device"
        raise SoundDeviceError(
            f"no usable microphone and speaker on this machine ({exc}); use "
            "`resonant voice --in FILE.wav --out REPLY.wav` or the demo's Call tab instead"
        ) from exc
    return sounddevice


class _Speaker:
    """Plays queued reply audio; `stop()` silences it at once (barge-in)."""

    def __init__(self) -> None:
        self._buffer = np.zeros(0, np.float32)
        self._lock = threading.Lock()

    def play(self, audio: Audio) -> None:
        with self._lock:
            self._buffer = np.concatenate([self._buffer, audio.resampled(SPEECH_RATE).samples])

    @property
    def idle(self) -> bool:
        with self._lock:
            return len(self._buffer) == 0

    def stop(self) -> None:
        with self._lock:
            self._buffer = np.zeros(0, np.float32)

    def callback(self, outdata: np.ndarray, frames: int, _time: object, _status: object) -> None:
        with self._lock:
            chunk, self._buffer = self._buffer[:frames], self._buffer[frames:]
        outdata[:, 0] = 0.0
        outdata[: len(chunk), 0] = chunk


def run_call(session: CallSession, *, echo: bool = True) -> None:
    """Talk until Ctrl-C. Prints what was heard and replied when `echo` is set."""
    sd = open_sounddevice()
    speaker = _Speaker()
    block = int(SPEECH_RATE * BLOCK_SECONDS)
    shown = 0
    with (
        sd.InputStream(samplerate=SPEECH_RATE, channels=1, dtype="float32", blocksize=block) as mic,
        sd.OutputStream(
            samplerate=SPEECH_RATE, channels=1, dtype="float32", callback=speaker.callback
        ),
    ):
        try:
            while True:
                samples, _overflowed = mic.read(block)
                for event in session.feed(Audio(samples[:, 0].copy(), SPEECH_RATE)):
                    if isinstance(event, BargeIn):
                        speaker.stop()
                    elif isinstance(event, UserTurnEnded) and echo:
                        print("…", flush=True)
                for audio in session.take_audio():
                    speaker.play(audio)
                if speaker.idle:
                    session.finished_playing()
                if echo:
                    for reply in session.log.replies[shown:]:
                        print(f"you: {reply.transcript.text}\nagent: {reply.reply}", flush=True)
                    shown = len(session.log.replies)
        except KeyboardInterrupt:
            pass
        finally:
            session.hang_up()
