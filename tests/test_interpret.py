"""The interpreter shims the candidate's process applies on the CPU (evaluator.shared.interpret)."""

import subprocess
import sys

from conftest import ROOT

LOOP = """
import numpy as np, torch, triton, triton.language as tl
from evaluator.shared.interpret import scalars_index_as_ints
from triton.runtime import interpreter

scalars_index_as_ints()

@triton.jit
def _sum_kernel(x_ptr, out_ptr, n):
    acc = 0.0
    for i in range(0, n):  # a runtime bound: the interpreter turns `n` into an index
        acc += tl.load(x_ptr + i)
    tl.store(out_ptr, acc)

x = torch.arange(7, dtype=torch.float32)
out = torch.empty(1)
_sum_kernel[(1,)](x, out, 7)
try:
    int(np.zeros(1))
    refuses = False
except TypeError:
    refuses = True
print(out.item(), refuses, getattr(interpreter._patch_lang_tensor, "squeezes_scalars", False))
"""


def test_a_runtime_loop_bound_runs_under_the_interpreter_whatever_numpy_says():
    """Triton 3.6's interpreter fails every runtime-bounded loop under NumPy 2.4+ (int() of a one-element
    array); the shim squeezes first, and is installed exactly where NumPy refuses."""
    env = {"TRITON_INTERPRET": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    cp = subprocess.run([sys.executable, "-c", LOOP], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert cp.returncode == 0, cp.stderr[-2000:]
    total, refuses, installed = cp.stdout.split()
    assert float(total) == 21.0
    assert installed == refuses  # the shim is there exactly where int() of a one-element array fails
