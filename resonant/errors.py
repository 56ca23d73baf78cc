"""Errors that resonant raises on purpose, each with a message a user can act on.

Everything derives from `ResonantError`, so interfaces (CLI, server, UI) can turn any of
them into a clear message instead of a traceback.
"""


class ResonantError(Exception):
    """Base of all errors resonant raises deliberately."""


class InvalidTurnError(ResonantError, ValueError):
    """The user's turn cannot be processed (empty, too large, unknown user id format)."""


class UnknownPersonaError(ResonantError, LookupError):
    """No persona of that name or path exists."""


class LLMUnavailableError(ResonantError, ConnectionError):
    """The language model backend could not produce a reply (down, timed out, refused)."""


class BackendConfigError(ResonantError, ValueError):
    """A backend string or option is malformed, or its optional dependency is missing."""


class AudioInputError(ResonantError, ValueError):
    """Audio that cannot be used as a voice turn (empty, unreadable, too long)."""


class SoundDeviceError(ResonantError, RuntimeError):
    """No usable microphone or speaker for a live call."""


class MissingExtraError(BackendConfigError, ImportError):
    """An optional part is used without its extra installed; the message has the command.

    Also an ImportError, so code that guards an optional import keeps working.
    """

    def __init__(self, what: str, extra: str):
        self.extra = extra
        super().__init__(f'{what} needs the {extra} extra: pip install "resonant[{extra}]"')
