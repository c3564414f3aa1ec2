import torch
import torch.nn as nn

class Model(nn.Module):
    """
    Simple model that performs a ReLU activation.
    """
    def __init__(self):
        super(Model, self).__init__()
    
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """
        Applies ReLU activation to the input tensor.

        Args:
            x (torch.Tensor): Input tensor of any shape.

        Returns:
            torch.Tensor: Output tensor with ReLU applied, same shape as input.
        """
        return torch.relu(x)

batch_size = 4096
dim = 393216

def get_inputs():
    x = torch.rand(batch_size, dim)
    return [x]

def get_init_inputs():
    return []  # No special initialization inputs needed


# ---- added by `python -m agent.problem add` (2026-11-25) ----
# Shape sets: `full` is this file's own get_inputs/get_init_inputs; `small` (seconds under the CPU
# interpreter) and `odd` (sizes that are not multiples of 16/32/64) re-bind the module-level
# integers above; the inputs are drawn by get_inputs as they are for `full`.
SHAPES = {
    "small": [{"constants": {"batch_size": 32, "dim": 32}}],
    "odd": [{"constants": {"batch_size": 43, "dim": 43}}],
    "full": [{"constants": {}}],
}
