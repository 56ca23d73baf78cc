"""Turn integrity across a fleet: two `resonant serve` processes on one PostgreSQL, one of
them killed with SIGKILL mid-run and restarted.

    python benchmarks/fleet.py --users 50 --turns 20

Each user talks in one conversation, one turn at a time, sending each turn to the two
servers in turn; at two points per user a burst of 4 concurrent turns goes into the same
conversation. Every turn carries an Idempotency-Key, and a client whose request fails
(connection refused or reset by the kill, a 5xx) retries it on the other server, as a
client behind a load balancer would. Rate limits are shared through Redis.

Afterwards the database is read back and every user's stored turns are compared with
what was sent: lost (never stored), duplicated (stored twice), crossed (stored under
another user), out of order (stored before a turn that was answered earlier), and
unanswered (stored without a reply); the agent's checkpointed history of each user must
hold the stored turns in the same order. Writes benchmarks/results/fleet.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from resonant import Agent
from resonant.server.keys import KeyRing

BURST = 4
MAX_ATTEMPTS = 12
TENANT = "fleet"


@dataclass
class Tally:
    kill_at: int
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    answered: int = 0
    retries: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One `resonant serve` process."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = _free_port()
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "resonant", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the server on port {self.port} did not become ready; see {self.log}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


async def _send(
    client: httpx.AsyncClient,
    servers: list[Server],
    key: str,
    user: str,
    text: str,
    first: int,
    tally: Tally,
) -> None:
    idempotency = f"{user}/{text}"
    for attempt in range(MAX_ATTEMPTS):
        server = servers[(first + attempt) % len(servers)]
        try:
            response = await client.post(
                f"{server.url}/v1/turns",
                json={"user": user, "text": text, "conversation": "main"},
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency},
            )
            tally.statuses[str(response.status_code)] += 1
            if response.status_code == 200:
                tally.answered += 1
                if tally.answered >= tally.kill_at:
                    tally.reached.set()
                return
        except httpx.TransportError as exc:
            tally.statuses[type(exc).__name__] += 1
        tally.retries += 1
        await asyncio.sleep(min(0.25 * 2**attempt, 4.0))
    tally.failures.append(f"{user}: {text}")


def plan(user: str, turns: int) -> list[list[str]]:
    """The user's turns in groups: a group is one turn, or a burst sent concurrently."""
    bursts = {turns // 4, (3 * turns) // 4}
    return [
        [f"{user} burst {i}.{b}" for b in range(BURST)] if i in bursts else [f"{user} turn {i}"]
        for i in range(turns)
    ]


async def _user(client, servers, key, user, groups, tally) -> None:
    for i, group in enumerate(groups):
        await asyncio.gather(
            *(_send(client, servers, key, user, text, i + b, tally) for b, text in enumerate(group))
        )


async def _kill_midway(servers: list[Server], tally: Tally, events: list[str]) -> None:
    await tally.reached.wait()
    victim = servers[0]
    await asyncio.to_thread(victim.kill)
    events.append(f"killed the server on port {victim.port} (SIGKILL) after {tally.answered} turns")
    await asyncio.sleep(1.0)
    await asyncio.to_thread(victim.start)
    events.append(f"restarted it; ready again after {tally.answered} turns")


async def drive(servers, key, users, turns, tally, events) -> float:
    groups = {user: plan(user, turns) for user in users}
    limits = httpx.Limits(max_connections=len(users) * BURST)
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        killer = asyncio.create_task(_kill_midway(servers, tally, events))
        await asyncio.gather(*(_user(client, servers, key, u, groups[u], tally) for u in users))
        await killer
    return time.perf_counter() - started


def audit(agent: Agent, users: list[str], turns: int) -> dict[str, int]:
    counts = Counter(lost=0, duplicated=0, crossed=0, out_of_order=0, unanswered=0, state=0)
    for user in users:
        groups = plan(user, turns)
        position = {text: i for i, group in enumerate(groups) for text in group}
        stored = agent.store.turns(f"{TENANT}:{user}", "main")
        said = [t for t in stored if t["role"] == "user"]
        texts = [t["text"] for t in said]
        seen = Counter(texts)
        counts["lost"] += sum(1 for text in position if text not in seen)
        counts["duplicated"] += sum(n - 1 for n in seen.values() if n > 1)
        counts["crossed"] += sum(1 for text in texts if text not in position)
        order = [position[text] for text in texts if text in position]
        counts["out_of_order"] += sum(1 for a, b in itertools.pairwise(order) if b < a)
        counts["unanswered"] += sum(1 for t in said if t["vad"] is None)
        # The conversation state holds the last turns in the order they were stored.
        history = agent.conversation_state(f"{TENANT}:{user}", "main").get("history", [])
        in_state = [m["content"] for m in history if m["role"] == "user"]
        counts["state"] += in_state != texts[-len(in_state) :]
    return dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/fleet.md"))
    args = parser.parse_args()
    schema = f"fleet_{uuid.uuid4().hex[:10]}"
    admin = args.postgres.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    url = f"{args.postgres}?options=-csearch_path%3D{schema}"
    users = [f"user-{i:02d}" for i in range(args.users)]
    sent = sum(len(group) for user in users for group in plan(user, args.turns))
    tally, events = Tally(kill_at=int(sent * 0.4)), []
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "RESONANT_DATA_DIR": folder,
            "RESONANT_DATABASE_URL": url,
            "RESONANT_LLM": "scripted",
            "RESONANT_REDIS_URL": args.redis,
            "RESONANT_RATE_LIMIT_PER_MINUTE": "1000000",
        }
        agent = Agent.from_defaults(data_dir=folder, llm="scripted", database_url=url)
        key = KeyRing(agent.store).create(TENANT)
        servers = [Server(env, Path(folder) / f"server-{i}.log") for i in range(2)]
        try:
            for server in servers:
                server.start()
            seconds = asyncio.run(drive(servers, key, users, args.turns, tally, events))
            counts = audit(agent, users, args.turns)
        finally:
            for server in servers:
                server.stop()
            agent.close()
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
    text = "\n".join(
        [
            "# Fleet integrity: two server processes on one PostgreSQL, one killed mid-run\n",
            f"`python benchmarks/fleet.py --users {args.users} --turns {args.turns}` on "
            "loopback, 2-core CPU, scripted LLM, PostgreSQL store and checkpoints, Redis rate "
            f"limits. {args.users} users x {args.turns} turns in one conversation each, two "
            f"of them bursts of {BURST} concurrent turns: {sent} turns sent, each with an "
            "Idempotency-Key, retried on the other server after a failure.\n",
            *[f"- {event}" for event in events],
            "",
            "| turns sent | answered | retries | gave up | seconds | turns/s |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {sent} | {tally.answered} | {tally.retries} | {len(tally.failures)} | "
            f"{seconds:.0f} | {tally.answered / seconds:.1f} |",
            "",
            "| lost | duplicated | crossed | out of order | unanswered | state differs |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {counts['lost']} | {counts['duplicated']} | {counts['crossed']} | "
            f"{counts['out_of_order']} | {counts['unanswered']} | {counts['state']} |",
            "",
            "Goal: 0 in every column of the second table. Responses seen: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()))
            + ".",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
