# Session 30 red team (9f, regions and classes): passed the gate of 0b75251.
# Zero-argument super() reads the method's first parameter when it is called: `self = host; super().__init__(x)`
# in a class built in forward ran the next class's __init__ in host's MRO (Prep, judged as init code because
# __init__ builds it) on the input.
# Fixed: a method never binds its first parameter again (Definitions._first_parameters).
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


class Prep(nn.Module):
    def __init__(self, w=None):
        super().__init__()
        if w is not None:
            self.r = w * 2


class Sub(nn.Module):
    def __init__(self, v=None, host=None):
        if host is None:
            super().__init__()
        else:
            self = host
            super().__init__(v)


class Both(Sub, Prep):
    pass


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.pp = Prep()
        self.both = Both()

    def forward(self, x):
        Sub(x, self.both)
        return launch_copy(self.both.r)
