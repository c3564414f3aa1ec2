# torch.device('cpu', v) parses its index argument through __index__ (reads v's value: .index == 7 for
# a tensor holding 7), and torch.manual_seed(v) does int(v) (see bypass_manual_seed). contract._size_parts only
# checks the integer arguments of allocators, torch.Size, torch.cuda.* and torch.nn.init.*; other allowed torch
# callables (torch.device, torch.manual_seed, torch.Generator(...)) get no argument check at all.
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
        s = torch.device("cpu", v).index
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
