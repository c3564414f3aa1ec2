import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch(src):
    src = src.contiguous()
    out = torch.empty_like(src)
    n = src.numel()
    copy_kernel[(triton.cdiv(n, 256),)](src, out, n, BLOCK=256)
    return out


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        flat = [*x.reshape(-1)]
        zeros = flat.count(0.0)            # list.count compares each tensor element: torch eq + bool
        has7 = 7.0 in x                    # Tensor.__contains__: (x == 7).any().item()
        where7 = flat.index(7.0)
        print("zeros", zeros, "has7", has7, "index of 7", where7)
        return launch(x)
