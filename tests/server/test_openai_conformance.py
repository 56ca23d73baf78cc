"""`resonant serve` driven by the official `openai` SDK (sync, async, streaming) and by
LangChain's `ChatOpenAI` (invoke, stream, batch): an app written for the OpenAI API
switches by changing the base URL and key."""

import asyncio

import httpx
import pytest

openai = pytest.importorskip("openai")
uvicorn = pytest.importorskip("uvicorn")

from resonant.llm.testing import ScriptedChatModel  # noqa: E402
from resonant.server import KeyRing, create_app  # noqa: E402
from tests.server.test_hardening import Served  # noqa: E402

REPLY = "I hear you, and I'm glad you told me."


@pytest.fixture
def server(make_agent):
    llm = ScriptedChatModel([REPLY])
    agent = make_agent(llm)
    keys = KeyRing(agent.store)
    key = keys.create("app-a")
    app = create_app(agent, keys, rate_per_minute=1000, warm_up=False)
    with Served(app) as base:
        yield f"{base}/v1", key, llm


def test_sync_client_lists_models_and_gets_a_reply_with_usage(server):
    base_url, key, _ = server
    client = openai.OpenAI(base_url=base_url, api_key=key)
    assert "resonant" in [m.id for m in client.models.list().data]
    completion = client.chat.completions.create(
        model="resonant", messages=[{"role": "user", "content": "Rough day at work."}]
    )
    assert completion.choices[0].message.content.strip()
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_streaming_with_include_usage_ends_with_a_usage_chunk(server):
    base_url, key, _ = server
    client = openai.OpenAI(base_url=base_url, api_key=key)
    chunks = list(
        client.chat.completions.create(
            model="resonant",
            messages=[{"role": "user", "content": "I finally finished my thesis."}],
            stream=True,
            stream_options={"include_usage": True},
            user="ada",
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0


def test_async_client(server):
    base_url, key, _ = server

    async def talk():
        async with openai.AsyncOpenAI(base_url=base_url, api_key=key) as client:
            replies = await asyncio.gather(
                *(
                    client.chat.completions.create(
                        model="resonant",
                        messages=[{"role": "user", "content": f"Message {i} of a busy day."}],
                        user=f"user-{i}",
                    )
                    for i in range(3)
                )
            )
            stream = await client.chat.completions.create(
                model="resonant",
                messages=[{"role": "user", "content": "Still here."}],
                stream=True,
            )
            streamed = [c async for c in stream]
        return replies, streamed

    replies, streamed = asyncio.run(talk())
    assert all(r.choices[0].message.content for r in replies)
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices).strip()


def test_errors_raise_the_sdks_own_exception_classes(server):
    base_url, key, _ = server
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0).models.list()
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="resonant",
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
        )
    assert refused.value.param == "tools"


def test_system_messages_and_history_reach_the_prompt(server):
    base_url, key, llm = server
    client = openai.OpenAI(base_url=base_url, api_key=key)
    client.chat.completions.create(
        model="resonant",
        user="ben",
        messages=[
            {"role": "system", "content": "Answer in at most two sentences."},
            {"role": "user", "content": "My dog Biscuit is sick."},
            {"role": "assistant", "content": "I'm sorry about Biscuit."},
            {"role": "user", "content": "The vet called back."},
        ],
    )
    prompt = llm.calls[-1]
    assert "Answer in at most two sentences." in prompt[0]["content"]
    assert {"role": "user", "content": "My dog Biscuit is sick."} in prompt
    assert prompt[-1] == {"role": "user", "content": "The vet called back."}


def test_langchain_chat_openai_invoke_stream_and_batch(server):
    chat_models = pytest.importorskip("langchain_openai")
    base_url, key, _ = server
    chat = chat_models.ChatOpenAI(
        base_url=base_url, api_key=key, model="resonant", max_retries=0, timeout=60
    )
    reply = chat.invoke("I'm nervous about tomorrow's interview.")
    assert reply.content.strip()
    assert reply.usage_metadata["output_tokens"] > 0
    streamed = "".join(str(piece.content) for piece in chat.stream("Can't sleep tonight."))
    assert streamed.strip()
    batch = chat.batch(["First thing.", "Second thing."])
    assert len(batch) == 2 and all(b.content for b in batch)


def test_the_sdk_and_a_raw_client_see_the_same_error_shape(server):
    base_url, key, _ = server
    raw = httpx.post(
        f"{base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "resonant", "messages": []},
    )
    assert raw.status_code == 400
    assert set(raw.json()["error"]) >= {"message", "type", "param", "code"}
