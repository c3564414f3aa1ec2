"""Runtime audit of one candidate call: who did the work? (runs inside the worker process)

    from evaluator.child.audit import LAUNCHES, OpAudit, install_launch_counter, kernel_audit
    install_launch_counter()                  # once, before the candidate is imported
    LAUNCHES.reset()
    with OpAudit() as ops:
        out = model(*args)
    LAUNCHES.count, ops.forbidden()           # Triton launches, {"convolution": 1, ...}
    kernel_audit(lambda: model(*args), LAUNCHES.names)   # CUDA only: non-Triton compute kernels

Three independent views, because each alone can be dodged:
- `LAUNCHES` counts Triton launches (JITFunction.run / the interpreter's run): a forward that
  launches none did not do its work in Triton, whatever the source says.
- `OpAudit` is a TorchDispatchMode that sees every aten operator the forward runs (F.conv2d,
  torch.ops.aten.*, nn.Conv2d forward, matmul, a try/except fallback: all end in aten), including
  code Triton runs during a launch on the candidate's behalf: the grid callable, autotune pre/post
  hooks and heuristics, and (under TRITON_INTERPRET=1) a jit body that calls torch: the interpreter's own
  argument copies are allocations and copies, which are allowed anyway. Only autotune's benchmarking
  (the harness's L2 flush and statistics) is exempt. PyTorch may only allocate, copy and reshape.
  A dispatch mode holds for one thread only, so a forward that hands PyTorch work to a thread it starts
  and joins before returning would pass unseen: every Python thread started during an audited call
  (threading, _thread, concurrent.futures) runs under an audit of its own that counts into the call's
  (`install_launch_counter` wraps the thread start; `_thread` and `threading` are in the Integrity
  guard's watch). A thread still alive when forward returns is the `threads` finding's.
- Knockout: with `LAUNCHES.knockout` set, a launch is counted and returns without running, so the
  output of a forward that really uses its kernels comes out wrong (evaluator.parent.calls).
- `kernel_audit` (CUDA) lists the kernels the GPU actually ran, through torch.profiler (CUPTI), and
  flags those that are neither the candidate's Triton kernels nor memset/fill/copy kernels: this also
  catches cuBLAS/cuDNN reached without aten.
"""

from __future__ import annotations

import re
from collections import Counter

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

# aten operators that allocate, copy, reshape or read metadata: what an honest host wrapper needs
# (torch.empty/zeros/full, .contiguous(), .to(), views, F.pad, .item()). Everything else computes.
ALLOWED_ATEN = frozenset(
    """
    empty empty_strided empty_like new_empty new_empty_strided zeros zeros_like new_zeros ones ones_like
    new_ones full full_like new_full scalar_tensor arange fill_ zero_ copy_ clone _to_copy to contiguous
    lift_fresh lift_fresh_copy detach alias set_ resize_ view _unsafe_view reshape _reshape_alias
    as_strided permute transpose t expand expand_as view_as slice select unsqueeze squeeze flatten
    unflatten narrow split split_with_sizes unbind chunk unfold movedim diagonal constant_pad_nd
    is_same_size _local_scalar_dense sym_size sym_stride sym_numel sym_storage_offset
""".split()
)  # noqa: SIM905 - a word list

# Reading a tensor's values into Python (float(t), int(t), bool(t), t.item(): aten _local_scalar_dense) is how a
# forward computes in Python and has a Triton copy kernel move the result, which the knockout cannot tell from
# honest work. An honest wrapper reads at most a few scalars a call (a size or a flag kept in a tensor).
MAX_SCALAR_READS = 16

# Tensor methods that read all of a tensor's values into Python with no aten operator the dispatch audit sees
# (printing formats under torch's disabled dispatch modes, tolist reads in C++): a forward that formats a tensor
# parses its values back (`float(str(e)[7:-1])`, an exception carrying the tensor). A TorchFunctionMode beside
# the dispatch one (ValueReads) counts them, as `Tensor.<name>`; none is allowed.
VALUE_READS = frozenset({"__repr__", "__str__", "__format__", "tolist", "numpy", "__array__", "__dlpack__"})

# GPU kernels PyTorch launches for the allowed operators above (memset/fill/copy/arange/pad).
ALLOWED_KERNEL = re.compile(r"memset|memcpy|fill|copy|arange", re.IGNORECASE)


class LaunchCounter:
    """Triton launches since the last reset; `exempt` > 0 inside autotune's benchmarking (OpAudit ignores
    the ops it runs: the harness's, not the candidate's)."""

    def __init__(self) -> None:
        self.count = 0
        self.exempt = 0
        self.names: set[str] = set()
        self.knockout = False

    def reset(self) -> None:
        self.count = 0
        self.names = set()


LAUNCHES = LaunchCounter()
_INSTALLED = False


def _audited(fn):
    """`fn` (a grid callable) run with the operator audit on, even inside autotune's benchmarking."""

    def call(*args, **kwargs):
        exempt, LAUNCHES.exempt = LAUNCHES.exempt, 0
        try:
            return fn(*args, **kwargs)
        finally:
            LAUNCHES.exempt = exempt

    return call


def _knockout_grid(fn, args: tuple, kwargs: dict) -> None:
    """Call a launch's grid callable as Triton would (with the bound arguments), best effort."""
    names = list(getattr(fn, "arg_names", []) or [])
    meta = dict(zip(names, args))
    meta.update({k: v for k, v in kwargs.items() if k not in ("grid", "warmup")})
    try:
        _audited(kwargs["grid"])(meta)
    except Exception:  # noqa: BLE001 - a grid that needs more than the arguments: the launch is a no-op anyway
        pass


def _wrap_launch(cls) -> None:
    original = cls.run

    def run(self, *args, _original=original, **kwargs):
        if not kwargs.get("warmup", False):
            LAUNCHES.count += 1
            LAUNCHES.names.add(getattr(self, "__name__", "") or getattr(getattr(self, "fn", None), "__name__", "?"))
            if LAUNCHES.knockout:  # the launch's host code still runs (a grid callable may compute): not the kernel
                if callable(kwargs.get("grid")):
                    _knockout_grid(self, args, kwargs)
                return None
        if callable(kwargs.get("grid")):
            kwargs["grid"] = _audited(kwargs["grid"])
        return _original(self, *args, **kwargs)  # audited inside too: the interpreter only allocates and copies

    cls.run = run


def _wrap_exempt(cls, name: str) -> None:
    """Autotune benchmarking runs torch ops (L2 flush, events) that are the harness's, not the candidate's."""
    original = getattr(cls, name)

    def method(self, *args, _original=original, **kwargs):
        LAUNCHES.exempt += 1
        try:
            return _original(self, *args, **kwargs)
        finally:
            LAUNCHES.exempt -= 1

    setattr(cls, name, method)


# Where a new Python thread starts, per version: _thread's functions and threading's own references to them
# (3.11-3.12: start_new_thread; 3.13: start_joinable_thread).
THREAD_STARTS = (
    ("_thread", ("start_new_thread", "start_new", "start_joinable_thread")),
    ("threading", ("_start_new_thread", "_start_joinable_thread")),
)


def _audited_thread(function):
    """`function`, a new thread's body, run under an audit that counts into the call's, if one is running."""
    owner = OpAudit.current
    if owner is None:
        return function

    def body(*args, **kwargs):
        with OpAudit(counts=owner.ops):
            return function(*args, **kwargs)

    return body


def _wrap_thread_start(module, name: str) -> None:
    original = getattr(module, name)

    def start(function, *args, _original=original, **kwargs):
        return _original(_audited_thread(function), *args, **kwargs)

    setattr(module, name, start)


def install_launch_counter() -> None:
    """Patch Triton's launch entry points and the Python thread start (idempotent). Call before importing the
    candidate (and before the Integrity snapshot, which then watches the patches)."""
    global _INSTALLED
    if _INSTALLED:
        return
    import importlib

    for module_name, names in THREAD_STARTS:
        module = importlib.import_module(module_name)
        for name in names:
            if hasattr(module, name):
                _wrap_thread_start(module, name)
    from triton.runtime import autotuner, jit

    _wrap_launch(jit.JITFunction)  # GluonJITFunction subclasses it
    if hasattr(autotuner, "Autotuner") and hasattr(autotuner.Autotuner, "_bench"):
        _wrap_exempt(autotuner.Autotuner, "_bench")  # hooks and heuristics outside it stay audited
    try:
        from triton.runtime.interpreter import InterpretedFunction
    except ImportError:  # an interpreter-less Triton build
        pass
    else:
        _wrap_launch(InterpretedFunction)
    _INSTALLED = True


class OpAudit(TorchDispatchMode):
    """Records the aten operators the forward runs, inside Triton launches too (but not in autotune's benchmarking),
    and in the threads it starts while the audit runs (`counts`: the call's counter, for such a thread's audit)."""

    current: OpAudit | None = None  # the audit of the call in progress, whichever thread asks

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # else torch wraps __torch_dispatch__ in torch._disable_dynamo: a 1-2 s import

    def __init__(self, counts: Counter[str] | None = None) -> None:
        super().__init__()
        self.ops: Counter[str] = Counter() if counts is None else counts
        self._outer: OpAudit | None = None
        self._thread_audit = counts is not None

    def __enter__(self):
        if not self._thread_audit:
            self._outer, OpAudit.current = OpAudit.current, self
        self._reads = ValueReads(self.ops)
        self._reads.__enter__()
        return super().__enter__()

    def __exit__(self, *exc):
        try:
            return super().__exit__(*exc)
        finally:
            self._reads.__exit__(*exc)
            if not self._thread_audit:
                OpAudit.current = self._outer

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if LAUNCHES.exempt == 0:
            packet = func.overloadpacket
            name = packet.__name__ if func.namespace == "aten" else f"{func.namespace}.{packet.__name__}"
            self.ops[name] += 1
        return out

    def forbidden(self) -> dict[str, int]:
        out = {op: n for op, n in self.ops.items() if op not in ALLOWED_ATEN}
        if self.ops["_local_scalar_dense"] > MAX_SCALAR_READS:  # values read into Python one by one
            out["_local_scalar_dense"] = self.ops["_local_scalar_dense"]
        return out


class ValueReads(TorchFunctionMode):
    """Counts into `counts` the VALUE_READS tensor methods called while it is on (outside autotune's
    benchmarking), as `Tensor.<name>`: not aten operators, so never in ALLOWED_ATEN."""

    def __init__(self, counts: Counter[str]) -> None:
        super().__init__()
        self.counts = counts

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in VALUE_READS and LAUNCHES.exempt == 0:
            self.counts[f"Tensor.{name}"] += 1
        return func(*args, **(kwargs or {}))


def describe_ops(ops: dict[str, int]) -> str:
    return ", ".join(f"{op} x{n}" for op, n in sorted(ops.items(), key=lambda kv: -kv[1]))


def kernel_audit(call, triton_names: set[str]) -> tuple[list[str], list[str], int]:
    """Run `call()` under torch.profiler; return (triton kernels, forbidden kernels, device events seen)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        call()
        torch.cuda.synchronize()
    names = [e.name for e in prof.events() if getattr(e, "device_type", None) == torch.autograd.DeviceType.CUDA]
    triton_seen, forbidden = classify_kernels(names, triton_names)
    return triton_seen, forbidden, len(names)


def classify_kernels(names: list[str], triton_names: set[str]) -> tuple[list[str], list[str]]:
    """(the candidate's Triton kernels, kernels that are neither those nor memset/fill/copy)."""
    triton_seen, forbidden = set(), set()
    for name in names:
        if any(name == t or name.startswith(t + "_") for t in triton_names):
            triton_seen.add(name)
        elif not ALLOWED_KERNEL.search(name):
            forbidden.add(name)
    return sorted(triton_seen), sorted(forbidden)
