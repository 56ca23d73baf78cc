"""Load benchmark of `resonant serve` on loopback with the scripted LLM.

    python benchmarks/load.py --sessions 50 --turns 20

Starts the real server (uvicorn) on 127.0.0.1, runs the sessions concurrently, checks that
no turn was lost or crossed between users, and writes benchmarks/results/load.md.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from resonant import Agent
from resonant.server import KeyRing, create_app
from resonant_tools.loadtest import load_test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/load.md"))
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        Agent.from_defaults(data_dir=folder, llm="scripted") as agent,
    ):
        keys = KeyRing(agent.store)
        key = keys.create("bench")
        app = create_app(agent, keys, rate_per_minute=1_000_000)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        agent.respond("warmup", "Loading the models before the clock starts.")
        report = load_test(
            agent,
            f"http://127.0.0.1:{port}",
            key,
            "bench",
            sessions=args.sessions,
            turns=args.turns,
        )
        server.should_exit = True
        thread.join(timeout=10)
    text = (
        "\n".join(
            [
                "# HTTP load: concurrent sessions against `resonant serve` (scripted LLM)\n",
                f"`python benchmarks/load.py --sessions {args.sessions} --turns {args.turns}` on "
                "loopback, 2-core CPU, SQLite store; every request is one full agent turn.\n",
                "| sessions x turns | turns/s | p50 ms | p95 ms | errors | lost or crossed turns |",
                "|---|---:|---:|---:|---:|---:|",
                f"| {args.sessions} x {args.turns} | {report.throughput:.1f} | "
                f"{report.percentile(50):.0f} | {report.percentile(95):.0f} | {report.errors} | "
                f"{len(report.lost_or_crossed)} |",
            ]
        )
        + "\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
