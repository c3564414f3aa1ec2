# Session 30 red team (9c, host types, second round): passed the gate of a5b2e85.
# nn.parameter.UninitializedParameter / UninitializedBuffer, built through a class path in init code, were typed
# a container (_torch_object: a torch class whose instances may hold tensors), and a container is no operand the
# gate refuses: materialize() made them ordinary tensors that forward filled and doubled.
# Fixed: a subclass of torch.Tensor builds a tensor (kinds._tensor_class).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y

class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        b = nn.parameter.UninitializedBuffer()
        b.materialize((1000,))
        self.b = b

    def forward(self, x):
        y = copy(x)
        self.b.copy_(y)
        return self.b + self.b  # compute
