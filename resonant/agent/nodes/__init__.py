"""The graph's nodes, one per file: each takes the state and returns a partial update."""

from resonant.agent.nodes.appraise import appraise
from resonant.agent.nodes.detect import detect
from resonant.agent.nodes.perceive import perceive
from resonant.agent.nodes.recall import recall
from resonant.agent.nodes.remember import remember
from resonant.agent.nodes.respond import respond
from resonant.agent.nodes.safeguard import route_after_respond, safeguard

__all__ = [
    "appraise",
    "detect",
    "perceive",
    "recall",
    "remember",
    "respond",
    "route_after_respond",
    "safeguard",
]
