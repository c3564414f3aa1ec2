# A match capture is written straight into the env by Inference._bind_captures (TENSOR when the subject may hold
# one), never through _bind_name, so it has no entry in bound_kinds. Places._only_tensors reads a missing entry as
# {TENSOR} ("only ever bound to tensors") and _holds skips it: `a[0] = x` is taken for a data copy into a tensor.
# Here `a` is the list box captured out of `[box, x]`, so box now holds the input while it stays PY (the capture's
# share with the subject is never followed, _holds returns first). `box[0] * 2` runs aten mul, float(...) reads.
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
        match [box, x]:
            case [a, _]:
                a[0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
