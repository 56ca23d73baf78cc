"""Prosodic features of one utterance: loudness, pitch and speaking rate (numpy only).

Pitch is estimated per 40 ms frame by normalised autocorrelation (70-400 Hz), kept only
where the frame is periodic enough to be voiced speech. Speaking rate is syllables per
second of speech, syllables counted in the transcript (vowel groups), which is more
reliable than counting energy peaks on noisy audio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from resonant.audio.samples import SPEECH_RATE, Audio, FloatArray, frame_dbfs
from resonant.text.tokens import tokens

FRAME = SPEECH_RATE * 40 // 1000
HOP = SPEECH_RATE * 10 // 1000
MIN_PITCH_HZ, MAX_PITCH_HZ = 70.0, 400.0
VOICING_CORRELATION = 0.5
SPEECH_MARGIN_DB = 20.0
_VOWEL_GROUPS_RE = re.compile(r"[aeiouy]+")
_WINDOW = np.hanning(FRAME)
_WINDOW_AUTOCORR = np.maximum(
    np.fft.irfft(np.abs(np.fft.rfft(_WINDOW, n=2 * FRAME)) ** 2)[:FRAME], 1e-12
) / np.sum(_WINDOW**2)


@dataclass(frozen=True, slots=True)
class Prosody:
    loudness_dbfs: float  # mean level of speech frames
    pitch_hz: float  # median F0 of voiced frames (0 if none)
    pitch_spread_semitones: float  # standard deviation of F0, in semitones
    syllables_per_second: float  # 0 when no transcript was given
    speech_seconds: float


def count_syllables(text: str) -> int:
    return sum(max(1, len(_VOWEL_GROUPS_RE.findall(word))) for word in tokens(text))


def _frames(samples: FloatArray) -> FloatArray:
    if len(samples) < FRAME:
        return np.zeros((0, FRAME), np.float32)
    count = 1 + (len(samples) - FRAME) // HOP
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return samples[index]


def frame_pitch(frames: FloatArray) -> FloatArray:
    """F0 in Hz of each frame, 0 where the frame is not clearly periodic."""
    if len(frames) == 0:
        return np.zeros(0, np.float32)
    centred = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred * _WINDOW, n=2 * FRAME, axis=1)
    autocorr = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :FRAME]
    energy = np.maximum(autocorr[:, :1], 1e-12)
    # Dividing by the window's own autocorrelation (Boersma 1993) removes the taper's bias
    # towards short lags, which otherwise reads many frames an octave too high.
    normalised = autocorr / energy / _WINDOW_AUTOCORR
    low, high = int(SPEECH_RATE / MAX_PITCH_HZ), int(SPEECH_RATE / MIN_PITCH_HZ)
    lags = normalised[:, low:high]
    best = lags.argmax(axis=1)
    strength = lags[np.arange(len(lags)), best]
    pitch = SPEECH_RATE / (best + low)
    return np.where(strength >= VOICING_CORRELATION, pitch, 0.0).astype(np.float32)


def measure(audio: Audio, transcript: str = "") -> Prosody:
    samples = audio.resampled(SPEECH_RATE).samples
    frames = _frames(samples)
    levels = frame_dbfs(frames) if len(frames) else np.zeros(0, np.float32)
    speech = levels > max(float(levels.max(initial=-120.0)) - SPEECH_MARGIN_DB, -55.0)
    if not speech.any():
        return Prosody(-120.0, 0.0, 0.0, 0.0, 0.0)
    pitch = frame_pitch(frames[speech])
    voiced = pitch[pitch > 0]
    semitones = 12 * np.log2(voiced / 100.0) if len(voiced) else np.zeros(0)
    speech_seconds = float(speech.sum()) * HOP / SPEECH_RATE
    syllables = count_syllables(transcript)
    return Prosody(
        loudness_dbfs=float(levels[speech].mean()),
        pitch_hz=float(np.median(voiced)) if len(voiced) else 0.0,
        # Interquartile range / 1.35 estimates the spread robustly to the octave errors
        # any autocorrelation tracker still makes on a few frames.
        pitch_spread_semitones=float(np.subtract(*np.percentile(semitones, [75, 25])) / 1.35)
        if len(semitones) > 3
        else 0.0,
        syllables_per_second=syllables / speech_seconds if speech_seconds > 0 else 0.0,
        speech_seconds=speech_seconds,
    )
