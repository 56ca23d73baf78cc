"""Choosing an LLM backend by a string, each import inside its own branch.

"smollm2"                          the embedded SmolLM2-135M (llama-cpp-python)
"gguf:/path/model.gguf"            any local GGUF file
"openai:http://host:8000/v1"       any OpenAI-compatible server (vLLM); append
                                   "#model-name" to pick the served model
"scripted" / "scripted:A|B"        the test double, replying A, then B, ...
"""

from __future__ import annotations

from resonant.defaults import DEFAULT_LLM_TIMEOUT_S
from resonant.errors import BackendConfigError
from resonant.llm.base import ChatModel


def load_chat_model(
    spec: str, *, api_key: str | None = None, timeout: float = DEFAULT_LLM_TIMEOUT_S
) -> ChatModel:
    """Build the chat model a backend string names.

    Raises:
        BackendConfigError: the string names no known backend.
    """
    kind, _, rest = spec.partition(":")
    if kind == "smollm2" and not rest:
        from resonant.llm.llama_cpp import smollm2

        return smollm2()
    if kind == "gguf" and rest:
        from resonant.llm.llama_cpp import LlamaCppChatModel

        return LlamaCppChatModel(rest)
    if kind == "openai" and rest:
        from resonant.llm.openai_compat import OpenAIChatModel

        url, _, model = rest.partition("#")
        if not url.startswith(("http://", "https://")):
            raise BackendConfigError(f"openai backend needs an http(s) URL, got {url!r}")
        return OpenAIChatModel(url, model=model or None, api_key=api_key, timeout=timeout)
    if kind == "scripted":
        from resonant.llm.testing import DEFAULT_SCRIPT, ScriptedChatModel

        return ScriptedChatModel(rest.split("|") if rest else DEFAULT_SCRIPT)
    raise BackendConfigError(
        f"unknown LLM backend {spec!r}; use 'smollm2', 'gguf:PATH', "
        "'openai:http://HOST:PORT/v1[#MODEL]' or 'scripted[:reply|reply]'"
    )
