"""The child process: runs one candidate (or the reference baselines) and reports through a file.

    python -m evaluator.worker JOB.json REPORT.json

Started only by `evaluator.sandbox`, in a fresh process and process group. It never reports through
stdout (the candidate owns stdout); after each step it atomically rewrites REPORT.json with the
phase it is in, what it is doing and everything measured so far, so a child that dies or hangs still
leaves evidence the parent can turn into a verdict.

Order, cheap first: reference outputs (computed before any candidate code is imported, fp32, TF32
off) -> import + construct (gate `compile`) -> first call (Triton compiles here) -> correctness trials
on every case -> late calls (LATE_CALLS more checked calls per case, after all trials: an output cache
or a call counter shows here) -> kernel audit (CUDA) -> timing (GPU only) -> a last correctness check
on fresh inputs after timing.

Every candidate call runs under evaluator.trial.Guard: freed memory is filled with NaN first, and
afterwards the Triton launches, the aten operators, leftover threads and the harness's integrity are
audited. A finding rejects the candidate (report["rejection"]: reason, message, where); the parent
turns it into status `incorrect`, gate `audit`.
"""
from __future__ import annotations

import json
import os
import random
import sys
import time
import traceback
from pathlib import Path

import torch

from evaluator.correctness import compare_state
from evaluator.files import write_atomic
from evaluator.inputs import make_inputs
from evaluator.precision import Policy
from evaluator.problem import ShapeCase, apply_mode, build_model, check_deterministic, import_file, snapshot
from evaluator.timing import benchmark
from evaluator.trial import AuditFailure, Guard, digest
from evaluator.trial import verdict as _check
from evaluator.weights import copy_weights

LATE_CALLS = 2


class Report:
    def __init__(self, path: Path):
        self.path = path
        self.data: dict = {"phase": "start", "activity": "", "phase_started": time.time(), "checks": [],
                           "timings": {}, "gate_seconds": {}, "done": False}
        self._t0 = time.perf_counter()

    def phase(self, name: str, activity: str = "") -> None:
        now = time.perf_counter()
        prev = self.data["phase"]
        self.data["gate_seconds"][prev] = self.data["gate_seconds"].get(prev, 0.0) + now - self._t0
        self._t0 = now
        self.data.update(phase=name, activity=activity, phase_started=time.time())
        self.write()

    def activity(self, text: str) -> None:
        self.data["activity"] = text
        self.write()

    def write(self) -> None:
        write_atomic(self.path, json.dumps(self.data))  # the parent never reads half a report


def _clone(args: list) -> list:
    return [a.clone() if isinstance(a, torch.Tensor) else a for a in args]


def _error(exc: BaseException, candidate: str, where: str) -> dict:
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    text = "".join(tb)
    # Frames in the candidate's own file are the ones an LLM can act on; keep them and the error.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return {"type": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)[:4000],
            "where": where, "tail": "\n".join(lines[-30:])[-6000:], "candidate": candidate}


def run(job: dict, report: Report) -> None:
    device = torch.device(job["device"])
    cases = [ShapeCase(**c) for c in job["cases"]]
    policy = Policy(**job["policy"])
    problem = import_file(Path(job["problem_path"]), "_reference")
    report.data["device"] = device_info(device)

    if os.environ.get("TRITON_INTERPRET") == "1":  # before the integrity snapshot and any candidate code
        from evaluator.interpret import autotune_takes_first_config

        autotune_takes_first_config()
    if job["mode"] == "baselines":
        return run_baselines(job, problem, cases, device, report)
    if job["mode"] == "race":
        from evaluator.race import run_race

        return run_race(job, problem, cases, device, report)

    guard = Guard(device, set(job.get("disabled", [])))
    trials = job["trials"]
    late = 0 if "late" in guard.disabled else LATE_CALLS
    # Reference first, before any candidate code runs in this process (the late calls' too).
    report.phase("reference", "computing reference outputs (fp32, TF32 off)")
    refs: dict[str, list] = {}
    rng = random.Random(job["seed"])
    for case in cases:
        refs[case.label] = []
        for trial in range(trials + late):
            torch.manual_seed(rng.getrandbits(62))  # fresh weights and inputs for every trial
            model = build_model(problem, case, device)  # the problem's mode (KernelBench: as constructed)
            args = make_inputs(case, problem, device)
            after = snapshot(model)  # `model` keeps the state before the call: the candidate starts from it
            ref_out = _reference(after, args)
            if trial == 0 and case is cases[0]:  # a second call on the same inputs and weights must agree
                check_deterministic(ref_out, _reference(snapshot(model), args), policy, case.label)
            refs[case.label].append((model, args, ref_out, digest(ref_out), after))

    guard.before_import(policy)
    report.phase("import", "importing the candidate module")
    try:
        module = import_file(Path(job["candidate_path"]), "candidate")
        ModelNew = module.ModelNew
        models = {}
        for case in cases:
            report.activity(f"constructing ModelNew{tuple(case.init)} for {case.label}")
            models[case.label] = apply_mode(ModelNew(*case.init).to(device), problem)
    except BaseException as e:  # noqa: BLE001 - SystemExit from a candidate is an error too
        report.data["error"] = _error(e, job["candidate_path"], report.data["activity"])
        return
    if _reject(report, guard.after_import(module), "after importing the candidate"):
        return

    # All trials of every case, then the late calls: a candidate cannot tell which call is the last.
    calls = [(c, k) for c in cases for k in range(trials)] + [(c, k) for c in cases for k in range(trials, trials + late)]
    first = True
    for case, k in calls:
        ref_model, args, ref_out, fingerprint, ref_after = refs[case.label][k]
        stage = "trial" if k < trials else "late"
        label = f"{case.label} ({case.describe()}), {'trial' if k < trials else 'late call'} {k + 1}"
        if first:
            report.phase("compile", f"first call of ModelNew.forward on {label}")
        try:
            copy_weights(ref_model, models[case.label])
            mine = _clone(args)
            t_call = time.perf_counter()
            out, findings = guard.call(models[case.label], mine)
            call_ms = (time.perf_counter() - t_call) * 1e3  # wall, compile included on a first call
        except BaseException as e:  # noqa: BLE001
            report.data["error"] = _error(e, job["candidate_path"], f"ModelNew.forward on {label}")
            return
        if first:
            report.phase("correctness", f"checking {label}")
            first = False
        findings += guard.tampered(policy, ref_out, fingerprint)
        verdict = _check(out, ref_out, args, mine, policy, findings)
        state = compare_state(ref_after, models[case.label], policy) if verdict["ok"] else None
        if state:  # BatchNorm-style buffers: the candidate's module state must follow the reference's
            verdict.update(ok=False, message=state)
        verdict.update(case=case.label, shapes=case.describe(), trial=k + 1, call_ms=call_ms, stage=stage)
        report.data["checks"].append(verdict)
        report.activity(f"checked {label}")
        if not verdict["ok"]:
            if verdict.get("reason"):  # rejected by the audit, not by the inputs/values checks
                _reject(report, findings, label)
            return

    for case in cases:  # CUDA: which kernels did the GPU run? (a profiled call, once per case)
        report.activity(f"kernel audit of ModelNew.forward on {case.label}")
        found, note = guard.kernels(models[case.label], _clone(refs[case.label][-1][1]))
        if note:
            report.data.setdefault("notes", []).append(note)
        if _reject(report, found, f"kernel audit on {case.label} ({case.describe()})"):
            return

    if job["time"]:
        report.phase("timing", "timing ModelNew")
        for case in [c for c in cases if c.label in job["time_cases"]]:
            ref_model = refs[case.label][0][0]
            model = models[case.label]
            copy_weights(ref_model, model)  # the post-timing check compares against this reference
            report.activity(f"timing ModelNew on {case.label} ({case.describe()})")
            fn, on_rep = guard.timed(model, rng)
            try:
                with torch.no_grad():
                    stats = benchmark(fn, lambda: make_inputs(case, problem, device), on_rep=on_rep,
                                      **job["timing"])
            except AuditFailure as e:
                _reject(report, e.findings, f"timing {case.label} ({case.describe()})")
                return
            report.data["timings"][case.label] = {"candidate": stats}
            report.write()
            # Nothing patched during timing may fake the reference computed next.
            if _reject(report, guard.integrity_findings(), f"after timing {case.label}"):
                return
            # The same model must still be right after the timed calls (no warm-up detection).
            args = make_inputs(case, problem, device)
            expect = _reference(ref_model, args)
            out, findings = guard.call(model, _clone(args))
            findings += guard.tampered(policy, expect)
            verdict = _check(out, expect, args, args, policy, findings)
            verdict.update(case=case.label, shapes=case.describe(), trial=0, stage="after timing",
                           message=("after timing: " + verdict["message"]) if not verdict["ok"] else "")
            report.data["checks"].append(verdict)
            if not verdict["ok"]:
                if verdict.get("reason"):
                    _reject(report, findings, f"after timing {case.label}")
                return
    report.phase("done")


@torch.no_grad()
def _reference(model, args: list):
    """The reference in true fp32: TF32 off for matmul and cuDNN, previous settings restored."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        return model(*_clone(args))
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def _reject(report: Report, findings: list, where: str) -> bool:
    """Record the first audit finding as the rejection; True when there was one."""
    if not findings:
        return False
    report.data["rejection"] = {"reason": findings[0][0], "where": where,
                                "message": " ".join(m for _, m in findings)}
    return True


def run_baselines(job, problem, cases, device, report: Report) -> None:
    """Eager and torch.compile of the reference, PyTorch's default settings, timed like candidates."""
    from evaluator.timing import benchmark

    report.phase("baselines", "timing eager and torch.compile")
    for case in cases:
        torch.manual_seed(job["seed"])
        model = build_model(problem, case, device)
        entry = {}
        for kind, fn in (("eager", model), ("compiled", torch.compile(model))):
            report.activity(f"timing {kind} reference on {case.label} ({case.describe()})")
            with torch.no_grad():
                entry[kind] = benchmark(fn, lambda: make_inputs(case, problem, device), **job["timing"])
        report.data["timings"][case.label] = entry
        report.write()
    report.phase("done")


def device_info(device: torch.device) -> dict:
    import triton

    info = {"cuda": device.type == "cuda", "torch": torch.__version__, "triton": triton.__version__}
    if device.type == "cuda":
        p = torch.cuda.get_device_properties(device)
        info.update(name=p.name, capability=f"{p.major}.{p.minor}", sm_count=p.multi_processor_count,
                    cuda_runtime=torch.version.cuda)
    else:
        info.update(name="cpu (TRITON_INTERPRET=1)")
    return info


def _die_with_parent() -> None:
    """If the evaluating process dies (a lost Ray worker, a killed run), this child dies too: nobody
    would enforce its time limits any more. Linux's PR_SET_PDEATHSIG; elsewhere a no-op."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    parent = int(os.environ.get("KLOOP_PARENT_PID", "0"))
    if parent and os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def main() -> None:
    _die_with_parent()
    job = json.loads(Path(sys.argv[1]).read_text())
    report = Report(Path(sys.argv[2]))
    report.write()
    try:
        run(job, report)
    except BaseException as e:  # noqa: BLE001 - whatever happens, leave evidence
        report.data["error"] = _error(e, job.get("candidate_path", ""), report.data.get("activity", ""))
    report.data["done"] = True
    report.write()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown: a candidate's atexit hooks or threads cannot change the report


if __name__ == "__main__":
    main()
