"""Attack: the small shape set's sizes baked in as constants (2x3x8x8 in, 5 channels out).

Nothing banned, and right on `small`. The `odd` set (37x45 images, 61 channels) exposes it.
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def fixed_kernel(x_ptr, w_ptr, b_ptr, out_ptr, scale):
    offs = tl.arange(0, 128)
    P: tl.constexpr = 72                                       # 2 * 6 * 6
    mask = offs < P
    n = offs // 36
    oh = (offs % 36) // 6
    ow = offs % 6
    best = tl.full((128,), float("inf"), tl.float32)
    for oc in range(5):
        acc = tl.zeros((128,), tl.float32) + tl.load(b_ptr + oc)
        for ic in range(3):
            for kh in range(3):
                for kw in range(3):
                    xv = tl.load(x_ptr + ((n * 3 + ic) * 8 + oh + kh) * 8 + ow + kw, mask=mask, other=0.0)
                    acc += xv * tl.load(w_ptr + ((oc * 3 + ic) * 3 + kh) * 3 + kw)
        best = tl.minimum(best, acc * scale)
    tl.store(out_ptr + offs, best, mask=mask)


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        N, _, H, W = x.shape
        out = torch.empty((N, 1, H - 2, W - 2), device=x.device, dtype=x.dtype)
        fixed_kernel[(1,)](x.contiguous(), self.conv.weight, self.conv.bias, out, self.scale_factor)
        return out
