"""The reference's side of a check, in true fp32: its output (`reference`) and its calibration at the
precision the policy allows (`calibration`), and both as one checked call needs them (`checked_reference`).
The oracle runs them for every checked call; ncu's profiled process for its profiled call
(evaluator.worker.profile_target). That the reference agrees with itself is evaluator.oracle.determinism.

    from evaluator.oracle.reference import reference, calibration
    expected = reference(model, args)
    cal, state_cal = calibration(model, args, expected, policy, buffers)
"""

from __future__ import annotations

import torch

from evaluator.oracle.correctness import calibrate
from evaluator.shared.precision import Policy, emulated


@torch.no_grad()
def reference(model, args: list, clone: bool = True):
    """The reference in true fp32: TF32 off for matmul and cuDNN, previous settings restored. `clone`
    when the inputs are used again (a reference that changes its inputs in place must not see its own
    changes on the determinism check's second call)."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        return model(*[a.clone() if clone and isinstance(a, torch.Tensor) else a for a in args])
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


@torch.no_grad()
def calibration(model, args: list, expected, policy: Policy, buffers: dict) -> tuple[list | None, dict]:
    """The reference once more, at the precision the policy allows, reduced at once to its error's scale
    (evaluator.oracle.correctness.calibrate): (per output, per buffer name). `buffers`: copies of the model's
    buffers from before the reference's call, so that this run starts from the same state; they are
    updated in place by this run (training-mode running statistics) and calibrate the module-state check.
    `args` are used as they are: the caller's last use of them. (None, {}) without a calibration (strict),
    or when the emulated run fails: then the floor alone applies, which is only ever stricter."""
    if policy.mantissa_bits is None:
        return None, {}
    try:
        with emulated(policy):
            low = torch.func.functional_call(model, buffers, tuple(args)) if buffers else model(*args)
        cal = calibrate(expected, low)
        del low
        post = dict(model.named_buffers())
        state = {n: calibrate(post[n], b) for n, b in buffers.items() if n in post}
        return cal, state
    except Exception:  # noqa: BLE001 - an op the emulation cannot run: no calibration, the floor only
        return None, {}


def checked_reference(model, args: list, policy: Policy):
    """(reference output, calibration) for one case, as the oracle computes them for a checked call
    (`reference` in true fp32, then `calibration` at the precision the policy allows, from the buffers the
    call started with); the calibration is None under `strict`. `args` are left as they were: both runs get
    copies."""
    start = {n: b.clone() for n, b in model.named_buffers()} if policy.mantissa_bits is not None else {}
    expected = reference(model, args)
    copies = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
    cal, _ = calibration(model, copies, expected, policy, start)
    return expected, cal
