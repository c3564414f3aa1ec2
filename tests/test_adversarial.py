"""The adversarial corpus (tests/adversarial/): every attack is rejected with a named reason, every
fault becomes a clear status, and the honest kernels still pass (CPU interpreter, small shapes).

Each attack is checked twice where it can be: with the static bans on (the verdict an LLM sees
first), and with them off, to prove the runtime defence behind them. Rows with a defence switched off
and the attack passing show that the defence is what stops it. GPU-only cases: test_adversarial_gpu.py.
Evaluations run in parallel (each is a child process), only for the selected tests.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import SEED

from evaluator.evaluate import EvalConfig, evaluate
from evaluator.jail import netns_prefix
from evaluator.problem import load_problem
from evaluator.result import Status
from evaluator.sandbox import Limits
from evaluator.static import static_findings

CORPUS = Path(__file__).resolve().parent / "adversarial"
PROBLEM = load_problem("conv2d_scale_min")
FAST = Limits(start_s=120, import_s=60, compile_s=60, correctness_s=120)

# file -> (a rule among the static findings, a word of the message). The first finding is `reason`.
STATIC = {
    "torch_functional": ("torch_compute", "torch.nn.functional.conv2d"),
    "aten_ops": ("torch_compute", "torch.ops.aten.convolution"),
    "nn_conv_forward": ("nn_module_call", "self.conv(...)"),
    "subclass_model": ("model_subclass", "must subclass nn.Module directly"),
    "matmul_im2col": ("torch_compute", "torch.matmul"),
    "try_fallback": ("torch_compute", "torch.nn.functional.conv2d"),
    "token_slice": ("torch_compute", "torch.conv2d"),
    "background_thread": ("import", "`import threading`"),
    "lazy_subclass": ("tensor_subclass", "subclasses torch.Tensor"),
    "monkeypatch_timer": ("monkeypatch", "`torch.cuda.Event` modifies"),
    "sys_modules_compare": ("import", "`import sys`"),
    "gc_reference": ("import", "`import gc`"),
    "inspect_policy": ("harness_access", "`.f_back`"),
    "side_stream": ("side_stream", "torch.cuda.Stream"),
    "fault_writes_files": ("file_write", "`open` is not allowed"),
    "fault_network": ("network", "network access is not allowed"),
    "fault_setsid_escape": ("import", "`import subprocess`"),
}
# Nothing to see statically: these get their verdict at runtime (or only on a GPU).
STATIC_CLEAN = {"honest_fused", "stale_memory", "cache_by_shape", "cache_by_pointer", "warmup_switch",
                "unlaunched_kernel", "hardcoded_shape", "constant_output", "fault_memory_hog", "fault_alloc_oom",
                "fault_device_assert", "fault_compile_hang"}

BANS_OFF = frozenset({"bans"})
# id: (file, defences off, config overrides, status, gate, reason, words in message)
RUNTIME = {
    "honest_fused": ("honest_fused", frozenset(), {}, Status.correct, "done", None, []),
    "torch_functional": ("torch_functional", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute",
                         ["convolution x1"]),
    "aten_ops": ("aten_ops", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["convolution x1"]),
    "nn_conv_forward": ("nn_conv_forward", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute",
                        ["convolution x1"]),
    "subclass_model": ("subclass_model", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute",
                       ["convolution x1", "min x1"]),
    "matmul_im2col": ("matmul_im2col", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["mm x1"]),
    "try_fallback": ("try_fallback", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["convolution"]),
    "token_slice": ("token_slice", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["amin x1"]),
    "unlaunched_kernel": ("unlaunched_kernel", frozenset(), {}, Status.incorrect, "audit", "no_triton_launch",
                          ["launched no Triton kernel"]),
    "background_thread": ("background_thread", BANS_OFF, {}, Status.incorrect, "audit", "threads",
                          ["left 1 Python thread(s) running"]),
    "lazy_subclass": ("lazy_subclass", BANS_OFF, {}, Status.incorrect, "correctness", None,
                      ["not a plain torch.Tensor"]),
    "monkeypatch_timer": ("monkeypatch_timer", BANS_OFF, {}, Status.incorrect, "audit", "tampering",
                          ["after importing", "torch.cuda.Event was replaced", "time.perf_counter was replaced"]),
    "sys_modules_compare": ("sys_modules_compare", BANS_OFF, {}, Status.incorrect, "audit", "tampering",
                            ["compare was replaced"]),
    "gc_reference": ("gc_reference", BANS_OFF, {}, Status.incorrect, "audit", "tampering",
                     ["reference output changed"]),
    "inspect_policy": ("inspect_policy", BANS_OFF, {}, Status.incorrect, "audit", "tampering",
                       ["precision policy changed"]),
    "stale_memory": ("stale_memory", frozenset(), {}, Status.incorrect, "correctness", None,
                     ["e+38", "poisons fresh memory"]),
    "cache_by_shape": ("cache_by_shape", frozenset(), {}, Status.incorrect, "correctness", None,
                       ["late call 2", "differs from the reference"]),
    "warmup_switch": ("warmup_switch", frozenset(), {"trials": 3}, Status.incorrect, "correctness", None,
                      ["late call 4"]),
    "hardcoded_shape": ("hardcoded_shape", frozenset(), {"shapes": "odd"}, Status.incorrect, "correctness", None,
                        ["odd[0]", "differs from the reference"]),
    "constant_output": ("constant_output", frozenset(), {}, Status.incorrect, "correctness", None,
                        ["differs from the reference"]),
    "fault_alloc_oom": ("fault_alloc_oom", frozenset(), {}, Status.runtime_error, "correctness", None,
                        ["can't allocate memory"]),
    "fault_memory_hog": ("fault_memory_hog", frozenset(), {"limits": Limits(memory_mb=2500)}, Status.crashed,
                         None, "memory", ["MB of host memory (limit 2500 MB)"]),
    # The same attacks with the one defence that stops them switched off: now they pass.
    "torch_functional-no_ops": ("torch_functional", BANS_OFF | {"ops"}, {}, Status.correct, "done", None, []),
    "cache_by_shape-no_late": ("cache_by_shape", frozenset({"late"}), {}, Status.correct, "done", None, []),
    "warmup_switch-no_late": ("warmup_switch", frozenset({"late"}), {"trials": 3}, Status.correct, "done", None, []),
    "sys_modules_compare-no_integrity": ("sys_modules_compare", BANS_OFF | {"integrity"}, {}, Status.correct,
                                         "done", None, []),
    "gc_reference-no_integrity": ("gc_reference", BANS_OFF | {"integrity"}, {}, Status.correct, "done", None, []),
    "inspect_policy-no_integrity": ("inspect_policy", BANS_OFF | {"integrity"}, {}, Status.correct, "done", None,
                                    []),
}
# Faults whose evidence is the candidate's own stdout (bans off: the static bans stop them first).
PROBES = {
    "writes": ("fault_writes_files", BANS_OFF),
    "network": ("fault_network", BANS_OFF),
    "escape": ("fault_setsid_escape", BANS_OFF),
    "cache_by_pointer": ("cache_by_pointer", frozenset()),
    "seed": (None, frozenset()),
}


def _evaluate(name: str | None, disable: frozenset, overrides: dict):
    kw = dict(shapes="small", trials=1, device="cpu", limits=FAST, disable=set(disable))
    kw.update(overrides)
    return evaluate(SEED if name is None else CORPUS / f"{name}.py", PROBLEM, EvalConfig(**kw))


@pytest.fixture(scope="module")
def results(request):
    """{id: future of EvalResult} for the selected tests of this module, evaluated in parallel."""
    wanted = set()
    for item in request.session.items:
        if item.module is request.module and hasattr(item, "callspec"):
            wanted |= {v for k, v in item.callspec.params.items() if k in ("case", "probe")}
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
        futures = {}
        for key in sorted(wanted):
            if key in RUNTIME:
                name, disable, overrides, *_ = RUNTIME[key]
                futures[key] = pool.submit(_evaluate, name, disable, overrides)
            elif key in PROBES:
                name, disable = PROBES[key]
                futures[key] = pool.submit(_evaluate, name, disable, {})
        yield futures


def test_every_corpus_file_has_a_verdict():
    files = {p.stem for p in CORPUS.glob("*.py")}
    assert files == set(STATIC) | STATIC_CLEAN, "give each corpus file an expected verdict here"
    assert not set(STATIC) & STATIC_CLEAN


@pytest.mark.parametrize("name", sorted(STATIC))
def test_static_gate_names_the_construct(name):
    r = evaluate(CORPUS / f"{name}.py", PROBLEM, EvalConfig(shapes="small", device="cpu"))
    rule, word = STATIC[name]
    found = static_findings((CORPUS / f"{name}.py").read_text())
    assert r.status is Status.static_error and r.gate == "static"
    assert r.reason == found[0].rule and rule in {f.rule for f in found}, [(f.rule, f.message) for f in found]
    assert word in r.message and re.search(r"Line \d+: ", r.message), r.message


@pytest.mark.parametrize("name", sorted(STATIC_CLEAN))
def test_static_gate_passes_what_only_runtime_can_judge(name):
    assert static_findings((CORPUS / f"{name}.py").read_text()) == []


@pytest.mark.parametrize("case", sorted(RUNTIME))
def test_runtime_verdict(results, case):
    _, _, _, status, gate, reason, words = RUNTIME[case]
    r = results[case].result()
    assert r.status is status, (r.status, r.gate, r.reason, r.message)
    assert gate is None or r.gate == gate, (r.gate, r.message)
    assert r.reason == reason, (r.reason, r.message)
    for w in words:
        assert w in r.message, (w, r.message)
    if status is Status.correct:
        assert r.message == "" and all(c.ok for c in r.checks)


@pytest.mark.parametrize("probe", ["seed"])
def test_seed_passes_every_defence_with_late_calls(results, probe):
    r = results[probe].result()
    assert r.status is Status.correct, r.message
    assert [c.stage for c in r.checks] == ["trial", "late", "late"]


@pytest.mark.parametrize("probe", ["cache_by_pointer"])
def test_pointer_cache_never_passes_on_a_hit(results, probe):
    r = results[probe].result()
    # A hit hands back a stale output (fresh inputs every call); a miss was an honest call.
    if "cache hit" in r.stdout_tail:
        assert r.status is Status.incorrect and "differs from the reference" in r.message, r.message
    else:
        assert r.status is Status.correct, r.message


@pytest.mark.parametrize("probe", ["writes"])
def test_writes_land_in_the_private_temp_folder(results, probe):
    r = results[probe].result()
    assert r.status is Status.correct, r.message
    home, tmp = re.search(r"WROTE (\S+) (\S+)", r.stdout_tail).groups()
    for path in (home, tmp):
        assert "kloop-eval-" in path and not Path(path).exists(), path  # inside, and deleted with it
    assert not (Path.home() / "kloop_probe.txt").exists()


@pytest.mark.parametrize("probe", ["network"])
def test_no_network_inside_the_namespace(results, probe):
    r = results[probe].result()
    assert r.status is Status.correct, r.message
    if not netns_prefix(cuda=False):
        pytest.skip("unshare -rn does not work here: the worker runs without its own network namespace")
    assert re.search(r"NET lo reached: (?!yes)", r.stdout_tail), r.stdout_tail


@pytest.mark.parametrize("probe", ["escape"])
def test_setsid_escapee_is_killed(results, probe):
    r = results[probe].result()
    pid = int(re.search(r"ESCAPEE (\d+)", r.stdout_tail).group(1))
    try:
        with open(f"/proc/{pid}/stat") as f:
            alive = f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        alive = False
    if alive:
        os.kill(pid, 9)
    assert not alive, "a process that left the group with setsid survived the evaluation"
