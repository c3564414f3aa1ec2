# Kinds._loop_item_classes trusts `for layer in self.layers` to yield the layers of the ModuleList display stored
# in self.layers when Kinds._changed_attributes finds no item store or container method on `self.layers` itself;
# it looks only at calls/subscripts whose receiver is the attribute node, never at an alias. `ls = self.layers;
# ls[0] = Holder()` swaps the Linear for a module of this file whose in_features is a list box: layer.in_features
# is typed as Linear's constant (PY), `.append(x)` marks nothing, and layer.in_features[1] * 2 runs aten mul.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.in_features = [0.0]


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(8, 8)])
        ls = self.layers
        ls[0] = Holder()

    def forward(self, x):
        for layer in self.layers:
            layer.in_features.append(x)
            s = layer.in_features[1] * 2  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
