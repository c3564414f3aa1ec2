# Inference._bind_captures binds every capture of a `case` to TENSOR if the subject may hold a tensor (TENSOR /
# TCONT) and to UNKNOWN otherwise. `self` (or any instance of this module's classes) is SELF, so a class pattern's
# keyword capture, which reads an attribute of the subject (`case ModelNew(buf=t)` is isinstance + getattr), is
# UNKNOWN although self_kinds knows `buf` is a tensor. The subject is only truth-tested when it is a TENSOR
# (_truth_tests), and SELF is not. `t * 2` runs aten mul on the input; float(t...) reads a value.
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

    def forward(self, x):
        self.buf = x
        match self:
            case ModelNew(buf=t):
                s = t * 2
                v = float(t.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
