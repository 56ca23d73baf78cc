"""One spoken turn end to end: speech -> transcript -> agent -> speech, streamed.

The agent writes its reply in a background thread while this thread cuts the words into
sentences and synthesises each as soon as it is complete, so the first sentence plays
while the LLM is still writing the rest. Delivery (rate, pitch, volume) follows the
agent's VAD, known from the `AffectUpdate` before the first word is written.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from resonant.agent.agent import DEFAULT_CONVERSATION, Agent
from resonant.agent.result import AffectUpdate, ReplyChunk, TurnResult
from resonant.audio.samples import SPEECH_RATE, Audio, prepare_speech
from resonant.defaults import DEFAULT_STT, DEFAULT_STT_WINDOW, DEFAULT_TTS
from resonant.settings import Settings, settings_arguments
from resonant.text.sentences import SentenceStream
from resonant.voice.delivery import Delivery
from resonant.voice.stt import Transcriber, Transcript, WhisperTranscriber
from resonant.voice.tts import Synthesizer, load_synthesizer

DIDNT_CATCH = "Sorry, I didn't catch that. Could you say it again?"
_DONE = object()


@dataclass(frozen=True, slots=True)
class Heard:
    """The user's turn as transcribed (empty text when no speech was found)."""

    transcript: Transcript
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SpokenSentence:
    """One sentence of the reply, synthesised and ready to play."""

    text: str
    audio: Audio


@dataclass
class VoiceReply:
    """The whole voice turn: what was heard, the agent's turn, the audio and timings."""

    transcript: Transcript
    result: TurnResult | None
    reply: str
    audio: Audio
    delivery: Delivery
    warnings: tuple[str, ...]
    interrupted: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """`resonant voice --json`: the transcript, `resonant respond`'s trace fields, timings."""
        trace: dict[str, Any] = self.result.to_dict() if self.result else {"reply": self.reply}
        trace["agent_timings_ms"] = trace.pop("timings_ms", {})
        return {
            "transcript": self.transcript.text,
            "heard_speech": self.transcript.heard_speech,
            **trace,
            "delivery": self.delivery.as_dict(),
            "audio_seconds": round(self.audio.seconds, 3),
            "audio_warnings": list(self.warnings),
            "interrupted": self.interrupted,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


# ReplyChunk: the agent's reply as it is written (text deltas, before each sentence's audio).
VoiceEvent = Heard | ReplyChunk | SpokenSentence | VoiceReply


class VoiceAgent:
    """An `Agent` with ears and a voice.

    Args:
        agent: the agent that hears the transcript and writes the reply.
        transcriber: speech-to-text (default: faster-whisper tiny.en, packaged).
        synthesizer: text-to-speech (default: packaged Piper voice, else espeak-ng).
    """

    def __init__(
        self,
        agent: Agent,
        *,
        transcriber: Transcriber | None = None,
        synthesizer: Synthesizer | None = None,
    ):
        self.agent = agent
        self.transcriber = transcriber or WhisperTranscriber(DEFAULT_STT)
        self.synthesizer = synthesizer or load_synthesizer(DEFAULT_TTS)

    @classmethod
    def from_settings(cls, agent: Agent, settings: Settings) -> VoiceAgent:
        """Around `agent`, with the speech models that `settings` names."""
        return cls.from_models(agent, **settings_arguments(settings, cls.from_models))

    @classmethod
    def from_models(
        cls,
        agent: Agent,
        *,
        stt_model: str = DEFAULT_STT,
        tts: str = DEFAULT_TTS,
        stt_window: str = DEFAULT_STT_WINDOW,
    ) -> VoiceAgent:
        """Around `agent`, with a faster-whisper model (name or folder) read with a fitted
        or the full window (see `resonant.voice.stt`) and a TTS backend string (see
        `resonant.voice.tts`)."""
        return cls(
            agent,
            transcriber=WhisperTranscriber(stt_model, window=stt_window),
            synthesizer=load_synthesizer(tts),
        )

    def with_persona(self, persona: str) -> VoiceAgent:
        """The same ears and voice around the agent speaking as another persona."""
        return VoiceAgent(
            self.agent.with_persona(persona),
            transcriber=self.transcriber,
            synthesizer=self.synthesizer,
        )

    def warm_up(self) -> None:
        """Load every model now (speech, detectors, embedder), so the first turn of a call
        does not pay for it."""
        self.agent.warm_up()
        self.synthesizer.synthesize("Hello.")
        if hasattr(self.transcriber, "warm_up"):
            self.transcriber.warm_up()

    def converse(
        self,
        user_id: str,
        speech: Audio,
        *,
        conversation: str = DEFAULT_CONVERSATION,
        cancel: threading.Event | None = None,
        transcript: Transcript | None = None,
    ) -> Iterator[VoiceEvent]:
        """Run one spoken turn, yielding what was heard, the reply's text as it is written
        (`ReplyChunk`), each reply sentence's audio as it is ready, and finally the
        VoiceReply.

        Setting `cancel` (barge-in) stops synthesis; the agent's turn still completes and
        is stored, so nothing the user said is lost. `transcript`: the speech's transcript
        when it is already known (a live call transcribes while the user pauses).

        Raises:
            AudioInputError: empty, too long or unusable audio (before any work is done).
        """
        started = time.perf_counter()
        prepared = prepare_speech(speech)
        if transcript is None:
            transcript = self.transcriber.transcribe(prepared.audio)
        timings = {"stt": _ms_since(started)}
        yield Heard(transcript, prepared.warnings)
        if not transcript.heard_speech:
            # Nothing was said: no turn is accepted, the user is simply asked again.
            audio = self.synthesizer.synthesize(DIDNT_CATCH)
            timings["first_audio"] = _ms_since(started)
            timings["tts"] = timings["first_audio"] - timings["stt"]
            timings["agent"] = 0.0
            yield SpokenSentence(DIDNT_CATCH, audio)
            yield VoiceReply(
                transcript, None, DIDNT_CATCH, audio, Delivery(), prepared.warnings,
                timings_ms=timings,
            )  # fmt: skip
            return
        events: queue.Queue[Any] = queue.Queue()
        agent_ms: list[float] = []

        def produce() -> None:
            begun = time.perf_counter()
            try:
                for event in self.agent.stream(
                    user_id, transcript.text, conversation=conversation, speech=prepared.audio
                ):
                    events.put(event)
            except BaseException as exc:  # handed to the consumer, re-raised there
                events.put(exc)
            finally:
                agent_ms.append(_ms_since(begun))
                events.put(_DONE)

        threading.Thread(target=produce, name="resonant-voice-agent", daemon=True).start()
        sentences = SentenceStream()
        delivery = Delivery()
        spoken: list[Audio] = []
        synth_ms = 0.0
        result: TurnResult | None = None
        interrupted = False

        def speak(text: str) -> Iterator[SpokenSentence]:
            nonlocal synth_ms, interrupted
            if cancel is not None and cancel.is_set():
                interrupted = True
                return
            begun = time.perf_counter()
            audio = self.synthesizer.synthesize(text, delivery)
            synth_ms += _ms_since(begun)
            if not spoken:
                timings["first_audio"] = _ms_since(started)
            spoken.append(audio)
            yield SpokenSentence(text, audio)

        while (event := events.get()) is not _DONE:
            if isinstance(event, BaseException):
                raise event
            if isinstance(event, AffectUpdate):
                delivery = Delivery.from_vad(event.agent_vad)
            elif isinstance(event, ReplyChunk):
                yield event
                for sentence in sentences.feed(event.text):
                    yield from speak(sentence)
            elif isinstance(event, TurnResult):
                result = event
        for sentence in sentences.flush():
            yield from speak(sentence)
        timings["agent"] = agent_ms[0] if agent_ms else 0.0
        timings["tts"] = synth_ms
        sample_rate = spoken[0].sample_rate if spoken else SPEECH_RATE
        yield VoiceReply(
            transcript,
            result,
            result.reply if result else "",
            Audio.concatenate(spoken, sample_rate),
            delivery,
            prepared.warnings,
            interrupted=interrupted,
            timings_ms=timings,
        )

    def respond(
        self, user_id: str, speech: Audio, *, conversation: str = DEFAULT_CONVERSATION
    ) -> VoiceReply:
        """One spoken turn, all at once."""
        for event in self.converse(user_id, speech, conversation=conversation):
            if isinstance(event, VoiceReply):
                return event
        raise RuntimeError("the voice turn finished without a reply")  # pragma: no cover


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000
