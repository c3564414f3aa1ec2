"""The hopper stage's Gluon example (prompts/hopper_gemm_example.py) computes relu((a @ b.T + bias) * scale).

GPU only (Gluon has no interpreter): skipped without CUDA, and without an sm_90+ device.
"""

from __future__ import annotations

import pytest
import torch

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize("M, N, K", [(256, 128, 64), (300, 200, 96), (1000, 384, 512)])
def test_gemm_bias_relu_matches_fp64(M, N, K):
    if torch.cuda.get_device_capability()[0] < 9:
        pytest.skip("needs an sm_90+ GPU (TMA, wgmma)")
    from prompts.hopper_gemm_example import gemm_bias_relu

    g = torch.Generator(device="cuda").manual_seed(M + N + K)
    a = torch.randn(M, K, device="cuda", generator=g)
    b = torch.randn(N, K, device="cuda", generator=g)
    bias = torch.randn(N, device="cuda", generator=g)
    out = gemm_bias_relu(a, b, bias, scale=0.5)
    ref = torch.relu((a.double() @ b.double().T + bias.double()) * 0.5)
    err = ((out.double() - ref).norm() / ref.norm()).item()
    assert torch.isfinite(out).all()
    assert err < 2e-3, err  # TF32 operands: ~3e-4 relative; a wrong tile or epilogue gives O(1)
    assert (out >= 0).all()
