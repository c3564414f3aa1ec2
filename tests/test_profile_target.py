"""The profiler's job and marker are wire messages (ProfileJob, Profiled): a job that is not one ends the real
profiled process with one line, which becomes the profile's reason, and a marker forged in the profiled
process (the candidate runs there) is named as such. The fake ncu of tests/test_ncu.py stands in for the
profiler; the target is the real `python -m evaluator.worker.profile_target`."""

from __future__ import annotations

import os

from conftest import SEED
from test_ncu import PROBLEM, SMALL, _fake_ncu, _without_ncu

from evaluator.parent.ncu import profile
from evaluator.shared.wire import ProfileJob, read_message


def _profile(tmp_path, monkeypatch, body: str):
    bindir = _fake_ncu(tmp_path / "work", body)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    return profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", cuda=False)


def test_the_job_ncu_writes_is_a_profile_job(tmp_path, monkeypatch):
    p = _profile(tmp_path, monkeypatch, "sys.exit(0)")
    job = read_message(tmp_path / "work" / "target" / "profile_job.json", ProfileJob)
    assert job.case == SMALL and job.warmup == 3 and job.done_path.endswith("profiled.json")
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
    body = (
        "import json\nopen(json.load(open(args[-1]))['done_path'], 'w').write('{\"warmup_s\": 1, \"profiled_s\": 0.1}')"
    )
    p = _profile(tmp_path, monkeypatch, body)
    assert p.metrics is None and p.reason.startswith("ncu measured no launch of"), p.reason
