# Operands (new today) refuses formatting a SELF value (repr/str/format/%/f-string of self or an instance of the
# module's classes: nn.Module.__repr__ prints its layers' extra_repr), but only where the SELF value is itself the
# operand. A display holding self is not SELF, TENSOR or TCONT: repr([self]) (also f"{[self]}", str((self,)),
# repr({"m": self}), and repr(self.modules), a bound method's repr embedding repr(self)) formats the same module text.
# As in bypass_178, Dropout.extra_repr formats p = x[i, j] (Tensor.__format__ -> .item(): aten _local_scalar_dense),
# Python parses each input value back, doubles it and torch.tensor(vals) builds 2*x.
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
        self.drop = nn.Dropout(0.0)

    def forward(self, x):
        rows, cols = x.shape[0], x.shape[1]
        vals = []
        for i in range(rows):
            for j in range(cols):
                self.drop.p = x[i, j]
                text = repr([self])  # Dropout.extra_repr formats p: Tensor.__format__ runs .item()
                s = float(text.split("p=")[1].split(",")[0]) * 2.0  # compute (in Python, on the input's value)
                vals.append(s)
        y = torch.tensor(vals).reshape(rows, cols)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
