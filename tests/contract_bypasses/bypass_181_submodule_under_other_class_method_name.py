# Sibling of bypass_03 on a SELF receiver: Calls._method_call allows `<receiver>.m(...)` on an instance of this module's
# classes when m is a method of ANY class here, unless the receiver is the literal first parameter (_class_of).
# `self.h` is a Holder (no method run); Launcher defines run. In __init__, add_module("run", nn.Softmax(dim=1)) is an
# allowed weight method (INIT_MODULE_METHODS) and is no store target, so _rebound_definitions never sees "run" stored
# over a method. At run time self.h.run is the Softmax from _modules (nn.Module.__getattr__): aten _softmax on x.
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


class Launcher:
    def run(self, v):
        return v


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = Holder()
        self.h.add_module("run", nn.Softmax(dim=1))

    def forward(self, x):
        y = self.h.run(x)  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
