"""An HTML report of one run: a plot of the attempts and the attempts table, with each attempt's code.

    from agent.report import write_report
    path = write_report(store)        # runs/<run>/report.html (+ speedup.png beside it)

The plot has two parts sharing the attempt axis. On top, for a run timed on a GPU, the speedup over
torch.compile of every timed attempt and the best-so-far line; failed attempts are not drawn there
(a failure has no speed, and a point at 0 would read as "speedup 0"). Below, a status strip: one
mark per attempt on the status ladder (static error ... correct). A CPU-only run has no timings, so
it gets the status strip alone, titled as such. Legends sit outside the axes, so they hide no point.
The table leaves out columns that are empty for the whole run (timings on a CPU, tokens in replay),
folds long messages into a one-line summary that opens on click, and each row opens its code.
"""

from __future__ import annotations

import html
from pathlib import Path

from agent.archive import best_of, is_better
from agent.history import Record, RunStore, write_atomic
from agent.page import figure, img, page, png_bytes

LADDER = ["static_error", "compile_error", "runtime_error", "timeout", "crashed", "incorrect", "correct"]


def plot_png(records: list[Record]) -> bytes:
    attempts = [r for r in records if r.kind == "attempt"]
    xs = list(range(len(attempts)))
    timed = any(r.speedup_vs_compile for r in attempts)
    if timed:
        fig, (ax, strip) = figure(
            2, 1, sharex=True, figsize=(10, 5.2), dpi=110, gridspec_kw={"height_ratios": [3, 1.3]}
        )
        pts = [
            (x, r.speedup_vs_compile) for x, r in zip(xs, attempts) if r.status == "correct" and r.speedup_vs_compile
        ]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], c="#2a9d4b", s=36, zorder=3, label="correct attempt")
        best, line = None, []
        for x, r in zip(xs, attempts):
            if is_better(r, best):
                best = r
            line.append((x, best.speedup_vs_compile) if best is not None and best.speedup_vs_compile else (x, None))
        ax.step(
            [x for x, y in line if y],
            [y for x, y in line if y],
            where="post",
            color="#1f4e9c",
            lw=2,
            label="best so far",
        )
        ax.axhline(1.0, color="grey", ls="--", lw=1, label="torch.compile")
        ax.set_ylabel("speedup over torch.compile\n(GPU medians)", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    else:
        fig, strip = figure(figsize=(10, 2.6), dpi=110)
        strip.set_title("CPU interpreter run: correctness only, no timing", fontsize=9)
    levels = [s for s in LADDER if any(r.status == s for r in attempts)] or ["correct"]
    ys = [levels.index(r.status) if r.status in levels else 0 for r in attempts]
    colours = ["#2a9d4b" if r.status == "correct" else "#c0392b" for r in attempts]
    strip.scatter(xs, ys, c=colours, s=30, marker="s", zorder=3)
    strip.set_yticks(range(len(levels)), levels, fontsize=7)
    strip.set_ylim(-0.7, len(levels) - 0.3)
    strip.grid(alpha=0.3)
    strip.set_xticks(xs, [r.id for r in attempts], rotation=60, ha="right", fontsize=7)
    strip.set_xlabel("attempt")
    return png_bytes(fig)


def _num(x, digits: int = 3) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def _message(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= 90:
        return html.escape(text)
    return f"<details><summary>{html.escape(text[:90])}...</summary>{html.escape(text)}</details>"


def _code(store: RunStore, r: Record) -> str:
    code = store.read(r.id, "code.py") if r.kind == "attempt" else None
    if code is None:
        return ""
    return f"<details><summary>{len(code.splitlines())} lines</summary><pre>{html.escape(code)}</pre></details>"


COLUMNS = [  # (head, value of a record as cell HTML); a column empty for every record is left out
    ("id", lambda s, r: f"<a href='attempts/{html.escape(r.id)}/'>{html.escape(r.id)}</a>"),
    ("stage", lambda s, r: html.escape(r.stage)),
    ("parent", lambda s, r: html.escape(r.parent or "")),
    (
        "status",
        lambda s, r: (
            html.escape(r.status or r.kind)
            + (f" (same code as {html.escape(r.duplicate_of)})" if r.duplicate_of else "")
        ),
    ),
    ("GPU ms", lambda s, r: _num(r.geomean_ms)),
    ("x eager", lambda s, r: _num(r.speedup_vs_eager, 2)),
    ("x compile", lambda s, r: _num(r.speedup_vs_compile, 2)),
    ("tokens", lambda s, r: str((r.prompt_tokens or 0) + (r.completion_tokens or 0)) if r.prompt_tokens else ""),
    ("message", lambda s, r: _message(r.message)),
    ("code", _code),
]


def write_report(store: RunStore) -> Path:
    records = store.records()
    png = plot_png(records)
    (store.path / "speedup.png").write_bytes(png)
    best = best_of(records)
    cells = [[fn(store, r) for _, fn in COLUMNS] for r in records]
    keep = [i for i in range(len(COLUMNS)) if COLUMNS[i][0] in ("id", "status") or any(c[i] for c in cells)]
    rows = "\n".join(
        f"<tr class='{r.status or r.kind}{' best' if best and r.id == best.id else ''}'>"
        + "".join(f"<td>{c[i]}</td>" for i in keep)
        + "</tr>"
        for r, c in zip(records, cells)
    )
    cfg = store.config()
    if best is None:
        summary = "no correct attempt"
    elif best.geomean_ms is not None:
        vs = f", {best.speedup_vs_compile:.2f}x vs torch.compile" if best.speedup_vs_compile else ""
        summary = f"best: <b>{html.escape(best.id)}</b> ({best.geomean_ms:.3f} ms on the GPU{vs})"
    else:
        summary = (
            f"parent: <b>{html.escape(best.id)}</b> (the first correct attempt; the CPU interpreter "
            "gives no timing, so nothing was ranked)"
        )
    style = """td { white-space: nowrap; }
td:nth-last-child(-n+2) { white-space: normal; max-width: 40em; }
details summary { cursor: pointer; }
pre { background: #f7f7f7; padding: 6px; max-height: 30em; overflow: auto; font-size: 12px; }
tr.correct td:nth-child(4) { color: #2a9d4b; font-weight: bold; }
tr:not(.correct) td:nth-child(4) { color: #c0392b; }
tr.best { background: #eef6ee; }
code { background: #f4f4f4; padding: 1px 4px; }
"""
    body = f"""<h1>Run {html.escape(store.name)}</h1>
<p>problem <code>{html.escape(str(cfg.problem))}</code>, stage <code>{html.escape(cfg.stage)}</code>,
LLM <code>{html.escape(cfg.llm_label)}</code>,
precision <code>{html.escape(cfg.precision)}</code>. {summary}.</p>
{img(png, "speedup and status of each attempt")}
<h2>Attempts</h2>
<table><tr>{''.join(f'<th>{COLUMNS[i][0]}</th>' for i in keep)}</tr>
{rows}
</table>
<p>Each attempt's prompt, reply, code and full result are in <code>attempts/&lt;id&gt;/</code>
(<code>python -m agent.runs show {html.escape(store.name)} ID</code> prints one).</p>"""
    page_html = page(f"run {store.name}", style, body)
    out = store.path / "report.html"
    write_atomic(out, page_html)
    return out
