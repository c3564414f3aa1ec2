"""The trusted side of every checked call: the reference output, and the comparison that is the verdict.

    python -m evaluator.oracle.oracle JOB.json READ_FD WRITE_FD      # started by evaluator.parent.judge

Never imports the candidate and shares nothing with its process: for each call the parent names
(wire.CallSpec: case, seed, stage) it draws the same weights and inputs as the candidate's process
did (evaluator.shared.draw), computes the reference in fp32 with TF32 off, then once more at the
precision the policy allows (`calibration`: evaluator.shared.precision.emulated, reduced at once to one value
per 1024 output elements), reads the candidate's output files (evaluator.outputs, raw bytes, checked)
and compares them (evaluator.oracle.correctness.compare under the job's policy and that calibration; atol
scaled with the inputs on a dynamic-range call). It holds one call's reference at a time, so a large
problem costs one input and one output here (two of each while a call's references are computed).

Requests: `call` computes and keeps the reference for a spec (sent while the candidate runs that call),
`check` compares the candidate's output with it and frees it, `quit`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

from evaluator.oracle.blame import blame
from evaluator.oracle.correctness import compare, compare_state
from evaluator.oracle.determinism import check_deterministic
from evaluator.oracle.memory import plan as memory_plan
from evaluator.oracle.reference import calibration, reference
from evaluator.shared.draw import draw
from evaluator.shared.handover import HandoverError, Inbox, capacity_for
from evaluator.shared.problem import import_file, snapshot
from evaluator.shared.wire import (
    Check,
    ErrorInfo,
    Hello,
    Job,
    LineReader,
    Reply,
    Request,
    WireError,
    receive,
    send,
)


def _verdict(
    expected, ref_model, inbox: Inbox | None, req: Request, policy, blame_call=None, cal=None, state_cal=None
) -> Check:
    """Copy the handed-over output (and module state) out of the inbox into this process, then compare
    (with the call's calibration, see `calibration`).
    `blame_call(got)`: on a failed check, a sentence naming the parameter the kernel ignores, or None."""
    if inbox is None or req.output is None:
        return Check(ok=False, message="forward's output was not handed over.")
    try:
        metas = [req.output] + ([req.state] if req.state is not None else [])
        got, *state = inbox.take(*metas)
    except HandoverError as e:
        return Check(ok=False, message=f"the output could not be read back: {e}.")
    verdict = compare(expected, got, policy, cal)
    if not verdict["ok"] and blame_call is not None:
        named = blame_call(got)
        if named:
            verdict = {**verdict, "message": f"{verdict['message']} {named}"}
    del got
    if verdict["ok"] and ref_model is not None:
        tensors = state[0] if state else []
        cand = list(zip(req.state_names, tensors if isinstance(tensors, (list, tuple)) else [tensors]))
        message = compare_state(ref_model, cand, policy, state_cal)
        if message is not None:
            verdict = {**verdict, "ok": False, "message": message}
    return Check(**{k: v for k, v in verdict.items() if k in Check.model_fields})


def serve(job: Job, reader: LineReader, wfd: int) -> None:
    device = torch.device(job.device)
    problem = import_file(Path(job.problem_path), "_reference")
    cases = {c.label: c for c in job.cases}
    inbox: Inbox | None = None
    held: dict[int, tuple] = {}  # call n -> (reference output, its model after the call, calibrations)
    checked_determinism: set[str] = set()
    send(wfd, Reply(op="hello", hello=Hello(pid=os.getpid())))
    while True:
        req = receive(reader, Request)
        if req.op == "quit":
            return
        if req.op == "plan":
            try:
                send(wfd, Reply(op="plan", plan=memory_plan(problem, job.cases, device)))
            except BaseException as e:  # noqa: BLE001 - the reference's fault, reported as such
                send(wfd, Reply(op="plan", ok=False, error=ErrorInfo.of(e, "planning memory")))
            continue
        spec = req.call
        if spec is None or spec.case not in cases:
            send(wfd, Reply(op=req.op, ok=False, error=ErrorInfo(type="WireError", message="no such call")))
            continue
        if req.op == "call":
            held.clear()  # one call's reference at a time
            try:
                held[spec.n] = _reference_call(job, spec, cases[spec.case], problem, device, checked_determinism)
                inbox, fresh = _inbox_for(held[spec.n], inbox, Path(job.workdir), device)
            except BaseException as e:  # noqa: BLE001 - the reference's fault, reported as such
                send(wfd, Reply(op="call", ok=False, error=ErrorInfo.of(e, f"reference on {spec.case}")))
                continue
            send(wfd, Reply(op="call", inbox=fresh))
        elif req.op == "check":
            popped = held.pop(spec.n, (None, None, (None, {})))  # a reference serves one check
            reply = _check(job, req, popped, cases[spec.case], problem, device, inbox)
            del popped  # freed now, not when the next check comes
            send(wfd, reply)
        else:
            send(wfd, Reply(op=req.op, ok=False, error=ErrorInfo(type="WireError", message=f"unknown op {req.op}")))


def _reference_call(job: Job, spec, case, problem, device: torch.device, checked_determinism: set[str]) -> tuple:
    """The reference for one call (the same weights and inputs as the candidate's, from the spec's seed):
    (output, the model after the call when it has buffers, (calibration, module-state calibration))."""
    model, args = draw(spec, case, problem, device)
    first = spec.case not in checked_determinism  # once per case: a second call must agree
    calibrating = job.policy.mantissa_bits is not None
    # The buffers the call starts from, for the calibration run (running statistics: small).
    start = {n: b.clone() for n, b in model.named_buffers()} if calibrating else {}
    before = snapshot(model) if first else None  # the state the call starts from
    # training mode: this call updates the model's buffers. Inputs cloned when used again.
    expected = reference(model, args, clone=first or calibrating)
    if first:  # the RNG runs on (no reseeding), so dropout-like randomness shows as a difference
        check_deterministic(expected, reference(before, args), job.policy, spec.case)
        checked_determinism.add(spec.case)
        del before
    # Last, once the determinism check's output is freed: two outputs here at a time, as before.
    cal, state_cal = calibration(model, args, expected, job.policy, start)
    del args, start
    ref_model = model if any(True for _ in model.buffers()) else None
    return expected, ref_model, (cal, state_cal)


def _inbox_for(held: tuple, inbox: Inbox | None, inbox_dir: Path, device: torch.device):
    """(inbox, its new reference or None): a new handle only when the held output outgrows the inbox."""
    expected, ref_model, _ = held
    need = capacity_for(expected, [b for b in ref_model.buffers()] if ref_model is not None else [])
    if inbox is not None and inbox.nbytes >= need:
        return inbox, None
    serial = inbox.ref.serial + 1 if inbox is not None else 0
    if inbox is not None:
        inbox.close()
    inbox = Inbox.create(need, device, inbox_dir, serial)
    return inbox, inbox.ref


def _check(job: Job, req: Request, held: tuple, case, problem, device, inbox: Inbox | None) -> Reply:
    """The verdict on the handed-over output against the held reference (popped: spent here)."""
    expected, ref_model, (cal, state_cal) = held
    del held
    if expected is None:
        return Reply(op="check", ok=False, error=ErrorInfo(type="WireError", message="no reference held"))
    spec = req.call
    policy = job.policy
    if spec.scale is not None and job.dynamic is not None and job.dynamic.atol_scale:
        policy = policy.model_copy(update={"atol": policy.atol * spec.scale})

    def named(got, spec=spec, case=case, policy=policy):  # which parameter a kernel ignores
        return blame(spec, case, problem, device, got, policy)

    check = _verdict(expected, ref_model, inbox, req, policy, named, cal, state_cal)
    del expected, ref_model, cal, state_cal
    return Reply(op="check", check=check)


def main() -> None:
    job = Job.model_validate_json(Path(sys.argv[1]).read_text())
    rfd, wfd = int(sys.argv[2]), int(sys.argv[3])
    from evaluator.shared.lifeline import die_with_parent

    die_with_parent()
    try:
        serve(job, LineReader(rfd), wfd)
    except WireError:
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
