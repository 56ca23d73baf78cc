"""Warm start of `resonant serve`: how long until it reports ready, and how long the first
requests after that take (every model is loaded before /readyz says ready, so the first
user should wait no longer than the tenth).

    python benchmarks/server_start.py --runs 3 --out benchmarks/results/server_start.md

Each run starts a fresh process on a fresh data folder with the embedded SmolLM2, polls
`/readyz`, then sends three chat completions one after another (new users, so memory
recall has nothing to find either way).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tqdm import tqdm

MESSAGES = (
    "I finally finished my thesis and I'm so relieved!",
    "My sister hasn't called me back in a week.",
    "Work was quiet today.",
)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_run(llm: str) -> tuple[float, list[float]]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as folder:
        key = subprocess.run(
            [
                sys.executable,
                "-m",
                "resonant",
                "keys",
                "create",
                "--data-dir",
                folder,
                "--tenant",
                "bench",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout.split()[-1]
        port = free_port()
        started = time.perf_counter()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "resonant",
                "serve",
                "--data-dir",
                folder,
                "--llm",
                llm,
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.perf_counter() - started > 300:
                    raise RuntimeError("the server did not become ready")
                time.sleep(0.1)
            ready = time.perf_counter() - started
            latencies = []
            for i, message in enumerate(MESSAGES):
                sent = time.perf_counter()
                response = httpx.post(
                    f"{base}/v1/chat/completions",
                    headers={"Authorization": f"Bearer {key}"},
                    json={
                        "model": "resonant",
                        "user": f"user-{i}",
                        "messages": [{"role": "user", "content": message}],
                    },
                    timeout=120,
                )
                response.raise_for_status()
                latencies.append(time.perf_counter() - sent)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
    return ready, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--llm", default="smollm2")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/server_start.md"))
    args = parser.parse_args()
    runs = [one_run(args.llm) for _ in tqdm(range(args.runs), desc="server starts")]
    ready = [r for r, _ in runs]
    by_position = list(zip(*(latencies for _, latencies in runs), strict=True))
    rows = [
        "# Warm start of `resonant serve`\n",
        f"`python benchmarks/server_start.py --runs {args.runs} --llm {args.llm}` on this "
        "2-core CPU: a fresh process and data folder each run; the models load before "
        "`/readyz` answers 200. Then three chat completions, one after another.\n",
        "| measure | median s | max s | n |",
        "|---|---:|---:|---:|",
        f"| start to ready | {statistics.median(ready):.2f} | {max(ready):.2f} | {len(ready)} |",
    ]
    for position, latencies in enumerate(by_position, start=1):
        rows.append(
            f"| request {position} after ready | {statistics.median(latencies):.2f} | "
            f"{max(latencies):.2f} | {len(latencies)} |"
        )
    args.out.write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
