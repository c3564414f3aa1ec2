"""What the GPU sustains under TF32 tensor work: SM clock, power and TFLOP/s, measured, not quoted.

    python benchmarks/clock_ceiling.py                 # on a GPU: one table row per workload
    python benchmarks/clock_ceiling.py --seconds 5     # longer runs per workload

Issue 26 asks for #32 at <= 1.45 ms on one H200. A direct TF32 convolution does 609 GFLOP whatever the kernel,
so its floor is set by the tensor cores' rate at the clock the GPU *holds under that load*, not at its boost
clock. Each workload below runs back to back for `--seconds` while `nvidia-smi` samples the SM clock, the
power draw and the clock-event reasons every 50 ms; the table gives the achieved TFLOP/s (CUDA events over
the whole run), the median sampled clock, the power, and the implied time of #32's 609 GFLOP at that rate.

Workloads: cuBLAS TF32 GEMM (8192^3, the tensor cores' practical ceiling), cuDNN's TF32 conv of #32 alone
(benchmark mode: its fastest algorithm for the shape),
and the promoted kernel for this GPU (kernels/conv2d_scale_min/best/<gpu>.py) on #32's full input.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
CONV_FLOP = 2 * 64 * 128 * 254 * 254 * 64 * 9  # #32 full shape: 609 GFLOP


def _sampler() -> subprocess.Popen:
    q = "clocks.sm,power.draw,temperature.gpu,clocks_event_reasons.active"
    return subprocess.Popen(["nvidia-smi", f"--query-gpu={q}", "--format=csv,noheader,nounits", "-lms", "50"],
                            stdout=subprocess.PIPE, text=True)


def _run(fn, flop: float, seconds: float) -> dict:
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    t0, t1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    t0.record()
    fn()
    t1.record()
    torch.cuda.synchronize()
    reps = max(5, int(seconds * 1000 / max(t0.elapsed_time(t1), 1e-3)))
    smi = _sampler()
    t0.record()
    for _ in range(reps):
        fn()
    t1.record()
    torch.cuda.synchronize()
    smi.terminate()
    lines = smi.communicate()[0].strip().splitlines()
    rows = [[c.strip() for c in ln.split(",")] for ln in lines if re.match(r"^\s*\d", ln)]
    rows = rows[2:] or rows  # the first samples may predate the load
    ms = t0.elapsed_time(t1) / reps
    return {"ms": ms, "tflops": flop / ms / 1e9, "mhz": statistics.median(float(r[0]) for r in rows),
            "watts": statistics.median(float(r[1]) for r in rows), "temp": max(float(r[2]) for r in rows),
            "reasons": sorted({r[3] for r in rows}), "samples": len(rows)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("clock_ceiling: needs a CUDA GPU", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True  # cuDNN times its algorithms on the first call and keeps the fastest
    name = torch.cuda.get_device_name()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    smi = subprocess.run(["nvidia-smi", "--query-gpu=clocks.max.sm,power.limit,driver_version",
                          "--format=csv,noheader"], capture_output=True, text=True).stdout.strip()
    print(f"{name} ({smi})")

    work = {}
    a = torch.randn(8192, 8192, device="cuda")
    b = torch.randn(8192, 8192, device="cuda")
    work["cuBLAS TF32 GEMM 8192^3"] = (lambda: a @ b, 2 * 8192 ** 3)
    x = torch.rand(64, 64, 256, 256, device="cuda")
    w = torch.randn(128, 64, 3, 3, device="cuda") * 0.04
    bias = torch.randn(128, device="cuda") * 0.04
    work["cuDNN TF32 conv of #32"] = (lambda: torch.nn.functional.conv2d(x, w, bias), CONV_FLOP)
    best = ROOT / "kernels" / "conv2d_scale_min" / "best" / f"{slug}.py"
    if best.exists():
        spec = importlib.util.spec_from_file_location("best_kernel", best)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = mod.ModelNew(64, 128, 3, 2.0).cuda()
        work[f"best/{best.name} on #32"] = (lambda: model(x), CONV_FLOP)

    print(f"{'workload':34} {'ms':>8} {'TFLOP/s':>8} {'SM MHz':>7} {'W':>6} {'max C':>6}  "
          f"{'#32 at this rate':>16}  clock-event reasons (hex)")
    for label, (fn, flop) in work.items():
        r = _run(fn, flop, args.seconds)
        print(f"{label:34} {r['ms']:8.3f} {r['tflops']:8.1f} {r['mhz']:7.0f} {r['watts']:6.0f} {r['temp']:6.0f}  "
              f"{CONV_FLOP / r['tflops'] / 1e9:13.3f} ms  {' '.join(r['reasons'])}")
        torch.cuda.synchronize()
    print("#32 at this rate: 609 GFLOP of direct convolution at the row's achieved TFLOP/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
