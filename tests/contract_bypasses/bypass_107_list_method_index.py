# list.pop(i) / list.insert(i, v) / str.startswith(p, start) / str.replace(a, b, count) / list.sort(reverse=)
# convert their integer argument with operator.index(), i.e. Tensor.__index__ -> .item(): list(range(1024)).pop(v)
# returns v's value as a Python int. contract._method_call only checks that 'pop' is in PY_METHODS for a PY
# receiver, and _call_operands checks arguments only for READ_METHODS (format/count/index), so a tensor argument
# of pop/insert/startswith/replace is never typed; s comes out UNKNOWN and is usable in arithmetic.
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
        lst = list(range(1024))
        s = lst.pop(v) * 2
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
