"""A candidate kernel module as data: its source text, its hash and where it came from.

    from evaluator import Candidate, evaluate
    cand = Candidate(source=reply_code, origin="runs/R/attempts/0001-1/code.py")
    cand.hash                       # normalized-source hash: the loop's dedup key and EvalResult.code_hash
    evaluate(cand, problem, config) # a Path works too (read once, here)

It travels as text from the LLM reply through the executors (a Ray task ships it as is) to the one file
the jailed process imports; nothing on the way reads it back from disk.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel


def code_hash(code: str) -> str:
    """Hash of the source with trailing whitespace and blank edges ignored (16 hex digits)."""
    normalized = "\n".join(line.rstrip() for line in code.strip().splitlines())
    return hashlib.sha256(normalized.encode()).hexdigest()[:16]


class Candidate(BaseModel):
    source: str
    origin: str = "candidate.py"  # shown in results and messages: the attempt's code.py, a user's file

    @property
    def hash(self) -> str:
        return code_hash(self.source)

    @classmethod
    def of(cls, candidate: Candidate | Path | str) -> Candidate:
        """A Candidate as is, or read from a file path (the CLI, tests, promote)."""
        if isinstance(candidate, Candidate):
            return candidate
        path = Path(candidate)
        return cls(source=path.read_text(encoding="utf-8"), origin=str(path))

    def write(self, folder: Path, name: str = "candidate.py") -> Path:
        """The file a child process imports (inside its own work folder)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(self.source, encoding="utf-8")
        return path
