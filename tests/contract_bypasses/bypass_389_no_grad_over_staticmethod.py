# Session 29 sixth red team: passed the gate of 5a0a4de.
# Session 29 red team (29j): a staticmethod wrapped by torch.no_grad()/inference_mode (decorator ABOVE @staticmethod).
# The wrapper is a plain function, so instance access binds self: self.g(x) runs g(v=self, w=x). The gate's
# syntax._is_static sees 'staticmethod' among the decorators and binds x to v (skip 0, inference._callees/_params);
# w keeps its default's kind (PY), so 'w * 2' passes as no TENSOR operand.
# Fixed: staticmethod, classmethod and property are the outermost decorator or refused; only the outermost makes a
# def static (syntax._is_static).
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
    @torch.no_grad()
    @staticmethod
    def g(v, w=None):
        return w * 2  # compute

    def forward(self, x):
        return copy(self.g(x))
