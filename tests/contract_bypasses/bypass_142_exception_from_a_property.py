# Kinds._try_holds decides whether an exception caught by `except ... as e` may carry a tensor from the code its
# `try` guards: a Call, a Subscript, a Raise or a name/attribute typed as holding one. Reading a property is none
# of these (an Attribute typed by what the getter returns, here 0), yet it runs the getter, whose `self.v.nope`
# raises AttributeError with `.obj` set to the tensor (Python 3.10+). So e is UNKNOWN, e.obj is UNKNOWN (only
# `e.args` of a caught name is special-cased), and `e.obj * 2` runs aten mul on the input; float(...) reads a
# value. A generator iterated by a bare `for v in it:` in the try body hides its code the same way.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Holder:
    def __init__(self, v):
        self.v = v

    @property
    def poke(self):
        n = self.v.nope
        return 0


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        h = Holder(x)
        try:
            n = h.poke
        except Exception as e:
            s = e.obj * 2
            v = float(e.obj.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
