"""evaluator.parent.ncu: the CSV parser on real H100 captures, and every way profiling can come up empty.

Fixtures are described in tests/fixtures/ncu/README.md (real captures unless named *_handmade.*).
The fake `ncu` executables below stand in for the profiler only to drive the plumbing (timeout, exit
codes, log file); they never pretend to be its output, except where they replay a fixture file.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, SEED, has_cuda, run_cli

from evaluator.parent.evaluation import EvalConfig, evaluate
from evaluator.parent.ncu import (
    DEFAULT_METRICS,
    GPU_TIME,
    _launches,
    _number,
    _why_not,
    foreign_kernels,
    gpu_ms,
    launched,
    parse_csv,
    profile,
)
from evaluator.shared.loader import load_problem
from evaluator.shared.result import Status

NCU = FIXTURES / "ncu"
PROBLEM = load_problem("conv2d_scale_min")
SMALL = PROBLEM.sets["small"][0]
SM, GRID, WARPS, DRAM, L2 = DEFAULT_METRICS


def read(name: str) -> str:
    return (NCU / name).read_text()


def five(sm, grid, warps, dram, l2) -> dict[str, float]:
    return {SM: sm, GRID: grid, WARPS: warps, DRAM: dram, L2: l2}


def test_seed_full_h100_exact_values():
    got = parse_csv(read("seed_full_h100.csv"))  # ncu's stdout, the target's own line among it
    assert got == {
        "channel_min_kernel": five(18.20, 32258, 96.41, 85.54, 12.28),
        "conv2d_scale_kernel": five(39.87, 516128, 74.92, 0.97, 86.33),
    }


def test_seed_full_through_the_evaluator_path():
    got = parse_csv(read("seed_full_h100_evaluator.csv"))
    assert list(got) == ["conv2d_scale_kernel", "channel_min_kernel"]  # launch order
    assert got["conv2d_scale_kernel"] == five(39.87, 516128, 74.92, 0.97, 86.08)
    assert got["channel_min_kernel"] == five(18.27, 32258, 96.19, 85.81, 12.13)


def test_one_kernel():
    assert parse_csv(read("one_kernel_h100.csv")) == {"scale_shift_twice_kernel": five(6.36, 16384, 80.94, 79.51, 50.0)}


def test_autotuned_kernel_launched_twice_keeps_its_full_name_and_the_last_launch():
    got = parse_csv(read("autotuned_twice_h100.csv"))
    name = "scale_shift_elementwise_kernel_with_a_deliberately_long_name_for_ncu"
    assert list(got) == [name]  # the @triton.jit name verbatim: no suffix, no truncation
    assert got[name] == five(12.17, 32768, 82.18, 81.21, 49.57)  # ID 1, not ID 0 (11.86, ..., 79.64)


def test_every_stage_metric_is_measured_on_h100_in_base_units():
    from agent.prompt import load_stages  # each stage's metrics: the seed's five, then its own

    wanted = {m for s in load_stages().values() for m in s.metrics}
    got = parse_csv(read("stage_metrics_odd_h100.csv"))
    assert set(got) == {"conv2d_scale_kernel", "channel_min_kernel"}
    for kernel in got.values():
        assert set(kernel) == wanted
    conv = got["conv2d_scale_kernel"]
    assert conv["gpu__time_duration.sum"] == 29248  # ns
    assert conv["dram__bytes_read.sum"] == 125952  # byte, printed "125,952"
    assert conv["sm__cycles_elapsed.avg.per_second"] == 1990495076.59  # Hz (hopper's stage: the clock ncu saw)
    assert conv["launch__shared_mem_per_block_dynamic"] == 4096
    assert conv["launch__registers_per_thread"] == 40 and conv["launch__waves_per_multiprocessor"] == 0.18


def test_several_launches_sum_extensive_metrics_and_keep_the_last_of_the_others():
    # Derived from a real capture: channel_min's rows repeated as a later launch with other values.
    text = read("stage_metrics_odd_h100.csv")
    rows = [ln for ln in text.splitlines() if ln.startswith('"1",')]
    later = [ln.replace('"1",', '"2",', 1).replace('"9,952"', '"20,000"').replace('"3.33"', '"7.5"') for ln in rows]
    got = parse_csv(text + "\n" + "\n".join(later))["channel_min_kernel"]
    assert got["gpu__time_duration.sum"] == 9952 + 20000
    assert got["dram__bytes_read.sum"] == 2 * 1106944
    assert got[DRAM] == 7.5 and got[GRID] == 36


def test_the_call_s_gpu_time_sums_every_launch_and_needs_all_of_them():
    text = read("stage_metrics_odd_h100.csv")  # a real capture: two launches, conv then channel min
    assert gpu_ms(_launches(text)) == pytest.approx((29248 + 9952) / 1e6)
    without = "\n".join(ln for ln in text.splitlines() if not (ln.startswith('"1",') and "gpu__time_duration" in ln))
    assert gpu_ms(_launches(without)) is None  # one launch without its time: no figure, never a partial sum
    assert gpu_ms({}) is None


def test_unknown_metric_comes_back_na_and_is_left_out():
    got = parse_csv(read("unknown_metric_h100.csv"))
    assert got == {"scale_shift_twice_kernel": five(0.01, 1, 4.04, 0.05, 99.46)}


def test_cxx_kernel_names_with_commas_and_parentheses():
    got = parse_csv(read("unprivileged_torch_ops_h100.txt"))
    assert len(got) == 3
    assert got["void vectorized_elementwise_kernel<4, FillFunctor<float>, std::array<char *, 1>>(int, T2, T3)"] == {
        SM: 6.48
    }


def test_permission_error_and_empty_output_parse_to_nothing():
    assert parse_csv(read("perm_error_handmade.txt")) == {}
    assert parse_csv("") == {}
    header = read("one_kernel_h100.csv").splitlines()[3]
    assert header.startswith('"ID"') and parse_csv(header) == {}


def test_no_kernel_profiled_names_what_ncu_saw():
    text = read("no_kernel_match_h100.csv")  # real: a filter that matched nothing
    assert parse_csv(text) == {}
    why = _why_not(0, text, True, 300, ["no_such_kernel"])
    assert why == (
        "ncu measured no launch of no_such_kernel in the profiled call (exit code 0); "
        "ncu saw only scale_shift_twice_kernel"
    )


def test_units_and_numbers():
    assert _number("516,128", "") == 516128
    assert _number("1.5", "Mbyte") == 1.5e6 and _number("2", "usecond") == 2000
    assert _number("n/a", "") is None and _number("(32258, 1, 1)", "") is None


def _without_ncu() -> str:
    return os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "ncu").exists()
    )


def _fake_ncu(work: Path, body: str) -> Path:
    """An executable named ncu (Python) that sees ncu's argv; put its folder first on PATH. It lives in the
    profile's work folder: ncu runs inside the jail, whose private /tmp hides the rest of tmp_path."""
    bindir = work / "bin"
    bindir.mkdir(parents=True)
    exe = bindir / "ncu"
    exe.write_text(
        f"#!{sys.executable}\nimport os, sys, time\nargs = sys.argv[1:]\n"
        f"log = args[args.index('--log-file') + 1]\n{body}\n"
    )
    exe.chmod(0o755)
    return bindir


def _running(token: str) -> list[int]:
    """PIDs whose command line mentions `token` (the fake ncu's folder)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if token.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


def test_ncu_not_on_path(monkeypatch):
    monkeypatch.setenv("PATH", _without_ncu())
    t0 = time.monotonic()
    p = profile(SEED, PROBLEM, SMALL)
    assert p.metrics is None and p.reason == "ncu not found on PATH"
    assert time.monotonic() - t0 < 5


# What a target that finished its profiled call leaves (a wire.Profiled), written by the fake ncu.
MARK = (
    "open(json.load(open(args[-1]))['done_path'], 'w')"
    ".write('{\"warmup_s\": 1, \"profiled_s\": 0.1, \"correct\": true}')"
)


def _fixture(work: Path, name: str) -> str:
    """A copy of an ncu fixture in ncu's folder of the profile (log/): the jail's minimal root shows the fake
    ncu no other folder of the project."""
    (work / "log" / "fixtures").mkdir(parents=True, exist_ok=True)
    return str(shutil.copy(NCU / name, work / "log" / "fixtures" / name))


def test_permission_error_is_reported(tmp_path, monkeypatch):
    log_text = _fixture(tmp_path / "work", "perm_error_handmade.txt")
    bindir = _fake_ncu(tmp_path / "work", f"open(log, 'w').write(open({log_text!r}).read())\nsys.exit(1)")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", cuda=False)
    assert p.metrics is None and "ERR_NVGPUCTRPERM" in p.reason and "\n" not in p.reason
    assert "NVreg_RestrictProfilingToAdminUsers=0" in p.reason  # what to do about it


def test_replayed_capture_is_parsed_and_ordered_as_asked(tmp_path, monkeypatch):
    # The fake ncu writes the real capture and the marker a finished target leaves.
    capture = _fixture(tmp_path / "work", "seed_full_h100_evaluator.csv")
    bindir = _fake_ncu(
        tmp_path / "work",
        f"open(log, 'w').write(open({capture!r}).read())\nimport json\n" + MARK,
    )
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    metrics = [L2, GRID, "no__such_metric.sum"]
    p = profile(SEED, PROBLEM, SMALL, metrics=metrics, workdir=tmp_path / "work", cuda=False)
    assert p.reason is None and list(p.metrics["conv2d_scale_kernel"])[:2] == [L2, GRID]
    assert p.missing == ["no__such_metric.sum"]
    assert "--kernel-name" not in p.command  # every launch of the call is profiled: foreign ones are evidence
    assert p.command[p.command.index("--print-kernel-base") + 1] == "demangled"  # functors name fill and copy
    assert p.foreign == [] and p.launches == 2 and p.complete  # the whole call, as far as ncu saw it
    assert "--profile-from-start" in p.command and p.command[p.command.index("--clock-control") + 1] == "none"


def test_library_kernels_are_foreign_and_memory_kernels_are_not():
    names = launched(read("unprivileged_torch_ops_h100.txt"))  # real: a fill, an add, a sum, as ncu names them
    assert len(names) == 3 and "FillFunctor<float>" in names[0]
    got = foreign_kernels(names + ["conv2d_scale_kernel"], ["conv2d_scale_kernel"])
    assert got == names[1:]  # the add and the reduction: ATen compute; the fill is allocation
    assert "CUDAFunctorOnSelf_add" in got[0] and "reduce_kernel" in got[1]
    copy = "void unrolled_elementwise_kernel<direct_copy_kernel_cuda(TensorIteratorBase &)::[lambda() (instance 3)]>"
    gemm = "sm90_xmma_gemm_f32f32_tf32f32_f32_tn_n_tilesize128x128x32_warpgroupsize2x1x1_execute_segment_k_off_kernel"
    assert foreign_kernels([copy, gemm, gemm], []) == [gemm]  # a copy is layout; cuBLAS is not, named once
    # what the contract's allocators launch (arange, randn) is allocation too; a reduction is not
    arange = "void elementwise_kernel_with_index<int, arange_cuda_out(const Scalar &, const Scalar &)::[lambda]>"
    randn = "void distribution_elementwise_grid_stride_kernel<float, 4, normal_kernel<...>>(long, PhiloxCudaState)"
    assert foreign_kernels([arange, randn, names[2]], []) == [names[2]]


def test_a_replayed_profile_with_library_kernels_names_them(tmp_path, monkeypatch):
    # The fake ncu replays a real capture of PyTorch's own kernels as the profiled call of the seed.
    capture = _fixture(tmp_path / "work", "unprivileged_torch_ops_h100.txt")
    bindir = _fake_ncu(
        tmp_path / "work",
        f"open(log, 'w').write(open({capture!r}).read())\nimport json\n" + MARK,
    )
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", cuda=False)
    assert p.metrics is None and p.launches == 3  # none of the seed's kernels ran
    assert len(p.foreign) == 2 and "reduce_kernel" in p.foreign[1]


def test_timeout_kills_the_jail(tmp_path, monkeypatch):
    # The fake ncu forks a grandchild in a session of its own: the kill must reach it too.
    bindir = _fake_ncu(
        tmp_path / "work",
        "import subprocess\nsubprocess.Popen(['sleep', '120'], start_new_session=True)\ntime.sleep(120)",
    )
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    t0 = time.monotonic()
    p = profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", timeout_s=2, cuda=False)
    assert p.metrics is None and p.reason.startswith("ncu timed out after 2 s")
    assert time.monotonic() - t0 < 10
    deadline = time.monotonic() + 5  # killed already; on a loaded machine its exit can take a moment to show
    while _running(str(bindir)):
        assert time.monotonic() < deadline, f"ncu outlived its timeout: {_running(str(bindir))}"
        time.sleep(0.1)
    if p.confined:  # the sleep goes with the PID namespace (the kernel finishes that within moments)
        deadline = time.monotonic() + 5
        while [pid for pid in _running("sleep\x00120") if _ns_of(pid) not in (_ns_of("self"), "gone")]:
            assert time.monotonic() < deadline, "a process forked under ncu outlived the jail"
            time.sleep(0.1)


def _ns_of(pid) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return "gone"


def test_ncu_and_its_target_run_in_the_jail(tmp_path, monkeypatch):
    """ncu is the one tool that runs candidate code under it: it gets the candidate's jail, not a
    process of its own beside the evaluator."""
    from evaluator.parent.jail import ROOT

    secret = tmp_path / "outside.txt"  # under /tmp, outside the work folder: hidden by the private /tmp
    secret.write_text("the caller's file")
    monkeypatch.setenv("KLOOP_TEST_API_KEY", "sk-never-in-the-jail")
    body = f"""import json
def writable(folder):
    try:
        open(os.path.join(folder, '.ncu-probe'), 'w').close()
        os.unlink(os.path.join(folder, '.ncu-probe'))
        return True
    except OSError:
        return False
seen = dict(pid=os.getpid(), ppid=os.getppid(), project=writable({str(ROOT)!r}),
            work=writable(os.path.dirname(log)), outside=os.path.exists({str(secret)!r}),
            key='KLOOP_TEST_API_KEY' in os.environ,
            caps=open('/proc/self/status').read().split('CapEff:')[1].split()[0])
open(os.path.join(os.path.dirname(log), 'seen.json'), 'w').write(json.dumps(seen))
"""
    work = tmp_path / "work"
    bindir = _fake_ncu(work, body)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=work, cuda=False)
    assert p.metrics is None  # the fake measured nothing
    seen = json.loads((work / "log" / "seen.json").read_text())
    assert seen["work"] and not seen["key"]  # its own folder is writable; no API key reaches it
    if not p.confined:
        pytest.skip("this host refuses namespaces: ncu ran in its own session only (the candidate too)")
    assert seen["pid"] == 1 and seen["ppid"] == 0  # PID 1 of its own namespace: the evaluator is out of sight
    assert not seen["project"] and not seen["outside"]  # read-only project; the caller's /tmp is hidden
    assert int(seen["caps"], 16) == 0  # no capabilities left


def test_an_exhausted_jail_is_a_reason_not_a_crash(tmp_path, monkeypatch):
    # The fake ncu grows past the jail's host-memory limit: killed, reported in one line.
    bindir = _fake_ncu(tmp_path / "work", "hog = b'x' * (400 * 2**20)\ntime.sleep(60)")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", memory_mb=200, cuda=False)
    assert p.metrics is None
    assert p.reason == "ncu and its target went over the jail's host-memory limit (200 MB) and were killed"


def test_target_crash_is_reported(tmp_path, monkeypatch):
    # The fake ncu runs the real target, which has no GPU here and stops before its profiled call.
    bindir = _fake_ncu(tmp_path / "work", "i = args.index('-m') - 1\nos.execv(args[i], args[i:])")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{_without_ncu()}")
    p = profile(SEED, PROBLEM, SMALL, workdir=tmp_path / "work", cuda=False)
    if p.reason and "no CUDA device" not in p.reason:
        pytest.skip("a GPU is present: the target would not crash")
    assert p.metrics is None and p.reason.startswith("the profiled process failed before its profiled call")


def test_evaluation_keeps_its_status_without_ncu(monkeypatch):
    monkeypatch.setenv("PATH", _without_ncu())
    r = evaluate(SEED, PROBLEM, EvalConfig(shapes="small", trials=1, ncu=True))
    assert r.status is Status.correct, r.message
    assert r.ncu is None and r.ncu_reason in ("no CUDA device", "ncu not found on PATH")
    r = evaluate(SEED, PROBLEM, EvalConfig(shapes="small", trials=1))
    assert r.ncu is None and r.ncu_reason == "not requested" and "ncu" not in r.gate_seconds


@pytest.mark.skipif(has_cuda(), reason="the no-GPU path; with a GPU, test_gpu_evaluate_with_ncu covers --ncu")
def test_cli_ncu_flag_without_gpu():
    p = run_cli(
        "-m",
        "evaluator",
        str(SEED),
        "--problem",
        "conv2d_scale_min",
        "--shapes",
        "small",
        "--trials",
        "1",
        "--ncu",
        "--device",
        "cpu",
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ncu: no metrics (no CUDA device)" in p.stdout


@pytest.mark.gpu
def test_gpu_evaluate_with_ncu(tmp_path):
    r = evaluate(SEED, PROBLEM, EvalConfig(shapes="odd", ncu=True, cache_dir=tmp_path, target_ms=20))
    assert r.status is Status.correct, r.message
    if r.ncu is None:
        pytest.skip(f"no NCU metrics on this machine: {r.ncu_reason}")
    assert set(r.ncu) == {"conv2d_scale_kernel", "channel_min_kernel"}
    # the stage's metrics, and the GPU time ncu always collects (evaluation.NCU_TIME's bound on a forged timer)
    assert all(set(DEFAULT_METRICS) <= set(v) <= set(DEFAULT_METRICS) | {GPU_TIME} for v in r.ncu.values()), r.ncu
    assert r.ncu["conv2d_scale_kernel"][GRID] == 284 and r.gate_seconds["ncu"] > 0


@pytest.mark.gpu
def test_gpu_evaluate_with_ncu_stripped_from_path(monkeypatch):
    monkeypatch.setenv("PATH", _without_ncu())
    r = evaluate(SEED, PROBLEM, EvalConfig(shapes="odd", trials=1, ncu=True, target_ms=20))  # ncu profiles a timed case
    assert r.status is Status.correct and r.ncu is None and r.ncu_reason == "ncu not found on PATH"
