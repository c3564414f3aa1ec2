# torch.Tensor(n) (allowed: ALLOWED_TORCH has "Tensor" for isinstance checks) allocates an uninitialised float
# tensor, but contract._call_kind types a torch call as a tensor only when its leaf is in TENSOR_ALLOC (or
# pad/Parameter/Buffer); any other torch call is the join of its arguments' kinds: PY for torch.Tensor(16).
# .copy_(x) is an allowed tensor method on a PY receiver (_method_call lets PY values use TENSOR_METHODS, and
# _size_arguments only runs for TENSOR receivers), and its result (the same tensor, now holding the input's data) is
# UNKNOWN. `y * 2` is then aten mul and float(y[0]) reads a value (checked on CPU). bypass_25 passed the input to the
# constructor (now joined into the kind); this one allocates by size and copies after.
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
        y = torch.Tensor(x.numel()).copy_(x.reshape(-1))
        s = float(y[0]) * 2
        z = y * 2  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](z, out, x.numel(), BLOCK=256)
        return out
