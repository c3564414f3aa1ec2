# attack_11_class_constant_shadows_container_bias
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

# R3: class-body constant `net` shadows the ModuleList stored as self.net. The gate takes self.net[0] for the
# GRUCell of the display (_container_layers at=0), whose __constants__ list `bias` (a bool there), so
# self.net[0].bias is a Python value; at run time self.net is the class list and its item an nn.Linear, whose
# bias is a Parameter: `* 2` (aten mul) and float() (aten _local_scalar_dense) pass.

class ModelNew(nn.Module):
    net = [nn.Linear(8, 8)]

    def __init__(self):
        super().__init__()
        self.net = nn.ModuleList([nn.GRUCell(8, 8)])

    @torch.no_grad()
    def forward(self, x):
        b = self.net[0].bias
        b.copy_(x[0])
        s = b * 2  # compute
        v = float(b[0])
        return launch_copy(x)
