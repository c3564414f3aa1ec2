# Inference._note_args stops at the first starred argument: `f(*box)` fills every later parameter with "an item of
# box", then `break`, so positional arguments after it are never noted. `twice(*[], x)` passes x as `a`, but a is
# noted only from `*[]` (a PY container: UNKNOWN). `a * 2` runs aten mul on the input; float(a...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def twice(a, b=0):
    v = float(a.reshape(-1)[0])  # compute
    return a * 2  # compute


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        s = twice(*[], x)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
