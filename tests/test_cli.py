"""The `resonant` command, in-process and as a real subprocess."""

import json
import subprocess
import sys

import pytest

from resonant.cli import main

TRACE_KEYS = {
    "reply",
    "user_emotion",
    "user_vad",
    "agent_vad",
    "cause",
    "memories",
    "safety",
    "timings_ms",
}


def respond(capsys, tmp_path, *args):
    code = main(["respond", "--data-dir", str(tmp_path), "--user", "ada", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_respond_json_prints_one_object_with_the_trace(capsys, tmp_path):
    code, out, _ = respond(
        capsys,
        tmp_path,
        "--llm",
        "scripted:I hear you.",
        "--json",
        "I'm so sad because my dog died.",
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) >= TRACE_KEYS
    assert data["reply"] == "I hear you."
    assert data["user_emotion"]["label"] == "sadness"
    assert set(data["user_vad"]) == {"v", "a", "d"}
    assert data["cause"]["span"] == "my dog died"


def test_the_same_user_id_continues_the_same_memory(capsys, tmp_path):
    respond(
        capsys,
        tmp_path,
        "--llm",
        "scripted",
        "--json",
        "My brother Tom is moving to Canada next month and I'll miss him",
    )
    _, out, _ = respond(
        capsys,
        tmp_path,
        "--llm",
        "scripted",
        "--json",
        "I keep thinking about Tom moving away to Canada",
    )
    memories = [m["text"] for m in json.loads(out)["memories"]]
    assert any("Tom is moving to Canada" in text for text in memories)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--llm", "scripted", "   "], "empty"),
        (["--llm", "scripted", "--persona", "nobody", "hi"], "unknown persona"),
        (["--llm", "gpt-5", "hi"], "unknown LLM backend"),
        (["--llm", "gguf:/missing.gguf", "hi"], "no GGUF model file at /missing.gguf"),
    ],
)
def test_bad_input_is_a_clear_error_not_a_traceback(capsys, tmp_path, args, message):
    code, out, err = respond(capsys, tmp_path, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert out == ""
    assert main(["keys", "list", "--data-dir", str(tmp_path)]) == 0  # the store opens
    assert "ada" not in json.dumps(capsys.readouterr().out)


def test_unreachable_llm_server_gives_a_degraded_reply(capsys, tmp_path):
    code, out, err = respond(
        capsys,
        tmp_path,
        "--llm",
        "openai:http://127.0.0.1:9/v1#m",
        "--json",
        "I'm anxious about my presentation on Friday",
    )
    assert code == 3  # scripts can tell a fallback reply from a real one
    assert "the LLM did not answer" in err
    data = json.loads(out)
    assert data["degraded"] is True
    assert "can't think clearly" in data["reply"]


def run_cli(
    tmp_path, *args: bytes | str, command: str = "respond", stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The real `python -m resonant COMMAND --data-dir TMP ARGS...` as a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "resonant", command, "--data-dir", str(tmp_path), *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_invalid_utf8_from_the_command_line_is_repaired(tmp_path):
    proc = run_cli(tmp_path, "--llm", "scripted:ok", "--json", b"I feel \xff\xfe lost \x01 today")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["reply"] == "ok"


def test_text_from_stdin(tmp_path):
    proc = run_cli(tmp_path, "--llm", "scripted:read you", "-", stdin=b"I am \xff happy today")
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().strip() == "read you"


def test_embedded_defaults_answer_offline(tmp_path):
    """The main job: no --llm, so the packaged SmolLM2 writes the reply."""
    proc = run_cli(tmp_path, "--user", "ada", "--json", "I finally finished my thesis!")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["reply"].strip()
    assert data["degraded"] is False
    assert data["user_emotion"]["label"] == "joy"


def test_chat_answers_each_line_until_end_of_input(tmp_path):
    proc = run_cli(
        tmp_path,
        "--llm",
        "scripted:first answer|second answer",
        "--user",
        "ada",
        command="chat",
        stdin=b"I'm nervous about my exam\n\nI passed it!\n",
    )
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().splitlines()
    # Piped: one reply per line, no prompts (guided replies wrap the scripted words).
    assert len(lines) == 2, lines
    assert "first answer" in lines[0] and "second answer" in lines[1]
    assert "you>" not in proc.stdout.decode()
    assert "fear" in proc.stderr.decode()


def test_from_defaults_keeps_its_data_where_resonant_data_dir_says(tmp_path, monkeypatch):
    from resonant import Agent

    monkeypatch.setenv("RESONANT_DATA_DIR", str(tmp_path / "here"))
    with Agent.from_defaults(llm="scripted") as agent:
        agent.respond("ada", "Hello there")
    assert (tmp_path / "here" / "memory.sqlite").exists()


def analyze(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "resonant", "analyze", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_analyze_reads_json_lines_from_stdin_and_keeps_their_order():
    lines = [
        {"id": "1", "text": "I can't believe you remembered my birthday, thank you!"},
        {"id": "2", "text": "Okay."},
        {"id": "3", "text": "kms"},
    ]
    stdin = b"\n".join(json.dumps(line).encode() for line in lines) + b"\nnot json\n"
    proc = analyze(stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["1", "2", "3", None]
    assert out[0]["ekman"]["label"] == "joy" and "gratitude" in out[0]["labels"]
    assert out[1]["ekman"]["label"] == "neutral"
    assert out[2]["safety"] == {"flagged": True, "category": "suicide"}
    assert "not valid JSON" in out[3]["error"]


def test_analyze_files_with_a_progress_bar(tmp_path):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "My dog died and I miss him."}) + "\n")
    proc = analyze("--in", str(source), "--out", str(target))
    assert proc.returncode == 0, proc.stderr.decode()
    assert "analysing" in proc.stderr.decode()
    (result,) = [json.loads(line) for line in target.read_text().splitlines()]
    assert result["ekman"]["label"] == "sadness"
