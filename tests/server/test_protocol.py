"""OpenAI protocol details of `resonant serve`: models, personas by model name, who the
end user is, features refused by name, degraded replies said out loud."""

import httpx
import pytest

uvicorn = pytest.importorskip("uvicorn")

from resonant.llm.testing import ScriptedChatModel  # noqa: E402
from resonant.persona.loader import builtin_persona_names  # noqa: E402
from resonant.server import KeyRing, create_app  # noqa: E402
from tests.server.test_hardening import Served  # noqa: E402


@pytest.fixture
def served(make_agent):
    llm = ScriptedChatModel(["I hear you."])
    agent = make_agent(llm)
    keys = KeyRing(agent.store)
    key = keys.create("app-a")
    app = create_app(agent, keys, rate_per_minute=1000, warm_up=False)
    with Served(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        yield agent, llm, client, keys


def ask(client, **extra):
    body = {"model": "resonant", "messages": [{"role": "user", "content": "I'm tired"}]}
    return client.post("/v1/chat/completions", json=body | extra)


def test_models_lists_one_model_per_persona(served):
    _, _, client, _ = served
    listed = client.get("/v1/models").json()
    assert listed["object"] == "list"
    assert [m["id"] for m in listed["data"]] == ["resonant"] + [
        f"resonant-{name}" for name in builtin_persona_names()
    ]


def test_the_model_name_picks_the_persona(served):
    _, llm, client, _ = served
    other = next(name for name in builtin_persona_names() if name != "willow")
    assert ask(client, model=f"resonant-{other}", user="ada").status_code == 200
    system = llm.calls[-1][0]["content"].lower()
    assert other in system
    missing = ask(client, model="gpt-4o", user="ada")
    assert missing.status_code == 404
    assert "GET /v1/models" in missing.json()["error"]["message"]


def test_the_end_user_falls_back_from_user_to_safety_identifier_to_the_keys_default(served):
    agent, _, client, keys = served
    assert ask(client, safety_identifier="sid-7").json()["resonant"]["user_id"] == "sid-7"
    assert ask(client, metadata={"user": "meta-9"}).json()["resonant"]["user_id"] == "meta-9"
    default = ask(client).json()["resonant"]["user_id"]
    (info,) = keys.list("app-a")
    assert default == f"default-{info.key_id}"
    assert len(agent.export(f"app-a:{default}")["turns"]) == 2


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"logprobs": True}, "logprobs"),
    ],
)
def test_features_resonant_does_not_offer_are_refused_by_name(served, extra, param):
    _, _, client, _ = served
    response = ask(client, user="ada", **extra)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_a_plain_text_response_format_is_fine(served):
    _, _, client, _ = served
    assert ask(client, user="ada", response_format={"type": "text"}).status_code == 200


def test_a_degraded_reply_says_so_in_a_header_and_the_trace(make_agent):
    agent = make_agent(ScriptedChatModel(fail=True))
    keys = KeyRing(agent.store)
    key = keys.create("app-a")
    app = create_app(agent, keys, warm_up=False)
    with Served(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        response = ask(client, user="ada")
    assert response.status_code == 200
    assert response.headers["X-Resonant-Degraded"] == "true"
    assert response.json()["resonant"]["degraded"] is True


def test_temperature_max_tokens_and_sampling_controls_reach_the_llm(make_agent):
    from resonant.llm.openai_compat import OpenAIChatModel
    from resonant.llm.testing import OpenAIProtocolServer

    with (
        OpenAIProtocolServer(ScriptedChatModel(["one two three four five"])) as llm_server,
        OpenAIChatModel(llm_server.base_url, model="m") as llm,
    ):
        agent = make_agent(llm)
        keys = KeyRing(agent.store)
        key = keys.create("app-a")
        with (
            Served(create_app(agent, keys, warm_up=False)) as base,
            httpx.Client(base_url=base, timeout=30) as client,
        ):
            client.headers["Authorization"] = f"Bearer {key}"
            reply = ask(client, user="ada", temperature=0.2, max_tokens=3).json()
            sampled = ask(client, user="ada", top_p=0.9, stop="\n", seed=7, presence_penalty=0.5)
            assert sampled.status_code == 200, sampled.text
    assert llm_server.requests[-2]["temperature"] == 0.2
    assert llm_server.requests[-2]["max_tokens"] == 3
    assert reply["choices"][0]["message"]["content"] == "one two three"
    passed = llm_server.requests[-1]
    assert (passed["top_p"], passed["stop"], passed["seed"], passed["presence_penalty"]) == (
        0.9,
        ["\n"],
        7,
        0.5,
    )
    # The server reported its token counts, and they are what the client is told.
    assert reply["usage"]["source"] == "llm server"


@pytest.mark.parametrize(
    ("extra", "param"),
    [({"top_p": 0.9}, "top_p"), ({"stop": ["\n"]}, "stop"), ({"seed": 0}, "seed")],
)
def test_sampling_controls_a_backend_cannot_take_are_refused_by_name(served, extra, param):
    _, _, client, _ = served  # the scripted model takes no sampling controls
    response = ask(client, user="ada", **extra)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_an_impossible_max_tokens_is_a_400(served):
    _, _, client, _ = served
    response = ask(client, user="ada", max_tokens=-5)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "max_tokens"


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        (
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Well,"}],
            "prefill",
        ),
        (
            [{"role": "tool", "content": "42"}, {"role": "user", "content": "and?"}],
            "tool messages",
        ),
        ([{"role": "system", "content": "Be brief."}], "user message"),
    ],
)
def test_messages_resonant_cannot_use_are_refused_not_dropped(served, messages, reason):
    _, _, client, _ = served
    refused = ask(client, messages=messages, user="ada")
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "messages"
    assert reason in refused.json()["error"]["message"]


def test_a_client_that_leaves_mid_stream_does_not_cut_the_turn_short(make_agent):
    import time

    from resonant.llm.openai_compat import OpenAIChatModel
    from resonant.llm.testing import OpenAIProtocolServer

    words = " ".join(f"word{i}" for i in range(30))
    with (
        OpenAIProtocolServer(ScriptedChatModel([words]), chunk_delay=0.05) as llm_server,
        OpenAIChatModel(llm_server.base_url, model="m") as llm,
    ):
        agent = make_agent(llm)
        keys = KeyRing(agent.store)
        key = keys.create("app-a")
        with Served(create_app(agent, keys, warm_up=False)) as base:
            body = {
                "model": "resonant",
                "user": "ada",
                "stream": True,
                "messages": [{"role": "user", "content": "Long day."}],
            }
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.stream(
                "POST", f"{base}/v1/chat/completions", json=body, headers=headers, timeout=30
            ) as response:
                lines = response.iter_lines()
                seen = [line for _, line in zip(range(4), lines, strict=False)]
            assert any("word0" in line for line in seen)  # left after the first words
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                turns = agent.export("app-a:ada")["turns"]
                if len(turns) == 2:
                    break
                time.sleep(0.1)
    assert [t["role"] for t in turns] == ["user", "assistant"]
    assert turns[1]["text"].endswith("word29")
