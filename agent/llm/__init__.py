"""One LLM seam: `complete(messages, n) -> list[Completion]`, whatever answers behind it.

    from agent.llm import make_llm
    llm = make_llm("openai", model="gpt-4o", temperature=0.7)      # OPENAI_API_KEY / OPENAI_BASE_URL
    llm = make_llm("replay:runs/2026-11-24-fusion-x")              # an earlier run's replies, in order
    llm = make_llm("replay:my_replies/")                           # *.md / *.txt / *.py files, sorted
    llm = make_llm("manual", inbox=Path("runs/X/manual"))          # you answer: a file or stdin
    [c.text for c in llm.complete([{"role": "user", "content": prompt}], n=4)]

Providers are interchangeable, one module each beside this file: `openai_chat` (`openai`), `replay`
(`replay:PATH`), `manual`. The types they share (`LLM`, `Completion`, the errors) live in `protocol`.
Adding a provider: a module here with a class that has `name` and `complete` (the `LLM` protocol;
`parallel_safe = True` when reply order does not matter, `skip(k)` when a resumed run must pass replies
already used) and a `from_spec(arg, options)`, plus its line in PROVIDERS below.

`openai` is the official SDK, so any OpenAI-compatible server works (vLLM, SGLang, Ollama, llama.cpp,
LiteLLM): retries (429, 5xx, connection errors) and timeouts are the SDK's own (`max_retries`,
`timeout`). What happens when a request still fails depends on why:

- the endpoint is unusable (connection refused or timed out, 401/403, model not found, 408/409/429/5xx
  after the retries): `LLMUnavailable` is raised, the run stops with one line and exit 3, nothing is
  recorded as an attempt, and `--resume` carries on once the endpoint works;
- the request itself was refused (400/422, e.g. a prompt over the context length): a Completion with
  `error` set, which the loop records as a failed attempt, since asking again would fail again.
"""

from __future__ import annotations

import os
from pathlib import Path

from agent.llm import manual, openai_chat, replay
from agent.llm.protocol import LLM, NO_LLM, Completion, LLMError, LLMUnavailable, Options
from agent.llm.replay import ReplayExhausted

__all__ = ["LLM", "Completion", "LLMError", "LLMUnavailable", "ReplayExhausted", "make_llm", "resolve_spec"]

# The spec names the provider -> its from_spec(argument, options). A name ending in ":" takes the rest of
# the spec as its argument (`replay:PATH`); the others match exactly.
PROVIDERS = {
    "openai": openai_chat.from_spec,
    "replay:": replay.from_spec,
    "manual": manual.from_spec,
}


def resolve_spec(spec: str | None, base_url: str | None = None) -> str:
    """The provider a run uses: `spec` as given, or for None `openai` when OPENAI_API_KEY or
    OPENAI_BASE_URL (or a base URL) is set. Saved in the run's config.json, so the record says what ran."""
    if spec is not None:
        return spec
    if base_url or os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        return "openai"
    raise LLMError(NO_LLM)


def make_llm(
    spec: str | None,
    *,
    model: str = "gpt-4o",
    temperature: float = 0.7,
    base_url: str | None = None,
    concurrency: int = 4,
    timeout_s: float = 600.0,
    max_retries: int = 2,
    max_tokens: int | None = None,
    inbox: Path | None = None,
    stdin: bool = False,
) -> LLM:
    """`openai`, `replay:PATH`, `manual`, or None: openai if OPENAI_API_KEY/OPENAI_BASE_URL is set."""
    spec = resolve_spec(spec, base_url)
    options = Options(
        model=model,
        temperature=temperature,
        base_url=base_url,
        concurrency=concurrency,
        timeout_s=timeout_s,
        max_retries=max_retries,
        max_tokens=max_tokens,
        inbox=inbox,
        stdin=stdin,
    )
    for name, from_spec in PROVIDERS.items():
        if spec == name or (name.endswith(":") and spec.startswith(name)):
            return from_spec(spec.removeprefix(name), options)
    names = [f"{n}PATH" if n.endswith(":") else n for n in PROVIDERS]
    raise LLMError(f"unknown LLM provider {spec!r}: use {', '.join(names[:-1])} or {names[-1]}")
