"""The file-report worker: eager/torch.compile baselines of the reference.

    python -m evaluator.worker.worker JOB.json REPORT.json       # started by evaluator.parent.supervisor.run_worker

It reports through REPORT.json (a wire.BaselinesReport, rewritten atomically after every step), never stdout.
It runs only the reference, never candidate code: candidates are judged elsewhere (evaluator.parent.judge: a
jailed candidate process plus the oracle), and raced as evaluations, one jailed process per turn
(evaluator.parent.racing).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import torch

from evaluator.shared.files import write_atomic
from evaluator.shared.inputs import make_inputs
from evaluator.shared.lifeline import die_with_parent
from evaluator.shared.problem import build_model, import_file
from evaluator.shared.wire import Baselines, BaselinesReport, ErrorInfo, Job, Report, TimingStats


class Progress:
    def __init__(self, path: Path, kind: type[Report] = Report):
        self.path = path
        self.data = kind()
        self._t0 = time.perf_counter()

    def phase(self, name: str, activity: str = "") -> None:
        now = time.perf_counter()
        prev = self.data.phase
        self.data.gate_seconds[prev] = self.data.gate_seconds.get(prev, 0.0) + now - self._t0
        self._t0 = now
        self.data.phase, self.data.activity = name, activity
        self.write()

    def activity(self, text: str) -> None:
        self.data.activity = text
        self.write()

    def write(self) -> None:
        write_atomic(self.path, self.data.model_dump_json())  # the parent never reads half a report


def run_baselines(job: Job, problem, device, report: Progress) -> None:
    """Eager and torch.compile of the reference, PyTorch's default settings, timed like candidates."""
    import random

    from evaluator.shared.timing import benchmark, prepare_repetition

    report.phase("baselines", "timing eager and torch.compile")
    rng = random.Random(job.seed)
    for case in job.cases:
        torch.manual_seed(job.seed)
        model = build_model(problem, case, device)  # the problem's mode (KernelBench: as constructed)
        entry = {}

        def fresh(case=case, model=model) -> list:  # prepared as a candidate's timed repetition is (off the clock)
            args = make_inputs(case, problem, device)
            prepare_repetition(model, device, rng.getrandbits(62))
            return args

        for kind, fn in (("eager", model), ("compiled", torch.compile(model))):
            report.activity(f"timing {kind} reference on {case.label} ({case.describe()})")
            with torch.no_grad():
                entry[kind] = TimingStats(**benchmark(fn, fresh, **job.timing))
        report.data.timings[case.label] = Baselines(**entry)
        report.write()
    report.phase("done")


def main() -> None:
    die_with_parent()
    job = Job.model_validate_json(Path(sys.argv[1]).read_text())
    report = Progress(Path(sys.argv[2]), BaselinesReport)
    report.write()
    try:
        device = torch.device(job.device)
        problem = import_file(Path(job.problem_path), "_reference")
        run_baselines(job, problem, device, report)
    except BaseException as e:  # noqa: BLE001 - whatever happens, leave evidence
        report.data.error = ErrorInfo.of(e, report.data.activity)
    report.data.done = True
    report.write()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
