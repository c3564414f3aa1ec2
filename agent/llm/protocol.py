"""What every LLM provider is and answers with: the `LLM` protocol, `Completion`, the errors the loop
handles, and the options make_llm hands a provider (agent.llm's face re-exports the public ones)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel


class LLMError(ValueError):
    """A provider that cannot be set up; one line for the user."""


# Said when no endpoint is configured, whether `--llm openai` was typed or picked by default.
NO_LLM = (
    "no LLM configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
    "OpenAI-compatible server) and use --llm openai, or --llm replay:PATH to replay "
    "replies, or --llm manual to answer the prompts yourself"
)


class LLMUnavailable(RuntimeError):
    """The LLM endpoint cannot answer at all (transport, auth, unknown model, retries exhausted). The
    message is one line for the user; `replies` holds the replies that did arrive before it failed
    ({sample index: Completion}), so they are kept and not asked for again."""

    def __init__(self, message: str, replies: dict[int, Completion] | None = None):
        super().__init__(message)
        self.replies = replies or {}


class Completion(BaseModel):
    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    error: str | None = None  # set when the request failed after the SDK's retries


class LLM(Protocol):
    name: str

    def complete(self, messages: list[dict], n: int) -> list[Completion]: ...


@dataclass(frozen=True)
class Options:
    """make_llm's settings, for whichever provider the spec picks; each provider reads the ones it needs."""

    model: str = "gpt-4o"
    temperature: float = 0.7
    base_url: str | None = None
    concurrency: int = 4
    timeout_s: float = 600.0
    max_retries: int = 2
    max_tokens: int | None = None
    inbox: Path | None = None  # manual: the folder for its prompts and replies
    stdin: bool = False  # manual: replies pasted on stdin instead of written to files
