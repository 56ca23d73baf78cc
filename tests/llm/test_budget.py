"""Prompts fit the model's context: history goes first, then the start of a long message."""

from resonant.llm.base import TokenUsage
from resonant.llm.budget import (
    CLIPPED_MARK,
    estimate_tokens,
    fit_messages,
    prompt_tokens,
    token_counter,
    usage_of,
)
from resonant.llm.testing import ScriptedChatModel


def words(text):
    return len(text.split())


SYSTEM = {"role": "system", "content": "You are a warm listener. " * 5}


def test_a_prompt_that_fits_is_left_alone():
    messages = [SYSTEM, {"role": "user", "content": "hello there"}]
    assert fit_messages(messages, words, 1_000) == messages


def test_history_goes_oldest_first_before_the_message_is_touched():
    history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i} " * 20}
        for i in range(6)
    ]
    last = {"role": "user", "content": "and today was better"}
    budget = prompt_tokens([SYSTEM, *history[-2:], last], words)
    fitted = fit_messages([SYSTEM, *history, last], words, budget)
    assert fitted == [SYSTEM, *history[-2:], last]


def test_a_huge_message_keeps_its_end_and_says_it_was_clipped():
    story = " ".join(f"w{i}" for i in range(5_000)) + " and that is why I cannot sleep"
    fitted = fit_messages([SYSTEM, {"role": "user", "content": story}], words, 300)
    assert prompt_tokens(fitted, words) <= 300
    assert fitted[0] == SYSTEM
    kept = fitted[-1]["content"]
    assert kept.startswith(CLIPPED_MARK)
    assert kept.endswith("and that is why I cannot sleep")
    assert prompt_tokens(fitted, words) > 250  # clipped to the budget, not far below it


def test_usage_prefers_what_the_server_reported():
    model = ScriptedChatModel()
    messages = [{"role": "user", "content": "x" * 40}]
    reported = TokenUsage(12, 7, "llm server")
    assert usage_of(model, messages, "a reply", [reported]) == reported
    counted = usage_of(model, messages, "a reply", [])
    assert counted.source == "estimate"
    assert counted.completion_tokens == estimate_tokens("a reply")
    assert token_counter(model)[1] == "estimate"
