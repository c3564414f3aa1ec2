"""How much of the tf32 policy's error budget each Winograd form (1D, and F(2x2,3x3)) spends on #32, on the CPU.

    python studies/conv2d_scale_min/winograd_numerics.py

F(m, 3) along the width (input windows of m + 2 pixels at stride m, V = B^T d, U = G g, y = A^T M), with V and U
rounded to nearest TF32 before fp32 accumulation (ties to even here; the Gluon kernels round ties away
from zero); beside it a direct TF32 conv that
truncates its operands, as the tensor cores do with raw fp32. Each row: the largest |out - fp64 reference| over
the policy's floor (atol + rtol * |ref|, 1e-3 each, atol scaled by the inputs' magnitude on the dynamic-range
row), on the problem's layer (nn.Conv2d(64, 128, 3) init, scale 2.0, min over channels). Session 12: F(2,3)
spends 0.33-0.59 of the floor, F(4,3) 0.95-1.90 (its transform's 4, 5, 8 and 1/24 amplify the rounding).
Session 19: F(2x2,3x3) (`winograd_2d`, the same rounding) 0.34-0.63, below a truncating direct TF32 conv's 0.66-0.89.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from evaluator.shared.precision import round_mantissa  # noqa: E402

F23 = dict(
    BT=[[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    G=[[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
    AT=[[1, 1, 1, 0], [0, 1, -1, -1]],
)
F43 = dict(  # points 0, +-1, +-2, infinity (Lavin and Gray)
    BT=[
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ],
    G=[
        [1 / 4, 0, 0],
        [-1 / 6, -1 / 6, -1 / 6],
        [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6],
        [1 / 24, -1 / 12, 1 / 6],
        [0, 0, 1],
    ],
    AT=[[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
)


def truncate(t: torch.Tensor) -> torch.Tensor:  # the tensor cores' TF32 of raw fp32: 13 low mantissa bits dropped
    return (t.view(torch.int32) & ~0x1FFF).view(torch.float32)


def nearest(t: torch.Tensor) -> torch.Tensor:  # round to nearest, ties to even, at TF32's 10 mantissa bits
    return round_mantissa(t, 10)


def exact_error(form: dict) -> float:
    """The form's algebra against a direct 1D correlation in fp64 (0 up to rounding, or the matrices are wrong)."""
    BT, G, AT = (torch.tensor(form[k], dtype=torch.float64) for k in ("BT", "G", "AT"))
    m, a = AT.shape
    d, g = torch.randn(a, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    want = torch.stack([(d[i : i + 3] * g).sum() for i in range(m)])
    return (AT @ ((G @ g) * (BT @ d)) - want).abs().max().item()


def winograd(x, w, b, scale, round_fn, form):
    BT, G, AT = (torch.tensor(form[k], dtype=torch.float32) for k in ("BT", "G", "AT"))
    m, a = AT.shape
    N, C, H, W = x.shape
    H_out, W_out = H - 2, W - 2
    T = (W_out + m - 1) // m
    xp = torch.nn.functional.pad(x, (0, m * T + a - m - W))
    V = torch.stack([xp[..., i : i + m * T : m] for i in range(a)], -1) @ BT.T  # [N, C, H, T, a]
    U = w @ G.T  # [C_out, C, 3 (kh), a]
    M = []
    for j in range(a):
        Vj, Uj = round_fn(V[..., j].contiguous()), round_fn(U[..., j].contiguous())
        M.append(sum(torch.einsum("nchT,oc->nohT", Vj[:, :, kh : kh + H_out], Uj[:, :, kh]) for kh in range(3)))
    y = (torch.stack(M, -1) @ AT.T).reshape(N, w.shape[0], H_out, m * T)[..., :W_out]
    return ((y + b[None, :, None, None]) * scale).amin(1, keepdim=True)


def winograd_2d(x, w, b, scale, round_fn, form):
    """F(m x m, 3 x 3): tiles of (m + 2)^2 input pixels at stride m in both directions, V = B^T d B, U = G g G^T,
    y = A^T M A, with V and U rounded by round_fn (TF32: the operands of the 16 or 36 tensor-core GEMMs)."""
    BT, G, AT = (torch.tensor(form[k], dtype=torch.float32) for k in ("BT", "G", "AT"))
    m, a = AT.shape
    N, C, H, W = x.shape
    H_out, W_out = H - 2, W - 2
    Th, Tw = (H_out + m - 1) // m, (W_out + m - 1) // m
    xp = torch.nn.functional.pad(x, (0, m * Tw + a - m - W, 0, m * Th + a - m - H))
    d = xp.unfold(2, a, m).unfold(3, a, m)  # [N, C, Th, Tw, a, a]
    V = round_fn((BT @ d @ BT.T).contiguous())
    U = round_fn((G @ w @ G.T).contiguous())  # [C_out, C, a, a]
    M = torch.einsum("ncxyij,ocij->noxyij", V, U)
    y = (AT @ M @ AT.T).permute(0, 1, 2, 4, 3, 5).reshape(N, w.shape[0], m * Th, m * Tw)[..., :H_out, :W_out]
    return ((y + b[None, :, None, None]) * scale).amin(1, keepdim=True)


def direct(x, w, b, scale, round_fn, form=None):
    return (torch.nn.functional.conv2d(round_fn(x), round_fn(w), b) * scale).amin(1, keepdim=True)


def main() -> None:
    torch.manual_seed(0)
    print(f"algebra: F(2,3) off by {exact_error(F23):.1e}, F(4,3) by {exact_error(F43):.1e}")
    x, conv = torch.randn(1, 3, 9, 8), torch.nn.Conv2d(3, 5, 3)
    exact = (torch.nn.functional.conv2d(x, conv.weight, conv.bias) * 2.0).amin(1, keepdim=True)
    off = (winograd_2d(x, conv.weight.detach(), conv.bias.detach(), 2.0, lambda t: t, F23) - exact).abs().max()
    print(f"algebra: F(2x2,3x3) against the conv in fp32, odd sizes, off by {off:.1e}")
    conv = torch.nn.Conv2d(64, 128, 3)
    w, b = conv.weight.detach(), conv.bias.detach()
    inputs = {
        "rand": (torch.rand(2, 64, 66, 66), 1.0),
        "randn": (torch.randn(2, 64, 66, 66), 1.0),
        "up to 1e5": ((2 * torch.rand(2, 64, 34, 34) - 1) * 1e5, 1e5),
    }
    forms = {
        "direct, TF32 truncated": (direct, truncate, None),
        "F(2,3), TF32 nearest": (winograd, nearest, F23),
        "F(4,3), TF32 nearest": (winograd, nearest, F43),
        "F(2x2,3x3), TF32 nearest": (winograd_2d, nearest, F23),
    }
    print(f"{'inputs':10} {'form':24} {'max |err|':>10} {'/ floor':>8}")
    for name, (x, magnitude) in inputs.items():
        ref = (torch.nn.functional.conv2d(x.double(), w.double(), b.double()) * 2.0).amin(1, keepdim=True)
        for label, (fn, round_fn, form) in forms.items():
            err = (fn(x, w, b, 2.0, round_fn, form).double() - ref).abs()
            floor = 1e-3 * magnitude + 1e-3 * ref.abs()
            print(f"{name:10} {label:24} {err.max():10.3e} {(err / floor).max():8.3f}")


if __name__ == "__main__":
    main()
