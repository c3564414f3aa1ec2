"""Inspect runs: list them, show one, diff two attempts' code, write an HTML report.

    python -m agent.runs list
    python -m agent.runs show RUN              # or SUITE: its table (agent.suite)
    python -m agent.runs diff RUN A B          # A, B: attempt ids, or `seed` / `best`
    python -m agent.runs report RUN            # -> runs/RUN/report.html
    (--runs-dir DIR before the verb: where runs live, default runs/)

Bad input (no such run, no such attempt, a corrupt history line): one line on stderr, exit 2.
"""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agent.history import HistoryError, Record, RunStore
from agent.loop import SEED_ID, best_of
from agent.report import write_report
from agent.suite import show as show_suite
from agent.suite import suites_table
from agent.tables import attempts_table, fmt_ms, fmt_x


class RunsError(ValueError):
    pass


def resolve_attempt(store: RunStore, records: list[Record], name: str) -> str:
    if name == "seed":
        name = SEED_ID
    elif name == "best":
        best = best_of(records)
        if best is None:
            raise RunsError(f"run {store.name} has no correct attempt")
        name = best.id
    if not store.attempt_dir(name).is_dir():
        known = ", ".join(r.id for r in records if r.kind == "attempt")
        raise RunsError(f"run {store.name} has no attempt {name!r} (has: {known})")
    return name


def cmd_list(runs_dir: Path, console: Console) -> None:
    t = Table(title=f"runs in {runs_dir}/")
    for col in ("run", "problem", "stage", "attempts", "correct", "best", "ms", "vs compile"):
        t.add_column(col, no_wrap=col in ("run", "problem"))
    dirs = sorted(d for d in runs_dir.iterdir() if (d / "config.json").is_file()) if runs_dir.is_dir() else []
    for d in dirs:
        store = RunStore(d)
        try:
            records = [r for r in store.records() if r.kind == "attempt"]
            cfg = store.config()
        except HistoryError as e:
            t.add_row(d.name, "", "", "", "", f"[red]unreadable: {e}[/]", "", "")
            continue
        best = best_of(records)
        problem = Path(str(cfg.get("problem")))
        t.add_row(d.name, problem.parent.name if problem.name == "reference.py" else problem.stem, str(cfg.get("stage")), str(len(records)),
                  str(sum(r.status == "correct" for r in records)), best.id if best else "-",
                  fmt_ms(best) if best else "-", fmt_x(best.speedup_vs_compile) if best else "-")
    console.print(t if dirs else f"no runs in {runs_dir}/")
    suites = suites_table(runs_dir)
    if suites is not None:
        console.print(suites)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m agent.runs", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs-dir", type=Path, default=Path("runs"))
    sub = ap.add_subparsers(dest="verb", required=True)
    sub.add_parser("list")
    for verb in ("show", "report"):
        sub.add_parser(verb).add_argument("run")
    d = sub.add_parser("diff")
    d.add_argument("run")
    d.add_argument("a")
    d.add_argument("b")
    args = ap.parse_args(argv)
    console = Console()
    try:
        if args.verb == "list":
            cmd_list(args.runs_dir, console)
            return 0
        if args.verb == "show" and show_suite(args.run, args.runs_dir, console):
            return 0
        store = RunStore.open(args.run, args.runs_dir)
        records = store.records()
        if args.verb == "show":
            cfg = store.config()
            console.print(f"run {store.name}: problem {cfg.get('problem')}, stage {cfg.get('stage')}, "
                          f"llm {cfg.get('llm')} ({cfg.get('model')}), precision {cfg.get('precision')}")
            console.print(attempts_table(records, best_of(records), title=str(store.path)))
        elif args.verb == "diff":
            a, b = resolve_attempt(store, records, args.a), resolve_attempt(store, records, args.b)
            code_a, code_b = store.read(a, "code.py") or "", store.read(b, "code.py") or ""
            diff = difflib.unified_diff(code_a.splitlines(keepends=True), code_b.splitlines(keepends=True),
                                        fromfile=f"{a}/code.py", tofile=f"{b}/code.py")
            sys.stdout.writelines(diff)
        elif args.verb == "report":
            console.print(f"wrote {write_report(store)}")
    except (HistoryError, RunsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `... diff RUN A B | head`: the reader left, nothing is wrong
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
