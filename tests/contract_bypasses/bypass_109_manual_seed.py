# torch.manual_seed(seed) runs int(seed): a tensor seed is read into Python (.item()), and the global RNG
# (hence every later torch.rand / randint) now depends on the input's data; torch.manual_seed(v).initial_seed()
# == v at runtime. Same gap as bypass_torch_device_index: contract._size_parts does not list torch.manual_seed,
# so its arguments are never typed.
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
        s = torch.manual_seed(v)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
