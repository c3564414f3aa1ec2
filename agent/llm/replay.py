"""`replay:PATH`: replies read back in order, from a folder of files or an earlier run's history."""

from __future__ import annotations

import json
from pathlib import Path

from agent.llm.protocol import Completion, LLMError, Options


class ReplayExhausted(RuntimeError):
    """The replay source has no more replies: the natural end of a replayed run (or of a manual one whose
    stdin ended). `replies`: those that did arrive in the same call ({sample index: Completion}), kept."""

    def __init__(self, message: str, replies: dict | None = None):
        super().__init__(message)
        self.replies = replies or {}


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


def source_of(arg: str) -> Path:
    """PATH of `replay:PATH`, absolute; an empty one is refused (Path("") would be the current folder)."""
    if not arg.strip():
        raise LLMError("--llm replay: needs a folder or file of replies")
    return Path(arg).resolve()


def from_spec(arg: str, o: Options) -> ReplayLLM:
    """`replay:PATH`: PATH a folder of replies, one reply file, or a run (its history.jsonl)."""
    return ReplayLLM(source_of(arg))
