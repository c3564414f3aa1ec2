# The constexpr BLOCK is given a tensor through **-unpacking of a dict. At the launch Triton uses a
# constexpr's value for specialization and the cache key (str/hash/compare of the tensor: its data read into Python),
# exactly as in bypass_100 (BLOCK=v). contract._launch_values matches only call.keywords with k.arg in numbers and
# positional args zipped with the kernel's parameter names; a keyword with arg None (**s) and a Starred positional
# (*[x, out, n, v]) are skipped, and a dict display holding a tensor is a legal TCONT value.
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
        out = torch.empty_like(x)
        s = {"BLOCK": v}
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), **s)  # compute
        return out
