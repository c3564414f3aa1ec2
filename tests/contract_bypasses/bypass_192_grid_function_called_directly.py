# Inference._launch_argument (new today) types meta["n"] inside a grid callable as the kind the launches of that
# callable pass the kernel's parameter n (PY: x.numel()); Kinds._subscript_kind returns that before any binding of
# the parameter from other call sites. But host code may also call the grid function itself: grid({"n": x, ...})
# hands it the input tensor, and meta["n"] * 2 (typed PY) runs aten mul; triton.cdiv(meta["n"], ...) also
# computes on it. The direct call's dict argument is never joined into the `meta` parameter.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def grid(meta):
    return (triton.cdiv(meta["n"], meta["BLOCK"]), meta["n"] * 2)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[grid](x, out, x.numel(), BLOCK=256)
        s = grid({"n": x, "BLOCK": 256})  # compute
        return out
