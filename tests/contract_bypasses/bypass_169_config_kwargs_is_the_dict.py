# triton.Config(kwargs) keeps the very dict it is given as .kwargs. The call's kind is the join of its arguments
# (PY here) and Places._references follows no library call but typing.cast, so `cfg.kwargs["k"] = x` marks cfg (and
# self.kwargs) but never box, the dict itself: box["k"] is UNKNOWN and `box["k"] * 2` runs aten mul on the input,
# float(...) reads a value. Same class as bypass_168 (a library object gives back its argument).
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
        box = {"k": 0.0}
        cfg = triton.Config(box)
        cfg.kwargs["k"] = x
        s = box["k"] * 2
        v = float(box["k"].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
