"""Promotion's rules, apart from the command (agent.promote): what a candidate must beat, whether it
did, and the record a winner is written as.

    from agent.promotion import contender, cpu_refusal, decide, winner_record, write_book
    refusal = cpu_refusal(book, key)          # a CPU never replaces a GPU winner: decided before evaluating
    against = contender(book, key)            # this model's winner, else (on a GPU) the most recent one
    why = decide(new, current, force, raced)  # None to promote, else the reason not to
    write_book(folder, book, key, winner_record(new, key, ...), code)
    commands = promote_commands(store, "0003-1", problem_path)  # what a user types to promote it

A GPU race (evaluator.parent.racing: turns taken, each an evaluation in its own jailed process) decides speed
whenever it ran;
without one, only two GPU times compare, and interpreter time never beats anything without --force.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from agent.archive import geomean_ms
from agent.best import CPU_KEY, BestBook, Speedups, Winner, pick
from agent.history import RunStore, write_atomic
from agent.settings import RunSettings, runs_dir_flag
from evaluator import EvalResult, Status, geomean, load_problem, problem_dirs, writable_kernels_dir


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


def race_noise(raced: dict) -> float:
    """The race's noise: the larger relative IQR of any contender's round medians on any case. Faster must mean
    faster than this; with the lead alternating (evaluator.parent.racing), a place effect counts here too."""
    return max(t["iqr_ms"] / t["median_ms"] for label in raced.values() for t in label.values())


def race_verdict(raced: dict, against: str = "the current best.py") -> str | None:
    """The speed question on a race's figures alone: None when the candidate is faster than `current` by more than
    the race's noise, else why not (decide's answer once both sides are correct)."""
    vn, vc = race_ms(raced["candidate"]), race_ms(raced["current"])
    noise = race_noise(raced)
    if vn >= vc * (1 - noise):
        return (
            f"not faster than {against} side by side: {vn:.4g} ms vs {vc:.4g} ms (gpu race; "
            f"a win must exceed the noise, {100 * noise:.1f}%)"
        )
    return None


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
    """None to promote, else the reason not to. `raced`: {label: {case: timing}} from evaluator.parent.racing,
    which then decides the speed question (same process, turns taken) instead of the two evaluations."""
    if new.status is not Status.correct:
        return f"the candidate is {new.status.value} on re-evaluation: {new.message}"
    suspicious = getattr(new, "suspicious", None)
    if suspicious and not force:
        return f"the result looks too good to be true ({'; '.join(suspicious)}); check it, then use --force"
    if current is None or current.status is not Status.correct:
        return None
    if raced is not None:
        return race_verdict(raced, against)
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
        race=raced,  # both timed in turns on this GPU, when there was a contender
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


def plain_file(store: RunStore) -> Path | None:
    """The plain KernelBench file the run's problem is (agent.promote has no folder to write its winner into), or
    None for a problem folder's reference.py. Raises ProblemError where the run's problem no longer loads."""
    problem = load_problem(store.config().problem).path
    return None if problem.name == "reference.py" else problem


def plain_file_refusal(store: RunStore, attempt: str, problem: Path) -> str | None:
    """Why `attempt` of a run on `problem`, its reference file, cannot be promoted as it is, with the commands
    that add the file as a problem and re-check the attempt there (promote_commands); None for a problem
    folder's reference.py."""
    if problem.name == "reference.py":
        return None
    return (
        f"the run's problem {problem} is a plain file, not a problem folder's reference.py: add it as a "
        f"problem and re-check {attempt} there (that run ends with the promote command):  "
        + " && ".join(promote_commands(store, attempt, problem))
    )


def promote_commands(store: RunStore, attempt: str, problem: Path) -> list[str]:
    """The commands that promote `attempt` of this run (on `problem`, the reference file it ran on), as they work
    when pasted into the same shell. A winner is written into its problem's folder (kernels/<name>/): a run on
    a plain KernelBench file has none, so for it the file is added as a problem (agent.problem add) and the
    kernel re-checked in a run there, from it (--seed) in the seed stage, which asks the LLM nothing while that
    kernel is correct; that run's last lines give the promote command."""
    if problem.name == "reference.py":
        return [f"python -m agent.promote {shlex.quote(store.name)} {attempt}{runs_dir_flag(store.path.parent)}"]
    kernels = writable_kernels_dir()
    # As agent.problem add names it (the file's stem), and as it prints the folder: by name where lookup finds it.
    found = any(kernels.resolve() == d.resolve() for d in problem_dirs())
    target = problem.stem if found else str(kernels / problem.stem)
    cfg = store.config()
    flags = f" --llm {shlex.quote(cfg.llm)}" if cfg.llm not in (None, "openai") else ""  # the run's own LLM
    if cfg.precision != RunSettings.model_fields["precision"].default:
        flags += f" --precision {cfg.precision}"  # judged as this run judged it
    code = (store.attempt_dir(attempt) / "code.py").absolute()
    return [
        f"python -m agent.problem add {shlex.quote(str(problem))}",
        f"python -m agent.run --problem {shlex.quote(target)} --seed {shlex.quote(str(code))} --stage seed"
        f"{flags}{runs_dir_flag(store.path.parent)}",
    ]
