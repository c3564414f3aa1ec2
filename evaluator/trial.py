"""One candidate call under every runtime guard, and what the guards found (inside the worker).

    from evaluator.trial import Guard
    guard = Guard(device, disabled=set())
    ref_out = guard.reference(ref_model, args)      # also learns the sizes the reference frees
    guard.before_import(policy)                     # launch counter, integrity snapshot, threads
    findings = guard.after_import()                 # [(reason, message)]
    out, findings = guard.call(model, args)         # poison -> call -> audit
    findings += guard.kernels(model, args)          # CUDA: what the GPU ran (torch.profiler)
    fn, on_rep = guard.timed(model, rng)            # for evaluator.timing.benchmark

A finding is (reason, message): `reason` a short slug (torch_compute, torch_kernels,
no_triton_launch, threads, tampering), `message` a sentence an LLM can act on. `disabled` switches
single defences off, for tests that prove each one matters.
"""
from __future__ import annotations

import hashlib
import random

import torch

from evaluator.audit import LAUNCHES, OpAudit, describe_ops, install_launch_counter, kernel_audit
from evaluator.guards import Integrity, live_threads, poison_free_memory, thread_names

TORCH_HINT = ("The result must be computed by your Triton kernels; PyTorch may only allocate, copy and "
              "reshape (torch.empty/zeros/full, .contiguous(), .to(), views, F.pad).")
AUDITED_REP_P = 0.05  # fraction of timed repetitions that also run under the operator audit


def digest(t) -> str:
    """Fingerprint of a reference output, to notice it being overwritten (e.g. found through gc)."""
    ts = t if isinstance(t, (list, tuple)) else [t]
    h = hashlib.blake2b(digest_size=16)
    for x in ts:
        if isinstance(x, torch.Tensor):
            h.update(x.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


class Guard:
    def __init__(self, device: torch.device, disabled: set[str] | frozenset[str] = frozenset()):
        self.device = device
        self.disabled = set(disabled)
        self.freed_sizes: list[int] = []
        self.integrity: Integrity | None = None
        self.threads: set[int] = set()
        self.policy: tuple = ()

    def on(self, defence: str) -> bool:
        return defence not in self.disabled

    def reference(self, run):
        """`run()` computes the reference; on the CPU, note the sizes of what it allocates and frees."""
        if self.device.type == "cuda" or not self.on("poison"):
            return run()
        with OpAudit() as ops:
            out = run()
        self.freed_sizes = sorted(set(self.freed_sizes) | set(ops.out_bytes))[-64:]
        return out

    def before_import(self, policy) -> None:
        install_launch_counter()
        self.policy = tuple(sorted(policy.model_dump().items()))
        self.integrity = Integrity.snapshot() if self.on("integrity") else None
        self.threads = live_threads()

    def after_import(self) -> list[tuple[str, str]]:
        return self._threads("importing the candidate") + self._integrity()

    def _threads(self, what: str) -> list[tuple[str, str]]:
        extra = live_threads() - self.threads
        if not extra or not self.on("threads"):
            return []
        return [("threads", f"{what} left {len(extra)} Python thread(s) running ({', '.join(thread_names(extra))}); "
                            "forward must finish all its work before it returns, on the calling thread: "
                            "work done by a background thread escapes the timer.")]

    def integrity_findings(self) -> list[tuple[str, str]]:
        return self._threads("the candidate") + self._integrity()

    def _integrity(self, quick: bool = False) -> list[tuple[str, str]]:
        if self.integrity is None:
            return []
        changed = self.integrity.quick_changed() if quick else self.integrity.changed()
        if not changed:
            return []
        return [("tampering", f"the evaluation harness was modified: {'; '.join(changed)}. A kernel module "
                              "must not monkeypatch torch, triton, time or the evaluator.")]

    def policy_changed(self, policy) -> list[tuple[str, str]]:
        if tuple(sorted(policy.model_dump().items())) == self.policy:
            return []
        return [("tampering", "the evaluation harness was modified: the precision policy changed during the call.")]

    def call(self, model, args: list):
        """Poison freed memory, call forward, synchronise, then audit. Returns (out, findings)."""
        if self.on("poison"):
            poison_free_memory(self.device, self.freed_sizes)
        LAUNCHES.reset()
        audit = OpAudit() if self.on("audit") else None
        before = live_threads()
        with torch.no_grad():
            if audit is not None:
                with audit:
                    out = model(*args)
            else:
                out = model(*args)
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        self.threads |= before
        findings = self._threads("forward")
        self.threads |= live_threads()  # report a thread once, not on every later call
        return out, findings + self._audit(audit) + self._integrity()

    def _audit(self, audit: OpAudit | None) -> list[tuple[str, str]]:
        if audit is None:
            return []
        found = []
        if LAUNCHES.count == 0:
            found.append(("no_triton_launch", "forward launched no Triton kernel: the work must be done by "
                                              "@triton.jit kernels launched as kernel[grid](...) on every call."))
        bad = audit.forbidden()
        if bad:
            found.append(("torch_compute", f"forward ran PyTorch compute operators: {describe_ops(bad)}. "
                                           + TORCH_HINT))
        return found

    def kernels(self, model, args: list) -> tuple[list[tuple[str, str]], str | None]:
        """CUDA only: the GPU kernels one forward ran. Returns (findings, note when the audit saw nothing)."""
        if self.device.type != "cuda" or not self.on("audit"):
            return [], None
        names = self._names(model)
        with torch.no_grad():
            triton_seen, forbidden, n = kernel_audit(lambda: model(*args), names)
        if n == 0:
            return [], "kernel audit skipped: torch.profiler recorded no CUDA activity (CUPTI unavailable?)"
        found = []
        if forbidden:
            shown = "; ".join(name[:120] for name in forbidden[:5])
            found.append(("torch_kernels", f"forward ran GPU kernels that are not its Triton kernels: {shown}. "
                                           + TORCH_HINT))
        if not triton_seen:
            found.append(("no_triton_launch", "the GPU ran none of the candidate's Triton kernels during forward."))
        return found, None

    @staticmethod
    def _names(model) -> set[str]:
        import sys

        mod = sys.modules.get(type(model).__module__)
        names = set()
        for value in list(vars(mod).values()) if mod else []:
            try:
                fn = getattr(value, "fn", None)
                while fn is not None and not hasattr(fn, "__code__"):
                    fn = getattr(fn, "fn", None)  # Autotuner -> Heuristics -> JITFunction -> function
                if fn is not None:
                    names.add(fn.__name__)
            except Exception:  # noqa: BLE001 - an object that raises on attribute access
                continue
        return names | set(LAUNCHES.names)

    def timed(self, model, rng: random.Random):
        """(fn, on_rep) for benchmark(): threads checked on every rep, the operator audit on a few."""
        findings: list[tuple[str, str]] = []

        def fn(*args):
            before = live_threads()
            if rng.random() < AUDITED_REP_P and self.on("audit"):
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


class AuditFailure(Exception):
    def __init__(self, findings: list[tuple[str, str]]):
        super().__init__(findings[0][1])
        self.findings = findings
