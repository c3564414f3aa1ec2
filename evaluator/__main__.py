"""Evaluate a candidate kernel file from the command line.

    python -m evaluator CANDIDATE.py --problem conv2d_scale_min [--shapes small|odd|full|all]
        [--precision tf32|strict|loose] [--json OUT.json] [--keep DIR] [--ncu [--ncu-metrics M1,M2]]
    python -m evaluator best --problem conv2d_scale_min      # the promoted winner for this GPU model

Prints a short table; `--json` writes the full EvalResult. CANDIDATE given as the word `best` is the
problem's promoted winner for this machine's GPU model (kernels/<problem>/best.json, evaluator.shared.best),
else on a GPU the most recent winner; beside a candidate's time, one line gives the winner of this GPU
model when there is one. Exit codes: 0 correct, 1 not correct
(any other status), 2 bad input (one line on stderr, nothing written), 130 interrupted (Ctrl-C: the
candidate's processes are killed, its work folder removed, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from evaluator.shared.cli import CliParser, seconds
from evaluator.shared.files import write_atomic
from evaluator.shared.loader import load_problem
from evaluator.shared.problem import Problem, ProblemError
from evaluator.static import MAX_BYTES

if TYPE_CHECKING:
    from evaluator.shared.result import EvalResult

# evaluator.parent.evaluation (and with it torch) is imported once the arguments check out: `--help` and a
# bad flag answer at once.


class UsageError(Exception):
    pass


def read_candidate(path: Path) -> str:
    if not path.is_file():
        raise UsageError(f"candidate file not found: {path}")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UsageError(f"candidate {path} is {size / 1e6:.1f} MB; a kernel module is at most {MAX_BYTES // 1000} KB")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"candidate {path} is not UTF-8 text (byte {e.start})") from None


BEST = Path("best")  # the candidate word that names the problem's promoted winner


def problem_folder(problem: Problem) -> Path | None:
    """The folder that holds the problem's winners: a problem folder's, never a bare KernelBench file's
    (promotion writes only beside a reference.py)."""
    return problem.path.parent if problem.path.name == "reference.py" else None


def resolve_best(problem: Problem, device: str) -> tuple[Path, str]:
    """The winner's file for `python -m evaluator best` on this machine (`--device cpu`: the interpreter's
    winner), and one line saying which it is."""
    from evaluator.shared.best import BestError, device_key, load_best, local_gpu, pick

    folder = problem_folder(problem)
    if folder is None:
        raise UsageError(f"best: {problem.path} is a file, not a problem folder; winners live in kernels/<name>/")
    try:
        book = load_best(folder)
    except BestError as e:
        raise UsageError(f"best: {e}") from None
    if not book.models:
        raise UsageError(
            f"best: {folder} has no promoted winner (no best.json); promote one with python -m agent.promote"
        )
    gpu = None if device == "cpu" else local_gpu()
    key = device_key(gpu)
    entry = pick(book, key)
    if entry is None:  # a CPU with GPU winners only: they are tuned for (often only run on) a GPU
        models = ", ".join(w.device or k for k, w in book.gpu_models().items())
        raise UsageError(
            f"best: no winner measured on the CPU interpreter in {folder / 'best.json'} (GPU winners: {models}); "
            "give a winner's file to evaluate it here anyway"
        )
    path = book.path_of(folder, entry)
    if path is None:
        raise UsageError(
            f"best: {folder / 'best.json'} names {entry.file} as the winner for {entry.key}, but there is no such file"
        )
    whose = "this GPU model's" if key != "cpu" else "the CPU interpreter's"
    if entry.key != key:
        whose = f"the most recent (no winner for {gpu} yet; measured on {entry.device or entry.key})"
    return path, f"best: {path} is {whose} winner: {entry.brief()}"


def best_line(problem: Problem, r: EvalResult) -> str | None:
    """'best for <GPU>: X ms (run/attempt)' when the problem has a winner of the GPU model the candidate
    ran on (never another model's: times are not comparable across models), with the candidate's ratio
    when both were timed on the same cases. None without one, or with an unreadable best.json (the
    evaluation stands; promotion reports that file)."""
    from evaluator.shared.best import BestError, device_key, load_best
    from evaluator.shared.stats import geomean

    folder = problem_folder(problem)
    if folder is None or r.device is None:
        return None
    try:
        book = load_best(folder)
    except BestError:
        return None
    key = device_key(r.device.name if r.device.cuda else None)
    w = book.models.get(key)
    if w is None:
        return None
    where = f" ({w.run}/{w.attempt})" if w.run else ""
    if w.measure != "gpu" or w.geomean_ms is None:
        ms = f"{w.interpreter_ms:.4g} ms under the interpreter (never compared)" if w.interpreter_ms else "untimed"
        return f"best for {w.device or key}: {ms}{where}"
    line = f"best for {w.device or r.device.name}: {w.geomean_ms:.4g} ms{where}"
    mine = {t.case: t.candidate.median_ms for t in r.timings if t.candidate}
    if mine and sorted(mine) == sorted(t.get("case") for t in w.timings):
        ms = geomean(mine.values())
        line += f"; this candidate {ms:.4g} ms ({w.geomean_ms / ms:.2f}x the best)"
    return line


def check_device(device: str) -> None:
    """--device cuda on a machine without CUDA is the user's mistake, not the candidate's compile error."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError(
                "--device cuda: this machine has no CUDA device (torch sees none); use --device "
                "auto or cpu to run under the Triton interpreter"
            )


def check_output(path: Path | None) -> None:
    """--json goes into an existing folder: a typo in the folder must not create it, nor be found only
    after the evaluation."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"--json {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"--json {path}: folder {path.parent} does not exist")


def parse_args(argv: list[str] | None, prog: str | None = None) -> argparse.Namespace:
    ap = CliParser(prog=prog or "python -m evaluator", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "candidate",
        type=Path,
        help="Python file defining ModelNew, or `best`: the problem's promoted winner for this GPU model",
    )
    ap.add_argument("--problem", required=True, help="name under kernels/ or a KernelBench-format .py file")
    ap.add_argument(
        "--shapes", default="auto", help="shape set: small, odd, full, all (default: all with a GPU, small without)"
    )
    # Checked against evaluator.shared.precision.POLICIES after parsing: that module imports torch.
    ap.add_argument("--precision", default="tf32", help="tf32 (default), strict or loose")
    ap.add_argument("--json", type=Path, help="write the full EvalResult here")
    ap.add_argument("--trials", type=int, default=3, help="correctness trials per case (default 3, at least 1)")
    ap.add_argument("--no-time", action="store_true", help="skip timing and baselines")
    ap.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto")
    ap.add_argument("--compile-timeout", type=seconds, default=300.0, help="seconds for import + first call")
    ap.add_argument("--run-timeout", type=seconds, default=300.0, help="seconds for the correctness phase")
    ap.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="PHASE=SECONDS",
        help="any phase limit of evaluator.parent.supervisor.Limits, repeatable: start, reference, import, compile, "
        "correctness, timing, baselines, total (seconds); memory (MB: RSS, tmpfs, memfd), file (MB per file), "
        "disk (MB of the work folder), processes (count)",
    )
    ap.add_argument("--keep", type=Path, help="keep the child's job, report, stdout and stderr here")
    ap.add_argument("--ncu", action="store_true", help="profile the first timed case under Nsight Compute (GPU)")
    ap.add_argument("--ncu-metrics", help="comma-separated ncu metric names (default: the seed's five)")
    return ap.parse_args(argv)


def print_table(r: EvalResult, best: str | None = None) -> None:
    from rich.console import Console

    from evaluator.shared.result import Status

    console = Console()
    colour = "green" if r.status is Status.correct else "red"
    console.print(
        f"[bold {colour}]{r.status.value}[/] {r.problem} <- {r.candidate}  "
        f"(gate: {r.gate}{f', reason: {r.reason}' if r.reason else ''}, sets: {', '.join(r.shape_sets)}, "
        f"precision: {r.precision})"
    )
    if r.message:
        console.print(r.message, markup=False, highlight=False)
    if r.error_tail and r.status is not Status.correct:
        console.print(
            r.error_tail.splitlines()[-6:] and "\n".join(r.error_tail.splitlines()[-6:]),
            markup=False,
            highlight=False,
            style="dim",
        )
    if r.checks:  # which call: a trial, a late call (checked calls after all trials), the dynamic-range call...
        rows = [
            (
                c.case,
                c.shapes,
                str(c.trial) if c.stage == "trial" else CALL_LABELS.get(c.stage, c.stage),
                "yes" if c.ok else "[red]no[/]",
                f"{c.max_abs_err:.2e}" if c.max_abs_err is not None else "-",
                f"{c.max_rel_err:.2e}" if c.max_rel_err is not None else "-",
            )
            for c in r.checks
        ]
        print_rows(console, "correctness", ("case", "shapes", "call", "ok", "max abs err", "max rel err"), rows)
    if r.timings:
        fmt = lambda x: f"{x.median_ms:.3f} ± {x.iqr_ms:.3f}" if x else "-"  # noqa: E731
        rows = [
            (
                ct.case + f" {ct.shapes}",
                fmt(ct.candidate),
                fmt(ct.eager),
                fmt(ct.compiled),
                f"{ct.speedup_vs_eager:.2f}x" if ct.speedup_vs_eager else "-",
                f"{ct.speedup_vs_compile:.2f}x" if ct.speedup_vs_compile else "-",
            )
            for ct in r.timings
        ]
        title = f"timing on {r.device.name if r.device else '?'} (ms, median ± IQR)"
        print_rows(console, title, ("case", "candidate", "eager", "compile", "xeager", "xcomp"), rows, wrap=("case",))
    elif r.timing_unavailable:
        console.print(f"timing: unavailable ({r.timing_unavailable})")
    if best:  # the winner of this GPU model, beside the candidate's time
        console.print(best, markup=False, highlight=False)
    if r.ncu:
        print_ncu(console, r.ncu)
    elif r.ncu_reason and r.ncu_reason != "not requested":
        console.print(f"ncu: no metrics ({r.ncu_reason})", markup=False, highlight=False)
    for flag in r.suspicious:  # evaluator.parent.roofline: promotion refuses these without --force
        console.print(f"[bold yellow]suspicious:[/] {flag}", highlight=False)
    for note in r.notes:
        console.print(f"note: {note}", markup=False)
    console.print(f"[dim]seconds by gate: {gate_line(r.gate_seconds)}[/]", highlight=False)


def gate_line(gates: dict[str, float]) -> str:
    """'spawn 0.2s, plan 0.2s, import 0.3s (cuda_context 0.15, snapshot 0.07), ...': the child's start-up steps
    (`import.*`) in brackets after the import gate, each with two decimals."""
    steps = {k.removeprefix("import."): v for k, v in gates.items() if k.startswith("import.")}
    out = []
    for k, v in gates.items():
        if k.startswith("import."):
            continue
        out.append(f"{k} {v:.1f}s")
        if k == "import" and steps:
            out[-1] += " (" + ", ".join(f"{n} {t:.2f}" for n, t in steps.items()) + ")"
    return ", ".join(out)


CALL_LABELS = {"late": "late", "dynamic": "dynamic range", "knockout": "knockout"}  # else the stage's own name


def print_rows(console, title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], wrap=None) -> None:
    """A titled table, or nothing: no table without rows, no column whose every cell is "-" (an incorrect
    result's errors when the output had the wrong shape), no blank edge lines that read as an empty
    header. No vertical rules, one space between columns: the tables fit 80 columns, piped or not.
    `wrap`: the columns that may wrap (default all)."""
    from rich import box
    from rich.table import Table

    keep = [i for i in range(len(columns)) if any(row[i] != "-" for row in rows)]
    if not rows or not keep:
        return
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, show_edge=False)
    for i in keep:
        t.add_column(columns[i], no_wrap=wrap is not None and columns[i] not in wrap)
    for row in rows:
        t.add_row(*(row[i] for i in keep))
    console.print(title, markup=False, highlight=False)
    console.print(t)


def _num(x: float) -> str:
    """516128 -> "516,128"; 85.31 -> "85.31"; 12345.678 -> "12,345.7"."""
    return f"{x:,.0f}" if x.is_integer() else f"{x:,.1f}" if abs(x) >= 1000 else f"{x:.4g}"


def print_ncu(console, ncu: dict[str, dict[str, float]]) -> None:
    """One row per metric, one column per kernel (metric names are long, kernels are few)."""
    metrics = dict.fromkeys(m for values in ncu.values() for m in values)
    rows = [(m, *(_num(ncu[k][m]) if m in ncu[k] else "-" for k in ncu)) for m in metrics]
    print_rows(console, "Nsight Compute (first timed case; ncu base units)", ("metric", *ncu), rows)


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    try:
        return _main(argv, prog)
    except KeyboardInterrupt:  # Ctrl-C: the candidate's processes killed, its folder removed, no traceback
        from evaluator.parent.cancel import exit_now, stop_everything

        print("interrupted: nothing was evaluated to the end, nothing written", file=sys.stderr, flush=True)
        if not stop_everything():
            exit_now(130)
        return 130


def _main(argv: list[str] | None, prog: str | None) -> int:
    args = parse_args(argv, prog)
    try:
        is_best = args.candidate == BEST and not args.candidate.is_file()  # a file named best is a file
        if not is_best:
            read_candidate(args.candidate)
        problem = load_problem(args.problem)
        if args.shapes != "auto":
            problem.set_names(args.shapes)
        if args.trials < 1:
            raise UsageError("--trials must be at least 1")
        check_device(args.device)
        if is_best:
            args.candidate, said = resolve_best(problem, args.device)
            read_candidate(args.candidate)
            print(said)
        check_output(args.json)
        from evaluator.shared.precision import POLICIES

        if args.precision not in POLICIES:
            raise UsageError(f"--precision {args.precision!r}: choose from {', '.join(sorted(POLICIES))}")
        from evaluator.parent.evaluation import EvalConfig, evaluate, prestart
        from evaluator.parent.supervisor import Limits
        from evaluator.shared.result import Status

        limits = Limits.from_timeouts(args.compile_timeout, args.run_timeout).with_overrides(args.limit)
    except (UsageError, ProblemError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    metrics = [m.strip() for m in (args.ncu_metrics or "").split(",") if m.strip()] or None
    config = EvalConfig(
        shapes=args.shapes,
        precision=args.precision,
        trials=args.trials,
        time=not args.no_time,
        device=args.device,
        limits=limits,
        keep_dir=args.keep,
        ncu=args.ncu,
        ncu_metrics=metrics,
    )
    prestart(problem, config)  # the oracle's and the candidate's zygotes come up side by side, not in turn
    result = evaluate(args.candidate, problem, config)
    if args.json:
        write_atomic(args.json, result.model_dump_json(indent=2))
    print_table(result, best_line(problem, result))
    return 0 if result.status is Status.correct else 1


if __name__ == "__main__":
    sys.exit(main())
