"""Evaluate one candidate against a problem: the gates in order, stopping at the first failure.

    from evaluator.parent.evaluation import evaluate, EvalConfig
    from evaluator.shared.loader import load_problem
    result = evaluate(Path("cand.py"), load_problem("conv2d_scale_min"), EvalConfig(shapes="all"))
    print(result.status, result.speedup_vs_compile)

Gates: static (AST) -> compile (import + construct + first call, in the jailed candidate process)
-> correctness (>= 3 trials per case, a dynamic-range call, at least 30 checked calls, late calls,
a knockout call; each compared by the oracle, another process) -> timing (GPU only, cross-checked
on the parent's clock) -> baselines (eager and torch.compile of the reference, another child,
cached) -> speedups -> NCU metrics of the first timed case (`EvalConfig(ncu=True)`, GPU only).
evaluator.parent.judge runs everything after the static gate.

Defences (tests/adversarial/ attacks each): the static gate bans PyTorch compute, harness access,
files, network, threads (evaluator.static.bans, evaluator.static.scan); the verdict is out of the candidate's
process (evaluator.oracle.oracle, evaluator.parent.judge); the candidate's process is confined by the OS
(evaluator.parent.jail); every candidate call runs under the runtime audit (evaluator.child.trial: aten
operators also inside grid callables and hooks, Triton launches, GPU kernels, threads, integrity,
poisoned memory), and a knockout call proves the Triton kernels did the work. A defence's verdict
names itself in `result.reason`; timings faster than the problem's floors, > 10x torch.compile or
far below the parent's own clock land in `result.suspicious` (evaluator.parent.roofline).
"""

from __future__ import annotations

import os
import shutil
import stat
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from evaluator.parent import cancel
from evaluator.parent.baselines import BaselineCache
from evaluator.parent.jail import untrusted_env
from evaluator.parent.judge import candidate_jail, judge
from evaluator.parent.plan import EvalPlan
from evaluator.parent.roofline import too_good
from evaluator.parent.supervisor import Limits, run_worker
from evaluator.parent.warm import POOL
from evaluator.parent.warm import enabled as warm_enabled
from evaluator.shared.candidate import Candidate
from evaluator.shared.problem import Problem
from evaluator.shared.result import CaseTiming, EvalResult, Status, Timing
from evaluator.shared.stats import geomean
from evaluator.shared.wire import Report
from evaluator.static import forward_inputs, init_inputs, static_findings, uses_gluon

if TYPE_CHECKING:
    from evaluator.parent.ncu import Profile

NO_GPU = "no CUDA device: the candidate ran under TRITON_INTERPRET=1 on the CPU, where timings mean nothing"


class EvalConfig(BaseModel):
    shapes: str = "auto"  # auto = all sets with a GPU, `small` without
    precision: str = "tf32"
    trials: int = 3
    min_calls: int = 30  # checked calls per evaluation (evaluator.parent.calls.MIN_CHECKED: 0.9**30 < 0.05)
    time: bool = True
    # measured work per timed case (ms): long enough for the clock the power cap holds under sustained work, which
    # a Hopper reaches after some hundreds of ms (windows of 25 ms: 4.4 % between six evaluations of one kernel on
    # an H100, of 400 ms: 2.1 %; benchmarks/h100_session18/)
    target_ms: float = 400.0
    min_reps: int = 10
    max_reps: int = 1000
    device: str = "auto"  # auto | cuda | cpu
    limits: Limits = Limits()
    cache_dir: Path | None = None
    keep_dir: Path | None = None  # keep the child's files (job, report, stdout, stderr) here
    seed: int | None = None  # None: a fresh random seed per evaluation
    # Fork the oracle and the candidate's process from warm zygotes (evaluator.parent.warm): Python, torch and
    # triton are imported once per worker, not per candidate. KLOOP_WARM=0 turns it off everywhere.
    warm: bool = True
    ncu: bool = False  # profile the first timed case under Nsight Compute (GPU, correct candidates only)
    ncu_metrics: list[str] | None = None  # None: evaluator.parent.ncu.DEFAULT_METRICS, the seed's five
    ncu_timeout_s: float = 300.0  # the whole profile: compile, warm-up and ncu's kernel replays
    # Extra environment for the child processes: CUDA_VISIBLE_DEVICES pins a GPU (executors),
    # TRITON_CACHE_DIR shares one compile cache across a run (the loop).
    env: dict[str, str] = {}
    # Defences switched off, only for tests that prove each one matters: bans (static), ops,
    # kernels, poison, threads, integrity (evaluator.child.trial), late, knockout, dynamic
    # (evaluator.parent.calls), memory, namespaces (evaluator.parent.jail).
    disable: set[str] = set()

    model_config = {"arbitrary_types_allowed": True}


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def prestart(problem: Problem, config: EvalConfig | None = None) -> None:
    """Bring up, in the background, the warm processes evaluate() forks from for `problem` under `config`:
    the oracle's zygote and, where the jail holds, the candidate's (the host's jail probe first). The loop
    calls it before its first request to the LLM, so that the first verdict does not wait for Python,
    torch and Triton to import and the jail to be probed (about 19 s on a fresh H200 machine); an
    evaluate() that comes sooner waits for what is on its way instead of starting a second one. Returns at
    once; does nothing where warm processes are off (EvalConfig.warm, KLOOP_WARM=0)."""
    config = config or EvalConfig()
    if not (config.warm and warm_enabled()):
        return
    try:
        cuda = cuda_available() if config.device == "auto" else config.device == "cuda"
        plan = EvalPlan.resolve(problem, config, cuda)
    except Exception:  # noqa: BLE001 - only a head start: evaluate() reports what is wrong with the problem
        return
    POOL.prestart("oracle", interpret=not cuda, env=plan.env, jail=None)  # as judge._start acquires them
    threading.Thread(target=_prestart_candidate, args=(plan,), name="prestart", daemon=True).start()


def _prestart_candidate(plan: EvalPlan) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kloop-prestart-"))
    try:
        jail = candidate_jail(plan, folder)  # the probe, once per process (an evaluation waits for it)
    except Exception:  # noqa: BLE001 - only a head start: the evaluation builds its jail and says what failed
        return
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if jail.confined:  # judge: the candidate's process is forked only inside the jail's namespaces
        POOL.prestart("candidate", interpret=not plan.cuda, env=untrusted_env(plan.env), jail=jail)


def evaluate(candidate: Candidate | Path, problem: Problem, config: EvalConfig | None = None) -> EvalResult:
    config = config or EvalConfig()
    candidate = Candidate.of(candidate)  # read once if given a path; from here on it is data
    cuda = cuda_available() if config.device == "auto" else config.device == "cuda"
    plan = EvalPlan.resolve(problem, config, cuda, warm=config.warm and warm_enabled())
    result = EvalResult(
        status=Status.static_error,
        gate="static",
        message="",
        problem=problem.name,
        candidate=candidate.origin,
        code_hash=candidate.hash,
        precision=plan.policy.name,
        shape_sets=plan.sets,
        notes=list(plan.notes),
    )
    if not _static(result, candidate, plan):
        return result
    workdir = Path(tempfile.mkdtemp(prefix="kloop-eval-"))
    try:
        cancel.enter(workdir)  # Ctrl-C (evaluator.parent.cancel) kills its processes and removes this folder
        measured = judge(result, candidate, plan, workdir)
        _summarize_errors(result)
        if result.status is Status.correct:
            _timings(result, measured, problem, plan, workdir, config)
        elif plan.time_cases:
            result.timing_unavailable = f"not timed: status {result.status.value}"
        if not cuda:
            result.timing_unavailable = NO_GPU
            later = [c.call_ms for c in result.checks[1:] if c.call_ms is not None]
            if result.status is Status.correct and later:
                result.interpreter_ms = statistics.median(later)
        _profile(result, candidate, problem, plan, workdir, config)
    finally:
        if config.keep_dir is not None:
            keep(workdir, config.keep_dir, result)
        shutil.rmtree(workdir, ignore_errors=True)
        cancel.leave(workdir)
    return result


def _static(result: EvalResult, candidate: Candidate, plan: EvalPlan) -> bool:
    """The static gate (and, without a GPU, the Gluon check): False when the evaluation ends here."""
    t0 = time.perf_counter()
    # forward's inputs typed by the cases this evaluation runs: a Python value there (`dim=1`) is a size, not a tensor
    found = static_findings(
        candidate.source,
        bans="bans" not in plan.disabled,
        inputs=forward_inputs(plan.cases),
        init=init_inputs(plan.cases),
    )
    result.reason = found[0].rule if found else None
    result.gate_seconds["static"] = time.perf_counter() - t0
    if found:
        result.message = " ".join(f.message for f in found)
        return False
    if not plan.cuda and uses_gluon(candidate.source):  # Gluon has no interpreter: nothing more can be checked
        result.status, result.gate, result.reason = Status.needs_gpu, "device", "gluon"
        result.message = (
            "This candidate launches Gluon kernels (@gluon.jit), which run only on a GPU; it passed "
            "the static checks and was not run here (no CUDA device), so it is not ranked as "
            "correct. Evaluate it on a GPU machine."
        )
        return False
    return True


def _summarize_errors(result: EvalResult) -> None:
    # Dynamic-range calls are left out: their errors scale with inputs up to 1e5 (evaluator.parent.calls).
    errs = [c for c in result.checks if c.max_abs_err is not None and c.stage != "dynamic"]
    if errs:
        result.max_abs_err = max(c.max_abs_err for c in errs)
        result.max_rel_err = max(c.max_rel_err or 0.0 for c in errs)


def _profile(
    result: EvalResult, candidate: Candidate, problem: Problem, plan: EvalPlan, workdir: Path, config: EvalConfig
) -> None:
    """NCU metrics of the first timed case (evaluator.parent.ncu never raises). Two ways it changes the
    status: kernels of the profiled call that Triton did not compile and that are not PyTorch's fill or
    copy kernels (cuBLAS, cuDNN, ATen compute), seen by ncu from outside the candidate's process
    (`foreign_kernel`); no complete list of that call's kernels for a reason that is not the host's
    (`no_trace`); and a wrong output of the profiled call (`profiled_output`)."""
    if not config.ncu:
        result.ncu_reason = "not requested"
    elif not plan.cuda:
        result.ncu_reason = "no CUDA device"
    elif result.status is not Status.correct:
        result.ncu_reason = f"not profiled: status {result.status.value}"
    elif not plan.time_cases:
        result.ncu_reason = "not profiled: nothing was timed"
    else:
        from evaluator.parent.ncu import profile

        p = profile(
            candidate,
            problem,
            plan.case(plan.time_cases[0]),
            metrics=config.ncu_metrics,
            workdir=workdir / "ncu",
            timeout_s=config.ncu_timeout_s,
            cases=plan.cases,
            seed=plan.seed,
            policy=plan.policy,
            env=plan.env,
            memory_mb=0 if "memory" in plan.disabled else plan.limits.memory_mb,
            namespaces="namespaces" not in plan.disabled,
        )
        judge_profile(result, p, plan.time_cases[0])
        if p.missing:
            result.notes.append(
                f"ncu returned no value (n/a) for {', '.join(p.missing)}: an unknown metric "
                "name, or one this GPU does not offer"
            )


def keep(workdir: Path, dest: Path, result: EvalResult) -> None:
    """Copy an evaluation's folder to `dest` (EvalConfig.keep_dir), as the candidate left it: links copied as
    links, never followed (one pointing at a host file or /dev/zero would otherwise copy that file, or never
    end), and only regular files and folders (a FIFO would stall the copy). What could not be copied is a
    note, never an exception: the verdict is already made."""

    def skipped(folder: str, names: list[str]) -> set[str]:
        out = {"triton_cache", "out"}
        for name in names:
            mode = os.lstat(os.path.join(folder, name)).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                out.add(name)
        return out

    try:
        shutil.copytree(workdir, dest, symlinks=True, dirs_exist_ok=True, ignore=skipped)
    except (shutil.Error, OSError) as e:
        result.notes.append(f"--keep: some files were not copied to {dest}: {str(e)[:300]}")


# A timed median below this share of the GPU time ncu measured in one checked call is flagged (suspicious). An
# honest median is at least the call's GPU time (CUDA events include the gaps between launches); ncu replays
# each kernel with cold caches (`--cache-control all`, its default), which can cost a kernel whose input a
# previous one left in L2 more than the timed run pays: half leaves room for that. A forged timer can then
# claim at most 2x, where the wall-clock cross-check alone lets through 2x plus 1 ms.
NCU_TIME = 0.5


def judge_profile(result: EvalResult, p: Profile, case: str) -> None:
    """What the profile says of the verdict: `foreign_kernel`, `no_trace`, `profiled_output`, or nothing (see
    _profile); and of the timing: a median far below the GPU time ncu measured is suspicious (NCU_TIME)."""
    from evaluator.parent.ncu import MAX_LAUNCHES

    result.ncu, result.ncu_reason = p.metrics, p.reason
    result.gate_seconds["ncu"] = p.seconds
    if p.foreign:
        shown = "; ".join(k[:120] for k in p.foreign[:4]) + ("; ..." if len(p.foreign) > 4 else "")
        result.status, result.gate, result.reason = Status.incorrect, "ncu", "foreign_kernel"
        result.message = (
            f"Rejected (work not done by Triton): under Nsight Compute the forward call on "
            f"{case} launched {len(p.foreign)} kernel(s) that Triton did not compile: {shown}. "
            "Only your own @triton.jit / @gluon.jit kernels may compute; PyTorch may only allocate, fill, "
            "copy and cast."
        )
    elif not p.complete and not p.host_fault:
        # No trace, no verdict: what the candidate's process does to the profile (crash, stall, kill ncu,
        # launch past the cap) must not buy it a pass on the one check its Python cannot reach.
        result.status = Status.incorrect if p.metrics else Status.crashed
        result.gate, result.reason = "ncu", "no_trace"
        result.message = (
            f"Rejected (no complete trace): Nsight Compute could not record every kernel of the forward call "
            f"on {case}: {p.reason}. The evaluator accepts a kernel only with the GPU's own list of what ran; "
            "the same forward call must run to completion under the profiler, launching fewer than "
            f"{MAX_LAUNCHES} kernels."
        )
    elif p.output_ok is False:
        # The profiled call is drawn as a checked call is, and checked like one: a process that recognised
        # the profile and only launched Triton there would still have to compute the result there.
        result.status, result.gate, result.reason = Status.incorrect, "ncu", "profiled_output"
        result.message = (
            f"Rejected (wrong under the profiler): the forward call profiled by Nsight Compute on {case} "
            f"returned a wrong result: {p.output_message} Every call is checked, the profiled one too."
        )
    elif not p.host_fault and not p.sealed:
        result.notes.append(
            "ncu's log was not sealed from the profiled process (this host's kernel has no Landlock): "
            "the candidate's process could have rewritten the evidence of what ran"
        )
    timed = next((t.candidate for t in result.timings if t.case == case and t.candidate), None)
    if result.status is Status.correct and p.complete and p.gpu_ms and timed and timed.median_ms < NCU_TIME * p.gpu_ms:
        # The candidate's benchmark runs in its own process, so its figure can be forged; ncu's is not.
        result.suspicious.append(
            f"{case}: timed at {timed.median_ms:.4g} ms per call inside the candidate's process, but Nsight "
            f"Compute measured {p.gpu_ms:.4g} ms of GPU kernels in one checked call: the timing disagrees "
            "with the GPU's own clock"
        )


def _timings(
    result: EvalResult, measured: dict, problem: Problem, plan: EvalPlan, workdir: Path, config: EvalConfig
) -> None:
    if not measured:
        return
    device = result.device.model_dump() if result.device else {}
    cache = BaselineCache(config.cache_dir)
    by_label = {c.label: c for c in plan.cases}
    keys = {
        label: cache.key(problem.source_hash, label, case.describe(), case.init, device, plan.timing)
        for label, case in ((label, by_label[label]) for label in measured)
    }
    missing = [label for label, key in keys.items() if cache.get(key) is None]
    t0 = time.perf_counter()
    if missing:  # measured once per problem, case, GPU, driver and versions (evaluator.parent.baselines), then cached
        bjob = plan.job("baselines", workdir / "baselines", cases=[by_label[label] for label in missing])
        bout = run_worker(bjob, workdir / "baselines", plan.limits, interpret=False, env=plan.env)
        report = Report.model_validate(bout.report) if bout.report else Report()
        for label, entry in report.timings.items():
            cache.put(keys[label], entry)
        if bout.timed_out or report.error is not None or not report.done:
            err = report.error
            result.notes.append(
                f"baselines failed ({bout.timed_out or (err.type if err else 'crashed')}): "
                f"{err.message if err else bout.activity}"[:500]
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
    result.speedup_vs_eager = geomean([t.speedup_vs_eager for t in result.timings])
    result.speedup_vs_compile = geomean([t.speedup_vs_compile for t in result.timings])
    result.suspicious = too_good(result, problem, by_label)
    for t in result.timings:  # the candidate's own timer against the parent's clock
        if t.crosscheck_ms is not None and t.crosscheck_ms > 2 * t.candidate.median_ms + 1.0:
            result.suspicious.append(
                f"{t.case}: timed at {t.candidate.median_ms:.3f} ms per call inside the candidate's process, but the "
                f"evaluator's own clock saw {t.crosscheck_ms:.3f} ms per call over a synchronised batch: the "
                "timing disagrees with the wall clock"
            )
