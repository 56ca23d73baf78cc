"""Shared fixtures: real components throughout, with the scripted LLM where a test
must control what the model says."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from resonant.agent.agent import Agent
from resonant.llm.base import ChatModel
from resonant.llm.testing import ScriptedChatModel
from resonant.memory.embedder import SentenceTransformerEmbedder
from resonant.memory.store import MemoryStore
from resonant.persona.loader import load_persona
from resonant.skills.registry import load_skills

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged MiniLM, loaded once for the whole run."""
    return SentenceTransformerEmbedder()


@pytest.fixture
def store(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Iterator[MemoryStore]:
    memory = MemoryStore(f"sqlite:///{tmp_path / 'memory.sqlite'}", embedder)
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
            memory=memory,
            persona=load_persona(persona),
            skills=load_skills(),
            checkpointer=SqliteSaver(connection),
            **kwargs,
        )

    yield factory
    for resource in opened:
        resource.close()
