# attack_21_duplicate_forward_def
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch_copy(x):
    out = torch.empty_like(x)
    copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
    return out

# R4: Calls._own_method returns the FIRST `def forward` of the class body; Python keeps the LAST. The gate
# follows `self.block(x, s=x)` into the first forward only, so the second one's keyword-only s is typed from no
# call (UNKNOWN) and `s * 2`, float(...) pass; at run time it is the input tensor.

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x, *, s):
        return launch_copy(x)

    def forward(self, x, *, s):  # noqa: F811
        t = s * 2  # compute
        v = float(s.reshape(-1)[0])
        return launch_copy(t)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        y = self.block(x, s=x)
        return launch_copy(y)
