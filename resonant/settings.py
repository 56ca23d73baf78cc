"""Configuration read from the environment (prefix ``RESONANT_``), used at the edges only.

The CLI, the server and the UI build one `Settings`; library constructors take explicit
arguments instead, so embedding resonant never depends on environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from inspect import signature
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from resonant.defaults import (
    DEFAULT_FINISHED_SILENCE_MS,
    DEFAULT_HOST,
    DEFAULT_LLM,
    DEFAULT_LLM_TIMEOUT_S,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_PERSONA,
    DEFAULT_PORT,
    DEFAULT_RATE_LIMIT_PER_MINUTE,
    DEFAULT_RECALL_K,
    DEFAULT_SERVE_VOICE,
    DEFAULT_SILENCE_MS,
    DEFAULT_STT,
    DEFAULT_STT_WINDOW,
    DEFAULT_TTS,
    DEFAULT_TURN_TAKING,
)


def default_data_dir() -> Path:
    """`RESONANT_DATA_DIR`, else `$XDG_DATA_HOME/resonant` (~/.local/share/resonant): the
    CLI, `Settings` and `Agent.from_defaults()` all start from here."""
    chosen = os.environ.get("RESONANT_DATA_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "resonant"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESONANT_", extra="ignore")

    llm: str = Field(DEFAULT_LLM, description="LLM backend string, e.g. openai:http://vllm:8000/v1")
    llm_api_key: str | None = Field(None, description="Bearer token for an OpenAI-compatible LLM")
    llm_timeout: float = Field(
        DEFAULT_LLM_TIMEOUT_S, gt=0, description="Seconds to wait on the LLM server"
    )
    guidance: bool | None = Field(
        None, description="Detector-guided replies; default: on for local GGUF models only"
    )
    persona: str = Field(DEFAULT_PERSONA, description="Persona name or YAML path")
    data_dir: Path = Field(default_factory=default_data_dir, description="Where state is kept")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the memory store; default: SQLite in data_dir"
    )
    skills: list[str] | None = Field(
        None, description="Skill names; default: the default built-ins and installed plugins"
    )
    embedder: str | None = Field(None, description="sentence-transformers model id or path")
    recall_k: int = Field(DEFAULT_RECALL_K, ge=0, le=20, description="Memories recalled per turn")
    host: str = Field(DEFAULT_HOST, description="Address `resonant serve` listens on")
    port: int = Field(DEFAULT_PORT, ge=1, le=65535, description="Port of `resonant serve`")
    max_body_bytes: int = Field(
        DEFAULT_MAX_BODY_BYTES, gt=0, description="Larger request bodies get 413"
    )
    rate_limit_per_minute: int = Field(
        DEFAULT_RATE_LIMIT_PER_MINUTE, gt=0, description="Requests per key per minute"
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL: rate limits shared by every server process; default: per process",
    )
    voice: bool = Field(
        DEFAULT_SERVE_VOICE,
        description="`resonant serve`: live voice calls on the WebSocket /v1/voice (voice extra)",
    )
    stt_model: str = Field(DEFAULT_STT, description="faster-whisper model name or folder")
    stt_window: str = Field(
        DEFAULT_STT_WINDOW,
        description="Whisper reads the speech plus 6 s (fit: faster, English models) or 30 s",
    )
    tts: str = Field(
        DEFAULT_TTS, description="TTS backend: auto | piper[:ONNX] | espeak[:VOICE] | coqui:MODEL"
    )
    silence_ms: int = Field(
        DEFAULT_SILENCE_MS, ge=100, le=5000, description="Pause that ends a spoken turn in a call"
    )
    finished_silence_ms: int = Field(
        DEFAULT_FINISHED_SILENCE_MS,
        ge=100,
        le=5000,
        description="Calls with turn_taking: the pause that ends a turn after a sentence that "
        "sounds finished (shorter answers sooner and cuts off more people who pause)",
    )
    turn_taking: bool = Field(
        DEFAULT_TURN_TAKING,
        description="Calls: transcribe at every pause and end a turn by what was said "
        "(sooner after a finished sentence, later after 'and...'); off: after silence_ms",
    )


def settings_arguments(settings: Settings, function: Callable[..., Any]) -> dict[str, Any]:
    """The keyword arguments of `function` that `settings` has a field of the same name
    for: how `Agent.from_settings` and `VoiceAgent.from_settings` are wired, so a new
    setting needs a field and a parameter, and nothing in between."""
    fields = type(settings).model_fields
    return {
        name: getattr(settings, name) for name in signature(function).parameters if name in fields
    }
