"""Kernel research for conv2d_scale_min: variant kernels, their timing tables and the kept loop runs."""

from pathlib import Path

# The Triton tile kernel (tl.dot) the loop found on 2026-11-24, the H100's winner until session 13 promoted a
# Gluon one (best.json keeps it in the H100's history): the kernel the benchmarks and variant studies vary.
TRITON_WINNER = Path(__file__).parent / "runs/20261124-110018-all-conv2d_scale_min/attempts/0003-1/code.py"
