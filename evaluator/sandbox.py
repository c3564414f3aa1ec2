"""Run the worker in a fresh process, in its own process group, and supervise it.

    from evaluator.sandbox import run_worker, Limits
    outcome = run_worker(job, workdir, Limits(compile_s=120))
    outcome.report      # the child's last report (dict), or {} if it never wrote one
    outcome.timed_out   # "phase" that overran, or None

The child gets its own session (so its process group is killed whole: forked helpers included), its
own TRITON_CACHE_DIR inside `workdir`, and stdout/stderr redirected to files whose tails the parent
reads. Each phase the child enters has a wall-clock limit; the parent polls the child's report file
and kills the group when a phase overruns.
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


def child_env(workdir: Path, interpret: bool) -> dict:
    env = dict(os.environ)
    env["TRITON_CACHE_DIR"] = str(workdir / "triton_cache")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    if interpret:
        env["TRITON_INTERPRET"] = "1"
    else:
        env.pop("TRITON_INTERPRET", None)
    return env


def run_worker(job: dict, workdir: Path, limits: Limits, *, interpret: bool) -> Outcome:
    workdir.mkdir(parents=True, exist_ok=True)
    job_path, report_path = workdir / "job.json", workdir / "report.json"
    job_path.write_text(json.dumps(job))
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    t0 = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "evaluator.worker", str(job_path), str(report_path)],
            cwd=workdir, env=child_env(workdir, interpret), stdin=subprocess.DEVNULL,
            stdout=out, stderr=err, start_new_session=True,
        )
    pgid = proc.pid  # start_new_session: the child leads its own group
    timed_out, limit, phase_start, phase = None, None, time.monotonic(), "start"
    report: dict = {}
    spawn_s = None
    try:
        while proc.poll() is None:
            time.sleep(POLL_S)
            fresh = _read_report(report_path)
            if fresh:
                report = fresh
                spawn_s = spawn_s or time.monotonic() - t0
            if report.get("phase", "start") != phase:
                phase, phase_start = report["phase"], time.monotonic()
            if time.monotonic() - phase_start > limits.for_phase(phase):
                timed_out, limit = phase, limits.for_phase(phase)
                break
    finally:
        _kill_group(pgid)  # also reaps anything the candidate forked and left running
        proc.wait()
    report = _read_report(report_path) or report
    return Outcome(
        report=report, exit_code=proc.returncode if timed_out is None else None,
        timed_out=timed_out, timeout_s=limit, activity=report.get("activity", ""),
        stdout_tail=tail(out_path), stderr_tail=tail(err_path), wall_s=time.monotonic() - t0,
        spawn_s=spawn_s,
    )
