"""The LangGraph agent: state, nodes, topology and the `Agent` API around them."""

from resonant.agent.agent import Agent
from resonant.agent.context import AgentContext
from resonant.agent.graph import build_graph
from resonant.agent.result import AffectUpdate, ReplyChunk, TurnResult
from resonant.agent.state import AgentState

__all__ = [
    "AffectUpdate",
    "Agent",
    "AgentContext",
    "AgentState",
    "ReplyChunk",
    "TurnResult",
    "build_graph",
]
