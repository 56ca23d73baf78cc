"""The HTTP API: an OpenAI-compatible chat endpoint plus native endpoints for the trace,
VAD history and memories, all behind per-tenant API keys.

Every user id is namespaced by the key's tenant before it reaches the agent, so a key can
only ever read or change its own tenant's users. Bodies over the size limit get 413,
keys over their rate 429, missing or unknown keys 401.
"""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from resonant.agent.agent import Agent
from resonant.agent.nodes.perceive import normalise_text
from resonant.agent.result import ReplyChunk, TurnResult
from resonant.errors import InvalidTurnError, ResonantError
from resonant.server.keys import KeyRing
from resonant.server.ratelimit import RateLimiter
from resonant.server.schemas import ChatCompletionRequest, TurnRequest

# No `from __future__ import annotations` here: FastAPI resolves the `Tenant` dependency
# alias, defined inside create_app, from the live annotations.
TENANT_SEPARATOR = ":"


def create_app(
    agent: Agent, keys: KeyRing, *, max_body_bytes: int = 256_000, rate_per_minute: int = 120
) -> FastAPI:
    """The FastAPI application serving `agent` (docs at /docs, schema at /openapi.json)."""
    app = FastAPI(title="resonant", summary="Empathetic agent backend", version="0.1.0")
    limiter = RateLimiter(rate_per_minute)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        if request.method in {"POST", "PUT", "PATCH"}:
            length = request.headers.get("content-length")
            if length is None:
                return JSONResponse({"detail": "a Content-Length header is required"}, 411)
            if not length.isdigit() or int(length) > max_body_bytes:
                return JSONResponse(
                    {"detail": f"request body over the {max_body_bytes:,}-byte limit"}, 413
                )
        return await call_next(request)

    def tenant(authorization: Annotated[str | None, Header()] = None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        owner = keys.tenant_of(token) if scheme.lower() == "bearer" and token else None
        if owner is None:
            raise HTTPException(401, "a valid API key is required: Authorization: Bearer KEY")
        if not limiter.allow(token):
            raise HTTPException(429, "rate limit exceeded; slow down")
        return owner

    Tenant = Annotated[str, Depends(tenant)]

    def scoped(owner: str, user: str) -> str:
        return f"{owner}{TENANT_SEPARATOR}{user}"

    async def run_turn(user: str, text: str, conversation: str) -> TurnResult:
        try:
            return await agent.arespond(user, text, conversation=conversation)
        except InvalidTurnError as exc:
            raise HTTPException(400, str(exc)) from exc
        except ResonantError as exc:
            raise HTTPException(503, str(exc)) from exc

    def public(result: TurnResult, user: str) -> dict[str, Any]:
        data = result.to_dict()
        data["user_id"] = user
        return data

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "persona": agent.persona.name, "llm": agent.llm.name}

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(
        body: ChatCompletionRequest, owner: Tenant
    ) -> dict[str, Any] | StreamingResponse:
        users = [m for m in body.messages if m.role == "user"]
        if not users:
            raise HTTPException(400, "messages must contain a user message")
        text = users[-1].text()
        try:
            normalise_text(text)
        except InvalidTurnError as exc:
            raise HTTPException(400, str(exc)) from exc
        user = scoped(owner, body.user)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        if body.stream:
            return StreamingResponse(
                _sse(agent, user, text, body.conversation(), completion_id, body.model, body.user),
                media_type="text/event-stream",
            )
        result = await run_turn(user, text, body.conversation())
        return {
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
            "resonant": public(result, body.user),
        }

    @app.post("/v1/turns")
    async def turn(body: TurnRequest, owner: Tenant) -> dict[str, Any]:
        result = await run_turn(scoped(owner, body.user), body.text, body.conversation)
        return public(result, body.user)

    @app.get("/v1/users/{user}/vad")
    def vad_history(user: str, owner: Tenant) -> dict[str, Any]:
        turns = agent.memory.turns(scoped(owner, user))
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
    def list_memories(user: str, owner: Tenant) -> dict[str, Any]:
        return {"user": user, "memories": agent.memories(scoped(owner, user))}

    @app.get("/v1/users/{user}/export")
    def export(user: str, owner: Tenant) -> dict[str, Any]:
        data = agent.export(scoped(owner, user))
        data["user_id"] = user
        return data

    @app.delete("/v1/users/{user}/memories/{memory_id}")
    def delete_memory(user: str, memory_id: int, owner: Tenant) -> dict[str, Any]:
        if not agent.memory.delete_memory(scoped(owner, user), memory_id):
            raise HTTPException(404, f"no memory {memory_id} for user {user!r}")
        return {"deleted": memory_id}

    @app.delete("/v1/users/{user}")
    def delete_user(user: str, owner: Tenant) -> dict[str, Any]:
        agent.forget(scoped(owner, user))
        return {"deleted": user}

    return app


_END = object()


async def _sse(
    agent: Agent,
    user: str,
    text: str,
    conversation: str,
    completion_id: str,
    model: str,
    public_user: str,
) -> AsyncIterator[str]:
    """The agent's stream as OpenAI chat.completion.chunk events; the last one carries the
    trace. The agent runs in a worker thread so the event loop keeps serving others."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def work() -> None:
        try:
            for event in agent.stream(user, text, conversation=conversation):
                loop.call_soon_threadsafe(queue.put_nowait, event)
        except Exception as exc:  # reported to the client as an error event
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _END)

    worker = loop.run_in_executor(None, work)

    def chunk(delta: dict[str, Any], finish: str | None, extra: dict[str, Any]) -> str:
        event = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
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
        elif isinstance(event, Exception):
            yield f"data: {json.dumps({'error': {'message': str(event)}})}\n\n"
    await worker
    yield "data: [DONE]\n\n"
