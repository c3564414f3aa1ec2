# Places._references follows SHARING_METHODS (.get/.pop/.copy...) from their receiver, f.value, and the arguments
# after the key; called through the type, `dict.get(slots, "k")`, the receiver is `dict` and the container is the
# first argument, which is dropped: b is box's object but shares only with the name `dict`. `b[0] = x` marks b;
# box stays PY, and `box[0] * 2` runs aten mul, float(...) reads a value. Same: list.copy([box])[0], list.pop(l).
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
        slots = {"k": box}
        b = dict.get(slots, "k")
        b[0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
