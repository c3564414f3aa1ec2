# enumerate(it, start=v) converts start with PyNumber_Index -> Tensor.__index__ -> .item(); the loop's i is
# the tensor's value as a Python int (checked: 7 for a tensor holding 7). contract._call_operands checks only
# node.args (positional) of CONTAINER_BUILTINS (list/tuple/set/dict/enumerate/zip/reversed) against TENSOR; the
# keyword start= is never looked at (enumerate([0], v) positionally is refused). zip(..., strict=v) is the same gap
# (PyObject_IsTrue on a tensor).
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
        v = x.to(torch.int64).reshape(-1)[0]
        for i, _ in enumerate([0], start=v):  # compute
            s = i * 2
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
