"""The Gradio demo served for real on loopback and driven through gradio_client."""

import socket

import pytest

from resonant.llm.testing import ScriptedChatModel

gradio = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

from resonant.ui.demo import build_demo  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(make_agent, monkeypatch):
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    agent = make_agent(ScriptedChatModel(["Hello from the demo"]))
    demo = build_demo(agent, llm_label="scripted")
    demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    yield agent, gradio_client.Client(demo.local_url, verbose=False)
    demo.close()


def test_chat_replies_with_the_affect_caption_and_remembers_the_user(served):
    agent, client = served
    answer = client.predict("I'm so happy today, I passed my exam!", "ada", api_name="/chat")
    assert answer.startswith("Hello from the demo")
    assert "**joy**" in answer
    assert [t["role"] for t in agent.export("ada")["turns"]] == ["user", "assistant"]


def test_empty_message_shows_a_message_instead_of_crashing(served):
    _, client = served
    assert "empty" in client.predict("   ", "ada", api_name="/chat")
