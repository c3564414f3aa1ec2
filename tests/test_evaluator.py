"""The evaluator's verdicts on seed-derived candidates, each with one defect (CPU interpreter, small shapes)."""

from __future__ import annotations

import os
import time

import pytest
from conftest import SEED, seed_variant

from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.parent.supervisor import Limits
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status

PROBLEM = load_problem("conv2d_scale_min")
FAST = Limits(start_s=120, import_s=60, compile_s=60, correctness_s=120)

FORWARD = "        return conv_scale_min_triton(x, self.weight, self.bias, self.scale_factor)"
MIN_ALLOC = "    out = torch.empty((N, 1, H_out, W_out), device=y.device, dtype=y.dtype)"


def run(path, **kw):
    kw.setdefault("limits", FAST)
    return evaluate(path, PROBLEM, EvalConfig(shapes="small", **kw))


def test_seed_is_correct_without_timing_on_cpu():
    r = run(SEED)
    assert r.status is Status.correct, r.message
    per_case = {case: sum(c.case == case and c.stage == "trial" for c in r.checks) for case in ("small[0]", "small[1]")}
    assert min(per_case.values()) >= 3 and len(r.checks) >= 30, per_case  # >= 3 trials per case, >= 30 calls
    assert all(c.ok for c in r.checks)
    assert r.max_abs_err is not None and r.max_abs_err < 1e-5
    if not r.device.cuda:
        assert r.timings == [] and "TRITON_INTERPRET" in r.timing_unavailable
        assert r.speedup_vs_eager is None


@pytest.mark.parametrize(
    "name, edits, status, gate, words",
    [
        (
            "wrong_result",
            [("    acc = acc * scale\n", "    acc = acc * scale * 1.01\n")],
            Status.incorrect,
            "correctness",
            ["differs from the reference", "First mismatches"],
        ),
        (
            "syntax_error",
            [("def conv2d_scale_triton(", "def conv2d_scale_triton((")],
            Status.static_error,
            "static",
            ["SyntaxError at line"],
        ),
        (
            "import_error",
            [("import triton\n", "import triton\nimport not_a_real_module\n")],
            Status.compile_error,
            "compile",
            ["ModuleNotFoundError", "not_a_real_module"],
        ),
        ("no_modelnew", [("class ModelNew(", "class ModelFast(")], Status.static_error, "static", ["class ModelNew"]),
        (
            "forward_raises",
            [(FORWARD, "        raise ValueError('boom in forward')")],
            Status.runtime_error,
            "correctness",
            ["ValueError", "boom in forward", "small[0]"],
        ),
        (
            "wrong_shape",
            [(FORWARD, FORWARD + "[:, 0]")],
            Status.incorrect,
            "correctness",
            ["shape (2, 6, 6)", "expected (2, 1, 6, 6)"],
        ),
        (
            "wrong_dtype",
            [(FORWARD, FORWARD + ".double()")],
            Status.incorrect,
            "correctness",
            ["dtype torch.float64", "expected torch.float32"],
        ),
        (
            "nan_output",
            [
                (
                    "    tl.store(out_ptrs, current_min, mask=mask_m)",
                    "    tl.store(out_ptrs, current_min + float('nan'), mask=mask_m)",
                )
            ],
            Status.incorrect,
            "correctness",
            ["NaN/Inf where the reference is finite"],
        ),
        (
            "mutates_input",
            [
                (
                    FORWARD,
                    "        out = conv_scale_min_triton(x, self.weight, self.bias, "
                    "self.scale_factor)\n        x.mul_(0.5)\n        return out",
                )
            ],
            Status.incorrect,
            "correctness",
            ["modified its input #0 in place"],
        ),
        (
            "returns_input_view",
            [(FORWARD, "        return x[:, :1, :-2, :-2]")],
            Status.incorrect,
            "correctness",
            ["returned its input"],
        ),
        (
            "triton_compile_error",
            [("    acc = acc * scale\n", "    acc = acc * tl.no_such_function(scale)\n")],
            None,
            "compile",
            ["no_such_function"],
        ),
    ],
)
def test_defect_gets_status_and_actionable_message(tmp_path, name, edits, status, gate, words):
    # Static bans off: these prove the runtime checks behind them (import os, x.mul_ are banned too).
    r = run(seed_variant(tmp_path, name, edits), trials=1, disable={"bans"})
    if status is not None:
        assert r.status is status, (r.status, r.message)
    else:  # compile error on a GPU; the interpreter reports the same fault while running the kernel
        assert r.status in (Status.compile_error, Status.runtime_error), (r.status, r.message)
    if r.status is not Status.runtime_error:
        assert r.gate == gate
    for w in words:
        assert w in r.message + (r.error_tail or ""), (w, r.message)
    assert r.timings == []


def test_bf16_operands_rejected_under_tf32_but_pass_loose(tmp_path):
    # Same kernel, operands rounded to bf16 before the multiply-accumulate (fp32 accumulation).
    path = seed_variant(
        tmp_path,
        "bf16_operands",
        [
            (
                "                acc += x_vals[:, None] * w_vals[None, :]",
                "                acc += (x_vals.to(tl.bfloat16).to(tl.float32)[:, None]"
                " * w_vals.to(tl.bfloat16).to(tl.float32)[None, :])",
            )
        ],
    )
    strict = run(path, precision="tf32")
    assert strict.status is Status.incorrect, strict.message
    assert strict.max_abs_err > 1e-3
    loose = run(path, precision="loose")
    assert loose.status is Status.correct, loose.message


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def test_hang_times_out_and_leaves_no_process(tmp_path):
    # The forward forks a sleeper (which must die with the jail), then never returns.
    hang = (
        "        import subprocess, time\n"
        "        p = subprocess.Popen(['sleep', '300.125'])\n"
        "        while True:\n            time.sleep(0.1)\n"
    )
    path = seed_variant(tmp_path, "hang", [(FORWARD, hang)])
    t0 = time.monotonic()
    r = run(
        path, trials=1, limits=Limits(start_s=120, import_s=60, compile_s=5, correctness_s=5), disable={"bans"}
    )  # subprocess is banned statically; this proves the group kill
    assert time.monotonic() - t0 < 60
    assert r.status is Status.timeout
    assert "did not finish within 5 s" in r.message and "small[0]" in r.message
    survivors = [
        pid
        for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
        if _alive(pid) and b"300.125" in open(f"/proc/{pid}/cmdline", "rb").read()
    ]
    assert not survivors, "the forked sleeper survived the evaluation"


def test_kernel_that_never_ends_times_out(tmp_path):
    # A volatile load in the condition: the compiler may not prove the loop finite and delete it.
    spin = (
        "    spin = 0\n    while tl.load(y_ptr, volatile=True) > -1e30:  # y is finite: never ends\n        spin += 1\n"
    )
    path = seed_variant(
        tmp_path,
        "kernel_hang",
        [("    out_ptrs = out_ptr + out_offsets\n", spin + "    out_ptrs = out_ptr + out_offsets\n")],
    )
    r = run(path, trials=1, limits=Limits(start_s=120, import_s=60, compile_s=8, correctness_s=8))
    assert r.status is Status.timeout
    assert r.gate == "compile"  # the first call is where it hangs


@pytest.mark.parametrize(
    "name, body, signal_word",
    [
        ("os_exit", "        import os\n        os._exit(3)\n", "exit code 3"),
        ("segfault", "        import ctypes\n        ctypes.string_at(0)\n", "SIGSEGV"),
    ],
)
def test_hard_crash_is_crashed(tmp_path, name, body, signal_word):
    r = run(seed_variant(tmp_path, name, [(FORWARD, body + FORWARD)]), trials=1, disable={"bans"})
    assert r.status is Status.crashed, r.message
    assert signal_word in r.message and "small[0]" in r.message


def test_stdout_flood_is_truncated(tmp_path):
    # 100 MB once (at import): under the jail's file limit (Limits.file_mb, tests/test_limits.py), kept as a tail
    code = "import sys\nsys.stdout.write('x' * 100_000_000)\n" + SEED.read_text()
    (tmp_path / "flood.py").write_text(code)
    r = run(tmp_path / "flood.py", trials=1, disable={"bans"})
    assert r.status is Status.correct, r.message
    assert len(r.stdout_tail) < 5000 and "bytes cut" in r.stdout_tail


def test_autotuned_candidate_runs_under_the_interpreter():
    # triton.autotune benchmarks on a GPU driver; the CPU path takes the first config instead.
    from conftest import FIXTURES, has_cuda

    problem = load_problem(str(FIXTURES / "ncu" / "scale_shift_problem.py"))
    r = evaluate(
        FIXTURES / "ncu" / "autotuned_candidate.py",
        problem,
        EvalConfig(shapes="small", limits=FAST, time=not has_cuda()),
    )
    assert r.status is Status.correct, r.message
