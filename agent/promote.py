"""Promote a run's winner into kernels/<problem>/, as the best kernel for the GPU model it runs on.

    python -m agent.promote RUN [ATTEMPT] [--force] [--note TEXT]
    python -m agent.promote --suite NAME [--force] [--note TEXT]     # each problem's winner, in turn

ATTEMPT defaults to the run's best. Each GPU model keeps its own winner (agent.best: best/<model>.py,
best.py the most recent one, best.json every model's record). The candidate is re-evaluated with fresh
seeds (under Nsight Compute where the run used it, as runs do by default) on every shape set (`all`:
small, odd and full with a GPU; small and odd without), then the contender: this GPU model's winner, or
where this model has none yet the most recent winner measured elsewhere, evaluated right after it with
the same settings; on a GPU the two then take turns, three evaluations each on the timed shapes, each
turn in its own jailed process (evaluator.parent.racing), and those medians decide. Only a correct
candidate faster by more than the race's noise and not flagged as too good to be true is written; otherwise it
says why, changes nothing and exits 1. Other models' winners are never touched.

A CPU result never replaces a GPU one (--force included: interpreter time says nothing about GPU
speed); on a CPU-only machine a candidate is promoted only where no winner exists yet, or, with
--force, over an earlier CPU winner. `--force` also overrides the too-good-to-be-true flag, and the
record says it was forced. Each model's record keeps its replaced winners under `history` (oldest
first). A problem that is the installed package's copy is promoted into ./kernels/<name>/
(reference.py and seed.py are copied there), never into site-packages. A run on a plain KernelBench file has
no folder to promote into: it is refused (exit 2) with the commands that add the file as a problem and
re-check the attempt in a run there (agent.promotion.promote_commands); under --suite (a KernelBench level's
files) the same line is printed for each such problem, counted as not promoted (exit 1). One flushed line per phase, so
a pipe or a log sees progress. Bad input: one line on stderr, exit 2.

A run in progress (agent.run or a suite's loop holds its lock) can be promoted from, read-only: its attempts
as recorded so far (`best`: the best so far; an attempt's files are complete before its history line is
written), nothing in its folder written. A history that needs a repair (a torn last line, an attempt whose
line is missing) is repaired under the run's lock when the run is free, and left to the process working on
it otherwise: one line on stderr says the run is in progress.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.archive import AttemptError, resolve_attempt
from agent.best import BestBook, BestError, Winner, device_key, load_best, local_gpu
from agent.cli import CliParser
from agent.gpu import environment
from agent.history import HistoryError, RunStore, now, write_atomic
from agent.promotion import (
    contender,
    cpu_refusal,
    decide,
    measure,
    plain_file,
    plain_file_refusal,
    race_ms,
    race_noise,
    winner_record,
    write_book,
)
from agent.settings import RunSettings, default_runs_dir
from agent.suite_store import SuiteError, SuiteStore
from evaluator import (
    EvalConfig,
    EvalResult,
    Problem,
    ProblemError,
    evaluate,
    is_installed_copy,
    load_problem,
    race,
)


class PromoteError(ValueError):
    """A run or attempt that cannot be promoted as asked (bad input: exit 2)."""


class Progress:
    """One line per phase, flushed: a pipe or a log sees each as it starts and ends."""

    def __init__(self, console: Console, phases: int):
        self.console, self.phases, self.n, self.t0 = console, phases, 0, time.monotonic()

    def start(self, text: str) -> None:
        self.n += 1
        self.t0 = time.monotonic()
        self.say(f"[{self.n}/{self.phases}] {text}")

    def done(self, text: str) -> None:
        self.say(f"      {text} ({time.monotonic() - self.t0:.0f} s)")

    def say(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)
        self.console.file.flush()


def verdict(r: EvalResult) -> str:
    kind, value = measure(r)
    speed = f", {value:.4g} ms" if kind == "gpu" and value is not None else ""
    return f"{r.status.value} on shape sets {', '.join(r.shape_sets) or 'none'}{speed}"


class NotPromoted(Exception):
    """Why the candidate is not written (exit 1): it failed, lost, or may not be compared here."""


@dataclass
class Plan:
    """What one promotion works on, checked before anything is evaluated."""

    store: RunStore
    attempt: str
    cfg: RunSettings
    problem: Problem
    source: Path  # the problem's folder as loaded
    target: Path  # where the winner is written: the source, or ./kernels/<name>/ for an installed copy
    folder: Path  # where the current winners are read from
    code_path: Path
    book: BestBook
    gpu: str | None
    key: str
    sets: list[str]
    against: Winner | None
    against_path: Path | None

    @property
    def here(self) -> str:
        return self.gpu or "the CPU interpreter"

    @property
    def elsewhere(self) -> bool:
        """The contender is the most recent winner of another model (this one has none yet)."""
        return self.against is not None and self.against.key != self.key

    def contender_name(self) -> str:
        if self.against is None:
            return "no current best"
        if self.elsewhere:
            return f"the most recent winner, measured on {self.against.brief()}"
        return f"the current best for {self.here}"

    def label(self) -> str:
        """What a message calls the contender: which model's winner, and that it ran here."""
        if not self.elsewhere:
            return "the current best"
        if self.against.measure == "gpu":
            return f"{self.against.device or 'another GPU'}'s winner raced on this {self.here}"
        return f"the CPU-interpreter winner raced on this {self.here}"


def parser() -> CliParser:
    ap = CliParser(prog="python -m agent.promote", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "run", nargs="?", help="a run folder name under --runs-dir (as `agent.runs list` prints it), or a path"
    )
    ap.add_argument(
        "attempt",
        nargs="?",
        default="best",
        help="an attempt id (e.g. 0003-1), or `seed` or `best` (default: the run's best)",
    )
    ap.add_argument("--suite", help="offer each problem's winner of this suite (agent.suite), as RUN ATTEMPT would")
    ap.add_argument(
        "--runs-dir",
        type=Path,
        default=default_runs_dir(),
        help="where runs live (default: $KLOOP_RUNS_DIR, else ./runs)",
    )
    ap.add_argument("--shapes", default="all", help="shape sets for the re-check (default: all)")
    ap.add_argument(
        "--force",
        action="store_true",
        help="promote even if flagged as too good to be true, over an earlier CPU-interpreter winner, or "
        "without a comparable time (never a CPU result over a GPU winner)",
    )
    ap.add_argument("--note", default="", help="free text kept in best.json (who wrote the replies, ...)")
    return ap


def plan(args) -> Plan:
    """The run's attempt, its problem's folders, the winners and the contender; raises for bad input."""
    store = RunStore.open(args.run, args.runs_dir)
    attempt = resolve_attempt(store, store.records(), args.attempt)
    cfg = store.config()
    problem = load_problem(cfg.problem)
    refusal = plain_file_refusal(store, attempt, problem.path)
    if refusal is not None:  # a plain KernelBench file: no folder to write a winner into
        raise PromoteError(refusal)
    source = problem.path.parent
    # The installed package's copy is never written: its winner goes to ./kernels/<name>/.
    target = Path.cwd() / "kernels" / problem.name if is_installed_copy(source) else source
    code_path = store.attempt_dir(attempt) / "code.py"
    if not code_path.is_file():
        raise PromoteError(f"attempt {attempt} has no code.py (its reply had no code)")
    # The winners live where best.json is: the target, else (installed copy, first promotion) the source.
    folder = next((d for d in (target, source) if (d / "best.json").is_file() or (d / "best.py").is_file()), target)
    book = load_best(folder)
    gpu = local_gpu()
    key = device_key(gpu)
    sets = problem.set_names(args.shapes)
    if gpu is None and "full" in sets and len(sets) > 1:
        sets.remove("full")  # as the evaluator does: the interpreter would take hours on full
    against = contender(book, key)
    against_path = book.path_of(folder, against)
    if against is not None and against_path is None:
        raise PromoteError(
            f"{folder / 'best.json'} names {against.file} as the winner for {against.key}, but there is no "
            f"such file; restore it, or remove that model from best.json"
        )
    return Plan(
        store, attempt, cfg, problem, source, target, folder, code_path, book, gpu, key, sets, against, against_path
    )


def contest(p: Plan, force: bool, shapes: str, console: Console) -> tuple[EvalResult, EvalResult | None, dict | None]:
    """Re-check the candidate, evaluate the contender, race them: (candidate, contender, race), or
    NotPromoted with the reason."""
    # ncu as the run had it (on by default): the re-check is the gate into kernels/, so it looks at what ran on
    # the GPU (foreign kernels, no trace) and at the GPU's own time, as the loop did; a host without ncu notes it.
    config = EvalConfig(shapes=shapes, precision=p.cfg.precision, ncu=p.cfg.ncu)
    raceable = p.gpu is not None and p.against is not None
    progress = Progress(console, 1 + (p.against is not None) + raceable)
    progress.say(f"promoting {p.store.name}/{p.attempt} for {p.here} (key {p.key}); contender: {p.contender_name()}")
    progress.start(f"re-checking {p.store.name}/{p.attempt} with fresh seeds on shape sets {', '.join(p.sets)}")
    new = evaluate(p.code_path, p.problem, config)
    progress.done(f"candidate: {verdict(new)}")
    current = None
    if p.against is not None and not new.ok:  # nothing to compare: the candidate itself failed
        raise NotPromoted(decide(new, None, force))
    if p.against is not None:
        progress.start(f"evaluating {p.against_path} ({p.contender_name()}) with the same settings on {p.here}")
        current = evaluate(p.against_path, p.problem, config)
        progress.done(f"{p.label()}: {verdict(current)}")
        if not current.ok:  # e.g. a Gluon winner from a Hopper on another architecture: no contender here
            progress.say(f"      {p.label()} is {current.status.value} here, so it does not stand in the way")
    raced = side_by_side(p, new, current, config, progress) if raceable else None
    why = decide(new, current, force, raced, against=p.label())
    if why is not None:
        if p.elsewhere:
            why += f"; this {p.here} has no winner of its own, so the loop here keeps starting from that one"
        raise NotPromoted(why)
    return new, current, raced


def side_by_side(p: Plan, new: EvalResult, current: EvalResult, config: EvalConfig, progress: Progress) -> dict | None:
    """The race on this GPU (evaluator.parent.racing), when both are correct and GPU-timed; else None."""
    if not (new.ok and current.ok and measure(new)[0] == measure(current)[0] == "gpu"):
        progress.start("no race: both must be correct and timed on this GPU")
        progress.done("skipped")
        return None
    progress.start(f"racing both in turns on {p.here}, each turn its own evaluation")
    try:
        raced = race({"candidate": p.code_path, "current": p.against_path}, p.problem, config)
    except RuntimeError as e:
        progress.done("race failed")
        raise NotPromoted(str(e)) from None
    progress.done(
        f"candidate {race_ms(raced['candidate']):.4g} ms, {p.label()} {race_ms(raced['current']):.4g} ms "
        f"(the race's noise {100 * race_noise(raced):.1f} %)"
    )
    return raced


def install(p: Plan, args, new: EvalResult, current: EvalResult | None, raced: dict | None, console: Console) -> None:
    """Write the winner (best/<key>.py, best.py, best.json) and say what was kept."""
    prompt = p.store.read(p.attempt, "prompt.md")
    meta = {
        "run": p.store.name,
        "attempt": p.attempt,
        "promoted_at": now(),
        "code_sha256": hashlib.sha256(p.code_path.read_bytes()).hexdigest(),
        "prompt_sha256": hashlib.sha256(prompt.encode()).hexdigest() if prompt else None,
        # The model name only means something for the openai provider (replay/manual: a person or a file).
        "llm": p.cfg.llm,
        "model": p.cfg.model if p.cfg.llm in (None, "openai") else None,
        "note": args.note,
        "forced": args.force,
        "driver": environment()["driver"] if p.gpu else None,
    }
    new_key = device_key(new.device.name if new.device and new.device.cuda else None)
    entry = winner_record(new, new_key, p.book.models.get(new_key), p.against, current, raced, meta)
    if p.target != p.source:  # first promotion of an installed problem: the folder becomes the user's
        adopt(p)
    p.book.problem = p.problem.name
    write_book(p.target, p.book, new_key, entry, p.code_path.read_text(encoding="utf-8"))
    kn, vn = measure(new)
    vs = f", {new.speedup_vs_compile:.2f}x vs torch.compile" if new.speedup_vs_compile else ""
    how = f"{vn:.4g} ms" if kn == "gpu" else "correct; untimed on the CPU interpreter"
    others = [w.device or k for k, w in p.book.models.items() if k != new_key]
    kept = f"; kept the winners of {', '.join(others)}" if others else ""
    console.print(
        f"[green]promoted[/] {p.store.name}/{p.attempt} -> {p.target / 'best' / (new_key + '.py')} and best.py "
        f"as the best for {new.device.name if new.device else p.here} ({how}{vs}){kept}",
        highlight=False,
        soft_wrap=True,
    )


def adopt(p: Plan) -> None:
    """An installed problem's first promotion: its reference, seed and the package's winners are copied
    to ./kernels/<name>/, which is written from now on."""
    p.target.mkdir(parents=True, exist_ok=True)
    for name in ("reference.py", "seed.py"):
        if (p.source / name).is_file() and not (p.target / name).is_file():
            write_atomic(p.target / name, (p.source / name).read_text(encoding="utf-8"))
    for w in p.book.models.values() if p.folder != p.target else ():  # the package's winners move along
        path = p.book.path_of(p.folder, w)
        if path is not None and w.file:
            (p.target / w.file).parent.mkdir(parents=True, exist_ok=True)
            write_atomic(p.target / w.file, path.read_text(encoding="utf-8"))
    if p.folder != p.target and (p.folder / "best.py").is_file():
        write_atomic(p.target / "best.py", (p.folder / "best.py").read_text(encoding="utf-8"))


def promote_run(args: argparse.Namespace, console: Console) -> int:
    """RUN [ATTEMPT]: 0 promoted, 1 not (the reason printed), 2 bad input."""
    try:
        p = plan(args)
    except (HistoryError, AttemptError, PromoteError, ProblemError, BestError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if p.store.live_note():
        print(p.store.live_note(), file=sys.stderr, flush=True)
    try:
        refusal = cpu_refusal(p.book, p.key)
        if refusal is not None:
            raise NotPromoted(refusal)
        new, current, raced = contest(p, args.force, args.shapes, console)
    except NotPromoted as e:
        console.print(f"[red]not promoted[/]: {e}", highlight=False, soft_wrap=True)
        return 1
    install(p, args, new, current, raced, console)
    return 0


def suite_refusal(run: str, runs_dir: Path | None, attempt: str) -> str | None:
    """plain_file_refusal for a suite problem's run, or None: a problem folder's run, or one that promote_run
    reports on (a run or problem that no longer opens)."""
    try:
        store = RunStore.open(run, runs_dir)
        problem = plain_file(store)
    except (HistoryError, ValueError):  # (ProblemError is one)
        return None
    return None if problem is None else plain_file_refusal(store, attempt, problem)


def promote_suite(args: argparse.Namespace, console: Console) -> int:
    """--suite NAME: each correct problem's best promoted as `RUN ATTEMPT` with the same flags would be
    (the same re-check and race), one after another. 0: every winner promoted; 1: some were not;
    2: bad input."""
    if not args.suite or args.run is not None:
        print("error: give a RUN [ATTEMPT], or --suite NAME alone", file=sys.stderr)
        return 2
    try:
        store = SuiteStore.open(args.suite, args.runs_dir)
        card = store.card()
    except (SuiteError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    outcomes: list[tuple[str, str]] = []
    for row in card.rows:
        if not row.correct or row.best is None:
            outcomes.append((row.problem, f"skipped: no correct kernel ({row.status})"))
            continue
        console.rule(f"{row.problem}: {row.best}")
        run = str(store.link(row.problem).resolve())
        refusal = suite_refusal(run, args.runs_dir, row.best)
        if refusal is not None:  # not bad input here: the suite ran on a KernelBench level's files
            print(refusal, flush=True)
            outcomes.append((row.problem, "not promoted: a plain KernelBench file (add it as a problem: see above)"))
            continue
        one = argparse.Namespace(**{**vars(args), "suite": None, "run": run})
        one.attempt = row.best
        rc = promote_run(one, console)
        outcomes.append((row.problem, {0: "promoted", 1: "not promoted (see above)"}.get(rc, "error (see above)")))
    for name in card.pending:
        outcomes.append((name, "skipped: not finished"))
    t = Table(title=f"promote --suite {store.name}")
    t.add_column("problem", overflow="fold")
    t.add_column("outcome", overflow="fold")
    for name, what in outcomes:
        t.add_row(name, Text(what, style="green" if what == "promoted" else "red"))
    console.print(t)
    offered = [w for _, w in outcomes if not w.startswith("skipped")]
    return 2 if any(w.startswith("error") for w in offered) else 0 if all(w == "promoted" for w in offered) else 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console()
    try:
        if args.suite or args.run is None:
            return promote_suite(args, console)
        return promote_run(args, console)
    except KeyboardInterrupt:  # best.json is written last, atomically: an interrupted race promotes nothing
        from evaluator import exit_now, stop_everything

        print("interrupted: nothing promoted", file=sys.stderr, flush=True)
        if not stop_everything():
            exit_now(130)
        return 130


if __name__ == "__main__":
    sys.exit(main())
