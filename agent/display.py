"""The live display of a running command (agent.run, agent.suite): redrawn on a terminal, lines when piped.

    display = Display(console, status.render)          # status.render() -> a rich renderable
    with display:
        display.log("0001-1 (fusion) -> correct")      # piped: "[    41s] 0001-1 ...", flushed

On a terminal one live status is redrawn four times a second from `render` and `log` prints nothing
(the status already says it); piped or logged (`| tee run.log`) nothing is redrawn and each `log` is
one line with the seconds since the start, flushed as it happens. What to show is the caller's
(agent.run: one run's stage, attempts and best; agent.suite: one line per problem).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


class Display:
    def __init__(self, console: Console, render: Callable[[], RenderableType], transient: bool = False):
        self.console, self.t0 = console, time.monotonic()
        self.live = None
        if console.is_terminal:
            from rich.live import Live

            self.live = Live(console=console, refresh_per_second=4, transient=transient, get_renderable=render)

    @property
    def piped(self) -> bool:
        return self.live is None

    def __enter__(self):
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)

    def log(self, text: str) -> None:
        """One line when piped (on a terminal the live status shows it instead)."""
        if self.live is None:
            print(f"[{time.monotonic() - self.t0:6.0f}s] {text}", file=self.console.file, flush=True)
