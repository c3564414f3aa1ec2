"""What a GPU sustains in TF32, measured with cuBLAS and cuDNN, beside the promoted #32 kernel (issue 26:
is 1.45 ms reachable for conv2d_scale_min's 609 GFLOP?).

    python benchmarks/tf32_roof.py [--json OUT.json]       # GPU only: the burst table, then the sustained one
    python benchmarks/tf32_roof.py --sustain 0             # the burst table only
    python benchmarks/tf32_roof.py --half                  # and bf16 / fp16 rows beside the TF32 ones

Burst: CUDA events, median of 30 after 5 warm-ups (10 for the square GEMMs); nvidia-smi samples the SM clock
and power every 200 ms over the whole table. Sustained (`--sustain S` seconds per row, default 3): each
workload back to back for S seconds, CUDA events over the whole run, nvidia-smi every 50 ms, so that each row
gets the clock, power and clock-event reasons (0x4: software power cap) the GPU holds under that load alone.
A direct TF32 convolution does 609 GFLOP whatever the kernel, so the sustained rate at the power limit, not
the boost clock, sets how fast #32 can go; "#32 at this rate" is 609 GFLOP at the row's TFLOP/s.

TF32 is allowed in cuBLAS and cuDNN, cuDNN in benchmark mode (its fastest algorithm for the shape, as
Inductor's autotune compares). Rows: square GEMMs, the conv's implicit GEMM shape ([64*254*254 x 576] @
[576 x 128]), cuDNN's conv2d (NCHW, and channels-last input), and this GPU's promoted kernel
(kernels/conv2d_scale_min/best/<gpu>.py: conv + scale + min). % of 494.7 TFLOP/s: dense TF32 at the
H100/H200 SXM boost clock.

`--half` adds the 8192^3 GEMM and the channels-last conv with bf16 and fp16 operands (fp32 accumulation in
cuBLAS and cuDNN; their dense peak is twice TF32's). Under the tf32 policy a kernel's output must keep TF32's
precision, so these rows price a pass that only screens (which channel can hold the min) at the power cap; they
are not a kernel #32 may use for its result.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator.shared.best import device_key  # noqa: E402

CONV_FLOP = 2 * 64 * 128 * 254 * 254 * 64 * 9  # #32 at full shape: 609 GFLOP
PEAK = 494.7  # TFLOP/s, dense TF32 at 1.83 GHz on 132 SMs


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


def sampler(fields: str, period_ms: int) -> subprocess.Popen:
    cmd = ["nvidia-smi", f"--query-gpu={fields}", "--format=csv,noheader,nounits", "-lms", str(period_ms)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def samples(smi: subprocess.Popen) -> list[list[str]]:
    smi.terminate()
    out = smi.communicate()[0]
    return [[c.strip() for c in ln.split(",")] for ln in out.strip().splitlines() if re.match(r"^\s*\d", ln)]


def sustained(fn, seconds: float) -> dict:
    """`fn` back to back for about `seconds`: ms per call over the whole run, and what nvidia-smi saw."""
    ms = bench(fn, reps=3, warm=2)
    reps = max(5, int(seconds * 1000 / max(ms, 1e-3)))
    smi = sampler("clocks.sm,power.draw,temperature.gpu,clocks_event_reasons.active", 50)
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(reps):
        fn()
    b.record()
    b.synchronize()
    rows = samples(smi)
    rows = rows[2:] or rows  # the first samples may predate the load
    return {
        "ms": a.elapsed_time(b) / reps,
        "sm_mhz": statistics.median(float(r[0]) for r in rows),
        "power_w": statistics.median(float(r[1]) for r in rows),
        "max_temp_c": max(float(r[2]) for r in rows),
        "reasons": sorted({r[3] for r in rows}),
    }


def workloads(half: bool = False) -> dict:
    """label -> (fn, flop); `half`: bf16 and fp16 rows too"""
    work = {}
    for n in (8192, 16384):
        A = torch.randn(n, n, device="cuda")
        B = torch.randn(n, n, device="cuda")
        work[f"cuBLAS TF32 GEMM {n}^3"] = (lambda A=A, B=B: A @ B, 2 * n**3)
    M = 64 * 254 * 254
    A = torch.randn(M, 576, device="cuda")
    B = torch.randn(576, 128, device="cuda")
    work["cuBLAS TF32 GEMM conv-shaped [4.13M x 576] @ [576 x 128]"] = (lambda: A @ B, 2 * M * 576 * 128)
    x = torch.rand(64, 64, 256, 256, device="cuda")
    w = torch.randn(128, 64, 3, 3, device="cuda") * 0.04
    b = torch.randn(128, device="cuda")
    work["cuDNN TF32 conv2d NCHW"] = (lambda: F.conv2d(x, w, b), CONV_FLOP)
    xc, wc = x.to(memory_format=torch.channels_last), w.to(memory_format=torch.channels_last)
    work["cuDNN TF32 conv2d channels_last (input already NHWC)"] = (lambda: F.conv2d(xc, wc, b), CONV_FLOP)
    for name, dtype in {"bf16": torch.bfloat16, "fp16": torch.float16}.items() if half else ():
        A, B = (torch.randn(8192, 8192, device="cuda", dtype=dtype) for _ in range(2))
        work[f"cuBLAS {name} GEMM 8192^3"] = (lambda A=A, B=B: A @ B, 2 * 8192**3)
        xh, wh, bh = xc.to(dtype), wc.to(dtype), b.to(dtype)
        work[f"cuDNN {name} conv2d channels_last"] = (lambda xh=xh, wh=wh, bh=bh: F.conv2d(xh, wh, bh), CONV_FLOP)
    best = ROOT / "kernels" / "conv2d_scale_min" / "best" / f"{device_key(torch.cuda.get_device_name())}.py"
    if not best.exists():
        best = ROOT / "kernels" / "conv2d_scale_min" / "best" / "nvidia-h200.py"
    spec = importlib.util.spec_from_file_location("winner", best)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.ModelNew(64, 128, 3, 2.0).cuda()
    work[f"promoted {best.name}, conv + scale + min"] = (lambda: m(x), CONV_FLOP)
    return work


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sustain", type=float, default=3.0, help="seconds per row back to back (0: skip)")
    ap.add_argument("--json", type=Path, help="write the measurements here")
    ap.add_argument("--half", action="store_true", help="bf16 and fp16 rows too (a screening pass's price)")
    a = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("tf32_roof: needs a CUDA GPU", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    limits = subprocess.run(
        ["nvidia-smi", "--query-gpu=clocks.max.sm,power.limit,driver_version", "--format=csv,noheader"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"{torch.cuda.get_device_name()} ({limits})  torch {torch.__version__}")
    work = workloads(a.half)
    result = {}
    with torch.no_grad():
        smi = sampler("clocks.sm,power.draw", 200)
        for label, (fn, flop) in work.items():
            ms = bench(fn, reps=10 if "^3" in label else 30)
            result[label] = {"ms": ms, "tflops": flop / ms / 1e9}
        clocks = samples(smi)
        print("\nburst: median of 30 (10 for the square GEMMs)")
        print(f"| what | ms | TFLOP/s | % of {PEAK} |\n|---|---|---|---|")
        for label, r in result.items():
            print(f"| {label} | {r['ms']:.3f} | {r['tflops']:.1f} | {100 * r['tflops'] / PEAK:.1f} |")
        sm = [float(c[0]) for c in clocks]
        pw = [float(c[1]) for c in clocks]
        print(
            f"SM clock during the burst table: median {statistics.median(sm):.0f} MHz, min {min(sm):.0f}, "
            f"max {max(sm):.0f}; power median {statistics.median(pw):.0f} W, max {max(pw):.0f} W; {len(sm)} samples"
        )
        if a.sustain > 0:
            print(f"\nsustained: each row back to back for {a.sustain:g} s")
            # J per call: board power x time, idle power included; at the cap, time follows it
            print("| what | ms | TFLOP/s | SM MHz | W | J per call | pJ/FLOP | max C | #32 at this rate | reasons |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            for label, (fn, flop) in work.items():
                s = sustained(fn, a.sustain)
                s["tflops"] = flop / s["ms"] / 1e9
                result[label]["sustained"] = s
                joules = s["power_w"] * s["ms"] / 1e3
                print(
                    f"| {label} | {s['ms']:.3f} | {s['tflops']:.1f} | {s['sm_mhz']:.0f} | {s['power_w']:.0f} | "
                    f"{joules:.3f} | {joules / flop * 1e12:.2f} | {s['max_temp_c']:.0f} | "
                    f"{CONV_FLOP / s['tflops'] / 1e9:.3f} ms | {' '.join(s['reasons'])} |"
                )
    if a.json:
        a.json.write_text(json.dumps(result | {"sm_mhz": sm, "power_w": pw}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
