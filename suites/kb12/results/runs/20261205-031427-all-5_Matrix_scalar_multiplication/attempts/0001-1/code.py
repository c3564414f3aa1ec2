import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _scale_kernel(a_ptr, c_ptr, s, n_elements, BLOCK: tl.constexpr):
    # c[i] = a[i] * s over a flat contiguous view; one program = BLOCK consecutive elements.
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n_elements
    a = tl.load(a_ptr + offs, mask=mask, other=0.0)
    tl.store(c_ptr + offs, a * s, mask=mask)


def scale(a, s):
    a = a.contiguous()
    c = torch.empty_like(a)
    n = a.numel()
    BLOCK = 2048
    _scale_kernel[(triton.cdiv(n, BLOCK),)](a, c, s, n, BLOCK=BLOCK, num_warps=8)
    return c


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, A, s):
        return scale(A, s)
