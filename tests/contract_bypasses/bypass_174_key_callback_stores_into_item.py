# sorted() calls its key with each item, but Inference._note_args binds a lambda handed to any call only a kind,
# and Inference._held_arguments carries a parameter's stores back to the arguments only for the call's own callees
# (sorted is none): `lambda b: b.append(x)` marks the lambda's b, never the list box it was called with. box stays
# PY, box[1] UNKNOWN: `box[1] * 2` runs aten mul on the input, float(...) reads a value. Same with a nested def as
# max()'s key (not even a kind is bound).
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
        box = [0.0]
        sorted([box], key=lambda b: b.append(x))
        s = box[1] * 2
        v = float(box[1].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
