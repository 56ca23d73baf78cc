"""Configuration read from the environment (prefix ``RESONANT_``), used at the edges only.

The CLI, the server and the UI build one `Settings`; library constructors take explicit
arguments instead, so embedding resonant never depends on environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from resonant.llm.registry import DEFAULT_LLM
from resonant.persona.loader import DEFAULT_PERSONA
from resonant.voice import DEFAULT_SILENCE_MS, DEFAULT_STT, DEFAULT_TTS


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
    llm_timeout: float = Field(30.0, gt=0, description="Seconds to wait on the LLM server")
    guidance: bool | None = Field(
        None, description="Detector-guided replies; default: on for local GGUF models only"
    )
    persona: str = Field(DEFAULT_PERSONA, description="Persona name or YAML path")
    data_dir: Path = Field(default_factory=default_data_dir, description="Where state is kept")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the memory store; default: SQLite in data_dir"
    )
    skills: list[str] | None = Field(None, description="Skill names; default: all built-ins")
    embedder: str | None = Field(None, description="sentence-transformers model id or path")
    recall_k: int = Field(3, ge=0, le=20, description="Memories recalled per turn")
    host: str = Field("127.0.0.1", description="Address `resonant serve` listens on")
    port: int = Field(8080, ge=1, le=65535, description="Port of `resonant serve`")
    max_body_bytes: int = Field(256_000, gt=0, description="Larger request bodies get 413")
    rate_limit_per_minute: int = Field(120, gt=0, description="Requests per key per minute")
    redis_url: str | None = Field(
        None,
        description="Redis URL: rate limits shared by every server process; default: per process",
    )
    stt_model: str = Field(DEFAULT_STT, description="faster-whisper model name or folder")
    tts: str = Field(
        DEFAULT_TTS, description="TTS backend: auto | piper[:ONNX] | espeak[:VOICE] | coqui:MODEL"
    )
    silence_ms: int = Field(
        DEFAULT_SILENCE_MS, ge=100, le=5000, description="Pause that ends a spoken turn in a call"
    )
