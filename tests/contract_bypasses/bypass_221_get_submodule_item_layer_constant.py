# attack_26_get_submodule_item_layer_constant
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

# R3: the ModuleList's item is swapped in __init__ through get_submodule (not a `.net` attribute node, so
# _changed_attributes misses it); self.net[0] (constant index, new) is still "an nn.Linear" and in_features its
# Python constant, while the item is a Holder whose in_features is a tensor buffer.

class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("in_features", torch.zeros(8))

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.ModuleList([nn.Linear(8, 8)])
        self.get_submodule("net")[0] = Holder()

    def forward(self, x):
        f = self.net[0].in_features
        f.copy_(x[0])
        s = f * 2  # compute
        v = float(f[0])
        return launch_copy(x)
