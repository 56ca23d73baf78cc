"""OpenAIChatModel against a real HTTP server on loopback that speaks the protocol."""

import time

import httpx
import pytest

from resonant.errors import LLMUnavailableError
from resonant.llm.openai_compat import OpenAIChatModel
from resonant.llm.testing import OpenAIProtocolServer, ScriptedChatModel
from tests.conftest import free_port

HELLO = [{"role": "user", "content": "hello"}]


def test_streams_the_reply_chunk_by_chunk():
    script = ScriptedChatModel(["I hear how hard this week was."])
    with (
        OpenAIProtocolServer(script) as server,
        OpenAIChatModel(server.base_url, model="test-model") as client,
    ):
        chunks = list(client.stream(HELLO, max_tokens=50, temperature=0.2))
    assert len(chunks) > 1
    assert "".join(chunks) == "I hear how hard this week was."
    request = server.requests[0]
    assert request["stream"] is True
    assert request["messages"] == HELLO
    assert request["max_tokens"] == 50
    assert request["temperature"] == 0.2


def test_asks_the_server_for_its_model_when_none_is_given():
    script = ScriptedChatModel(["ok"])
    with (
        OpenAIProtocolServer(script, model_name="Qwen/Qwen2.5-1.5B") as server,
        OpenAIChatModel(server.base_url) as client,
    ):
        assert "".join(client.stream(HELLO)) == "ok"
    assert server.requests[0]["model"] == "Qwen/Qwen2.5-1.5B"


def test_retries_a_warming_up_server_before_the_first_token():
    with (
        OpenAIProtocolServer(ScriptedChatModel(["back online"]), fail_first=2) as server,
        OpenAIChatModel(server.base_url, model="m", retries=2) as client,
    ):
        assert "".join(client.stream(HELLO)) == "back online"
    assert len(server.requests) == 3


def test_gives_up_after_the_retries_with_a_clear_error():
    with (
        OpenAIProtocolServer(ScriptedChatModel(["never"]), fail_first=10) as server,
        OpenAIChatModel(server.base_url, model="m", retries=1) as client,
        pytest.raises(LLMUnavailableError, match="503"),
    ):
        list(client.stream(HELLO))


def test_a_server_that_is_down_is_reported_not_raised_raw():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with (
        OpenAIChatModel(url, model="m", retries=1) as client,
        pytest.raises(LLMUnavailableError, match="cannot reach"),
    ):
        list(client.stream(HELLO))


def test_a_stream_that_breaks_off_is_reported_without_retrying():
    script = ScriptedChatModel(["one two three four five six"])
    received = []
    with (
        OpenAIProtocolServer(script, break_after=2) as server,
        OpenAIChatModel(server.base_url, model="m", retries=3) as client,
        pytest.raises(LLMUnavailableError, match=r"before the reply was finished|broke off"),
    ):
        for chunk in client.stream(HELLO):
            received.append(chunk)
    # What reached the user stays, and no retry repeats it.
    assert "".join(received) == "one two"
    assert len(server.requests) == 1


def test_a_stream_that_ends_before_its_finish_reason_is_not_a_healthy_reply():
    with (
        OpenAIProtocolServer(ScriptedChatModel(["almost done"]), unfinished=True) as server,
        OpenAIChatModel(server.base_url, model="m") as client,
        pytest.raises(LLMUnavailableError, match="before the reply was finished"),
    ):
        list(client.stream(HELLO))


def test_an_html_page_answered_with_200_is_not_a_reply():
    with (
        OpenAIProtocolServer(ScriptedChatModel(["unused"]), html=True) as server,
        OpenAIChatModel(server.base_url, model="m") as client,
        pytest.raises(LLMUnavailableError, match="text/html"),
    ):
        list(client.stream(HELLO))


def test_the_timeout_is_a_deadline_for_the_whole_reply():
    script = ScriptedChatModel(["a reply that trickles in one byte at a time"])
    started = time.monotonic()
    with (
        OpenAIProtocolServer(script, byte_delay=0.02) as server,
        OpenAIChatModel(server.base_url, model="m", timeout=1.0) as client,
        pytest.raises(LLMUnavailableError, match="within 1 s"),
    ):
        list(client.stream(HELLO))
    # Every byte came well inside the per-read timeout; only a whole-reply deadline stops it.
    assert time.monotonic() - started < 2.5


def test_non_streaming_endpoint_answers_openai_clients_too():
    with OpenAIProtocolServer(ScriptedChatModel(["plain reply"])) as server:
        response = httpx.post(
            f"{server.base_url}/chat/completions",
            json={"model": "test-model", "messages": HELLO, "stream": False},
        )
    assert response.json()["choices"][0]["message"]["content"] == "plain reply"


def test_the_servers_token_counts_are_collected_when_it_reports_them():
    usage = []
    with (
        OpenAIProtocolServer(ScriptedChatModel(["three words here"])) as server,
        OpenAIChatModel(server.base_url, model="m") as client,
    ):
        assert "".join(client.stream(HELLO, usage=usage)) == "three words here"
    assert server.requests[0]["stream_options"] == {"include_usage": True}
    assert [(u.prompt_tokens, u.completion_tokens, u.source) for u in usage] == [
        (1, 3, "llm server")
    ]


def test_the_context_size_a_server_reports_is_read_once():
    with (
        OpenAIProtocolServer(ScriptedChatModel(["ok"]), max_model_len=4096) as server,
        OpenAIChatModel(server.base_url, model="test-model") as client,
    ):
        assert "".join(client.stream(HELLO)) == "ok"
        assert "".join(client.stream(HELLO)) == "ok"
    assert client.context_window == 4096
