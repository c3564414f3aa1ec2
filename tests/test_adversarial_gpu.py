"""Defences only a GPU can show (skipped without CUDA): the profiler kernel audit, side streams,
allocator poisoning, device faults, a compile that never ends, a faked timer flagged as too good to
be true, and CUDA inside the network namespace. The CPU side is tests/test_adversarial.py.

    python -m pytest -q -m gpu tests/test_adversarial_gpu.py tests/test_gpu.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.parent.jail import probe
from evaluator.parent.supervisor import Limits
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status

pytestmark = pytest.mark.gpu
CORPUS = Path(__file__).resolve().parent / "adversarial"
PROBLEM = load_problem("conv2d_scale_min")


def ev(name: str, **kw):
    kw.setdefault("shapes", "small")
    kw.setdefault("time", False)
    kw.setdefault("device", "cuda")
    kw["disable"] = set(kw.get("disable", ()))
    return evaluate(CORPUS / f"{name}.py", PROBLEM, EvalConfig(**kw))


def test_honest_fused_passes_every_defence_and_is_timed(tmp_path):
    r = ev("honest_fused", shapes="odd", time=True, cache_dir=tmp_path, target_ms=20)
    assert r.status is Status.correct, r.message
    assert not any("kernel audit skipped" in n for n in r.notes), r.notes  # the profiler saw the GPU work
    assert [c.stage for c in r.checks][-1] == "after timing"
    assert r.timings and r.suspicious == [], r.suspicious


@pytest.mark.parametrize("name", ["torch_functional", "matmul_im2col"])
def test_profiler_audit_sees_library_kernels_without_the_aten_audit(name):
    # Static bans and the aten audit off: only the kernel list from torch.profiler is left.
    r = ev(name, disable={"bans", "ops"})
    assert r.status is Status.incorrect and r.gate == "audit", (r.status, r.message)
    assert r.reason == "torch_kernels", r.message
    assert "GPU kernels that are not its Triton kernels" in r.message


def test_aten_audit_on_gpu():
    r = ev("torch_functional", disable={"bans"})
    assert r.reason == "torch_compute" and "convolution" in r.message, r.message


def test_side_stream_work_is_synchronised_and_timed(tmp_path):
    cfg = dict(shapes="odd", time=True, cache_dir=tmp_path, target_ms=20)
    honest = ev("honest_fused", **cfg)
    side = ev("side_stream", disable={"bans"}, **cfg)
    assert honest.status is Status.correct and side.status is Status.correct, side.message
    for h, s in zip(honest.timings, side.timings, strict=True):
        # The same kernel on a side stream: the device-wide sync before the end event counts it.
        assert s.candidate.median_ms > 0.5 * h.candidate.median_ms, (s.case, s.candidate, h.candidate)
    static = ev("side_stream")
    assert static.reason == "side_stream"


def test_freed_memory_is_poisoned_in_the_caching_allocator():
    import torch

    from evaluator.shared.timing import poison_free_memory

    dev = torch.device("cuda")
    for n in (3 * 2**20, 1000):  # 12 MB (large pool) and 4 KB (small pool)
        a = torch.full((n,), 7.0, device=dev)
        ptr = a.data_ptr()
        del a
        b = torch.empty(n, device=dev)  # the attack: the freed block, values and all, comes back
        assert b.data_ptr() == ptr and bool((b == 7.0).all())
        del b
        poison_free_memory(dev)
        c = torch.empty(n, device=dev)
        assert bool(torch.isnan(c).all()), f"{n} floats: stale values survived the poisoning"
        del c


def test_stale_memory_attack_reads_nan():
    r = ev("stale_memory", trials=1)
    assert r.status is Status.incorrect and "NaN/Inf where the reference is finite" in r.message, r.message


@pytest.mark.parametrize("name, error", [("fault_device_assert", "assert"), ("fault_alloc_oom", "OutOfMemoryError")])
def test_device_fault_is_contained_and_the_next_evaluation_is_clean(name, error):
    r = ev(name, trials=1)
    assert r.status in (Status.runtime_error, Status.crashed), (r.status, r.message)
    if name == "fault_alloc_oom":
        assert r.status is Status.runtime_error
    assert error.lower() in (r.message + (r.error_tail or "") + r.stderr_tail).lower(), r.message
    ok = ev("honest_fused", trials=1)
    assert ok.status is Status.correct, ok.message


def test_compile_that_never_ends_times_out():
    r = ev("fault_compile_hang", trials=1, limits=Limits(compile_s=20))
    assert r.status is Status.timeout and r.gate == "compile", (r.status, r.message)


def test_faked_timer_is_flagged_too_good_to_be_true(tmp_path):
    # Integrity check off: the fake CUDA events report 0.001 ms per call; the roofline flags it.
    r = ev(
        "monkeypatch_timer", shapes="odd", time=True, cache_dir=tmp_path, target_ms=20, disable={"bans", "integrity"}
    )
    assert r.status is Status.correct, r.message
    assert any("faster than torch.compile" in f for f in r.suspicious), (r.suspicious, r.timings)
    caught = ev("monkeypatch_timer", disable={"bans"})
    assert caught.reason == "tampering" and "torch.cuda.Event was replaced" in caught.message


def test_cuda_works_in_the_network_namespace():
    r = ev("fault_network", disable={"bans"}, trials=1)
    assert r.status is Status.correct, r.message
    if probe(cuda=True) is not None:
        pytest.skip("the namespaces with CUDA do not work on this machine: the worker ran without a namespace")
    assert "NET lo reached: " in r.stdout_tail and "reached: yes" not in r.stdout_tail, r.stdout_tail


def test_cache_saboteur_cannot_break_the_next_honest_candidate(tmp_path):
    """Honest -> saboteur -> honest on the GPU with one shared TRITON_CACHE_DIR, as the loop passes it
    (issue 24: on the H200 a saboteur once made the next honest candidate fail with a CUDA error)."""
    shared = tmp_path / "triton_cache"
    shared.mkdir()
    env = {"TRITON_CACHE_DIR": str(shared)}
    first = ev("honest_fused", env=env)
    assert first.status is Status.correct, first.message
    before = sorted((p.relative_to(shared), p.read_bytes()) for p in shared.rglob("*") if p.is_file())
    sab = ev("cache_saboteur", env=env, disable={"bans"})
    assert "POISONED" in sab.stdout_tail, sab.stdout_tail  # it ran and wrote into the cache it was given
    after_files = sorted((p.relative_to(shared), p.read_bytes()) for p in shared.rglob("*") if p.is_file())
    assert after_files == before  # nothing of the saboteur's reached the shared cache
    last = ev("honest_fused", env=env)
    assert last.status is Status.correct, last.message


@pytest.mark.parametrize("name", ["torch_functional", "matmul_im2col", "ncu_log_forger", "audit_submodule_torch"])
def test_ncu_sees_library_kernels_when_every_in_process_audit_is_off(tmp_path, name):
    """Issue 24 1(b): with the static bans, both in-process audits (aten ops, torch.profiler kernels) and
    the knockout switched off, as a candidate that blinds its own process would leave them, Nsight
    Compute's view of the profiled call (from outside the candidate's process) still rejects it; the
    forger, which rewrites ncu's log in place and from a process it leaves behind, too (the log is sealed)."""
    r = ev(name, disable={"bans", "ops", "kernels", "knockout"}, time=True, ncu=True, cache_dir=tmp_path, target_ms=20)
    if r.ncu_reason and "not permitted" in r.ncu_reason:
        pytest.skip(r.ncu_reason)
    assert r.status is Status.incorrect and r.gate == "ncu" and r.reason == "foreign_kernel", (r.status, r.message)
    assert "Triton did not compile" in r.message
    assert not any("not sealed" in n for n in r.notes), r.notes


def test_ncu_accepts_the_promoted_kernels(tmp_path):
    """No false positive: the H200's Gluon winner (torch.empty, views) and the H100's Triton winner (its
    weight re-layout in the forward call: a fill and a copy) pass the same check."""
    root = Path(__file__).resolve().parents[1] / "kernels" / "conv2d_scale_min"
    for path in (root / "best" / "nvidia-h200.py", root / "best" / "nvidia-h100-80gb-hbm3.py", root / "seed.py"):
        cfg = EvalConfig(shapes="small", time=True, ncu=True, cache_dir=tmp_path, target_ms=20, device="cuda")
        r = evaluate(path, PROBLEM, cfg)
        assert r.status is Status.correct, (path.name, r.message)
        assert r.ncu, (path.name, r.ncu_reason)
