"""The worker's runtime guards, in process (CPU): what the GPU paths rely on, without a GPU."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from evaluator.child.audit import LAUNCHES, OpAudit, _audited_thread, classify_kernels
from evaluator.child.guards import Integrity
from evaluator.child.trial import AuditFailure, Trial

CPU = torch.device("cpu")


def test_kernel_names_from_the_profiler_are_classified():
    names = [
        "conv_scale_min_kernel",
        "Memset (Device)",
        "Memcpy DtoD (Device -> Device)",
        "void at::native::vectorized_elementwise_kernel<4, at::native::FillFunctor<float>, std::array<char*, 1ul> >",
        "void at::native::elementwise_kernel<128, 2, at::native::gpu_kernel_impl_nocast<"
        "at::native::direct_copy_kernel_cuda(at::TensorIteratorBase&)::{lambda()#3}>",
        "sm90_xmma_fprop_implicit_gemm_tf32f32_tf32f32_f32_nhwckrsc_nhwc_tilesize128x128x32_cudnn",
        "ampere_sgemm_128x64_tn",
        "void at::native::reduce_kernel<512, 1, at::native::ReduceOp<float, at::native::MinNanFunctor<float> > >",
        "void at::native::vectorized_elementwise_kernel<4, at::native::BinaryFunctor<float, float, float, "
        "at::native::binary_internal::MulFunctor<float> > >",
    ]
    triton_seen, forbidden = classify_kernels(names, {"conv_scale_min_kernel"})
    assert triton_seen == ["conv_scale_min_kernel"]
    assert len(forbidden) == 4 and all(("gemm" in f or "Functor" in f) for f in forbidden), forbidden


def test_op_audit_allows_allocation_copies_and_views_only():
    x = torch.rand(2, 3, 8, 8)
    with OpAudit() as ops:
        y = torch.empty_like(x)
        torch.zeros(3).fill_(1.0)
        x.permute(0, 2, 3, 1).contiguous().view(-1)
        torch.nn.functional.pad(x, (1, 1)).to(torch.float64)
    assert ops.forbidden() == {}, ops.ops
    w = torch.rand(5, 3, 3, 3)
    with OpAudit() as ops:
        torch.nn.functional.conv2d(x, w).amin(dim=1)
        y.mul_(2)
    assert set(ops.forbidden()) == {"convolution", "amin", "mul_"}, ops.ops


def _model(body):
    class M(torch.nn.Module):
        def forward(self, x):
            return body(x)

    return M()


def test_timed_reps_catch_a_thread_left_running():
    trial = Trial(CPU)
    trial.before_import()
    stop = threading.Event()

    def body(x):
        threading.Thread(target=stop.wait, daemon=True).start()
        return x + 0  # the aten audit runs on the first rep too

    fn, on_rep = trial.timed(_model(body), rng=__import__("random").Random(0))
    try:
        fn(torch.rand(4))
        with pytest.raises(AuditFailure) as e:
            on_rep()
        reasons = {r for r, _ in e.value.findings}
        assert reasons == {"threads", "torch_compute", "no_triton_launch"}, e.value.findings
    finally:
        stop.set()


def test_call_sees_pytorch_work_in_a_thread_it_starts_and_joins():
    """A dispatch mode holds for one thread: the work of a thread forward starts and joins is audited all the
    same (threading.Thread and _thread alike), and counts into the call's findings."""
    import _thread

    trial = Trial(CPU)
    trial.before_import()
    w = torch.rand(4, 3, 3, 3)

    def by_thread(x):
        box = {}
        t = threading.Thread(target=lambda: box.update(y=torch.nn.functional.conv2d(x, w)))
        t.start()
        t.join()
        return box["y"]

    def by_raw_thread(x):
        done = threading.Event()
        box = {}
        _thread.start_new_thread(lambda: (box.update(y=x.amin(dim=1)), done.set()), ())
        done.wait(10)
        return box["y"]

    for body, op in ((by_thread, "convolution x1"), (by_raw_thread, "amin x1")):
        out, findings = trial.call(_model(body), [torch.rand(1, 3, 6, 6)])
        messages = dict(findings)
        assert "torch_compute" in messages and op in messages["torch_compute"], findings
        assert "threads" not in messages, findings  # joined: nothing left running
    assert OpAudit.current is None  # the call's audit is gone with the call
    body = lambda: None  # noqa: E731
    assert _audited_thread(body) is body  # outside an audited call a new thread runs as it is
    assert trial.integrity.changed() == []  # the wrapped thread start is part of the snapshot
    name = next(n for n in ("_start_new_thread", "_start_joinable_thread") if hasattr(threading, n))
    wrapped = getattr(threading, name)
    try:  # a candidate that puts the unwrapped start back is tampering
        setattr(threading, name, wrapped.__kwdefaults__["_original"])
        assert f"threading.{name} was replaced" in trial.integrity.changed()
    finally:
        setattr(threading, name, wrapped)


def test_integrity_names_a_replaced_function_and_restores_cleanly():
    integrity = Integrity.snapshot()
    assert integrity.changed() == [] and integrity.quick_changed() == []
    saved = torch.cuda.Event, time.perf_counter
    try:
        torch.cuda.Event, time.perf_counter = object, lambda: 0.0
        assert "torch.cuda.Event was replaced" in integrity.quick_changed()
        assert any("time.perf_counter was replaced" in c for c in integrity.changed(limit=50))
    finally:
        torch.cuda.Event, time.perf_counter = saved
    assert integrity.changed() == []


def test_call_reports_no_triton_launch_and_torch_compute():
    trial = Trial(CPU)
    trial.before_import()
    out, findings = trial.call(_model(lambda x: x * 2), [torch.rand(3)])
    assert LAUNCHES.count == 0 and out.shape == (3,)
    assert [r for r, _ in findings] == ["no_triton_launch", "torch_compute"]
