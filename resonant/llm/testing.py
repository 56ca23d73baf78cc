"""Test doubles for the LLM seam, shipped so that apps built on resonant can test too.

`ScriptedChatModel` replies from a script and records what it was asked.
`OpenAIProtocolServer` serves any `ChatModel` over real HTTP on loopback, speaking the
OpenAI Chat Completions protocol (streaming and not), so the HTTP client is tested
against a real server rather than a mock.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from resonant.errors import LLMUnavailableError
from resonant.llm.base import ChatMessage

DEFAULT_SCRIPT = ("I'm here with you. That sounds like a lot to carry.",)


class ScriptedChatModel:
    """Replies with the next line of a script (cycling), streamed word by word.

    Args:
        replies: the script; a callable gets the messages and returns the reply.
        fail: when True every call raises LLMUnavailableError (a server that is down).
        context_window: the context size to declare (prompts are then fitted to it).
    """

    name = "scripted"

    def __init__(
        self,
        replies: Iterable[str] | Callable[[Sequence[ChatMessage]], str] = DEFAULT_SCRIPT,
        *,
        fail: bool = False,
        context_window: int | None = None,
    ):
        self.context_window = context_window
        self._reply_for = replies if callable(replies) else None
        self._script = None if callable(replies) else itertools.cycle(list(replies))
        self.fail = fail
        self.calls: list[list[ChatMessage]] = []
        self._lock = threading.Lock()

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.7
    ) -> Iterator[str]:
        with self._lock:
            self.calls.append(list(messages))
            if self.fail:
                raise LLMUnavailableError("scripted model set to fail")
            reply = self._reply_for(messages) if self._reply_for else next(self._script)  # type: ignore[arg-type]
        words = reply.split(" ")
        for i, word in enumerate(words[:max_tokens]):
            yield word if i == 0 else " " + word


class OpenAIProtocolServer:
    """A real HTTP server on 127.0.0.1 that answers `/v1/chat/completions` with a ChatModel.

    Use as a context manager; `base_url` is what `OpenAIChatModel` needs. `fail_first`
    makes the first N requests answer 503 (to exercise retries); `break_after` closes the
    stream after that many chunks (a server dying mid-reply); `unfinished` ends a
    stream cleanly after its text but before the chunk that says why it finished (and
    with no `[DONE]`); `byte_delay` sends the stream one byte at a time
    (a trickling server); `html` answers every chat request with a 200 HTML page (a proxy's
    login or error page); `max_model_len` is reported in `/v1/models`, as vLLM does. A
    stream ends with a `finish_reason` chunk, then a `usage` chunk
    when the request asks for it (`stream_options.include_usage`; tokens counted as words),
    then `[DONE]`, as OpenAI's API does.
    """

    def __init__(
        self,
        model: Any,
        *,
        model_name: str = "test-model",
        fail_first: int = 0,
        break_after: int | None = None,
        chunk_delay: float = 0.0,
        unfinished: bool = False,
        byte_delay: float = 0.0,
        html: bool = False,
        max_model_len: int | None = None,
    ):
        self.model = model
        self.max_model_len = max_model_len
        self.model_name = model_name
        self.fail_first = fail_first
        self.break_after = break_after
        self.chunk_delay = chunk_delay
        self.unfinished = unfinished
        self.byte_delay = byte_delay
        self.html = html
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> OpenAIProtocolServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # keep test output quiet
                return

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    entry: dict[str, Any] = {"id": owner.model_name, "object": "model"}
                    if owner.max_model_len:
                        entry["max_model_len"] = owner.max_model_len  # as vLLM reports it
                    self._json(200, {"object": "list", "data": [entry]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": "not found"}})
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(body)
                if len(owner.requests) <= owner.fail_first:
                    self._json(503, {"error": {"message": "warming up"}})
                    return
                if owner.html:
                    page = b"<html><body><h1>Sign in to continue</h1></body></html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                chunks = list(
                    owner.model.stream(
                        body["messages"],
                        max_tokens=body.get("max_tokens", 256),
                        temperature=body.get("temperature", 0.7),
                    )
                )
                if body.get("stream"):
                    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                    self._stream(chunks, body["messages"] if include_usage else None)
                else:
                    self._json(200, _completion(owner.model_name, "".join(chunks)))

            def _stream(self, chunks: list[str], usage_of: list[dict[str, Any]] | None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                for i, chunk in enumerate(chunks):
                    if owner.break_after is not None and i >= owner.break_after:
                        return
                    self._event(_chunk(owner.model_name, {"content": chunk}, None))
                    time.sleep(owner.chunk_delay)
                if owner.unfinished:
                    return
                self._event(_chunk(owner.model_name, {}, "stop"))
                if usage_of is not None:
                    prompt = sum(len(m["content"].split()) for m in usage_of)
                    completion = len("".join(chunks).split())
                    usage = {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                    }
                    self._event(
                        {**_chunk(owner.model_name, {}, None), "choices": [], "usage": usage}
                    )
                self._send(b"data: [DONE]\n\n")

            def _event(self, event: dict[str, Any]) -> None:
                self._send(f"data: {json.dumps(event)}\n\n".encode())

            def _send(self, data: bytes) -> None:
                if not owner.byte_delay:
                    self.wfile.write(data)
                    self.wfile.flush()
                    return
                for i in range(len(data)):
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(owner.byte_delay)

        return Handler


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
    }


def _chunk(model: str, delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
