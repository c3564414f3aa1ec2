"""A suite's scorecard: one row per problem, the correct rate, fast_p and geometric-mean speedups,
rendered for an 80-column terminal (rich), as suite.md, suite.json and suite.html (with a plot).

    from agent.scorecard import row_from_run, score, write_files, terminal
    row = row_from_run("relu", "kernels/relu", RunStore(path))   # the run's best, attempts, tokens
    card = score("my-suite", rows, environment={"gpu": "NVIDIA H100 80GB HBM3", ...})
    console.print(terminal(card)); write_files(card, Path("runs/suites/my-suite"))

Definitions (KernelBench's, failures counted as zeros):
- a problem is *correct* when its run recorded a correct kernel (its best attempt);
- fast_p = (problems that are correct AND faster than the baseline by more than p) / (all problems),
  for p in {1.0, 1.5, 2.0}, against eager PyTorch and against torch.compile;
- the geometric mean of speedups runs over all problems; a problem with no correct kernel (or a
  correct one that was never timed) counts as 1.0x against its own reference.
Without GPU timings (a CPU-only suite: the interpreter's wall time is not a speed) there is no
fast_p and no geometric mean; the card says so and shows correctness only.
"""

from __future__ import annotations

import html
from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field, computed_field
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from agent.archive import best_of
from agent.history import Record, RunStore, TokenTotals, token_totals, write_atomic
from agent.numbers import fmt_err, fmt_ms, fmt_tokens, fmt_x
from agent.page import figure, img, page, png_bytes
from evaluator import Status, geomean

PS = (1.0, 1.5, 2.0)
FAILED_AS = "a problem with no correct kernel counts as 1.0x against its own reference"
UNTIMED = "timing unavailable: no GPU timings (CPU interpreter), so correctness only"


class ProblemRow(BaseModel):
    """One line of suite.jsonl: a finished problem."""

    problem: str
    spec: str  # what the suite was given for it (name, file or folder)
    run: str | None = None  # the link to its run folder, relative to the suite folder
    status: str  # correct | llm failed | error | the best status reached (incorrect, compile_error, ...)
    correct: bool = False  # a correct kernel was recorded (the best attempt below)
    best: str | None = None
    attempts: int = 0  # candidates asked of the LLM (the problem's own seed.py is not one)
    correct_attempts: int = 0
    # the best's GPU time: geometric mean of its per-case medians (suites before 2026-11-26: median_ms)
    geomean_ms: float | None = Field(None, validation_alias=AliasChoices("geomean_ms", "median_ms"))
    interpreter_ms: float | None = None  # CPU-only: wall ms per interpreted call, not a speed
    speedup_vs_eager: float | None = None
    speedup_vs_compile: float | None = None
    max_abs_err: float | None = None  # the best's, over all checked cases
    tokens: int | None = None  # prompt + completion tokens over all of the run's replies
    prompt_tokens: int | None = None  # the two parts of `tokens` (rows from before 2026-12-04: None)
    completion_tokens: int | None = None
    device: str | None = None  # where the best was evaluated
    llm: str | None = None  # the run's provider (and model, for openai)
    message: str = ""  # why it is not correct, or what stopped the run
    seconds: float | None = None
    time: str = ""


class FastP(BaseModel):
    p: float
    vs_eager: int  # problems correct and faster than eager by more than p
    vs_compile: int


class Scorecard(BaseModel):
    name: str
    rows: list[ProblemRow]
    pending: list[str] = Field(default_factory=list)  # problems not finished (yet)
    total: int
    correct: int
    timed: bool
    fast_p: list[FastP] = Field(default_factory=list)
    geomean_vs_eager: float | None = None
    geomean_vs_compile: float | None = None
    environment: dict = Field(default_factory=dict)  # gpu, driver, torch, triton, precision, date, llm

    @computed_field
    @property
    def correct_rate(self) -> float:
        return self.correct / self.total if self.total else 0.0


# ------------------------------------------------------------ computing


def row_from_run(
    problem: str,
    spec: str,
    store: RunStore,
    *,
    run_link: str | None = None,
    error: str | None = None,
    llm_error: str | None = None,
    seconds: float | None = None,
) -> ProblemRow:
    """The row of one problem from its run folder. `error`: the run stopped on an exception;
    `llm_error`: it stopped because the LLM could not be reached (either wins over the status)."""
    records = [r for r in store.records() if r.kind == "attempt"]
    llm = store.config().llm_label
    asked = [r for r in records if r.model is not None]  # attempts that came from an LLM reply
    if llm_error is None and asked and asked[-1].gate == "llm":
        llm_error = asked[-1].message  # the run ended with its requests failing: the endpoint is down
    best, status, message = verdict(records)
    result = store.result(best.id) if best else None
    tokens = token_totals(records)
    if llm_error is not None:
        status, message = "llm failed", llm_error
    if error is not None:
        status, message = "error", error
    return ProblemRow(
        problem=problem,
        spec=spec,
        run=run_link,
        status=status,
        correct=best is not None,
        best=best.id if best else None,
        attempts=len(asked),
        correct_attempts=sum(r.status == "correct" for r in asked),
        geomean_ms=best.geomean_ms if best else None,
        interpreter_ms=best.interpreter_ms if best else None,
        speedup_vs_eager=best.speedup_vs_eager if best else None,
        speedup_vs_compile=best.speedup_vs_compile if best else None,
        max_abs_err=result.max_abs_err if result else None,
        tokens=tokens.total if tokens else None,
        prompt_tokens=tokens.prompt if tokens else None,
        completion_tokens=tokens.completion if tokens else None,
        device=result.device.name if result and result.device else None,
        llm=llm,
        message=message[:400],
        seconds=seconds,
    )


def verdict(records: list[Record]) -> tuple[Record | None, str, str]:
    """(best, status, message) of one problem's attempts (a run's, or a batch's kernels for it): its best
    correct attempt, "correct"; else the furthest status any attempt reached and the last message."""
    best = best_of(records)
    if best is not None:
        return best, "correct", ""
    if not records:
        return None, "no attempts", ""
    status = max(records, key=lambda r: _rank(r.status)).status  # the furthest any attempt got
    return None, status, next((r.message for r in reversed(records) if r.message), "")


def _rank(status: str) -> int:
    try:
        return Status(status).rank
    except ValueError:
        return -1


def score(name: str, rows: list[ProblemRow], pending: list[str] = (), environment: dict | None = None) -> Scorecard:
    """Aggregate finished rows. Timed means the suite ran on a GPU (some problem has a GPU median, or
    the environment names a GPU): then every problem is scored, and one without a correct, timed
    kernel is not fast and counts 1.0x - a GPU suite where nothing is correct scores zeros."""
    timed = any(r.geomean_ms is not None for r in rows) or bool((environment or {}).get("gpu"))
    card = Scorecard(
        name=name,
        rows=rows,
        pending=list(pending),
        total=len(rows),
        correct=sum(r.correct for r in rows),
        timed=timed,
        environment=environment or {},
    )
    if not timed or not rows:
        return card

    def speedup(r: ProblemRow, which: str) -> float:
        x = getattr(r, f"speedup_vs_{which}")
        return x if r.correct and x else 1.0

    card.fast_p = [
        FastP(
            p=p,
            vs_eager=sum(r.correct and (r.speedup_vs_eager or 0) > p for r in rows),
            vs_compile=sum(r.correct and (r.speedup_vs_compile or 0) > p for r in rows),
        )
        for p in PS
    ]
    card.geomean_vs_eager = geomean([speedup(r, "eager") for r in rows])
    card.geomean_vs_compile = geomean([speedup(r, "compile") for r in rows])
    return card


# ------------------------------------------------------------ formats


def _env_lines(card: Scorecard) -> list[str]:
    e = card.environment
    first = (
        f"GPU {e['gpu']}" + (f", driver {e['driver']}" if e.get("driver") else "")
        if e.get("gpu")
        else "GPU: none (CPU interpreter)"
    )
    second = (
        f"torch {e.get('torch', '?')}, triton {e.get('triton', '?')}, precision {e.get('precision', '?')}, "
        f"{e.get('date', '?')}"
    )
    return [first, second] + ([f"LLM {e['llm']}"] if e.get("llm") else [])


def _fast_cell(n: int, total: int) -> str:
    return f"{n / total:.2f} ({n}/{total})"


def summary_lines(card: Scorecard) -> list[str]:
    """What sits under the table, each line short enough for 80 columns."""
    lines = [f"correct {card.correct}/{card.total}" + (f" ({100 * card.correct_rate:.0f}%)" if card.total else "")]
    if card.pending:
        lines.append(f"not finished: {', '.join(card.pending)} (resume the suite to finish them)")
    if not card.timed:
        lines.append(UNTIMED)
    else:
        lines.append(
            f"geomean speedup {fmt_x(card.geomean_vs_eager)} vs eager, "
            f"{fmt_x(card.geomean_vs_compile)} vs torch.compile"
        )
        lines.append(f"  ({FAILED_AS})")
    tokens = suite_tokens(card)
    if tokens is not None:
        lines.append(tokens)
    return lines + _env_lines(card)


def suite_tokens(card: Scorecard) -> str | None:
    """The suite's token totals over its problems' runs (no prices: the user knows theirs); None when no
    reply counted any."""
    counted = [r for r in card.rows if r.tokens is not None]
    if not counted:
        return None
    over = f"{len(counted)} problem{'s' if len(counted) > 1 else ''}"
    if any(r.prompt_tokens is None for r in counted):  # rows written before the split was kept
        return f"tokens {sum(r.tokens for r in counted):,} over {over}"
    parts = (TokenTotals(prompt=r.prompt_tokens, completion=r.completion_tokens or 0) for r in counted)
    return sum(parts, TokenTotals()).line(over)


def _fast_table(card: Scorecard) -> Table:
    t = Table(box=box.SIMPLE_HEAD, title="fast_p: correct and more than p times faster", title_justify="left")
    t.add_column("")
    for f in card.fast_p:
        t.add_column(f"p={f.p:g}", justify="right")
    for which in ("eager", "compile"):
        t.add_row(
            f"vs {'torch.compile' if which == 'compile' else 'eager'}",
            *(_fast_cell(getattr(f, f"vs_{which}"), card.total) for f in card.fast_p),
        )
    return t


def terminal(card: Scorecard, title: str | None = None) -> Group:
    """The rich table (titled `suite NAME` unless `title` says otherwise); fits 80 columns: no vertical
    rules, long problem names fold; the tokens column only where some problem counted any."""
    t = Table(title=title or f"suite {card.name}", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    t.add_column("problem", overflow="fold", min_width=10)
    t.add_column("status", overflow="fold", max_width=11)
    t.add_column("att", justify="right")
    if card.timed:
        for col in ("ms", "vs eager", "vs comp"):
            t.add_column(col, justify="right")
    t.add_column("max err", justify="right")
    tokens = any(r.tokens is not None for r in card.rows)
    if tokens:
        t.add_column("tokens", justify="right")
    for r in card.rows:
        status = Text(r.status, style="green" if r.status == "correct" else "red")
        timing = (
            [fmt_ms(r.geomean_ms, narrow=True), fmt_x(r.speedup_vs_eager), fmt_x(r.speedup_vs_compile)]
            if card.timed
            else []
        )
        spent = [fmt_tokens(r.tokens)] if tokens else []
        t.add_row(r.problem, status, str(r.attempts), *timing, fmt_err(r.max_abs_err), *spent)
    parts = [t]
    if card.timed:
        parts.append(_fast_table(card))
    parts.append(Text("\n".join(summary_lines(card))))
    return Group(*parts)


COLUMNS = (
    "problem",
    "status",
    "attempts",
    "best",
    "geomean_ms",
    "speedup_vs_eager",
    "speedup_vs_compile",
    "max_abs_err",
    "tokens",
    "llm",
)


def _cell(r: ProblemRow, col: str) -> str:
    v = getattr(r, col)
    if col == "geomean_ms" and v is None and r.interpreter_ms is not None:
        return f"({r.interpreter_ms:.0f} cpu)"  # correctness run only: interpreter time, not a speed
    return {
        "geomean_ms": lambda x: fmt_ms(x, narrow=True),
        "speedup_vs_eager": fmt_x,
        "speedup_vs_compile": fmt_x,
        "max_abs_err": fmt_err,
        "tokens": fmt_tokens,
    }.get(col, lambda x: "-" if x is None else str(x))(v)


def markdown(card: Scorecard) -> str:
    out = [f"# Suite {card.name}", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(_cell(r, c) for c in COLUMNS) + " |" for r in card.rows]
    out.append("")
    if card.timed:
        out += [
            "| fast_p | " + " | ".join(f"p={f.p:g}" for f in card.fast_p) + " |",
            "|---|" + "---|" * len(card.fast_p),
        ]
        for which in ("eager", "compile"):
            out.append(
                f"| vs {which} | "
                + " | ".join(_fast_cell(getattr(f, f"vs_{which}"), card.total) for f in card.fast_p)
                + " |"
            )
        out.append("")
    out += [line + "  " for line in summary_lines(card)]
    failed = [r for r in card.rows if not r.correct or r.status != "correct"]
    if failed:
        out += ["", "## Not solved", ""] + [f"- **{r.problem}** ({r.status}): {r.message}" for r in failed]
    return "\n".join(out) + "\n"


def plot_png(card: Scorecard) -> bytes | None:
    """Speedup vs torch.compile per problem, sorted, with the 1.0 line; None without GPU timings."""
    if not card.timed:
        return None
    rows = sorted(card.rows, key=lambda r: -(r.speedup_vs_compile or 0.0) if r.correct else 0.0)
    xs = list(range(len(rows)))
    fig, ax = figure(figsize=(max(5.0, 0.8 * len(rows) + 2), 4.2), dpi=110)
    ok = [(x, r.speedup_vs_compile) for x, r in zip(xs, rows, strict=True) if r.correct and r.speedup_vs_compile]
    if ok:
        ax.bar(
            [x for x, _ in ok],
            [y for _, y in ok],
            color=["#2a9d4b" if y >= 1 else "#e08a1e" for _, y in ok],
            zorder=3,
            label="correct kernel (green: faster than torch.compile)",
        )
    bad = [x for x, r in zip(xs, rows, strict=True) if not (r.correct and r.speedup_vs_compile)]
    if bad:  # drawn on the 1.0 line they count as, with a marker that cannot be read as a bar
        ax.scatter(
            bad,
            [1.0] * len(bad),
            marker="x",
            s=80,
            color="#c0392b",
            zorder=4,
            label="no correct timed kernel (counted as 1.0x)",
        )
    ax.axhline(1.0, color="grey", ls="--", lw=1, zorder=2)
    ax.set_xticks(xs, [r.problem for r in rows], rotation=40, ha="right", fontsize=8)
    ax.set_ylabel("speedup over torch.compile (GPU medians)", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2, frameon=False)
    return png_bytes(fig)


def report_link(r: ProblemRow, folder: Path | None) -> str | None:
    """The problem's run report (agent.report) relative to the suite folder, through its runs/<problem>
    link, where that report exists; else its run folder; None without a run."""
    if r.run is None:
        return None
    report = f"{r.run}/report.html"
    return report if folder is not None and (folder / report).is_file() else f"{r.run}/"


def _run_cell(r: ProblemRow, folder: Path | None) -> str:
    link = report_link(r, folder)
    if link is None:
        return "-"
    return f"<a href='{html.escape(link)}'>{'report' if link.endswith('.html') else 'folder'}</a>"


def html_page(card: Scorecard, png: bytes | None, folder: Path | None = None) -> str:
    """The page; `folder` (the suite's) lets each problem link to its run's report.html where it exists."""
    head = "".join(f"<th>{c}</th>" for c in COLUMNS + ("run", "message"))
    rows = "\n".join(
        f"<tr class='{'correct' if r.correct else 'failed'}'>"
        + "".join(f"<td>{html.escape(_cell(r, c))}</td>" for c in COLUMNS)
        + f"<td>{_run_cell(r, folder)}</td><td class='msg'>{html.escape(r.message)}</td></tr>"
        for r in card.rows
    )
    fast = ""
    if card.timed:
        fast = (
            "<h2>fast_p</h2><table><tr><th></th>"
            + "".join(f"<th>p={f.p:g}</th>" for f in card.fast_p)
            + "</tr>"
            + "".join(
                f"<tr><td>vs {w}</td>"
                + "".join(f"<td>{_fast_cell(getattr(f, f'vs_{w}'), card.total)}</td>" for f in card.fast_p)
                + "</tr>"
                for w in ("eager", "compile")
            )
            + "</table>"
        )
    plot = img(png, "speedup over torch.compile per problem") if png else f"<p><i>{html.escape(UNTIMED)}.</i></p>"
    notes = "<br>".join(html.escape(line) for line in summary_lines(card))
    style = """table { margin-bottom: 1em; }
td:not(.msg) { white-space: nowrap; }
td.msg { max-width: 40em; font-size: 12px; }
tr.correct td:nth-child(2) { color: #2a9d4b; font-weight: bold; }
tr.failed td:nth-child(2) { color: #c0392b; }
"""
    body = f"""<h1>Suite {html.escape(card.name)}</h1>
{plot}
<h2>Problems</h2>
<table><tr>{head}</tr>
{rows}
</table>
{fast}
<p>{notes}</p>
<p>Each problem's <i>run</i> links to its run's report (<code>runs/&lt;problem&gt;/report.html</code>: its attempts,
their code and results; <code>python -m agent.runs report RUN</code> writes it again); the run folder is
linked from <code>runs/&lt;problem&gt;</code> in the suite folder; <code>python -m agent.runs show RUN</code>
shows one.</p>"""
    return page(f"suite {card.name}", style, body)


def write_files(card: Scorecard, folder: Path) -> list[Path]:
    """suite.json, suite.md and suite.html (the plot inline) in the suite folder."""
    png = plot_png(card)
    out = [folder / "suite.json", folder / "suite.md", folder / "suite.html"]
    write_atomic(out[0], card.model_dump_json(indent=2) + "\n")
    write_atomic(out[1], markdown(card))
    write_atomic(out[2], html_page(card, png, folder))
    return out
