"""The race worker's side of racing (evaluator.parent.racing.race starts it): the contenders timed side by
side in one process, in the candidate's jail, after a sanity check of one output each against the reference.

    from evaluator.worker.race import run_race        # called by evaluator.worker.worker for mode "race"

References first, before any contender's code exists in this process; then per case every contender
takes `ROUNDS` turns of evaluator.shared.timing.benchmark, and its figure is the median of its round
medians. The check runs the oracle's `reference` and `calibration` and its `compare`, so the race judges
under the evaluation's own rule; it decides no status.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from evaluator.shared.wire import Job, TimingStats

ROUNDS = 3


def checked_reference(model, args: list, policy):
    """(reference output, calibration) for one case, as the oracle computes them for a checked call
    (evaluator.oracle.reference.reference in true fp32, then evaluator.oracle.reference.calibration at the
    precision the policy allows, from the buffers the call started with); the calibration is None under
    `strict`. `args` are left as they were: both runs get copies."""
    import torch

    from evaluator.oracle.reference import calibration, reference

    start = {n: b.clone() for n, b in model.named_buffers()} if policy.mantissa_bits is not None else {}
    expected = reference(model, args)
    copies = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
    cal, _ = calibration(model, copies, expected, policy, start)
    return expected, cal


def run_race(job: Job, problem, device, report) -> None:
    """Child side (called by evaluator.worker.worker for mode "race")."""
    import torch

    from evaluator.oracle.correctness import compare
    from evaluator.shared.inputs import make_inputs
    from evaluator.shared.problem import apply_mode, build_model, import_file
    from evaluator.shared.timing import benchmark, summarize
    from evaluator.shared.weights import copy_weights
    from evaluator.shared.wire import ErrorInfo

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
                    module="evaluator.worker.race",
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
