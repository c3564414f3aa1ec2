"""One static finding: the rule it breaks (a slug), its line and a sentence an LLM can act on. Its own
module, so that the bans and the host-code contract, which each report findings, need not import each other
both ways."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Finding:
    rule: str
    line: int
    message: str
