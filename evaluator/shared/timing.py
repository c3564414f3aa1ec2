"""GPU timing: CUDA events, L2 flushed and fresh inputs before every repetition.

    from evaluator.shared.timing import benchmark
    stats = benchmark(model, make_args, target_ms=400)   # {"median_ms": ..., "iqr_ms": ..., ...}

One repetition is: draw fresh inputs (off the clock) -> overwrite a buffer twice the L2 size (so no
input or weight is served from L2) -> record the start event -> call -> synchronise the whole device
-> record the end event. Synchronising before the end event counts work on any stream, at the cost of
a few microseconds of host round trip that every contender pays alike. Warm-up calls come first (they
compile and autotune), then enough repetitions for `target_ms` of measured work.

The caller's make_args prepares a repetition the same way for every contender (PROCEDURE): fresh inputs, freed
GPU memory poisoned with NaN (poison_free_memory) and the weights' signs flipped at random (flip_signs), as before
a checked call, so that no kernel tells a timed call from a checked one by what its last call left in memory or
by weights that did not change (session 30's red team), and the baselines pay the same pause between calls.
"""

from __future__ import annotations

import math
import statistics
from typing import Callable

import torch

# the preparation of every timed repetition, the candidate's (evaluator.child.candidate) and the baselines'
# (evaluator.worker.worker) alike; part of the baselines' cache key, so a change re-measures them
PROCEDURE = "poison+flip"
SMALL_REQUEST = 2**20  # PyTorch's caching allocator serves requests up to 1 MB from its small pool


def poison_free_memory(device: torch.device) -> None:
    """Fill every free block of the CUDA caching allocator with NaN (a no-op elsewhere)."""
    if device.type != "cuda":
        return
    index = device.index if device.index is not None else torch.cuda.current_device()  # "cuda" has none
    stream = torch.cuda.current_stream(index).cuda_stream
    sizes = []
    try:
        segments = torch.cuda.memory_snapshot(include_traces=False)  # no stack traces: fast
    except TypeError:  # an older torch
        segments = torch.cuda.memory_snapshot()
    for seg in segments:
        if seg.get("device", index) != index or seg.get("stream", stream) != stream:
            continue
        small_pool = seg.get("segment_type") == "small"
        for block in seg.get("blocks", []):
            if block.get("state") != "inactive":
                continue
            size = block["size"]
            if small_pool:  # requests over 1 MB go to the large pool: take a big small-pool block in 1 MB bites
                while size > SMALL_REQUEST:
                    sizes.append(SMALL_REQUEST)
                    size -= SMALL_REQUEST
                sizes.append(size)
            elif size > SMALL_REQUEST:  # a large-pool block under 1 MB serves no request: skip it
                sizes.append(size)
    grabbed = []
    try:
        for size in sorted(sizes, reverse=True):  # largest first: best fit hands each request its own block
            if size < 4:
                continue
            grabbed.append(torch.empty(size // 4, dtype=torch.float32, device=index).fill_(float("nan")))
    except torch.OutOfMemoryError:
        pass  # what we grabbed is poisoned; the rest stays as it was
    del grabbed


def prepare_repetition(model: torch.nn.Module, device: torch.device, seed: int, poison: bool = True) -> None:
    """PROCEDURE, between a timed repetition's fresh inputs and its call (off the clock), for every contender
    alike: freed GPU memory poisoned, as before a checked call (a kernel that found its own stamp from the last
    call in a fresh allocation could tell an unpoisoned timed call from a checked one), and the weights' signs
    flipped, as a checked call's weights are new each time. `poison` False only where that defence is switched
    off for a test."""
    if poison:
        poison_free_memory(device)
    flip_signs(model, seed)


@torch.no_grad()
def flip_signs(model: torch.nn.Module, seed: int) -> None:
    """Negate a random half of every floating parameter, in place: before each timed call, as a checked call's
    weights are new each time. The weights' magnitudes stay as they were (a dense kernel's time does not depend
    on signs), but a kernel that remembered them from its last call (in memory it keeps) finds them changed, as
    in every checked call."""
    for p in model.parameters():
        if p.is_floating_point() and p.numel():
            g = torch.Generator(device=p.device)
            g.manual_seed(seed)
            seed = (seed * 6364136223846793005 + 1442695040888963407) % 2**62
            signs = torch.where(torch.rand(p.shape, generator=g, device=p.device) < 0.5, -1.0, 1.0)
            p.mul_(signs.to(p.dtype))
            del signs


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
