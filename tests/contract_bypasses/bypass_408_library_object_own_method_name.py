# Session 30 red team (9a, host type inference): passed the gate of 193c55d.
# Kinds._method_call_kind: on a PY/UNKNOWN receiver, a method whose name is an own def
# (get_state, to) is typed join(returns, UNKNOWN) = UNKNOWN, before the 'method no Python value has -> tensor' rule.
# Fixed: a method an own class defines, called on a library object (typed a Python value), joins what the def
# returns with a tensor unless a Python value has that method (Kinds._method_call_kind).
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


class Holder:
    def get_state(self):
        return 0

    def to(self, d):
        return 0


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        s = torch.manual_seed(0).get_state()
        self.buf = s[:1000].to(torch.float32)

    def forward(self, x):
        out = copy(x)
        self.buf.copy_(out)
        return self.buf * 2  # compute
