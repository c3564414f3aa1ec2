import torch
import torch.nn as nn

class Model(nn.Module):
    """
    Simple model that performs Argmax over a specified dimension.
    """
    def __init__(self, dim: int):
        """
        Initializes the model with the dimension to perform argmax.

        Args:
            dim (int): The dimension to perform argmax over.
        """
        super(Model, self).__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """
        Applies argmax over the specified dimension to the input tensor.

        Args:
            x (torch.Tensor): Input tensor.

        Returns:
            torch.Tensor: Output tensor with argmax applied, with the specified dimension removed.
        """
        return torch.argmax(x, dim=self.dim)

batch_size = 128
dim1 = 4096
dim2 = 4095

def get_inputs():
    x = torch.rand(batch_size, dim1, dim2)
    return [x]

def get_init_inputs():
    return [1]


# ---- added by `python -m agent.problem add` (2026-11-25) ----
# Shape sets: `full` is this file's own get_inputs/get_init_inputs; `small` (seconds under the CPU
# interpreter) and `odd` (sizes that are not multiples of 16/32/64) re-bind the module-level
# integers above; the inputs are drawn by get_inputs as they are for `full`.
SHAPES = {
    "small": [{"constants": {"batch_size": 16, "dim1": 16, "dim2": 16}}],
    "odd": [{"constants": {"batch_size": 21, "dim1": 21, "dim2": 21}}],
    "full": [{"constants": {}}],
}
