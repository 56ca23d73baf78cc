"""LLM backends (embedded GGUF, OpenAI-compatible servers, scripted) and the prompt."""

from resonant.defaults import DEFAULT_LLM
from resonant.llm.base import ChatMessage, ChatModel
from resonant.llm.prompts import PromptInputs, build_messages
from resonant.llm.registry import load_chat_model

__all__ = [
    "DEFAULT_LLM",
    "ChatMessage",
    "ChatModel",
    "PromptInputs",
    "build_messages",
    "load_chat_model",
]
