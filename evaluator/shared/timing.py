"""GPU timing: CUDA events, L2 flushed and fresh inputs before every repetition.

    from evaluator.shared.timing import benchmark
    stats = benchmark(model, make_args, target_ms=400)   # {"median_ms": ..., "iqr_ms": ..., ...}

One repetition is: draw fresh inputs (off the clock) -> overwrite a buffer twice the L2 size (so no
input or weight is served from L2) -> record the start event -> call -> synchronise the whole device
-> record the end event. Synchronising before the end event counts work on any stream, at the cost of
a few microseconds of host round trip that every contender pays alike. Warm-up calls come first (they
compile and autotune), then enough repetitions for `target_ms` of measured work.
"""

from __future__ import annotations

import math
import statistics
from typing import Callable

import torch


def _l2_flush_buffer(device: torch.device) -> torch.Tensor:
    l2 = getattr(torch.cuda.get_device_properties(device), "L2_cache_size", 0) or 64 * 2**20
    return torch.empty(2 * l2 // 4, dtype=torch.float32, device=device)


def summarize(times_ms: list[float], warmup: int) -> dict:
    q1, _, q3 = statistics.quantiles(times_ms, n=4) if len(times_ms) > 1 else (times_ms[0],) * 3
    return {
        "median_ms": statistics.median(times_ms),
        "iqr_ms": q3 - q1,
        "min_ms": min(times_ms),
        "max_ms": max(times_ms),
        "reps": len(times_ms),
        "warmup": warmup,
    }


def benchmark(
    fn: Callable,
    make_args: Callable[[], list],
    *,
    target_ms: float = 400.0,
    min_reps: int = 10,
    max_reps: int = 1000,
    warmup_ms: float = 25.0,
    on_rep: Callable[[], None] | None = None,
) -> dict:
    """Median milliseconds of `fn(*make_args())`. `on_rep` runs after each repetition, off the clock."""
    device = torch.device("cuda", torch.cuda.current_device())
    flush = _l2_flush_buffer(device)

    def one() -> float:
        args = make_args()
        flush.zero_()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn(*args)
        torch.cuda.synchronize()
        end.record()
        end.synchronize()
        if on_rep is not None:
            on_rep()
        return start.elapsed_time(end)

    first = one()  # compile / autotune / cuDNN heuristics: never counted
    probes = [one() for _ in range(2)] if first < 1000 else []  # a 1 s call needs no probing
    estimate = max(min(probes or [first]), 1e-3)
    warmup = max(1, min(50, math.ceil(warmup_ms / estimate)))
    reps = max(min_reps, min(max_reps, math.ceil(target_ms / estimate)))
    for _ in range(warmup):
        one()
    times = [one() for _ in range(reps)]
    return summarize(times, 1 + len(probes) + warmup)
