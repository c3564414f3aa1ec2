"""The memory plan: what one evaluation needs on its device, known before any call runs.

    from evaluator.oracle.memory import plan
    p = plan(problem_module, cases, torch.device("cuda"))   # wire.MemoryPlan
    if not p.fits: print(p.message)                         # one line: what is needed, what there is

Each case's bytes come from the reference run on the meta device (shapes only, no memory, no time):
inputs, outputs and parameters plus buffers. A case whose meta run fails (data-dependent shapes) is
marked unknown and is measured by its first real call instead.

The peak of one checked call, both processes on one device together (why each term is there):
- the candidate's process: its inputs and a pristine copy (to see an input changed in place), its
  weights, its output, and scratch assumed as large as its output;
- the oracle: its inputs and weights (twice on a case's first call, for the determinism check: a model
  snapshot), the reference output (twice on that first call), the inbox the output is handed into,
  and the private copy compared against (evaluator.shared.handover), plus the comparison's chunked float64
  temporaries (evaluator.oracle.correctness.CHUNK).
- the calibration (evaluator.oracle.reference.calibration, tf32 and loose): the reference once more at the
  policy's precision, run after the determinism check's output is freed, so its output is the second
  of two outputs there, as on a first call; it runs on the inputs themselves (their last use) while the
  reference ran on a copy, and the rounded copy of one operand at a time is that input's second copy.
  What it keeps is one float32 per CAL_BLOCK = 1024 output elements (at most outputs / 256 bytes, for
  outputs of 2 bytes or more; 1-byte outputs are integers, never calibrated), plus a copy of the
  buffers (running statistics), which this plan does not count apart from the weights.
So need = 4 inputs + 3 weights + 6 outputs + outputs / 256 + chunk temporaries (the oracle's inputs
twice on a call: the reference runs on a copy). A problem whose need exceeds what the
device has free is refused at once with that arithmetic, never killed after minutes.
"""

from __future__ import annotations

import torch

from evaluator.shared.derive import meta_run
from evaluator.shared.problem import ShapeCase
from evaluator.shared.wire import CaseMemory, MemoryPlan

HEADROOM = 0.92  # of the free memory a plan may use: CUDA contexts, allocator slack, fragmentation
CONTEXT_BYTES = 1 << 30  # a second process's CUDA context and Triton's modules on the same GPU
# evaluator.oracle.correctness compares in chunks of 2**25 float64 elements: ~7 such temporaries at once (the
# allowed bound, calibration term included) plus calibrate's float32 chunk
COMPARE_BYTES = 8 * 8 * (1 << 25)
CALIBRATION_FRACTION = 256  # outputs / 256 bytes: float32 block maxima, 4 bytes per 1024 elements of >= 2 bytes


def case_memory(problem_module, case: ShapeCase) -> CaseMemory:
    """Bytes of a case's inputs, outputs and weights, from a run on the meta device (evaluator.shared.derive.meta_run,
    the same run the work floors come from)."""
    run = meta_run(problem_module, case)
    if run is None:  # data-dependent shapes (nonzero, .item()): measured on the first call
        return CaseMemory(case=case.label, inputs=0, outputs=0, weights=0, known=False)
    return CaseMemory(case=case.label, inputs=run.inputs, outputs=run.outputs, weights=run.weights)


def peak(c: CaseMemory) -> int:
    return 4 * c.inputs + 3 * c.weights + 6 * c.outputs + c.outputs // CALIBRATION_FRACTION + COMPARE_BYTES


def device_memory(device: torch.device) -> tuple[int, int]:
    """(free, total) bytes: the GPU's (cudaMemGetInfo), or the host's available memory for the CPU."""
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        return int(free), int(total)
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            name, _, rest = line.partition(":")
            info[name] = int(rest.split()[0]) * 1024
    return info.get("MemAvailable", info.get("MemFree", 0)), info.get("MemTotal", 0)


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB"


def plan(problem_module, cases: list[ShapeCase], device: torch.device) -> MemoryPlan:
    rows = [case_memory(problem_module, c) for c in cases]
    free, total = device_memory(device)
    usable = int(free * HEADROOM) - (CONTEXT_BYTES if device.type == "cuda" else 0)
    need = max((peak(r) for r in rows if r.known), default=0)
    p = MemoryPlan(device=device.type, free=free, total=total, need=need, cases=rows)
    if need > usable:
        worst = max((r for r in rows if r.known), key=peak)
        p.fits = False
        p.message = (
            f"The problem does not fit this {'GPU' if device.type == 'cuda' else 'machine'}: case {worst.case} needs "
            f"about {_gb(need)} at its peak (inputs {_gb(worst.inputs)} x4, outputs {_gb(worst.outputs)} x6, "
            f"weights {_gb(worst.weights)} x3: the candidate's process, the reference and the comparison together) "
            f"and {_gb(free)} of {_gb(total)} is free. Use a smaller shape set (--shapes small) or a larger device."
        )
    return p
