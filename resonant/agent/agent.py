"""The `Agent`: the Python API around the graph, and the way to build one.

    from resonant import Agent
    agent = Agent.from_defaults()
    result = agent.respond("ada", "I finally finished my thesis!")
    print(result.reply, result.user_emotion["label"], result.agent_vad)

Each (user, conversation) pair is one LangGraph thread, checkpointed so a conversation
survives restarts; long-term memories are shared across a user's conversations. Turns of
one conversation run one at a time, across threads and processes (`turnlock`), so each
sees the ones before it; a turn given a `request_key` is stored and answered once however
often it is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver

from resonant.affect import VAD, VADDict
from resonant.agent.checkpoints import (
    ThreadedCheckpointer,
    flush_deleted,
    open_checkpointer,
    prune_thread,
    threads_of,
)
from resonant.agent.context import AgentContext, Conditioning
from resonant.agent.graph import build_graph
from resonant.agent.ids import check_id, thread_id, thread_prefix
from resonant.agent.nodes.perceive import analysis_excerpt, normalise_text
from resonant.agent.redaction import CARRIED_STATE, redaction
from resonant.agent.result import AffectUpdate, ReplyChunk, TurnResult
from resonant.agent.state import AgentState
from resonant.agent.turnlock import TurnLocks, held, turn_locks_for
from resonant.defaults import DEFAULT_LLM, DEFAULT_LLM_TIMEOUT_S, DEFAULT_PERSONA, DEFAULT_RECALL_K
from resonant.embedding import SentenceTransformerEmbedder, shared_embedder
from resonant.errors import InvalidTurnError
from resonant.llm.base import ChatMessage, ChatModel, Sampling
from resonant.llm.registry import load_chat_model
from resonant.memory.store import MemoryStore, default_database_url
from resonant.persona.loader import load_persona
from resonant.persona.model import Persona
from resonant.settings import Settings, default_data_dir, settings_arguments
from resonant.skills.base import Skill, SkillInput
from resonant.skills.registry import load_skills

if TYPE_CHECKING:
    from resonant.audio.samples import Audio

DEFAULT_CONVERSATION = "default"
# Said in the agent's history where a reply never came (the process stopped mid-turn), so
# the conversation state holds every turn the user made, in order.
INTERRUPTED_REPLY = "(My reply to this was interrupted.)"


class TurnOptions(TypedDict, total=False):
    """What a caller may set for one turn, beside the user and the text (see `Agent.stream`):
    the conversation (default "default"), an idempotency `request_key`, `max_tokens` and
    `temperature` for this reply, an app's `instructions`, `history` to seed a new
    conversation, and further `sampling` controls for the LLM."""

    conversation: str
    request_key: str | None
    max_tokens: int | None
    temperature: float | None
    instructions: str | None
    history: Sequence[ChatMessage] | None
    sampling: Sampling | None


@dataclasses.dataclass(frozen=True, slots=True)
class _Turn:
    user_id: str
    conversation: str
    text: str
    thread: str
    config: RunnableConfig
    context: AgentContext
    request_key: str | None
    seed: tuple[ChatMessage, ...]


class _Progress:
    """Turns the graph's (mode, payload) stream into the agent's events, timing nodes."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def events(self, mode: str, payload: dict[str, Any]) -> Iterator[AffectUpdate | ReplyChunk]:
        if mode == "custom":
            yield ReplyChunk(payload["token"])
            return
        now = time.perf_counter()
        for node in payload:
            self.timings[node] = (now - self._last) * 1000
        self._last = now
        appraisal = payload.get("appraise")
        if appraisal:
            yield AffectUpdate(
                user_emotion=appraisal["user_emotion"],
                user_vad=VAD.from_dict(appraisal["user_vad"]),
                agent_vad=VAD.from_dict(appraisal["agent_vad"]),
                safety=appraisal["safety"],
            )


class Agent:
    """An empathetic agent: skills, persona dynamics, memory and an LLM in one graph.

    Args:
        llm: the chat model that writes replies.
        store: the per-user store of turns and memories (`memory=` before 0.2).
        persona: who the agent is.
        skills: detectors run on every turn.
        checkpointer: where conversation state is kept between turns and restarts.
        recall_k: memories recalled per turn.
        conditioning: which signals the reply is conditioned on (default: all, guided
            generation when the LLM prefers it).
        turn_locks: how turns of one conversation are serialised (default: the strongest
            the memory store's database allows, see `resonant.agent.turnlock`).
    """

    def __init__(
        self,
        *,
        llm: ChatModel,
        store: MemoryStore | None = None,
        persona: Persona,
        skills: Sequence[Skill],
        checkpointer: BaseCheckpointSaver,
        recall_k: int = DEFAULT_RECALL_K,
        conditioning: Conditioning = Conditioning(),  # noqa: B008 - frozen, shared safely
        turn_locks: TurnLocks | None = None,
        memory: MemoryStore | None = None,
    ):
        if memory is not None:  # the 0.1 name of `store`
            warnings.warn("Agent(memory=...) is now Agent(store=...)", DeprecationWarning, 2)
            store = store or memory
        if store is None:
            raise TypeError("Agent() needs store=MemoryStore(...)")
        self.llm = llm
        self.store = store
        self.persona = persona
        self.checkpointer = checkpointer
        self.context = AgentContext(
            skills=tuple(skills),
            llm=llm,
            store=store,
            persona=persona,
            recall_k=recall_k,
            conditioning=conditioning,
        )
        # The graph's own copy can also be awaited (astream); the rest of the agent uses
        # the saver directly.
        self.graph = build_graph(ThreadedCheckpointer(checkpointer))
        self.turn_locks = turn_locks or turn_locks_for(store.engine)
        self._owned: list[Any] = []

    @classmethod
    def from_defaults(
        cls,
        *,
        data_dir: str | Path | None = None,
        llm: str | ChatModel = DEFAULT_LLM,
        persona: str | Path | Persona = DEFAULT_PERSONA,
        skills: Sequence[str] | None = None,
        database_url: str | None = None,
        embedder: str | None = None,
        recall_k: int = DEFAULT_RECALL_K,
        llm_api_key: str | None = None,
        llm_timeout: float = DEFAULT_LLM_TIMEOUT_S,
        guidance: bool | None = None,
    ) -> Agent:
        """An agent on the embedded, offline defaults, each part overridable.

        Args:
            data_dir: folder for the SQLite memory store and checkpoints
                (default ``$XDG_DATA_HOME/resonant``).
            llm: a backend string (see `resonant.llm.registry`) or a ChatModel.
            persona: a shipped persona name, a YAML path, or a Persona.
            skills: skill names; None enables the built-ins and installed plugins.
            database_url: SQLAlchemy URL for the memory store instead of SQLite.
            embedder: sentence-transformers model for memories (default: packaged MiniLM).
            guidance: detector-guided replies (resonant.llm.guidance); None lets the LLM
                decide (on for local GGUF models, off for servers).
        """
        folder = Path(data_dir) if data_dir is not None else default_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        chosen_persona = persona if isinstance(persona, Persona) else load_persona(persona)
        model = (
            load_chat_model(llm, api_key=llm_api_key, timeout=llm_timeout)
            if isinstance(llm, str)
            else llm
        )
        store = MemoryStore(
            database_url or default_database_url(folder),
            SentenceTransformerEmbedder(embedder) if embedder else shared_embedder(),
        )
        checkpointer, connection = open_checkpointer(database_url, folder)
        agent = cls(
            llm=model,
            store=store,
            persona=chosen_persona,
            skills=load_skills(skills),
            checkpointer=checkpointer,
            recall_k=recall_k,
            conditioning=Conditioning(guided=guidance),
        )
        agent._owned.extend([store, connection])
        if isinstance(llm, str) and hasattr(model, "close"):
            agent._owned.append(model)
        return agent

    @property
    def memory(self) -> MemoryStore:
        """Deprecated: the 0.1 name of `store`."""
        warnings.warn("Agent.memory is now Agent.store", DeprecationWarning, stacklevel=2)
        return self.store

    @classmethod
    def from_settings(cls, settings: Settings) -> Agent:
        """`from_defaults` with each argument taken from the setting of the same name."""
        return cls.from_defaults(**settings_arguments(settings, cls.from_defaults))

    def with_persona(self, persona: str | Path | Persona) -> Agent:
        """The same agent (LLM, memory, skills, conversations) speaking as another persona."""
        chosen = persona if isinstance(persona, Persona) else load_persona(persona)
        return self if chosen == self.persona else self._sibling(persona=chosen)

    def with_conditioning(self, conditioning: Conditioning, llm: ChatModel | None = None) -> Agent:
        """The same agent (memory, skills, conversations, persona) with its reply conditioned
        otherwise, and optionally another LLM: how the evals compare ablations side by side."""
        return self._sibling(conditioning=conditioning, llm=llm or self.llm)

    def _sibling(self, **changes: Any) -> Agent:
        parts: dict[str, Any] = {
            "llm": self.llm,
            "store": self.store,
            "persona": self.persona,
            "skills": self.context.skills,
            "checkpointer": self.checkpointer,
            "recall_k": self.context.recall_k,
            "conditioning": self.context.conditioning,
            "turn_locks": self.turn_locks,
        }
        return Agent(**(parts | changes))

    def warm_up(self) -> None:
        """Load every lazily loaded model (skills, embedder) now instead of on the first turn:
        a live call or a server should not make its first user wait for them."""
        sample = SkillInput(text="I'm a little nervous about tomorrow.")
        for skill in self.context.skills:
            skill.detect(sample)
        self.store.embedder.embed([sample.text])

    def affect_trajectory(
        self, user_id: str, conversation: str = DEFAULT_CONVERSATION
    ) -> dict[str, list[VADDict]]:
        """The user's and the agent's VAD, turn by turn, for one conversation."""
        config: RunnableConfig = {"configurable": {"thread_id": thread_id(user_id, conversation)}}
        state = cast(AgentState, self.graph.get_state(config).values)
        return {
            "user": list(state.get("user_vad_trace", [])),
            "agent": list(state.get("agent_vad_trace", [])),
        }

    def stream(
        self,
        user_id: str,
        text: str,
        *,
        speech: Audio | None = None,
        **options: Unpack[TurnOptions],
    ) -> Iterator[AffectUpdate | ReplyChunk | TurnResult]:
        """Run one turn: an AffectUpdate once appraised, reply chunks as they are written,
        then the TurnResult.

        `max_tokens` and `temperature` override the agent's for this reply only;
        `instructions` are an app's own instructions for this reply, placed under the
        persona (they never replace it or the safety rules). `history` (earlier user and
        assistant messages, oldest first) seeds a conversation that has no state yet, as
        when an app moves an existing chat to resonant; once the conversation exists, its
        own stored history wins and `history` is ignored. `sampling` passes further
        controls (top_p, stop, seed, penalties) to a backend that takes them.

        `speech` is the audio `text` was transcribed from, for skills that listen to the
        voice itself (speech-prosody); it is used for this turn only and never stored.
        `request_key` makes the turn idempotent: a retry with the same key after the turn
        finished gets the stored result (no new turn); after it was interrupted, the same
        stored user turn is answered.

        Raises:
            InvalidTurnError: empty or oversized text, or a malformed id.
        """
        # Validated before anything is stored or checkpointed: a rejected turn leaves no trace.
        turn = self._turn(user_id, text, speech, options)
        with self.turn_locks.hold(turn.thread):
            stored = self._stored_result(turn)
            if stored is not None:
                yield stored
                return
            graph_input = self._graph_input(turn)
            progress = _Progress()
            events = cast(
                Iterator[tuple[str, dict[str, Any]]],
                self.graph.stream(graph_input, turn.config, **self._stream_options(turn)),
            )
            for mode, payload in events:
                yield from progress.events(mode, payload)
            yield self._finish(turn, progress)

    async def astream(
        self,
        user_id: str,
        text: str,
        *,
        speech: Audio | None = None,
        **options: Unpack[TurnOptions],
    ) -> AsyncIterator[AffectUpdate | ReplyChunk | TurnResult]:
        """`stream` for asyncio: the graph runs on LangGraph's `astream` (its nodes, which
        are CPU-bound, in worker threads) and database calls leave the event loop."""
        turn = self._turn(user_id, text, speech, options)
        async with held(self.turn_locks, turn.thread):
            stored = await asyncio.to_thread(self._stored_result, turn)
            if stored is not None:
                yield stored
                return
            graph_input = await asyncio.to_thread(self._graph_input, turn)
            progress = _Progress()
            events = cast(
                AsyncIterator[tuple[str, dict[str, Any]]],
                self.graph.astream(graph_input, turn.config, **self._stream_options(turn)),
            )
            async for mode, payload in events:
                for event in progress.events(mode, payload):
                    yield event
            yield await asyncio.to_thread(self._finish, turn, progress)

    def _turn(self, user_id: str, text: str, speech: Audio | None, options: TurnOptions) -> _Turn:
        """The validated turn and its per-turn context (no I/O).

        Raises:
            InvalidTurnError: also for a sampling control the LLM backend cannot take.
        """
        user_id = check_id("user_id", user_id)
        conversation = check_id("conversation", options.get("conversation", DEFAULT_CONVERSATION))
        request_key = options.get("request_key")
        if request_key is not None:
            request_key = check_id("request_key", request_key)
        context = self.context
        if speech is not None:
            context = dataclasses.replace(
                context, audio=speech.pcm16(), sample_rate=speech.sample_rate
            )
        max_tokens, temperature = options.get("max_tokens"), options.get("temperature")
        if max_tokens is not None:
            context = dataclasses.replace(context, max_reply_tokens=max_tokens)
        if temperature is not None:
            context = dataclasses.replace(context, temperature=temperature)
        instructions = options.get("instructions")
        if instructions:
            context = dataclasses.replace(context, instructions=instructions)
        sampling = options.get("sampling")
        if sampling:
            refused = set(sampling) - getattr(self.llm, "sampling_options", frozenset())
            if refused:
                raise InvalidTurnError(
                    f"the LLM backend {self.llm.name} cannot take {', '.join(sorted(refused))}"
                )
            context = dataclasses.replace(context, sampling=Sampling(**sampling))
        thread = thread_id(user_id, conversation)
        return _Turn(
            user_id=user_id,
            conversation=conversation,
            text=normalise_text(text),
            thread=thread,
            config={"configurable": {"thread_id": thread}},
            context=context,
            request_key=request_key,
            seed=tuple(options.get("history") or ()),
        )

    def _stored_result(self, turn: _Turn) -> TurnResult | None:
        """The stored result of a retried request that already finished."""
        if turn.request_key is None:
            return None
        finished = self.store.finished_request(turn.user_id, turn.request_key)
        return TurnResult.from_dict(finished) if finished is not None else None

    def _graph_input(self, turn: _Turn) -> AgentState:
        """The graph's input: the turn, with any seeded history and the turns a crash
        left unanswered (marked as interrupted)."""
        graph_input: AgentState = {
            "user_id": turn.user_id,
            "conversation": turn.conversation,
            "text": turn.text,
            "request_key": turn.request_key,
        }
        earlier: list[ChatMessage] = []
        if turn.seed and not self.graph.get_state(turn.config).values.get("history"):
            earlier += [ChatMessage(role=m["role"], content=m["content"]) for m in turn.seed]
        missed = self.store.interrupt_unanswered(
            turn.user_id, turn.conversation, retrying=turn.request_key
        )
        earlier += [
            message
            for earlier_turn in missed
            for message in (
                ChatMessage(role="user", content=analysis_excerpt(earlier_turn)),
                ChatMessage(role="assistant", content=INTERRUPTED_REPLY),
            )
        ]
        if earlier:
            graph_input["history"] = earlier
        return graph_input

    @staticmethod
    def _stream_options(turn: _Turn) -> dict[str, Any]:
        # With a list of modes LangGraph yields (mode, payload) pairs. Checkpointing once,
        # at the end of the turn, writes one checkpoint instead of one per node.
        return {
            "context": turn.context,
            "stream_mode": ["updates", "custom"],
            "durability": "exit",
        }

    def _finish(self, turn: _Turn, progress: _Progress) -> TurnResult:
        """The turn's result, stored for its request key; older checkpoints pruned."""
        state = cast(AgentState, self.graph.get_state(turn.config).values)
        result = TurnResult.from_state(state, progress.timings)
        if turn.request_key is not None:
            self.store.save_result(turn.user_id, result.turn_id, result.to_dict())
        prune_thread(self.checkpointer, turn.thread)
        return result

    def respond(
        self,
        user_id: str,
        text: str,
        **options: Unpack[TurnOptions],
    ) -> TurnResult:
        """Run one turn and return the reply with its affect trace (see `stream`)."""
        for event in self.stream(user_id, text, **options):
            if isinstance(event, TurnResult):
                return event
        raise RuntimeError("the graph finished without a result")  # pragma: no cover

    async def arespond(
        self,
        user_id: str,
        text: str,
        **options: Unpack[TurnOptions],
    ) -> TurnResult:
        """`respond` for asyncio (see `astream`)."""
        async for event in self.astream(user_id, text, **options):
            if isinstance(event, TurnResult):
                return event
        raise RuntimeError("the graph finished without a result")  # pragma: no cover

    def memories(self, user_id: str) -> list[dict[str, Any]]:
        return self.store.memories(check_id("user_id", user_id))

    def conversation_state(self, user_id: str, conversation: str) -> dict[str, Any]:
        """What the agent carries from turn to turn in one conversation (its history and
        the VAD traces), as checkpointed."""
        config: RunnableConfig = {"configurable": {"thread_id": thread_id(user_id, conversation)}}
        values = self.graph.get_state(config).values
        return {key: values[key] for key in CARRIED_STATE if key in values}

    def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored about a user, as JSON-able data: turns, memories, and the
        state of each conversation."""
        user_id = check_id("user_id", user_id)
        data = self.store.export_user(user_id)
        conversations = sorted(
            json.loads(thread)[1]
            for thread in threads_of(self.checkpointer, thread_prefix(user_id))
        )
        data["conversation_state"] = {
            conversation: self.conversation_state(user_id, conversation)
            for conversation in conversations
        }
        return data

    def delete_memory(self, user_id: str, memory_id: int) -> bool:
        """Delete one memory, and its words from the conversation state the LLM is shown;
        False when the user has no such memory."""
        user_id = check_id("user_id", user_id)
        deleted = self.store.delete_memory(user_id, memory_id)
        if deleted is None:
            return False
        if deleted.conversation is not None:
            thread = thread_id(user_id, deleted.conversation)
            with self.turn_locks.hold(thread):
                config: RunnableConfig = {"configurable": {"thread_id": thread}}
                values = self.graph.get_state(config).values
                if values:
                    self.graph.update_state(config, redaction(values, deleted.text))
                    prune_thread(self.checkpointer, thread)
                    flush_deleted(self.checkpointer)
        return True

    def forget(self, user_id: str) -> None:
        """Delete everything about a user: every conversation's checkpoints (those of
        failed turns too), turns and memories, leaving no copy in SQLite's logs."""
        user_id = check_id("user_id", user_id)
        threads = sorted(threads_of(self.checkpointer, thread_prefix(user_id)))
        with contextlib.ExitStack() as held:
            # Wait for in-flight turns (sorted order: two erasures cannot deadlock).
            for thread in threads:
                held.enter_context(self.turn_locks.hold(thread))
            for thread in threads:
                self.checkpointer.delete_thread(thread)
            self.store.delete_user(user_id)
        flush_deleted(self.checkpointer)

    def close(self) -> None:
        for resource in self._owned:
            resource.close()
        self._owned.clear()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
