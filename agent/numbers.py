"""How numbers read wherever they are shown: run tables, suite scorecards, live lines and pages.

    from agent.numbers import fmt_ms, fmt_x
    fmt_ms(rec.geomean_ms)      # "2.301", "197.600"; "-" when nothing was timed
    fmt_ms(197.6, narrow=True)  # "197.6": a suite's table
    fmt_x(1.2345)               # "1.23x"; "-" for None or 0

One home, so a run's table, a suite's table and the report agree on every digit. No rich, no torch:
the live display imports this before a run has started.
"""

from __future__ import annotations


def fmt_x(x: float | None) -> str:
    """A speedup; a missing (or zero: never measured) one is "-"."""
    return f"{x:.2f}x" if x else "-"


def fmt_ms(x: float | None, narrow: bool = False) -> str:
    """A GPU time in ms; interpreter time is never passed here (it is no speed). `narrow` (a suite's
    table, one more column than a run's): from 100 ms up one decimal, which is all such a time needs."""
    return "-" if x is None else f"{x:.1f}" if narrow and x >= 100 else f"{x:.3f}"


def fmt_err(x: float | None) -> str:
    return "-" if x is None else f"{x:.1e}"


def fmt_tokens(n: int | None) -> str:
    return "-" if n is None else f"{n / 1000:.1f}k" if n >= 10000 else str(n)
