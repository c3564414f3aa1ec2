"""The profiler's trace as evidence (issue 24): sealed from the candidate's process, complete or a rejection,
and never a way into a run's shared compile cache.

The fake `ncu` of tests/test_ncu.py stands in for the profiler: it writes a real capture (fixtures/ncu) where
ncu writes its log, and starts a stand-in for its target that runs the real target's first step
(evaluator.worker.profile_target.seal, on the job evaluator.parent.ncu wrote) and then does what a candidate
bent on the evidence would: rewrite, replace or truncate the log in place, and leave a process behind to
rewrite it after ncu has written it.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import SEED
from test_ncu import MARK, PROBLEM, SMALL, _fake_ncu, _fixture, _without_ncu

from evaluator.parent.evaluation import judge_profile
from evaluator.parent.ncu import MAX_LAUNCHES, Profile, profile
from evaluator.shared import landlock
from evaluator.shared.result import CaseTiming, EvalResult, Status, Timing

ATTACK = r"""
import errno, json, os, sys, time
from pathlib import Path
from evaluator.worker.profile_target import seal
seal(Path(sys.argv[1]))                        # the real target's first step
job = json.load(open(sys.argv[1]))
target, log, clean = os.path.dirname(job["done_path"]), os.path.join(job["sealed"][0], "ncu_log.csv"), sys.argv[2]
seen = {}
def attempt(name, fn):
    try:
        fn()
        seen[name] = "done"
    except OSError as e:
        seen[name] = errno.errorcode.get(e.errno, str(e))
def replace():
    Path(target, "forged.csv").write_text(open(clean).read())
    os.replace(os.path.join(target, "forged.csv"), log)
attempt("write", lambda: open(log, "w").write(open(clean).read()))
attempt("replace", replace)
attempt("truncate", lambda: os.truncate(log, 0))
for fd in os.listdir("/proc/self/fd"):       # whatever ncu left open for it
    attempt(f"fd{fd}", lambda: os.write(int(fd), b"forged\n"))
if os.fork() == 0:                             # a survivor: waits for ncu's evidence, then rewrites it
    os.setsid()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "reduce_kernel" not in open(log).read():
        time.sleep(0.02)
    late = {}
    try:
        open(log, "w").write(open(clean).read())
        late["rewrite"] = "done"
    except OSError as e:
        late["rewrite"] = errno.errorcode.get(e.errno, str(e))
    Path(target, "survivor.json").write_text(json.dumps(late))
    os._exit(0)
Path(target, "attack.json").write_text(json.dumps(seen))
Path(job["done_path"]).write_text('{"warmup_s": 1, "profiled_s": 0.1, "correct": true}')
"""


@pytest.mark.skipif(landlock.abi() < 1, reason="this kernel has no Landlock: the note says the log was not sealed")
def test_the_profiled_process_cannot_forge_the_evidence(tmp_path, monkeypatch):
    work = tmp_path / "work"
    evidence = _fixture(work, "unprivileged_torch_ops_h100.txt")  # a fill, an add and a sum: ATen compute
    clean = _fixture(work, "seed_full_h100_evaluator.csv")  # the seed's own two kernels: what a forger wants
    (work / "log" / "attack.py").write_text(ATTACK)
    body = f"""import subprocess
f = open(log, "w")                             # ncu opens its log first and hands it down
os.set_inheritable(f.fileno(), True)
f.write("==PROF== Connected to process\\n")
f.flush()
subprocess.run([sys.executable, {str(work / "log" / "attack.py")!r}, args[-1], {clean!r}], close_fds=False)
f.write(open({evidence!r}).read())             # ncu writes the call's kernels once its target is gone
f.close()
deadline = time.monotonic() + 20
while time.monotonic() < deadline and not os.path.exists({str(work / "target" / "survivor.json")!r}):
    time.sleep(0.05)
"""
    bindir = _fake_ncu(work, body)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=work, cuda=False)
    seen = json.loads((work / "target" / "attack.json").read_text())
    assert seen["write"] == seen["truncate"] == "EACCES", seen
    assert seen["replace"] in ("EACCES", "EXDEV"), seen  # Landlock refuses a rename across its folders so
    late = json.loads((work / "target" / "survivor.json").read_text())
    assert late == {"rewrite": "EACCES"}
    assert p.sealed and p.launches == 3 and len(p.foreign) == 2, p  # ncu's evidence, as ncu wrote it
    logged = (work / "log" / "ncu_log.csv").read_text()
    assert logged.startswith("==PROF== Connected to process\n") and "forged" not in logged  # nor via ncu's fd


def test_the_target_compiles_into_a_cache_of_its_own(tmp_path, monkeypatch):
    """A run's shared Triton cache reaches the trusted side and every later candidate: the profiled process,
    which runs the candidate's code, neither gets it as TRITON_CACHE_DIR nor can write it."""
    shared = tmp_path / "shared_cache"
    shared.mkdir()
    work = tmp_path / "work"
    body = f"""import json
seen = dict(cache=os.environ.get("TRITON_CACHE_DIR"))
try:
    open(os.path.join({str(shared)!r}, "forged.so"), "w").write("x")
    seen["write"] = "done"
except OSError as e:
    seen["write"] = type(e).__name__
open(os.path.join(os.path.dirname(log), "seen.json"), "w").write(json.dumps(seen))
"""
    bindir = _fake_ncu(work, body)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=work, cuda=False, env={"TRITON_CACHE_DIR": str(shared)})
    seen = json.loads((work / "log" / "seen.json").read_text())
    assert seen["cache"] == str(work.resolve() / "target" / "triton_cache")
    assert list(shared.iterdir()) == []
    if p.confined:
        assert seen["write"] in ("FileNotFoundError", "PermissionError", "OSError")  # not even visible


def test_a_call_that_reaches_the_launch_cap_is_no_complete_trace(tmp_path, monkeypatch):
    work = tmp_path / "work"
    header = '"ID","Kernel Name","Metric Name","Metric Unit","Metric Value"\n'
    rows = "".join(f'"{i}","conv2d_scale_kernel","launch__grid_size","","128"\n' for i in range(MAX_LAUNCHES))
    (work / "log" / "fixtures").mkdir(parents=True)
    capped = work / "log" / "fixtures" / "capped_handmade.csv"
    capped.write_text(header + rows)
    bindir = _fake_ncu(work, f"import json\nopen(log, 'w').write(open({str(capped)!r}).read())\n" + MARK)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=work, cuda=False)
    assert p.metrics and p.launches == MAX_LAUNCHES and not p.complete and not p.host_fault
    assert p.reason == f"ncu stopped at {MAX_LAUNCHES} launches of the profiled call; later launches were not seen"


def test_a_permission_error_is_the_hosts_fault(tmp_path, monkeypatch):
    log_text = _fixture(tmp_path / "work", "perm_error_handmade.txt")
    bindir = _fake_ncu(tmp_path / "work", f"open(log, 'w').write(open({log_text!r}).read())\nsys.exit(1)")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", cuda=False)
    assert p.host_fault and not p.complete


def test_what_the_profiled_process_prints_never_makes_a_host_fault(tmp_path, monkeypatch):
    """The host's faults are read from ncu's own log (or from no log at all: the jail refused before ncu
    started), never from the streams the candidate prints to: printing ncu's permission error, or the
    jail's refusal and its exit code, would otherwise turn a crashed profile into no rejection."""
    for i, body in enumerate(
        (
            "print('==ERROR== ERR_NVGPUCTRPERM - The user does not have permission', flush=True)\nsys.exit(1)",
            "open(log, 'w').write('==PROF== Connected to process\\n')\n"
            "print('evaluator.child.boot --exec: the project is still writable', file=sys.stderr)\nsys.exit(70)",
        )
    ):
        work = tmp_path / f"work{i}"
        monkeypatch.setenv("PATH", f"{_fake_ncu(work, body)}{os.pathsep}{_without_ncu()}")
        p = profile(SEED, PROBLEM, SMALL, workdir=work, cuda=False)
        assert p.metrics is None and not p.complete and not p.host_fault, (i, p.reason)


def _result(median_ms: float | None = None) -> EvalResult:
    timing = (
        Timing(median_ms=median_ms, iqr_ms=0.0, min_ms=median_ms, max_ms=median_ms, reps=10, warmup=1)
        if median_ms
        else None
    )
    return EvalResult(
        status=Status.correct, gate="done", message="", problem="p", candidate="c.py", code_hash="h",
        precision="tf32", shape_sets=["small"], timings=[CaseTiming(case="full", shapes="s", candidate=timing)],
    )  # fmt: skip


def _profile(**kw) -> Profile:
    kw.setdefault("metrics", {"conv2d_scale_kernel": {"launch__grid_size": 1.0}})
    kw.setdefault("reason", None)
    return Profile(seconds=1.0, **kw)


def test_the_verdict_follows_the_trace():
    r = _result()
    judge_profile(r, _profile(complete=True, sealed=True, launches=2), "full")
    assert r.status is Status.correct and r.notes == []

    r = _result()  # a foreign kernel, complete or not
    judge_profile(r, _profile(complete=False, foreign=["sm90_xmma_gemm_f32f32"], launches=3), "full")
    assert (r.status, r.gate, r.reason) == (Status.incorrect, "ncu", "foreign_kernel")
    assert "sm90_xmma_gemm_f32f32" in r.message

    r = _result()  # the profiled process died: no list of what ran, no pass
    why = "the profiled process failed before its profiled call (Killed)"
    judge_profile(r, _profile(metrics=None, reason=why), "full")
    assert (r.status, r.gate, r.reason) == (Status.crashed, "ncu", "no_trace") and why in r.message

    r = _result()  # kernels measured, but the list is cut short
    judge_profile(r, _profile(reason="ncu stopped at 1000 launches", launches=MAX_LAUNCHES), "full")
    assert (r.status, r.reason) == (Status.incorrect, "no_trace")

    r = _result()  # the host's fault: the verdict stands, ncu_reason says why
    why = "profiling not permitted (ERR_NVGPUCTRPERM)"
    judge_profile(r, _profile(metrics=None, reason=why, host_fault=True), "full")
    assert r.status is Status.correct and r.ncu_reason == why

    r = _result()  # the whole list, all Triton, but the profiled call's own output was wrong
    why = "output differs from the reference in 71 of 72 elements"
    judge_profile(r, _profile(complete=True, sealed=True, launches=1, output_ok=False, output_message=why), "full")
    assert (r.status, r.gate, r.reason) == (Status.incorrect, "ncu", "profiled_output") and why in r.message

    r = _result()  # complete, but this kernel could not seal the log: said, not hidden
    judge_profile(r, _profile(complete=True, sealed=False, launches=2), "full")
    assert r.status is Status.correct and any("not sealed" in n for n in r.notes)


def test_a_timing_far_below_the_gpu_time_ncu_saw_is_suspicious():
    """The candidate's benchmark runs in its own process (forgeable); ncu's GPU time of a checked call does not."""
    r = _result(median_ms=0.9)  # claims 0.9 ms; ncu measured 2.0 ms of kernels in one call
    judge_profile(r, _profile(complete=True, sealed=True, launches=2, gpu_ms=2.0), "full")
    assert r.status is Status.correct and len(r.suspicious) == 1
    assert (
        "0.9 ms per call inside the candidate's process" in r.suspicious[0] and "2 ms of GPU kernels" in r.suspicious[0]
    )
    for median, profile_kw in (
        (1.9, dict(complete=True, gpu_ms=2.0)),  # honest: launch gaps and warm caches, within the margin
        (1.1, dict(complete=True, gpu_ms=2.0)),  # at most 2x: inside NCU_TIME's room for cold-cache replays
        (0.9, dict(complete=True, gpu_ms=None)),  # a launch without its time: no figure to compare
    ):
        r = _result(median_ms=median)
        judge_profile(r, _profile(sealed=True, launches=2, **profile_kw), "full")
        assert r.suspicious == [], (median, profile_kw)
    r = _result(median_ms=0.9)  # a rejected candidate gets no flag on top of its verdict
    judge_profile(r, _profile(complete=True, sealed=True, launches=2, gpu_ms=2.0, foreign=["sm90_xmma_gemm"]), "full")
    assert r.status is Status.incorrect and r.suspicious == []


def test_the_markers_verdict_reaches_the_profile(tmp_path, monkeypatch):
    """What the profiled process found of its own output (wire.Profiled.correct) is carried to the verdict."""
    capture = _fixture(tmp_path / "work", "seed_full_h100_evaluator.csv")
    marker = '{"warmup_s": 1, "profiled_s": 0.1, "correct": false, "message": "off by 0.7"}'
    body = f"import json\nopen(log, 'w').write(open({capture!r}).read())\n"
    body += f"open(json.load(open(args[-1]))['done_path'], 'w').write({marker!r})"
    monkeypatch.setenv("PATH", f"{_fake_ncu(tmp_path / 'work', body)}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", cuda=False)
    assert p.complete and p.output_ok is False and p.output_message == "off by 0.7"
