"""The memory store contract: per-user isolation, ranking, durability, deletion and export.

Every test runs unchanged on SQLite and on PostgreSQL (the `database_url` fixture)."""

from datetime import timedelta

import pytest

from resonant.affect import VAD
from resonant.memory import MemoryStore, NewMemory
from resonant.memory.models import utcnow


def memory(text, salience=0.5, emotion="neutral"):
    return NewMemory(text=text, emotion=emotion, vad=VAD(), salience=salience)


def test_recall_finds_the_related_memory(store):
    store.add_memory("ada", memory("My sister Maya is getting married in June"))
    store.add_memory("ada", memory("I started learning the cello"))
    store.add_memory("ada", memory("Our cat Pixel hates the vacuum cleaner"))
    found = store.recall("ada", "How is the wedding planning going?", k=1)
    assert [m.text for m in found] == ["My sister Maya is getting married in June"]
    assert 0 < found[0].similarity <= 1
    assert found[0].recency == pytest.approx(1.0, abs=0.01)


def test_users_never_see_each_others_memories(store):
    store.add_memory("ada", memory("My password hint is the name of my first dog"))
    store.add_memory("bob", memory("I love hiking in the Alps"))
    recalled = store.recall("bob", "What was the name of your first dog?", k=5)
    assert all(m.text != "My password hint is the name of my first dog" for m in recalled)
    assert [m["text"] for m in store.memories("bob")] == ["I love hiking in the Alps"]
    bob_id = store.memories("bob")[0]["id"]
    assert store.delete_memory("ada", bob_id) is None
    assert len(store.memories("bob")) == 1


def test_salience_and_recency_break_ties_between_similar_memories(store):
    old = utcnow() - timedelta(days=120)
    store.add_memory("ada", memory("I had a fight with my brother", salience=0.1), created_at=old)
    store.add_memory("ada", memory("I had a huge fight with my brother", salience=0.9))
    best = store.recall("ada", "fight with my brother", k=2)
    assert best[0].text == "I had a huge fight with my brother"
    assert best[0].score > best[1].score
    assert best[1].recency < 0.2


def test_unrelated_memories_are_not_recalled(store):
    store.add_memory("ada", memory("I started learning the cello"))
    assert store.recall("ada", "The quarterly tax form is due", k=3) == []


def test_turns_are_durable_across_store_instances(database_url, embedder):
    first = MemoryStore(database_url, embedder)
    turn_id = first.add_user_turn("ada", "default", "willow", "hello there")
    first.complete_turn(
        "ada",
        turn_id,
        detections=[],
        user_vad=VAD(0.1, 0, 0),
        reply="hi!",
        agent_vad=VAD(0.2, 0, 0),
        degraded=False,
        memory=memory("hello there friend"),
    )
    first.close()
    second = MemoryStore(database_url, embedder)
    turns = second.turns("ada")
    assert [(t["role"], t["text"]) for t in turns] == [
        ("user", "hello there"),
        ("assistant", "hi!"),
    ]
    assert turns[0]["vad"] == {"v": 0.1, "a": 0.0, "d": 0.0}
    assert [m["text"] for m in second.memories("ada")] == ["hello there friend"]
    second.close()


def test_complete_turn_refuses_another_users_turn(store):
    turn_id = store.add_user_turn("ada", "default", "willow", "a secret")
    with pytest.raises(LookupError):
        store.complete_turn(
            "mallory",
            turn_id,
            detections=[],
            user_vad=VAD(),
            reply="x",
            agent_vad=VAD(),
            degraded=False,
            memory=None,
        )
    assert store.turns("mallory") == []


def test_delete_user_removes_everything_and_only_theirs(store):
    for user in ("ada", "bob"):
        turn_id = store.add_user_turn(user, "default", "willow", f"{user} says hi")
        store.complete_turn(
            user,
            turn_id,
            detections=[],
            user_vad=VAD(),
            reply="hello",
            agent_vad=VAD(),
            degraded=False,
            memory=memory(f"{user} likes tea"),
        )
    store.delete_user("ada")
    assert store.export_user("ada") == {"user_id": "ada", "turns": [], "memories": []}
    exported = store.export_user("bob")
    assert len(exported["turns"]) == 2
    assert [m["text"] for m in exported["memories"]] == ["bob likes tea"]
    assert store.user_ids() == ["bob"]
