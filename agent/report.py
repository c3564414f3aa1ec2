"""An HTML report of one run: a plot of every attempt's speedup with the best-so-far line, and the table.

    from agent.report import write_report
    path = write_report(store)        # runs/<run>/report.html (+ speedup.png beside it)

The y axis is the speedup over torch.compile when the run was timed on a GPU; in a CPU-only run it is
the speedup over the seed in interpreter time, and the axis says so. Failed attempts sit at 0.
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from agent.history import Record, RunStore, write_atomic
from agent.loop import SEED_ID, best_of, is_better, speed_key


def _speedups(records: list[Record]) -> tuple[list[float], str]:
    attempts = [r for r in records if r.kind == "attempt"]
    if any(r.speedup_vs_compile for r in attempts):
        return [r.speedup_vs_compile or 0.0 for r in attempts], "speedup over torch.compile (GPU medians)"
    seed = next((r for r in attempts if r.id == SEED_ID), None)
    base = speed_key(seed) if seed else None
    if base:
        return ([base / speed_key(r) if r.status == "correct" and speed_key(r) else 0.0 for r in attempts],
                "speedup over the seed (CPU interpreter time, not GPU speed)")
    return [0.0 for _ in attempts], "no timings"


def plot_png(records: list[Record]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    import matplotlib.pyplot as plt

    attempts = [r for r in records if r.kind == "attempt"]
    ys, label = _speedups(records)
    best_line, best, best_y = [], None, 0.0
    for r, y in zip(attempts, ys):
        if is_better(r, best):
            best, best_y = r, y
        best_line.append(best_y)
    xs = list(range(len(attempts)))
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=110)
    colours = ["#2a9d4b" if r.status == "correct" else "#c0392b" for r in attempts]
    ax.scatter(xs, ys, c=colours, s=36, zorder=3, label="attempt (green: correct, red: failed)")
    ax.step(xs, best_line, where="post", color="#1f4e9c", lw=2, label="best so far")
    if "torch.compile" in label:
        ax.axhline(1.0, color="grey", ls="--", lw=1, label="torch.compile")
    ax.set_xticks(xs, [r.id for r in attempts], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(label, fontsize=8)
    ax.set_xlabel("attempt")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _cell(x) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:.3f}"
    return html.escape(str(x))


def write_report(store: RunStore) -> Path:
    records = store.records()
    png = plot_png(records)
    (store.path / "speedup.png").write_bytes(png)
    best = best_of(records)
    cols = ["id", "stage", "parent", "status", "median_ms", "interpreter_ms", "speedup_vs_eager",
            "speedup_vs_compile", "prompt_tokens", "completion_tokens", "message"]
    rows = "\n".join(
        f"<tr class='{r.status or r.kind}{' best' if best and r.id == best.id else ''}'>"
        + "".join(f"<td>{_cell(getattr(r, c))}</td>" for c in cols) + "</tr>" for r in records)
    cfg = store.config()
    if best is None:
        summary = "no correct attempt"
    elif best.median_ms is not None:
        vs = f", {best.speedup_vs_compile:.2f}x vs torch.compile" if best.speedup_vs_compile else ""
        summary = f"best: <b>{html.escape(best.id)}</b> ({best.median_ms:.3f} ms on the GPU{vs})"
    else:
        summary = f"best: <b>{html.escape(best.id)}</b> ({best.interpreter_ms:.1f} ms per call in the CPU interpreter)"
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>run {html.escape(store.name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }}
td:not(:last-child) {{ white-space: nowrap; }}
td:last-child {{ max-width: 36em; }}
tr.correct td:nth-child(4) {{ color: #2a9d4b; font-weight: bold; }}
tr:not(.correct) td:nth-child(4) {{ color: #c0392b; }}
tr.best {{ background: #eef6ee; }}
code {{ background: #f4f4f4; padding: 1px 4px; }}
</style></head><body>
<h1>Run {html.escape(store.name)}</h1>
<p>problem <code>{html.escape(str(cfg.get('problem')))}</code>, stage <code>{html.escape(str(cfg.get('stage')))}</code>,
LLM <code>{html.escape(str(cfg.get('llm')))}</code> ({html.escape(str(cfg.get('model')))}), precision
<code>{html.escape(str(cfg.get('precision')))}</code>. {summary}.</p>
<img alt="speedup of each attempt and the best so far" src="data:image/png;base64,{base64.b64encode(png).decode()}">
<h2>Attempts</h2>
<table><tr>{''.join(f'<th>{c}</th>' for c in cols)}</tr>
{rows}
</table>
<p>Each attempt's prompt, reply, code and full result are in <code>attempts/&lt;id&gt;/</code>.</p>
</body></html>
"""
    out = store.path / "report.html"
    write_atomic(out, page)
    return out
