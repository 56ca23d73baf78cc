"""The server under attack and carelessness: bodies, auth, ids, keys, limits, readiness.
A real uvicorn on loopback; raw sockets where an HTTP client would tidy the request."""

import contextlib
import json
import socket
import threading
import time
import uuid

import httpx
import pytest

from tests.conftest import free_port

uvicorn = pytest.importorskip("uvicorn")

from resonant.llm.openai_compat import OpenAIChatModel  # noqa: E402
from resonant.llm.testing import ScriptedChatModel  # noqa: E402
from resonant.server import KeyRing, create_app  # noqa: E402
from resonant.server.ratelimit import RedisRateLimiter  # noqa: E402


class Served:
    def __init__(self, app):
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.server.config.port}"

    def __exit__(self, *_exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def served(make_agent):
    agent = make_agent(ScriptedChatModel(["I hear you."]))
    keys = KeyRing(agent.store)
    key = keys.create("app-a")
    app = create_app(agent, keys, max_body_bytes=20_000, rate_per_minute=1000, warm_up=False)
    with Served(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield agent, keys, client, key


def auth(key):
    return {"Authorization": f"Bearer {key}"}


def turn(user="ada", text="I'm worried about my exam"):
    return {"user": user, "text": text}


def _raw(base, request: bytes) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        with contextlib.suppress(OSError):  # the server may close before it all is sent
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def _chunked(body: bytes, size=4096) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_a_chunked_body_under_the_limit_is_accepted(served):
    agent, _, client, key = served
    body = json.dumps(turn()).encode()
    response = client.post(
        "/v1/turns",
        content=iter([body[:10], body[10:]]),  # a generator body: sent chunked
        headers={**auth(key), "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert len(agent.export("app-a:ada")["turns"]) == 2


def test_a_chunked_body_over_the_limit_is_cut_off_with_413(served):
    agent, _, client, key = served
    big = json.dumps(turn(text="x" * 100_000)).encode()
    head = (
        f"POST /v1/turns HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {key}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    answer = _raw(str(client.base_url), head + _chunked(big))
    assert answer.startswith(b"HTTP/1.1 413")
    assert agent.export("app-a:ada")["turns"] == []


def test_no_body_is_read_before_authentication(served):
    _, _, client, _ = served
    head = (
        b"POST /v1/turns HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 300000000\r\n\r\n"
    )
    started = time.monotonic()
    answer = _raw(str(client.base_url), head)  # the 300 MB body never comes
    assert answer.startswith(b"HTTP/1.1 401")
    assert time.monotonic() - started < 5


def test_unauthenticated_malformed_bodies_get_401_not_schema_details(served):
    _, _, client, _ = served
    response = client.post("/v1/turns", content=b"{not json", headers={"Authorization": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_failed_authentication_is_throttled(served):
    _, _, client, _ = served
    codes = [
        client.get("/v1/users/u/memories", headers=auth("rsn_guess")).status_code for _ in range(35)
    ]
    assert codes[0] == 401 and codes[-1] == 429


@pytest.mark.parametrize(
    "path",
    [
        "/v1/users/a%00b/memories",
        "/v1/users/a%0Ab/export",
        "/v1/users/a%E2%80%8Bb/vad",
        "/v1/users/" + "x" * 200 + "/memories",
        "/v1/users/ada/memories/99999999999999999999",
    ],
)
def test_malformed_ids_in_paths_get_400(served, path):
    _, _, client, key = served
    method = client.delete if path.count("/") == 5 else client.get
    response = method(path, headers=auth(key))
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_lone_surrogate_in_a_message_gets_400(served):
    agent, _, client, key = served
    body = b'{"user": "ada", "text": "broken \\ud800 text"}'
    response = client.post(
        "/v1/turns", content=body, headers={**auth(key), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "surrogate" in response.json()["error"]["message"]
    assert agent.export("app-a:ada")["turns"] == []


def test_a_bad_streaming_request_is_refused_before_the_stream(served):
    _, _, client, key = served
    body = {
        "model": "resonant",
        "user": "ada",
        "stream": True,
        "messages": [{"role": "user", "content": "  "}],
    }
    response = client.post("/v1/chat/completions", json=body, headers=auth(key))
    assert response.status_code == 400
    assert "app-a" not in response.text  # no internal tenant prefix
    assert response.json()["error"]["message"] == "the message is empty"


def test_an_idempotency_key_makes_a_retry_safe(served):
    agent, _, client, key = served
    headers = {**auth(key), "Idempotency-Key": "retry-me"}
    first = client.post("/v1/turns", json=turn(), headers=headers).json()
    second = client.post("/v1/turns", json=turn(), headers=headers).json()
    assert first["turn_id"] == second["turn_id"]
    assert len(agent.export("app-a:ada")["turns"]) == 2


def test_a_revoked_key_stops_working_at_once(served):
    _, keys, client, key = served
    assert client.get("/v1/users/ada/memories", headers=auth(key)).status_code == 200
    (info,) = keys.list("app-a")
    keys.revoke(info.key_id)
    assert client.get("/v1/users/ada/memories", headers=auth(key)).status_code == 401


def test_keys_rotate_expire_and_record_their_last_use(served):
    from datetime import timedelta

    _, keys, client, key = served
    client.get("/v1/users/ada/memories", headers=auth(key))
    (info,) = keys.list("app-a")
    assert info.last_used_at is not None
    rotated = keys.rotate(info.key_id, overlap=timedelta(hours=1))
    assert client.get("/v1/users/ada/memories", headers=auth(key)).status_code == 200
    assert client.get("/v1/users/ada/memories", headers=auth(rotated)).status_code == 200
    short = keys.create("app-a", expires_in=timedelta(seconds=1))
    time.sleep(1.2)
    assert client.get("/v1/users/ada/memories", headers=auth(short)).status_code == 401
    assert {k.status(info.created_at + timedelta(days=1)) for k in keys.list("app-a")} >= {
        "expired",
        "active",
    }


def test_429_says_when_to_retry(make_agent):
    agent = make_agent(ScriptedChatModel(["ok"]))
    keys = KeyRing(agent.store)
    key = keys.create("tiny")
    app = create_app(agent, keys, rate_per_minute=2, warm_up=False)
    with Served(app) as base, httpx.Client(base_url=base) as client:
        responses = [client.get("/v1/users/u/memories", headers=auth(key)) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert int(responses[-1].headers["Retry-After"]) >= 1


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable: {exc}")


def test_two_processes_share_one_rate_limit_in_redis():
    _redis_or_skip()
    namespace = f"test:{uuid.uuid4().hex}:"
    replicas = [
        RedisRateLimiter("redis://127.0.0.1:6379/0", 3, namespace=namespace) for _ in range(2)
    ]
    waits = [replicas[i % 2].wait("key") for i in range(6)]
    for replica in replicas:
        replica.close()
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert all(w > 0 for w in waits[3:])


def test_readiness_checks_the_llm_and_liveness_does_not(make_agent):
    dead = OpenAIChatModel(f"http://127.0.0.1:{free_port()}/v1", model="m", timeout=2)
    agent = make_agent(dead)
    app = create_app(agent, KeyRing(agent.store), warm_up=True)
    with Served(app) as base, httpx.Client(base_url=base) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"] == "ok" and checks["models"] == "ok"
    assert checks["llm"].startswith("unavailable")


def test_readiness_is_ready_with_a_working_llm(served):
    _, _, client, _ = served
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_a_retried_completion_with_history_is_answered_once_without_a_header(served):
    agent, _, client, key = served
    body = {
        "model": "resonant",
        "user": "ada",
        "messages": [
            {"role": "user", "content": "Hi, I had a rough day"},
            {"role": "assistant", "content": "I'm sorry. What happened?"},
            {"role": "user", "content": "My manager shouted at me"},
        ],
    }
    first = client.post("/v1/chat/completions", json=body, headers=auth(key)).json()
    again = client.post("/v1/chat/completions", json=body, headers=auth(key)).json()
    assert first["resonant"]["turn_id"] == again["resonant"]["turn_id"]
    assert len(agent.export("app-a:ada")["turns"]) == 2
