import torch
import torch.nn as nn

class Model(nn.Module):
    """
    Model that performs a convolution, applies minimum operation, Tanh, and another Tanh.
    """
    def __init__(self, in_channels, out_channels, kernel_size):
        super(Model, self).__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)

    def forward(self, x):
        x = self.conv(x)
        x = torch.min(x, dim=1, keepdim=True)[0] # Apply minimum operation along the channel dimension
        x = torch.tanh(x)
        x = torch.tanh(x)
        return x

batch_size = 128
in_channels = 16
out_channels = 64
height = width = 256
kernel_size = 3

def get_inputs():
    return [torch.rand(batch_size, in_channels, height, width)]

def get_init_inputs():
    return [in_channels, out_channels, kernel_size]


# ---- added by `python -m agent.problem add` (2026-11-25) ----
# Shape sets: `full` is this file's own get_inputs/get_init_inputs; `small` (seconds under the CPU
# interpreter) and `odd` (sizes that are not multiples of 16/32/64) re-bind the module-level
# integers above; the inputs are drawn by get_inputs as they are for `full`.
SHAPES = {
    "small": [{"constants": {"batch_size": 8, "in_channels": 8, "out_channels": 8, "height": 8, "width": 8}}],
    "odd": [{"constants": {"batch_size": 11, "in_channels": 11, "out_channels": 11, "height": 11, "width": 11}}],
    "full": [{"constants": {}}],
}
