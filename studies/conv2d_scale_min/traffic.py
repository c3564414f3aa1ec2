"""Bytes per tensor cycle of #32's register-operand kernels: which roof each layout meets first, on the CPU.

    python studies/conv2d_scale_min/traffic.py [--log benchmarks/h200_session13.txt]

A kernel that takes wgmma's A operand from registers (gluon_direct_rs, gluon_winograd_rs,
gluon_winograd_resident) runs a fixed loop per K step (8 input channels of one kernel row): TMA brings the
step's x boxes and, unless they stay resident, its weight tiles from L2 into shared memory; the consumers
read their x windows (LDS) and each wgmma reads its B tile from shared memory (4 bytes per multiply-add per
64 A rows). So per layout, from its loop alone:

- tensor floor: its multiply-adds at Hopper's TF32 rate, 1024 per SM per cycle (494.7 TFLOP/s = 132 SMs x
  2048 FLOP x 1.83 GHz), at the clock ncu measured;
- shared-memory floor: its bytes per K step (TMA writes, LDS reads, wgmma B reads) at 128 bytes per SM per
  cycle;
- L2 floor: its TMA bytes at the L2 throughput ncu measured (bytes / duration / fraction of peak busy).

The measured side comes from ncu's CSV rows in a device log (`lts__t_bytes.sum`, `gpu__time_duration.sum`,
`lts__throughput...pct`, `sm__cycles_elapsed.avg.per_second`; benchmarks/device/first_h200.sh's profile step
writes them): the model's L2 bytes against ncu's where the kernel ran, and the clock and L2 rate the floors
use. A floor is what the loop's bytes allow at 100 % of a roof; a kernel reaches some fraction of its
highest one (the direct kernel: 83 % of its tensor floor).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from evaluator.parent.ncu import parse_csv  # noqa: E402

SMS = 132
MAC_PER_CLK = 1024  # TF32 multiply-adds per SM per cycle (dense)
SMEM_B_PER_CLK = 128
N_IMG, C_IN, C_OUT, H_OUT, W_OUT = 64, 64, 128, 254, 254
CHUNK = 8  # input channels per K step (TF32 wgmma's K)
X_STEP = 9 * CHUNK * 32 * 4  # 9 TMA boxes of [8 channels, 32 pixels]: 256 pixels and the right halo
X_LDS = 2 * (4096 + 2048)  # per K step: each consumer warpgroup's own window and half of the next


@dataclass
class Layout:
    name: str
    kernel: str  # the kernel's name in ncu's rows ("" where it has not run)
    units: int  # CTA work units over the whole problem
    steps: int  # K steps per unit
    macs: int  # multiply-adds per K step (the whole CTA)
    weight_bytes: int  # weight (U) bytes TMA brings per K step (0: resident)
    resident: int  # bytes loaded once per CTA (resident weights)
    note: str

    def per_step_smem(self) -> int:
        return X_STEP + self.weight_bytes + X_LDS + self.macs * 4 // 64

    def l2_bytes(self) -> int:
        return self.units * self.steps * (X_STEP + self.weight_bytes) + SMS * self.resident


ROWS = N_IMG * H_OUT
LAYOUTS = (
    Layout(
        "direct_rs",
        "_conv_scale_min_direct_rs_kernel",
        ROWS,  # 256-pixel spans: one per output row
        3 * C_IN // CHUNK,
        256 * C_OUT * CHUNK * 3,  # three taps (kw) of 256 pixels x 128 channels
        3 * C_OUT * CHUNK * 4,
        0,
        "direct conv, 128 channels per warpgroup, the three taps' weights streamed",
    ),
    Layout(
        "winograd_rs",
        "_conv_scale_min_f23_rs_kernel",
        ROWS,
        2 * 3 * C_IN // CHUNK,  # two 64-channel passes
        128 * 4 * 64 * CHUNK,  # 128 pixel pairs x 4 points x 64 channels
        4 * 64 * CHUNK * 4,
        0,
        "F(2,3), 4 accumulators of [64 pairs, 64 ch] per warpgroup, U streamed per pass",
    ),
    Layout(
        "winograd_resident",
        "_conv_scale_min_f23_resident_kernel",
        2 * ROWS,  # each row once per output-channel half
        3 * C_IN // CHUNK,
        128 * 4 * 64 * CHUNK,
        0,
        4 * 3 * C_IN * 64 * 4,  # this CTA's half of U: 192 KB
        "F(2,3), one channel half per CTA, its U resident (192 KB) beside 3 x slots",
    ),
)


def measured(log: Path) -> dict[str, dict[str, float]]:
    """{kernel: {metric: value}} from ncu's CSV in a device log (evaluator.parent.ncu.parse_csv), one ncu run
    at a time: each starts with its own header row and numbers its launches from 0 again."""
    runs = re.split(r'^(?="ID",)', log.read_text(errors="replace"), flags=re.M)
    found: dict[str, dict[str, float]] = {}
    for run in runs:
        for kernel, metrics in parse_csv(run).items():
            found.setdefault(kernel, {}).update(metrics)
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", type=Path, default=ROOT / "benchmarks" / "h200_session13.txt")
    a = ap.parse_args(argv)
    if not a.log.is_file():
        print(f"error: no device log at {a.log}", file=sys.stderr)
        return 2
    ncu = measured(a.log)
    ref = ncu.get(LAYOUTS[0].kernel, {})
    needed = ("lts__t_bytes.sum", "gpu__time_duration.sum", "lts__throughput.avg.pct_of_peak_sustained_elapsed")
    if not all(k in ref for k in needed + ("sm__cycles_elapsed.avg.per_second",)):
        what = f"{LAYOUTS[0].kernel} (first_h200.sh's profile step)"
        print(f"error: {a.log} has no ncu profile of {what}", file=sys.stderr)
        return 2
    clock = ref["sm__cycles_elapsed.avg.per_second"]
    l2_rate = ref["lts__t_bytes.sum"] / (ref["gpu__time_duration.sum"] * 1e-9) / (ref[needed[2]] / 100)
    print(f"# {a.log.name}: clock {clock / 1e9:.3f} GHz, L2 {l2_rate / 1e12:.2f} TB/s at 100 % ({LAYOUTS[0].name})")
    head = ["layout", "GMAC", "smem B/clk at full tensor rate", "L2 GB model / ncu"]
    head += ["floors ms: tensor, smem, L2", "ncu ms"]
    print("| " + " | ".join(head) + " |")
    print("|---|---|---|---|---|---|")
    for lay in LAYOUTS:
        steps = lay.units * lay.steps
        tensor_clk = lay.macs / MAC_PER_CLK  # per K step
        smem_rate = lay.per_step_smem() / tensor_clk
        floors = (
            steps * tensor_clk / SMS / clock * 1e3,
            steps * lay.per_step_smem() / SMEM_B_PER_CLK / SMS / clock * 1e3,
            lay.l2_bytes() / l2_rate * 1e3,
        )
        got = ncu.get(lay.kernel, {})
        l2_ncu = f"{got['lts__t_bytes.sum'] / 1e9:.2f}" if "lts__t_bytes.sum" in got else "-"
        ms = f"{got['gpu__time_duration.sum'] / 1e6:.3f}" if "gpu__time_duration.sum" in got else "-"
        print(
            f"| {lay.name} | {steps * lay.macs / 1e9:.1f} | {smem_rate:.0f} | {lay.l2_bytes() / 1e9:.2f} / {l2_ncu} "
            f"| {floors[0]:.2f}, {floors[1]:.2f}, {floors[2]:.2f} (max {max(floors):.2f}) | {ms} |"
        )
    for lay in LAYOUTS:
        print(f"- {lay.name}: {lay.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
