import torch
import torch.nn as nn

class Model(nn.Module):
    """
    A model that computes Cross Entropy Loss for multi-class classification tasks.

    Parameters:
        None
    """
    def __init__(self):
        super(Model, self).__init__()

    def forward(self, predictions, targets):
        return torch.nn.functional.cross_entropy(predictions, targets)

batch_size = 32768
num_classes = 4096
input_shape = (num_classes,)
dim = 1

def get_inputs():
    return [torch.rand(batch_size, *input_shape), torch.randint(0, num_classes, (batch_size,))]

def get_init_inputs():
    return []


# ---- added by `python -m agent.problem add` (2026-11-25) ----
# Shape sets: `full` is this file's own get_inputs/get_init_inputs; `small` (seconds under the CPU
# interpreter) and `odd` (sizes that are not multiples of 16/32/64) re-bind the module-level
# integers above; the inputs are drawn by get_inputs as they are for `full`.
SHAPES = {
    "small": [{"constants": {"batch_size": 32, "num_classes": 32}}],
    "odd": [{"constants": {"batch_size": 43, "num_classes": 43}}],
    "full": [{"constants": {}}],
}
