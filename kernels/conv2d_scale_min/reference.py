"""Conv2d -> scale -> min over channels (KernelBench level 2, problem 32).

KernelBench format: `Model`, `get_inputs()`, `get_init_inputs()`; any KernelBench file loads the
same way. `SHAPES` adds named shape sets as data; each case gives the constructor arguments and
the input tensor shapes (drawn with torch.rand, like get_inputs). The evaluator never takes
`get_inputs` from a candidate.
"""
import torch
import torch.nn as nn


class Model(nn.Module):
    """y = min_c( scale * (conv2d(x, W) + b) ), keepdim over the channel axis."""

    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = scale_factor

    def forward(self, x):
        x = self.conv(x)
        x = x * self.scale_factor
        x = torch.min(x, dim=1, keepdim=True)[0]
        return x


batch_size = 64
in_channels = 64
out_channels = 128
height = width = 256
kernel_size = 3
scale_factor = 2.0


def get_inputs():
    return [torch.rand(batch_size, in_channels, height, width)]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, scale_factor]


# Work floors (evaluator.roofline): called with the constructor arguments, then each input's shape.
# A forward faster than these allow at the GPU's peak did not do the work.
def FLOPS(in_channels, out_channels, kernel_size, scale_factor, x):
    N, _, H, W = x
    return 2 * N * out_channels * (H - kernel_size + 1) * (W - kernel_size + 1) * in_channels * kernel_size ** 2


def BYTES(in_channels, out_channels, kernel_size, scale_factor, x):
    N, _, H, W = x
    weights = out_channels * in_channels * kernel_size ** 2 + out_channels
    return 4 * (N * in_channels * H * W + weights + N * (H - kernel_size + 1) * (W - kernel_size + 1))  # fp32


# Shape sets. `small` runs in seconds under TRITON_INTERPRET=1 on the CPU; its second case has enough
# channels (32 in, 64 out: more than one 16/32-wide block each) and a negative scale (min becomes max)
# that a kernel using only part of the channels, or scaling after the min, fails on the CPU too. `odd`
# has sizes that are not multiples of common block sizes (61 channels out, 37x45 images); `full` is
# the problem itself.
SHAPES = {
    "small": [
        {"init": [3, 5, 3, 2.0], "inputs": [[2, 3, 8, 8]]},
        {"init": [32, 64, 3, -0.75], "inputs": [[1, 32, 6, 7]]},
    ],
    "odd": [
        {"init": [5, 61, 3, 2.0], "inputs": [[3, 5, 37, 45]]},
        {"init": [3, 7, 3, -0.5], "inputs": [[1, 3, 11, 19]]},
    ],
    "full": [
        {"init": [in_channels, out_channels, kernel_size, scale_factor],
         "inputs": [[batch_size, in_channels, height, width]]},
    ],
}
