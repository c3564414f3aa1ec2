# Definitions._registered_names (new today) refuses a submodule named by a method's name only where the name is
# given to register_buffer/register_parameter/add_module/register_module or as a key of the dict display passed to
# nn.ModuleDict/ParameterDict. A ModuleDict's item store `self.d["view"] = nn.Linear(8, 8)` (and
# `self.d.update({"view": ...})`) registers the same layer under "view" unchecked. self.d is a container of layers
# (TCONT) and `view` a tensor method, so `self.d.view(x)` passes, but Module.__getattr__ finds the layer: the
# Linear runs on the input (aten addmm/mm).
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
        self.d = nn.ModuleDict({"w": nn.Linear(8, 8)})
        self.d["view"] = nn.Linear(8, 8)

    def forward(self, x):
        s = self.d.view(x)  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](s, out, x.numel(), BLOCK=256)
        return out
