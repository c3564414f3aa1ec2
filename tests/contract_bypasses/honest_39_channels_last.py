import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def relu_nchw_from_nhwc_kernel(x_ptr, y_ptr, C, HW, total, sxn, sxc, sxhw, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < total
    n = offs // (C * HW)
    c = (offs // HW) % C
    p = offs % HW
    v = tl.load(x_ptr + n * sxn + c * sxc + p * sxhw, mask=mask, other=0.0)
    tl.store(y_ptr + offs, tl.maximum(v, 0.0), mask=mask)


class ModelNew(nn.Module):
    def forward(self, x):
        x = x.contiguous(memory_format=torch.channels_last)
        N, C, H, W = x.shape
        y = torch.empty((N, C, H, W), device=x.device, dtype=x.dtype)
        total = x.numel()
        relu_nchw_from_nhwc_kernel[(triton.cdiv(total, 128),)](
            x, y, C, H * W, total, x.stride(0), x.stride(1), x.stride(3), BLOCK=128
        )
        return y
