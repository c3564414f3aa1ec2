import torch
import torch.nn as nn

class Model(nn.Module):
    """
    Simple model that performs Layer Normalization.
    """
    def __init__(self, normalized_shape: tuple):
        """
        Initializes the LayerNorm layer.

        Args:
            normalized_shape (tuple): Shape of the input tensor to be normalized.
        """
        super(Model, self).__init__()
        self.ln = nn.LayerNorm(normalized_shape=normalized_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """
        Applies Layer Normalization to the input tensor.

        Args:
            x (torch.Tensor): Input tensor of shape (*, normalized_shape).

        Returns:
            torch.Tensor: Output tensor with Layer Normalization applied, same shape as input.
        """
        return self.ln(x)

batch_size = 16
features = 64
dim1 = 256
dim2 = 256

def get_inputs():
    x = torch.rand(batch_size, features, dim1, dim2)
    return [x]

def get_init_inputs():
    return [(features, dim1, dim2)]


# ---- added by `python -m agent.problem add` (2026-11-25) ----
# Shape sets: `full` is this file's own get_inputs/get_init_inputs; `small` (seconds under the CPU
# interpreter) and `odd` (sizes that are not multiples of 16/32/64) re-bind the module-level
# integers above; the inputs are drawn by get_inputs as they are for `full`.
SHAPES = {
    "small": [{"constants": {"batch_size": 8, "features": 8, "dim1": 8, "dim2": 8}}],
    "odd": [{"constants": {"batch_size": 11, "features": 11, "dim1": 11, "dim2": 11}}],
    "full": [{"constants": {}}],
}
