"""`manual`: you are the LLM, answering each prompt in a file or on stdin."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from agent.llm.protocol import Completion, LLMError, Options
from agent.llm.replay import ReplayExhausted


class ManualLLM:
    """You are the LLM: each prompt is written to `inbox/NNN.prompt.md`; the reply is read from
    `inbox/NNN.reply.md` once it has content and has stopped changing for one poll (an empty file, as
    `touch` leaves, or one still being written is not a reply yet), or from stdin, ended by a line `EOF`,
    with `stdin=True`; stdin at its end means no more replies (ReplayExhausted, as a replay that ran out:
    the run stops and resumes with more). Numbers follow the replies the run has used: after a stop, `skip(k)` with the
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
            lines, ended = [], True
            for line in sys.stdin:
                if line.rstrip("\n") == "EOF":
                    ended = False
                    break
                lines.append(line)
            if ended and not lines:  # end of input, not an empty reply: there are no more replies
                raise ReplayExhausted(f"stdin ended: no more manual replies after {self.count - 1}")
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
            try:
                text = self._reply(stem)
            except ReplayExhausted as e:  # the replies read in this call are kept
                raise ReplayExhausted(str(e), dict(enumerate(out))) from None
            out.append(
                Completion(
                    text=text or "",
                    model="manual",
                    latency_s=time.monotonic() - t0,
                    error=None if text is not None else "no reply within the wait",
                )
            )
        return out


def from_spec(arg: str, o: Options) -> ManualLLM:
    """`manual`: prompts written to (and replies read from) the options' inbox folder, or stdin."""
    if o.inbox is None:
        raise LLMError("the manual provider needs a folder for its prompts")
    return ManualLLM(o.inbox, stdin=o.stdin)
