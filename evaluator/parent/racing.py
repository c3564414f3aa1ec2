"""Time several already-evaluated candidates side by side, in one process, on the same GPU.

    from evaluator.parent.racing import race
    medians = race({"candidate": Path("new.py"), "current": Path("best.py")}, problem, config)
    medians["candidate"]["full[0]"]["median_ms"]

Used by promote: two numbers from two processes differ by the machine's drift as well as by the code;
here the contenders take turns in one race worker (evaluator.worker.race: round-robin, `ROUNDS` rounds of
`evaluator.shared.timing.benchmark` each, the same fresh-input and L2-flush protocol) and each one's figure
is the median of its round medians. Only candidates that passed a full evaluation belong here: the race
checks one output per contender against the reference as a sanity check, not the whole trust ladder,
under the evaluation's own rule (the policy's floor plus its calibration: the worker's `checked_reference`
runs the oracle's `reference` and `calibration`, and the check is the oracle's `compare`), so an honest
TF32 kernel that passed evaluation at depth passes here too. GPU only (the timing; the check runs anywhere).

This module is the parent's half: it writes the job, starts the worker (evaluator.parent.supervisor.run_worker)
and reads its report.

The worker reports a `wire.RaceReport`, written inside the contenders' jail: the parent reads it with the
wire's bounds and model (`wire.read_message`), and a malformed one, or one that lacks a contender or a
case, fails the race with one line saying so, never a KeyError.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from evaluator.parent.evaluation import EvalConfig
from evaluator.parent.supervisor import Outcome, run_worker
from evaluator.shared.problem import Problem
from evaluator.shared.wire import Job, RaceReport, WireError, read_message


def race(contenders: dict[str, Path], problem: Problem, config: EvalConfig, shape_set: str | None = None) -> dict:
    """{label: {case: timing}} on the cases an evaluation of `shape_set` times (Problem.timed_cases: the `full`
    set if the problem has it, else all), each timing a wire.TimingStats as a dict; raises RuntimeError with
    one line on why if the race fails."""
    from evaluator.shared.precision import get_policy

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
