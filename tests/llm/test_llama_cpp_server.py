"""The `openai:` backend against a real third-party OpenAI-compatible server:
llama-cpp-python's, serving the packaged SmolLM2 GGUF (the protocol vLLM speaks)."""

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from resonant.errors import LLMUnavailableError
from resonant.llm.llama_cpp import smollm2_path
from resonant.llm.openai_compat import OpenAIChatModel
from tests.conftest import free_port

pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server]")

ASK = [{"role": "user", "content": "Name three colours, separated by commas."}]


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(smollm2_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "1024",
            "--model_alias",
            "smollm2",
            # By default this server cuts a running reply when another request arrives;
            # a server shared by several users must queue them instead.
            "--interrupt_requests",
            "False",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("llama-cpp-python's server did not start within 60 s")


@pytest.fixture(scope="module")
def llama_server():
    process, url = start_server()
    yield url
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_streams_a_reply_and_asks_the_server_for_its_model(llama_server):
    with OpenAIChatModel(llama_server) as model:
        chunks = list(model.stream(ASK, max_tokens=24, temperature=0.0))
        assert model.model == "smollm2"
    assert len(chunks) > 1
    assert "".join(chunks).strip()


def test_stop_sequences_reach_the_server(llama_server):
    with OpenAIChatModel(llama_server, model="smollm2") as model:
        reply = "".join(model.stream(ASK, max_tokens=24, temperature=0.0, stop=[","]))
    assert reply.strip() and "," not in reply


def test_max_tokens_bounds_the_reply(llama_server):
    usage = []
    with OpenAIChatModel(llama_server, model="smollm2") as model:
        reply = "".join(model.stream(ASK, max_tokens=3, temperature=0.0, usage=usage))
    assert 0 < len(reply.split()) <= 3
    # Whether this server reports usage in a stream depends on its version; when it does,
    # the count must respect max_tokens.
    assert all(u.completion_tokens <= 3 for u in usage)


def test_a_server_killed_mid_stream_is_degraded_never_a_half_reply_passed_as_whole():
    process, url = start_server()
    received = []
    with (
        OpenAIChatModel(url, model="smollm2", retries=0) as model,
        pytest.raises(LLMUnavailableError),
    ):
        for chunk in model.stream(
            [{"role": "user", "content": "Write a long story about the sea."}],
            max_tokens=400,
            temperature=0.0,
        ):
            received.append(chunk)
            if len(received) == 3:
                os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert len(received) >= 3


def test_the_openai_client_keeps_the_chat_model_contract_against_llama_cpp_server(llama_server):
    from resonant.contracts import check_chat_model

    with OpenAIChatModel(llama_server, timeout=60) as model:
        check_chat_model(model)
