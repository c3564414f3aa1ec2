# KernelBench's MLP (level 3, problem 1): __init__ appends Linear and ReLU layers for each size of a list the problem
# passes, into a local list unpacked into nn.Sequential; forward runs its own kernel for each Linear it finds with
# isinstance, reading the layer's out_features. Passes where the problem says layer_sizes is a list of numbers.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _linear_kernel(x_ptr, w_ptr, b_ptr, y_ptr, K, N, RELU: tl.constexpr, BLOCK_N: tl.constexpr):
    # y[m, n] = sum_k x[m, k] * w[n, k] + b[n], then max(y, 0) where RELU
    m = tl.program_id(0)
    offs_n = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    acc = tl.zeros([BLOCK_N], tl.float32)
    for k in range(0, K):
        acc += tl.load(x_ptr + m * K + k) * tl.load(w_ptr + offs_n * K + k, mask=offs_n < N, other=0.0)
    acc += tl.load(b_ptr + offs_n, mask=offs_n < N, other=0.0)
    if RELU:
        acc = tl.maximum(acc, 0.0)
    tl.store(y_ptr + m * N + offs_n, acc, mask=offs_n < N)


def linear(x, layer: nn.Linear, relu: bool):
    M, K = x.shape
    N = layer.out_features
    y = torch.empty((M, N), device=x.device, dtype=x.dtype)
    BLOCK_N = 32 if N <= 32 else 64
    _linear_kernel[(M, triton.cdiv(N, BLOCK_N))](x, layer.weight, layer.bias, y, K, N, RELU=relu, BLOCK_N=BLOCK_N)
    return y


class ModelNew(nn.Module):
    def __init__(self, input_size, layer_sizes, output_size):
        super().__init__()
        layers = []
        current_input_size = input_size
        for layer_size in layer_sizes:
            layers.append(nn.Linear(current_input_size, layer_size))
            layers.append(nn.ReLU())
            current_input_size = layer_size
        layers.append(nn.Linear(current_input_size, output_size))
        self.network = nn.Sequential(*layers)

    def forward(self, x):
        n = len(self.network)
        for i, layer in enumerate(self.network):
            if not isinstance(layer, nn.Linear):
                continue
            relu = i + 1 < n and isinstance(self.network[i + 1], nn.ReLU)
            x = linear(x.contiguous(), layer, relu)
        return x
