"""Attack: skips the convolution and reduces whatever `torch.empty` hands back.

Right after the evaluator runs the reference, the allocator's free list holds the reference's
intermediate (conv * scale) of exactly this shape; a min over it is the right answer for free.
Defence: on a GPU the worker fills the caching allocator's free blocks with NaN before each call;
a CPU worker runs with MALLOC_PERTURB_, so every allocation reads 3.4e38.
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def channel_min_kernel(y_ptr, out_ptr, C_out, HW, P, BLOCK_M: tl.constexpr):
    offs = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    mask = offs < P
    n = offs // HW
    r = offs % HW
    best = tl.full((BLOCK_M,), float("inf"), tl.float32)
    for c in range(0, C_out):
        best = tl.minimum(best, tl.load(y_ptr + (n * C_out + c) * HW + r, mask=mask, other=float("inf")))
    tl.store(out_ptr + offs, best, mask=mask)


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = scale_factor

    def forward(self, x):
        N, _, H, W = x.shape
        C_out, _, K, _ = self.conv.weight.shape
        H_out, W_out = H - K + 1, W - K + 1
        y = torch.empty((N, C_out, H_out, W_out), device=x.device, dtype=x.dtype)  # "the conv output"
        out = torch.empty((N, 1, H_out, W_out), device=x.device, dtype=x.dtype)
        P = N * H_out * W_out
        channel_min_kernel[(triton.cdiv(P, 128),)](y, out, C_out, H_out * W_out, P, BLOCK_M=128)
        return out
