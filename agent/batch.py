"""Batch evaluation: a folder of generated kernels against their references, scored in one table (as
KernelBench's `eval_from_generations` scores a level's generations).

    python -m agent.batch generations/ --problems suites/kernelbench8/
    python -m agent.batch generations/ --problems problems.txt --executor ray --json batch.json
    python -m agent.batch generations/ --problems relu softmax --shapes small --no-time

Naming rule: each `*.py` file in DIR (not starting with `_`) is a kernel for the problem whose name
is the file's name without `.py`; `NAME__TAG.py` (two underscores, then any tag: `19_ReLU__s2.py`) is
another sample for NAME. A problem's name is what `agent.suite` calls it: its folder's name for a
`NAME/reference.py`, the file's stem for a KernelBench file (`19_ReLU.py`), the name under kernels/.
`--problems` takes what `agent.suite` takes: names, KernelBench files, problem folders, folders of
those, or a list file. A kernel whose name matches no problem is named on stderr and left out; a
problem with no kernel is a failure (`no kernel`), as KernelBench counts it.

Every kernel is evaluated through the evaluator's executor (`--executor local`: one worker per GPU,
two interpreter workers on a CPU; `ray`: one task per evaluation). The table has one row per problem
(its best kernel: correct, then fastest on a GPU), then the correct rate, fast_p and the geometric mean
of the speedups (agent.scorecard's, the suite's definitions); where a problem has several samples, a
second table lists every kernel.
`--json OUT` writes the scorecard and every kernel's full result.

Exit codes say the verdicts, as agent.run's and agent.suite's do, the gravest first: 4 the evaluator could
not judge some kernel through no fault of the kernel (its jailed process could not start here, or the
problem's reference failed: one line on stderr names them; run again once that is fixed), 1 some problem has
no correct kernel (its kernels are incorrect or fail, or it has none), 0 every problem has a correct kernel;
2 bad input (one line on stderr, nothing evaluated), 130 interrupted.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from agent.archive import geomean_ms
from agent.cli import CliParser
from agent.history import Record, write_atomic
from agent.numbers import fmt_ms, fmt_x
from agent.scorecard import ProblemRow, Scorecard, score, terminal, verdict
from agent.suite_store import SuiteError, expand
from agent.tables import compact

SAMPLE_SEP = "__"  # NAME__TAG.py: another sample for NAME


class BatchError(ValueError):
    """Bad input; one line for the user."""


def parser(prog: str = "python -m agent.batch") -> CliParser:
    p = CliParser(raises=BatchError, prog=prog, description=__doc__.split("\n\n")[0])
    p.add_argument("dir", type=Path, metavar="DIR", help="folder of kernel files: NAME.py or NAME__TAG.py")
    p.add_argument(
        "--problems",
        nargs="+",
        required=True,
        metavar="PROBLEM",
        help="problem names, KernelBench files, problem folders, folders of them, or a list file",
    )
    p.add_argument("--executor", default="local", choices=["local", "ray"], help="how evaluations run (local)")
    p.add_argument("--workers", type=int, help="local: evaluation workers (default: one per GPU, 2 on a CPU)")
    p.add_argument("--ray-address", help="ray: cluster address (default: start a local instance)")
    p.add_argument("--shapes", default="auto", help="auto (all with a GPU, small without), small, odd, full, all")
    p.add_argument("--precision", default="tf32", help="tf32 (default), strict or loose")
    p.add_argument("--no-time", action="store_true", help="correctness only: no timing, no baselines")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the scorecard and every kernel's result here")
    return p


def problem_of(kernel: Path) -> str:
    """The problem a kernel file is for, by the naming rule (module docstring)."""
    return kernel.stem.split(SAMPLE_SEP, 1)[0]


def kernels_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise BatchError(f"{folder}: no such folder of kernels")
    found = sorted(p for p in folder.glob("*.py") if p.is_file() and not p.name.startswith("_"))
    if not found:
        raise BatchError(f"{folder} holds no kernel files (*.py)")
    return found


def problems_from(specs: list[str], shapes: str = "auto") -> dict:
    """{name: Problem} for what --problems names, each loaded (a bad reference is one line) and holding
    the shape sets asked for."""
    from evaluator import load_problem

    out: dict = {}
    for spec in specs:
        try:
            entries = expand(spec)
        except SuiteError as e:
            raise BatchError(str(e)) from None
        for e in entries:
            problem = load_problem(e.problem)
            if problem.name in out and out[problem.name].path != problem.path:
                raise BatchError(f"two problems are named {problem.name!r} ({out[problem.name].path}, {problem.path})")
            if shapes != "auto":
                problem.set_names(shapes)  # ProblemError: the sets it has
            out[problem.name] = problem
    return out


def record_of(kernel: Path, result) -> Record:
    """A kernel's verdict as a run's attempt record, so the suite's ranking and scorecard read it."""
    return Record(
        id=kernel.stem,
        stage="batch",
        status=result.status.value,
        gate=result.gate,
        message=result.message,
        geomean_ms=geomean_ms(result),
        speedup_vs_eager=result.speedup_vs_eager,
        speedup_vs_compile=result.speedup_vs_compile,
        interpreter_ms=result.interpreter_ms,
        suspicious=list(result.suspicious),
    )


def row_of(name: str, problem, kernels: list[Path], results: dict) -> ProblemRow:
    records = [record_of(k, results[k]) for k in kernels]
    best, status, message = verdict(records)
    if not kernels:
        status, message = "no kernel", "no kernel file for this problem"
    result = results[next(k for k in kernels if k.stem == best.id)] if best else None
    return ProblemRow(
        problem=name,
        spec=str(problem.path),
        status=status,
        correct=best is not None,
        best=best.id if best else None,
        attempts=len(kernels),
        correct_attempts=sum(r.status == "correct" for r in records),
        geomean_ms=best.geomean_ms if best else None,
        interpreter_ms=best.interpreter_ms if best else None,
        speedup_vs_eager=best.speedup_vs_eager if best else None,
        speedup_vs_compile=best.speedup_vs_compile if best else None,
        max_abs_err=result.max_abs_err if result else None,
        device=result.device.name if result and result.device else None,
        message=message[:400],
    )


def evaluate_all(pairs: list[tuple[Path, object]], args, executor) -> dict:
    """{kernel: EvalResult}, every kernel evaluated through the evaluator's executor."""
    from evaluator import EvalConfig

    config = EvalConfig(shapes=args.shapes, precision=args.precision, time=not args.no_time)
    futures = {k: executor.submit(k, problem, config) for k, problem in pairs}
    results = {k: f.result() for k, f in futures.items()}
    executor.close()  # only here: on Ctrl-C nothing waits for the evaluations in flight
    return results


def kernels_table(results: dict, timed: bool):
    t = compact("kernels")
    for col in ("kernel", "status", *(("ms", "xeager", "xcomp") if timed else ())):
        t.add_column(col, overflow="fold", justify="left" if col in ("kernel", "status") else "right")
    for k, r in results.items():
        ok = r.status.value == "correct"
        timing = [fmt_ms(geomean_ms(r)), fmt_x(r.speedup_vs_eager), fmt_x(r.speedup_vs_compile)] if timed else []
        t.add_row(k.name, Text(r.status.value, style="green" if ok else "red"), *timing)
    return t


def checked_args(argv: list[str] | None, prog: str | None):
    args = parser(prog or "python -m agent.batch").parse_args(argv)
    if args.workers is not None and args.workers < 1:
        raise BatchError("--workers: must be at least 1")
    if args.json is not None and (args.json.is_dir() or not args.json.parent.is_dir()):
        raise BatchError(f"--json {args.json}: give a file name in an existing folder")
    from evaluator import POLICIES

    if args.precision not in POLICIES:
        raise BatchError(f"--precision {args.precision!r}: choose from {', '.join(sorted(POLICIES))}")
    return args


def pair(kernels: list[Path], problems: dict) -> tuple[list[tuple[Path, object]], list[Path]]:
    """(kernel, problem) pairs by the naming rule, and the kernels that match no problem."""
    pairs = [(k, problems[problem_of(k)]) for k in kernels if problem_of(k) in problems]
    return pairs, [k for k in kernels if problem_of(k) not in problems]


def card_of(args, problems: dict, results: dict) -> Scorecard:
    from agent.gpu import environment

    rows = [row_of(name, p, [k for k in results if problem_of(k) == name], results) for name, p in problems.items()]
    env = {**environment(), "precision": args.precision, "date": _dt.date.today().isoformat()}
    return score(str(args.dir), rows, environment=env)


def exit_code(card: Scorecard, results: dict) -> tuple[int, str | None]:
    """The verdicts as an exit code (module docstring), the codes agent.suite uses, and for a 4 the line that
    says it on stderr: a kernel the evaluator could not judge has no verdict, which outranks an unsolved problem."""
    from agent.loop import NOT_THE_CANDIDATE  # (torch: evaluated by now)
    from agent.suite_runner import CANNOT_JUDGE, FAILED

    unjudged = [k for k, r in results.items() if r.reason in NOT_THE_CANDIDATE]
    if unjudged:
        names = ", ".join(k.name for k in unjudged)
        why = " ".join(results[unjudged[0]].message.split())[:300]
        whose = "the kernel" if len(unjudged) == 1 else "the kernels"
        return CANNOT_JUDGE, f"the evaluator could not judge {names}, through no fault of {whose}: {why}"
    return (FAILED if any(not r.correct for r in card.rows) else 0), None


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    console = Console()
    try:
        args = checked_args(argv, prog)
        problems = problems_from(args.problems, args.shapes)
        pairs, unpaired = pair(kernels_in(args.dir), problems)
        if not pairs:
            raise BatchError(
                f"no kernel in {args.dir} is named after a problem given ({', '.join(sorted(problems))}); "
                f"name each NAME.py or NAME{SAMPLE_SEP}TAG.py"
            )
        from evaluator import make_executor

        executor = make_executor(args.executor, workers=args.workers, address=args.ray_address)
    except ValueError as e:  # BatchError, ProblemError, an executor that cannot start
        print(f"error: {e}", file=sys.stderr)
        return 2
    for k in unpaired:
        print(f"note: {k.name} names no problem given ({problem_of(k)!r}); left out", file=sys.stderr)
    try:
        results = evaluate_all(pairs, args, executor)
    except KeyboardInterrupt:
        from evaluator import exit_now, stop_everything

        print("interrupted: nothing written", file=sys.stderr, flush=True)
        if not stop_everything():
            exit_now(130)
        return 130
    card = card_of(args, problems, results)
    console.print(terminal(card, title=f"batch {args.dir}"))
    if any(len([k for k in results if problem_of(k) == name]) > 1 for name in problems):
        console.print(kernels_table(results, card.timed))
    for r in card.rows:  # why each unsolved problem failed (its best attempt's message, cut to one screen line)
        if not r.correct:
            why = " ".join(r.message.split())[:300]
            console.print(f"{r.problem} ({r.status}): {why}", markup=False, highlight=False)
    if args.json:
        out = {"card": card.model_dump(), "results": {str(k): r.model_dump(mode="json") for k, r in results.items()}}
        write_atomic(args.json, json.dumps(out, indent=2, default=str) + "\n")
        console.print(f"wrote {args.json}", highlight=False)
    code, line = exit_code(card, results)
    if line:
        print(f"error: {line}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
