# attack_29_modulelist_iadd_negative_index
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

# R3: `self.net += [...]` appends through ModuleList.__iadd__ without a Load of .net other than the target;
# self.net[-1] (constant negative index) would then be the appended Holder. Expected: refused (an AugAssign
# store into net is recorded as an unknown value).

class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("in_features", torch.zeros(8))


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.ModuleList([nn.Linear(8, 8)])
        self.net += [Holder()]

    def forward(self, x):
        f = self.net[-1].in_features
        s = f * 2  # compute
        return launch_copy(x)
