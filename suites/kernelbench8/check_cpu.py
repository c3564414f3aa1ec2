"""Every reply of the suite against its reference on the CPU, under the Triton interpreter, at tiny
shapes (even ones and odd ones that are not multiples of 16/32/64).

    python suites/kernelbench8/check_cpu.py [PROBLEM ...]     # exit 1 if any case fails

Each case re-binds the problem's module constants, builds Model and ModelNew from get_init_inputs
(weights copied across as the evaluator does), draws inputs with the problem's own get_inputs and
compares with torch.allclose at atol = rtol = 1e-3 (integer outputs exactly).
Limit: the interpreter runs programs one after another, so kernels whose programs wait for each other
(23_Softmax/02's row split) run here with one program per row; the split itself is checked on the GPU
by bench_gpu.py.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["TRITON_INTERPRET"] = "1"

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loader import PROBLEMS, REPO, load_candidate, load_problem, replies  # noqa: E402

sys.path.insert(0, str(REPO))
from evaluator.shared.weights import copy_weights  # noqa: E402

# problem -> list of (label, module constants, optional input tweak)
CASES = {
    "19_ReLU": [("8x4096", dict(batch_size=8, dim=4096), None), ("5x1001", dict(batch_size=5, dim=1001), None)],
    "23_Softmax": [
        ("4x4096", dict(batch_size=4, dim=4096), None),
        ("3x1001", dict(batch_size=3, dim=1001), None),
        ("2x20000", dict(batch_size=2, dim=20000), None),
    ],
    "40_LayerNorm": [
        ("2x4x16x32", dict(batch_size=2, features=4, dim1=16, dim2=32), None),
        ("3x5x7x33", dict(batch_size=3, features=5, dim1=7, dim2=33), None),
    ],
    "51_Argmax_over_a_dimension": [
        ("4x64x32", dict(batch_size=4, dim1=64, dim2=32), None),
        ("3x37x45", dict(batch_size=3, dim1=37, dim2=45), None),
        ("3x37x45 dim=2", dict(batch_size=3, dim1=37, dim2=45), "dim2"),
        ("3x37x45 dim=0", dict(batch_size=3, dim1=37, dim2=45), "dim0"),
        ("ties", dict(batch_size=2, dim1=70, dim2=33), "ties"),
    ],
    "95_CrossEntropyLoss": [
        ("64x512", dict(batch_size=64, num_classes=512, input_shape=(512,)), None),
        ("37x1000", dict(batch_size=37, num_classes=1000, input_shape=(1000,)), None),
        ("37x1000 ignore", dict(batch_size=37, num_classes=1000, input_shape=(1000,)), "ignore"),
    ],
    "12_Gemm_Multiply_LeakyReLU": [
        ("64x128x256", dict(batch_size=64, in_features=128, out_features=256), None),
        ("33x100x70", dict(batch_size=33, in_features=100, out_features=70), None),
    ],
    "25_Conv2d_Min_Tanh_Tanh": [
        ("2x16x12x20->64", dict(batch_size=2, in_channels=16, out_channels=64, height=12, width=20), None),
        ("2x3x11x19->7", dict(batch_size=2, in_channels=3, out_channels=7, height=11, width=19), None),
    ],
    "76_Gemm_Add_ReLU": [
        ("64x128x256", dict(batch_size=64, in_features=128, out_features=256, bias_shape=(256,)), None),
        ("33x100x70", dict(batch_size=33, in_features=100, out_features=70, bias_shape=(70,)), None),
    ],
}


def tweak(kind, init, inputs):
    """Cases the problem's own get_inputs never draws: other reduction dims, ties, ignored targets."""
    if kind == "dim2":
        init = [2]
    elif kind == "dim0":
        init = [0]
    elif kind == "ties":  # coarse values: many equal maxima per column; the first index must win
        inputs = [torch.floor(inputs[0] * 4) / 4]
    elif kind == "ignore":
        inputs[1][::5] = -100
    return init, inputs


def compare(out, ref) -> tuple[bool, float]:
    if not isinstance(out, torch.Tensor) or out.shape != ref.shape or out.dtype != ref.dtype:
        got = (tuple(out.shape), out.dtype) if isinstance(out, torch.Tensor) else type(out)
        print(f"    wrong output: {got} vs {(tuple(ref.shape), ref.dtype)}")
        return False, float("inf")
    if not ref.is_floating_point():
        return bool(torch.equal(out, ref)), float((out != ref).sum())
    err = float((out - ref).abs().max()) if out.numel() else 0.0
    return bool(torch.allclose(out, ref, atol=1e-3, rtol=1e-3)), err


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in PROBLEMS]
    if unknown:
        print(f"unknown problem(s) {unknown}; choose from {PROBLEMS}", file=sys.stderr)
        return 2
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for name in names or PROBLEMS:
            for reply in replies(name):
                cand = load_candidate(reply, Path(work))
                for label, constants, kind in CASES[name]:
                    prob = load_problem(name, **constants)
                    torch.manual_seed(0)
                    init = prob.get_init_inputs()
                    inputs = prob.get_inputs()
                    init, inputs = tweak(kind, init, inputs)
                    ref_model = prob.Model(*init)
                    model = cand.ModelNew(*init)
                    copy_weights(ref_model, model)
                    with torch.no_grad():
                        ref = ref_model(*[x.clone() for x in inputs])
                        t0 = time.perf_counter()
                        out = model(*[x.clone() for x in inputs])
                    ok, err = compare(out, ref)
                    failures += not ok
                    print(
                        f"{'ok  ' if ok else 'FAIL'} {name:28s} {reply.stem:11s} {label:16s} "
                        f"max_err={err:.2e}  {time.perf_counter() - t0:6.2f}s",
                        flush=True,
                    )
    print(f"{failures} failing case(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
