"""The core's own exceptions; each face (CLI, HTTP, Telegram) maps them to its answer."""


class NudgeError(Exception):
    """Base of every error the core raises on purpose; its message is meant for the user."""


class ParseError(NudgeError):
    """The input is not a readable WhatsApp export."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None) -> None:
        where = source + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.line = line


class InputError(NudgeError):
    """A request or argument is malformed (maps to HTTP 400 / CLI exit 2)."""


class NotFound(NudgeError):
    """A named thing (chat, contact, reminder) does not exist."""


class LLMUnavailable(NudgeError):
    """The LLM service could not be reached or gave no usable answer."""


class LLMBadOutput(LLMUnavailable):
    """The LLM answered, but not in the asked shape (a tiny model's truncated or invalid JSON)."""


class AudioRejected(NudgeError):
    """The speech model heard the file and refused it (not audio, damaged, too long): retrying
    will not help, so the message gets a "could not transcribe" status instead."""
