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
        self._bufs = {}

    def forward(self, x):
        key = (tuple(x.shape), x.dtype)
        buf = self._bufs.get(key)
        if buf is None:
            buf = torch.empty_like(x)
            self._bufs[key] = buf
        n = x.numel()
        copy_kernel[(triton.cdiv(n, 256),)](x, buf, n, BLOCK=256)
        for k, v in self._bufs.items():
            if len(k[0]) > 4:
                pass
        return buf
