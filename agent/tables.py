"""Rich tables shared by the run, runs and promote commands.

    from agent.tables import attempts_table
    console.print(attempts_table(store.records(), best))

Every table fits an 80-column terminal, and reads the same piped (rich then uses 80 columns and no
colour): short fixed columns that never wrap, column heads abbreviated on purpose (`xeager`: speedup
over eager PyTorch), empty columns left out (no tokens from replay, no timings on a CPU), and the
messages below the table, wrapped, each cut to MESSAGE_CHARS characters. The whole message is in
`python -m agent.runs show RUN ATTEMPT`.
"""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from agent.history import Record
from agent.numbers import fmt_ms, fmt_x

MESSAGE_CHARS = 200  # at most 3 wrapped lines beside the id at 80 columns
UNTIMED = "timing unavailable (CPU interpreter: correctness only; the first correct attempt is the parent)"


def timed(records: list[Record]) -> bool:
    return any(r.geomean_ms is not None for r in records)


def short(text: str, n: int = MESSAGE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3].rstrip() + "..."


def message(r: Record) -> str:
    dup = f"same code as {r.duplicate_of}: its verdict. " if r.duplicate_of else ""
    return short(dup + r.message)


def compact(title: str | None = None) -> Table:
    """A table without vertical rules and with one space between columns."""
    return Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, title_justify="left")


def attempts_table(records: list[Record], best: Record | None, title: str = "attempts") -> Group:
    """The attempts, one row each, then each attempt's message (failures, duplicates, skips) as a
    wrapped line below the table: beside eight columns an 80-column terminal leaves it no room."""
    has_time = timed(records)
    rows, notes = [], []
    for r in records:
        if r.kind != "attempt":
            rows.append((r.id, r.stage, r.parent or "", Text("skipped", style="dim"), "", "", "", ""))
            notes.append((r.id, short(r.message)))
            continue
        mark = "*" if best is not None and r.id == best.id else ""
        tokens = f"{(r.prompt_tokens or 0) + (r.completion_tokens or 0)}" if r.prompt_tokens else ""
        rows.append(
            (
                r.id + mark,
                r.stage,
                r.parent or "",
                Text(r.status, style="green" if r.status == "correct" else "red"),
                fmt_ms(r.geomean_ms),
                fmt_x(r.speedup_vs_eager),
                fmt_x(r.speedup_vs_compile),
                tokens,
            )
        )
        if r.message or r.duplicate_of:
            notes.append((r.id, message(r)))
    cols = ("id", "stage", "parent", "status", "ms", "xeager", "xcomp", "tokens")
    timing_cols = ("ms", "xeager", "xcomp")
    keep = [
        i
        for i, c in enumerate(cols)
        if not (c in timing_cols and not has_time) and (c != "tokens" or any(row[i] for row in rows))
    ]
    star = "* best" if has_time else "* parent"
    caption = (
        f"{star}; ms: GPU median; xeager, xcomp: speedup over eager PyTorch, torch.compile"
        if has_time
        else f"{star}. {UNTIMED}"
    )
    t = compact(title)
    for i in keep:
        t.add_column(cols[i], no_wrap=True, justify="right" if cols[i] in timing_cols + ("tokens",) else "left")
    for row in rows:
        t.add_row(*(row[i] for i in keep))
    legend = Text(caption, style="dim")
    if not notes:
        return Group(t, legend)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold", ratio=1)
    for rid, text in notes:
        grid.add_row(rid, text)
    return Group(t, legend, Text("messages", style="bold"), grid)
