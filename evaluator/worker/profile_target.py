"""The process a profiler watches: a checked evaluation's first calls, then ONE forward call inside a profiler range.

    python -m evaluator.worker.profile_target JOB.json

JOB.json: a wire.ProfileJob (read with the wire's bounds; a malformed one ends the process with one line
on stderr). Started by `evaluator.parent.ncu` under `ncu --profile-from-start off`: the calls before the
profiled one (Triton compiles and autotunes there) run outside the range, so ncu sees only the launches
of the one call between torch.cuda.profiler.start() and stop(). Every call is drawn as a checked call is
(evaluator.shared.draw: weights from its seed, perturbed on odd seeds, and fresh inputs), and the calls
before the profiled one are the evaluation's first call of each case, in its order: nothing repeats,
so an output kept from an earlier call is wrong here, and the process does not start in a way a checked
evaluation never does. The profiled call's output is checked against the reference (and its calibration:
evaluator.oracle.reference.checked_reference, the oracle's own rule), which is computed first, before the
candidate is even imported. After the profiled call it writes a wire.Profiled marker to `done_path`
(with that verdict), so the parent can tell a crash before the profiled call from a profile that found
nothing. Never prints to stdout (the candidate owns it).

Before anything else, before torch is even imported (Landlock seals the calling thread, so it must come
while this is the only one), the target seals its writes to the job's `writable` folders
(evaluator.shared.landlock): ncu's log lies outside them, so neither the candidate nor anything it forks can
forge, truncate or replace the evidence ncu writes of what ran, before or after the target exits.

`prepare()` is shared with benchmarks/run_candidate.py, which runs a candidate for profilers that
wrap a whole process.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from evaluator.shared import landlock

if TYPE_CHECKING:
    import torch

    from evaluator.shared.problem import ShapeCase
    from evaluator.shared.wire import Profiled, ProfileJob


def prepare(
    problem_path: Path, candidate_path: Path, case: ShapeCase, device: torch.device, seed: int = 0
) -> tuple[torch.nn.Module, list]:
    """ModelNew with the reference's weights, and one set of inputs, both on `device`."""
    import torch

    from evaluator.shared.inputs import make_inputs
    from evaluator.shared.problem import apply_mode, build_model, import_file
    from evaluator.shared.weights import copy_weights

    torch.manual_seed(seed)
    problem = import_file(problem_path, "_reference")
    ref = build_model(problem, case, device)
    model = apply_mode(import_file(candidate_path, "candidate").ModelNew(*case.init).to(device), problem)
    copy_weights(ref, model)
    del ref
    return model, make_inputs(case, problem, device)


def _off_device(x, kept: set[int]):
    """x's tensors (in a list or tuple too) copied to host memory, the device's copies zeroed, but for those whose
    storage is one of `kept` (an input a reference returns as it is)."""
    import torch

    if isinstance(x, (list, tuple)):
        return type(x)(_off_device(v, kept) for v in x)
    if not isinstance(x, torch.Tensor) or x.device.type == "cpu":
        return x
    host = x.detach().cpu()
    if x.untyped_storage().data_ptr() not in kept:
        x.detach().zero_()
    return host


def run(job: ProfileJob, device: torch.device) -> Profiled:
    """Every call of the job as a checked call draws it (its seed's weights and fresh inputs), one ModelNew
    per case; the call at `job.profiled` alone between cudaProfilerStart and Stop (on a GPU), its output
    then checked against the reference, which is computed first, before any candidate code exists here."""
    import torch

    from evaluator.oracle.correctness import compare
    from evaluator.oracle.reference import checked_reference
    from evaluator.shared.draw import draw
    from evaluator.shared.problem import apply_mode, import_file
    from evaluator.shared.weights import copy_weights
    from evaluator.shared.wire import Profiled

    torch.set_grad_enabled(False)
    problem = import_file(Path(job.problem_path), "_reference")
    cases = {c.label: c for c in job.cases}
    spec = job.calls[job.profiled]
    held_ref, held_args = draw(spec, cases[spec.case], problem, device)
    expected, cal = checked_reference(held_ref, held_args, job.policy)
    # out of the kernels' reach while the candidate runs: a kernel that found the reference's output (or its
    # calibration) beside its own could copy it, and the profile would show a call that computed nothing
    kept = {a.untyped_storage().data_ptr() for a in held_args if isinstance(a, torch.Tensor)}
    expected, cal = _off_device(expected, kept), _off_device(cal, kept)
    if device.type == "cuda":
        torch.cuda.empty_cache()  # the reference's freed blocks (its intermediates, the inputs' copies) unmapped
    module = import_file(Path(job.candidate_path), "candidate")
    models = {c.label: apply_mode(module.ModelNew(*c.init).to(device), problem) for c in job.cases}
    gpu = device.type == "cuda"
    t0 = time.perf_counter()
    warmup_s = profiled_s = 0.0
    verdict = {"ok": False, "message": "the profiled call did not run"}
    for i, spec in enumerate(job.calls):
        ref, args = (held_ref, held_args) if i == job.profiled else draw(spec, cases[spec.case], problem, device)
        model = models[spec.case]
        copy_weights(ref, model)
        del ref
        if gpu:
            torch.cuda.synchronize()
        if i != job.profiled:
            model(*args)
            continue
        t1 = time.perf_counter()
        warmup_s += t1 - t0
        if gpu:
            torch.cuda.profiler.start()  # cudaProfilerStart: ncu --profile-from-start off begins here
        out = model(*args)
        if gpu:
            torch.cuda.synchronize()
            torch.cuda.profiler.stop()
        t0 = time.perf_counter()
        profiled_s = t0 - t1
        verdict = compare(expected, _off_device(out, set()), job.policy, cal)
        del out, held_ref, held_args, expected, cal
    return Profiled(
        warmup_s=warmup_s, profiled_s=profiled_s, correct=bool(verdict["ok"]), message=verdict["message"][:2000]
    )


JOB_BYTES = 1 << 20  # a ProfileJob is a few hundred bytes


def seal(job_path: Path) -> None:
    """Seal this process's writes as the job asks, reading its two seal fields with json alone: importing the
    wire imports torch, which starts a thread, and Landlock seals only the thread that asks. Whatever does
    not parse here stops the process: nothing runs unsealed because the two readers disagreed."""
    try:
        raw = json.loads(job_path.read_bytes()[:JOB_BYTES])
        writable, sealed = raw.get("writable"), raw.get("sealed", [])
    except (OSError, ValueError, RecursionError, AttributeError) as e:
        raise SystemExit(f"profile_target: malformed ProfileJob: {type(e).__name__}: {str(e)[:200]}") from None
    if writable is None:
        return  # the parent found no Landlock on this kernel and recorded that the seal did not hold
    if not all(isinstance(x, list) and all(isinstance(p, str) for p in x) for x in (writable, sealed)):
        raise SystemExit("profile_target: malformed ProfileJob: writable and sealed must be lists of paths")
    try:
        landlock.restrict_writes(writable, sealed)
    except OSError as e:  # the parent found Landlock on this kernel: failing here is failing closed
        raise SystemExit(f"profile_target: could not seal its writes ({e})") from None


def main() -> None:
    seal(Path(sys.argv[1]))
    from evaluator.shared.wire import ProfileJob, WireError, read_message  # imports torch

    try:
        job = read_message(Path(sys.argv[1]), ProfileJob)
    except WireError as e:
        raise SystemExit(f"profile_target: {e}") from None
    import torch

    if not torch.cuda.is_available():
        raise SystemExit("profile_target: no CUDA device, nothing to profile")
    Path(job.done_path).write_text(run(job, torch.device("cuda")).model_dump_json())
    # A normal exit (no os._exit): the profiler's injection library flushes its results at exit.


if __name__ == "__main__":
    main()
