"""Shared fixtures: real components throughout, with the scripted LLM where a test
must control what the model says."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from resonant.agent.agent import Agent
from resonant.embedding import SentenceTransformerEmbedder
from resonant.llm.base import ChatModel
from resonant.llm.testing import ScriptedChatModel
from resonant.memory.store import MemoryStore
from resonant.persona.loader import load_persona
from resonant.skills.registry import load_skills


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture(scope="session")
def piper() -> Any:
    """The packaged Piper voice, loaded once (skips without the voice extra)."""
    pytest.importorskip("piper", reason="needs the voice extra")
    from resonant.voice.tts import PiperSynthesizer

    return PiperSynthesizer()


@pytest.fixture(scope="session")
def whisper() -> Any:
    """The packaged Whisper tiny.en, loaded once (skips without the voice extra)."""
    pytest.importorskip("faster_whisper", reason="needs the voice extra")
    from resonant.voice.stt import WhisperTranscriber

    model = WhisperTranscriber()
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged MiniLM, loaded once for the whole run."""
    return SentenceTransformerEmbedder()


POSTGRES_URL = os.environ.get(
    "RESONANT_TEST_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432/test"
)


def _postgres_schema() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards; skips if unreachable."""
    psycopg = pytest.importorskip("psycopg")
    conninfo = POSTGRES_URL.replace("+psycopg", "")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {conninfo}: {exc}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        # A fresh connection: a test may have restarted the server in the meantime.
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every store test runs on both backends: one contract, two implementations."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'memory.sqlite'}"
    else:
        yield from _postgres_schema()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_schema()


@pytest.fixture
def store(database_url: str, embedder: SentenceTransformerEmbedder) -> Iterator[MemoryStore]:
    memory = MemoryStore(database_url, embedder)
    yield memory
    memory.close()


AgentFactory = Callable[..., Agent]


@pytest.fixture
def make_agent(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Iterator[AgentFactory]:
    """Builds agents over one data folder, so a second agent is 'the same app restarted'."""
    opened: list[Any] = []

    def factory(llm: ChatModel | None = None, persona: str = "willow", **kwargs: Any) -> Agent:
        memory = MemoryStore(f"sqlite:///{tmp_path / 'memory.sqlite'}", embedder)
        connection = sqlite3.connect(str(tmp_path / "checkpoints.sqlite"), check_same_thread=False)
        opened.extend([memory, connection])
        return Agent(
            llm=llm or ScriptedChatModel(),
            store=memory,
            persona=load_persona(persona),
            skills=load_skills(),
            checkpointer=SqliteSaver(connection),
            **kwargs,
        )

    yield factory
    for resource in opened:
        resource.close()


# Tiny datasets in the published formats, written by the tests themselves.

GO_LABELS = [
    "admiration",
    "amusement",
    "anger",
    "annoyance",
    "approval",
    "caring",
    "confusion",
    "curiosity",
    "desire",
    "disappointment",
    "disapproval",
    "disgust",
    "embarrassment",
    "excitement",
    "fear",
    "gratitude",
    "grief",
    "joy",
    "love",
    "nervousness",
    "optimism",
    "pride",
    "realization",
    "relief",
    "remorse",
    "sadness",
    "surprise",
    "neutral",
]
SAD, JOY, ANGER, NEUTRAL = 25, 17, 2, 27
GO_ROWS = [
    ("I'm so sad my grandmother died", SAD),
    ("This makes me really sad and lonely", SAD),
    ("I am so happy for you, congratulations!", JOY),
    ("What a joyful day, I love it", JOY),
    ("I'm furious, this is outrageous", ANGER),
    ("That makes me so angry", ANGER),
    ("The store opens at nine", NEUTRAL),
    ("It was posted yesterday", NEUTRAL),
]


@pytest.fixture
def goemotions_dir(tmp_path):
    root = tmp_path / "goemotions" / "original"
    root.mkdir(parents=True)
    (root / "labels.txt").write_text("\n".join(GO_LABELS) + "\n")
    rows = [f"{text}\t{label}\tid{i}" for i, (text, label) in enumerate(GO_ROWS * 4)]
    (root / "train.tsv").write_text("\n".join(rows) + "\n")
    (root / "dev.tsv").write_text("\n".join(rows[: len(GO_ROWS)]) + "\n")
    return tmp_path / "goemotions"


@pytest.fixture
def emobank_dir(tmp_path):
    root = tmp_path / "emobank"
    root.mkdir()
    lines = ["id,split,V,A,D,text"]
    samples = [
        ("I love this wonderful gift", 4.4, 3.6, 3.4),
        ("This is awful and scary", 1.6, 3.9, 2.2),
        ("The report is on the desk", 3.0, 2.6, 3.0),
        ("We won the championship!", 4.2, 4.2, 3.6),
    ]
    for i, (text, v, a, d) in enumerate(samples * 3):
        lines.append(f'e{i},{"dev" if i < 4 else "train"},{v},{a},{d},"{text}"')
    (root / "emobank.csv").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture
def reccon_file(tmp_path):
    dialogue = [
        [
            {
                "turn": 1,
                "speaker": "A",
                "utterance": "I lost my wallet today .",
                "emotion": "neutral",
            },
            {
                "turn": 2,
                "speaker": "B",
                "utterance": "Oh no , I am so sorry .",
                "emotion": "sadness",
                "expanded emotion cause evidence": [1],
                "expanded emotion cause span": ["I lost my wallet"],
            },
        ]
    ]
    other = [
        [
            {
                "turn": 1,
                "speaker": "A",
                "utterance": "We won the match today !",
                "emotion": "happiness",
                "expanded emotion cause evidence": [1],
                "expanded emotion cause span": ["We won the match"],
            },
            {
                "turn": 2,
                "speaker": "B",
                "utterance": "The bus is late again .",
                "emotion": "neutral",
            },
        ]
    ]
    data = json.dumps({"dd_1": dialogue, "dd_2": other, "dd_3": dialogue, "dd_4": other})
    path = tmp_path / "dailydialog_valid.json"
    path.write_text(data)
    (tmp_path / "dailydialog_train.json").write_text(data)
    return path
