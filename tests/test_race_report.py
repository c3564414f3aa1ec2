"""The race worker's report is a wire.RaceReport: what run_race writes reads back typed, and a report forged
from inside the contenders' jail (a contender writes it at import time and leaves) fails the race with one
line saying what is wrong, never a KeyError in the parent. The forged cases run the real worker process on
the CPU (racing.run: the same path as race(), with the job's device "cpu")."""

from __future__ import annotations

import json

import pytest
from test_race_check import CONTENDER, REFERENCE

import evaluator.shared.timing
from evaluator.parent.evaluation import EvalConfig
from evaluator.parent.racing import run
from evaluator.shared.loader import load_problem
from evaluator.shared.precision import get_policy
from evaluator.shared.problem import import_file
from evaluator.shared.wire import Job, RaceReport, TimingStats, read_message
from evaluator.worker.race import run_race
from evaluator.worker.worker import Progress

T = {"median_ms": 1.0, "iqr_ms": 0.0, "min_ms": 1.0, "max_ms": 1.0, "reps": 3, "warmup": 1}


def _job(workdir, **contenders: str) -> Job:
    (workdir / "reference.py").write_text(REFERENCE)
    problem = load_problem(str(workdir / "reference.py"), derive_small=False)
    paths = {}
    for i, (label, code) in enumerate(contenders.items()):
        paths[label] = workdir / f"contender_{i}.py"
        paths[label].write_text(code)
    return Job(
        mode="race",
        problem_path=str(workdir / "reference.py"),
        cases=problem.cases("full"),
        contenders={k: str(v) for k, v in paths.items()},
        policy=get_policy("tf32"),
        seed=1,
        device="cpu",
        timing={"target_ms": 30.0},
    )


def test_the_reports_run_race_writes_read_back_typed(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluator.shared.timing, "benchmark", lambda *a, **kw: dict(T))
    job = _job(tmp_path, candidate=CONTENDER.replace("{expr}", "x @ self.weight.t()"))
    report = Progress(tmp_path / "report.json", RaceReport)
    run_race(job, import_file(tmp_path / "reference.py", "_race_report_reference"), "cpu", report)
    back = read_message(tmp_path / "report.json", RaceReport)
    assert back.error is None and back.phase == "done"
    assert back.timings == {"candidate": {"full[0]": TimingStats(**dict(T, reps=9, warmup=3))}}  # three rounds


FORGER = """import os, sys

open(sys.argv[2], "w").write({report!r})
os._exit(0)
"""
HONEST = CONTENDER.replace("{expr}", "x @ self.weight.t()")
GOOD = dict(T, median_ms=0.5)


@pytest.mark.parametrize(
    "forged, why",
    [
        (
            {"phase": "done", "done": True, "timings": {"candidate": {"full[0]": dict(GOOD, median_ms="fast")}}},
            "the race worker's report is unreadable: malformed RaceReport: "
            "timings.candidate.full[0].median_ms: Input should be a valid number",
        ),
        (
            {"phase": "done", "done": True, "timings": {"candidate": {"full[0]": GOOD}}},  # the rival left out
            "the race worker's report has no timing of current on full[0]",
        ),
        ("not json at all", "the race worker's report is unreadable: malformed RaceReport: Expecting value"),
    ],
)
def test_a_forged_race_report_fails_the_race_in_one_line(tmp_path, forged, why):
    report = forged if isinstance(forged, str) else json.dumps(forged)
    job = _job(tmp_path, candidate=FORGER.format(report=report), current=HONEST)
    with pytest.raises(RuntimeError) as e:
        run(job, tmp_path, EvalConfig())
    message = str(e.value)
    assert message.startswith(f"race failed: {why}"), message
    assert "\n" not in message
