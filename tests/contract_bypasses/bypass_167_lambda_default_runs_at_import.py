# Import time runs only definitions (definitions._module_level; _own_calls_at_import looks for a call of this module's
# own code in a top-level statement, a def's decorators, defaults, keyword defaults and, since session 25,
# annotations). But it skips every Lambda node whole (`if isinstance(node, ast.Lambda): continue`), and a lambda's
# *defaults* run when the lambda expression is evaluated, at import: `PICK = lambda t=setup(2.0): t` calls setup at
# import. region.owner gives the default no owning function (it is not the lambda's body), so the call is no host
# root, and setup, also called from ModelNew.__init__, is init region: any PyTorch operator. Here setup computes a
# table with torch at import (aten.arange, aten.mul), the thing the contract's "nothing runs at import" refuses
# (`TABLE = torch.arange(8.0).mul(2.0)` at top level is refused). The evidence is the table the lambda keeps.
# Limit: this runs before any input exists, so it shows own code and torch compute at import, not compute in forward.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def setup(v):
    return torch.arange(8.0).mul(v)


PICK = lambda t=setup(2.0): t  # compute (at import)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("table", setup(1.0))

    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out

# EVIDENCE: mod.PICK()
