"""Compressed audio that arrives in pieces: WebM or Ogg (Opus, as browsers record it).

A browser's MediaRecorder hands out a WebM/Opus stream a slice at a time (every 100 ms,
say); the slices are only decodable in order, as one stream. `StreamDecoder` takes them
as they come and decodes in a thread of its own with PyAV (FFmpeg, installed with
faster-whisper), handing each piece of 16 kHz mono audio to `on_audio` as soon as it is
decoded. What PyAV cannot read as the declared container ends the stream with
`on_error`.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.errors import MissingExtraError

CONTAINERS = ("webm", "ogg")
OPUS_RATE = 48_000
MAX_UNREAD_BYTES = 4_000_000  # far more than any decoder falls behind: a client gone wrong


def _pyav_for(container: str) -> Any:
    """PyAV, once `container` is known to be one it reads here.

    Raises:
        ValueError: not webm or ogg.
        MissingExtraError: PyAV (installed with the voice extra) is missing.
    """
    if container not in CONTAINERS:
        raise ValueError(f"unknown container {container!r}; use one of {CONTAINERS}")
    try:
        import av
    except ImportError as exc:
        raise MissingExtraError("compressed audio (WebM/Ogg)", "voice") from exc
    return av


def opus_recording(audio: Audio, container: str = "webm") -> bytes:
    """`audio` as a browser's MediaRecorder would send it: Opus at 48 kHz, mono, in a WebM
    or Ogg container (for clients written in Python, and for tests)."""
    av = _pyav_for(container)
    written = io.BytesIO()
    frame_samples = OPUS_RATE // 50  # Opus frames are 20 ms
    with av.open(written, "w", format=container) as out:
        stream = out.add_stream("libopus", rate=OPUS_RATE)
        stream.layout = "mono"
        samples = audio.resampled(OPUS_RATE).samples
        for start in range(0, len(samples), frame_samples):
            piece = samples[None, start : start + frame_samples]
            frame = av.AudioFrame.from_ndarray(piece, format="flt", layout="mono")
            frame.sample_rate = OPUS_RATE
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return written.getvalue()


class StreamOverflow(Exception):
    """More compressed audio is waiting than a live decoder ever leaves unread."""


class _Pipe(io.RawIOBase):
    """Bytes written by one thread, read (blocking) by the decoder's."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ended = False
        self._ready = threading.Condition()

    def readable(self) -> bool:
        return True

    def write_bytes(self, data: bytes) -> None:
        with self._ready:
            if len(self._data) + len(data) > MAX_UNREAD_BYTES:
                raise StreamOverflow(f"over {MAX_UNREAD_BYTES} bytes of audio are unread")
            self._data += data
            self._ready.notify()

    def end(self) -> None:
        with self._ready:
            self._ended = True
            self._ready.notify()

    def readinto(self, buffer: Any) -> int:
        with self._ready:
            while not self._data and not self._ended:
                self._ready.wait()
            size = min(len(buffer), len(self._data))
            buffer[:size] = self._data[:size]
            del self._data[:size]
            return size


class StreamDecoder:
    """Decodes one WebM or Ogg audio stream fed in arbitrary slices.

    Args:
        container: "webm" or "ogg".
        on_audio: called (from the decoder's thread) with each decoded piece, 16 kHz mono.
        on_error: called once if the stream cannot be decoded, with the reason.
    """

    def __init__(
        self,
        container: str,
        on_audio: Callable[[Audio], None],
        on_error: Callable[[str], None],
    ):
        self._av = _pyav_for(container)
        self.container = container
        self._on_audio, self._on_error = on_audio, on_error
        self._pipe = _Pipe()
        self._thread = threading.Thread(target=self._decode, name="resonant-decode", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        """The next slice of the stream.

        Raises:
            StreamOverflow: the decoder is far behind (it has stopped, or been flooded).
        """
        self._pipe.write_bytes(data)

    def close(self, timeout: float = 10.0) -> None:
        """No more slices: decode what is left, then stop."""
        self._pipe.end()
        self._thread.join(timeout)

    def _decode(self) -> None:
        av = self._av
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SPEECH_RATE)
        try:
            with av.open(self._pipe, mode="r", format=self.container) as stream:
                if not stream.streams.audio:
                    raise ValueError(f"the {self.container} stream has no audio track")
                for frame in stream.decode(audio=0):
                    for piece in resampler.resample(frame):
                        self._emit(piece)
                for piece in resampler.resample(None):
                    self._emit(piece)
        except (av.FFmpegError, ValueError) as exc:
            self._on_error(f"cannot decode the audio as {self.container}: {exc}")
        finally:
            self._pipe.end()

    def _emit(self, frame: Any) -> None:
        samples = np.asarray(frame.to_ndarray(), dtype=np.float32).reshape(-1)
        if len(samples):
            self._on_audio(Audio(samples, SPEECH_RATE))
