"""Make Triton's interpreter (TRITON_INTERPRET=1, the CPU path) run what it runs on a GPU.

    from evaluator.shared.interpret import autotune_takes_first_config, scalars_index_as_ints
    autotune_takes_first_config()      # in the worker, before any candidate code is imported
    scalars_index_as_ints()            # likewise

`autotune_takes_first_config`: `@triton.autotune` under the interpreter.
The autotuner times each config on a GPU driver, and the interpreter has none ("0 active drivers"),
so every autotuned candidate would fail on the CPU. Timings under the interpreter mean nothing anyway:
here every config "takes" the same time and the first (after the candidate's own pruning) is used.
Correctness is still checked with that config; on a GPU nothing is patched.
"""

from __future__ import annotations


def autotune_takes_first_config() -> None:
    from triton.runtime.autotuner import Autotuner

    def _bench(self, *args, config, **meta):  # equal "timings": min() keeps the first config
        return [0.0, 0.0, 0.0]

    Autotuner._bench = _bench


def scalars_index_as_ints() -> None:
    """Runtime scalars as loop bounds (`for c in range(C_in)`) under NumPy 2.4 and later.

    The interpreter holds a scalar as a one-element array, and Triton 3.6 turns it into an index with
    `int(array)`, which NumPy 2.4 refuses ("only 0-dimensional arrays can be converted to Python scalars"):
    there every kernel that loops over a runtime bound fails on the CPU, the seed kernel included (found on a
    GPU host's image: Triton 3.6, NumPy 2.5.2). Triton 3.9 squeezes the array first; this does the same where
    NumPy refuses, and changes nothing where `int()` of such an array still works."""
    import numpy as np

    try:
        int(np.zeros(1, dtype=np.int32))
        return
    except TypeError:
        pass
    from triton.runtime import interpreter

    patch = getattr(interpreter, "_patch_lang_tensor", None)
    if patch is None or getattr(patch, "squeezes_scalars", False):
        return

    def _patch_lang_tensor(tensor, scope):
        patch(tensor, scope)
        scope.set_attr(tensor, "__index__", lambda self: int(self.handle.data.squeeze()))

    _patch_lang_tensor.squeezes_scalars = True
    interpreter._patch_lang_tensor = _patch_lang_tensor
