"""Promote a run's winner into kernels/<problem>/best.py, after checking it again.

    python -m agent.promote RUN [ATTEMPT] [--force] [--note TEXT]
    python -m agent.promote --suite NAME [--force] [--note TEXT]     # each problem's winner, in turn

ATTEMPT defaults to the run's best. The candidate is re-evaluated with fresh seeds on every shape set
(`all`: small, odd and full with a GPU; small and odd without), then the current best.py (if any) is
evaluated right after it with the same settings; on a GPU the two are then timed side by side in one
process (evaluator.racing, turns taken) and those medians decide. Only a correct candidate that is
faster by more than the race's noise and not flagged as too good to be true is written, as best.py
and best.json; otherwise it says why, changes nothing and exits 1.

Measurements are only compared where they mean something. A best.py measured on a GPU is not
replaced from a machine that measures on the CPU interpreter or on a different GPU model (the
check is made before anything is evaluated); on a CPU-only machine a candidate is promoted only
where there is no best.py yet (interpreter time is no speed signal). `--force` overrides these and
the too-good-to-be-true flag, and best.json says it was forced. best.json keeps the replaced winners'
records under `history` (oldest first). A problem that is the installed package's copy is promoted
into ./kernels/<name>/ (reference.py and seed.py are copied there), never into site-packages.
Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from rich.console import Console

from agent.history import HistoryError, RunStore, now, write_atomic
from agent.ranking import AttemptError, geomean_ms, resolve_attempt
from agent.settings import CliParser, default_runs_dir
from agent.suite import promote_suite
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


def read_record(path: Path) -> dict | None:
    """The current winner's best.json, or None (absent, or not a JSON object)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def measure(result: EvalResult) -> tuple[str, float | None]:
    gpu = geomean_ms(result)
    return ("gpu", gpu) if gpu is not None else ("cpu-interpreter", result.interpreter_ms)


def summary(result: EvalResult) -> dict:
    kind, value = measure(result)
    return {
        "status": result.status.value,
        "measure": kind,
        "geomean_ms": value if kind == "gpu" else None,  # over the timed cases (older files: median_ms)
        "interpreter_ms": result.interpreter_ms,  # CPU: recorded, never compared
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


def device_refusal(recorded: dict | None, here: str | None, force: bool) -> str | None:
    """Why a winner recorded in best.json may not be replaced from this machine, or None. `here`: the
    local GPU's name, None without CUDA (the CPU interpreter)."""
    if force or not recorded or recorded.get("measure") != "gpu":
        return None
    was = (recorded.get("device") or {}).get("name") or "a GPU"
    ms = recorded.get("geomean_ms", recorded.get("median_ms"))
    what = f"the current best.py was measured on {was}" + (f" ({ms:.4g} ms)" if ms else "")
    if here is None:
        return (
            f"{what}; this machine has no GPU and its CPU-interpreter time says nothing about GPU speed. "
            f"Promote on {was}, or use --force to replace it anyway"
        )
    if here != was:
        return (
            f"{what}; this machine's {here} is a different GPU model, so the two are not comparable. "
            f"Promote on {was}, or use --force to replace it anyway"
        )
    return None


def history(recorded: dict | None) -> list[dict]:
    """best.json's `history` after replacing `recorded`: its own history, then itself (oldest first)."""
    if not recorded:
        return []
    return list(recorded.get("history") or []) + [{k: v for k, v in recorded.items() if k != "history"}]


def local_gpu() -> str | None:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def decide(new: EvalResult, current: EvalResult | None, force: bool, raced: dict | None = None) -> str | None:
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
                f"not faster than the current best.py side by side: {vn:.4g} ms vs {vc:.4g} ms (gpu race; "
                f"a win must exceed the noise, {100 * noise:.1f}%)"
            )
        return None
    (kn, vn), (kc, vc) = measure(new), measure(current)
    if kn == kc == "cpu-interpreter":
        if force:
            return None
        return (
            "both were measured on the CPU interpreter, whose time says nothing about GPU speed; promote "
            "on a GPU machine, or use --force to replace best.py anyway"
        )
    if vn is None or vc is None or kn != kc:
        if force:
            return None
        return f"cannot compare speeds (candidate: {kn} {vn}, current best.py: {kc} {vc}); --force to replace anyway"
    if vn >= vc:
        return f"not faster than the current best.py: {vn:.4g} ms vs {vc:.4g} ms ({kn})"
    return None


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
        help="promote even if flagged as too good to be true, or measured on another kind of "
        "device than the current best.py (a CPU, another GPU model)",
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
    except (HistoryError, AttemptError, PromoteError, ProblemError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    current_path = next((d / "best.py" for d in (target, source) if (d / "best.py").is_file()), None)
    recorded = read_record(current_path.with_name("best.json")) if current_path else None
    refusal = device_refusal(recorded, local_gpu(), args.force)
    if refusal is not None:
        console.print(f"[red]not promoted[/]: {refusal}", highlight=False)
        return 1
    config = EvalConfig(shapes=args.shapes, precision=cfg.get("precision", "tf32"))
    console.print(f"re-evaluating {store.name}/{attempt} on shape sets '{args.shapes}' with fresh seeds")
    new = evaluate(code_path, problem, config)
    current = None
    if current_path is not None:
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
        "problem": problem.name,
        "run": store.name,
        "attempt": attempt,
        "promoted_at": now(),
        "code_sha256": hashlib.sha256(code_path.read_bytes()).hexdigest(),
        "prompt_sha256": hashlib.sha256(prompt.encode()).hexdigest() if prompt else None,
        # The model name only means something for the openai provider (replay/manual: a person or a file).
        "llm": cfg.get("llm"),
        "model": cfg.get("model") if cfg.get("llm") in (None, "openai") else None,
        "note": args.note,
        **summary(new),
        "replaced": summary(current) if current else None,  # the previous best.py, measured just now
        "race": raced,  # both timed side by side in one process (GPU), when there was a best.py
        "forced": args.force,
        # Every earlier winner's record, oldest first: a promotion never loses what it replaced.
        "history": history(recorded),
    }
    if target != source:  # first promotion of an installed problem: the folder becomes the user's
        target.mkdir(parents=True, exist_ok=True)
        for name in ("reference.py", "seed.py"):
            if (source / name).is_file() and not (target / name).is_file():
                write_atomic(target / name, (source / name).read_text(encoding="utf-8"))
    write_atomic(target / "best.py", code_path.read_text(encoding="utf-8"))
    write_atomic(target / "best.json", json.dumps(meta, indent=2) + "\n")
    vs = f", {new.speedup_vs_compile:.2f}x vs torch.compile" if new.speedup_vs_compile else ""
    how = f"{vn:.4g} ms" if kn == "gpu" else "correct; untimed on the CPU interpreter"
    console.print(f"[green]promoted[/] {store.name}/{attempt} -> {target / 'best.py'} ({how}{vs})", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
