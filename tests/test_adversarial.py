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

from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.parent.jail import probe
from evaluator.parent.supervisor import Limits
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status
from evaluator.static import static_findings

CORPUS = Path(__file__).resolve().parent / "adversarial"
PROBLEM = load_problem("conv2d_scale_min")
FAST = Limits(start_s=120, import_s=60, compile_s=60, correctness_s=240)
FEW_CALLS = 8  # checked calls per evaluation here (the default 30 is tested by flaky_10pct and the seed)
NAMESPACES = probe(cuda=False) is None  # what holds without them: README "Trust"

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
    "thread_worker": ("import", "`import threading`"),
    "lazy_subclass": ("tensor_subclass", "subclasses torch.Tensor"),
    "monkeypatch_timer": ("monkeypatch", "`torch.cuda.Event` modifies"),
    "sys_modules_compare": ("import", "`import sys`"),
    "gc_reference": ("import", "`import gc`"),
    "inspect_policy": ("harness_access", "`.f_back`"),
    "side_stream": ("side_stream", "torch.cuda.Stream"),
    "fault_writes_files": ("file_write", "`open` is not allowed"),
    "cache_saboteur": ("import", "`import os`"),
    "fault_network": ("network", "network access is not allowed"),
    "fault_setsid_escape": ("import", "`import subprocess`"),
    "forged_report_alias": ("file_write", "`open` is not allowed"),
    "frame_reader": ("harness_access", "`.f_locals`"),
    "tensor_dunder": ("monkeypatch", "torch.Tensor.__abs__"),
    "timeout_evasion": ("import", "`import time`"),
    "grid_torch": ("harness_access", "getattr with a computed attribute name"),
    "from_file_escape": ("torch_compute", "from_file"),
    "tmp_litter": ("file_write", "`open` is not allowed"),
    "ns_survivor": ("import", "`import subprocess`"),
    "ncu_log_forger": ("import", "`import os`"),
    "planted_links": ("import", "`import os`"),
    "signal_parent": ("import", "`import os`"),
    "env_leak": ("import", "`import os`"),
    "static_recursion_bomb": ("static_error", "could not analyse this source"),
    # Issue 24: refused by the host-code contract (evaluator/static/contract/), an allow-list.
    "pure_python": ("torch_compute", "`.tolist(...)`"),
    "cache_by_pointer": ("builtin", "the builtin `id`"),
    "audit_typing_sys": ("contract_name", "`typing.sys.modules`"),
    "audit_rot13_reduce": ("import", "`import functools`"),
    "audit_tl_builtins": ("contract_name", "is the module builtins"),
    "grid_frame_read": ("contract_name", "is the module inspect"),
    "sentinel_fallback": ("torch_compute", "`.item(...)`"),
    "copy_tolist": ("torch_compute", "`.tolist(...)`"),
    "copy_repr": ("torch_compute", "`repr(t.detach().flatten())`"),
    "copy_torch_result": ("torch_compute", "as a Python operand"),
    "fork_at_import": ("module_level", "runs at import"),
    "helper_process": ("import", "`import os`"),  # its runtime verdict: tests/test_jail.py (the parent's witness)
    "autotune_do_bench": ("autotune_hook", "do_bench"),
    "jit_calls_torch": ("jit_body", "inside a @triton.jit body"),
    "jit_body_computes": ("jit_body", "inside a @triton.jit body"),
    # Session 21 (red team): a module held in a local, an expression called, a private name read
    "audit_submodule_torch": ("module_value", "`torch.nn.parameter`"),
    "planted_inbox": ("import", "`import os`"),
    "ipc_channel": ("import", "`import ctypes`"),
    # Session 22 (red team): an import's name rebound, a tensor laundered through a list, a helper class's __init__
    "alias_numpy": ("rebound_import", "`tl` is the import of triton.language"),
    "launder_container": ("torch_compute", "`float(v)`"),
    "init_region": ("torch_compute", "torch.nn.functional.conv2d"),
}
# Nothing to see statically: these get their verdict at runtime (or only on a GPU).
STATIC_CLEAN = {
    "honest_fused",
    "stale_memory",
    "cache_by_shape",
    "warmup_switch",
    "unlaunched_kernel",
    "hardcoded_shape",
    "constant_output",
    "fault_memory_hog",
    "fault_alloc_oom",
    "fault_device_assert",
    "fault_compile_hang",
    "fp16_downcast",
    "partial_channels",
    "scale_after_min",
    "flaky_10pct",
    "honest_init_preprocess",
    "honest_autotuned",
    "honest_heavy_tl",
}

BANS_OFF = frozenset({"bans"})
# id: (file, defences off, config overrides, status, gate, reason, words in message)
RUNTIME = {
    "honest_fused": ("honest_fused", frozenset(), {}, Status.correct, "done", None, []),
    "torch_functional": (
        "torch_functional",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "torch_compute",
        ["convolution x1"],
    ),
    "aten_ops": ("aten_ops", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["convolution x1"]),
    "ncu_log_forger": ("ncu_log_forger", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["convolution"]),
    "nn_conv_forward": (
        "nn_conv_forward",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "torch_compute",
        ["convolution x1"],
    ),
    "subclass_model": (
        "subclass_model",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "torch_compute",
        ["convolution x1", "min x1"],
    ),
    "matmul_im2col": ("matmul_im2col", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["mm x1"]),
    "try_fallback": ("try_fallback", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["convolution"]),
    "token_slice": ("token_slice", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["amin x1"]),
    # values read into Python with no aten operator (both were correct with the bans off at b8f2041)
    "copy_tolist": ("copy_tolist", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["Tensor.tolist x3"]),
    "copy_repr": ("copy_repr", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["Tensor.__repr__ x3"]),
    "unlaunched_kernel": (
        "unlaunched_kernel",
        frozenset(),
        {},
        Status.incorrect,
        "audit",
        "no_triton_launch",
        ["launched no Triton kernel"],
    ),
    "background_thread": (
        "background_thread",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "threads",
        ["left 1 Python thread(s) running"],
    ),
    "thread_worker": (
        "thread_worker",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "torch_compute",
        ["convolution x1", "amin x1"],
    ),
    "lazy_subclass": (
        "lazy_subclass",
        BANS_OFF,
        {},
        Status.incorrect,
        "correctness",
        None,
        ["not a plain torch.Tensor"],
    ),
    "monkeypatch_timer": (
        "monkeypatch_timer",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "tampering",
        ["after importing", "torch.cuda.Event was replaced", "time.perf_counter was replaced"],
    ),
    # The verdict is computed in the oracle, another process: these find nothing of it to forge.
    "sys_modules_compare": (
        "sys_modules_compare",
        BANS_OFF,
        {},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "gc_reference": (
        "gc_reference",
        BANS_OFF,
        {},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "inspect_policy": (
        "inspect_policy",
        BANS_OFF,
        {},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "frame_reader": (
        "frame_reader",
        BANS_OFF,
        {},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "tensor_dunder": (
        "tensor_dunder",
        BANS_OFF | {"integrity"},
        {},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "forged_report_alias": (
        "forged_report_alias",
        BANS_OFF,
        {},
        Status.crashed,
        "import",
        None,
        ["process died (exit code 0"],
    ),
    "timeout_evasion": (
        "timeout_evasion",
        BANS_OFF,
        {"limits": Limits(compile_s=8)},
        Status.timeout,
        "compile",
        None,
        ["Timed out: the compile phase did not finish within 8 s"],
    ),
    "grid_torch": ("grid_torch", BANS_OFF, {}, Status.incorrect, "audit", "torch_compute", ["convolution x1"]),
    "grid_torch-no_ops": (
        "grid_torch",
        BANS_OFF | {"ops"},
        {},
        Status.incorrect,
        "audit",
        "knockout",
        ["Triton did not compute the result"],
    ),
    # .tolist() reads every value with no aten operator: the function-level read audit sees it (session 24); with
    # the operator audits off, the knockout does; with both off it passes
    "pure_python": (
        "pure_python",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "torch_compute",
        ["Tensor.tolist"],
    ),
    "pure_python-no_ops": (
        "pure_python",
        BANS_OFF | {"ops"},
        {},
        Status.incorrect,
        "audit",
        "knockout",
        ["Triton did not compute the result"],
    ),
    "pure_python-no_knockout": ("pure_python", BANS_OFF | {"knockout", "ops"}, {}, Status.correct, "done", None, []),
    # values read one by one (float(v)): the copy kernel passes the knockout, the audit counts the reads
    "launder_container": (
        "launder_container",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "torch_compute",
        ["_local_scalar_dense", "read into Python"],
    ),
    # Honest controls of issue 24: weight preprocessing in __init__ (item 7) and autotuned kernels.
    "honest_init_preprocess": ("honest_init_preprocess", frozenset(), {}, Status.correct, "done", None, []),
    "honest_autotuned": ("honest_autotuned", frozenset(), {}, Status.correct, "done", None, []),
    "fp16_downcast": (
        "fp16_downcast",
        frozenset(),
        {},
        Status.incorrect,
        "correctness",
        None,
        ["dynamic-range call", "differs from the reference"],
    ),
    "fp16_downcast-loose": ("fp16_downcast", frozenset(), {"precision": "loose"}, Status.correct, "done", None, []),
    "fp16_downcast-no_dynamic": ("fp16_downcast", frozenset({"dynamic"}), {}, Status.correct, "done", None, []),
    "partial_channels": (
        "partial_channels",
        frozenset(),
        {},
        Status.incorrect,
        "correctness",
        None,
        ["small[1] (1x32x6x7)"],
    ),
    "scale_after_min": (
        "scale_after_min",
        frozenset(),
        {},
        Status.incorrect,
        "correctness",
        None,
        ["small[1] (1x32x6x7)"],
    ),
    "flaky_10pct": (
        "flaky_10pct",
        frozenset(),
        {"min_calls": 30},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "stale_memory": (
        "stale_memory",
        frozenset(),
        {},
        Status.incorrect,
        "correctness",
        None,
        ["e+38", "poisons fresh memory"],
    ),
    "cache_by_shape": (
        "cache_by_shape",
        frozenset(),
        {},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "warmup_switch": (
        "warmup_switch",
        frozenset(),
        {"trials": 3},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "hardcoded_shape": (
        "hardcoded_shape",
        frozenset(),
        {"shapes": "odd"},
        Status.incorrect,
        "correctness",
        None,
        ["odd[0]", "differs from the reference"],
    ),
    "constant_output": (
        "constant_output",
        frozenset(),
        {},
        Status.incorrect,
        "correctness",
        None,
        ["differs from the reference"],
    ),
    "fault_alloc_oom": (
        "fault_alloc_oom",
        frozenset(),
        {},
        Status.runtime_error,
        "correctness",
        None,
        ["can't allocate memory"],
    ),
    "jit_body_computes": (
        "jit_body_computes",
        BANS_OFF,
        {},
        Status.incorrect,
        "audit",
        "torch_compute",
        ["mul x"],
    ),
    "fault_memory_hog": (
        "fault_memory_hog",
        frozenset(),
        {"limits": Limits(memory_mb=2500)},
        Status.crashed,
        None,
        "memory",
        ["MB of host memory (", "limit 2500 MB)"],
    ),
    # The same attacks with the one defence that stops them switched off: now they pass.
    "torch_functional-no_ops": (
        "torch_functional",
        BANS_OFF | {"ops", "knockout"},
        {},
        Status.correct,
        "done",
        None,
        [],
    ),
    "cache_by_shape-no_repeat": (
        "cache_by_shape",
        frozenset({"late", "dynamic", "knockout"}),
        {"min_calls": 0},
        Status.correct,
        "done",
        None,
        [],
    ),
}
# Faults whose evidence is the candidate's own stdout (bans off: the static bans stop them first).
PROBES = {
    "writes": ("fault_writes_files", BANS_OFF),
    "network": ("fault_network", BANS_OFF),
    "escape": ("fault_setsid_escape", BANS_OFF),
    "ns_survivor": ("ns_survivor", BANS_OFF),
    "signal_parent": ("signal_parent", BANS_OFF),
    "tmp_litter": ("tmp_litter", BANS_OFF),
    "planted_links": ("planted_links", BANS_OFF),
    "planted_inbox": ("planted_inbox", BANS_OFF),
    "ipc_channel": ("ipc_channel", BANS_OFF),
    "from_file_escape": ("from_file_escape", BANS_OFF),
    # a hit on the knockout call is no pass (bans off: the contract refuses `id`)
    "cache_by_pointer": ("cache_by_pointer", BANS_OFF | {"knockout"}),
    "seed": (None, frozenset()),
}


def _evaluate(name: str | None, disable: frozenset, overrides: dict):
    kw = dict(shapes="small", trials=1, device="cpu", limits=FAST, disable=set(disable), min_calls=FEW_CALLS)
    if name is None:
        kw.pop("min_calls")  # the seed gets the default: at least 30 checked calls
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
    stages = [c.stage for c in r.checks]
    assert len(r.checks) >= 30 and stages[-4:] == ["late"] * 4, stages  # 2 late calls per case
    assert stages.count("dynamic") == 2 and {c.case for c in r.checks} == {"small[0]", "small[1]"}


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


@pytest.fixture(scope="module", autouse=True)
def _host_secret():
    """The host file tests/adversarial/planted_links.py points its stdout at (outside the jail's view)."""
    path = Path("/tmp/kloop-adversarial-host-secret.txt")
    path.write_text(f"sk-host-{os.getpid()}\n")
    yield path
    path.unlink(missing_ok=True)


@pytest.mark.parametrize("probe", ["planted_links"])
def test_the_parent_never_reads_through_a_planted_link(results, probe, _host_secret):
    r = results[probe].result()
    assert r.status is Status.correct, r.message  # the verdict is the computation's
    assert "sk-host-" not in r.stdout_tail + r.stderr_tail + r.message
    assert "candidate.stdout.txt was replaced by something that is not a regular file" in r.stdout_tail
    assert "candidate.stderr.txt was replaced" in r.stderr_tail  # a FIFO: named, never opened to wait


@pytest.mark.parametrize("probe", ["planted_inbox"])
def test_names_planted_in_the_candidates_folder_never_blame_the_reference(results, probe):
    r = results[probe].result()
    # the oracle's inbox in that folder has a name no candidate can guess: the verdict is the computation's
    assert r.status is Status.correct and r.reason != "reference_failed", (r.status, r.reason, r.message)


@pytest.mark.parametrize("probe", ["ipc_channel"])
def test_no_ipc_object_outlives_the_jail(results, probe):
    r = results[probe].result()
    assert r.status is Status.correct, r.message
    if any("seccomp filter could not be set" in n for n in r.notes):
        pytest.skip("this kernel refuses the seccomp filter (noted in the result)")
    said = re.search(r"IPC (.*)", r.stdout_tail)
    assert said and "made" not in said.group(1) and said.group(1).count("Operation not permitted") >= 3, r.stdout_tail


@pytest.mark.parametrize("probe", ["network"])
def test_no_network_inside_the_namespace(results, probe):
    r = results[probe].result()
    assert r.status is Status.correct, r.message
    if not NAMESPACES:
        pytest.skip("namespaces do not work here: the worker runs without its own network namespace")
    assert re.search(r"NET lo reached: (?!yes)", r.stdout_tail), r.stdout_tail


def _alive_with(marker: str) -> list[int]:
    """Host processes whose command line contains `marker` (not zombies)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{name}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and state != "Z":
            found.append(int(name))
    return found


@pytest.mark.parametrize("probe, marker", [("escape", "sleep 3000.75"), ("ns_survivor", "sleep 3001.25")])
def test_no_process_outlives_the_evaluation(results, probe, marker):
    r = results[probe].result()
    if NAMESPACES:  # its sleeping process lives in the jail's PID namespace, where the parent's witness sees it
        assert (r.status, r.reason) == (Status.incorrect, "helper_process"), (r.status, r.reason, r.message)
    else:  # a setsid escape leaves the candidate's descendants: only the group kill and the token sweep find it
        assert r.status is Status.correct or r.reason == "helper_process", r.message
    left = _alive_with(marker)
    for pid in left:
        os.kill(pid, 9)
    assert not left, f"{probe}: processes survived the evaluation: {left}"


@pytest.mark.parametrize("probe", ["signal_parent"])
def test_signals_to_the_parent_reach_nobody(results, probe):
    r = results[probe].result()  # this process is the parent: it is still here to read the result
    assert r.status is Status.correct, r.message
    if NAMESPACES:
        assert "PPID 0" in r.stdout_tail, r.stdout_tail


@pytest.mark.parametrize("probe", ["tmp_litter"])
def test_tmp_litter_vanishes_with_the_jail(results, probe):
    r = results[probe].result()
    assert r.status is Status.correct, r.message
    if not NAMESPACES:
        pytest.skip("no mount namespace here: /tmp is the host's")
    assert "LITTER /tmp" in r.stdout_tail, r.stdout_tail  # written inside...
    assert not Path("/tmp/kloop_litter.bin").exists() and not Path("/dev/shm/kloop_litter.bin").exists()


@pytest.mark.parametrize("probe", ["from_file_escape"])
def test_from_file_cannot_write_the_project(results, probe):
    r = results[probe].result()
    target = Path(__file__).resolve().parent.parent / "runs" / "escape_probe.bin"
    written = target.exists()
    target.unlink(missing_ok=True)
    if not NAMESPACES:
        pytest.skip("no mount namespace here: only the static ban stops from_file")
    assert not written, "a shared from_file mapping wrote into the project"
    # The minimal root has no runs/ at all (only the project's evaluator package); the host view has it read-only.
    said = r.message + (r.error_tail or "")
    assert r.status is Status.compile_error, r.message
    assert "No such file or directory" in said or "Read-only file system" in said, r.message


def test_environment_is_allow_listed(monkeypatch):
    from evaluator.parent.jail import ALLOWED_ENV

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-leak-0123456789")
    monkeypatch.setenv("HF_TOKEN", "hf_leak")
    monkeypatch.setenv("KLOOP_UNLISTED_VARIABLE", "x")
    r = _evaluate("env_leak", BANS_OFF, {"min_calls": 0, "disable": {"bans", "dynamic", "late"}})
    assert r.status is Status.correct, r.message
    line = next(ln for ln in r.stdout_tail.splitlines() if ln.startswith("ENV "))
    assert "sk-test-leak" not in r.stdout_tail and "hf_leak" not in r.stdout_tail
    names = {item.split("=", 1)[0] for item in line[4:].split()}
    ours = {
        "TRITON_CACHE_DIR",
        "PYTHONPATH",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONHASHSEED",
        "PYTHONNOUSERSITE",
        "KLOOP_PARENT_PID",
        "TRITON_INTERPRET",
        "KLOOP_JAIL",
        "KLOOP_FILE_MB",
        "KLOOP_ROOT",
        "KLOOP_TASKS",
        "MALLOC_PERTURB_",
        "GLIBC_TUNABLES",
        "HOME",
        "TMPDIR",
        "TMP",
        "TEMP",
        "XDG_CACHE_HOME",
    }
    assert names and all(n in ours or ALLOWED_ENV.fullmatch(n) for n in names), sorted(names)
    assert not names & {"OPENAI_API_KEY", "HF_TOKEN", "KLOOP_UNLISTED_VARIABLE"}


def test_a_candidate_cannot_poison_the_shared_triton_cache(tmp_path):
    """Honest -> saboteur -> honest with one shared TRITON_CACHE_DIR (as the loop passes): the saboteur's
    writes land in its own cache, the shared one keeps exactly what honest candidates put there, and the
    honest candidate after it is still correct (issue 24, damage across candidates)."""
    shared = tmp_path / "triton_cache"
    shared.mkdir()
    (shared / "entry.json").write_text('{"honest": true}')  # stands for a kernel a rival compiled
    env = {"TRITON_CACHE_DIR": str(shared)}
    sab = _evaluate("cache_saboteur", BANS_OFF, {"env": env})
    assert "POISONED" in sab.stdout_tail, sab.stdout_tail  # it ran, and wrote into the cache it was given
    assert sorted(p.name for p in shared.rglob("*")) == ["entry.json"]
    assert (shared / "entry.json").read_text() == '{"honest": true}'
    after = _evaluate(None, frozenset(), {"env": env, "min_calls": FEW_CALLS})
    assert after.status is Status.correct, (after.status, after.message)
