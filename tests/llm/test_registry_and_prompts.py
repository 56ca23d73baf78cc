import pytest

from resonant.affect import VAD
from resonant.errors import BackendConfigError
from resonant.llm import PromptInputs, build_messages, load_chat_model
from resonant.llm.budget import CLIPPED_MARK
from resonant.llm.openai_compat import OpenAIChatModel
from resonant.llm.prompts import MAX_PROMPT_CHARS, describe_vad
from resonant.llm.testing import ScriptedChatModel
from resonant.persona import load_persona


def test_backend_strings_choose_the_backend():
    openai = load_chat_model("openai:http://localhost:8000/v1#Qwen/Qwen2.5-1.5B-Instruct")
    assert isinstance(openai, OpenAIChatModel)
    assert openai.model == "Qwen/Qwen2.5-1.5B-Instruct"
    assert openai.base_url == "http://localhost:8000/v1"
    openai.close()
    scripted = load_chat_model("scripted:first|second")
    assert isinstance(scripted, ScriptedChatModel)
    assert "".join(scripted.stream([])) == "first"
    assert "".join(scripted.stream([])) == "second"


@pytest.mark.parametrize("spec", ["gpt4", "openai:localhost:8000", "smollm2:extra", ""])
def test_bad_backend_strings_are_clear_errors(spec):
    with pytest.raises(BackendConfigError):
        load_chat_model(spec)


def inputs(**overrides):
    values = dict(
        persona=load_persona("willow"),
        agent_vad=VAD(-0.4, -0.5, 0.5),
        user_text="My dog died last night.",
        emotion="sadness",
        emotion_confidence=0.8,
        cause="my dog died last night",
        memories=["My dog Rex is 14 years old"],
        history=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
    )
    values.update(overrides)
    return PromptInputs(**values)


def test_prompt_carries_persona_mood_emotion_cause_and_memories():
    messages = build_messages(inputs())
    system = messages[0]["content"]
    assert messages[0]["role"] == "system"
    assert "Willow" in system
    assert "sadness, because my dog died last night" in system
    assert "My dog Rex is 14 years old" in system
    assert describe_vad(VAD(-0.4, -0.5, 0.5)) in system
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "user"]
    assert messages[-1]["content"] == "My dog died last night."


def test_low_confidence_emotion_is_not_asserted():
    system = build_messages(inputs(emotion="anger", emotion_confidence=0.1, cause=None))[0][
        "content"
    ]
    assert "anger" not in system
    assert "because" not in system


def test_crisis_adds_the_safety_instructions():
    system = build_messages(inputs(crisis_category="self_harm"))[0]["content"]
    assert "self harm" in system
    assert "crisis line" in system


def test_huge_turns_are_clipped_to_the_prompt_budget_keeping_their_end():
    messages = build_messages(inputs(user_text="a" * 100_000 + " so what now?"))
    content = messages[-1]["content"]
    assert len(content) == len(CLIPPED_MARK) + MAX_PROMPT_CHARS
    assert content.startswith(CLIPPED_MARK) and content.endswith(" so what now?")
