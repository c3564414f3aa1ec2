# A class body is skipped by Inference._infer (its assignments are neither module-level names nor shared), so
# `cache = BOX` in ModelNew's body is not recorded as sharing the module-level list BOX. forward stores the input
# into self.cache[0] (ModelNew.cache is BOX): _holds marks ("self", "cache") only. BOX keeps the kind PY it got
# from `BOX = [0.0]`, BOX[0] is UNKNOWN, and `BOX[0] * 2` passes: aten mul on the input; float(...) reads a value.
# A default argument evaluated in the class body (`def put(self, v, b=cache)`) is the same gap the other way: the
# gate resolves `cache` to a module-level name, Python to the class attribute.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


BOX = [0.0]


class ModelNew(nn.Module):
    cache = BOX

    def __init__(self):
        super().__init__()

    def forward(self, x):
        self.cache[0] = x
        s = BOX[0] * 2
        v = float(BOX[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
