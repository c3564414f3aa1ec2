"""One candidate call under every runtime guard, and what the guards found (inside the candidate's process).

    from evaluator.child.trial import Trial
    trial = Trial(device, disabled=set())
    trial.before_import()                           # launch counter, integrity snapshot, threads
    findings = trial.after_import(module)           # [(reason, message)]
    out, findings = trial.call(model, args)         # poison -> call -> audit
    out, _ = trial.call(model, args, knockout=True) # every Triton launch a no-op (evaluator.parent.calls)
    findings, note = trial.kernels(model, args)     # CUDA: what the GPU ran (torch.profiler)
    fn, on_rep = trial.timed(model, rng)            # for evaluator.shared.timing.benchmark

A finding is (reason, message): `reason` a short slug (torch_compute, torch_kernels,
no_triton_launch, threads, tampering), `message` a sentence an LLM can act on. These run in the
candidate's own process, so a finding can only count against it: the verdict on the values is the
oracle's (evaluator.oracle.oracle). `disabled` switches single defences off, for tests that prove each one
matters: ops (aten audit and launch count), kernels (GPU profiler audit), poison, threads, integrity.
"""

from __future__ import annotations

import random

import torch

from evaluator.child.audit import (
    LAUNCHES,
    OpAudit,
    describe_ops,
    install_launch_counter,
    kernel_audit,
)
from evaluator.child.guards import (
    Integrity,
    live_threads,
    thread_names,
)
from evaluator.shared.rules import TORCH_HINT
from evaluator.shared.timing import poison_free_memory

AUDITED_REP_P = 0.05  # fraction of timed repetitions that also run under the operator audit


class Trial:
    def __init__(self, device: torch.device, disabled: set[str] | frozenset[str] = frozenset()):
        self.device = device
        self.disabled = set(disabled)
        self.integrity: Integrity | None = None
        self.threads: set[int] = set()
        self.kernel_names: set[str] = set()

    def on(self, defence: str) -> bool:
        return defence not in self.disabled

    def before_import(self) -> None:
        install_launch_counter()
        self.integrity = Integrity.snapshot() if self.on("integrity") else None
        self.threads = live_threads()

    def after_import(self, module) -> list[tuple[str, str]]:
        self.kernel_names = _kernel_names(module)
        return self._threads("importing the candidate") + self._integrity()

    def _threads(self, what: str) -> list[tuple[str, str]]:
        extra = live_threads() - self.threads
        if not extra or not self.on("threads"):
            return []
        return [
            (
                "threads",
                (
                    f"{what} left {len(extra)} Python thread(s) running ({', '.join(thread_names(extra))}); "
                    "forward must finish all its work before it returns, on the calling thread: "
                    "work done by a background thread escapes the timer."
                ),
            )
        ]

    def integrity_findings(self) -> list[tuple[str, str]]:
        return self._threads("the candidate") + self._integrity()

    def _integrity(self, quick: bool = False) -> list[tuple[str, str]]:
        if self.integrity is None:
            return []
        changed = self.integrity.quick_changed() if quick else self.integrity.changed()
        if not changed:
            return []
        return [
            (
                "tampering",
                (
                    f"the evaluation harness was modified: {'; '.join(changed)}. A kernel module "
                    "must not monkeypatch torch, triton, time or the evaluator."
                ),
            )
        ]

    def call(self, model, args: list, knockout: bool = False):
        """Poison freed memory, call forward, synchronise, then audit. Returns (out, findings).
        With `knockout`, every Triton launch returns without running (the output should be garbage)."""
        if self.on("poison") and self.device.type == "cuda":  # CPU workers: MALLOC_PERTURB_ (evaluator.parent.jail)
            poison_free_memory(self.device)  # (timed repetitions: timing.prepare_repetition)
        LAUNCHES.reset()
        audit = OpAudit() if self.on("ops") else None
        before = live_threads()
        LAUNCHES.knockout = knockout
        try:
            with torch.no_grad():
                if audit is not None:
                    with audit:
                        out = model(*args)
                else:
                    out = model(*args)
            if self.device.type == "cuda":
                torch.cuda.synchronize()
        finally:
            LAUNCHES.knockout = False
        self.threads |= before
        findings = self._threads("forward")
        self.threads |= live_threads()  # report a thread once, not on every later call
        return out, findings + self._audit(audit) + self._integrity()

    def _audit(self, audit: OpAudit | None) -> list[tuple[str, str]]:
        if audit is None:
            return []
        found = []
        if LAUNCHES.count == 0:
            found.append(
                (
                    "no_triton_launch",
                    (
                        "forward launched no Triton kernel: the work must be done by "
                        "@triton.jit kernels launched as kernel[grid](...) on every call."
                    ),
                )
            )
        bad = audit.forbidden()
        if bad:
            reads = (
                " (_local_scalar_dense: a tensor's values read into Python one by one, by float(t), int(t) or a "
                "loop over a tensor; Python arithmetic on them is not Triton's)"
                if "_local_scalar_dense" in bad
                else " (Tensor.__repr__, __format__, tolist: a tensor's values printed or listed into Python)"
                if any(op.startswith("Tensor.") for op in bad)
                else ""
            )
            found.append(
                ("torch_compute", f"forward ran PyTorch compute operators: {describe_ops(bad)}{reads}. " + TORCH_HINT)
            )
        return found

    def kernels(self, model, args: list) -> tuple[list[tuple[str, str]], str | None]:
        """CUDA only: the GPU kernels one forward ran. Returns (findings, note when the audit saw nothing)."""
        if self.device.type != "cuda" or not self.on("kernels"):
            return [], None
        with torch.no_grad():
            triton_seen, forbidden, n = kernel_audit(lambda: model(*args), self.kernel_names | LAUNCHES.names)
        if n == 0:
            return [], "kernel audit skipped: torch.profiler recorded no CUDA activity (CUPTI unavailable?)"
        found = []
        if forbidden:
            shown = "; ".join(name[:120] for name in forbidden[:5])
            found.append(
                ("torch_kernels", f"forward ran GPU kernels that are not its Triton kernels: {shown}. " + TORCH_HINT)
            )
        if not triton_seen:
            found.append(("no_triton_launch", "the GPU ran none of the candidate's Triton kernels during forward."))
        return found, None

    def timed(self, model, rng: random.Random):
        """(fn, on_rep) for benchmark(): threads checked on every rep, the operator audit on a few."""
        findings: list[tuple[str, str]] = []
        reps = [0]

        def fn(*args):
            before = live_threads()
            reps[0] += 1
            if (reps[0] == 1 or rng.random() < AUDITED_REP_P) and self.on("ops"):  # the first, then at random
                LAUNCHES.reset()
                with OpAudit() as audit:
                    model(*args)
                findings.extend(self._audit(audit))
            else:
                model(*args)
            self.threads |= before
            findings.extend(self._threads("a timed forward"))  # alive at return: may run after the timer

        def on_rep():
            findings.extend(self._integrity(quick=True))
            if findings:
                raise AuditFailure(findings)

        return fn, on_rep


def _kernel_names(module) -> set[str]:
    """Names of the module's Triton kernels: the GPU kernels they compile to carry these names."""
    names = set()
    for value in list(vars(module).values()):
        try:
            fn = getattr(value, "fn", None)
            while fn is not None and not hasattr(fn, "__code__"):
                fn = getattr(fn, "fn", None)  # Autotuner -> Heuristics -> JITFunction -> function
            if fn is not None:
                names.add(fn.__name__)
        except Exception:  # noqa: BLE001 - an object that raises on attribute access
            continue
    return names


def shares_memory(out, args: list) -> bool:
    outs = out if isinstance(out, (list, tuple)) else [out]
    ptrs = {a.untyped_storage().data_ptr() for a in args if isinstance(a, torch.Tensor)}
    return any(isinstance(o, torch.Tensor) and o.untyped_storage().data_ptr() in ptrs for o in outs)


class AuditFailure(Exception):
    def __init__(self, findings: list[tuple[str, str]]):
        super().__init__(findings[0][1])
        self.findings = findings
