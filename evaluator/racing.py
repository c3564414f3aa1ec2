"""Time several already-evaluated candidates side by side, in one process, on the same GPU.

    from evaluator.racing import race
    medians = race({"candidate": Path("new.py"), "current": Path("best.py")}, problem, config)
    medians["candidate"]["full[0]"]["median_ms"]

Used by promote: two numbers from two processes differ by the machine's drift as well as by the code;
here the contenders take turns (round-robin, `ROUNDS` rounds of `evaluator.timing.benchmark` each, the
same fresh-input and L2-flush protocol) and each one's figure is the median of its round medians. Only
candidates that passed a full evaluation belong here: the race checks one output per contender against
the reference as a sanity check, not the whole trust ladder, under the evaluation's own rule (the
policy's floor plus its calibration: `checked_reference` runs the oracle's `reference` and
`calibration`, and the check is the oracle's `compare`), so an honest TF32 kernel that passed evaluation
at depth passes here too. GPU only (the timing; the check runs anywhere).

The worker reports a `wire.RaceReport`, written inside the contenders' jail: the parent reads it with the
wire's bounds and model (`wire.read_message`), and a malformed one, or one that lacks a contender or a
case, fails the race with one line saying so, never a KeyError.
"""

from __future__ import annotations

import secrets
import shutil
import statistics
import tempfile
from pathlib import Path

from evaluator.evaluation import EvalConfig
from evaluator.problem import Problem
from evaluator.supervisor import Outcome, run_worker
from evaluator.wire import Job, RaceReport, TimingStats, WireError, read_message

ROUNDS = 3


def checked_reference(model, args: list, policy):
    """(reference output, calibration) for one case, as the oracle computes them for a checked call
    (evaluator.oracle.reference in true fp32, then evaluator.oracle.calibration at the precision the policy
    allows, from the buffers the call started with); the calibration is None under `strict`. `args` are
    left as they were: both runs get copies."""
    import torch

    from evaluator.oracle import calibration, reference

    start = {n: b.clone() for n, b in model.named_buffers()} if policy.mantissa_bits is not None else {}
    expected = reference(model, args)
    copies = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
    cal, _ = calibration(model, copies, expected, policy, start)
    return expected, cal


def run_race(job: Job, problem, device, report) -> None:
    """Child side (called by evaluator.worker for mode "race")."""
    import torch

    from evaluator.correctness import compare
    from evaluator.inputs import make_inputs
    from evaluator.problem import apply_mode, build_model, import_file
    from evaluator.timing import benchmark, summarize
    from evaluator.weights import copy_weights
    from evaluator.wire import ErrorInfo

    report.phase("timing", "racing contenders")
    timing = dict(job.timing, target_ms=job.timing["target_ms"] / ROUNDS)
    # References first, before any contender's code exists in this process.
    refs = {}
    for case in job.cases:
        torch.manual_seed(job.seed)
        ref = build_model(problem, case, device)
        args = make_inputs(case, problem, device)
        refs[case.label] = (ref, args, *checked_reference(ref, args, job.policy))
    contenders = {
        label: import_file(Path(path), f"contender_{i}") for i, (label, path) in enumerate(job.contenders.items())
    }
    results: dict[str, dict[str, TimingStats]] = {label: {} for label in contenders}
    for case in job.cases:
        ref, args, expected, cal = refs.pop(case.label)
        models = {}
        for label, module in contenders.items():
            models[label] = apply_mode(module.ModelNew(*case.init).to(device), problem)
            copy_weights(ref, models[label])
            with torch.no_grad():
                verdict = compare(expected, models[label](*[a.clone() for a in args]), job.policy, cal)
            if not verdict["ok"]:
                report.data.error = ErrorInfo(
                    type="RaceCheckFailed",
                    module="evaluator.racing",
                    message=f"{label}: {verdict['message']}",
                    where=case.label,
                )
                return
        del args, expected, cal
        rounds: dict[str, list[dict]] = {label: [] for label in models}
        for r in range(ROUNDS):
            for label, model in models.items():
                report.activity(f"round {r + 1}/{ROUNDS}: {label} on {case.label}")
                with torch.no_grad():
                    rounds[label].append(benchmark(model, lambda: make_inputs(case, problem, device), **timing))
        for label, stats in rounds.items():
            medians = [s["median_ms"] for s in stats]
            merged = summarize(medians, sum(s["warmup"] for s in stats))
            merged.update(median_ms=statistics.median(medians), reps=sum(s["reps"] for s in stats))
            results[label][case.label] = TimingStats(**merged)
        report.data.timings = results
        report.write()
    report.phase("done")


def race(contenders: dict[str, Path], problem: Problem, config: EvalConfig, shape_set: str | None = None) -> dict:
    """{label: {case: timing}} on the cases an evaluation of `shape_set` times (Problem.timed_cases: the `full`
    set if the problem has it, else all), each timing a wire.TimingStats as a dict; raises RuntimeError with
    one line on why if the race fails."""
    from evaluator.precision import get_policy

    cases = problem.timed_cases(problem.set_names(shape_set) if shape_set else None)
    workdir = Path(tempfile.mkdtemp(prefix="kloop-race-"))
    try:
        paths = {}
        for i, (label, path) in enumerate(contenders.items()):  # copies: the jail sees its work folder
            paths[label] = workdir / f"contender_{i}.py"
            shutil.copyfile(path, paths[label])
        shutil.copyfile(problem.path, workdir / "reference.py")
        job = Job(
            mode="race",
            problem_path=str(workdir / "reference.py"),
            cases=cases,
            contenders={k: str(v) for k, v in paths.items()},
            policy=get_policy(config.precision),
            seed=secrets.randbits(62),
            device="cuda",
            timing={"target_ms": config.target_ms, "min_reps": config.min_reps, "max_reps": config.max_reps},
        )
        report = run(job, workdir, config)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {label: {case: t.model_dump() for case, t in timed.items()} for label, timed in report.timings.items()}


def run(job: Job, workdir: Path, config: EvalConfig) -> RaceReport:
    """Run the race worker on `job` (its files in `workdir`) and read its report: a RaceReport with every
    contender timed on every case, else RuntimeError. A job on the CPU runs under the Triton interpreter."""
    out = run_worker(job, workdir, config.limits, interpret=job.device == "cpu", untrusted=True, env=config.env)
    try:
        report: RaceReport | WireError = read_message(workdir / "report.json", RaceReport)
    except WireError as e:
        report = e
    why = _failure(out, report, job)
    if why is not None:
        raise RuntimeError(f"race failed: {why}")
    assert isinstance(report, RaceReport)
    return report


def _failure(out: Outcome, report: RaceReport | WireError, job: Job) -> str | None:
    """Why the race produced no usable timings, in one line; None when it did."""
    if isinstance(report, RaceReport) and report.error is not None:
        err = report.error
        return " ".join(err.message.split())[:500] + f" ({err.type}{f' on {err.where}' if err.where else ''})"
    if out.timed_out:
        return f"timed out in its {out.timed_out} phase after {out.timeout_s or 0:.0f} s"
    if out.killed:
        return f"killed over the host-memory limit ({out.memory_mb or 0:.0f} MB)"
    if isinstance(report, WireError):
        return f"the race worker's report is unreadable: {report}"
    if not report.done:
        lines = [ln.strip() for ln in out.stderr_tail.splitlines() if ln.strip()]
        return f"the race worker stopped before it was done ({(lines or [f'exit code {out.exit_code}'])[-1][:200]})"
    for label in job.contenders:
        for case in job.cases:
            if case.label not in report.timings.get(label, {}):
                return f"the race worker's report has no timing of {label} on {case.label}"
    extra = sorted(set(report.timings) - set(job.contenders))
    if extra:
        return f"the race worker's report times contenders that did not race: {', '.join(extra)[:200]}"
    return None
