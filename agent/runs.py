"""Inspect runs: list them, show one, diff two attempts' code, write an HTML report.

    python -m agent.runs list
    python -m agent.runs show RUN              # the run's settings and its attempts table
    python -m agent.runs show RUN ATTEMPT      # one attempt: verdict, message, timings, code, files
    python -m agent.runs show SUITE            # a suite's table (agent.suite)
    python -m agent.runs diff RUN A B          # A, B: attempt ids, or `seed` / `best`
    python -m agent.runs report RUN            # -> runs/RUN/report.html
    (--runs-dir DIR before the verb: where runs live, default $KLOOP_RUNS_DIR or ./runs)

Bad input (no such run, no such attempt, a corrupt history line): one line on stderr, exit 2.

A run is only read here, also while agent.run or a suite works on it. A history that needs a repair (a torn
last line, an attempt whose line is missing: the process was killed) is repaired under the run's lock
(agent.history); where another process holds that lock it is left to that process, and one line on stderr
says the run is in progress and is shown as it stands.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from agent.archive import AttemptError, best_of, resolve_attempt
from agent.cli import CliParser
from agent.history import HistoryError, Record, RunStore, token_totals
from agent.numbers import fmt_ms, fmt_tokens, fmt_x
from agent.report import write_report
from agent.scorecard import terminal
from agent.settings import default_runs_dir
from agent.suite_store import SuiteError, SuiteStore
from agent.tables import UNTIMED, attempts_table, compact


def cmd_list(runs_dir: Path, console: Console) -> None:
    """One row per run. The run's name (timestamp, stage, problem) is what `show` takes, so it is
    printed whole, folding over two lines where a long problem name needs it, and stage and problem
    get no columns of their own. `tokens` (the run's prompt + completion totals) only where some run
    counted any."""
    dirs = sorted(d for d in runs_dir.iterdir() if (d / "config.json").is_file()) if runs_dir.is_dir() else []
    if not dirs:
        console.print(f"no runs in {runs_dir}/")
        return
    rows, untimed, broken = [], False, []
    for d in dirs:
        store = RunStore(d)
        try:
            records = [r for r in store.records() if r.kind == "attempt"]
            store.config()
        except HistoryError as e:
            broken.append(f"{d.name}: unreadable: {e}")
            continue
        best = best_of(records)
        untimed |= best is not None and best.geomean_ms is None
        tokens = token_totals(records)
        rows.append(
            (
                d.name,
                str(len(records)),
                str(sum(r.status == "correct" for r in records)),
                (best.id + ("" if best.geomean_ms is not None else "*")) if best else "-",
                fmt_ms(best.geomean_ms) if best else "-",
                fmt_x(best.speedup_vs_compile) if best else "-",
                fmt_tokens(tokens.total if tokens else None),
            )
        )
    cols = ("run", "tries", "ok", "best", "ms", "xcomp", "tokens")
    keep = [i for i, c in enumerate(cols) if c != "tokens" or any(row[i] != "-" for row in rows)]
    t = compact(f"runs in {runs_dir}/")
    for i in keep:
        t.add_column(cols[i], no_wrap=i > 0, overflow="fold", justify="left" if i in (0, 3) else "right")
    for row in rows:
        t.add_row(*(row[i] for i in keep))
    console.print(t)
    console.print(
        "tries: attempts; ok: correct ones; ms: the best's GPU median; xcomp: its speedup over torch.compile"
        + ("; tokens: prompt + completion, all replies" if len(keep) == len(cols) else ""),
        style="dim",
    )
    if untimed:
        console.print(f"* {UNTIMED}", style="dim")
    for line in broken:
        console.print(line, markup=False, style="red")
    suites = suites_table(runs_dir)
    if suites is not None:
        console.print(suites)


def cmd_show_attempt(store: RunStore, records: list[Record], attempt: str, console: Console) -> None:
    """Everything about one attempt a person asks first: verdict, message, timings, code, where the files are."""
    rec = next((r for r in records if r.id == attempt), None)
    try:
        result = store.result(attempt)
        unreadable = None
    except ValueError as e:  # a result.json edited or torn by hand: say so, show the rest
        result, unreadable = None, str(e).splitlines()[0]
    folder = store.attempt_dir(attempt)
    status = rec.status if rec else (result.status.value if result else "not recorded (no result yet)")
    console.print(f"attempt {attempt} of run {store.name}", style="bold", highlight=False)
    rows = [
        ("verdict", status + (f" (gate {rec.gate})" if rec and rec.gate else "")),
        ("stage", rec.stage if rec else "-"),
        ("parent", (rec.parent if rec else None) or "-"),
    ]
    if rec and rec.repair_of:
        rows.append(("repair of", rec.repair_of))
    if rec and rec.duplicate_of:
        rows.append(("duplicate of", f"{rec.duplicate_of} (same code: its verdict, not evaluated again)"))
    if rec and rec.model:
        tok = f", {rec.prompt_tokens} + {rec.completion_tokens} tokens" if rec.prompt_tokens else ""
        rows.append(("llm", f"{rec.model}, {rec.llm_s or 0:.1f} s{tok}"))
    if result is not None:
        if result.device is not None:
            rows.append(("device", result.device.name))
        if result.max_abs_err is not None:
            rows.append(("max abs err", f"{result.max_abs_err:.2e}"))
        for ct in result.timings:
            c = ct.candidate
            rows.append(
                (
                    f"time {ct.case}",
                    (f"{c.median_ms:.3f} ms ± {c.iqr_ms:.3f}" if c else "-")
                    + f", {fmt_x(ct.speedup_vs_eager)} vs eager, {fmt_x(ct.speedup_vs_compile)} vs compile",
                )
            )
        if not result.timings:
            rows.append(("timing", f"unavailable ({result.timing_unavailable or 'not timed'})"))
    if unreadable:
        rows.append(("result", f"result.json is not readable: {unreadable}"))
    grid = compact()
    grid.show_header = False
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold", ratio=1)
    for k, v in rows:
        grid.add_row(k, v)
    console.print(grid)
    _print_files(folder, console)
    text = (result.message if result else None) or (rec.message if rec else "")
    if text:
        console.print("message", style="bold")
        console.print(text, markup=False, highlight=False)
    if result is not None and result.error_tail and result.status.value != "correct":
        console.print("error output (last lines)", style="bold")
        console.print("\n".join(result.error_tail.splitlines()[-15:]), markup=False, highlight=False)
    code = store.read(attempt, "code.py")
    console.print("code", style="bold")
    console.print(
        Syntax(code, "python", line_numbers=True, word_wrap=True) if code else "(no code: the reply had none)"
    )


def _print_files(folder: Path, console: Console) -> None:
    """The attempt's files, one per line, each path whole (never wrapped: a user copies them)."""
    for name in ("prompt.md", "reply.md", "code.py", "result.json", "metrics.json"):
        if (folder / name).is_file():
            label = name.split(".")[0] if name != "result.json" else "result"
            console.print(f"{label:<13}{folder / name}", soft_wrap=True, highlight=False, markup=False)


def show_suite(name: str, runs_dir: Path, console: Console) -> bool:
    """agent.runs show SUITE: print its table again (False: no such suite)."""
    try:
        store = SuiteStore.open(name, runs_dir)
    except SuiteError:
        return False
    console.print(terminal(store.card()))
    return True


def suites_table(runs_dir: Path) -> Table | None:
    """agent.runs list: one line per suite, or None when there are none."""
    root = SuiteStore.folder(runs_dir)
    paths = sorted(p for p in root.iterdir() if (p / "suite.jsonl").is_file()) if root.is_dir() else []
    if not paths:
        return None
    t = Table(title=f"suites in {root}/")
    for col in ("suite", "problems", "done", "correct", "fast_1 vs comp", "geomean vs comp"):
        t.add_column(col, overflow="fold", justify="left" if col == "suite" else "right")
    for p in paths:
        try:
            card = SuiteStore(p).card()
        except (SuiteError, ValueError) as e:
            t.add_row(p.name, "", "", "", f"unreadable: {e}", "")
            continue
        fast1 = next((f.vs_compile for f in card.fast_p if f.p == 1.0), None)
        t.add_row(
            p.name,
            str(card.total + len(card.pending)),
            str(card.total),
            str(card.correct),
            "-" if fast1 is None else f"{fast1}/{card.total}",
            fmt_x(card.geomean_vs_compile),
        )
    return t


def main(argv: list[str] | None = None) -> int:
    ap = CliParser(prog="python -m agent.runs", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--runs-dir",
        type=Path,
        default=default_runs_dir(),
        help="where runs live (default: $KLOOP_RUNS_DIR, else ./runs)",
    )
    # --runs-dir after the verb too (`runs show RUN --runs-dir DIR`): SUPPRESS keeps the one before it otherwise
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--runs-dir", type=Path, default=argparse.SUPPRESS, help="as before the verb")
    sub = ap.add_subparsers(dest="verb", required=True, metavar="{list,show,diff,report}")
    sub.add_parser("list", parents=[where], help="one line per run: problem, stage, attempts, correct, best")
    run_help = "a run folder name under --runs-dir (as `list` prints it), or a path to a run folder"
    which = "an attempt id (e.g. 0002-1, 0001-1r1), or `seed` or `best`"
    show = sub.add_parser("show", parents=[where], help="a run's settings and attempts, or one attempt in full")
    show.add_argument("run", help=run_help)
    show.add_argument("attempt", nargs="?", help=f"{which}: print its verdict, message, timings, code")
    sub.add_parser("report", parents=[where], help="write RUN/report.html: speedup plot, attempts, code").add_argument(
        "run", help=run_help
    )
    d = sub.add_parser("diff", parents=[where], help="unified diff of two attempts' code")
    d.add_argument("run", help=run_help)
    d.add_argument("a", help=which)
    d.add_argument("b", help=which)
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:  # argparse has printed usage and its one-line error (or --help)
        return 0 if e.code == 0 else 2
    console = Console()
    try:
        if args.verb == "list":
            cmd_list(args.runs_dir, console)
            return 0
        if args.verb == "show" and show_suite(args.run, args.runs_dir, console):
            return 0
        store = RunStore.open(args.run, args.runs_dir)
        if store.live_note():  # on stderr: `diff ... | patch` reads stdout
            print(store.live_note(), file=sys.stderr, flush=True)
        records = store.records()
        if args.verb == "show" and args.attempt:
            cmd_show_attempt(store, records, resolve_attempt(store, records, args.attempt), console)
        elif args.verb == "show":
            cfg = store.config()
            console.print(f"run {store.name}: stage {cfg.stage}, precision {cfg.precision}", highlight=False)
            for label, value in (("problem", cfg.problem), ("llm", cfg.llm_label)):  # paths: whole, never wrapped
                console.print(f"{label:<8}{value}", soft_wrap=True, highlight=False, markup=False)
            console.print(str(store.path), soft_wrap=True, highlight=False, markup=False)  # whole, never wrapped
            console.print(attempts_table(records, best_of(records)))
            tokens = token_totals([r for r in records if r.kind == "attempt"])
            if tokens is not None:  # the run's cost in tokens; no prices (the user knows theirs)
                console.print(tokens.line(), highlight=False)
        elif args.verb == "diff":
            a, b = resolve_attempt(store, records, args.a), resolve_attempt(store, records, args.b)
            code_a, code_b = store.read(a, "code.py") or "", store.read(b, "code.py") or ""
            diff = difflib.unified_diff(
                code_a.splitlines(keepends=True),
                code_b.splitlines(keepends=True),
                fromfile=f"{a}/code.py",
                tofile=f"{b}/code.py",
            )
            lines = list(diff)
            sys.stdout.writelines(lines)
            if not lines:  # silence would read as a failure
                print(f"{a} and {b} have the same code" if code_a else f"{a} and {b} have no code")
        elif args.verb == "report":
            console.print(f"wrote {write_report(store)}", soft_wrap=True, highlight=False, markup=False)
    except (HistoryError, AttemptError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `... diff RUN A B | head`: the reader left, nothing is wrong
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
