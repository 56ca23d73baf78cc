"""The gate in front of the API: authenticate, throttle, then read a bounded body.

It is plain ASGI, ahead of routing and body parsing, so that:
- a request without a valid key is answered 401 before one byte of its body is read
  (an unauthenticated client cannot make the server buffer hundreds of megabytes, nor
  learn the schema from validation errors);
- repeated failed authentication from one address is throttled (429);
- each key's rate is limited (429 with Retry-After), in Redis when configured;
- the body is counted as it arrives, whatever its framing: a declared Content-Length over
  the limit is refused at once, and a chunked body is cut off with 413 as soon as it
  passes the limit.
The tenant of the key is left in the request's state for the routes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from resonant.server.errors import error_body
from resonant.server.keys import KeyRing, hash_key
from resonant.server.ratelimit import Limiter, RateLimiter, retry_after

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Failed authentications allowed per client address per minute before 429.
AUTH_FAILURES_PER_MINUTE = 30


async def _reply(
    send: Send, status: int, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(error_body(status, message)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """ASGI middleware guarding every path under `/v1/` (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: KeyRing,
        limiter: Limiter,
        max_body_bytes: int,
        open_paths: frozenset[str] = frozenset(),
    ):
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes
        self.open_paths = open_paths
        self.failures = RateLimiter(AUTH_FAILURES_PER_MINUTE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/v1/") or path in self.open_paths:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        address = (scope.get("client") or ("unknown",))[0]
        scheme, _, token = headers.get("authorization", "").partition(" ")
        tenant = None
        if scheme.lower() == "bearer" and token:
            tenant = await run_in_threadpool(self.keys.tenant_of, token.strip())
        if tenant is None:
            waited = self.failures.wait(address)
            if waited:
                await _reply(
                    send,
                    429,
                    "too many failed authentications from this address; slow down",
                    {"Retry-After": retry_after(waited)},
                )
                return
            await _reply(send, 401, "a valid API key is required: Authorization: Bearer KEY")
            return
        waited = await run_in_threadpool(self.limiter.wait, hash_key(token.strip()))
        if waited:
            await _reply(
                send, 429, "rate limit exceeded; slow down", {"Retry-After": retry_after(waited)}
            )
            return
        state = scope.setdefault("state", {})
        state["tenant"] = tenant
        # A public handle of the key (its id in `resonant keys list`): names the key's
        # default end user when a completion names none.
        state["key_id"] = hash_key(token.strip())[:12]
        if scope["method"] in BODY_METHODS:
            body = await self._read_body(headers, receive, send)
            if body is None:
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _read_body(self, headers: Headers, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None once a 413 (or a disconnect) ended the request."""
        limit = self.max_body_bytes
        too_large = f"request body over the {limit:,}-byte limit"
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _reply(send, 413, too_large)
            return None
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if len(body) > limit:
                await _reply(send, 413, too_large, {"Connection": "close"})
                return None
            if not message.get("more_body", False):
                return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that hands the app the body already read, then the real channel
    (so a streaming response still hears the client disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
