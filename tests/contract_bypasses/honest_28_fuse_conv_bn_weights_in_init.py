# Session 25: a red team found the first version of a rule below refused this honest pattern; it passes since the fix.
# Honest: fold BatchNorm into the conv weights once, in __init__ (the standard Conv+BN inference fusion; KernelBench has
# many Conv2d+BatchNorm problems). torch.nn.utils.fusion.fuse_conv_bn_weights is plain tensor arithmetic on weights,
# but bans.operator accepts only functions of torch / F / linalg / fft / special, so scan.add now refuses it in the
# init region (it passed at 6a8f17b). forward would then run the fused conv in Triton (a copy stands in here).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        conv = nn.Conv2d(3, 8, 3)
        bn = nn.BatchNorm2d(8)
        w, b = torch.nn.utils.fusion.fuse_conv_bn_weights(
            conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
        )
        self.weight = nn.Parameter(w.detach())
        self.bias = nn.Parameter(b.detach())

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
