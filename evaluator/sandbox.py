"""Run the worker in a fresh process, in its own process group, and supervise it.

    from evaluator.sandbox import run_worker, Limits
    outcome = run_worker(job, workdir, Limits(compile_s=120))
    outcome.report      # the child's last report (dict), or {} if it never wrote one
    outcome.timed_out   # "phase" that overran, or None

The child gets its own session (so its process group is killed whole: forked helpers included), its
own TRITON_CACHE_DIR inside `workdir`, and stdout/stderr redirected to files whose tails the parent
reads. Each phase the child enters has a wall-clock limit; the parent polls the child's report file
and kills the group when a phase overruns. A candidate's worker is also confined (evaluator.jail):
no network where `unshare -rn` works, HOME/TMPDIR in `workdir`, a host-memory limit on the group's
RSS (`Limits.memory_mb`), and whatever escaped the group with setsid is killed with it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from evaluator.jail import Jail

ROOT = Path(__file__).resolve().parent.parent
TAIL_BYTES = 4000  # of stdout / stderr kept in the result
POLL_S = 0.05


@dataclass
class Limits:
    """Wall-clock seconds allowed per phase of the child (see evaluator.worker)."""

    start_s: float = 120.0  # interpreter start + imports of torch/triton
    reference_s: float = 300.0
    import_s: float = 60.0
    compile_s: float = 300.0  # first call: Triton compiles (and autotunes) here
    correctness_s: float = 300.0
    timing_s: float = 600.0
    baselines_s: float = 900.0  # torch.compile of the reference is slow to compile
    memory_mb: float | None = None  # host RSS of the worker's group; None: half the host, at most 64 GB; 0: off

    def for_phase(self, phase: str) -> float:
        return {"start": self.start_s, "reference": self.reference_s, "import": self.import_s,
                "compile": self.compile_s, "correctness": self.correctness_s, "timing": self.timing_s,
                "baselines": self.baselines_s}.get(phase, self.start_s)


@dataclass
class Outcome:
    report: dict
    exit_code: int | None
    timed_out: str | None  # phase name
    timeout_s: float | None
    activity: str
    stdout_tail: str
    stderr_tail: str
    wall_s: float
    spawn_s: float | None  # Popen until the child's first report: interpreter start + torch/triton import
    killed: str | None = None  # "memory" when the parent killed the group over Limits.memory_mb
    peak_rss_mb: float | None = None  # largest RSS of the group seen while polling
    memory_mb: float | None = None  # the limit in force


def tail(path: Path, n: int = TAIL_BYTES) -> str:
    """Last n bytes of a file, decoded leniently; a 100 MB log costs one seek."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - n))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return (f"[... {size - n} bytes cut ...]\n" if size > n else "") + text


def _read_report(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def child_env(workdir: Path, interpret: bool, extra: dict[str, str] | None = None) -> dict:
    """The child's environment: `extra` last, so a caller can pin a GPU (CUDA_VISIBLE_DEVICES) or
    share one compile cache across a run (TRITON_CACHE_DIR)."""
    env = dict(os.environ)
    env["TRITON_CACHE_DIR"] = str(workdir / "triton_cache")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    env["KLOOP_PARENT_PID"] = str(os.getpid())  # the worker dies with us (see worker._die_with_parent)
    if interpret:
        env["TRITON_INTERPRET"] = "1"
    else:
        env.pop("TRITON_INTERPRET", None)
    env.update(extra or {})
    return env


def run_worker(job: dict, workdir: Path, limits: Limits, *, interpret: bool,
               env: dict[str, str] | None = None) -> Outcome:
    workdir.mkdir(parents=True, exist_ok=True)
    job_path, report_path = workdir / "job.json", workdir / "report.json"
    job_path.write_text(json.dumps(job))
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    untrusted = job.get("mode") == "candidate"  # baselines run only the reference
    off = set(job.get("disabled", []))
    jail = Jail(workdir, memory_mb=0 if "memory" in off else limits.memory_mb, cuda=not interpret,
                network=untrusted and "network" not in off, untrusted=untrusted,
                poison="poison" not in off)
    t0 = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            jail.prefix() + [sys.executable, "-m", "evaluator.worker", str(job_path), str(report_path)],
            cwd=workdir, env={**child_env(workdir, interpret, env), **jail.env()}, stdin=subprocess.DEVNULL,
            stdout=out, stderr=err, start_new_session=True,
        )
    pgid = proc.pid  # start_new_session: the child leads its own group
    timed_out, limit, phase_start, phase = None, None, time.monotonic(), "start"
    report: dict = {}
    spawn_s = None
    killed = None
    polls = 0
    try:
        while proc.poll() is None:
            time.sleep(POLL_S)
            polls += 1
            fresh = _read_report(report_path)
            if fresh:
                report = fresh
                if spawn_s is None:
                    spawn_s = time.monotonic() - t0
                    jail.started(proc.pid)  # the worker runs: its namespaces exist now
            if polls % 4 == 0 and jail.over_memory(pgid) is not None:  # /proc scan: every 0.2 s
                killed = "memory"
                break
            if report.get("phase", "start") != phase:
                phase, phase_start = report["phase"], time.monotonic()
            if time.monotonic() - phase_start > limits.for_phase(phase):
                timed_out, limit = phase, limits.for_phase(phase)
                break
    finally:
        _kill_group(pgid)  # also reaps anything the candidate forked and left running
        jail.sweep()  # and what left the group with setsid but not the network namespace
        proc.wait()
    report = _read_report(report_path) or report
    return Outcome(
        report=report, exit_code=proc.returncode if timed_out is None and killed is None else None,
        timed_out=timed_out, timeout_s=limit, activity=report.get("activity", ""),
        stdout_tail=tail(out_path), stderr_tail=tail(err_path), wall_s=time.monotonic() - t0,
        spawn_s=spawn_s, killed=killed, peak_rss_mb=jail.peak_mb or None, memory_mb=jail.memory_mb or None,
    )
