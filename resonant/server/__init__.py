"""The HTTP server: OpenAI-compatible and native endpoints behind per-tenant API keys."""

from resonant.server.app import create_app
from resonant.server.keys import KeyRing

__all__ = ["KeyRing", "create_app"]
