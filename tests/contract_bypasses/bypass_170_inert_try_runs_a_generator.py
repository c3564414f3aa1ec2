# kinds.INERT calls `acc += g` plain Python (AugAssign and Names), but += on a list iterates g, a generator
# expression whose body reads a missing attribute of the input: the AttributeError carries the tensor as .obj. The
# `except Exception as e` binds e UNKNOWN (_try_holds: an inert body), and _caught_here types e's fields as tensors
# only under e's own name in its own function: `err = e` (or a helper's parameter, or `1 in g`, `a, = g` in the try)
# makes err.obj UNKNOWN (self_kinds), so `err.obj * 2` runs aten mul on the input and float(...) reads a value.
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

    def forward(self, x):
        g = (t.no_such_field is None for t in [x])
        acc = []
        err = None
        try:
            acc += g
        except Exception as e:
            err = e
        s = err.obj * 2
        v = float(err.obj.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
