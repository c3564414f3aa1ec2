"""The typed wire between the evaluating parent and its child processes: every message is a model here.

    from evaluator.shared.wire import Job, Request, Reply, send, receive
    send(fd, Request(op="call", call=CallSpec(...)))       # one JSON line
    reply = receive(fd_reader, Reply)                       # pydantic-validated; raises WireError

Three kinds of child, one contract:
- the candidate process (evaluator.child.candidate, inside the jail) imports ModelNew, runs the calls
  the parent asks for and hands its outputs over into the oracle's inbox (evaluator.shared.handover), never a
  verdict;
- the oracle (evaluator.oracle.oracle, trusted, never imports a candidate) redraws the same weights and
  inputs from the same seed, computes the reference and compares: its `Reply.check` is the verdict;
- the file-report worker (evaluator.worker.worker: the reference's baselines) rewrites a `Report` file as it
  goes (`BaselinesReport`);
- the profiler's target (evaluator.worker.profile_target, under ncu) reads a `ProfileJob` file and leaves a
  `Profiled` marker after its profiled call.

A child's reply is data to check, never an instruction: the parent validates each line against the
model it expects, a malformed line ends the child (status crashed), and what a candidate reply claims
can only count against the candidate (audit findings, an input it modified), never for it. A file
message (a job, a report, a marker) is read with `read_message`: the same bounds as a line, and never
through a link or from anything but a regular file.
"""

from __future__ import annotations

import json
import os
import select
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evaluator.shared.files import NotAFile, read_untrusted
from evaluator.shared.precision import Policy
from evaluator.shared.problem import ShapeCase

MAX_LINE = 1 << 20  # bytes of one message: outputs travel through the inbox, so a line is small
MAX_DEPTH = 64  # nesting of one message: a deeper line is refused before json.loads recurses


class WireError(Exception):
    """The other side sent something that is not the expected message, or went away."""


class _Msg(BaseModel):
    model_config = ConfigDict(ser_json_inf_nan="constants", extra="forbid")


class DynamicRange(_Msg):
    """A trial whose float inputs are (2u - 1) * scale, u ~ U[0, 1): magnitudes up to `scale`, mixed
    signs. None: the policy's `dynamic_scale` (1e5 > 65504, fp16's largest value, under tf32: fp16
    operands overflow to inf while fp32 and TF32, 8-bit exponents, hold them). atol is scaled by
    `scale` too (a linear problem's errors grow with its inputs)."""

    scale: float | None = None
    atol_scale: bool = True


class CallSpec(_Msg):
    """One call of ModelNew.forward. Weights and inputs are drawn from `seed` (evaluator.shared.draw), which the
    parent picks at random and sends only when the call starts."""

    n: int  # position in the evaluation's plan
    case: str  # ShapeCase.label
    seed: int
    stage: Literal["trial", "dynamic", "late", "knockout", "after timing"] = "trial"
    scale: float | None = None  # dynamic-range trial: see DynamicRange


class Job(_Msg):
    """What a child needs to start; written to job.json in its work folder."""

    mode: Literal["candidate", "oracle", "baselines"]
    problem_path: str
    candidate_path: str = ""
    workdir: str = ""  # outputs go to workdir/out
    cases: list[ShapeCase]
    policy: Policy | None = None
    device: str = "cpu"
    disabled: list[str] = Field(default_factory=list)  # defences off, for tests (EvalConfig.disable)
    timing: dict[str, int | float] = Field(default_factory=dict)  # evaluator.shared.timing.benchmark keywords
    dynamic: DynamicRange | None = None
    seed: int = 0  # baselines


class Finding(_Msg):
    reason: str  # a slug: torch_compute, no_triton_launch, threads, tampering, ...
    message: str


class ErrorInfo(_Msg):
    type: str
    module: str = ""
    message: str
    where: str = ""
    tail: str = ""

    @classmethod
    def of(cls, exc: BaseException, where: str) -> ErrorInfo:
        """An exception as data: its type, message and the last 30 non-blank lines of its traceback."""
        import traceback

        lines = [ln for ln in "".join(traceback.format_exception(exc)).splitlines() if ln.strip()]
        return cls(
            type=type(exc).__name__,
            module=type(exc).__module__,
            message=str(exc)[:4000],
            where=where,
            tail="\n".join(lines[-30:])[-6000:],
        )


class TensorMeta(_Msg):
    """One tensor of an output, as copied into the oracle's inbox at `offset` (raw bytes)."""

    dtype: str
    shape: list[int]
    device: str  # "cpu" or "cuda": where the candidate returned it
    offset: int = -1  # bytes into the inbox; -1: it did not fit (larger than the reference's output)


class InboxRef(_Msg):
    """The oracle's inbox as the candidate's process opens it (evaluator.shared.handover): a CUDA IPC handle of
    device memory, or (interpreter) a file in the candidate's work folder."""

    kind: Literal["cuda", "file"]
    nbytes: int
    serial: int = 0  # a new inbox (a larger reference output) gets the next serial
    handle: bytes = b""  # cuda: base64 of the 64-byte cudaIpcMemHandle
    path: str = ""


class OutputMeta(_Msg):
    """The structure of forward's return value: a tensor, a scalar, a list/tuple of those, or an object
    that is not a plain tensor (only its type travels)."""

    kind: Literal["tensor", "scalar", "list", "tuple", "object", "none"]
    tensor: TensorMeta | None = None
    value: Any = None  # a scalar (int, float, bool)
    items: list[OutputMeta] = Field(default_factory=list)
    type_module: str = ""
    type_name: str = ""


class CaseMemory(_Msg):
    """Bytes one case needs, from the reference run on the meta device (evaluator.oracle.memory)."""

    case: str
    inputs: int
    outputs: int
    weights: int
    known: bool = True  # False: the meta run failed (data-dependent shapes); measured on the first call


class MemoryPlan(_Msg):
    """What an evaluation needs against what the device has, before any call runs (evaluator.oracle.memory)."""

    device: str
    free: int  # bytes free on the device (GPU: cudaMemGetInfo; CPU: MemAvailable)
    total: int
    need: int  # the largest case's peak, both processes together
    cases: list[CaseMemory] = Field(default_factory=list)
    fits: bool = True
    message: str = ""


class Request(_Msg):
    op: Literal["call", "handover", "time", "batch", "kernels", "check", "plan", "quit"]
    call: CallSpec | None = None
    case: str | None = None
    reps: int = 0  # batch: calls on one set of inputs, synchronised once at the end
    inbox: InboxRef | None = None  # handover (child): where to copy the held output
    output: OutputMeta | None = None  # check (oracle): the candidate's output, in the inbox
    state: OutputMeta | None = None  # check (oracle): ModelNew's buffers after the call, in the inbox after it
    state_names: list[str] = Field(default_factory=list)


class Check(_Msg):
    """The oracle's verdict on one call (evaluator.oracle.correctness.compare's dict, typed loosely)."""

    ok: bool
    message: str = ""
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    n_bad: int = 0
    n_total: int = 0
    mismatches: list[dict] = Field(default_factory=list)


class Confinement(_Msg):
    """What the jail could put in place around the candidate's process (evaluator.child.boot.confine)."""

    namespaces: list[str] = Field(default_factory=list)
    private_tmp: bool = False
    caps_dropped: bool = False
    readonly_failed: list[str] = Field(default_factory=list)
    project_writable: bool = False
    pid_ns: str | None = None  # forked by a warm zygote: the PID namespace of its own
    file_limit_mb: int | None = None  # RLIMIT_FSIZE in force (evaluator.child.boot._limit_files)
    root: str | None = None  # "minimal" (evaluator.child.root) or "host" (the read-only view of the host)
    root_refused: str | None = None  # why this host refused the minimal root
    task_limit: int | None = None  # RLIMIT_NPROC in force (evaluator.child.boot._limit_tasks)
    # seccomp's filter (evaluator.shared.seccomp: SIGCHLD's disposition fixed, no System V IPC or POSIX message
    # queues) in force before any candidate code; None: not tried
    seccomp_sealed: bool | None = None
    seccomp_refused: str | None = None  # why the kernel refused it
    seconds: float | None = None  # wall seconds the confinement took (the minimal root's mounts, the limits)


class Hello(_Msg):
    """A child's first message: where it runs (the candidate's process) or that it is up (the oracle)."""

    device: dict[str, Any] = Field(default_factory=dict)  # evaluator.shared.result.DeviceInfo's fields
    confinement: Confinement | None = None
    pid: int | None = None


class Reply(_Msg):
    op: str
    ok: bool = True
    error: ErrorInfo | None = None
    findings: list[Finding] = Field(default_factory=list)  # the candidate's audit: counts only against it
    output: OutputMeta | None = None
    state: OutputMeta | None = None  # call: ModelNew's buffers after the call (BatchNorm running stats...)
    state_names: list[str] = Field(default_factory=list)
    input_modified: int | None = None  # index of an input forward changed in place
    returned_input: bool = False  # forward returned its input or a view of it
    call_ms: float | None = None
    timing: dict[str, float] | None = None
    check: Check | None = None
    inbox: InboxRef | None = None  # call (oracle): the inbox for this call's output, when it is new
    plan: MemoryPlan | None = None  # plan (oracle)
    note: str | None = None
    hello: Hello | None = None


class Report(_Msg):
    """A file-report worker's progress (evaluator.worker.worker), rewritten atomically after every step."""

    model_config = ConfigDict(ser_json_inf_nan="constants", extra="allow")

    phase: str = "start"
    activity: str = ""
    timings: dict[str, Any] = Field(default_factory=dict)
    gate_seconds: dict[str, float] = Field(default_factory=dict)
    device: dict[str, Any] = Field(default_factory=dict)
    error: ErrorInfo | None = None
    done: bool = False


class TimingStats(_Msg):
    """evaluator.shared.timing.benchmark's figures for one case (evaluator.shared.result.Timing's fields), as a worker
    reports them: finite, with a positive median (a speed is a ratio of medians)."""

    median_ms: float = Field(gt=0, allow_inf_nan=False)
    iqr_ms: float = Field(ge=0, allow_inf_nan=False)
    min_ms: float = Field(ge=0, allow_inf_nan=False)
    max_ms: float = Field(ge=0, allow_inf_nan=False)
    reps: int = Field(ge=1)
    warmup: int = Field(ge=0)


class Baselines(_Msg):
    """The reference's timings on one case, PyTorch's default settings (evaluator.worker.worker.run_baselines)."""

    eager: TimingStats
    compiled: TimingStats


class BaselinesReport(Report):
    """The baselines worker's report: timings[case label]."""

    model_config = ConfigDict(ser_json_inf_nan="constants", extra="forbid")

    timings: dict[str, Baselines] = Field(default_factory=dict)


class ProfileJob(_Msg):
    """What the profiled process needs (evaluator.worker.profile_target), written by evaluator.parent.ncu into
    the jail's work folder; every path lies inside it. `calls` are run in order, each drawn from its seed
    as a checked call is (evaluator.shared.draw: fresh inputs, perturbed weights on odd seeds); the one at
    `profiled` runs between cudaProfilerStart and Stop. The calls before it are each case's first call,
    in the evaluation's order, so the profiled process starts as a checked evaluation does."""

    problem_path: str
    candidate_path: str
    cases: list[ShapeCase] = Field(min_length=1)
    calls: list[CallSpec] = Field(min_length=1)
    profiled: int = Field(ge=0)
    policy: Policy  # the profiled call's output is checked under the evaluation's own rule
    done_path: str  # where the Profiled marker goes
    # Landlock (evaluator.shared.landlock): before anything else the target seals its writes to these folders;
    # None where the host's kernel has none. `sealed`: ncu's log folder, whose inherited descriptors it drops.
    writable: list[str] | None = None
    sealed: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ProfileJob:
        labels = {c.label for c in self.cases}
        if self.profiled >= len(self.calls) or any(c.case not in labels for c in self.calls):
            raise ValueError("profiled must index calls, and every call's case must be one of cases")
        return self


class Profiled(_Msg):
    """The profiled process's marker after its profiled call: a crash before that call is not a profile
    that found nothing. `correct`: the profiled call's output against the reference, computed in that
    process before any candidate code existed there (evaluator.oracle.reference.checked_reference)."""

    warmup_s: float
    profiled_s: float
    correct: bool
    message: str = Field(default="", max_length=2000)  # compare()'s message when not correct


def send(fd: int, msg: _Msg) -> None:
    data = (msg.model_dump_json() + "\n").encode()
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class LineReader:
    """Reads newline-terminated messages from a pipe with a deadline on the caller's clock."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buf = b""

    def line(self, deadline: float) -> bytes | None:
        """The next line, or None when the deadline (time.monotonic) passes. WireError on EOF."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if not ready:
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                raise WireError("the process closed its pipe (it exited or was killed)")
            self.buf += chunk
            if len(self.buf) > MAX_LINE and b"\n" not in self.buf:
                raise WireError(f"a message longer than {MAX_LINE} bytes")
        line, self.buf = self.buf.split(b"\n", 1)
        return line


def parse(line: bytes, model: type[BaseModel]):
    if len(line) > MAX_LINE:
        raise WireError(f"a message longer than {MAX_LINE} bytes")
    depth = deepest = 0
    if line.count(b"[") + line.count(b"{") > MAX_DEPTH:  # cheap first: most lines cannot be deep
        for b in line:  # brackets inside strings count too: only ever an over-estimate
            if b in b"[{":
                depth += 1
                deepest = max(deepest, depth)
            elif b in b"]}":
                depth -= 1
    if deepest > MAX_DEPTH:
        raise WireError(f"a message nested deeper than {MAX_DEPTH} levels")
    try:
        return model.model_validate(json.loads(line))
    except ValidationError as e:  # where and what, never the values: one line, nothing echoed back
        errors = e.errors(include_url=False, include_input=False)
        where = "; ".join(f"{'.'.join(map(str, err['loc'])) or '(top)'}: {err['msg']}" for err in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise WireError(f"malformed {model.__name__}: {where}{more}"[:300]) from None
    except (ValueError, RecursionError) as e:  # not JSON (or not UTF-8)
        raise WireError(f"malformed {model.__name__}: {' '.join(str(e).split())}"[:300]) from None


def read_message(path: Path, model: type[BaseModel]):
    """One message from a file (a job, a report, a marker), under the bounds of a line. WireError if it
    is missing, a link, not a regular file (a FIFO would block the reader), too long, too deep, or not a
    `model` (evaluator.shared.files.read_untrusted opens and reads it)."""
    name = Path(path).name
    try:
        data, _ = read_untrusted(path, most=MAX_LINE + 1)  # one byte over the bound: parse() says "too long"
    except NotAFile as e:
        raise WireError(
            f"no {model.__name__} in {name} (a link)"
            if e.link
            else f"no {model.__name__} in {name}: not a regular file"
        ) from None
    except OSError as e:
        raise WireError(f"no {model.__name__} in {name} ({e.strerror})") from None
    return parse(data, model)


def receive(reader: LineReader, model: type[BaseModel], deadline: float | None = None):
    line = reader.line(deadline if deadline is not None else time.monotonic() + 1e9)
    return None if line is None else parse(line, model)
