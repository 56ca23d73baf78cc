"""The agent's topology: one turn flows perceive -> detect -> appraise -> recall ->
respond -> [safeguard when a crisis was flagged] -> remember."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from resonant.agent.context import AgentContext
from resonant.agent.nodes import (
    appraise,
    detect,
    perceive,
    recall,
    remember,
    respond,
    route_after_respond,
    safeguard,
)
from resonant.agent.state import AgentState

AgentGraph = CompiledStateGraph[AgentState, AgentContext, AgentState, AgentState]


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> AgentGraph:
    graph = StateGraph(AgentState, context_schema=AgentContext)
    graph.add_node("perceive", perceive)
    graph.add_node("detect", detect)
    graph.add_node("appraise", appraise)
    graph.add_node("recall", recall)
    graph.add_node("respond", respond)
    graph.add_node("safeguard", safeguard)
    graph.add_node("remember", remember)
    graph.add_edge(START, "perceive")
    graph.add_edge("perceive", "detect")
    graph.add_edge("detect", "appraise")
    graph.add_edge("appraise", "recall")
    graph.add_edge("recall", "respond")
    graph.add_conditional_edges("respond", route_after_respond, ["safeguard", "remember"])
    graph.add_edge("safeguard", "remember")
    graph.add_edge("remember", END)
    return graph.compile(checkpointer=checkpointer)
