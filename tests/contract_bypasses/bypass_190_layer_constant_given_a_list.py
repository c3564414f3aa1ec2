# Kinds._constants_of types an attribute of a layer as a Python value when the layer's class lists it in
# __constants__ (Softmax: dim), looking only at which class was built, never at what the constructor was given.
# Many layers store an argument unchecked (Softmax/LogSoftmax dim, Flatten start_dim, LeakyReLU negative_slope),
# so nn.Softmax(dim=[0.0]) keeps a list box there: self.sm.dim is "PY", `.append(x)` on it marks no place, and
# self.sm.dim[1] is the input tensor: `* 2` runs aten mul. The same box through a ModuleList loop item
# (kinds._loop_item_classes -> _container_layers: `for layer in self.layers: layer.dim...`) passes too.
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
        self.sm = nn.Softmax(dim=[0.0])

    def forward(self, x):
        self.sm.dim.append(x)
        s = self.sm.dim[1] * 2  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
