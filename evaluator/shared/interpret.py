"""Make `@triton.autotune` usable under TRITON_INTERPRET=1 (the CPU path).

    from evaluator.shared.interpret import autotune_takes_first_config
    autotune_takes_first_config()      # in the worker, before any candidate code is imported

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
