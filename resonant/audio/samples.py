"""Audio as the voice pipeline passes it around: mono float32 samples with their rate.

Everything entering the pipeline goes through `prepare_speech`, which turns whatever a
user or a browser sends (any rate, stereo, int or float, clipped) into 16 kHz mono, or
refuses it with a message that says why.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.signal import resample_poly

from resonant.errors import AudioInputError

SPEECH_RATE = 16_000  # what Whisper, the VAD and the prosody skill expect
MAX_TURN_SECONDS = 120.0
CLIP_LEVEL = 0.999
CLIPPED_FRACTION = 0.01

FloatArray = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Audio:
    """Mono samples in [-1, 1] at `sample_rate` Hz."""

    samples: FloatArray
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate

    def pcm16(self) -> bytes:
        """Little-endian signed 16-bit PCM, the form skills receive in `SkillInput.audio`."""
        return (np.clip(self.samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()

    @classmethod
    def from_pcm16(cls, data: bytes, sample_rate: int) -> Audio:
        samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
        return cls(samples, sample_rate)

    def resampled(self, rate: int) -> Audio:
        if rate == self.sample_rate or len(self.samples) == 0:
            return Audio(self.samples, rate)
        divisor = np.gcd(rate, self.sample_rate)
        samples = resample_poly(self.samples, rate // divisor, self.sample_rate // divisor)
        return Audio(samples.astype(np.float32), rate)

    def wav_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(self.pcm16())
        return buffer.getvalue()

    def write_wav(self, path: str | Path) -> None:
        Path(path).write_bytes(self.wav_bytes())

    @staticmethod
    def concatenate(parts: list[Audio], sample_rate: int) -> Audio:
        if not parts:
            return Audio(np.zeros(0, dtype=np.float32), sample_rate)
        return Audio(np.concatenate([p.resampled(sample_rate).samples for p in parts]), sample_rate)


def as_mono_float(samples: np.ndarray) -> FloatArray:
    """Any integer or float array, mono or (frames, channels), as mono float32 in [-1, 1].

    Raises:
        AudioInputError: the array is not 1-D or 2-D, or holds NaN or infinity.
    """
    array = np.asarray(samples)
    if array.ndim == 2:
        # Gradio and sounddevice give (frames, channels); a (channels, frames) array with
        # more "channels" than frames is almost certainly transposed.
        if array.shape[0] < array.shape[1] and array.shape[0] <= 8:
            array = array.T
        array = array.astype(np.float64).mean(axis=1) if array.shape[1] > 1 else array[:, 0]
    elif array.ndim != 1:
        raise AudioInputError(f"audio must be mono or (frames, channels), got shape {array.shape}")
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        # Signed ints are centred on 0; unsigned (8-bit WAV) on half their range.
        offset = 0.0 if info.min < 0 else (info.max + 1) / 2
        scale = float(-info.min) if info.min < 0 else offset
        result = ((array.astype(np.float64) - offset) / scale).astype(np.float32)
    else:
        result = array.astype(np.float32)
        if not np.all(np.isfinite(result)):
            raise AudioInputError("audio contains NaN or infinite samples")
        peak = float(np.max(np.abs(result))) if len(result) else 0.0
        if peak > 1.0:
            # Float audio outside [-1, 1] is int-scaled data in a float array.
            result = result / (32768.0 if peak > 2.0 else peak)
    return result


def read_audio(source: str | Path | bytes) -> Audio:
    """Decode a file (WAV natively; MP3, OGG, FLAC, WebM... through PyAV) or raw file bytes.

    Raises:
        AudioInputError: the file is missing, empty or not audio.
    """
    data = source if isinstance(source, bytes) else _read_file(Path(source))
    if not data:
        raise AudioInputError("the audio file is empty (0 bytes)")
    try:
        return _read_wav(data)
    except (wave.Error, EOFError):
        pass
    return _read_with_av(data)


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise AudioInputError(f"no audio file at {path}")
    return path.read_bytes()


def _read_wav(data: bytes) -> Audio:
    with wave.open(io.BytesIO(data), "rb") as wav:
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    if width == 3:  # 24-bit: widen to int32 so numpy can read it
        raw = np.frombuffer(frames[: len(frames) // 3 * 3], dtype=np.uint8).reshape(-1, 3)
        padded = np.zeros((len(raw), 4), dtype=np.uint8)
        padded[:, 1:] = raw
        samples: np.ndarray = padded.view("<i4").ravel()
    else:
        widths: dict[int, np.dtype] = {
            1: np.dtype(np.uint8),
            2: np.dtype("<i2"),
            4: np.dtype("<i4"),
        }
        dtype = widths.get(width)
        if dtype is None:
            raise AudioInputError(f"unsupported WAV sample width: {width} bytes")
        samples = np.frombuffer(frames[: len(frames) // width * width], dtype=dtype)
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels)
    return Audio(as_mono_float(samples), rate)


def _read_with_av(data: bytes) -> Audio:
    try:
        import av
    except ImportError as exc:  # pragma: no cover - av comes with faster-whisper
        raise AudioInputError("only WAV is readable without the voice extra") from exc
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=stream.rate)
            parts = [
                out.to_ndarray().ravel()
                for frame in container.decode(stream)
                for out in resampler.resample(frame)
            ]
            rate = stream.rate
    except (av.error.FFmpegError, IndexError, ValueError) as exc:
        raise AudioInputError(f"not a readable audio file: {exc}") from exc
    samples = np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
    return Audio(samples, rate)


@dataclass(frozen=True, slots=True)
class PreparedSpeech:
    audio: Audio
    warnings: tuple[str, ...]


def prepare_speech(audio: Audio, *, max_seconds: float = MAX_TURN_SECONDS) -> PreparedSpeech:
    """Validate one turn of speech and bring it to 16 kHz mono.

    Raises:
        AudioInputError: zero-length audio, a nonsensical rate, or longer than max_seconds
            (checked before any work, so a 10-minute file fails at once).
    """
    if audio.sample_rate < 4_000 or audio.sample_rate > 384_000:
        raise AudioInputError(f"unsupported sample rate: {audio.sample_rate} Hz")
    if len(audio.samples) == 0:
        raise AudioInputError("the audio is empty (0 samples)")
    if audio.seconds > max_seconds:
        raise AudioInputError(
            f"the audio is {audio.seconds:.0f} s long; one voice turn is at most "
            f"{max_seconds:.0f} s (split long recordings into turns)"
        )
    warnings = []
    if np.mean(np.abs(audio.samples) >= CLIP_LEVEL) > CLIPPED_FRACTION:
        warnings.append("clipped: the recording is overdriven, transcription may suffer")
    if audio.sample_rate < SPEECH_RATE:
        warnings.append(f"low sample rate ({audio.sample_rate} Hz): upsampled to 16 kHz")
    return PreparedSpeech(audio.resampled(SPEECH_RATE), tuple(warnings))


def frame_dbfs(frames: FloatArray) -> FloatArray:
    """RMS level of each row of `frames`, in dB relative to full scale."""
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=-1))
    return (20 * np.log10(np.maximum(rms, 1e-6))).astype(np.float32)
