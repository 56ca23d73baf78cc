"""The agent end to end: real skills, real memory store and checkpointer, scripted LLM."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from resonant import InvalidTurnError, ReplyChunk, TurnResult
from resonant.agent.nodes.perceive import ANALYSIS_CHARS, MAX_TURN_CHARS
from resonant.agent.nodes.respond import UNAVAILABLE_REPLY
from resonant.llm.base import ChatMessage
from resonant.llm.testing import ScriptedChatModel

NODES = {"perceive", "detect", "appraise", "recall", "respond", "remember"}


def test_a_turn_returns_the_reply_and_its_affect_trace(make_agent):
    agent = make_agent(ScriptedChatModel(["That sounds heartbreaking. I'm here."]))
    result = agent.respond("ada", "I'm so sad because my dog died last night.")
    assert result.reply == "That sounds heartbreaking. I'm here."
    assert result.user_emotion["label"] == "sadness"
    assert result.user_vad.v < 0
    assert result.cause["span"] == "my dog died last night"
    assert result.cause["turn_offset"] == 0
    assert result.safety == {"flagged": False, "category": None, "cue": None}
    assert set(result.timings_ms) == NODES
    data = result.to_dict()
    for key in ("reply", "user_emotion", "user_vad", "agent_vad", "cause", "memories", "safety"):
        assert key in data
    assert set(data["agent_vad"]) == {"v", "a", "d"}


def test_the_llm_is_conditioned_on_the_detections(make_agent):
    llm = ScriptedChatModel(["ok"])
    agent = make_agent(llm)
    agent.respond("ada", "I'm furious because my landlord kept my deposit.")
    system = llm.calls[-1][0]["content"]
    assert "anger" in system
    assert "my landlord kept my deposit" in system
    assert "Willow" in system


def test_memories_and_conversation_survive_a_restart(make_agent):
    first = make_agent(ScriptedChatModel(["Congratulations!"]))
    first.respond(
        "ada", "My sister Maya is getting married in June and I'm nervous about my speech"
    )
    first.respond("ada", "I also adopted a kitten called Pixel")

    llm = ScriptedChatModel(["ok"])
    restarted = make_agent(llm)
    result = restarted.respond("ada", "I keep practising the wedding speech for my sister")
    recalled = [m["text"] for m in result.memories]
    assert any("Maya is getting married" in text for text in recalled)
    messages: list[ChatMessage] = llm.calls[-1]
    assert any("adopted a kitten" in m["content"] for m in messages if m["role"] == "user")
    assert any("Maya is getting married" in m["content"] for m in messages if m["role"] == "system")


def test_agent_vad_moves_along_a_trajectory_across_turns(make_agent):
    agent = make_agent()
    first = agent.respond("ada", "I'm thrilled, I got the job!")
    second = agent.respond("ada", "Actually I'm devastated, they withdrew the offer.")
    state = agent.graph.get_state({"configurable": {"thread_id": '["ada", "default"]'}}).values
    assert [p["v"] for p in state["user_vad_trace"]] == [first.user_vad.v, second.user_vad.v]
    assert [p["v"] for p in state["agent_vad_trace"]] == [first.agent_vad.v, second.agent_vad.v]
    assert second.agent_vad.v < first.agent_vad.v


def test_users_are_isolated(make_agent):
    agent = make_agent()
    agent.respond("ada", "My secret: I am afraid of losing my job at the bank")
    result = agent.respond("bob", "I'm worried about losing my job at the bank")
    assert result.memories == []
    assert all(
        turn["text"] != "My secret: I am afraid of losing my job at the bank"
        for turn in agent.export("bob")["turns"]
    )


@pytest.mark.parametrize(
    ("text", "category"),
    [("I want to kill myself", "suicide"), ("my boyfriend hits me when he's drunk", "abuse")],
)
def test_crisis_takes_the_safeguard_route_whatever_the_llm_says(make_agent, text, category):
    agent = make_agent(ScriptedChatModel(["lol just get over it and kill yourself"]))
    result = agent.respond("ada", text)
    assert result.safety["flagged"] and result.safety["category"] == category
    assert "safeguard" in result.timings_ms
    assert "988" in result.reply and "emergency" in result.reply
    assert "kill yourself" not in result.reply


def test_crisis_reply_keeps_a_safe_llm_reply(make_agent):
    agent = make_agent(ScriptedChatModel(["I'm here with you right now."]))
    result = agent.respond("ada", "I don't want to live anymore")
    assert "I'm here with you right now." in result.reply
    assert "988" in result.reply


def test_llm_down_gives_a_degraded_reply_and_keeps_the_turn(make_agent):
    agent = make_agent(ScriptedChatModel(fail=True))
    result = agent.respond("ada", "Nobody at work listens to me.")
    assert result.degraded
    assert result.reply == UNAVAILABLE_REPLY
    turns = agent.export("ada")["turns"]
    assert [(t["role"], t["text"]) for t in turns] == [
        ("user", "Nobody at work listens to me."),
        ("assistant", UNAVAILABLE_REPLY),
    ]
    assert turns[1]["degraded"] is True


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x02"])
def test_empty_turns_are_a_clear_error_and_store_nothing(make_agent, text):
    agent = make_agent()
    with pytest.raises(InvalidTurnError, match="empty"):
        agent.respond("ada", text)
    assert agent.export("ada")["turns"] == []


def test_a_huge_turn_is_stored_whole_but_analysed_in_part(make_agent):
    llm = ScriptedChatModel(["That's a lot."])
    agent = make_agent(llm)
    text = "I feel stuck. " * 7000  # ~100 kB
    result = agent.respond("ada", text)
    assert result.reply == "That's a lot."
    assert agent.export("ada")["turns"][0]["text"] == text.strip()
    assert len(llm.calls[-1][-1]["content"]) <= ANALYSIS_CHARS + 10
    with pytest.raises(InvalidTurnError, match="limit"):
        agent.respond("ada", "x" * (MAX_TURN_CHARS + 1))


def test_control_and_bidi_characters_are_removed(make_agent):
    agent = make_agent()
    agent.respond("ada", "hello\x07 \u202ethere\x1b[31m friend\x1b[0m \u2066isolated\u2069")
    assert agent.export("ada")["turns"][0]["text"] == "hello there friend isolated"


def test_joiners_that_words_and_emoji_need_are_kept(make_agent):
    agent = make_agent()
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # ZWNJ inside a word
    agent.respond("ada", f"my {family} and I say {persian}")
    assert agent.export("ada")["turns"][0]["text"] == f"my {family} and I say {persian}"


def test_a_lone_surrogate_is_an_invalid_turn_and_stores_nothing(make_agent):
    agent = make_agent()
    with pytest.raises(InvalidTurnError, match="surrogate"):
        agent.respond("ada", "broken \ud800 text")
    assert agent.export("ada")["turns"] == []


@pytest.mark.parametrize("user_id", ["", " ", "x" * 200, "bad\nid"])
def test_malformed_user_ids_are_rejected(make_agent, user_id):
    with pytest.raises(InvalidTurnError, match="user_id"):
        make_agent().respond(user_id, "hello")


def test_stream_yields_chunks_then_the_result(make_agent):
    agent = make_agent(ScriptedChatModel(["one two three"]))
    events = list(agent.stream("ada", "Tell me something nice"))
    chunks = [e.text for e in events if isinstance(e, ReplyChunk)]
    assert "".join(chunks) == "one two three"
    assert isinstance(events[-1], TurnResult)
    assert events[-1].reply == "one two three"


def test_forget_deletes_the_user_and_their_conversation(make_agent):
    agent = make_agent()
    agent.respond("ada", "I told you about my brother's illness")
    agent.respond("bob", "I like long walks by the river")
    agent.forget("ada")
    assert agent.export("ada") == {
        "user_id": "ada",
        "turns": [],
        "memories": [],
        "conversation_state": {},
    }
    assert agent.graph.get_state({"configurable": {"thread_id": '["ada", "default"]'}}).values == {}
    assert len(agent.export("bob")["turns"]) == 2


@pytest.mark.anyio
async def test_arespond_runs_off_the_event_loop(make_agent):
    result = await make_agent(ScriptedChatModel(["async ok"])).arespond("ada", "hi there friend")
    assert result.reply == "async ok"


@pytest.mark.postgres
def test_the_agent_runs_on_postgresql_across_restarts(tmp_path, postgres_url):
    from resonant import Agent

    url = postgres_url
    with Agent.from_defaults(data_dir=tmp_path, llm="scripted", database_url=url) as agent:
        agent.respond("ada", "My sister Maya is getting married in June and I'm nervous")
    with Agent.from_defaults(data_dir=tmp_path, llm="scripted", database_url=url) as agent:
        result = agent.respond("ada", "I keep practising my speech for Maya's wedding")
        assert any("Maya is getting married" in m["text"] for m in result.memories)
        assert len(agent.affect_trajectory("ada")["user"]) == 2
    assert not (tmp_path / "checkpoints.sqlite").exists()


RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]


@pytest.mark.postgres
@pytest.mark.skipif(
    not (
        shutil.which("pg_ctlcluster") and os.geteuid() == 0 and Path("/etc/postgresql/15").exists()
    ),
    reason="needs root and the machine's own PostgreSQL 15 cluster to restart",
)
def test_a_database_restart_mid_conversation_loses_no_turn(tmp_path, postgres_url):
    """Restarts this machine's PostgreSQL between two turns of one conversation."""
    from resonant import Agent

    with Agent.from_defaults(data_dir=tmp_path, llm="scripted", database_url=postgres_url) as agent:
        agent.respond("ada", "My exam results come out tomorrow and I'm nervous")
        subprocess.run(RESTART, check=True, timeout=60)
        result = agent.respond("ada", "They came out and I passed, I'm so relieved!")
        assert not result.degraded
        texts = [t["text"] for t in agent.export("ada")["turns"] if t["role"] == "user"]
        assert texts == [
            "My exam results come out tomorrow and I'm nervous",
            "They came out and I passed, I'm so relieved!",
        ]
        assert len(agent.affect_trajectory("ada")["user"]) == 2
