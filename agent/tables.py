"""Rich tables and number formats shared by the run, runs and promote commands.

    from agent.tables import attempts_table
    console.print(attempts_table(store.records(), best))
"""
from __future__ import annotations

from rich.table import Table
from rich.text import Text

from agent.history import Record


def fmt_x(x: float | None) -> str:
    return f"{x:.2f}x" if x else "-"


def fmt_ms(rec: Record) -> str:
    if rec.median_ms is not None:
        return f"{rec.median_ms:.3f}"
    return f"{rec.interpreter_ms:.0f} cpu" if rec.interpreter_ms is not None else "-"


def attempts_table(records: list[Record], best: Record | None, title: str = "attempts") -> Table:
    rows = []
    for r in records:
        if r.kind != "attempt":
            rows.append((r.id, r.stage, r.parent or "", Text("skipped", style="dim"), "", "", "", "", r.message))
            continue
        mark = " *" if best is not None and r.id == best.id else ""
        tokens = f"{(r.prompt_tokens or 0) + (r.completion_tokens or 0)}" if r.prompt_tokens else ""
        rows.append((r.id + mark, r.stage, r.parent or "",
                     Text(r.status, style="green" if r.status == "correct" else "red"), fmt_ms(r),
                     fmt_x(r.speedup_vs_eager), fmt_x(r.speedup_vs_compile), tokens, r.message))
    cols = ("id", "stage", "parent", "status", "ms", "vs eager", "vs compile", "tokens", "message")
    keep = [i for i, c in enumerate(cols) if c != "tokens" or any(row[i] for row in rows)]
    t = Table(title=title)
    for i in keep:  # the full message is in history.jsonl and result.json; the table shows its start
        t.add_column(cols[i], no_wrap=True, overflow="ellipsis", max_width=48 if cols[i] == "message" else None)
    for row in rows:
        t.add_row(*(row[i] for i in keep))
    return t
