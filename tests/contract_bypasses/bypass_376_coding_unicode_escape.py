# -*- coding: unicode_escape -*-
# Session 29 fourth red team: passed the gate of 522e2ce with the fixes of bypass_368..372.
# The gate parses the text as str (cookie ignored): the escape backslash-u-000a sits in a comment. The import
# decodes the file
# with the cookie's codec, turning it into a newline, so `y = x * 2` runs in forward.
# Fixed: A module declares no encoding but UTF-8 or ASCII (evaluator.static.source).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _copy_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
        # copy done\u000a        y = x * 2  # compute
        return y
