"""Evaluate one candidate against a problem: the gates in order, stopping at the first failure.

    from evaluator.evaluation import evaluate, EvalConfig
    from evaluator.problem import load_problem
    result = evaluate(Path("cand.py"), load_problem("conv2d_scale_min"), EvalConfig(shapes="all"))
    print(result.status, result.speedup_vs_compile)

Gates: static (AST) -> compile (import + construct + first call, in the jailed candidate process)
-> correctness (>= 3 trials per case, a dynamic-range call, at least 30 checked calls, late calls,
a knockout call; each compared by the oracle, another process) -> timing (GPU only, cross-checked
on the parent's clock) -> baselines (eager and torch.compile of the reference, another child,
cached) -> speedups -> NCU metrics of the first timed case (`EvalConfig(ncu=True)`, GPU only).
evaluator.judge runs everything after the static gate.

Defences (tests/adversarial/ attacks each): the static gate bans PyTorch compute, harness access,
files, network, threads (evaluator.static.bans, evaluator.static.scan); the verdict is out of the candidate's
process (evaluator.oracle, evaluator.judge); the candidate's process is confined by the OS
(evaluator.jail); every candidate call runs under the runtime audit (evaluator.child.trial: aten
operators also inside grid callables and hooks, Triton launches, GPU kernels, threads, integrity,
poisoned memory), and a knockout call proves the Triton kernels did the work. A defence's verdict
names itself in `result.reason`; timings faster than the problem's floors, > 10x torch.compile or
far below the parent's own clock land in `result.suspicious` (evaluator.roofline).
"""

from __future__ import annotations

import math
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

from evaluator import cancel
from evaluator.baselines import BaselineCache
from evaluator.calls import dynamic_range
from evaluator.candidate import Candidate
from evaluator.judge import judge
from evaluator.precision import get_policy
from evaluator.problem import Problem, ShapeCase, import_file
from evaluator.result import CaseTiming, EvalResult, Status, Timing
from evaluator.roofline import too_good
from evaluator.static import static_findings, uses_gluon
from evaluator.supervisor import Limits, run_worker
from evaluator.warm import enabled as warm_enabled
from evaluator.wire import Job

NO_GPU = "no CUDA device: the candidate ran under TRITON_INTERPRET=1 on the CPU, where timings mean nothing"


class EvalConfig(BaseModel):
    shapes: str = "auto"  # auto = all sets with a GPU, `small` without
    precision: str = "tf32"
    trials: int = 3
    min_calls: int = 30  # checked calls per evaluation (evaluator.calls.MIN_CHECKED: 0.9**30 < 0.05)
    time: bool = True
    target_ms: float = 100.0  # measured work per timed case
    min_reps: int = 10
    max_reps: int = 1000
    device: str = "auto"  # auto | cuda | cpu
    limits: Limits = Limits()
    cache_dir: Path | None = None
    keep_dir: Path | None = None  # keep the child's files (job, report, stdout, stderr) here
    seed: int | None = None  # None: a fresh random seed per evaluation
    # Fork the oracle and the candidate's process from warm zygotes (evaluator.warm): Python, torch and
    # triton are imported once per worker, not per candidate. KLOOP_WARM=0 turns it off everywhere.
    warm: bool = True
    ncu: bool = False  # profile the first timed case under Nsight Compute (GPU, correct candidates only)
    ncu_metrics: list[str] | None = None  # None: evaluator.ncu.DEFAULT_METRICS, the seed's five
    ncu_timeout_s: float = 300.0  # the whole profile: compile, warm-up and ncu's kernel replays
    # Extra environment for the child processes: CUDA_VISIBLE_DEVICES pins a GPU (executors),
    # TRITON_CACHE_DIR shares one compile cache across a run (the loop).
    env: dict[str, str] = {}
    # Defences switched off, only for tests that prove each one matters: bans (static), ops,
    # kernels, poison, threads, integrity (evaluator.child.trial), late, knockout, dynamic
    # (evaluator.calls), memory, namespaces (evaluator.jail).
    disable: set[str] = set()

    model_config = {"arbitrary_types_allowed": True}


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def resolve_sets(problem: Problem, shapes: str, cuda: bool) -> tuple[list[str], list[str]]:
    """Shape sets to run, and notes. Without CUDA only sets small enough for the interpreter run."""
    notes = []
    if shapes == "auto":
        shapes = "all" if cuda else "small" if "small" in problem.sets else "all"
    names = problem.set_names(shapes)
    if not cuda and "full" in names and len(names) > 1:
        names.remove("full")
        notes.append("shape set 'full' skipped: no CUDA device (the interpreter would take hours)")
    return names, notes


def _geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def evaluate(candidate: Candidate | Path, problem: Problem, config: EvalConfig | None = None) -> EvalResult:
    config = config or EvalConfig()
    policy = get_policy(config.precision)
    candidate = Candidate.of(candidate)  # read once if given a path; from here on it is data
    code = candidate.source
    cuda = cuda_available() if config.device == "auto" else config.device == "cuda"
    sets, notes = resolve_sets(problem, config.shapes, cuda)
    cases = [c for s in sets for c in problem.sets[s]]
    result = EvalResult(
        status=Status.static_error,
        gate="static",
        message="",
        problem=problem.name,
        candidate=candidate.origin,
        code_hash=candidate.hash,
        precision=policy.name,
        shape_sets=sets,
        notes=notes,
    )

    t0 = time.perf_counter()
    found = static_findings(code, bans="bans" not in config.disable)
    problems = [f.message for f in found]
    result.reason = found[0].rule if found else None
    result.gate_seconds["static"] = time.perf_counter() - t0
    if problems:
        result.message = " ".join(problems)
        return result
    if not cuda and uses_gluon(code):  # Gluon has no interpreter: nothing more can be checked here
        result.status, result.gate, result.reason = Status.needs_gpu, "device", "gluon"
        result.message = (
            "This candidate launches Gluon kernels (@gluon.jit), which run only on a GPU; it passed "
            "the static checks and was not run here (no CUDA device), so it is not ranked as "
            "correct. Evaluate it on a GPU machine."
        )
        return result

    time_cases = [c.label for c in cases if c.set == "full"] or [c.label for c in cases]
    timing = {"target_ms": config.target_ms, "min_reps": config.min_reps, "max_reps": config.max_reps}
    seed = config.seed if config.seed is not None else secrets.randbits(62)
    dynamic = None if "dynamic" in config.disable else dynamic_range(import_file(problem.path, "_problem_dynamic"))
    if dynamic is not None and dynamic.scale is None:
        dynamic.scale = policy.dynamic_scale
    workdir = Path(tempfile.mkdtemp(prefix="kloop-eval-"))
    try:
        cancel.enter(workdir)  # Ctrl-C (evaluator.cancel) kills its processes and removes this folder
        measured = judge(
            result,
            candidate,
            problem,
            cases,
            trials=config.trials,
            device="cuda" if cuda else "cpu",
            limits=config.limits,
            disabled=set(config.disable),
            dynamic=dynamic,
            timing=timing,
            time_cases=time_cases if cuda and config.time else [],
            env=config.env,
            workdir=workdir,
            seed=config.seed,
            min_calls=config.min_calls,
            warm=config.warm and warm_enabled(),
        )
        _summarize_errors(result)
        if result.status is Status.correct:
            _timings(result, measured, problem, cases, seed, timing, workdir, config)
        elif cuda and config.time:
            result.timing_unavailable = f"not timed: status {result.status.value}"
        if not cuda:
            result.timing_unavailable = NO_GPU
            later = [c.call_ms for c in result.checks[1:] if c.call_ms is not None]
            if result.status is Status.correct and later:
                result.interpreter_ms = statistics.median(later)
        job = {"device": "cuda" if cuda else "cpu", "time_cases": time_cases, "seed": seed}
        _profile(result, candidate, problem, cases, job, workdir, config)
    finally:
        if config.keep_dir is not None:
            shutil.copytree(
                workdir, config.keep_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("triton_cache", "out")
            )
        shutil.rmtree(workdir, ignore_errors=True)
        cancel.leave(workdir)
    return result


def _summarize_errors(result: EvalResult) -> None:
    # Dynamic-range calls are left out: their errors scale with inputs up to 1e5 (evaluator.calls).
    errs = [c for c in result.checks if c.max_abs_err is not None and c.stage != "dynamic"]
    if errs:
        result.max_abs_err = max(c.max_abs_err for c in errs)
        result.max_rel_err = max(c.max_rel_err or 0.0 for c in errs)


def _profile(
    result: EvalResult,
    candidate: Candidate,
    problem: Problem,
    cases: list[ShapeCase],
    job: dict,
    workdir: Path,
    config: EvalConfig,
) -> None:
    """NCU metrics of the first timed case; never changes the status (evaluator.ncu never raises)."""
    if not config.ncu:
        result.ncu_reason = "not requested"
    elif job["device"] != "cuda":
        result.ncu_reason = "no CUDA device"
    elif result.status is not Status.correct:
        result.ncu_reason = f"not profiled: status {result.status.value}"
    else:
        from evaluator.ncu import profile

        case = next(c for c in cases if c.label == job["time_cases"][0])
        p = profile(
            candidate,
            problem,
            case,
            metrics=config.ncu_metrics,
            workdir=workdir / "ncu",
            timeout_s=config.ncu_timeout_s,
            seed=job["seed"],
            env=config.env,
            memory_mb=0 if "memory" in config.disable else config.limits.memory_mb,
            namespaces="namespaces" not in config.disable,
        )
        result.ncu, result.ncu_reason = p.metrics, p.reason
        result.gate_seconds["ncu"] = p.seconds
        if p.missing:
            result.notes.append(
                f"ncu returned no value (n/a) for {', '.join(p.missing)}: an unknown metric "
                "name, or one this GPU does not offer"
            )


def _timings(
    result: EvalResult,
    measured: dict,
    problem: Problem,
    cases: list[ShapeCase],
    seed: int,
    timing: dict,
    workdir: Path,
    config: EvalConfig,
) -> None:
    if not measured:
        return
    device = result.device.model_dump() if result.device else {}
    cache = BaselineCache(config.cache_dir)
    by_label = {c.label: c for c in cases}
    keys = {
        label: cache.key(problem.source_hash, label, by_label[label].describe(), by_label[label].init, device, timing)
        for label in measured
    }
    missing = [label for label, key in keys.items() if cache.get(key) is None]
    t0 = time.perf_counter()
    if missing:
        bjob = Job(
            mode="baselines",
            problem_path=str(problem.path),
            cases=[by_label[label] for label in missing],
            device="cuda",
            timing=timing,
            seed=seed,
        )
        bout = run_worker(bjob, workdir / "baselines", config.limits, interpret=False, env=config.env)
        for label, entry in bout.report.get("timings", {}).items():
            cache.put(keys[label], entry)
        if bout.timed_out or bout.report.get("error") or not bout.report.get("done"):
            err = bout.report.get("error") or {}
            result.notes.append(
                f"baselines failed ({bout.timed_out or err.get('type') or 'crashed'}): "
                f"{err.get('message', bout.activity)}"[:500]
            )
    result.gate_seconds["baselines"] = time.perf_counter() - t0
    for label, entry in measured.items():
        base = cache.get(keys[label]) or {}
        stats = {k: v for k, v in entry.items() if k in Timing.model_fields}
        ct = CaseTiming(
            case=label,
            shapes=by_label[label].describe(),
            candidate=Timing(**stats),
            eager=Timing(**base["eager"]) if "eager" in base else None,
            compiled=Timing(**base["compiled"]) if "compiled" in base else None,
            baseline_cached=label not in missing,
            crosscheck_ms=entry.get("crosscheck_ms"),
        )
        if ct.eager:
            ct.speedup_vs_eager = ct.eager.median_ms / ct.candidate.median_ms
        if ct.compiled:
            ct.speedup_vs_compile = ct.compiled.median_ms / ct.candidate.median_ms
        result.timings.append(ct)
    result.speedup_vs_eager = _geomean([t.speedup_vs_eager for t in result.timings])
    result.speedup_vs_compile = _geomean([t.speedup_vs_compile for t in result.timings])
    result.suspicious = too_good(result, problem, by_label)
    for t in result.timings:  # the candidate's own timer against the parent's clock
        if t.crosscheck_ms is not None and t.crosscheck_ms > 2 * t.candidate.median_ms + 1.0:
            result.suspicious.append(
                f"{t.case}: timed at {t.candidate.median_ms:.3f} ms per call inside the candidate's process, but the "
                f"evaluator's own clock saw {t.crosscheck_ms:.3f} ms per call over a synchronised batch: the "
                "timing disagrees with the wall clock"
            )
