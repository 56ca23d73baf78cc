"""Every prompt fits the model's context, and an app's messages are used, never dropped:
its system messages become instructions, its history seeds a new conversation only."""

from resonant.llm.budget import CLIPPED_MARK, estimate_tokens, prompt_tokens
from resonant.llm.testing import ScriptedChatModel


def test_a_12_kb_message_is_fitted_to_a_2048_token_model(make_agent):
    llm = ScriptedChatModel(["I'm listening."], context_window=2048)
    agent = make_agent(llm)
    story = ("The commute was awful and my manager shouted again. " * 240) + "Am I overreacting?"
    assert len(story) > 12_000
    result = agent.respond("ada", story)
    assert not result.degraded
    prompt = llm.calls[-1]
    assert prompt_tokens(prompt, estimate_tokens) <= 2048 - 160
    assert prompt[-1]["content"].startswith(CLIPPED_MARK)
    assert prompt[-1]["content"].endswith("Am I overreacting?")
    assert result.usage["source"] == "estimate"
    assert result.usage["prompt_tokens"] == prompt_tokens(prompt, estimate_tokens)
    # The whole message is stored, whatever the model was shown.
    assert agent.export("ada")["turns"][0]["text"] == story


def test_history_seeds_a_new_conversation_and_stored_history_wins_afterwards(make_agent):
    llm = ScriptedChatModel(["Tell me more."])
    agent = make_agent(llm)
    seed = [
        {"role": "user", "content": "My sister is visiting next week."},
        {"role": "assistant", "content": "How do you feel about it?"},
    ]
    agent.respond("ada", "A bit anxious, honestly.", history=seed)
    assert llm.calls[-1][1:3] == seed
    agent.respond("ada", "She arrives Monday.", history=[{"role": "user", "content": "Other"}])
    shown = [m["content"] for m in llm.calls[-1]]
    assert "Other" not in shown
    assert "My sister is visiting next week." in shown
    assert "A bit anxious, honestly." in shown


def test_instructions_sit_under_the_persona_for_one_turn(make_agent):
    llm = ScriptedChatModel(["Okay."])
    agent = make_agent(llm)
    agent.respond("ada", "Hello", instructions="Reply in French.")
    system = llm.calls[-1][0]["content"]
    assert system.index("Willow") < system.index("Reply in French.")
    agent.respond("ada", "Hello again")
    assert "Reply in French." not in llm.calls[-1][0]["content"]


def test_a_sampling_control_the_backend_cannot_take_is_refused_before_the_turn(make_agent):
    import pytest

    from resonant.errors import InvalidTurnError

    agent = make_agent(ScriptedChatModel(["Okay."]))
    with pytest.raises(InvalidTurnError, match="top_p"):
        agent.respond("ada", "Hello", sampling={"top_p": 0.5})
    assert agent.export("ada")["turns"] == []
