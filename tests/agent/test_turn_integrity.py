"""Turns under concurrency and faults: serialised per conversation, idempotent, never
lost, and interrupted turns kept in the conversation. Real stores, real checkpointers."""

import sqlite3
import threading

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from resonant.agent.agent import INTERRUPTED_REPLY, Agent
from resonant.agent.checkpoints import open_checkpointer, threads_of
from resonant.agent.ids import thread_prefix
from resonant.llm.testing import ScriptedChatModel
from resonant.memory.store import MemoryStore
from resonant.persona.loader import load_persona
from resonant.skills.registry import load_skills


def _in_parallel(count, work):
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:  # collected, so a failure names itself
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_parallel_turns_in_one_conversation_each_see_the_ones_before(make_agent):
    agent = make_agent(ScriptedChatModel(["ok"]))
    _in_parallel(8, lambda i: agent.respond("ada", f"message number {i} for you"))
    history = agent.conversation_state("ada", "default")["history"]
    assert len(history) == 16
    assert sorted(m["content"] for m in history if m["role"] == "user") == sorted(
        f"message number {i} for you" for i in range(8)
    )
    assert len(agent.affect_trajectory("ada")["agent"]) == 8


def test_two_replicas_on_one_database_serialise_a_conversation(make_agent):
    # Two Agent objects over the same files, as two server processes would be.
    first, second = make_agent(ScriptedChatModel(["ok"])), make_agent(ScriptedChatModel(["ok"]))
    _in_parallel(6, lambda i: (first, second)[i % 2].respond("ada", f"turn {i} from a replica"))
    assert len(first.conversation_state("ada", "default")["history"]) == 12


@pytest.mark.postgres
def test_two_replicas_on_postgresql_serialise_a_conversation(postgres_url, embedder, tmp_path):
    agents = []
    for _ in range(2):
        memory = MemoryStore(postgres_url, embedder)
        checkpointer, pool = open_checkpointer(postgres_url, tmp_path)
        agent = Agent(
            llm=ScriptedChatModel(["ok"]),
            store=memory,
            persona=load_persona("willow"),
            skills=load_skills(),
            checkpointer=checkpointer,
        )
        agent._owned.extend([memory, pool])
        agents.append(agent)
    try:
        _in_parallel(6, lambda i: agents[i % 2].respond("ada", f"turn {i} on postgres"))
        assert len(agents[0].conversation_state("ada", "default")["history"]) == 12
        assert len(agents[1].store.turns("ada")) == 12
    finally:
        for agent in agents:
            agent.close()


def test_simultaneous_first_turns_of_a_new_user_all_succeed(store):
    _in_parallel(8, lambda i: store.add_user_turn("newcomer", f"chat-{i % 2}", "willow", "hi"))
    assert len(store.turns("newcomer")) == 8


def test_a_retried_request_is_answered_once(make_agent):
    agent = make_agent(ScriptedChatModel(["first answer", "second answer"]))
    first = agent.respond("ada", "Did you get this?", request_key="req-1")
    again = agent.respond("ada", "Did you get this?", request_key="req-1")
    assert again.turn_id == first.turn_id
    assert again.reply == first.reply == "first answer"
    assert [t["role"] for t in agent.store.turns("ada")] == ["user", "assistant"]


def _crash_on(marker):
    def reply(messages):
        if marker in messages[-1]["content"]:
            raise RuntimeError("the process died here")
        return "I'm listening."

    return reply


def test_an_interrupted_turn_stays_in_the_conversation_and_is_marked(make_agent):
    agent = make_agent(ScriptedChatModel(_crash_on("CRASH")))
    agent.respond("ada", "Hello there, it has been a long week")
    with pytest.raises(RuntimeError):
        agent.respond("ada", "My sister is ill CRASH")
    agent.respond("ada", "Are you still there?")
    turns = agent.store.turns("ada")
    assert [(t["role"], t["interrupted"]) for t in turns] == [
        ("user", False),
        ("assistant", False),
        ("user", True),
        ("user", False),
        ("assistant", False),
    ]
    history = agent.conversation_state("ada", "default")["history"]
    assert [m["content"] for m in history[2:4]] == ["My sister is ill CRASH", INTERRUPTED_REPLY]


def test_a_retry_after_an_interruption_answers_the_stored_turn(make_agent):
    crashes = iter([True, False])

    def reply(_messages):
        if next(crashes):
            raise RuntimeError("the database went away")
        return "Now I can answer."

    agent = make_agent(ScriptedChatModel(reply))
    with pytest.raises(RuntimeError):
        agent.respond("ada", "Please keep this safe", request_key="k-9")
    result = agent.respond("ada", "Please keep this safe", request_key="k-9")
    assert result.reply == "Now I can answer."
    turns = agent.store.turns("ada")
    assert [(t["role"], t["text"]) for t in turns] == [
        ("user", "Please keep this safe"),
        ("assistant", "Now I can answer."),
    ]
    history = agent.conversation_state("ada", "default")["history"]
    assert [m["content"] for m in history] == ["Please keep this safe", "Now I can answer."]


def test_checkpoints_keep_only_what_resuming_needs(make_agent, tmp_path):
    agent = make_agent(ScriptedChatModel(["ok"]))
    for i in range(5):
        agent.respond("ada", f"turn number {i} of five")
    with sqlite3.connect(tmp_path / "checkpoints.sqlite") as connection:
        count = connection.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
    assert count == 1
    assert len(agent.conversation_state("ada", "default")["history"]) == 10


def test_user_ids_are_unicode_normalised(make_agent):
    agent = make_agent(ScriptedChatModel(["ok"]))
    agent.respond("jose\u0301", "First message from José")  # NFD, as macOS types it
    agent.respond("jos\u00e9", "Second message from José")  # NFC
    assert len(agent.export("jos\u00e9")["turns"]) == 4


def test_export_includes_the_conversation_state(make_agent):
    agent = make_agent(ScriptedChatModel(["ok"]))
    agent.respond("ada", "I adopted a cat today", conversation="pets")
    state = agent.export("ada")["conversation_state"]
    assert list(state) == ["pets"]
    assert state["pets"]["history"][0]["content"] == "I adopted a cat today"
    assert len(state["pets"]["user_vad_trace"]) == 1


SECRET = "my locker code is 4417 and nobody knows it"


def _files_hold(folder, needle):
    return [
        path.name
        for path in folder.iterdir()
        if path.is_file() and needle.encode() in path.read_bytes()
    ]


def test_erasure_leaves_no_copy_in_any_table_checkpoint_or_file(make_agent, tmp_path):
    agent = make_agent(ScriptedChatModel(_crash_on("failing")))
    agent.respond("ada", f"Between us: {SECRET}", conversation="one")
    with pytest.raises(RuntimeError):
        agent.respond("ada", f"failing turn, {SECRET}", conversation="two")
    agent.respond("bob", "I like long walks by the river")
    assert _files_hold(tmp_path, SECRET)  # the check below can see the text

    agent.forget("ada")

    assert threads_of(agent.checkpointer, thread_prefix("ada")) == set()
    assert agent.export("ada")["turns"] == []
    assert _files_hold(tmp_path, SECRET) == []
    assert len(agent.export("bob")["turns"]) == 2


def test_a_deleted_memory_no_longer_reaches_the_llm(make_agent, tmp_path):
    llm = ScriptedChatModel(["I'll keep that in mind."])
    agent = make_agent(llm)
    agent.respond("ada", f"Remember this: {SECRET}")
    agent.respond("ada", "What a day it has been at work")
    memory = next(m for m in agent.memories("ada") if SECRET in m["text"])

    assert agent.delete_memory("ada", memory["id"])
    agent.respond("ada", "What do you remember about me?")

    assert all(SECRET not in message["content"] for message in llm.calls[-1])
    history = agent.conversation_state("ada", "default")["history"]
    assert all(SECRET not in message["content"] for message in history)
    assert not any(name.startswith("checkpoints") for name in _files_hold(tmp_path, SECRET))


def test_a_thread_whose_checkpointer_is_shared_is_found_by_prefix(tmp_path):
    connection = sqlite3.connect(tmp_path / "c.sqlite", check_same_thread=False)
    saver = SqliteSaver(connection)
    assert threads_of(saver, thread_prefix("a_b%")) == set()  # LIKE wildcards escaped
    connection.close()


@pytest.mark.parametrize(
    ("misbehaviour", "reason"),
    [({"html": True}, "text/html"), ({"unfinished": True}, "before the reply was finished")],
)
def test_a_reply_that_is_not_a_complete_stream_marks_the_turn_degraded(
    make_agent, caplog, misbehaviour, reason
):
    from resonant.llm.openai_compat import OpenAIChatModel
    from resonant.llm.testing import OpenAIProtocolServer

    script = ScriptedChatModel(["a reply that the stream never finishes"])
    with (
        OpenAIProtocolServer(script, **misbehaviour) as server,
        OpenAIChatModel(server.base_url, model="m") as llm,
    ):
        result = make_agent(llm).respond("ada", "I had a strange day today")
    assert result.degraded is True
    assert reason in caplog.text
    assert make_agent().store.turns("ada")[-1]["degraded"] is True


def test_astream_runs_on_the_event_loop_and_serialises_turns_of_a_conversation(make_agent):
    import asyncio

    from resonant.agent.result import AffectUpdate, ReplyChunk, TurnResult

    agent = make_agent(ScriptedChatModel(["I'm here."]))

    async def turn(text):
        return [event async for event in agent.astream("ada", text)]

    async def both():
        return await asyncio.gather(turn("First thing."), turn("Second thing."))

    first, second = asyncio.run(both())
    for events in (first, second):
        assert isinstance(events[0], AffectUpdate)
        assert any(isinstance(e, ReplyChunk) for e in events)
        assert isinstance(events[-1], TurnResult)
    turns = agent.export("ada")["turns"]
    # One at a time: each user turn is followed by its own reply.
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    assert {turns[0]["text"], turns[2]["text"]} == {"First thing.", "Second thing."}
