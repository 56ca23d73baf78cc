"""The Gradio demo served for real on loopback and driven through gradio_client."""

import json
from pathlib import Path

import pytest

from resonant.llm.testing import ScriptedChatModel
from tests.conftest import free_port

gradio = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

from resonant.ui.demo import build_demo  # noqa: E402


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


def text_of(message):
    """Gradio 6 returns chat content as a list of typed parts."""
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def chat(client, message, user="ada", persona="willow"):
    return client.predict(message, [], user, persona, api_name="/chat")


def test_a_turn_fills_the_chat_and_the_affect_panel(served):
    agent, client = served
    history, _, status, banner, emotions, cause, plot, recalled = chat(
        client, "I'm so sad because my dog died last night."
    )
    assert text_of(history[-1]) == "Hello from the demo"
    assert status == "" and banner == ""
    assert emotions["label"] == "sadness"
    assert any(part["class_or_confidence"] == "cause" for part in cause)
    assert plot is not None
    assert recalled["data"] == [] or recalled["data"] == [[]]
    assert [t["role"] for t in agent.export("ada")["turns"]] == ["user", "assistant"]


def test_crisis_shows_the_safety_banner(served):
    _, client = served
    history, _, _, banner, *_ = chat(client, "I want to kill myself")
    assert "Safety route taken" in banner
    assert "988" in text_of(history[-1])


def test_empty_message_shows_a_message_and_stores_nothing(served):
    agent, client = served
    history, _, status, *_ = chat(client, "   ")
    assert history == []
    assert "type a message" in status
    assert agent.export("ada")["turns"] == []


def test_memory_tab_lists_searches_exports_and_deletes(served):
    agent, client = served
    chat(client, "My sister Maya is getting married in June")
    chat(client, "I started learning the cello last week")
    rows = client.predict("ada", "", api_name="/stored")["data"]
    assert len(rows) == 2
    found = client.predict("ada", "wedding", api_name="/stored")["data"]
    assert [row[1] for row in found] == ["My sister Maya is getting married in June"]
    exported = json.loads(Path(client.predict("ada", api_name="/export")).read_text())
    assert len(exported["memories"]) == 2
    table, note = client.predict("ada", rows[0][0], api_name="/delete")
    assert note == "Deleted."
    assert len(table["data"]) == 1
    table, note = client.predict("bob", rows[1][0], api_name="/delete")
    assert "No memory" in note
    assert len(agent.memories("ada")) == 1


def test_a_50_kb_paste_gets_a_reply_and_is_stored_whole(served):
    agent, client = served
    # A long ordinary text (a 50 kB repetition of one sentence reads as a crisis post to
    # the crisis layer, which never saw such input: see evals/REPORT.md).
    paste = (
        "Preheat the oven to 200 degrees. Mix the flour, sugar and butter in a large bowl "
        "until it looks like breadcrumbs. Add the eggs one at a time and stir well. "
    ) * 330
    history, _, status, *_ = chat(client, paste)
    assert text_of(history[-1]) == "Hello from the demo"
    assert status == ""
    assert agent.export("ada")["turns"][0]["text"] == paste.strip()


def test_llm_down_shows_a_visible_note_and_keeps_the_turn(make_agent, monkeypatch):
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    agent = make_agent(ScriptedChatModel(fail=True))
    demo = build_demo(agent, llm_label="openai:http://127.0.0.1:9/v1")
    demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    try:
        client = gradio_client.Client(demo.local_url, verbose=False)
        history, _, status, *_ = chat(client, "Work has been overwhelming")
    finally:
        demo.close()
    assert "can't think clearly" in text_of(history[-1])
    assert "not answering" in status
    assert [t["role"] for t in agent.export("ada")["turns"]] == ["user", "assistant"]


def test_two_tabs_on_the_same_user_lose_nothing(served):
    from concurrent.futures import ThreadPoolExecutor

    agent, client = served
    second = gradio_client.Client(client.src, verbose=False)
    messages = [f"Message number {i} about my busy week" for i in range(4)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(
            pool.map(
                lambda pair: chat(pair[0], pair[1]),
                zip([client, second] * 2, messages, strict=True),
            )
        )
    stored = [t["text"] for t in agent.export("ada")["turns"] if t["role"] == "user"]
    assert sorted(stored) == sorted(messages)


def test_the_message_box_is_cleared_once_and_then_left_to_the_user(served):
    _, client = served
    job = client.submit("A long day at work.", [], "ada", "willow", api_name="/chat")
    updates = list(job)
    # The first update empties the box; no later one writes to it, so text typed while
    # the reply streams stays where it is.
    assert updates[0][1] == ""
    assert all(update[1] == {"__type__": "update"} for update in updates[1:])  # gr.skip()
    assert text_of(updates[-1][0][-1]) == "Hello from the demo"
