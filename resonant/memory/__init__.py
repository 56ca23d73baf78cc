"""Long-term, per-user episodic memory: the SQL store, embeddings and retrieval."""

from resonant.embedding import Embedder, SentenceTransformerEmbedder
from resonant.memory.retrieval import RecalledMemory, RecallWeights, salience_of
from resonant.memory.store import MemoryStore, NewMemory

__all__ = [
    "Embedder",
    "MemoryStore",
    "NewMemory",
    "RecallWeights",
    "RecalledMemory",
    "SentenceTransformerEmbedder",
    "salience_of",
]
