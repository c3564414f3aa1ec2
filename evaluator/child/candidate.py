"""The candidate's process: import ModelNew, run the calls the parent asks for, hand back outputs.

    (started by evaluator.child.boot inside the jail; talks over two pipes, wire.Request / wire.Reply)

It decides nothing. For each `call` it draws the call's weights and inputs from the seed the parent
sends at that moment (evaluator.shared.draw), copies the weights into ModelNew, runs forward under
evaluator.child.trial.Trial and holds the output until the parent says `handover`: then it copies it
into the oracle's inbox (evaluator.shared.handover: GPU memory the oracle owns, opened once through a CUDA
IPC handle); the oracle, another process, computes the reference from the same seed, copies the
output out of its inbox and compares. What it reports besides the output (audit findings, an input
changed in place, an input returned as output) can only count against the candidate. `time` runs
evaluator.shared.timing.benchmark (GPU), `batch` runs `reps` calls back to back for the parent's wall-clock
cross-check, `kernels` lists the GPU kernels one forward ran (torch.profiler).
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import torch

from evaluator.shared.draw import draw
from evaluator.shared.handover import Slot
from evaluator.shared.inputs import make_inputs
from evaluator.shared.problem import apply_mode, import_file
from evaluator.shared.timing import prepare_repetition
from evaluator.shared.wire import (
    Confinement,
    ErrorInfo,
    Finding,
    Hello,
    Job,
    LineReader,
    Reply,
    Request,
    WireError,
    receive,
    send,
)


class Sealed:
    """What a call's tensor inputs held before forward, as evidence the candidate's kernels can neither find nor
    forge: for each input, keyed digests held in host memory, sums of its 32-bit words (bytes where its size is
    no multiple of 4) weighted by Gaussian weights drawn from a seed only this process's host memory holds; the
    weights and every scratch buffer are zeroed once used. A change to the input moves a digest by the changed
    words' weights, which no kernel knows, so no change goes unseen by luck or by design.

    A plain clone would be a twin of each input in GPU memory: a kernel that searched the memory around its input
    for one told a checked call from a timed one and computed only while checked, or wrote the same bytes into
    both; a copy XORed with a one-time pad is malleable (XOR the change into it too). Session 30's red teams did
    all three (tests/runtime_attacks/). The seal's scratch is freed before the call poisons free memory, as a
    timed call's preparation does, so the memory looks the same in both.

        sealed = Sealed(args)
        model(*args)
        sealed.first_changed(args)   # the index of the first tensor input forward changed, or None
    """

    CHUNK = 1 << 24  # words digested at once: 128 MiB of float64 scratch, twice

    def __init__(self, args: list):
        self.seed = int.from_bytes(os.urandom(8), "little") >> 2
        self.metas = [(a.shape, a.stride(), a.dtype) if isinstance(a, torch.Tensor) else None for a in args]
        self.digests = [self._digests(a, k) if isinstance(a, torch.Tensor) else None for k, a in enumerate(args)]

    def _digests(self, a: torch.Tensor, k: int) -> list[float]:
        flat = a.detach().contiguous()  # a itself where contiguous; a copy, zeroed below, where not
        data = flat.reshape(-1).view(torch.uint8)
        aligned = data.numel() % 4 == 0 and data.storage_offset() % 4 == 0  # (a uint8 slice may start mid-word)
        words = data.view(torch.int32) if aligned else data
        g = torch.Generator(device=a.device)
        out = []
        for j, start in enumerate(range(0, words.numel(), self.CHUNK)):
            part = words[start : start + self.CHUNK]
            g.manual_seed((self.seed + (k << 32) + j) & (2**63 - 1))  # each input and chunk its own weights
            w = torch.randn(part.numel(), dtype=torch.float64, device=a.device, generator=g)
            x = part.to(torch.float64)
            w.mul_(x)
            out.append(w.sum().item())
            w.zero_()
            x.zero_()
        if flat.data_ptr() != a.data_ptr():
            flat.zero_()
        return out

    def first_changed(self, args: list) -> int | None:
        for k, (a, meta, digests) in enumerate(zip(args, self.metas, self.digests, strict=False)):
            if digests is None:
                continue
            if not isinstance(a, torch.Tensor) or (a.shape, a.stride(), a.dtype) != meta:
                return k
            if self._digests(a, k) != digests:
                return k
        return None


def _findings(pairs) -> list[Finding]:
    return [Finding(reason=r, message=m) for r, m in pairs]


def driver_version() -> str | None:
    """The NVIDIA kernel driver's version (a new driver can change every timing), from /proc where the host
    shows it, else the CUDA driver API version torch reports."""
    try:
        with open("/proc/driver/nvidia/version") as f:
            first = f.readline()
        for word in first.split():
            if word.count(".") >= 1 and word.replace(".", "").isdigit():
                return word
    except OSError:
        pass
    try:
        return f"cuda-api {torch._C._cuda_getDriverVersion()}"
    except (AttributeError, RuntimeError):
        return None


def device_info(device: torch.device) -> dict:
    import triton

    info = {"cuda": device.type == "cuda", "torch": torch.__version__, "triton": triton.__version__}
    if device.type == "cuda":
        p = torch.cuda.get_device_properties(device)
        info.update(
            name=p.name,
            capability=f"{p.major}.{p.minor}",
            sm_count=p.multi_processor_count,
            cuda_runtime=torch.version.cuda,
            driver=driver_version(),
        )
    else:
        info.update(name="cpu (TRITON_INTERPRET=1)")
    return info


def serve(job: Job, reader: LineReader, wfd: int, confinement: dict) -> None:
    # Bound here, before any candidate code exists in the process, and handed to the steps below.
    from evaluator.child.trial import AuditFailure, Trial, shares_memory
    from evaluator.shared.timing import benchmark
    from evaluator.shared.weights import copy_weights

    steps = Steps()  # where the start-up's seconds go, sent with `ready` (the judge's import.* gate seconds)
    device = torch.device(job.device)
    if device.type == "cuda":
        torch.empty(0, device=device)  # the CUDA context, created here so that its cost is counted apart
    steps.done("cuda_context")
    cases = {c.label: c for c in job.cases}
    problem = import_file(Path(job.problem_path), "_reference")
    steps.done("reference")
    slot: Slot | None = None  # the oracle's inbox, opened once per inbox it makes
    held: tuple | None = None  # the last call's output and buffers, until they are handed over
    send(wfd, Reply(op="hello", hello=Hello(device=device_info(device), confinement=Confinement(**confinement))))

    if os.environ.get("TRITON_INTERPRET") == "1":  # before the integrity snapshot and any candidate code
        from evaluator.shared.interpret import autotune_takes_first_config, scalars_index_as_ints

        autotune_takes_first_config()
        scalars_index_as_ints()
    trial = Trial(device, set(job.disabled))
    trial.before_import()
    steps.done("snapshot")
    models = _construct(job, problem, device, trial, wfd, steps)
    if models is None:
        return

    rng = random.Random(int.from_bytes(os.urandom(8), "little"))  # audited timing reps; unpredictable
    while True:
        req = receive(reader, Request)
        if req.op == "quit":
            return
        if req.op == "handover":  # copy the held output into the oracle's inbox; only then is it judged
            slot, held = _handover(req, slot, held, device, wfd)
            continue
        label = req.call.case if req.call is not None else req.case
        if label not in cases:
            send(wfd, Reply(op=req.op, ok=False, error=ErrorInfo(type="WireError", message=f"no case {label}")))
            continue
        case, model = cases[label], models[label]
        where = f"ModelNew.forward on {label} ({case.describe()})"
        try:
            if req.op == "call":
                held = _call(req.call, case, model, problem, device, trial, wfd, copy_weights, shares_memory)
            elif req.op == "kernels":
                _, args = draw(req.call, case, problem, device)
                found, note = trial.kernels(model, args)
                send(wfd, Reply(op="kernels", findings=_findings(found), note=note))
            elif req.op == "time":
                _time(req, case, model, problem, device, trial, rng, job.timing, wfd, benchmark, AuditFailure)
            elif req.op == "batch":
                _batch(req, case, model, problem, device, wfd)
        except BaseException as e:  # noqa: BLE001
            send(wfd, Reply(op=req.op, ok=False, error=ErrorInfo.of(e, where)))
            if isinstance(e, WireError):
                return


class Steps:
    """Wall seconds of the start-up's steps, in order: {"cuda_context": 0.4, "reference": 0.1, ...}."""

    def __init__(self):
        self.t, self.seconds = time.perf_counter(), {}

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = now - self.t
        self.t = now


def _construct(job: Job, problem, device: torch.device, trial, wfd: int, steps: Steps) -> dict | None:
    """Import the candidate and build one ModelNew per case; answers `ready` either way. None when it
    failed (the failure is the reply)."""
    where = "importing the candidate module"
    try:
        module = import_file(Path(job.candidate_path), "candidate")
        steps.done("candidate")
        models = {}
        for case in job.cases:
            where = f"constructing ModelNew{tuple(case.init)} for {case.label}"
            models[case.label] = apply_mode(module.ModelNew(*case.init).to(device), problem)
    except BaseException as e:  # noqa: BLE001 - SystemExit from a candidate is an error too
        send(wfd, Reply(op="ready", ok=False, error=ErrorInfo.of(e, where)))
        return None
    steps.done("construct")
    findings = _findings(trial.after_import(module))
    steps.done("audit")
    send(wfd, Reply(op="ready", findings=findings, timing=steps.seconds))
    del module
    return models


def _handover(req: Request, slot: Slot | None, held: tuple | None, device: torch.device, wfd: int):
    """Copy the held output (and module state) into the oracle's inbox, opening a new inbox when the
    oracle made one. Returns (slot, held): held is spent once the copy starts, kept when nothing was
    handed over."""
    try:
        if req.inbox is not None and (slot is None or slot.ref.serial != req.inbox.serial):
            if slot is not None:
                slot.close()
            slot = Slot.open(req.inbox, device)
        if slot is None or held is None:
            raise RuntimeError("nothing to hand over, or no inbox")
        out, state, names = held
        held = None
        metas = slot.put(out, state) if state is not None else slot.put(out)
        del out, state
        send(
            wfd,
            Reply(op="handover", output=metas[0], state=metas[1] if len(metas) > 1 else None, state_names=names),
        )
    except BaseException as e:  # noqa: BLE001
        send(wfd, Reply(op="handover", ok=False, error=ErrorInfo.of(e, "handing the output over")))
    return slot, held


def _call(spec, case, model, problem, device: torch.device, trial, wfd: int, copy_weights, shares_memory) -> tuple:
    """One checked call: the call's weights and inputs from the parent's seed, forward under the trial,
    the reply sent; returns what is held until the handover (output, buffers, their names)."""
    ref_model, args = draw(spec, case, problem, device)
    copy_weights(ref_model, model)
    _erase(ref_model)  # no twin of the weights left in freed memory, which a timed call would not have
    del ref_model
    sealed = Sealed(args)
    t0 = time.perf_counter()
    out, found = trial.call(model, args, knockout=spec.stage == "knockout")
    call_ms = (time.perf_counter() - t0) * 1e3  # host wall, compile included on a first call
    reply = Reply(
        op="call",
        findings=_findings(found),
        call_ms=call_ms,
        input_modified=sealed.first_changed(args),
        returned_input=shares_memory(out, args),
    )
    del args, sealed
    buffers = [(name, b) for name, b in model.named_buffers() if b is not None]
    # The oracle checks the module state too (training-mode BatchNorm...): handed over with the output.
    state = [b for _, b in buffers] if buffers else None
    held = (out, state, [name for name, _ in buffers])
    del out
    send(wfd, reply)
    return held


def _erase(model: torch.nn.Module) -> None:
    with torch.no_grad():
        for t in [*model.parameters(), *model.buffers()]:
            t.zero_()


def _time(req, case, model, problem, device, trial, rng, timing: dict, wfd: int, benchmark, audit_failure) -> None:
    """evaluator.shared.timing.benchmark on fresh inputs each repetition, some repetitions under the audit."""
    torch.manual_seed(req.call.seed if req.call is not None else 0)
    fn, on_rep = trial.timed(model, rng)

    def fresh(case=case) -> list:  # new inputs every repetition, from the parent's seed onwards, prepared as the
        args = make_inputs(case, problem, device)  # baselines' are (a checked call's seal leaves only free blocks,
        prepare_repetition(model, device, rng.getrandbits(62), poison=trial.on("poison"))  # which it poisons too)
        return args

    try:
        with torch.no_grad():
            stats = benchmark(fn, fresh, on_rep=on_rep, **timing)
    except audit_failure as e:
        send(wfd, Reply(op="time", findings=_findings(e.findings)))
        return
    send(wfd, Reply(op="time", timing=stats, findings=_findings(trial.integrity_findings())))


def _batch(req, case, model, problem, device, wfd: int) -> None:
    """`reps` calls back to back on one input, for the parent's wall-clock cross-check of the timing."""
    _, args = draw(req.call, case, problem, device)  # (a kernel that cheats only here gains nothing: the parent
    with torch.no_grad():  # flags a batch slower than the timing, never a faster one)
        model(*args)  # warm
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(req.reps):
            model(*args)
        torch.cuda.synchronize()
    send(wfd, Reply(op="batch", call_ms=(time.perf_counter() - t0) * 1e3 / max(req.reps, 1)))


def seal() -> dict:
    """seccomp's filter on this process, its threads and its children (evaluator.shared.seccomp): SIGCHLD's
    disposition fixed, so a helper process it starts cannot be reaped by the kernel out of the parent's witness,
    and no System V IPC or POSIX message queue, which outlive the jail; what held, as wire.Confinement's fields."""
    from evaluator.shared import seccomp

    try:
        seccomp.seal()
    except OSError as e:
        return {"seccomp_sealed": False, "seccomp_refused": str(e)[:200]}
    return {"seccomp_sealed": True}


def main(job_path: str, rfd: int, wfd: int, confinement: dict) -> None:
    confinement = confinement | seal()  # before any candidate code exists in the process
    job = Job.model_validate_json(Path(job_path).read_text())
    try:
        serve(job, LineReader(rfd), wfd, confinement)
    except WireError:
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown: a candidate's atexit hooks change nothing
