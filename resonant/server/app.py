"""The HTTP API: an OpenAI-compatible chat endpoint plus native endpoints for the trace,
VAD history and memories, all behind per-tenant API keys.

Every user id is namespaced by the key's tenant before it reaches the agent, so a key can
only ever read or change its own tenant's users. The `RequestGuard` in front answers
401 (no valid key), 429 (over the rate, with Retry-After) and 413 (body over the limit)
before a route runs; errors use the OpenAI error shape (`resonant.server.errors`).

A client may send an `Idempotency-Key` header with a turn: a retry with the same key
gets the stored result instead of a second turn. Chat completions that carry earlier
turns are keyed by their content when no header is sent (see `derived_request_key`).
"""

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Path, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from sqlalchemy import text as sql

from resonant.agent.agent import Agent
from resonant.agent.ids import check_id
from resonant.agent.nodes.perceive import normalise_text
from resonant.agent.result import ReplyChunk, TurnResult
from resonant.defaults import DEFAULT_MAX_BODY_BYTES
from resonant.errors import ResonantError
from resonant.persona.loader import builtin_persona_names
from resonant.server.errors import (
    INTERNAL_ERROR,
    error_body,
    error_response,
    install_error_handlers,
)
from resonant.server.guard import RequestGuard
from resonant.server.keys import KeyRing
from resonant.server.ratelimit import Limiter, RateLimiter
from resonant.server.schemas import ChatCompletionRequest, TurnRequest
from resonant.settings import Settings

if TYPE_CHECKING:
    from resonant.voice.pipeline import VoiceAgent

# No `from __future__ import annotations` here: FastAPI resolves the dependency aliases
# defined inside create_app from the live annotations.
log = logging.getLogger(__name__)

TENANT_SEPARATOR = ":"
VOICE_OFF = "voice is off on this server: install resonant[voice] and start it with --voice"
MAX_MEMORY_ID = 2**63 - 1
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]


def tenant_user_id(tenant: str, user: str) -> str:
    """The agent's id of a tenant's user: what every route and the voice socket store
    and look up under, so one tenant never reaches another's users.

    Raises:
        InvalidTurnError: `user` is not a valid id.
    """
    return f"{tenant}{TENANT_SEPARATOR}{check_id('user', user)}"


def create_app(
    agent: Agent,
    keys: KeyRing,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    rate_per_minute: int = 120,
    limiter: Limiter | None = None,
    warm_up: bool = True,
    voice: "VoiceAgent | None" = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The FastAPI application serving `agent` (docs at /docs, schema at /openapi.json).

    Args:
        limiter: per-key rate limiter (default: in-process, `rate_per_minute`); pass a
            `RedisRateLimiter` so several server processes share one budget.
        warm_up: load every model at start-up, so the first user does not wait for it;
            /readyz answers 503 until it is done.
        voice: the same agent with ears and a voice (`VoiceAgent`): serves live calls
            on the WebSocket `/v1/voice` (see `resonant.server.voice_socket`).
        settings: what calls on `/v1/voice` take their turn-taking from (`silence_ms`,
            `turn_taking`); default: `Settings()`.
    """
    warmed = asyncio.Event()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            await asyncio.to_thread(voice.warm_up if voice else agent.warm_up)
        warmed.set()
        yield

    app = FastAPI(
        title="resonant",
        summary="Empathetic agent backend",
        version=version("resonant"),
        lifespan=lifespan,
    )
    install_error_handlers(app)
    limiter = limiter or RateLimiter(rate_per_minute)
    app.add_middleware(RequestGuard, keys=keys, limiter=limiter, max_body_bytes=max_body_bytes)

    personas = {"resonant": agent} | {
        f"resonant-{name}": agent.with_persona(name) for name in builtin_persona_names()
    }
    started = int(time.time())

    def speaker(model: str) -> Agent:
        """The agent of a model name: `resonant` (the configured persona) or
        `resonant-<persona>`."""
        if model not in personas:
            raise HTTPException(
                404, f"the model {model!r} does not exist; GET /v1/models lists them"
            )
        return personas[model]

    def scoped(request: Request, user: str) -> str:
        """The agent's id of the tenant's user (the tenant is set by the RequestGuard)."""
        return tenant_user_id(request.state.tenant, user)

    def public(result: TurnResult, user: str) -> dict[str, Any]:
        data = result.to_dict()
        data["user_id"] = user
        return data

    async def run_turn(who: Agent, user: str, text: str, **turn: Any) -> TurnResult:
        try:
            return await who.arespond(user, text, **turn)
        except ResonantError as exc:
            if isinstance(exc, ValueError):
                raise  # a bad turn: 400 from the error handlers
            raise HTTPException(503, str(exc)) from exc

    @app.websocket("/v1/voice")
    async def voice_call(websocket: WebSocket) -> None:
        """A live voice call (protocol: resonant.server.voice_socket)."""
        if voice is None:
            await websocket.accept()
            await websocket.send_json({"type": "error", "message": VOICE_OFF})
            await websocket.close(code=4400, reason=VOICE_OFF)
            return
        from resonant.server.voice_socket import serve_voice_call

        await serve_voice_call(
            websocket,
            voice=voice,
            keys=keys,
            limiter=limiter,
            user_of=tenant_user_id,
            settings=settings or Settings(),
        )

    @app.get("/voice", include_in_schema=False)
    def voice_page() -> HTMLResponse:
        """A small browser client for `/v1/voice` (the page asks for the API key)."""
        return HTMLResponse(files("resonant.server").joinpath("static/voice.html").read_text())

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=None)
    def readyz() -> dict[str, Any] | JSONResponse:
        """Readiness: models loaded, database reachable, LLM reachable (503 if not)."""
        checks = {"models": "ok" if warmed.is_set() else "loading"}
        try:
            with agent.store.engine.connect() as connection:
                connection.execute(sql("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            log.warning("readiness: database unreachable: %s", exc)
            checks["database"] = "unreachable"
        check_llm = getattr(agent.llm, "check", None)
        try:
            if check_llm is not None:
                check_llm()
            checks["llm"] = "ok"
        except ResonantError as exc:
            checks["llm"] = f"unavailable: {exc}"
        ready = all(value == "ok" for value in checks.values())
        body = {
            "status": "ready" if ready else "not ready",
            "checks": checks,
            "persona": agent.persona.name,
            "llm": agent.llm.name,
        }
        return body if ready else JSONResponse(body, 503)

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        """One model per persona; the model name of a completion picks the persona."""
        return {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": started, "owned_by": "resonant"}
                for name in personas
            ],
        }

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(
        body: ChatCompletionRequest, request: Request, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any] | StreamingResponse | JSONResponse:
        refused = body.unsupported()
        if refused is not None:
            return error_response(400, f"{refused[0]}: {refused[1]}", param=refused[0])
        chosen = speaker(body.model)
        try:
            instructions, history, said = body.split_messages()
        except ValueError as exc:
            return error_response(400, str(exc), param="messages")
        sampling = body.sampling()
        takes: frozenset[str] = getattr(chosen.llm, "sampling_options", frozenset())
        for name in sampling:
            if name not in takes:
                return error_response(
                    400, f"{name}: the LLM backend {chosen.llm.name} cannot take it", param=name
                )
        text = normalise_text(said)
        public_user = body.end_user() or f"default-{request.state.key_id}"
        user = scoped(request, public_user)
        conversation = check_id("conversation", body.conversation())
        request_key = idempotency_key or body.derived_request_key()
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        turn: dict[str, Any] = {
            "conversation": conversation,
            "request_key": request_key,
            "max_tokens": body.reply_tokens(),
            "temperature": body.temperature,
            "instructions": instructions,
            "history": history,
            "sampling": sampling,
        }
        if body.stream:
            events = chosen.astream(user, text, **turn)
            return StreamingResponse(
                _sse(events, completion_id, body.model, public_user, body.include_usage()),
                media_type="text/event-stream",
            )
        result = await run_turn(chosen, user, text, **turn)
        completion = {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result.reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": usage_body(result),
            "resonant": public(result, public_user),
        }
        # A degraded reply (the LLM did not answer) says so in a header as well.
        headers = {"X-Resonant-Degraded": "true"} if result.degraded else {}
        return JSONResponse(completion, headers=headers)

    @app.post("/v1/turns")
    async def turn(
        body: TurnRequest, request: Request, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        result = await run_turn(
            agent,
            scoped(request, body.user),
            body.text,
            conversation=body.conversation,
            request_key=idempotency_key,
        )
        return public(result, body.user)

    @app.get("/v1/users/{user}/vad")
    def vad_history(user: str, request: Request) -> dict[str, Any]:
        turns = agent.store.turns(scoped(request, user))
        return {
            "user": user,
            "points": [
                {
                    "turn_id": t["id"],
                    "conversation": t["conversation"],
                    "role": t["role"],
                    "vad": t["vad"],
                    "at": t["created_at"],
                }
                for t in turns
                if t["vad"]
            ],
        }

    @app.get("/v1/users/{user}/memories")
    def list_memories(user: str, request: Request) -> dict[str, Any]:
        return {"user": user, "memories": agent.memories(scoped(request, user))}

    @app.get("/v1/users/{user}/export")
    def export(user: str, request: Request) -> dict[str, Any]:
        data = agent.export(scoped(request, user))
        data["user_id"] = user
        return data

    @app.delete("/v1/users/{user}/memories/{memory_id}")
    def delete_memory(
        user: str, memory_id: Annotated[int, Path(ge=1, le=MAX_MEMORY_ID)], request: Request
    ) -> dict[str, Any]:
        if not agent.delete_memory(scoped(request, user), memory_id):
            raise HTTPException(404, f"no memory {memory_id} for user {user!r}")
        return {"deleted": memory_id}

    @app.delete("/v1/users/{user}")
    def delete_user(user: str, request: Request) -> dict[str, Any]:
        agent.forget(scoped(request, user))
        return {"deleted": user}

    return app


_END = object()
_RUNNING: set[asyncio.Task[None]] = set()


def usage_body(result: TurnResult) -> dict[str, Any]:
    """The OpenAI `usage` object of a turn, with `source` saying how it was counted."""
    return result.usage or {
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "total_tokens": 0,
        "source": "unknown",
    }


async def _sse(
    events: AsyncIterator[Any],
    completion_id: str,
    model: str,
    public_user: str,
    include_usage: bool,
) -> AsyncIterator[str]:
    """The agent's stream (`Agent.astream`) as OpenAI chat.completion.chunk events; the
    last one carries the trace.

    The turn runs in its own task, so a client that disconnects mid-reply does not cut it
    short: the reply is still stored, and a retry with the same idempotency key gets it.
    The turn was validated before the stream started, so an error here is a failure of
    the backend: sent as an OpenAI error event, with a generic message unless it is one
    of resonant's own (internal details are logged, never sent)."""
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def run() -> None:
        try:
            async for event in events:
                queue.put_nowait(event)
        except Exception as exc:
            if not isinstance(exc, ResonantError):
                log.exception("streamed turn failed")
            queue.put_nowait(exc)
        finally:
            queue.put_nowait(_END)

    turn = asyncio.create_task(run())
    _RUNNING.add(turn)  # a task only weakly referenced could be collected mid-turn
    turn.add_done_callback(_RUNNING.discard)

    def chunk(delta: dict[str, Any] | None, finish: str | None, extra: dict[str, Any]) -> str:
        """One chunk event; without a delta, one with no choices (the usage chunk)."""
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        event = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            **extra,
        }
        return f"data: {json.dumps(event, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant"}, None, {})
    while (event := await queue.get()) is not _END:
        if isinstance(event, ReplyChunk):
            yield chunk({"content": event.text}, None, {})
        elif isinstance(event, TurnResult):
            trace = event.to_dict()
            trace["user_id"] = public_user
            yield chunk({}, "stop", {"resonant": trace})
            if include_usage:  # as OpenAI does: a last chunk with no choices
                yield chunk(None, None, {"usage": usage_body(event)})
        elif isinstance(event, Exception):
            message = str(event) if isinstance(event, ResonantError) else INTERNAL_ERROR
            status = 400 if isinstance(event, ValueError) else 500
            yield f"data: {json.dumps(error_body(status, message))}\n\n"
    yield "data: [DONE]\n\n"
