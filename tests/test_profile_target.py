"""The profiler's job and marker are wire messages (ProfileJob, Profiled): a job that is not one ends the real
profiled process with one line, which becomes the profile's reason, and a marker forged in the profiled
process (the candidate runs there) is named as such. The fake ncu of tests/test_ncu.py stands in for the
profiler; the target is the real `python -m evaluator.worker.profile_target`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import SEED
from test_ncu import PROBLEM, SMALL, _fake_ncu, _without_ncu

from evaluator.parent.ncu import profile
from evaluator.shared.wire import Profiled, ProfileJob, read_message

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "adversarial"


def _profile(tmp_path, monkeypatch, body: str):
    bindir = _fake_ncu(tmp_path / "work", body)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    return profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", cuda=False)


def test_the_job_ncu_writes_is_a_profile_job(tmp_path, monkeypatch):
    p = _profile(tmp_path, monkeypatch, "sys.exit(0)")
    job = read_message(tmp_path / "work" / "target" / "profile_job.json", ProfileJob)
    assert job.cases == [SMALL] and job.done_path.endswith("profiled.json")
    # the case's first call (even seed: the module's own weights), then the profiled one (odd: perturbed)
    assert [c.case for c in job.calls] == [SMALL.label] * 2 and job.profiled == 1
    assert job.calls[0].seed % 2 == 0 and job.calls[1].seed % 2 == 1 and job.calls[0].seed != job.calls[1].seed
    assert p.metrics is None and p.reason.startswith("the profiled process failed before its profiled call")


def test_a_malformed_job_stops_the_target_with_one_line(tmp_path, monkeypatch):
    # The fake ncu spoils the job, then becomes the real target (as ncu starts it).
    body = "open(args[-1], 'w').write('{\"problem_path\": 1}')\ni = args.index('-m') - 1\nos.execv(args[i], args[i:])"
    p = _profile(tmp_path, monkeypatch, body)
    assert p.metrics is None and "\n" not in p.reason
    assert p.reason.startswith(
        "the profiled process failed before its profiled call (profile_target: malformed ProfileJob: "
        "problem_path: Input should be a valid string; candidate_path: Field required"
    ), p.reason


def test_a_forged_marker_is_named(tmp_path, monkeypatch):
    body = "import json\nopen(json.load(open(args[-1]))['done_path'], 'w').write('{\"warmup_s\": \"soon\"}')"
    p = _profile(tmp_path, monkeypatch, body)
    assert p.metrics is None and "\n" not in p.reason
    assert p.reason.startswith(
        "the profiled process left a malformed marker after its profiled call (malformed Profiled: "
        "warmup_s: Input should be a valid number"
    ), p.reason


def test_a_well_formed_marker_still_means_nothing_was_measured(tmp_path, monkeypatch):
    body = "import json\nopen(json.load(open(args[-1]))['done_path'], 'w')" + (
        ".write('{\"warmup_s\": 1, \"profiled_s\": 0.1, \"correct\": true}')"
    )
    p = _profile(tmp_path, monkeypatch, body)
    assert p.metrics is None and p.reason.startswith("ncu measured no launch of"), p.reason


def test_the_profiled_process_starts_as_a_checked_evaluation_does():
    """profile_calls: each case's first call in the evaluation's order (as evaluator.parent.calls.plan starts),
    then the profiled call on the timed case with a seed of its own: nothing the calls before drew repeats."""
    from evaluator.parent.ncu import profile_calls
    from evaluator.shared.loader import load_problem

    problem = load_problem("conv2d_scale_min")
    cases = problem.cases_of(["small", "full"])
    full = [c for c in cases if c.set == "full"][0]
    got = profile_calls(full, cases, seed=7)
    assert [c.label for c in got["cases"]] == [c.label for c in cases]
    assert [c.case for c in got["calls"]] == [c.label for c in cases] + [full.label]
    assert got["profiled"] == len(cases) and all(c.seed % 2 == 0 for c in got["calls"][:-1])
    assert got["calls"][-1].seed % 2 == 1 and len({c.seed for c in got["calls"]}) == len(got["calls"])
    assert profile_calls(full, cases, seed=8)["calls"][-1].seed != got["calls"][-1].seed  # per evaluation


RUN_ON_CPU = """
import sys
from pathlib import Path
import torch
from evaluator.shared.wire import ProfileJob
from evaluator.worker.profile_target import run
job = ProfileJob.model_validate_json(Path(sys.argv[1]).read_text())
print(run(job, torch.device("cpu")).model_dump_json())
"""


def _profiled_on_cpu(tmp_path, candidate) -> Profiled:
    """The target's calls, run in a process of their own on the CPU (Triton's interpreter), not under ncu."""
    from evaluator.parent.ncu import profile_calls
    from evaluator.shared.precision import get_policy

    job = ProfileJob(
        problem_path=str(PROBLEM.path), candidate_path=str(candidate), **profile_calls(SMALL, [SMALL], seed=3),
        policy=get_policy("tf32"), done_path=str(tmp_path / "done.json"),
    )  # fmt: skip
    (tmp_path / "job.json").write_text(job.model_dump_json())
    env = {**os.environ, "TRITON_INTERPRET": "1", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", RUN_ON_CPU, str(tmp_path / "job.json")], capture_output=True, text=True, env=env,
        timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return Profiled.model_validate_json(out.stdout.strip().splitlines()[-1])


def test_the_profiled_call_is_checked_against_the_reference(tmp_path):
    """The profiled call is checked like any other: its output against the reference, which the target
    computes before any candidate code exists in its process; a wrong one is said in the marker."""
    honest = _profiled_on_cpu(tmp_path, SEED)
    assert honest.correct and honest.message == ""
    wrong = _profiled_on_cpu(tmp_path, CORPUS / "constant_output.py")
    assert not wrong.correct and wrong.message
