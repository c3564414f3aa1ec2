# Sibling of bypass_01 through an f-string: FormattedValue refuses HOLDS, but `self.h` is an instance of this
# module's class Holder (SELF). Its child nn.LeakyReLU formats `negative_slope={...}` in extra_repr; the input's
# value stored there comes back as text (Tensor.__format__ -> .item(), aten _local_scalar_dense). Any layer whose
# extra_repr formats an attribute (Threshold, Hardtanh, ELU, Softplus, Dropout...) and print(self),
# "{}".format(self), "%s" % self, format(self), str(self) are the same hole.
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
        self.act = nn.LeakyReLU(0.01)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = Holder()

    def forward(self, x):
        self.h.act.negative_slope = x[0, 0]
        text = f"{self.h}"  # LeakyReLU.extra_repr formats negative_slope: Tensor.__format__ runs .item()
        s = float(text.split("negative_slope=")[1].split(")")[0]) * 2.0  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
