"""Evaluate one candidate against a problem: the gates in order, stopping at the first failure.

    from evaluator.evaluate import evaluate, EvalConfig
    from evaluator.problem import load_problem
    result = evaluate(Path("cand.py"), load_problem("conv2d_scale_min"), EvalConfig(shapes="all"))
    print(result.status, result.speedup_vs_compile)

Gates: static (AST) -> compile (import + construct + first call, in a fresh child process) ->
correctness (>= 3 trials, fresh inputs and weights, every case) -> timing (GPU only) -> baselines
(eager and torch.compile of the reference, another child, cached) -> speedups -> NCU metrics of
the first timed case (`EvalConfig(ncu=True)`, GPU only, evaluator.ncu; never changes the status).

Defences (tests/adversarial/ attacks each): the static gate bans PyTorch compute, harness access,
files, network, threads (evaluator.bans, evaluator.scanner); every candidate call runs under the
runtime audit (evaluator.trial: aten operators, Triton launches, GPU kernels, threads, integrity,
poisoned memory), and the worker under evaluator.jail (network namespace, private HOME/TMPDIR,
host-memory limit). A defence's verdict names itself in `result.reason`; timings faster than the
problem's floors or > 10x torch.compile land in `result.suspicious` (evaluator.roofline).
"""
from __future__ import annotations

import hashlib
import math
import secrets
import shutil
import signal
import statistics
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

from evaluator.baselines import BaselineCache
from evaluator.precision import get_policy
from evaluator.problem import Problem, ShapeCase
from evaluator.result import CaseTiming, Check, DeviceInfo, EvalResult, Status, Timing
from evaluator.roofline import too_good
from evaluator.sandbox import Limits, Outcome, run_worker
from evaluator.static import static_findings, uses_gluon

NO_GPU = "no CUDA device: the candidate ran under TRITON_INTERPRET=1 on the CPU, where timings mean nothing"


class EvalConfig(BaseModel):
    shapes: str = "auto"  # auto = all sets with a GPU, `small` without
    precision: str = "tf32"
    trials: int = 3
    time: bool = True
    target_ms: float = 100.0  # measured work per timed case
    min_reps: int = 10
    max_reps: int = 1000
    device: str = "auto"  # auto | cuda | cpu
    limits: Limits = Limits()
    cache_dir: Path | None = None
    keep_dir: Path | None = None  # keep the child's files (job, report, stdout, stderr) here
    seed: int | None = None  # None: a fresh random seed per evaluation
    ncu: bool = False  # profile the first timed case under Nsight Compute (GPU, correct candidates only)
    ncu_metrics: list[str] | None = None  # None: evaluator.ncu.DEFAULT_METRICS, the seed's five
    ncu_timeout_s: float = 300.0  # the whole profile: compile, warm-up and ncu's kernel replays
    # Extra environment for the child processes: CUDA_VISIBLE_DEVICES pins a GPU (executors),
    # TRITON_CACHE_DIR shares one compile cache across a run (the loop).
    env: dict[str, str] = {}
    # Defences switched off, only for tests that prove each one matters: bans (static), ops,
    # kernels, poison, threads, integrity, late (worker, evaluator.trial), memory, network (jail).
    disable: set[str] = set()

    model_config = {"arbitrary_types_allowed": True}


def code_hash(code: str) -> str:
    normalized = "\n".join(line.rstrip() for line in code.strip().splitlines())
    return hashlib.sha256(normalized.encode()).hexdigest()[:16]


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


def _signal_name(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _error_status(err: dict, phase: str) -> tuple[Status, str]:
    if phase in ("import", "start"):
        return Status.compile_error, "compile"
    if phase == "compile" and ("CompilationError" in err["type"] or err["module"].startswith("triton.compiler")):
        return Status.compile_error, "compile"
    return Status.runtime_error, "correctness" if phase in ("compile", "correctness") else phase


def _verdict(outcome: Outcome, result: EvalResult) -> None:
    """Fill status, gate and message from what the child left behind."""
    rep = outcome.report
    phase = rep.get("phase", "start")
    result.checks = [Check(**c) for c in rep.get("checks", [])]
    err = rep.get("error")
    if outcome.timed_out:
        result.status, result.gate = Status.timeout, outcome.timed_out
        result.message = (
            f"Timed out: the {outcome.timed_out} phase did not finish within {outcome.timeout_s:.0f} s "
            f"(while {outcome.activity or 'starting'}); the process group was killed. Usual causes: a "
            "kernel loop whose bound is never reached, a grid far larger than intended, or a compile "
            "blown up by huge tl.static_range / constexpr unrolling."
        )
    elif err:
        result.status, result.gate = _error_status(err, phase)
        result.error_type, result.error_tail = err["type"], err["tail"]
        what = "Importing/constructing the candidate" if phase == "import" else err["where"]
        result.message = f"{what} raised {err['type']}: {err['message'].strip()}"
        if phase == "reference":
            result.message = f"The reference itself failed (not the candidate's fault): {result.message}"
    elif outcome.killed == "memory":
        result.status, result.gate, result.reason = Status.crashed, phase, "memory"
        result.message = (
            f"Killed: the evaluation process used {outcome.peak_rss_mb or 0:.0f} MB of host memory (limit "
            f"{outcome.memory_mb or 0:.0f} MB) while {outcome.activity or 'starting'}. Keep tensors on the "
            "device, allocate only the output and scratch the kernels need, and cache nothing across calls."
        )
    elif rep.get("rejection"):
        rej = rep["rejection"]
        result.status, result.gate, result.reason = Status.incorrect, "audit", rej["reason"]
        result.message = f"Rejected by the runtime audit ({rej['where']}): {rej['message']}"
    elif not rep.get("done") or outcome.exit_code not in (0, None):
        result.status, result.gate = Status.crashed, phase
        result.message = (
            f"The evaluation process died ({_signal_name(outcome.exit_code)}) while "
            f"{outcome.activity or 'starting'}, without raising a Python exception: a segfault, an "
            "abort in native code, os._exit or sys.exit at import, or the host's memory limit."
        )
    elif any(not c.ok for c in result.checks):
        bad = next(c for c in result.checks if not c.ok)
        result.status, result.gate = Status.incorrect, "correctness"
        call = f"late call {bad.trial}" if bad.stage == "late" else f"trial {bad.trial}"
        result.message = f"Wrong result on {bad.case} ({bad.shapes}), {call}: {bad.message}"
    else:
        result.status, result.gate, result.message = Status.correct, "done", ""
    errs = [c for c in result.checks if c.max_abs_err is not None]
    if errs:
        result.max_abs_err = max(c.max_abs_err for c in errs)
        result.max_rel_err = max(c.max_rel_err or 0.0 for c in errs)


def _geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def evaluate(candidate: Path, problem: Problem, config: EvalConfig | None = None) -> EvalResult:
    config = config or EvalConfig()
    policy = get_policy(config.precision)
    code = candidate.read_text(encoding="utf-8")
    cuda = cuda_available() if config.device == "auto" else config.device == "cuda"
    sets, notes = resolve_sets(problem, config.shapes, cuda)
    cases = [c for s in sets for c in problem.sets[s]]
    result = EvalResult(status=Status.static_error, gate="static", message="", problem=problem.name,
                        candidate=str(candidate), code_hash=code_hash(code), precision=policy.name,
                        shape_sets=sets, notes=notes)

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
        result.message = ("This candidate launches Gluon kernels (@gluon.jit), which run only on a GPU; it passed "
                          "the static checks and was not run here (no CUDA device), so it is not ranked as "
                          "correct. Evaluate it on a GPU machine.")
        return result

    time_cases = [c.label for c in cases if c.set == "full"] or [c.label for c in cases]
    timing = {"target_ms": config.target_ms, "min_reps": config.min_reps, "max_reps": config.max_reps}
    job = {"mode": "candidate", "problem_path": str(problem.path), "candidate_path": str(candidate.resolve()),
           "cases": [c.model_dump() for c in cases], "trials": config.trials, "policy": policy.model_dump(),
           "seed": config.seed if config.seed is not None else secrets.randbits(62),
           "device": "cuda" if cuda else "cpu", "time": cuda and config.time, "time_cases": time_cases,
           "timing": timing, "disabled": sorted(config.disable)}

    workdir = Path(tempfile.mkdtemp(prefix="kloop-eval-"))
    try:
        outcome = run_worker(job, workdir / "candidate", config.limits, interpret=not cuda, env=config.env)
        _record(result, outcome)
        _verdict(outcome, result)
        if result.status is Status.correct:
            _timings(result, outcome, problem, job, workdir, config)
        elif cuda and config.time:
            result.timing_unavailable = f"not timed: status {result.status.value}"
        if not cuda:
            result.timing_unavailable = NO_GPU
            later = [c.call_ms for c in result.checks[1:] if c.call_ms is not None]
            if result.status is Status.correct and later:
                result.interpreter_ms = statistics.median(later)
        _profile(result, candidate, problem, cases, job, workdir, config)
    finally:
        if config.keep_dir is not None:
            shutil.copytree(workdir, config.keep_dir, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("triton_cache"))
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def _profile(result: EvalResult, candidate: Path, problem: Problem, cases: list[ShapeCase], job: dict,
             workdir: Path, config: EvalConfig) -> None:
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
        p = profile(candidate, problem, case, metrics=config.ncu_metrics, workdir=workdir / "ncu",
                    timeout_s=config.ncu_timeout_s, seed=job["seed"], env=config.env)
        result.ncu, result.ncu_reason = p.metrics, p.reason
        result.gate_seconds["ncu"] = p.seconds
        if p.missing:
            result.notes.append(f"ncu returned no value (n/a) for {', '.join(p.missing)}: an unknown metric "
                                "name, or one this GPU does not offer")


def _record(result: EvalResult, outcome: Outcome) -> None:
    rep = outcome.report
    result.exit_code = outcome.exit_code
    result.stdout_tail, result.stderr_tail = outcome.stdout_tail, outcome.stderr_tail
    if rep.get("device"):
        result.device = DeviceInfo(**rep["device"])
    if outcome.spawn_s is not None:
        result.gate_seconds["spawn"] = outcome.spawn_s
    secs = dict(rep.get("gate_seconds", {}))
    secs.pop("start", None)  # between the first report and the first phase: nothing happens there
    result.gate_seconds.update(secs)
    result.gate_seconds["child_wall"] = outcome.wall_s
    result.notes += [n for n in rep.get("notes", []) if n not in result.notes]  # e.g. kernel audit skipped


def _timings(result: EvalResult, outcome: Outcome, problem: Problem, job: dict, workdir: Path,
             config: EvalConfig) -> None:
    measured = outcome.report.get("timings", {})
    if not measured:
        return
    device = outcome.report.get("device", {})
    cache = BaselineCache(config.cache_dir)
    cases = {c.label: c for c in map(ShapeCase.model_validate, job["cases"])}
    keys = {label: cache.key(problem.source_hash, label, cases[label].describe(), cases[label].init,
                             device, job["timing"]) for label in measured}
    missing = [label for label, key in keys.items() if cache.get(key) is None]
    t0 = time.perf_counter()
    if missing:
        bjob = dict(job, mode="baselines", cases=[cases[label].model_dump() for label in missing])
        bout = run_worker(bjob, workdir / "baselines", config.limits, interpret=False, env=config.env)
        for label, entry in bout.report.get("timings", {}).items():
            cache.put(keys[label], entry)
        if bout.timed_out or bout.report.get("error") or not bout.report.get("done"):
            err = bout.report.get("error", {})
            result.notes.append(f"baselines failed ({bout.timed_out or err.get('type') or 'crashed'}): "
                                f"{err.get('message', bout.activity)}"[:500])
    result.gate_seconds["baselines"] = time.perf_counter() - t0
    for label, entry in measured.items():
        base = cache.get(keys[label]) or {}
        ct = CaseTiming(case=label, shapes=cases[label].describe(), candidate=Timing(**entry["candidate"]),
                        eager=Timing(**base["eager"]) if "eager" in base else None,
                        compiled=Timing(**base["compiled"]) if "compiled" in base else None,
                        baseline_cached=label not in missing)
        if ct.eager:
            ct.speedup_vs_eager = ct.eager.median_ms / ct.candidate.median_ms
        if ct.compiled:
            ct.speedup_vs_compile = ct.compiled.median_ms / ct.candidate.median_ms
        result.timings.append(ct)
    result.speedup_vs_eager = _geomean([t.speedup_vs_eager for t in result.timings])
    result.speedup_vs_compile = _geomean([t.speedup_vs_compile for t in result.timings])
    result.suspicious = too_good(result, problem, cases)

