"""Promote a run's winner into kernels/<problem>/, as the best kernel for the GPU model it runs on.

    python -m agent.promote RUN [ATTEMPT] [--force] [--note TEXT]
    python -m agent.promote --suite NAME [--force] [--note TEXT]     # each problem's winner, in turn

ATTEMPT defaults to the run's best. Each GPU model keeps its own winner (agent.best: best/<model>.py,
best.py the most recent one, best.json every model's record). The candidate is re-evaluated with fresh
seeds on every shape set (`all`: small, odd and full with a GPU; small and odd without), then the
contender: this GPU model's winner, or where this model has none yet the most recent winner measured
elsewhere, evaluated right after it with the same settings; on a GPU the two are then timed side by
side in one process (evaluator.racing, turns taken) and those medians decide. Only a correct candidate
faster by more than the race's noise and not flagged as too good to be true is written; otherwise it
says why, changes nothing and exits 1. Other models' winners are never touched.

A CPU result never replaces a GPU one (--force included: interpreter time says nothing about GPU
speed); on a CPU-only machine a candidate is promoted only where no winner exists yet, or, with
--force, over an earlier CPU winner. `--force` also overrides the too-good-to-be-true flag, and the
record says it was forced. Each model's record keeps its replaced winners under `history` (oldest
first). A problem that is the installed package's copy is promoted into ./kernels/<name>/
(reference.py and seed.py are copied there), never into site-packages. One flushed line per phase, so
a pipe or a log sees progress. Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

from rich.console import Console

from agent.best import CPU_KEY, BestBook, BestError, Speedups, Winner, device_key, load_best, local_gpu, pick
from agent.history import HistoryError, RunStore, now, write_atomic
from agent.ranking import AttemptError, geomean_ms, resolve_attempt
from agent.settings import CliParser, default_runs_dir
from agent.suite import environment, promote_suite
from evaluator import (
    EvalConfig,
    EvalResult,
    ProblemError,
    Status,
    evaluate,
    geomean,
    is_installed_copy,
    load_problem,
    race,
)


class PromoteError(ValueError):
    """A run or attempt that cannot be promoted as asked (bad input: exit 2)."""


def measure(result: EvalResult) -> tuple[str, float | None]:
    gpu = geomean_ms(result)
    return ("gpu", gpu) if gpu is not None else ("cpu-interpreter", result.interpreter_ms)


def summary(result: EvalResult) -> dict:
    """A contender's re-evaluation, kept in the new winner's record under `replaced`."""
    kind, value = measure(result)
    return {
        "status": result.status.value,
        "measure": kind,
        "geomean_ms": value if kind == "gpu" else None,
        "interpreter_ms": result.interpreter_ms,
        "speedup_vs_eager": result.speedup_vs_eager,
        "speedup_vs_compile": result.speedup_vs_compile,
        "timings": [t.model_dump() for t in result.timings],
        "max_abs_err": result.max_abs_err,
        "shape_sets": result.shape_sets,
        "precision": result.precision,
        "device": result.device.model_dump() if result.device else None,
    }


def race_ms(per_case: dict) -> float | None:
    return geomean(t["median_ms"] for t in per_case.values())


def cpu_refusal(book: BestBook, key: str) -> str | None:
    """Why nothing measured here may be promoted, decided before any evaluation, or None. Only a CPU
    meets a GPU winner this way; a GPU always races its contender instead."""
    gpus = book.gpu_models()
    if key != CPU_KEY or not gpus:
        return None
    names = "; ".join(w.brief() for w in gpus.values())
    return (
        f"this problem has winners measured on GPUs ({names}); this machine has no GPU, and a CPU-interpreter "
        f"result never replaces a GPU one, --force included. Promote on a GPU machine"
    )


def contender(book: BestBook, key: str) -> Winner | None:
    """What the candidate must beat here: this model's winner, else (on a GPU) the most recent one,
    raced here because its record from another device says nothing about speed on this one."""
    return pick(book, key)


def decide(
    new: EvalResult,
    current: EvalResult | None,
    force: bool,
    raced: dict | None = None,
    against: str = "the current best.py",
) -> str | None:
    """None to promote, else the reason not to. `raced`: {label: {case: timing}} from evaluator.racing,
    which then decides the speed question (same process, turns taken) instead of the two evaluations."""
    if new.status is not Status.correct:
        return f"the candidate is {new.status.value} on re-evaluation: {new.message}"
    suspicious = getattr(new, "suspicious", None)
    if suspicious and not force:
        return f"the result looks too good to be true ({'; '.join(suspicious)}); check it, then use --force"
    if current is None or current.status is not Status.correct:
        return None
    if raced is not None:
        vn, vc = race_ms(raced["candidate"]), race_ms(raced["current"])
        # Faster must mean faster than the noise: by more than the larger relative IQR of the race.
        noise = max(t["iqr_ms"] / t["median_ms"] for label in raced.values() for t in label.values())
        if vn >= vc * (1 - noise):
            return (
                f"not faster than {against} side by side: {vn:.4g} ms vs {vc:.4g} ms (gpu race; "
                f"a win must exceed the noise, {100 * noise:.1f}%)"
            )
        return None
    (kn, vn), (kc, vc) = measure(new), measure(current)
    if kn == kc == "cpu-interpreter":
        if force:
            return None
        return (
            "both were measured on the CPU interpreter, whose time says nothing about GPU speed; promote "
            f"on a GPU machine, or use --force to replace {against} anyway"
        )
    if kn != kc and "cpu-interpreter" in (kn, kc):
        # Without a race (the race failed to run, or one side was untimed) a GPU time and an interpreter
        # time are not comparable; a GPU result is never replaced by a CPU one.
        if kn == "gpu" and force:
            return None
        return f"cannot compare speeds (candidate: {kn} {vn}, {against}: {kc} {vc})" + (
            "; --force to replace it anyway" if kn == "gpu" else ""
        )
    if vn is None or vc is None:
        return None if force else f"cannot compare speeds (candidate {vn}, {against} {vc}); --force to replace anyway"
    if vn >= vc:
        return f"not faster than {against}: {vn:.4g} ms vs {vc:.4g} ms ({kn})"
    return None


def winner_record(
    new: EvalResult,
    key: str,
    previous: Winner | None,
    against: Winner | None,
    current: EvalResult | None,
    raced: dict | None,
    meta: dict,
) -> Winner:
    """The new winner's entry for model `key`; `previous`: that model's replaced winner, if any."""
    kind, value = measure(new)
    dev = new.device
    hist = (list(previous.history) + [previous.model_copy(update={"history": [], "file": None})]) if previous else []
    return Winner(
        file=f"best/{key}.py",
        measure=kind,
        geomean_ms=value if kind == "gpu" else None,
        interpreter_ms=new.interpreter_ms,
        speedups=Speedups(vs_eager=new.speedup_vs_eager, vs_compile=new.speedup_vs_compile),
        device=dev.name if dev else None,
        capability=dev.capability if dev else None,
        torch=dev.torch if dev else None,
        triton=dev.triton if dev else None,
        status=new.status.value,
        precision=new.precision,
        shape_sets=new.shape_sets,
        max_abs_err=new.max_abs_err,
        timings=[t.model_dump() for t in new.timings],
        raced_against=against.key if against else None,
        replaced=summary(current) if current else None,  # the contender, measured just now
        race=raced,  # both timed side by side in one process (GPU), when there was a contender
        history=hist,  # a promotion never loses what it replaced
        **meta,
    )


def write_book(folder: Path, book: BestBook, key: str, entry: Winner, code: str) -> None:
    """best/<key>.py, best.py (the most recent winner) and best.json. A model whose code lives in best.py
    (a single-record best.json, migrated) gets its own file first, since best.py is about to change."""
    (folder / "best").mkdir(parents=True, exist_ok=True)
    for k, w in book.models.items():
        if k != key and w.file == "best.py" and (folder / "best.py").is_file():
            write_atomic(folder / "best" / f"{k}.py", (folder / "best.py").read_text(encoding="utf-8"))
            w.file = f"best/{k}.py"
    book.models[key] = entry
    book.latest = key
    write_atomic(folder / "best" / f"{key}.py", code)
    write_atomic(folder / "best.py", code)
    write_atomic(folder / "best.json", json.dumps(book.dump(), indent=2) + "\n")


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


def main(argv: list[str] | None = None) -> int:
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
    args = ap.parse_args(argv)
    console = Console()
    if args.suite or args.run is None:
        return promote_suite(args, sys.argv[1:] if argv is None else argv, main, console)
    try:
        store = RunStore.open(args.run, args.runs_dir)
        records = store.records()
        attempt = resolve_attempt(store, records, args.attempt)
        cfg = store.config()
        problem = load_problem(cfg["problem"])
        if problem.path.name != "reference.py":
            raise PromoteError(
                f"the run's problem {problem.path} is not a problem folder's reference.py; copy "
                f"it to ./kernels/<name>/reference.py to promote into that folder"
            )
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
    except (HistoryError, AttemptError, PromoteError, ProblemError, BestError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    refusal = cpu_refusal(book, key)
    if refusal is not None:
        console.print(f"[red]not promoted[/]: {refusal}", highlight=False, soft_wrap=True)
        return 1
    here = gpu or "the CPU interpreter"
    elsewhere = against is not None and against.key != key
    if against is None:
        name = "no current best"
    elif elsewhere:
        name = f"the most recent winner, measured on {against.brief()}"
    else:
        name = f"the current best for {here}"
    # What a message calls the contender: which model's winner, and that it ran here.
    if not elsewhere:
        label = "the current best"
    elif against.measure == "gpu":
        label = f"{against.device or 'another GPU'}'s winner raced on this {here}"
    else:
        label = f"the CPU-interpreter winner raced on this {here}"
    config = EvalConfig(shapes=args.shapes, precision=cfg.get("precision", "tf32"))
    raceable = gpu is not None and against is not None
    progress = Progress(console, 1 + (against is not None) + raceable)
    progress.say(f"promoting {store.name}/{attempt} for {here} (key {key}); contender: {name}")
    progress.start(f"re-checking {store.name}/{attempt} with fresh seeds on shape sets {', '.join(sets)}")
    new = evaluate(code_path, problem, config)
    progress.done(f"candidate: {verdict(new)}")
    current = None
    if against is not None and not new.ok:  # nothing to compare: the candidate itself failed
        console.print(f"[red]not promoted[/]: {decide(new, None, args.force)}", highlight=False, soft_wrap=True)
        return 1
    if against is not None:
        progress.start(f"evaluating {against_path} ({name}) with the same settings on {here}")
        current = evaluate(against_path, problem, config)
        progress.done(f"{label}: {verdict(current)}")
        if not current.ok:  # e.g. a Gluon winner from a Hopper on another architecture: no contender here
            progress.say(f"      {label} is {current.status.value} here, so it does not stand in the way")
    raced = None
    if raceable:
        if new.ok and current.ok and measure(new)[0] == measure(current)[0] == "gpu":
            progress.start(f"racing both side by side in one process on {here}")
            try:
                raced = race({"candidate": code_path, "current": against_path}, problem, config)
            except RuntimeError as e:
                progress.done("race failed")
                console.print(f"[red]not promoted[/]: {e}", highlight=False, soft_wrap=True)
                return 1
            progress.done(f"candidate {race_ms(raced['candidate']):.4g} ms, {label} {race_ms(raced['current']):.4g} ms")
        else:
            progress.start("no race: both must be correct and timed on this GPU")
            progress.done("skipped")
    why = decide(new, current, args.force, raced, against=label)
    if why is not None:
        if elsewhere:
            why += f"; this {here} has no winner of its own, so the loop here keeps starting from that one"
        console.print(f"[red]not promoted[/]: {why}", highlight=False, soft_wrap=True)
        return 1
    prompt = store.read(attempt, "prompt.md")
    meta = {
        "run": store.name,
        "attempt": attempt,
        "promoted_at": now(),
        "code_sha256": hashlib.sha256(code_path.read_bytes()).hexdigest(),
        "prompt_sha256": hashlib.sha256(prompt.encode()).hexdigest() if prompt else None,
        # The model name only means something for the openai provider (replay/manual: a person or a file).
        "llm": cfg.get("llm"),
        "model": cfg.get("model") if cfg.get("llm") in (None, "openai") else None,
        "note": args.note,
        "forced": args.force,
        "driver": environment()["driver"] if gpu else None,
    }
    new_key = device_key(new.device.name if new.device and new.device.cuda else None)
    entry = winner_record(new, new_key, book.models.get(new_key), against, current, raced, meta)
    if target != source:  # first promotion of an installed problem: the folder becomes the user's
        target.mkdir(parents=True, exist_ok=True)
        for name in ("reference.py", "seed.py"):
            if (source / name).is_file() and not (target / name).is_file():
                write_atomic(target / name, (source / name).read_text(encoding="utf-8"))
        for w in book.models.values() if folder != target else ():  # the package's winners move along
            path = book.path_of(folder, w)
            if path is not None and w.file:
                (target / w.file).parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target / w.file, path.read_text(encoding="utf-8"))
        if folder != target and (folder / "best.py").is_file():
            write_atomic(target / "best.py", (folder / "best.py").read_text(encoding="utf-8"))
    book.problem = problem.name
    write_book(target, book, new_key, entry, code_path.read_text(encoding="utf-8"))
    kn, vn = measure(new)
    vs = f", {new.speedup_vs_compile:.2f}x vs torch.compile" if new.speedup_vs_compile else ""
    how = f"{vn:.4g} ms" if kn == "gpu" else "correct; untimed on the CPU interpreter"
    others = [w.device or k for k, w in book.models.items() if k != new_key]
    kept = f"; kept the winners of {', '.join(others)}" if others else ""
    console.print(
        f"[green]promoted[/] {store.name}/{attempt} -> {target / 'best' / (new_key + '.py')} and best.py "
        f"as the best for {new.device.name if new.device else here} ({how}{vs}){kept}",
        highlight=False,
        soft_wrap=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
