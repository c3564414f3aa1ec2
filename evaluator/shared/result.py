"""EvalResult: the one verdict model, written as JSON by the parent process.

    from evaluator.shared.result import EvalResult, Status
    r = EvalResult.model_validate_json(Path("result.json").read_text())
    r.status >= Status.incorrect      # reached the correctness gate
    r.status.rank                     # 0 static_error ... 4 correct

The status ladder (design.md): static_error < compile_error | needs_gpu < runtime_error | timeout |
crashed < incorrect < correct. `needs_gpu`: a Gluon candidate on a machine without CUDA passed the static
gate and was not run (Gluon has no interpreter); it is never ranked as correct. `gate` names the gate that
failed and `message` says, in words an LLM can act
on, what went wrong; the evidence (errors, mismatches, tails) sits beside it.
"""

from __future__ import annotations

import datetime as _dt
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Status(str, Enum):
    static_error = "static_error"
    needs_gpu = "needs_gpu"  # passed the static gate; Gluon code, no GPU to run it on: never correct
    compile_error = "compile_error"
    runtime_error = "runtime_error"
    timeout = "timeout"
    crashed = "crashed"
    incorrect = "incorrect"
    correct = "correct"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: Status) -> bool:  # type: ignore[override]
        return self.rank < other.rank

    def __le__(self, other: Status) -> bool:  # type: ignore[override]
        return self.rank <= other.rank

    def __gt__(self, other: Status) -> bool:  # type: ignore[override]
        return self.rank > other.rank

    def __ge__(self, other: Status) -> bool:  # type: ignore[override]
        return self.rank >= other.rank


_RANK = {
    Status.static_error: 0,
    Status.needs_gpu: 1,
    Status.compile_error: 1,
    Status.runtime_error: 2,
    Status.timeout: 2,
    Status.crashed: 2,
    Status.incorrect: 3,
    Status.correct: 4,
}


class _Model(BaseModel):
    # Wrong outputs carry inf and NaN (a mismatch's value, a relative error over a zero); JSON keeps
    # them as Infinity/NaN so a result read back from a file or a Ray task is the same result.
    model_config = ConfigDict(ser_json_inf_nan="constants")


class Mismatch(_Model):
    index: list[int]
    expected: float
    got: float


class Check(_Model):
    """One correctness trial on one shape case."""

    case: str  # e.g. "odd[0]"
    shapes: str  # e.g. "3x5x37x45"
    trial: int
    ok: bool
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    n_bad: int = 0
    n_total: int = 0
    mismatches: list[Mismatch] = Field(default_factory=list)
    message: str = ""
    call_ms: float | None = None  # host wall time of this forward call (not a GPU timing)
    stage: str = "trial"  # trial | dynamic (inputs up to 1e5, mixed signs) | late (at the end) | after timing
    reason: str | None = None  # the runtime audit's slug when the audit rejected this call


class Timing(_Model):
    """Milliseconds per call, from CUDA events, L2 flushed and fresh inputs before each repetition."""

    median_ms: float
    iqr_ms: float  # 75th minus 25th percentile
    min_ms: float
    max_ms: float
    reps: int
    warmup: int


class CaseTiming(_Model):
    case: str
    shapes: str
    candidate: Timing | None = None
    eager: Timing | None = None
    compiled: Timing | None = None
    baseline_cached: bool = False
    speedup_vs_eager: float | None = None
    speedup_vs_compile: float | None = None
    # The parent's own wall clock around a synchronised batch of calls (ms per call, same inputs, no
    # L2 flush): a candidate-side median far below it is flagged in EvalResult.suspicious.
    crosscheck_ms: float | None = None


class DeviceInfo(_Model):
    name: str  # "NVIDIA H100 80GB HBM3" or "cpu (TRITON_INTERPRET=1)"
    cuda: bool
    capability: str | None = None
    sm_count: int | None = None
    torch: str
    triton: str
    cuda_runtime: str | None = None
    driver: str | None = None  # the NVIDIA driver ("580.159.04"), or the CUDA driver API version where unreadable


class EvalResult(_Model):
    status: Status
    gate: str  # the gate that failed, or "done"
    message: str  # what went wrong, for a person and for the next prompt; empty when correct
    # Which defence rejected it, a slug: a static rule (import, torch_compute, nn_module_call,
    # monkeypatch, ...) or a runtime audit (torch_compute, torch_kernels, no_triton_launch, threads,
    # tampering) or memory; None for ordinary failures and for correct results.
    reason: str | None = None
    problem: str
    candidate: str
    code_hash: str
    precision: str
    shape_sets: list[str]
    checks: list[Check] = Field(default_factory=list)
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    timings: list[CaseTiming] = Field(default_factory=list)
    timing_unavailable: str | None = None  # why there are no timings (no GPU, not correct, ...)
    # Without a GPU: median wall ms of the interpreted forward calls after the first. It ranks
    # candidates in CPU-only runs of the loop; it says nothing about GPU speed.
    interpreter_ms: float | None = None
    speedup_vs_eager: float | None = None  # geometric mean over timed cases
    speedup_vs_compile: float | None = None
    # Too good to be true (evaluator.parent.roofline): faster than the problem's FLOP or byte floor on this
    # GPU, or more than 10x faster than torch.compile. Promotion refuses these without --force.
    suspicious: list[str] = Field(default_factory=list)
    # Nsight Compute metrics of the first timed case, {kernel: {metric: value}} in ncu's base units
    # (evaluator.parent.ncu); None with `ncu_reason` saying why (not requested, no GPU, ncu missing, ...).
    ncu: dict[str, dict[str, float]] | None = None
    ncu_reason: str | None = None
    gate_seconds: dict[str, float] = Field(default_factory=dict)  # wall seconds per gate
    # Bytes per case and on the device, before any call (evaluator.oracle.memory; wire.MemoryPlan as data).
    memory_plan: dict | None = None
    device: DeviceInfo | None = None
    error_type: str | None = None
    error_tail: str | None = None  # last lines of the traceback or compiler error
    stdout_tail: str = ""
    stderr_tail: str = ""
    exit_code: int | None = None
    notes: list[str] = Field(default_factory=list)
    # Set when the candidate ran without OS confinement (no namespaces on this host): what it could reach.
    confinement_warning: str | None = None
    created_at: str = Field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat())

    @property
    def ok(self) -> bool:
        return self.status is Status.correct
