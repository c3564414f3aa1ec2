"""Promote a run's winner into kernels/<problem>/best.py, after checking it again.

    python -m agent.promote RUN [ATTEMPT] [--force] [--note TEXT]
    python -m agent.promote --suite NAME [--force] [--note TEXT]     # each problem's winner, in turn

ATTEMPT defaults to the run's best. The candidate is re-evaluated with fresh seeds on every shape set
(`all`: small, odd and full with a GPU; small and odd without), then the current best.py (if any) is
evaluated right after it with the same settings; on a GPU the two are then timed side by side in one
process (evaluator.race, turns taken) and those medians decide. Without a GPU the two evaluations'
interpreter times are compared, and best.json says so. Only a correct
candidate that is faster (GPU medians; in a CPU-only setting, interpreter time, recorded as such)
and not flagged as too good to be true (unless --force) is written, as best.py and best.json.
Otherwise it says why, changes nothing and exits 1. Bad input: one line on stderr, exit 2.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

from rich.console import Console

from agent.history import HistoryError, RunStore, now, write_atomic
from agent.loop import median_ms
from agent.runs import RunsError, resolve_attempt
from agent.suite import promote_suite
from evaluator.evaluate import EvalConfig, evaluate
from evaluator.race import race
from evaluator.problem import KERNELS_DIR, ProblemError, load_problem
from evaluator.result import EvalResult, Status


def measure(result: EvalResult) -> tuple[str, float | None]:
    gpu = median_ms(result)
    return ("gpu", gpu) if gpu is not None else ("cpu-interpreter", result.interpreter_ms)


def summary(result: EvalResult) -> dict:
    kind, value = measure(result)
    return {"status": result.status.value, "measure": kind, "median_ms": value,
            "speedup_vs_eager": result.speedup_vs_eager, "speedup_vs_compile": result.speedup_vs_compile,
            "timings": [t.model_dump() for t in result.timings], "max_abs_err": result.max_abs_err,
            "shape_sets": result.shape_sets, "precision": result.precision,
            "device": result.device.model_dump() if result.device else None}


def geomean_ms(per_case: dict) -> float:
    meds = [t["median_ms"] for t in per_case.values()]
    return math.exp(sum(map(math.log, meds)) / len(meds))


def decide(new: EvalResult, current: EvalResult | None, force: bool,
           raced: dict | None = None) -> str | None:
    """None to promote, else the reason not to. `raced`: {label: {case: timing}} from evaluator.race,
    which then decides the speed question (same process, turns taken) instead of the two evaluations."""
    if new.status is not Status.correct:
        return f"the candidate is {new.status.value} on re-evaluation: {new.message}"
    suspicious = getattr(new, "suspicious", None)
    if suspicious and not force:
        return f"the result looks too good to be true ({'; '.join(suspicious)}); check it, then use --force"
    if current is None or current.status is not Status.correct:
        return None
    if raced is not None:
        vn, vc = geomean_ms(raced["candidate"]), geomean_ms(raced["current"])
        # Faster must mean faster than the noise: by more than the larger relative IQR of the race.
        noise = max(t["iqr_ms"] / t["median_ms"] for label in raced.values() for t in label.values())
        if vn >= vc * (1 - noise):
            return (f"not faster than the current best.py side by side: {vn:.4g} ms vs {vc:.4g} ms (gpu race; "
                    f"a win must exceed the noise, {100 * noise:.1f}%)")
        return None
    (kn, vn), (kc, vc) = measure(new), measure(current)
    if vn is None or vc is None or kn != kc:
        return f"cannot compare speeds (candidate: {kn} {vn}, current best.py: {kc} {vc})"
    if vn >= vc:
        return f"not faster than the current best.py: {vn:.4g} ms vs {vc:.4g} ms ({kn})"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m agent.promote", description=__doc__.split("\n\n")[0])
    ap.add_argument("run", nargs="?")
    ap.add_argument("attempt", nargs="?", default="best")
    ap.add_argument("--suite", help="offer each problem's winner of this suite (agent.suite), as RUN ATTEMPT would")
    ap.add_argument("--runs-dir", type=Path, default=Path("runs"))
    ap.add_argument("--shapes", default="all")
    ap.add_argument("--force", action="store_true", help="promote even if flagged as too good to be true")
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
        target = problem.path.parent
        if problem.path.name != "reference.py":
            raise RunsError(f"the run's problem {problem.path} is not a problem folder's reference.py; copy "
                            f"it to {KERNELS_DIR}/<name>/reference.py to promote into that folder")
        code_path = store.attempt_dir(attempt) / "code.py"
        if not code_path.is_file():
            raise RunsError(f"attempt {attempt} has no code.py (its reply had no code)")
    except (HistoryError, RunsError, ProblemError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    config = EvalConfig(shapes=args.shapes, precision=cfg.get("precision", "tf32"))
    console.print(f"re-evaluating {store.name}/{attempt} on shape sets '{args.shapes}' with fresh seeds")
    new = evaluate(code_path, problem, config)
    current_path = target / "best.py"
    current = None
    if current_path.is_file():
        console.print(f"evaluating the current {current_path} with the same settings")
        current = evaluate(current_path, problem, config)
    raced = None
    if current is not None and new.ok and current.ok and measure(new)[0] == measure(current)[0] == "gpu":
        console.print("timing both side by side in one process")
        try:
            raced = race({"candidate": code_path, "current": current_path}, problem, config)
        except RuntimeError as e:
            console.print(f"[red]not promoted[/]: {e}", highlight=False)
            return 1
    why = decide(new, current, args.force, raced)
    kn, vn = measure(new)
    if why is not None:
        console.print(f"[red]not promoted[/]: {why}", highlight=False)
        return 1
    prompt = store.read(attempt, "prompt.md")
    meta = {
        "problem": problem.name, "run": store.name, "attempt": attempt, "promoted_at": now(),
        "code_sha256": hashlib.sha256(code_path.read_bytes()).hexdigest(),
        "prompt_sha256": hashlib.sha256(prompt.encode()).hexdigest() if prompt else None,
        # The model name only means something for the openai provider (replay/manual: a person or a file).
        "llm": cfg.get("llm"), "model": cfg.get("model") if cfg.get("llm") in (None, "openai") else None,
        "note": args.note,
        **summary(new),
        "replaced": summary(current) if current else None,  # the previous best.py, measured just now
        "race": raced,  # both timed side by side in one process (GPU), when there was a best.py
    }
    write_atomic(current_path, code_path.read_text(encoding="utf-8"))
    write_atomic(target / "best.json", json.dumps(meta, indent=2) + "\n")
    vs = f", {new.speedup_vs_compile:.2f}x vs torch.compile" if new.speedup_vs_compile else ""
    console.print(f"[green]promoted[/] {store.name}/{attempt} -> {current_path} ({kn} {vn:.4g} ms{vs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
