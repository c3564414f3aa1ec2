"""What a GPU sustains in TF32, measured with cuBLAS and cuDNN, beside the promoted #32 kernel (issue 26:
is 1.45 ms reachable for conv2d_scale_min's 609 GFLOP?).

    python benchmarks/tf32_roof.py [OUT.json]        # GPU only; prints a table and the SM clock seen

CUDA events, median of 30 after 5 warm-ups (10 for the square GEMMs), TF32 allowed in cuBLAS and cuDNN,
cuDNN in benchmark mode (its fastest algorithm for the shape);
nvidia-smi samples the SM clock and power every 200 ms meanwhile. Rows: square GEMMs, the conv's implicit
GEMM shape ([64*254*254 x 576] @ [576 x 128]), cuDNN's conv2d (NCHW, and channels-last input), and
kernels/conv2d_scale_min/best/nvidia-h200.py (conv + scale + min). % of 494.7 TFLOP/s: dense TF32 at the
H100/H200 SXM boost clock.
"""

import importlib.util
import json
import statistics
import subprocess
import sys

import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
torch.backends.cudnn.benchmark = True  # cuDNN times its algorithms and keeps the fastest, as Inductor's autotune does
dev = "cuda"


def bench(fn, reps=30, warm=5):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b))
    return statistics.median(ts)


smi = subprocess.Popen(
    [
        "nvidia-smi",
        "--query-gpu=clocks.sm,clocks.max.sm,power.draw,temperature.gpu",
        "--format=csv,noheader",
        "-lms",
        "200",
    ],
    stdout=subprocess.PIPE,
    text=True,
)
rows = {}
flop_conv = 2 * 64 * 128 * 254 * 254 * 64 * 9
for n in (8192, 16384):
    A = torch.randn(n, n, device=dev)
    B = torch.randn(n, n, device=dev)
    ms = bench(lambda: A @ B, reps=10)
    rows[f"cuBLAS TF32 GEMM {n}^3"] = (ms, 2 * n**3 / ms / 1e9)
M = 64 * 254 * 254
A = torch.randn(M, 576, device=dev)
B = torch.randn(576, 128, device=dev)
ms = bench(lambda: A @ B)
rows["cuBLAS TF32 GEMM conv-shaped [4.13M x 576] @ [576 x 128]"] = (ms, 2 * M * 576 * 128 / ms / 1e9)
x = torch.rand(64, 64, 256, 256, device=dev)
w = torch.randn(128, 64, 3, 3, device=dev) * 0.04
b = torch.randn(128, device=dev)
ms = bench(lambda: F.conv2d(x, w, b))
rows["cuDNN TF32 conv2d NCHW"] = (ms, flop_conv / ms / 1e9)
xc, wc = x.to(memory_format=torch.channels_last), w.to(memory_format=torch.channels_last)
ms = bench(lambda: F.conv2d(xc, wc, b))
rows["cuDNN TF32 conv2d channels_last (input already NHWC)"] = (ms, flop_conv / ms / 1e9)
spec = importlib.util.spec_from_file_location("winner", "kernels/conv2d_scale_min/best/nvidia-h200.py")
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
m = mod.ModelNew(64, 128, 3, 2.0).to(dev)
with torch.no_grad():
    ms = bench(lambda: m(x))
rows["our H200 winner (Gluon), conv + scale + min"] = (ms, flop_conv / ms / 1e9)
smi.terminate()
clocks = [ln.split(",") for ln in smi.stdout.read().strip().splitlines()]
print(f"{torch.cuda.get_device_name()}  torch {torch.__version__}")
print("| what | ms | TFLOP/s | % of 494.7 |\n|---|---|---|---|")
for k, (ms, tf) in rows.items():
    print(f"| {k} | {ms:.3f} | {tf:.1f} | {100 * tf / 494.7:.1f} |")
sm = [float(c[0].split()[0]) for c in clocks if c[0].strip().split()[0].isdigit()]
pw = [float(c[2].split()[0]) for c in clocks if len(c) > 2 and c[2].strip().split()[0].replace('.', '').isdigit()]
print(
    f"SM clock during the runs: median {statistics.median(sm):.0f} MHz, min {min(sm):.0f}, max {max(sm):.0f} "
    f"(max {clocks[0][1].strip()}); power median {statistics.median(pw):.0f} W, max {max(pw):.0f} W; {len(sm)} samples"
)
json.dump(
    {k: {"ms": v[0], "tflops": v[1]} for k, v in rows.items()} | {"sm_mhz": sm, "power_w": pw},
    open(sys.argv[1] if len(sys.argv) > 1 else "/dev/null", "w"),
)
