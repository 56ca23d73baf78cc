"""A live call: microphone audio in as it arrives, reply audio out, with barge-in.

`CallSession` knows nothing about where audio comes from or goes to; the Gradio Call tab
and `resonant call` (sounddevice) both drive it. Turns are answered one at a time by a
worker thread, in order, so a reply never overtakes the turn before it.

Barge-in: when the user starts speaking while the agent is still talking, queued reply
audio is dropped, synthesis of the rest stops, and `BargeIn` tells the player to stop.
The interrupted turn is still completed and stored.

Transcript-aware turn-taking (on by default, `turn_taking=None` turns it off): the speech
so far is transcribed at every pause (`hearing.py`), which gives partial transcripts, the
turn's transcript before the turn is over, and a pause length that fits what was said
(`turn_taking.py`): short after a finished sentence, long after "and...".
"""

from __future__ import annotations

import atexit
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from resonant.agent.agent import DEFAULT_CONVERSATION
from resonant.agent.result import ReplyChunk
from resonant.audio.samples import SPEECH_RATE, Audio
from resonant.settings import Settings
from resonant.voice.endpointing import (
    Endpointer,
    EndpointerConfig,
    Paused,
    SpeechStarted,
    TurnEnded,
)
from resonant.voice.hearing import PartialTranscript, PauseTranscriber
from resonant.voice.pipeline import Heard, SpokenSentence, VoiceAgent, VoiceEvent, VoiceReply
from resonant.voice.turn_taking import TurnTaking


@dataclass(frozen=True, slots=True)
class BargeIn:
    """The user interrupted: stop playing the agent's audio now."""


@dataclass(frozen=True, slots=True)
class UserTurnEnded:
    """The user paused long enough: their turn is being answered."""

    seconds: float


CallEvent = BargeIn | UserTurnEnded | SpeechStarted
STANDARD_TURN_TAKING = TurnTaking()  # the pauses of resonant.defaults
# What a call's listener hears: the voice pipeline's events, and partial transcripts.
CallProgress = VoiceEvent | PartialTranscript

# Live sessions, so that interpreter exit lets each finish its turn instead of killing a
# worker thread inside native Whisper or ONNX code (which aborts the process).
_LIVE: weakref.WeakSet[CallSession] = weakref.WeakSet()


@atexit.register
def _hang_up_all() -> None:
    for session in list(_LIVE):
        session.hang_up(timeout=10)


@dataclass
class CallLog:
    """What the call has produced so far, for a UI to show."""

    transcripts: list[str] = field(default_factory=list)
    replies: list[VoiceReply] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    barge_ins: int = 0


class CallSession:
    """One user's live call with a `VoiceAgent`.

    Args:
        endpointing: voice-activity settings; its `silence_ms` is the pause that ends a
            turn when turn-taking is off or the transcript does not tell.
        turn_taking: pause lengths by transcript; None ends every turn after
            `endpointing.silence_ms` and transcribes only then.
        listener: called from the call's threads with each `PartialTranscript`, `Heard`,
            `ReplyChunk` (the reply's text as it is written), `SpokenSentence` (its audio
            still comes through `take_audio`) and `VoiceReply` as they happen, for
            transports that report progress (the WebSocket endpoint).
    """

    def __init__(
        self,
        voice: VoiceAgent,
        user_id: str,
        *,
        conversation: str = DEFAULT_CONVERSATION,
        endpointing: EndpointerConfig | None = None,
        turn_taking: TurnTaking | None = STANDARD_TURN_TAKING,
        listener: Callable[[CallProgress], None] | None = None,
    ):
        self.voice = voice
        self._listener = listener
        self.user_id = user_id
        self.conversation = conversation
        self.log = CallLog()
        self._endpointer = Endpointer(endpointing or EndpointerConfig())
        self.turn_taking = turn_taking
        self._hearing: PauseTranscriber | None = None
        if turn_taking is not None:
            self._hearing = PauseTranscriber(voice.transcriber, on_partial=listener)
            self._endpointer.silence_needed = self._silence_needed
        self._turns: queue.Queue[TurnEnded | None] = queue.Queue()
        self._outbox: queue.Queue[Audio] = queue.Queue()
        # Each reply gets its own cancel flag, so interrupting one never silences the next.
        self._cancel = threading.Event()
        self._busy = threading.Event()
        self._playing_until = 0.0
        self._worker = threading.Thread(
            target=self._answer_turns, name="resonant-call", daemon=True
        )
        self._worker.start()
        _LIVE.add(self)

    @classmethod
    def from_settings(
        cls, voice: VoiceAgent, user_id: str, settings: Settings, **options: Any
    ) -> CallSession:
        """A call whose turn-taking follows `settings` (`silence_ms`, `turn_taking`,
        `finished_silence_ms`)."""
        return cls(
            voice,
            user_id,
            endpointing=EndpointerConfig(silence_ms=settings.silence_ms),
            turn_taking=TurnTaking(
                silence_ms=settings.silence_ms,
                finished_silence_ms=settings.finished_silence_ms,
            )
            if settings.turn_taking
            else None,
            **options,
        )

    @property
    def agent_speaking(self) -> bool:
        """True while a reply is being produced or its audio is (estimated to be) playing."""
        return (
            self._busy.is_set()
            or not self._outbox.empty()
            or time.monotonic() < self._playing_until
        )

    @property
    def unplayed_seconds(self) -> float:
        """Reply audio taken but (by the estimate from durations) not played yet."""
        return max(0.0, self._playing_until - time.monotonic())

    def feed(self, chunk: Audio) -> list[CallEvent]:
        """Give the session the next piece of microphone audio (any rate)."""
        events: list[CallEvent] = []
        for event in self._endpointer.feed(chunk.resampled(SPEECH_RATE).samples):
            if isinstance(event, SpeechStarted):
                if self.agent_speaking:
                    self._barge_in()
                    events.append(BargeIn())
                events.append(event)
            elif isinstance(event, Paused):
                if self._hearing is not None:
                    self._hearing.paused(
                        event.audio, event.pause, event.turn, event.earlier_quiet_ms
                    )
            elif isinstance(event, TurnEnded):
                self._queue_turn(event)
                events.append(UserTurnEnded(event.audio.seconds))
        return events

    def _silence_needed(self, pause: int) -> int:
        assert self._hearing is not None and self.turn_taking is not None
        heard = self._hearing.heard(pause)
        return self.turn_taking.silence_after(heard.text if heard is not None else None)

    def take_audio(self) -> list[Audio]:
        """Reply audio ready to play, in order; the caller plays it now."""
        parts = self._drain_outbox()
        now = time.monotonic()
        for part in parts:
            self._playing_until = max(self._playing_until, now) + part.seconds
        return parts

    def finished_playing(self) -> None:
        """The player reports that everything taken so far has been heard (its estimate
        from durations is otherwise used to decide whether speech is a barge-in)."""
        self._playing_until = 0.0

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every finished turn has been answered (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._turns.empty() and not self._busy.is_set():
                return True
            time.sleep(0.01)
        return False

    def hang_up(self, timeout: float = 120) -> None:
        """End the call: a turn in progress is answered (and stored), nothing more is said."""
        if not self._worker.is_alive():
            return
        for event in self._endpointer.flush():
            if isinstance(event, TurnEnded):
                self._queue_turn(event)
        self._turns.put(None)
        self._worker.join(timeout=timeout)
        if self._hearing is not None:
            self._hearing.close()
        _LIVE.discard(self)

    def _barge_in(self) -> None:
        self.log.barge_ins += 1
        self._cancel.set()
        self._playing_until = 0.0
        self._drain_outbox()

    def _queue_turn(self, turn: TurnEnded) -> None:
        self._busy.set()  # before the put, so `agent_speaking` never misses the turn
        self._turns.put(turn)

    def _drain_outbox(self) -> list[Audio]:
        parts = []
        while True:
            try:
                parts.append(self._outbox.get_nowait())
            except queue.Empty:
                return parts

    def _answer_turns(self) -> None:
        while (turn := self._turns.get()) is not None:
            self._busy.set()
            cancel = self._cancel = threading.Event()
            try:
                heard = self._hearing.transcript_at(turn.pause) if self._hearing else None
                for event in self.voice.converse(
                    self.user_id,
                    turn.audio,
                    conversation=self.conversation,
                    cancel=cancel,
                    transcript=heard,
                ):
                    if isinstance(event, SpokenSentence | ReplyChunk) and cancel.is_set():
                        continue  # interrupted: neither played nor reported
                    if self._listener is not None:
                        self._listener(event)  # before its audio, so text leads sound
                    if isinstance(event, Heard) and event.transcript.heard_speech:
                        self.log.transcripts.append(event.transcript.text)
                    elif isinstance(event, SpokenSentence):
                        self._outbox.put(event.audio)
                    elif isinstance(event, VoiceReply):
                        self.log.replies.append(event)
            except Exception as exc:  # one failed turn must not end the call
                self.log.errors.append(str(exc))
            finally:
                if self._turns.empty():
                    self._busy.clear()
