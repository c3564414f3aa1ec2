"""Attack (session 22 red team): `tl = x` rebinds the name of an import, and the gate read `tl.<anything>` as a
triton.language name by the name alone, so `tl.numpy()`, `tl.dot(...)`, `tl.min(axis=3)` passed. The conv runs in
numpy (`x.numpy()` runs no aten operator, so the in-process audit sees nothing) and a Triton copy kernel moves the
result, so the knockout changes the output. It was `correct` on the CPU.

Static: an imported name is never bound again, anywhere in the module (rebound_import).
"""

import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def compute(x, weight, bias, scale):
    tl = x
    xa = tl.numpy()
    tl = weight
    tl = tl.detach()
    wa = tl.numpy()
    tl = bias
    tl = tl.detach()
    ba = tl.numpy()
    N, C, H, W = x.shape
    O, _, K, _ = weight.shape
    Ho, Wo = H - K + 1, W - K + 1
    acc = 0.0
    for kh in range(K):
        for kw in range(K):
            tl = xa[:, :, kh : kh + Ho, kw : kw + Wo]
            tl = tl.astype("float64")
            t = tl.transpose(0, 2, 3, 1)
            tl = wa[:, :, kh, kw]
            tl = tl.astype("float64")
            wt = tl.transpose()
            tl = t
            acc = acc + tl.dot(wt)
    acc = (acc + ba) * scale
    tl = acc
    m = tl.min(axis=3)
    tl = m
    m = tl.astype("float32")
    tl = m
    m = tl.copy()
    return torch.as_tensor(m), N, Ho, Wo


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        res, N, Ho, Wo = compute(x, self.conv.weight, self.conv.bias, self.scale_factor)
        out = torch.empty((N, 1, Ho, Wo), device=x.device, dtype=torch.float32)
        n = N * Ho * Wo
        copy_kernel[(triton.cdiv(n, 256),)](res, out, n, BLOCK=256)
        return out
