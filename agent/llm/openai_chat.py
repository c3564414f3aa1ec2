"""`openai`: chat completions from any OpenAI-compatible server through the official SDK (OpenAI itself,
vLLM, SGLang, Ollama, llama.cpp, LiteLLM). Named openai_chat so that it never stands in for the SDK's
own `openai` package."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from agent.llm.protocol import NO_LLM, Completion, LLMError, LLMUnavailable, Options


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


def from_spec(arg: str, o: Options) -> OpenAILLM:
    """`openai`: OPENAI_API_KEY / OPENAI_BASE_URL, or the options' base URL. With none of them there is no
    endpoint to ask (the SDK would go to api.openai.com without a key): LLMError, as without --llm."""
    if not (o.base_url or os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")):
        raise LLMError(NO_LLM)
    return OpenAILLM(
        o.model,
        o.temperature,
        base_url=o.base_url,
        concurrency=o.concurrency,
        timeout_s=o.timeout_s,
        max_retries=o.max_retries,
        max_tokens=o.max_tokens,
    )
