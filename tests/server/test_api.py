"""The HTTP API served by a real uvicorn on loopback, spoken to with httpx and with our
own OpenAI-protocol client (as any OpenAI SDK would)."""

import json
import threading
import time

import httpx
import pytest

from tests.conftest import free_port

uvicorn = pytest.importorskip("uvicorn")

from resonant.llm.openai_compat import OpenAIChatModel  # noqa: E402
from resonant.llm.testing import ScriptedChatModel  # noqa: E402
from resonant.server import KeyRing, create_app  # noqa: E402


@pytest.fixture
def api(make_agent):
    agent = make_agent(ScriptedChatModel(["I hear you, that sounds hard."]))
    keys = KeyRing(agent.store)
    key_a, key_b = keys.create("app-a"), keys.create("app-b")
    app = create_app(agent, keys, max_body_bytes=20_000, rate_per_minute=1000)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{server.config.port}"
    with httpx.Client(base_url=base, timeout=60) as client:
        yield agent, client, key_a, key_b
    server.should_exit = True
    thread.join(timeout=10)


def auth(key):
    return {"Authorization": f"Bearer {key}"}


def completion(user="ada", text="I'm so sad because my dog died.", **extra):
    return {
        "model": "resonant",
        "user": user,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def test_chat_completions_non_streaming_carries_the_trace(api):
    _, client, key, _ = api
    response = client.post("/v1/chat/completions", json=completion(), headers=auth(key))
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion"
    assert data["choices"][0]["message"]["content"] == "I hear you, that sounds hard."
    assert data["resonant"]["user_emotion"]["label"] == "sadness"
    assert data["resonant"]["user_id"] == "ada"
    assert data["resonant"]["cause"]["span"] == "my dog died"


def test_an_openai_client_streams_from_the_server(api):
    _, client, key, _ = api
    with OpenAIChatModel(f"{client.base_url}/v1", model="resonant", api_key=key) as openai:
        # Our OpenAI client sends no `user`, so use raw SSE for the trace and the client
        # for the protocol: both must work.
        response = client.post(
            "/v1/chat/completions", json=completion(stream=True), headers=auth(key)
        )
        events = [
            json.loads(line[6:])
            for line in response.text.splitlines()
            if line.startswith("data: {")
        ]
        assert response.text.rstrip().endswith("data: [DONE]")
        text = "".join(e["choices"][0]["delta"].get("content", "") for e in events)
        assert text == "I hear you, that sounds hard."
        assert events[-1]["resonant"]["user_vad"].keys() == {"v", "a", "d"}
        assert openai.base_url.endswith("/v1")


def test_requests_without_a_valid_key_get_401(api):
    _, client, _, _ = api
    assert client.post("/v1/chat/completions", json=completion()).status_code == 401
    bad = client.post("/v1/chat/completions", json=completion(), headers=auth("rsn_nope"))
    assert bad.status_code == 401
    assert client.get("/v1/users/ada/memories").status_code == 401


def test_tenants_never_see_each_others_users(api):
    agent, client, key_a, key_b = api
    client.post(
        "/v1/turns",
        json={"user": "ada", "text": "My secret is that I fear heights"},
        headers=auth(key_a),
    )
    assert client.get("/v1/users/ada/memories", headers=auth(key_b)).json()["memories"] == []
    assert client.get("/v1/users/ada/export", headers=auth(key_b)).json()["turns"] == []
    mine = client.get("/v1/users/ada/memories", headers=auth(key_a)).json()["memories"]
    assert [m["text"] for m in mine] == ["My secret is that I fear heights"]
    stolen = client.delete(f"/v1/users/ada/memories/{mine[0]['id']}", headers=auth(key_b))
    assert stolen.status_code == 404
    assert len(agent.memories("app-a:ada")) == 1


def test_vad_history_memories_export_and_deletion(api):
    _, client, key, _ = api
    for text in ("I got the job, I'm thrilled!", "But now I'm nervous about starting"):
        assert (
            client.post(
                "/v1/turns", json={"user": "bo", "text": text}, headers=auth(key)
            ).status_code
            == 200
        )
    points = client.get("/v1/users/bo/vad", headers=auth(key)).json()["points"]
    assert [p["role"] for p in points] == ["user", "assistant"] * 2
    memories = client.get("/v1/users/bo/memories", headers=auth(key)).json()["memories"]
    first = memories[0]["id"]
    assert client.delete(f"/v1/users/bo/memories/{first}", headers=auth(key)).json() == {
        "deleted": first
    }
    assert client.delete("/v1/users/bo", headers=auth(key)).status_code == 200
    assert client.get("/v1/users/bo/export", headers=auth(key)).json()["turns"] == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (json.dumps({**completion(), "surprise": 1}).encode(), 400),
        (json.dumps({"model": "resonant", "user": "ada", "messages": []}).encode(), 400),
        (json.dumps(completion(text="   ")).encode(), 400),
        (json.dumps(completion(text="x" * 30_000)).encode(), 413),
    ],
)
def test_bad_requests_get_clear_errors_and_store_nothing(api, body, status):
    agent, client, key, _ = api
    response = client.post(
        "/v1/chat/completions",
        content=body,
        headers={**auth(key), "Content-Type": "application/json"},
    )
    assert response.status_code == status
    error = response.json()["error"]  # the OpenAI error shape SDKs parse
    assert error["message"] and error["type"] == "invalid_request_error"
    assert agent.export("app-a:ada")["turns"] == []


def test_rate_limit_answers_429(make_agent):
    agent = make_agent()
    keys = KeyRing(agent.store)
    key = keys.create("tiny")
    from starlette.testclient import TestClient

    with TestClient(create_app(agent, keys, rate_per_minute=2)) as client:
        codes = [
            client.get("/v1/users/u/memories", headers=auth(key)).status_code for _ in range(3)
        ]
    assert codes == [200, 200, 429]


def test_openapi_docs_are_served(api):
    _, client, _, _ = api
    assert client.get("/docs").status_code == 200
    assert "/v1/chat/completions" in client.get("/openapi.json").json()["paths"]


def test_concurrent_sessions_lose_and_cross_no_turn(api):
    from resonant_tools.loadtest import load_test

    agent, client, key, _ = api
    report = load_test(agent, str(client.base_url), key, "app-a", sessions=8, turns=3)
    assert report.errors == 0
    assert report.lost_or_crossed == []
    assert len(report.latencies_ms) == 24


@pytest.mark.parametrize("name", ["alpha:evil", "", " ", "a b", ":", "x" * 65, "-lead"])
def test_tenant_names_that_could_cross_tenants_are_refused(make_agent, name):
    from resonant.server.keys import InvalidTenantError

    keys = KeyRing(make_agent(ScriptedChatModel(["ok"])).store)
    with pytest.raises(InvalidTenantError, match="invalid tenant name"):
        keys.create(name)


def test_a_stored_key_of_a_colliding_tenant_is_refused(make_agent):
    # A key made before names were checked: tenant "alpha:evil" user "ada" would be
    # tenant "alpha" user "evil:ada".
    from resonant.memory.models import ApiKeyRow
    from resonant.server.keys import hash_key

    agent = make_agent(ScriptedChatModel(["ok"]))
    keys = KeyRing(agent.store)
    with agent.store._sessions.begin() as session:
        session.add(ApiKeyRow(key_hash=hash_key("rsn_old"), key_id="old", tenant="alpha:evil"))
    assert keys.tenant_of("rsn_old") is None
    assert keys.tenant_of(keys.create("alpha")) == "alpha"


def test_keys_create_rejects_a_colliding_tenant_name(tmp_path, capsys):
    from resonant.cli import main

    assert main(["keys", "create", "--tenant", "alpha:evil", "--data-dir", str(tmp_path)]) == 2
    assert "invalid tenant name" in capsys.readouterr().err


def test_keys_list_revoke_and_rotate_from_the_command_line(tmp_path, capsys):
    from resonant.cli import main

    folder = ["--data-dir", str(tmp_path)]
    assert main(["keys", "create", "--tenant", "shop", "--expires-in", "90d", *folder]) == 0
    key = capsys.readouterr().out.strip()
    assert main(["keys", "list", *folder]) == 0
    listing = capsys.readouterr().out
    key_id = listing.splitlines()[1].split()[0]
    assert "shop" in listing and "active" in listing and key not in listing
    assert main(["keys", "rotate", "--key-id", key_id, *folder]) == 0
    rotated = capsys.readouterr().out.strip()
    assert rotated.startswith("rsn_") and rotated != key
    assert main(["keys", "list", "--tenant", "shop", *folder]) == 0
    statuses = sorted(line.split()[2] for line in capsys.readouterr().out.splitlines()[1:])
    assert statuses == ["active", "revoked"]
    assert main(["keys", "revoke", "--key-id", "nope", *folder]) == 2
    assert "no API key has the id 'nope'" in capsys.readouterr().err
