"""The worker's runtime guards, in process (CPU): what the GPU paths rely on, without a GPU."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from evaluator.child.audit import LAUNCHES, OpAudit, classify_kernels
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
