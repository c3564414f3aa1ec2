"""Nsight Compute metrics of a correct candidate's Triton kernels, measured in an isolated process.

    from evaluator.parent.ncu import profile, parse_csv, DEFAULT_METRICS
    p = profile(Path("cand.py"), problem, problem.sets["full"][0])    # never raises for ncu trouble
    p.metrics    # {"conv2d_scale_kernel": {"launch__grid_size": 516128.0, ...}, ...} or None
    p.reason     # None, or one line on why the trace is not complete ("ncu not found on PATH")
    p.complete   # the launch list is the whole profiled call; p.foreign: what Triton did not compile
    parse_csv(Path("ncu_log.csv").read_text())                      # the same dict, from saved output

`ncu` runs in the candidate's jail (evaluator.parent.jail through evaluator.parent.process.spawn, like every process
that runs candidate code): `evaluator.child.boot --exec` confines it (user, PID, mount and network
namespaces, a read-only view but for its work folder, a private /tmp, no capabilities), then becomes
ncu, which starts `python -m evaluator.worker.profile_target JOB.json` under it. The jail's host-memory limit
holds while it runs, and on timeout the whole jail is killed. Where the host refuses namespaces it runs
as the candidate does there, in its own session and process group (`Profile.confined` is False).
The target runs the evaluation's first call of each case (compile and autotune launches happen there),
then brackets ONE more forward call, drawn as a checked call is (fresh inputs, perturbed weights:
`profile_calls`), with cudaProfilerStart/Stop; ncu runs with `--profile-from-start off`, so
only that call's launches are profiled, with `--clock-control none` (the GPU's real clocks, as timing
sees them). `metrics` holds the candidate's own @triton.jit / @gluon.jit kernels (names from the AST).

Every other kernel of that call is evidence from outside the candidate's process (ncu's front end
reads the GPU's launches; no Python state of the candidate's is consulted): `Profile.foreign` lists
the kernels Triton did not compile and that are not one of PyTorch's memory kernels
(`MEMORY_KERNELS`: fill, copy or cast, concatenation), i.e. cuBLAS, cuDNN or ATen compute, and the
evaluation rejects the candidate for them (reason `foreign_kernel`). `Profile.complete` says the list is
the whole call; without it the evaluation rejects too (`no_trace`), unless `host_fault` (no ncu, counters
not permitted, no jail). The evidence is out of the candidate's reach: ncu logs into a folder of its own
(`log/`), and the target seals its writes to its own folder (`target/`), /dev and /proc with Landlock
before it imports torch or the candidate (evaluator.shared.landlock; `Profile.sealed`).

Numbers are in ncu's base units (`--print-units base`: %, byte, nsecond, counts); "n/a" and
non-numeric values are left out. A kernel launched several times in the profiled call gets one entry:
metrics ending in `.sum` (extensive: time, bytes, instructions) are summed over its launches, so they
describe the whole call; every other metric (percentages, launch configuration) is the LAST launch's,
since ratios do not add and the last launch is the steady state. At most MAX_LAUNCHES launches are
profiled. A metric name ncu does not know, or this GPU does not offer, comes back as "n/a" (seen with
ncu 2025.3.1 on an H100) and is simply absent (`Profile.missing` names it). Nothing here raises for
ncu trouble: `metrics` is None and `reason` says why (no ncu, counters not permitted, timeout, target
crash, empty output).
"""

from __future__ import annotations

import ast
import csv
import os
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.parent.jail import Jail, untrusted_env
from evaluator.parent.process import reap, spawn, tail, watch
from evaluator.shared import landlock
from evaluator.shared.candidate import Candidate
from evaluator.shared.files import read_untrusted
from evaluator.shared.precision import Policy, get_policy
from evaluator.shared.problem import Problem, ShapeCase
from evaluator.shared.wire import CallSpec, Profiled, ProfileJob, WireError, read_message
from evaluator.static import jit_functions

DEFAULT_METRICS = [  # the seed's five (prompts/stages.json, stage "fusion")
    "sm__throughput.avg.pct_of_peak_sustained_elapsed",
    "launch__grid_size",
    "sm__warps_active.avg.pct_of_peak_sustained_active",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed",
    "lts__t_sector_hit_rate.pct",
]
# Always collected beside the metrics asked for: the GPU time of every launch of the profiled call, the
# evaluation's evidence from outside the candidate's process of what one checked call costs (`Profile.gpu_ms`).
GPU_TIME = "gpu__time_duration.sum"
MAX_LAUNCHES = 1000  # profiled launches per call (each costs kernel replays); reaching it leaves the trace incomplete
SEAL_ALSO = ["/dev", "/proc"]  # written by CUDA and the libraries beside the target's folder (device files, /dev/shm)
# PyTorch kernels behind what the host-code contract lets `forward` do (evaluator/static/contract/:
# TENSOR_ALLOC and the copy/cast methods): fill (zeros, ones, full, fill_), copy and cast (contiguous,
# clone, to, copy_), arange, and the random creators (rand, randn, randint and their _like). Matched in
# ncu's demangled names, e.g. "void vectorized_elementwise_kernel<4, FillFunctor<float>, ...>(int, T2,
# T3)". Anything else Triton did not compile is compute done elsewhere.
MEMORY_KERNELS = (
    "FillFunctor<",
    "direct_copy_kernel_cuda",
    "float8_copy_kernel_cuda",
    "CatArrayBatchedCopy",
    "arange_cuda_out",
    "distribution_elementwise_grid_stride_kernel",
    "distribution_nullary_kernel",
)
LOG_TAIL = 4000  # bytes of ncu's output kept in Profile.log
MAX_LOG = 64 << 20  # bytes of ncu's log parsed: about 150,000 launches x 5 metrics, far past MAX_LAUNCHES
_SCALE = {
    "Kbyte": 1e3,
    "Mbyte": 1e6,
    "Gbyte": 1e9,
    "Tbyte": 1e12,  # to ncu's base units
    "us": 1e3,
    "ms": 1e6,
    "usecond": 1e3,
    "msecond": 1e6,
    "second": 1e9,  # to ns
    "Kcycle": 1e3,
    "Mcycle": 1e6,
    "Gcycle": 1e9,
}


@dataclass
class Profile:
    metrics: dict[str, dict[str, float]] | None
    reason: str | None  # why metrics is None; one line
    seconds: float  # wall seconds of the whole profile: ncu start, target compile + warm-up, replays, exit
    missing: list[str] = field(default_factory=list)  # asked for, but "n/a" or absent for every kernel
    command: list[str] = field(default_factory=list)  # the ncu command line
    log: str = ""  # tail of ncu's output (its log file, then the target's stderr)
    confined: bool = False  # ncu and its target ran inside the jail's namespaces
    foreign: list[str] = field(default_factory=list)  # compute kernels of the profiled call Triton did not compile
    launches: int = 0  # kernel launches ncu profiled in that call (at most MAX_LAUNCHES)
    # The launch list is the whole profiled call: ncu and its target exited 0, the target's marker is a
    # wire.Profiled, and ncu saw at least one launch and fewer than MAX_LAUNCHES. Without it, `foreign`
    # can miss what ran: evaluation rejects the candidate unless `host_fault`.
    complete: bool = False
    host_fault: bool = False  # no trace because of the host (no ncu, counters not permitted, no jail)
    sealed: bool = False  # the target sealed its writes away from ncu's log (Landlock; evaluator.shared.landlock)
    # The profiled call's own output against the reference (its marker, wire.Profiled); None: no marker
    output_ok: bool | None = None
    output_message: str = ""
    # GPU milliseconds of the whole profiled call: GPU_TIME summed over every launch ncu saw in it (Triton's,
    # PyTorch's copies, anything else), at the GPU's real clocks; None unless every launch reported it.
    gpu_ms: float | None = None


def _number(value: str, unit: str) -> float | None:
    value = value.strip().replace(",", "")  # thousands separators: "516,128"
    try:
        x = float(value)
    except ValueError:
        return None  # "n/a", "", or a tuple such as "(32258, 1, 1)"
    return x * _SCALE.get(unit.strip(), 1.0)


def parse_csv(text: str) -> dict[str, dict[str, float]]:
    """{kernel: {metric: value}} from ncu's `--csv --page details` output (other lines are ignored)."""
    return _merged(_launches(text))


def _merged(launches: dict[int, tuple[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    merged: dict[str, dict[str, float]] = {}
    for launch in sorted(launches):  # ncu numbers launches in launch order
        name, values = launches[launch]
        kernel = merged.setdefault(name, {})
        for metric, x in values.items():
            kernel[metric] = kernel.get(metric, 0.0) + x if metric.endswith(".sum") else x
    return {k: v for k, v in merged.items() if v}


def gpu_ms(launches: dict[int, tuple[str, dict[str, float]]]) -> float | None:
    """GPU_TIME summed over every launch, in ms; None without launches or where one lacks it."""
    times = [values.get(GPU_TIME) for _, values in launches.values()]
    return sum(times) / 1e6 if times and None not in times else None


def foreign_kernels(names: list[str], own: list[str]) -> list[str]:
    """The names (first seen first, once each) that are neither the candidate's jit functions nor MEMORY_KERNELS."""
    mine = set(own)
    return list(dict.fromkeys(n for n in names if n not in mine and not any(m in n for m in MEMORY_KERNELS)))


def launched(text: str) -> list[str]:
    """Kernel name of every profiled launch, in launch order (values or not)."""
    return _names(_launches(text))


def _names(launches: dict[int, tuple[str, dict[str, float]]]) -> list[str]:
    return [launches[i][0] for i in sorted(launches)]


def _launches(text: str) -> dict[int, tuple[str, dict[str, float]]]:
    launches: dict[int, tuple[str, dict[str, float]]] = {}
    header: dict[str, int] | None = None
    for row in csv.reader(line for line in text.splitlines() if line.startswith('"')):
        if row and row[0] == "ID":
            header = {name: i for i, name in enumerate(row)}
            continue
        need = ("ID", "Kernel Name", "Metric Name", "Metric Value")
        if header is None or len(row) != len(header) or not all(k in header for k in need):
            continue
        try:
            launch = int(row[header["ID"]])
        except ValueError:
            continue
        name = row[header["Kernel Name"]].strip()
        unit = row[header["Metric Unit"]] if "Metric Unit" in header else ""
        x = _number(row[header["Metric Value"]], unit)
        entry = launches.setdefault(launch, (name, {}))[1]
        if x is not None:
            entry[row[header["Metric Name"]]] = x
    return launches


def kernel_names(code: str) -> list[str]:
    return sorted(jit_functions(ast.parse(code)))


def ncu_command(ncu: str, metrics: list[str], log: Path, job: Path) -> list[str]:
    return [
        ncu,
        "--csv",
        "--page",
        "details",
        "--print-units",
        "base",
        "--log-file",
        str(log),
        "--profile-from-start",
        "off",
        "--clock-control",
        "none",
        # Demangled names: a Triton kernel's is its @triton.jit name; PyTorch's keep their template
        # arguments, the functor that says fill or copy ("function" prints only "elementwise_kernel",
        # which on the H200 rejected the promoted kernel's weight re-layout). No name filter: every
        # launch of the call is evidence.
        "--print-kernel-base",
        "demangled",
        "--launch-count",
        str(MAX_LAUNCHES),
        "--metrics",
        ",".join(metrics),
        sys.executable,
        "-m",
        "evaluator.worker.profile_target",
        str(job),
    ]


def _run(
    cmd: list[str], workdir: Path, timeout_s: float, jail: Jail, extra: dict[str, str] | None
) -> tuple[int | str | None, str]:
    """Run ncu in the jail; returns (exit code, None on timeout, or the jail limit it went over: "memory",
    "disk", "processes"; stdout + stderr tail)."""
    proc = spawn(
        jail.around(cmd), workdir, interpret=False, jail=jail, env=extra, name="ncu"
    )  # extra: CUDA_VISIBLE_DEVICES
    try:
        how = watch(proc, time.monotonic() + timeout_s, jail)
    finally:
        reap(proc, jail)  # ncu, its target and anything they forked: the whole jail goes
    rc: int | str | None = None if how == "timeout" else how if how != "exited" else proc.returncode
    return rc, tail(workdir / "ncu.stdout.txt") + tail(workdir / "ncu.stderr.txt")


def _why_not(
    rc: int | str | None, output: str, done: bool, timeout_s: float, kernels: list[str], memory_mb: float = 0
) -> str:
    if rc is None:
        return f"ncu timed out after {timeout_s:.0f} s; ncu, its target and everything in their jail were killed"
    if rc == "memory":
        return f"ncu and its target went over the jail's host-memory limit ({memory_mb:.0f} MB) and were killed"
    if isinstance(rc, str):
        return f"ncu and its target went over the jail's {rc} limit and were killed"
    if rc == 70 and "boot --exec" in output:
        return "the jail could not be made read-only around ncu; not profiled"
    if "ERR_NVGPUCTRPERM" in output:
        return (
            "profiling not permitted (ERR_NVGPUCTRPERM): GPU performance counters are restricted "
            "to admin users on this host, and ncu runs in the candidate's jail without capabilities; "
            "allow them to all users (nvidia module option NVreg_RestrictProfilingToAdminUsers=0) or run with --no-ncu"
        )
    errors = [ln.strip() for ln in output.splitlines() if ln.startswith("==ERROR==")]
    if not done:
        lines = [ln.strip() for ln in output.splitlines() if ln.strip() and not ln.startswith("==")]
        last = (errors or lines or [f"exit code {rc}"])[-1]
        return f"the profiled process failed before its profiled call ({last[:200]})"
    if errors:
        return f"ncu reported an error: {errors[-1][:200]}"
    # ncu ends an empty profile with "No kernels were profiled." and a numbered "Available Kernels:" list.
    seen = (
        re.findall(r"^\s*\d+\.\s+(\S.*)$", output.split("Available Kernels:", 1)[1], re.M)
        if "Available Kernels:" in output
        else []
    )
    saw = f"; ncu saw only {', '.join(seen[:5])[:200]}" if seen else ""
    return f"ncu measured no launch of {', '.join(kernels)} in the profiled call (exit code {rc}){saw}"


def _host_fault(rc: int | str | None, logged: str | None, output: str) -> bool:
    """The profile failed because of the host, whatever the candidate does: counters not permitted (said in
    ncu's own log, which the target cannot write: never its stdout, where the candidate prints what it
    likes), or the jail could not be made around ncu (exit 70 before ncu ever started, so no log at all:
    `logged` is None)."""
    if logged is not None:
        return "ERR_NVGPUCTRPERM" in logged
    return rc == 70 and "boot --exec" in output


def _incomplete(rc: int | str | None, launches: int, done: bool, timeout_s: float) -> str:
    """Why a profile that measured the candidate's kernels is still no complete trace of the call."""
    if launches >= MAX_LAUNCHES:
        return f"ncu stopped at {MAX_LAUNCHES} launches of the profiled call; later launches were not seen"
    if rc is None:
        return f"ncu timed out after {timeout_s:.0f} s; ncu, its target and everything in their jail were killed"
    if isinstance(rc, str):
        return f"ncu and its target went over the jail's {rc} limit and were killed"
    if not done:
        return "the profiled process left no marker after its profiled call"
    return f"ncu or the profiled process exited with code {rc} after the profiled call"


def _marker(rc: int | str | None, done: Path) -> tuple[Profiled | None, str | None]:
    """The profiled process's marker, read once, when it exited on its own (no timeout, no memory kill);
    and one line when what lies in its place is not a wire.Profiled (the candidate runs in that process and
    could write it)."""
    if not isinstance(rc, int) or not os.path.lexists(done):
        return None, None
    try:
        return read_message(done, Profiled), None
    except WireError as e:
        return None, f"the profiled process left a malformed marker after its profiled call ({e})"


def profile(
    candidate: Candidate | Path,
    problem: Problem,
    case: ShapeCase,
    *,
    metrics: list[str] | None = None,
    workdir: Path | None = None,
    timeout_s: float = 300.0,
    cases: list[ShapeCase] | None = None,
    seed: int = 0,
    policy: Policy | None = None,
    ncu: str = "ncu",
    env: dict[str, str] | None = None,
    memory_mb: float | None = None,
    namespaces: bool = True,
    cuda: bool = True,
) -> Profile:
    """Profile one forward call of `candidate` on `case`. `workdir` keeps the files (else a temp dir);
    `env` is added to the child's environment, as EvalConfig.env is for the candidate (a pinned GPU), less
    a shared TRITON_CACHE_DIR (jail.untrusted_env: the target compiles into its own folder);
    `memory_mb` and `namespaces` are the jail's, as evaluator.parent.supervisor.Limits and EvalConfig.disable set
    them for the candidate; `cuda=False` only where the profiled process runs without a GPU (tests that
    stand a fake ncu in for the real one: the jail's probe then skips its cuInit check)."""
    metrics = list(metrics or DEFAULT_METRICS)
    collected = metrics + [GPU_TIME] * (GPU_TIME not in metrics)
    t0 = time.monotonic()
    exe = shutil.which(ncu, path=os.environ.get("PATH"))
    if exe is None:
        return Profile(None, f"{ncu} not found on PATH", time.monotonic() - t0, host_fault=True)
    candidate = Candidate.of(candidate)
    kernels = kernel_names(candidate.source)
    if not kernels:
        return Profile(None, "the candidate defines no @triton.jit kernel", time.monotonic() - t0)
    own = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="kloop-ncu-")) if own else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    workdir = workdir.resolve()  # the jail binds it by its real path
    try:
        # Two folders, both writable in the jail: the target's (job, candidate, marker, its HOME, TMPDIR and
        # Triton cache) and ncu's log, which the target seals itself away from (evaluator.shared.landlock).
        # The problem is copied in too, since the jail's private /tmp would hide one under /tmp.
        target, logs = workdir / "target", workdir / "log"
        target.mkdir(exist_ok=True)
        logs.mkdir(exist_ok=True)
        job, done, log = target / "profile_job.json", target / "profiled.json", logs / "ncu_log.csv"
        shutil.copyfile(problem.path, target / "reference.py")
        sealed = landlock.abi() > 0  # the target's kernel is this one
        spec = ProfileJob(
            problem_path=str((target / "reference.py").resolve()),
            candidate_path=str(candidate.write(target).resolve()),
            **profile_calls(case, cases, seed),
            policy=policy or get_policy("tf32"),
            done_path=str(done.resolve()),
            writable=[str(target), *SEAL_ALSO] if sealed else None,
            sealed=[str(logs)],
        )
        job.write_text(spec.model_dump_json())
        env = untrusted_env(env)  # its own Triton cache: the target runs the candidate's code
        jail = Jail(target, memory_mb=memory_mb, cuda=cuda, namespaces=namespaces, writable=[logs])
        cmd = ncu_command(exe, collected, log.resolve(), job.resolve())
        rc, output = _run(cmd, target, timeout_s, jail, env)
        p = _read(rc, output, log, done, kernels, metrics, timeout_s, jail, Profile(None, None, 0.0, sealed=sealed))
        p.command, p.seconds = cmd, time.monotonic() - t0
        return p
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


def profile_calls(case: ShapeCase, cases: list[ShapeCase] | None, seed: int) -> dict:
    """ProfileJob's cases, calls and profiled index: each case's first call (an even seed: the module's own
    weights), in the evaluation's order, as its plan starts (evaluator.parent.calls), then the profiled call
    on `case` with an odd seed (perturbed weights) and inputs of its own, as a later checked call is."""
    cases = list(cases or [case])
    if case.label not in {c.label for c in cases}:
        cases.append(case)
    rng = random.Random(seed)
    calls = [CallSpec(n=i, case=c.label, seed=rng.getrandbits(62) & ~1) for i, c in enumerate(cases)]
    calls.append(CallSpec(n=len(calls), case=case.label, seed=rng.getrandbits(62) | 1))
    return dict(cases=cases, calls=calls, profiled=len(calls) - 1)


def _read(
    rc: int | str | None,
    output: str,
    log: Path,
    done: Path,
    kernels: list[str],
    metrics: list[str],
    timeout_s: float,
    jail: Jail,
    p: Profile,
) -> Profile:
    """Fill `p` (its command and `sealed` set) from ncu's exit, its log and the target's marker."""
    try:  # the jail's folder: read as the candidate could have left it (sealed where Landlock is)
        data, size = read_untrusted(log, most=MAX_LOG)
        started = True
    except OSError:
        data, size, started = b"", 0, os.path.lexists(log)  # no log: ncu never started (or a link was planted)
    logged = data.decode("utf-8", "replace")
    # The log file, not stdout: the candidate prints there and could fake rows. Parsed once, read twice.
    launches = _launches(logged)
    names = _names(launches)
    p.foreign, p.launches, p.confined = foreign_kernels(names, kernels), len(names), jail.confined
    p.gpu_ms = gpu_ms(launches)
    parsed = {k: v for k, v in _merged(launches).items() if k in kernels}
    p.log = (logged[-LOG_TAIL:] + output)[-LOG_TAIL:]
    marker, marked = _marker(rc, done)
    if marker is not None:
        p.output_ok, p.output_message = marker.correct, marker.message
    p.complete = rc == 0 and marker is not None and 0 < len(names) < MAX_LAUNCHES and size <= MAX_LOG
    if not parsed:
        p.reason = marked or _why_not(rc, logged + output, marker is not None, timeout_s, kernels, jail.memory_mb)
        p.host_fault = _host_fault(rc, logged if started else None, output)
        return p
    # ncu 2025.3 answers a metric it does not know (or this GPU lacks) with "n/a", not an error.
    p.missing = [m for m in metrics if not any(m in v for v in parsed.values())]
    p.metrics = {k: {m: v[m] for m in metrics if m in v} | v for k, v in parsed.items()}  # as asked
    cut = f"ncu's log is over {MAX_LOG >> 20} MB; the rest was not read" if size > MAX_LOG else None
    p.reason = marked or cut or (None if p.complete else _incomplete(rc, len(names), marker is not None, timeout_s))
    return p
