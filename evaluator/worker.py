"""The child process: runs one candidate (or the reference baselines) and reports through a file.

    python -m evaluator.worker JOB.json REPORT.json

Started only by `evaluator.sandbox`, in a fresh process and process group. It never reports through
stdout (the candidate owns stdout); after each step it atomically rewrites REPORT.json with the
phase it is in, what it is doing and everything measured so far, so a child that dies or hangs still
leaves evidence the parent can turn into a verdict.

Order, cheap first: reference outputs (computed before any candidate code is imported, fp32, TF32
off) -> import + construct (gate `compile`) -> first call (Triton compiles here) -> correctness trials
on every case -> timing (GPU only) -> a last correctness check on fresh inputs after timing.
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

from evaluator.correctness import compare
from evaluator.precision import Policy
from evaluator.problem import ShapeCase, import_file
from evaluator.weights import copy_weights


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
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data))
        os.replace(tmp, self.path)  # atomic: the parent never reads half a report


def make_inputs(case: ShapeCase, problem_module, device: torch.device) -> list:
    """Fresh random inputs for one case, from the global RNG (the caller seeds it)."""
    if any(s.dist == "get_inputs" for s in case.inputs):
        return [x.to(device) if isinstance(x, torch.Tensor) else x for x in problem_module.get_inputs()]
    out = []
    for spec in case.inputs:
        if spec.shape is None:
            out.append(spec.value)
            continue
        dtype = getattr(torch, spec.dtype)
        draw = torch.rand if spec.dist == "rand" else torch.randn
        out.append(draw(*spec.shape, dtype=dtype, device=device))
    return out


def _clone(args: list) -> list:
    return [a.clone() if isinstance(a, torch.Tensor) else a for a in args]


def _error(exc: BaseException, candidate: str, where: str) -> dict:
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    text = "".join(tb)
    # Frames in the candidate's own file are the ones an LLM can act on; keep them and the error.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return {"type": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)[:4000],
            "where": where, "tail": "\n".join(lines[-30:])[-6000:], "candidate": candidate}


def _shares_memory(out, args: list) -> bool:
    outs = out if isinstance(out, (list, tuple)) else [out]
    ptrs = {a.untyped_storage().data_ptr() for a in args if isinstance(a, torch.Tensor)}
    return any(isinstance(o, torch.Tensor) and o.untyped_storage().data_ptr() in ptrs for o in outs)


def run(job: dict, report: Report) -> None:
    device = torch.device(job["device"])
    cases = [ShapeCase(**c) for c in job["cases"]]
    policy = Policy(**job["policy"])
    problem = import_file(Path(job["problem_path"]), "_reference")
    report.data["device"] = device_info(device)

    if job["mode"] == "baselines":
        return run_baselines(job, problem, cases, device, report)

    # Reference first, before any candidate code runs in this process.
    report.phase("reference", "computing reference outputs (fp32, TF32 off)")
    refs: dict[str, list] = {}
    rng = random.Random(job["seed"])
    for case in cases:
        refs[case.label] = []
        for trial in range(job["trials"]):
            torch.manual_seed(rng.getrandbits(62))  # fresh weights and inputs for every trial
            model = problem.Model(*case.init).to(device).eval()
            args = make_inputs(case, problem, device)
            refs[case.label].append((model, args, _reference(model, args)))

    report.phase("import", "importing the candidate module")
    try:
        module = import_file(Path(job["candidate_path"]), "candidate")
        ModelNew = module.ModelNew
        models = {}
        for case in cases:
            report.activity(f"constructing ModelNew{tuple(case.init)} for {case.label}")
            models[case.label] = ModelNew(*case.init).to(device).eval()
    except BaseException as e:  # noqa: BLE001 - SystemExit from a candidate is an error too
        report.data["error"] = _error(e, job["candidate_path"], report.data["activity"])
        return

    first = True
    for case in cases:
        for trial, (ref_model, args, ref_out) in enumerate(refs[case.label]):
            label = f"{case.label} ({case.describe()}), trial {trial + 1}"
            if first:
                report.phase("compile", f"first call of ModelNew.forward on {label}")
            try:
                copy_weights(ref_model, models[case.label])
                mine = _clone(args)
                t_call = time.perf_counter()
                with torch.no_grad():
                    out = models[case.label](*mine)
                if device.type == "cuda":
                    torch.cuda.synchronize()
                call_ms = (time.perf_counter() - t_call) * 1e3  # wall, compile included on a first call
            except BaseException as e:  # noqa: BLE001
                report.data["error"] = _error(e, job["candidate_path"], f"ModelNew.forward on {label}")
                return
            if first:
                report.phase("correctness", f"checking {label}")
                first = False
            verdict = _check(out, ref_out, args, mine, policy)
            verdict.update(case=case.label, shapes=case.describe(), trial=trial + 1, call_ms=call_ms)
            report.data["checks"].append(verdict)
            report.activity(f"checked {label}")
            if not verdict["ok"]:
                return

    if job["time"]:
        report.phase("timing", "timing ModelNew")
        from evaluator.timing import benchmark

        for case in [c for c in cases if c.label in job["time_cases"]]:
            ref_model, _, _ = refs[case.label][0]
            model = models[case.label]
            copy_weights(ref_model, model)  # the post-timing check compares against this reference
            report.activity(f"timing ModelNew on {case.label} ({case.describe()})")
            with torch.no_grad():
                stats = benchmark(model, lambda: make_inputs(case, problem, device), **job["timing"])
            report.data["timings"][case.label] = {"candidate": stats}
            report.write()
            # The same model must still be right after the timed calls (no warm-up detection).
            args = make_inputs(case, problem, device)
            with torch.no_grad():
                expect = _reference(ref_model, args)
                out = model(*_clone(args))
            verdict = _check(out, expect, args, args, policy)
            verdict.update(case=case.label, shapes=case.describe(), trial=0,
                           message=("after timing: " + verdict["message"]) if not verdict["ok"] else "")
            report.data["checks"].append(verdict)
            if not verdict["ok"]:
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


def _check(out, ref_out, original: list, passed: list, policy: Policy) -> dict:
    for k, (a, b) in enumerate(zip(original, passed)):
        if isinstance(a, torch.Tensor) and a is not b and not torch.equal(a, b):
            return {"ok": False, "message": f"forward modified its input #{k} in place; inputs must be "
                                            "left unchanged (write results to a new tensor)."}
    if _shares_memory(out, passed):
        return {"ok": False, "message": "forward returned its input (or a view of it); allocate the output."}
    return compare(ref_out, out, policy)


def run_baselines(job, problem, cases, device, report: Report) -> None:
    """Eager and torch.compile of the reference, PyTorch's default settings, timed like candidates."""
    from evaluator.timing import benchmark

    report.phase("baselines", "timing eager and torch.compile")
    for case in cases:
        torch.manual_seed(job["seed"])
        model = problem.Model(*case.init).to(device).eval()
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


def main() -> None:
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
