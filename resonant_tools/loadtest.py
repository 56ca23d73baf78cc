"""A bounded load test of the HTTP API on loopback: N concurrent sessions x T turns.

Every session is its own user; after the run each user's stored turns are compared with
what was sent, so a lost or crossed turn is caught, not just timed. Used by
`benchmarks/load.py` (full size) and by the test suite (small size).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from resonant.agent.agent import Agent
from resonant_tools.metrics import percentile


@dataclass(frozen=True)
class LoadReport:
    sessions: int
    turns: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    lost_or_crossed: list[str]

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, q: int) -> float:
        return percentile(self.latencies_ms, q)


async def _session(
    client: httpx.AsyncClient,
    key: str,
    user: str,
    turns: int,
    latencies: list[float],
    errors: list[str],
) -> None:
    for i in range(turns):
        started = time.perf_counter()
        response = await client.post(
            "/v1/chat/completions",
            headers={"Authorization": f"Bearer {key}"},
            json={
                "model": "resonant",
                "user": user,
                "messages": [{"role": "user", "content": f"{user} says message {i}"}],
            },
        )
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or response.json()["resonant"]["user_id"] != user:
            errors.append(f"{user} turn {i}: HTTP {response.status_code}")


async def run_load(
    base_url: str, key: str, *, sessions: int, turns: int
) -> tuple[float, list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=sessions)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(_session(client, key, f"load-{s}", turns, latencies, errors) for s in range(sessions))
        )
        return time.perf_counter() - started, latencies, errors


def check_stored(agent: Agent, tenant: str, sessions: int, turns: int) -> list[str]:
    """Users whose stored turns are not exactly what they sent, in order."""
    problems = []
    for s in range(sessions):
        user = f"load-{s}"
        sent = [f"{user} says message {i}" for i in range(turns)]
        stored = [t["text"] for t in agent.store.turns(f"{tenant}:{user}") if t["role"] == "user"]
        if stored != sent:
            problems.append(f"{user}: stored {len(stored)} turns, sent {len(sent)}")
    return problems


def load_test(
    agent: Agent, base_url: str, key: str, tenant: str, *, sessions: int, turns: int
) -> LoadReport:
    seconds, latencies, errors = asyncio.run(
        run_load(base_url, key, sessions=sessions, turns=turns)
    )
    return LoadReport(
        sessions,
        turns,
        seconds,
        latencies,
        len(errors),
        errors + check_stored(agent, tenant, sessions, turns),
    )
