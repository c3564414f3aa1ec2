# attack_27_del_constant_register_buffer (register through get_submodule)
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

# R3: syntax._stored_attributes (stored_elsewhere) sees store targets only: `del lin.in_features` followed by
# lin.register_buffer("in_features", t) turns Linear's constant into a tensor buffer with no attribute store.
# Read through a local alias of self.lin (new in _value_classes), in_features is still typed a Python value.

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        del self.lin.in_features
        self.get_submodule("lin").register_buffer("in_features", torch.zeros(8))

    def forward(self, x):
        lin = self.lin
        f = lin.in_features
        f.copy_(x[0])
        s = f * 2  # compute
        v = float(f[0])
        return launch_copy(x)
