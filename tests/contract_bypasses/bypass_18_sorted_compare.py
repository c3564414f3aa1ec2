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
        # sorted() of a list of 0-dim tensors compares their values in Python; [0] / [-1] are min / max
        items = sorted([*x.reshape(-1)])
        lo = items[0]
        hi = items[-1]
        src = torch.tensor([hi, lo], dtype=x.dtype, device=x.device)
        print("min/max", src)
        return launch(torch.tensor(items, dtype=x.dtype, device=x.device))
