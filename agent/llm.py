"""One LLM seam: `complete(messages, n) -> list[Completion]`, whatever answers behind it.

    from agent.llm import make_llm
    llm = make_llm("openai", model="gpt-4o", temperature=0.7)      # OPENAI_API_KEY / OPENAI_BASE_URL
    llm = make_llm("replay:runs/2026-11-24-fusion-x")              # an earlier run's replies, in order
    llm = make_llm("replay:my_replies/")                           # *.md / *.txt / *.py files, sorted
    llm = make_llm("manual", inbox=Path("runs/X/manual"))          # you answer: a file or stdin
    [c.text for c in llm.complete([{"role": "user", "content": prompt}], n=4)]

Providers are interchangeable. `openai` is the official SDK, so any OpenAI-compatible server works
(vLLM, SGLang, Ollama, llama.cpp, LiteLLM): retries (429, 5xx, connection errors) and timeouts are the
SDK's own (`max_retries`, `timeout`). What happens when a request still fails depends on why:

- the endpoint is unusable (connection refused or timed out, 401/403, model not found, 408/409/429/5xx
  after the retries): `LLMUnavailable` is raised, the run stops with one line and exit 3, nothing is
  recorded as an attempt, and `--resume` carries on once the endpoint works;
- the request itself was refused (400/422, e.g. a prompt over the context length): a Completion with
  `error` set, which the loop records as a failed attempt, since asking again would fail again.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel


class LLMError(ValueError):
    """A provider that cannot be set up; one line for the user."""


class LLMUnavailable(RuntimeError):
    """The LLM endpoint cannot answer at all (transport, auth, unknown model, retries exhausted). The
    message is one line for the user; `replies` holds the replies that did arrive before it failed
    ({sample index: Completion}), so they are kept and not asked for again."""

    def __init__(self, message: str, replies: dict[int, Completion] | None = None):
        super().__init__(message)
        self.replies = replies or {}


class ReplayExhausted(RuntimeError):
    """The replay source has no more replies: the natural end of a replayed run."""


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


class OpenAILLM:
    """Chat completions through the official SDK; n samples as n concurrent requests (many servers
    ignore or reject the `n` parameter), at most `concurrency` in flight."""

    def __init__(
        self,
        model: str,
        temperature: float = 0.7,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 600.0,
        max_retries: int = 2,
        concurrency: int = 4,
        max_tokens: int | None = None,
    ):
        import openai

        self.model, self.temperature, self.max_tokens = model, temperature, max_tokens
        self.concurrency = max(1, concurrency)
        self.name = f"openai:{model}"
        self.parallel_safe = True  # replies do not depend on the order of requests
        # A local server needs no key, but the SDK insists on one.
        key = api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        self.client = openai.OpenAI(
            api_key=key,
            base_url=base_url or os.environ.get("OPENAI_BASE_URL"),
            timeout=timeout_s,
            max_retries=max_retries,
        )
        self.max_retries = max_retries

    def unavailable(self, e: Exception) -> LLMUnavailable | None:
        """The one-line reason this error means the endpoint is unusable, or None when only this request
        was refused (400, 422: the prompt, not the endpoint)."""
        import openai

        where = f"{self.client.base_url}".rstrip("/")
        after = f" (after {self.max_retries} retr{'y' if self.max_retries == 1 else 'ies'})"
        detail = " ".join(str(getattr(e, "message", e)).split())[:200]
        if isinstance(e, openai.APITimeoutError):
            why = f"the LLM endpoint {where} did not answer within {self.client.timeout}s{after}"
        elif isinstance(e, openai.APIConnectionError):
            cause = e.__cause__ or e.__context__
            why = f"cannot reach the LLM endpoint {where}: {' '.join(str(cause or e).split())[:200]}{after}"
        elif isinstance(e, (openai.AuthenticationError, openai.PermissionDeniedError)):
            why = f"the LLM endpoint {where} refused the credentials ({e.status_code}: {detail}); check OPENAI_API_KEY"
        elif isinstance(e, openai.NotFoundError):
            why = (
                f"model {self.model!r} or the API path was not found at {where} (404: {detail}); "
                "check --model and --base-url"
            )
        elif isinstance(e, openai.APIStatusError) and e.status_code in (400, 422):
            return None
        elif isinstance(e, openai.APIStatusError):
            why = f"the LLM endpoint {where} kept failing: {e.status_code} {detail}{after}"
        else:
            why = f"the LLM request to {where} failed: {type(e).__name__}: {detail}"
        return LLMUnavailable(why)

    def _one(self, messages: list[dict]) -> Completion:
        import openai

        t0 = time.monotonic()
        try:
            kwargs = {"max_tokens": self.max_tokens} if self.max_tokens else {}
            r = self.client.chat.completions.create(
                model=self.model, messages=messages, temperature=self.temperature, **kwargs
            )
        except openai.APIError as e:  # after the SDK's own retries
            fatal = self.unavailable(e)
            if fatal is not None:
                raise fatal from None
            return Completion(
                text="", model=self.model, latency_s=time.monotonic() - t0, error=f"{type(e).__name__}: {e}"[:500]
            )
        text = (r.choices[0].message.content or "") if r.choices else ""
        usage = r.usage
        return Completion(
            text=text,
            model=r.model or self.model,
            latency_s=time.monotonic() - t0,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )

    def complete(self, messages: list[dict], n: int) -> list[Completion]:
        with ThreadPoolExecutor(max_workers=min(n, self.concurrency)) as pool:
            futures = [pool.submit(self._one, messages) for _ in range(n)]
        errors = [f.exception() for f in futures if f.exception() is not None]
        if errors:  # the replies that did arrive are handed back with the error, to be kept
            if not isinstance(errors[0], LLMUnavailable):
                raise errors[0]
            raise LLMUnavailable(
                str(errors[0]), {i: f.result() for i, f in enumerate(futures) if f.exception() is None}
            )
        return [f.result() for f in futures]


REPLY_SUFFIXES = (".md", ".txt", ".py")


class ReplayLLM:
    """Replies read in order: from a folder of files (sorted by name) or from an earlier run's
    history (its attempts' raw replies, in attempt order). Running out is an error, not a silence."""

    def __init__(self, source: Path):
        self.name = f"replay:{source}"
        self.replies = self._load(source)
        if not self.replies:
            raise LLMError(f"replay source {source} holds no replies (*.md, *.txt, *.py or a run's history.jsonl)")
        self.used = 0

    @staticmethod
    def _load(source: Path) -> list[str]:
        if not source.exists():
            raise LLMError(f"replay source not found: {source}")
        history = source / "history.jsonl" if source.is_dir() else source
        if history.name == "history.jsonl" and history.is_file():
            replies = []
            for line in history.read_text(encoding="utf-8").splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                reply = history.parent / "attempts" / str(rec.get("id")) / "reply.md"
                if rec.get("kind") == "attempt" and reply.is_file():
                    replies.append(reply.read_text(encoding="utf-8"))
            return replies
        if source.is_file():
            return [source.read_text(encoding="utf-8")]
        return [
            p.read_text(encoding="utf-8")
            for p in sorted(source.iterdir())
            if p.suffix in REPLY_SUFFIXES and p.is_file()
        ]

    def skip(self, k: int) -> None:
        """On resume: replies already consumed by finished attempts are not replayed again."""
        self.used = min(len(self.replies), self.used + k)

    def complete(self, messages: list[dict], n: int) -> list[Completion]:
        if self.used + n > len(self.replies):
            raise ReplayExhausted(f"{self.name} ran out of replies after {self.used}")
        out = [Completion(text=t, model="replay") for t in self.replies[self.used : self.used + n]]
        self.used += n
        return out


class ManualLLM:
    """You are the LLM: each prompt is written to `inbox/NNN.prompt.md`; the reply is read from
    `inbox/NNN.reply.md` once it has content and has stopped changing for one poll (an empty file, as
    `touch` leaves, or one still being written is not a reply yet), or from stdin, ended by a line `EOF`,
    with `stdin=True`. Numbers follow the replies the run has used: after a stop, `skip(k)` with the
    k replies already recorded makes the next prompt k+1 again, so a reply written while the run was
    stopped is the one read on resume."""

    def __init__(self, inbox: Path, stdin: bool = False, poll_s: float = 1.0, wait_s: float | None = None):
        self.inbox, self.stdin, self.poll_s, self.wait_s = inbox, stdin, poll_s, wait_s
        self.name = "manual"
        self.count = 0  # replies handed out so far

    def skip(self, k: int) -> None:
        """On resume: k replies were already used by recorded attempts."""
        self.count = k

    def _reply(self, stem: str) -> str | None:
        reply = self.inbox / f"{stem}.reply.md"
        if self.stdin:
            print(
                f"[manual] prompt written to {self.inbox / (stem + '.prompt.md')}; paste the reply, "
                "end with a line EOF",
                file=sys.stderr,
            )
            lines = []
            for line in sys.stdin:
                if line.rstrip("\n") == "EOF":
                    break
                lines.append(line)
            return "".join(lines)
        print(f"[manual] waiting for {reply}", file=sys.stderr)
        t0, last = time.monotonic(), None
        while True:
            text = reply.read_text(encoding="utf-8", errors="replace") if reply.is_file() else ""
            if text.strip() and text == last:  # content, unchanged since the last poll: written
                return text
            if self.wait_s is not None and time.monotonic() - t0 > self.wait_s:
                return None
            last = text
            time.sleep(self.poll_s)

    def complete(self, messages: list[dict], n: int) -> list[Completion]:
        self.inbox.mkdir(parents=True, exist_ok=True)
        out = []
        for _ in range(n):
            self.count += 1
            stem = f"{self.count:03d}"
            (self.inbox / f"{stem}.prompt.md").write_text(messages[-1]["content"], encoding="utf-8")
            t0 = time.monotonic()
            text = self._reply(stem)
            out.append(
                Completion(
                    text=text or "",
                    model="manual",
                    latency_s=time.monotonic() - t0,
                    error=None if text is not None else "no reply within the wait",
                )
            )
        return out


def resolve_spec(spec: str | None, base_url: str | None = None) -> str:
    """The provider a run uses: `spec` as given, or for None `openai` when OPENAI_API_KEY or
    OPENAI_BASE_URL (or a base URL) is set. Saved in the run's config.json, so the record says what ran."""
    if spec is not None:
        return spec
    if base_url or os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        return "openai"
    raise LLMError(
        "no LLM configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
        "OpenAI-compatible server) and use --llm openai, or --llm replay:PATH to replay "
        "replies, or --llm manual to answer the prompts yourself"
    )


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
    if spec == "openai":
        return OpenAILLM(
            model,
            temperature,
            base_url=base_url,
            concurrency=concurrency,
            timeout_s=timeout_s,
            max_retries=max_retries,
            max_tokens=max_tokens,
        )
    if spec.startswith("replay:"):
        return ReplayLLM(Path(spec.removeprefix("replay:")))
    if spec == "manual":
        if inbox is None:
            raise LLMError("the manual provider needs a folder for its prompts")
        return ManualLLM(inbox, stdin=stdin)
    raise LLMError(f"unknown LLM provider {spec!r}: use openai, replay:PATH or manual")
