"""Start child processes and supervise them on the parent's own clock.

    from evaluator.parent.supervisor import Child, Limits, run_worker
    child = Child.start("evaluator.child.boot", job, workdir, jail=Jail(...), interpret=True)
    reply = child.receive(deadline)            # wire.Reply, None when the deadline passed
    child.request(Request(op="call", ...))     # then receive(...)
    child.close()                              # kills the process group and everything in the jail

    outcome = run_worker(job, workdir, limits, interpret=False)   # the file-report worker (baselines)

A Child talks over two pipes (evaluator.shared.wire); every wait has a deadline the parent computes from its
own monotonic clock, so nothing a child writes can extend a limit. Its stdout/stderr go to files whose
tails the parent keeps. A candidate's Child runs in the jail (evaluator.parent.jail); the oracle runs
unconfined but trusted (it never imports a candidate). While waiting, the parent samples the jail every
POLL_S (Jail.over: its host memory, tmpfs and memfds included, its work folder's size, its processes) and
kills it over `Limits.memory_mb`, `disk_mb` or `processes`.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import RootModel

from evaluator.parent.jail import DISK_MB, PROCESSES, Jail, jail_env
from evaluator.parent.process import POLL_S, reap, spawn, tail
from evaluator.parent.warm import POOL
from evaluator.shared.wire import Job, LineReader, Reply, Request, WireError, parse, read_message, send


@dataclass
class Limits:
    """Seconds on the parent's clock: per phase (first calls per case), per stage and in all."""

    start_s: float = 120.0  # interpreter start + imports of torch/triton
    reference_s: float = 300.0  # one reference computation (the oracle)
    import_s: float = 60.0  # import + construct ModelNew
    compile_s: float = 300.0  # the first call on each case: Triton compiles (and autotunes) here
    correctness_s: float = 300.0  # every other checked call, together
    timing_s: float = 600.0  # timing and its cross-check, together
    baselines_s: float = 900.0  # torch.compile of the reference is slow to compile
    total_s: float = 3600.0  # the whole evaluation of one candidate
    memory_mb: float | None = None  # the jail's host memory (RSS, tmpfs, memfd); None: half the host, <= 64 GB; 0: off
    file_mb: float = 512.0  # the largest file the jail may write, its captured stdout/stderr too (RLIMIT_FSIZE); 0: off
    disk_mb: float = DISK_MB  # the jail's work folder in all, captured output included; 0: off
    processes: float = PROCESSES  # processes alive in the jail at once (threads are bounded by RLIMIT_NPROC); 0: off

    @classmethod
    def from_timeouts(cls, compile_s: float, run_s: float, **more) -> "Limits":
        """The two limits a user sets on the command line (`--compile-timeout`, `--run-timeout`): import
        and first calls get compile_s, every other checked call together run_s."""
        return cls(import_s=compile_s, compile_s=compile_s, correctness_s=run_s, **more)

    def with_overrides(self, items: list[str]) -> "Limits":
        """`PHASE=SECONDS` strings (the CLI's `--limit`), e.g. ["reference=900", "total=7200"]; a phase is a
        field name without `_s` (memory: `memory=MB`). Raises ValueError naming the bad item."""
        known = {f.name.removesuffix("_s").removesuffix("_mb"): f.name for f in dataclasses.fields(self)}
        changes = {}
        for item in items:
            name, sep, value = item.partition("=")
            if not sep or name not in known:
                raise ValueError(f"--limit {item!r}: expected PHASE=SECONDS with PHASE one of {', '.join(known)}")
            try:
                changes[known[name]] = float(value)
            except ValueError:
                raise ValueError(f"--limit {item!r}: {value!r} is not a number") from None
            if changes[known[name]] < 0:
                raise ValueError(f"--limit {item!r}: a limit cannot be negative")
        return dataclasses.replace(self, **changes)

    def for_phase(self, phase: str) -> float:
        return {
            "start": self.start_s,
            "reference": self.reference_s,
            "import": self.import_s,
            "compile": self.compile_s,
            "correctness": self.correctness_s,
            "timing": self.timing_s,
            "baselines": self.baselines_s,
        }.get(phase, self.start_s)


class Child:
    def __init__(self, proc: subprocess.Popen, rfd: int, wfd: int, workdir: Path, name: str, jail: Jail | None):
        self.proc, self.wfd, self.workdir, self.name, self.jail = proc, wfd, workdir, name, jail
        self.reader = LineReader(rfd)
        self.rfd = rfd
        self.t0 = time.monotonic()
        self.killed: str | None = None  # "memory", "disk" or "processes": the jail limit it was killed over
        self.closed = False
        self.zygote = None  # evaluator.parent.warm.Zygote when forked from a warm process

    @classmethod
    def start(
        cls,
        module: str,
        job: Job,
        workdir: Path,
        *,
        interpret: bool,
        jail: Jail | None = None,
        env: dict[str, str] | None = None,
        name: str = "child",
    ) -> Child:
        workdir.mkdir(parents=True, exist_ok=True)
        job_path = workdir / f"{name}.job.json"
        job_path.write_text(job.model_dump_json())
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        argv = [sys.executable, "-m", module, str(job_path), str(to_child_r), str(from_child_w)]
        if jail is not None:
            argv += jail.boot_args()  # module is evaluator.child.boot: it confines, then runs the candidate
        fds = (to_child_r, from_child_w)
        proc = spawn(argv, workdir, interpret=interpret, jail=jail, env=env, name=name, pass_fds=fds)
        os.close(to_child_r)
        os.close(from_child_w)
        return cls(proc, from_child_r, to_child_w, workdir, name, jail)

    @classmethod
    def fork(
        cls,
        role: str,
        module: str,
        job: Job,
        workdir: Path,
        *,
        interpret: bool,
        jail: Jail | None = None,
        env: dict[str, str] | None = None,
        name: str = "child",
    ) -> Child:
        """As start(), forked from a warm zygote of this role (evaluator.parent.warm): no interpreter start, no
        imports. The jail is then everything below the zygote: its memory limit and sweep cover the fork."""
        workdir.mkdir(parents=True, exist_ok=True)
        job_path = workdir / f"{name}.job.json"
        job_path.write_text(job.model_dump_json())
        zygote = POOL.acquire(role, interpret=interpret, env=env or {}, jail=jail)
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            confine = jail.writable if jail is not None and jail.confined else []
            env_full = jail_env(workdir, interpret, env or {}, jail)
            proc = zygote.fork(module, job_path, (to_child_r, from_child_w), workdir, name, env_full, confine)
        except Exception:
            for fd in (to_child_w, from_child_r):
                os.close(fd)
            POOL.release(zygote)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        if jail is not None:
            jail.below = zygote.host_pid
        child = cls(proc, from_child_r, to_child_w, workdir, name, jail)
        child.zygote = zygote
        return child

    def request(self, req: Request) -> None:
        try:
            send(self.wfd, req)
        except OSError as e:  # BrokenPipeError: the child is gone
            raise WireError(f"the process is gone ({e.strerror})") from None

    def receive(self, deadline: float, op: str | None = None) -> Reply | None:
        """The next reply, or None when `deadline` (time.monotonic()) passed. WireError if the child died,
        sent garbage or answered another op; the memory limit is enforced while waiting."""
        while True:
            now = time.monotonic()
            if now >= deadline:
                return None
            line = self.reader.line(min(deadline, now + POLL_S))
            if line is not None:
                reply = parse(line, Reply)
                if op is not None and reply.op != op:
                    raise WireError(f"expected a reply to {op!r}, got {reply.op!r}")
                if self.jail is not None and self.jail.ns is None and self.zygote is None:
                    self.jail.started(self.proc.pid)
                return reply
            over = self.jail.over(self.proc.pid) if self.jail is not None else None
            if over is not None:
                self.killed = over
                self.close()
                raise WireError(f"killed over the jail's {over} limit")

    def ask(self, req: Request, deadline: float) -> Reply | None:
        self.request(req)
        return self.receive(deadline, req.op)

    def tails(self) -> tuple[str, str]:
        return tail(self.workdir / f"{self.name}.stdout.txt"), tail(self.workdir / f"{self.name}.stderr.txt")

    def close(self) -> int | None:
        """Kill the group and the jail (idempotent). Returns the exit code when it had exited by itself."""
        if self.closed:
            return self.proc.returncode
        self.closed = True
        code = self.proc.poll()
        if self.zygote is not None:
            self.proc.kill()
            if self.jail is not None:
                self.jail.sweep()
            POOL.release(self.zygote)
        else:
            reap(self.proc, self.jail)
        for fd in (self.rfd, self.wfd):
            try:
                os.close(fd)
            except OSError:
                pass
        return code


# The file-report worker (evaluator.worker.worker: baselines of the reference; it never runs candidate code).


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
    spawn_s: float | None = None
    notes: list[str] = field(default_factory=list)


class _Report(RootModel[dict[str, Any]]):
    """A worker's report file as it is polled: any JSON object, read under the wire's bounds."""


def _read_report(path: Path) -> dict:
    """The report so far, {} while there is none. A link, a FIFO (it would block this poll and with it every
    limit), a huge or deeply nested file reads as no report."""
    try:
        return read_message(path, _Report).root
    except WireError:
        return {}


def run_worker(
    job: Job,
    workdir: Path,
    limits: Limits,
    *,
    interpret: bool,
    env: dict[str, str] | None = None,
) -> Outcome:
    """Run evaluator.worker.worker on `job`; each phase it reports has a limit, and all of it `limits.total_s`,
    both on this process's clock (a worker rewriting its phase marker resets neither the total nor
    gets more than one phase limit per phase name)."""
    job_path, report_path = workdir / "job.json", workdir / "report.json"
    workdir.mkdir(parents=True, exist_ok=True)
    job_path.write_text(job.model_dump_json())
    argv = [sys.executable, "-m", "evaluator.worker.worker", str(job_path), str(report_path)]
    t0 = time.monotonic()
    proc = spawn(argv, workdir, interpret=interpret, env=env, name="worker")
    timed_out, limit, phase = None, None, "start"
    started: dict[str, float] = {"start": t0}
    report: dict = {}
    spawn_s = None
    try:
        while proc.poll() is None:
            time.sleep(0.05)
            fresh = _read_report(report_path)
            if fresh:
                report = fresh
                spawn_s = spawn_s or time.monotonic() - t0
            phase = str(report.get("phase", "start"))
            started.setdefault(phase, time.monotonic())  # a phase's clock starts once
            now = time.monotonic()
            if now - started[phase] > limits.for_phase(phase) or now - t0 > limits.total_s:
                timed_out = phase
                limit = limits.for_phase(phase) if now - t0 <= limits.total_s else limits.total_s
                break
    finally:
        reap(proc)
    report = _read_report(report_path) or report
    return Outcome(
        report=report,
        exit_code=proc.returncode if timed_out is None else None,
        timed_out=timed_out,
        timeout_s=limit,
        activity=str(report.get("activity", "")),
        stdout_tail=tail(workdir / "worker.stdout.txt"),
        stderr_tail=tail(workdir / "worker.stderr.txt"),
        wall_s=time.monotonic() - t0,
        spawn_s=spawn_s,
    )
