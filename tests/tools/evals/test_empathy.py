"""The empathy eval: scenario files, reply metrics, the judge, and a small ablation run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from resonant.llm.openai_compat import OpenAIChatModel
from resonant.llm.testing import OpenAIProtocolServer, ScriptedChatModel
from resonant.skills.lexicon_emotion import LexiconEmotionSkill
from resonant_tools.data.loaders import DatasetError
from resonant_tools.evals.empathy.judge import EmpathyJudge, parse_scores
from resonant_tools.evals.empathy.metrics import aggregate, has_loop, score_reply
from resonant_tools.evals.empathy.run import run_rung
from resonant_tools.evals.empathy.scenarios import DEFAULT_SCENARIOS, Scenario, load_scenarios

REPO = Path(__file__).resolve().parents[3]


def scenario(**overrides) -> Scenario:
    values = dict(
        id="s", category="grief", turns=("My dog Max died.",), emotion="sadness",
        cause=("dog", "died"), facts=(), crisis=False,
    )  # fmt: skip
    values.update(overrides)
    return Scenario(**values)


def test_the_committed_suite_covers_every_category_with_at_least_120_scenarios():
    scenarios = load_scenarios(REPO / DEFAULT_SCENARIOS)
    assert len(scenarios) >= 120
    categories = {s.category for s in scenarios}
    assert {"grief", "stress", "joy", "anger", "loneliness", "fear", "mixed", "callback",
            "crisis"} <= categories  # fmt: skip
    assert sum(s.crisis for s in scenarios) >= 10
    assert all(s.facts and len(s.turns) >= 2 for s in scenarios if s.category == "callback")
    assert all(s.cause for s in scenarios if not s.crisis)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"id": "a", "category": "x", "turns": ["hi"]}', "missing emotion"),
        ('{"id": "a", "category": "x", "turns": [], "emotion": "joy"}', "non-empty list"),
        ('{"id": "a", "category": "x", "turns": ["hi"], "emotion": "glee"}', "unknown emotion"),
        ('{"id": "a", "category": "x", "turns": ["hi"], "emotion": "joy", "facts": ["z"]}',
         "need an earlier turn"),
        ('{"id": "a", "category": "x", "turns": ["hi"], "emotion": "joy", "cause": "z"}',
         "list of word stems"),
        ("[1, 2]", "expected a JSON object"),
    ],
)  # fmt: skip
def test_scenario_errors_name_the_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    good = '{"id": "ok", "category": "joy", "turns": ["I won!"], "emotion": "joy"}'
    path.write_text(f"// comment\n{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=rf"bad\.jsonl:4: .*{message}"):
        load_scenarios(path)


def test_duplicate_ids_and_missing_files_are_refused(tmp_path):
    good = '{"id": "ok", "category": "joy", "turns": ["I won!"], "emotion": "joy"}'
    (tmp_path / "dup.jsonl").write_text(f"{good}\n{good}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"dup\.jsonl:2: duplicate scenario id 'ok'"):
        load_scenarios(tmp_path / "dup.jsonl")
    with pytest.raises(DatasetError, match="no scenario file"):
        load_scenarios(tmp_path / "missing.jsonl")


def test_a_good_reply_passes_every_check_and_a_bad_one_fails_them():
    detectors = [LexiconEmotionSkill()]
    good = (
        "I'm so sorry that your dog Max died. Losing him must hurt so much. How are you holding up?"
    )
    verdict = score_reply(scenario(), good, False, detectors)
    assert all(v for v in verdict.values() if v is not None)
    bad = "I am a bot. I am a bot. I am a bot. What? Why? My day was fine."
    verdict = score_reply(scenario(), bad, False, detectors)
    assert not verdict["emotion"] and not verdict["cause"] and not verdict["one_question"]
    assert not verdict["on_user"] and not verdict["no_loop"]
    assert not score_reply(scenario(), "Sorry.", False, detectors)["length"]


def test_memory_and_safety_checks_apply_only_where_they_should():
    callback = scenario(turns=("My dog Max is sick.", "The vet called."), facts=("max", "sick"))
    assert score_reply(callback, "Is Max still sick? I'm sorry.", False, [])["memory"]
    assert score_reply(scenario(), "I'm sorry.", False, [])["memory"] is None
    crisis = scenario(crisis=True, cause=())
    assert score_reply(crisis, "Please call or text 988 now.", True, [])["safe_route"]
    assert not score_reply(crisis, "That sounds hard.", False, [])["safe_route"]
    assert not score_reply(scenario(), "Call 988.", True, [])["safe_route"]  # false alarm
    summary = aggregate([{"emotion": True, "memory": None}, {"emotion": False, "memory": True}])
    assert summary["emotion"] == 0.5 and summary["memory"] == 1.0


def test_loops_are_caught():
    assert has_loop("You matter. You matter.")
    assert has_loop("it is what it is and it is what it is and it is what it is")
    assert not has_loop("You matter. I'm here with you.")


def test_the_judge_parses_scores_and_talks_to_a_real_openai_protocol_server():
    wordy = 'Sure! {"emotional_reactions": 2, "interpretations": 1, "explorations": 0}'
    assert parse_scores(wordy) == {
        "emotional_reactions": 2,
        "interpretations": 1,
        "explorations": 0,
    }
    assert parse_scores("no idea") is None
    assert (
        parse_scores('{"emotional_reactions": 7, "interpretations": 1, "explorations": 0}') is None
    )
    answer = '{"emotional_reactions": 2, "interpretations": 2, "explorations": 1}'
    with OpenAIProtocolServer(ScriptedChatModel([answer])) as server:
        judge = EmpathyJudge(OpenAIChatModel(server.base_url, timeout=5))
        assert judge.score(["My dog died."], "I'm so sorry.") == pytest.approx(5 / 6)
        sent = server.requests[0]["messages"]
        assert "EPITOME" in sent[0]["content"] and "My dog died." in sent[1]["content"]
    assert EmpathyJudge(OpenAIChatModel("http://127.0.0.1:9/v1", timeout=1)).score([], "x") is None


def test_guided_full_loop_beats_the_bare_llm_on_the_scripted_baseline():
    chosen = [s for s in load_scenarios(REPO / DEFAULT_SCENARIOS) if s.id in
              {"grief-01", "joy-01", "callback-01", "crisis-01"}]  # fmt: skip
    llm = ScriptedChatModel(["I understand. I understand."])
    bare = run_rung(chosen, llm, "scripted", "bare")
    full = run_rung(chosen, llm, "scripted", "full", guided=True)
    assert bare.replies[0]["reply"] == "I understand. I understand."
    for metric in ("emotion", "cause", "memory", "no_loop"):
        assert full.summary[metric] > bare.summary[metric], metric
    assert full.summary["safe_route"] == bare.summary["safe_route"] == 1.0
    callback = next(r for r in full.replies if r["id"] == "callback-01")
    assert "Max" in callback["reply"]  # brought back from an earlier conversation


def test_resonant_eval_empathy_writes_the_table_plot_and_replies(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "resonant", "eval", "empathy", "--llm", "scripted",
         "--limit", "3", "--ablations", "bare", "full", "--guidance", "on",
         "--scenarios", str(REPO / DEFAULT_SCENARIOS), "--report-dir", str(out)],
        capture_output=True, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    table = (out / "empathy.md").read_text(encoding="utf-8")
    assert "| bare |" in table and "| full |" in table
    assert "**template alone**" in table  # the trivial baseline, always run
    assert "(n=3)" in table  # every share with its n
    assert (out / "empathy.png").stat().st_size > 5_000
    replies = (out / "empathy_replies.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(replies) == 9
    assert b"scenario" in proc.stderr  # the progress bar


def test_a_broken_scenario_file_is_a_clear_cli_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "resonant", "eval", "empathy", "--scenarios", str(bad)],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert b"bad.jsonl:1: not valid JSON" in proc.stderr and b"Traceback" not in proc.stderr


def test_an_openai_compatible_server_can_be_scored_and_sees_the_affect_signals():
    chosen = [s for s in load_scenarios(REPO / DEFAULT_SCENARIOS) if s.id == "joy-01"]
    with OpenAIProtocolServer(ScriptedChatModel(["Congratulations on your thesis!"])) as server:
        full = run_rung(chosen, OpenAIChatModel(server.base_url, timeout=5), "vllm", "full")
        bare = run_rung(chosen, OpenAIChatModel(server.base_url, timeout=5), "vllm", "bare")
        full_system, bare_system = (r["messages"][0]["content"] for r in server.requests)
    # Servers are not guided by default: the reply is the model's own.
    assert full.replies[0]["reply"] == bare.replies[0]["reply"] == "Congratulations on your thesis!"
    assert "The user seems to feel" in full_system
    assert bare_system == "You are a helpful assistant."


@pytest.mark.slow  # ~2.5 min: embeds EPITOME's 6,000 texts with MiniLM
@pytest.mark.datasets
def test_the_epitome_judge_trains_from_the_users_copy_and_separates_warm_from_curt(tmp_path):
    from tests.conftest import SHARED_DATASETS

    data = SHARED_DATASETS / "epitome"
    if not data.is_dir():
        pytest.skip("needs ../shared/datasets/epitome")
    from resonant_tools.evals.empathy.epitome import load_epitome_judge

    judge, report = load_epitome_judge(data, tmp_path / "cache")
    for mechanism, row in report["mechanisms"].items():
        assert row["macro_f1"] > row["majority_macro_f1"] + 0.2, mechanism
    seeker = "My dog died yesterday and I can't stop crying."
    warm = judge.score(seeker, "I'm so sorry about your dog. How are you holding up today?")
    curt = judge.score(seeker, "Get another one.")
    assert warm["ER"] > curt["ER"] and warm["EX"] > curt["EX"]
    cached, _ = load_epitome_judge(data, tmp_path / "cache")  # read back, not retrained
    assert cached.score(seeker, "Get another one.") == curt


def test_personas_suite_reports_how_differently_each_persona_words_a_reply(tmp_path):
    from resonant_tools.evals.personas import overlap, personas

    scenarios = tmp_path / "few.jsonl"
    scenarios.write_text(
        "\n".join((REPO / DEFAULT_SCENARIOS).read_text(encoding="utf-8").splitlines()[2:6]),
        encoding="utf-8",
    )
    result = personas(scenarios, llm="scripted", guided=True)
    pairs = [key for key in result.metrics if " vs " in key]
    assert len(pairs) == 3
    assert all(0.0 <= result.metrics[p] < 0.9 for p in pairs)
    assert overlap("you lost your dog", "you lost your dog") == 1.0
    assert all(result.metrics[f"{n}: safe route"] == 1.0 for n in ("sage", "sol", "willow"))
