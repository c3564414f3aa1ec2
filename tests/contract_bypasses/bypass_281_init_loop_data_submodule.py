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


# The weight-init loop allows `m.X.data...` on the loop variable; a holder block keeps its ModuleList under the name
# `data`, so `m.h.data.append(nn.Linear(8, 8))` inside the loop reaches it without get_submodule/children. Expected:
# refused (the append makes "data" a changed attribute, and forward iterates self.h.data).

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.data = nn.ModuleList([Block()])


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.h = Holder()
        for m in self.modules():
            if isinstance(m, ModelNew):
                m.h.data.append(nn.Linear(8, 8))

    def forward(self, x):
        for blk in self.h.data:
            x = blk(x)  # compute: nn.Linear
        return launch_copy(x)
