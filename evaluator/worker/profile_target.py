"""The process a profiler watches: warm a candidate up, then run ONE forward call inside a profiler range.

    python -m evaluator.worker.profile_target JOB.json

JOB.json: a wire.ProfileJob (read with the wire's bounds; a malformed one ends the process with one line
on stderr). Started by `evaluator.parent.ncu` under `ncu --profile-from-start off`: the warm-up calls
(Triton compiles and autotunes there) run outside the range, so ncu sees only the launches of the
one call between torch.cuda.profiler.start() and stop(). The weights are the reference's (copied as
the evaluator does) and the inputs are drawn like the evaluator's, from `seed`. After the profiled
call it writes a wire.Profiled marker to `done_path`, so the parent can tell a crash before the
profiled call from a profile that found nothing. Never prints to stdout (the candidate owns it).

`prepare()` is shared with benchmarks/run_candidate.py, which runs a candidate for profilers that
wrap a whole process.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from evaluator.shared.inputs import make_inputs
from evaluator.shared.problem import ShapeCase, apply_mode, build_model, import_file
from evaluator.shared.weights import copy_weights
from evaluator.shared.wire import Profiled, ProfileJob, WireError, read_message


def prepare(
    problem_path: Path, candidate_path: Path, case: ShapeCase, device: torch.device, seed: int = 0
) -> tuple[torch.nn.Module, list]:
    """ModelNew with the reference's weights, and one set of inputs, both on `device`."""
    torch.manual_seed(seed)
    problem = import_file(problem_path, "_reference")
    ref = build_model(problem, case, device)
    model = apply_mode(import_file(candidate_path, "candidate").ModelNew(*case.init).to(device), problem)
    copy_weights(ref, model)
    del ref
    return model, make_inputs(case, problem, device)


@torch.no_grad()
def run(job: ProfileJob) -> Profiled:
    if not torch.cuda.is_available():
        raise SystemExit("profile_target: no CUDA device, nothing to profile")
    device = torch.device("cuda")
    model, inputs = prepare(Path(job.problem_path), Path(job.candidate_path), job.case, device, job.seed)
    t0 = time.perf_counter()
    for _ in range(job.warmup):
        model(*inputs)
    torch.cuda.synchronize()
    t1 = time.perf_counter()
    torch.cuda.profiler.start()  # cudaProfilerStart: ncu --profile-from-start off begins here
    model(*inputs)
    torch.cuda.synchronize()
    torch.cuda.profiler.stop()
    return Profiled(warmup_s=t1 - t0, profiled_s=time.perf_counter() - t1)


def main() -> None:
    try:
        job = read_message(Path(sys.argv[1]), ProfileJob)
    except WireError as e:
        raise SystemExit(f"profile_target: {e}") from None
    Path(job.done_path).write_text(run(job).model_dump_json())
    # A normal exit (no os._exit): the profiler's injection library flushes its results at exit.


if __name__ == "__main__":
    main()
