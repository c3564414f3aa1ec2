"""The parent's side of one candidate evaluation: drive the jailed candidate and the oracle, decide.

    from evaluator.parent.judge import judge
    raw_timings = judge(result, Candidate.of(path), EvalPlan.resolve(problem, config, cuda=False), workdir=tmp)

Two children, one referee. The candidate's process (evaluator.child, in evaluator.parent.jail) only runs
ModelNew and writes outputs; the oracle (evaluator.oracle.oracle) never imports the candidate, redraws each
call's weights and inputs from the same seed and compares. This process picks every seed at the
moment the call starts, holds every clock (per first call, per stage, in all: evaluator.parent.supervisor.Limits)
and writes the status: "done" is what it observed, never what a child said.

Order: hello (both) -> import + construct -> calls in the plan's order (evaluator.parent.calls: each case's
first call, the rest shuffled with the dynamic-range calls and the knockout, then the late calls)
-> CUDA: kernel audit per case -> timing per timed case, its wall-clock cross-check, a checked call
after timing.
"""

from __future__ import annotations

import random
import secrets
import shutil
import signal
import time
from pathlib import Path

from evaluator.parent.calls import plan as plan_calls
from evaluator.parent.jail import Jail, untrusted_env
from evaluator.parent.plan import EvalPlan
from evaluator.parent.process import tail
from evaluator.parent.supervisor import Child, Limits
from evaluator.parent.warm import ZygoteError
from evaluator.parent.witness import Witness
from evaluator.shared.candidate import Candidate
from evaluator.shared.problem import ShapeCase
from evaluator.shared.result import Check, DeviceInfo, EvalResult, Status
from evaluator.shared.wire import (
    CallSpec,
    ErrorInfo,
    Reply,
    Request,
    WireError,
)
from evaluator.shared.wire import Check as Verdict  # the oracle's verdict; result.Check is what the result keeps

ORACLE = "evaluator.oracle.oracle"  # the module the oracle process runs (python -m)
POISON_ABOVE = 1e38  # |value| of poisoned memory: NaN on CUDA, 0x7F7F7F7F = 3.4e38 from MALLOC_PERTURB_
CROSSCHECK_MS = 200.0  # wall time of the batch of calls the parent times itself
TIMEOUT_HINT = (
    "Usual causes: a kernel loop whose bound is never reached, a grid far larger than intended, "
    "or a compile blown up by huge tl.static_range / constexpr unrolling."
)


class Stop(Exception):
    """The verdict is in: the evaluation ends here."""


class Referee:
    def __init__(self, result: EvalResult, limits: Limits):
        self.result, self.limits = result, limits
        self.t0 = time.monotonic()
        self.total = self.t0 + limits.total_s
        self.phase, self.activity = "start", "starting"
        self.stage_deadline: dict[str, float] = {}
        self.phase_t = self.t0
        self.inbox = None  # wire.InboxRef: the oracle's latest inbox
        self.child_inbox: int | None = None  # the serial the candidate's process has opened

    def enter(self, phase: str, activity: str) -> float:
        """Deadline for the next wait: the phase's limit on our clock, never past the whole evaluation's."""
        now = time.monotonic()
        self.result.gate_seconds[self.phase] = self.result.gate_seconds.get(self.phase, 0.0) + now - self.phase_t
        self.phase, self.activity, self.phase_t = phase, activity, now
        if phase in ("correctness", "timing", "audit"):  # a budget for the whole stage
            limit = self.limits.correctness_s if phase != "timing" else self.limits.timing_s
            return min(self.stage_deadline.setdefault(phase, now + limit), self.total)
        return min(now + self.limits.for_phase(phase), self.total)

    def fail(self, status: Status, gate: str, message: str, reason: str | None = None) -> Stop:
        r = self.result
        r.status, r.gate, r.message, r.reason = status, gate, message, reason
        return Stop()

    def timeout(self) -> Stop:
        total = time.monotonic() >= self.total
        limit = self.limits.total_s if total else self.limits.for_phase(self.phase)
        what = "the whole evaluation" if total else f"the {self.phase} phase"
        return self.fail(
            Status.timeout,
            self.phase,
            f"Timed out: {what} did not finish within {limit:.0f} s "
            f"(while {self.activity}); every process of the candidate was killed. {TIMEOUT_HINT}",
        )

    def error(self, err: ErrorInfo, first_call: bool) -> Stop:
        r = self.result
        r.error_type, r.error_tail = err.type, err.tail
        compile_fault = "CompilationError" in err.type or err.module.startswith("triton.compiler")
        # Python ignores SIGXFSZ: a write past the jail's file limit (RLIMIT_FSIZE) raises EFBIG instead.
        too_big = "[Errno 27]" in err.message
        hint = (
            f" The jail limits every file it writes, captured output included, to {self.limits.file_mb:.0f} MB: "
            "print little, write no files, return results as tensors."
            if too_big
            else ""
        )
        reason = "file_size" if too_big else None
        if self.phase == "import":
            return self.fail(
                Status.compile_error,
                "compile",
                f"Importing/constructing the candidate raised {err.type}: {err.message.strip()}{hint}",
                reason,
            )
        status = Status.compile_error if first_call and compile_fault else Status.runtime_error
        gate = "compile" if status is Status.compile_error else "correctness" if self.phase != "timing" else "timing"
        return self.fail(status, gate, f"{err.where} raised {err.type}: {err.message.strip()}{hint}", reason)

    def findings(self, reply: Reply, where: str) -> None:
        if reply.findings:
            f = reply.findings
            raise self.fail(
                Status.incorrect,
                "audit",
                f"Rejected by the runtime audit ({where}): " + " ".join(x.message for x in f),
                f[0].reason,
            )


def _reap(child: Child) -> int | None:
    """Its pipe closed: it is exiting; let it finish, so the exit status is its own, then close it."""
    try:
        child.proc.wait(timeout=2)
    except Exception:  # noqa: BLE001 - still running (it closed the pipe itself): killed by close()
        pass
    return child.close()


def _crash(ref: Referee, child: Child, what: str) -> Stop:
    code = _reap(child)
    if child.killed and child.jail is not None:  # the parent's poll: memory, disk or processes (Jail.over)
        return ref.fail(Status.crashed, ref.phase, child.jail.explain(child.killed, ref.activity), child.killed)
    ref.result.exit_code = code
    how = f"exit code {code}"
    if code is not None and code < 0:
        try:
            how = signal.Signals(-code).name
        except ValueError:
            how = f"signal {-code}"
    if code == -signal.SIGXFSZ:
        limit = child.jail.file_mb if child.jail else 0
        return ref.fail(
            Status.crashed,
            ref.phase,
            f"Killed: the candidate's process wrote a file (or printed output) past the jail's limit of {limit:.0f} MB "
            f"while {ref.activity}. Print little, write no files: return results as tensors.",
            "file_size",
        )
    return ref.fail(
        Status.crashed,
        ref.phase,
        f"The candidate's process died ({how}, {what}) while {ref.activity}, "
        "without raising a Python exception: a segfault, an abort in native code, os._exit, "
        "or a signal it sent itself.",
    )


def _no_start(ref: Referee, child: Child, what: str) -> Stop:
    """The candidate's process ended before its hello, so no candidate code had run (the module is imported
    after it). Python failing to start it (a traceback in its stderr: a package the jail cannot see) is the
    evaluator's environment, not the candidate; any other death (a kill, the memory limit) is a crash."""
    stderr = tail(child.workdir / f"{child.name}.stderr.txt")
    if child.killed or not any(
        sign in stderr for sign in ("Traceback (most recent call last)", "Fatal Python error", "Error while finding")
    ):
        return _crash(ref, child, what)
    ref.result.exit_code = _reap(child)
    errors = [ln.strip() for ln in stderr.splitlines() if "rror" in ln]  # ModuleNotFoundError, Fatal Python error
    return ref.fail(
        Status.runtime_error,
        "start",
        f"The evaluator's jailed process failed before any candidate code ran (not the candidate's fault): "
        f"{errors[-1] if errors else what}. Check what the children can see: packages must be importable from "
        "inside the jail's read-only view (its /tmp is private, so nothing installed under /tmp is visible) and "
        "PYTHONPATH reaches the children.",
        "harness_failed",
    )


def _oracle_failed(ref: Referee, err: ErrorInfo | None, detail: str = "") -> Stop:
    msg = f"{err.type}: {err.message.strip()}" if err else detail
    big = "OutOfMemory" in msg or "out of memory" in msg or "can't allocate" in msg
    hint = " The problem does not fit this machine: use a smaller shape set or a larger device." if big else ""
    return ref.fail(
        Status.runtime_error,
        "reference",
        f"The reference itself failed (not the candidate's fault) while {ref.activity}: {msg}.{hint}",
        "reference_failed",
    )


def _say_confinement(result: EvalResult, jail: Jail) -> None:
    """What the jail could not put in place on this host, in the result's warning and notes."""
    if not jail.confined:
        result.confinement_warning = (
            f"the candidate ran without OS confinement ({jail.why_not}): no PID, mount or network namespace, so "
            "only the static bans stop writes outside its folder, signals to the evaluator and network use"
        )
        result.notes.append("WARNING: " + result.confinement_warning)
    elif jail.root != "minimal":
        result.notes.append(
            "confinement: the jail showed the host's whole filesystem read-only instead of its minimal root "
            f"({jail.root_refused or 'KLOOP_ROOT=host'})"
        )


def judge(result: EvalResult, candidate: Candidate, plan: EvalPlan, workdir: Path) -> dict:
    """Fill `result` (status, checks, notes, seconds); returns the raw timings {case: stats} when timed."""
    ref = Referee(result, plan.limits)
    cand_dir = workdir / "candidate"
    cand_dir.mkdir(parents=True)
    candidate.write(cand_dir)  # the jail sees only its own folder writable,
    shutil.copyfile(plan.problem_path, cand_dir / "reference.py")  # and a private /tmp hides the caller's
    cand_job = plan.job(
        "candidate",
        cand_dir,
        problem_path=str(cand_dir / "reference.py"),
        candidate_path=str(cand_dir / "candidate.py"),
    )
    oracle_job = plan.job("oracle", cand_dir)  # its inbox file (CPU) lies in the candidate's folder
    # The candidate compiles into a Triton cache of its own (child_env: its work folder), never a run's shared
    # one: what it writes there (a forged kernel binary, a launcher) could reach a rival or the trusted side.
    cand_env = untrusted_env(plan.env)
    jail = _jail(plan, cand_dir, result)
    rng = random.Random(plan.call_seed) if plan.call_seed is not None else secrets.SystemRandom()
    calls = plan_calls(
        plan.cases,
        plan.trials,
        plan.dynamic,
        rng,
        late="late" not in plan.disabled,
        knockout="knockout" not in plan.disabled,
        min_checked=plan.min_calls,
    )
    cuda, env, by_label, time_cases = plan.cuda, plan.env, {c.label: c for c in plan.cases}, plan.time_cases
    # Forked candidates rely on a PID namespace of their own for cleanup: where the host refuses namespaces,
    # their orphans would outlive the sweep (a fork's environment token is not in /proc/PID/environ), so the
    # candidate's process then starts fresh, as before, and only the trusted oracle is forked.
    warm = (plan.warm, plan.warm and jail.confined)  # (the oracle, the candidate's process)
    oracle = child = None
    try:
        oracle, child = _start(warm, oracle_job, cand_job, workdir, cand_dir, cuda, jail, env, cand_env)
    except ZygoteError as e:  # a warm process that could not start or fork: the harness, never the candidate
        if oracle is not None:
            oracle.close()
        ref.fail(
            Status.runtime_error,
            "start",
            f"The evaluator's warm process failed before any candidate code ran (not the candidate's fault): {e}. "
            "Check what the children can see: packages must be importable from inside the jail's read-only view "
            "and PYTHONPATH reaches the children; KLOOP_WARM=0 starts fresh processes instead.",
            "harness_failed",
        )
        return {}
    timings: dict = {}
    try:
        _run(ref, child, oracle, calls, by_label, cuda, time_cases, rng)
        timings = ref.timings
        ref.enter("done", "")
        result.status, result.gate, result.message = Status.correct, "done", ""
    except Stop:
        pass
    finally:
        child.close()
        oracle.close()
        result.stdout_tail, result.stderr_tail = child.tails()
        result.gate_seconds["child_wall"] = time.monotonic() - ref.t0
        result.gate_seconds.pop("start", None)
    return timings


def _jail(plan: EvalPlan, cand_dir: Path, result: EvalResult) -> Jail:
    """The candidate's jail under the plan's limits; what it could not confine is said in `result`."""
    jail = candidate_jail(plan, cand_dir)
    _say_confinement(result, jail)
    return jail


def candidate_jail(plan: EvalPlan, cand_dir: Path) -> Jail:
    """The candidate's jail under the plan's limits (the host's probe runs once, on first use)."""
    return Jail(
        cand_dir,
        memory_mb=0 if "memory" in plan.disabled else plan.limits.memory_mb,
        cuda=plan.cuda,
        namespaces="namespaces" not in plan.disabled,
        poison="poison" not in plan.disabled,
        file_mb=plan.limits.file_mb,
        disk_mb=plan.limits.disk_mb,
        processes=int(plan.limits.processes),
    )


def _start(
    warm: tuple[bool, bool], oracle_job, cand_job, workdir: Path, cand_dir: Path, cuda: bool, jail, env, cand_env
):
    """The oracle and the candidate's process, each forked from a warm zygote (evaluator.parent.warm: no interpreter
    start, no imports per candidate) where `warm` says so, else started fresh."""
    odir = workdir / "oracle"
    if warm[0]:
        oracle = Child.fork("oracle", ORACLE, oracle_job, odir, interpret=not cuda, env=env, name="oracle")
    else:
        oracle = Child.start(ORACLE, oracle_job, odir, interpret=not cuda, env=env, name="oracle")
    try:
        if warm[1]:
            child = Child.fork(
                "candidate",
                "evaluator.child.candidate",
                cand_job,
                cand_dir,
                interpret=not cuda,
                jail=jail,
                env=cand_env,
                name="candidate",
            )
        else:
            child = Child.start(
                "evaluator.child.boot",
                cand_job,
                cand_dir,
                interpret=not cuda,
                jail=jail,
                env=cand_env,
                name="candidate",
            )
    except BaseException:
        oracle.close()
        raise
    return oracle, child


def _run(
    ref: Referee,
    child: Child,
    oracle: Child,
    calls: list[CallSpec],
    cases: dict[str, ShapeCase],
    cuda: bool,
    time_cases: list[str],
    rng,
) -> None:
    """The evaluation's steps in order; each raises Stop with the verdict when it fails."""
    ref.timings = {}
    hello = _hello(ref, child, oracle)
    _plan(ref, oracle)
    _note_child(ref.result, hello)
    _import(ref, child)
    _correctness(ref, child, oracle, calls, cases)
    if cuda:  # the kernel audit and the timing need a GPU
        _kernel_audit(ref, child, cases, rng)
        n_after = max(c.n for c in calls) + 1  # the calls after timing are numbered on from here
        for label in time_cases:
            _time_case(ref, child, oracle, cases[label], n_after, rng)
    for c in (child, oracle):
        try:
            c.request(Request(op="quit"))
        except WireError:
            pass


def _hello(ref: Referee, child: Child, oracle: Child) -> Reply:
    """Both processes started: the candidate's hello (device, confinement), then the oracle's."""
    deadline = ref.enter("start", "starting the candidate's process (Python, torch, triton)")
    try:
        hello = child.receive(deadline, "hello")
        if hello is None:
            raise ref.timeout()
        if oracle.receive(deadline, "hello") is None:
            raise _oracle_failed(ref, None, "the oracle did not start in time")
    except WireError as e:
        raise _no_start(ref, child, str(e)) from None
    ref.result.gate_seconds["spawn"] = time.monotonic() - ref.t0
    conf = hello.hello.confinement if hello.hello is not None else None
    if conf is not None and conf.seconds is not None:
        _start_step(ref, "confine", conf.seconds)
    return hello


def _note_child(r: EvalResult, hello: Reply) -> None:
    """The device the candidate's process reports, and a note when its confinement is incomplete."""
    if hello.hello is not None and hello.hello.device:
        r.device = DeviceInfo(**hello.hello.device)
    conf = hello.hello.confinement if hello.hello is not None else None
    if conf is not None and (conf.project_writable or conf.readonly_failed):
        r.notes.append(
            f"confinement incomplete: project writable={conf.project_writable}, "
            f"read-only remount failed for {conf.readonly_failed}"
        )
    if conf is not None and conf.seccomp_sealed is False:
        r.notes.append(
            f"confinement: the seccomp filter could not be set ({conf.seccomp_refused}): a helper process the kernel "
            "reaps by itself (SA_NOCLDWAIT) stays out of the parent's witness, and System V IPC and POSIX message "
            "queues stay open to the candidate"
        )
    if conf is not None and conf.root == "host" and conf.root_refused:
        r.notes.append(
            "confinement: the jail showed the host's whole filesystem read-only instead of its minimal root, "
            f"refused inside the candidate's process ({conf.root_refused})"
        )


START_STEPS = ("confine", "cuda_context", "reference", "snapshot", "candidate", "construct", "audit")


def _start_step(ref: Referee, step: str, seconds: float) -> None:
    """A start-up step as the candidate's process timed it (import.* in gate_seconds): a known step only,
    and only seconds that fit in the evaluation's own wall time (NaN fits nowhere)."""
    if step in START_STEPS and 0 <= seconds <= time.monotonic() - ref.t0:
        ref.result.gate_seconds[f"import.{step}"] = seconds


def _import(ref: Referee, child: Child) -> None:
    """The candidate's module imported and one ModelNew built per case, with the audit's first findings."""
    deadline = ref.enter("import", "importing the candidate module and constructing ModelNew")
    ready = _ask_child(ref, child, None, deadline, "ready")
    if not ready.ok:
        raise ref.error(ready.error, False)
    for step, seconds in (ready.timing or {}).items():  # the child's own account of its start-up
        _start_step(ref, step, seconds)
    ref.findings(ready, "after importing the candidate")


CALL_WHAT = {  # how a call of each stage is named in the activity and the messages
    "trial": "checked call",
    "dynamic": "dynamic-range call (inputs up to {scale:g} in magnitude, mixed signs)",
    "late": "late call",
    "knockout": "knockout call",
    "after timing": "call after timing",
}


def _correctness(ref: Referee, child: Child, oracle: Child, calls: list[CallSpec], cases: dict[str, ShapeCase]):
    """Every planned call checked, in the plan's order; a case's first call also compiles its kernels. The parent
    watches the jail's processes around each call (evaluator.parent.witness): the work is the candidate's own."""
    seen: set[str] = set()
    witness = Witness(child.jail, child.proc.pid)
    for spec in calls:
        case = cases[spec.case]
        first = spec.case not in seen
        seen.add(spec.case)
        what = CALL_WHAT[spec.stage].format(scale=spec.scale or 0)
        label = f"{case.label} ({case.describe()}), {what} {spec.n + 1}"
        deadline = ref.enter(
            "compile" if first else "correctness", f"{'first call' if first else 'calling'} ModelNew.forward on {label}"
        )
        witness.before()
        _checked_call(ref, child, oracle, spec, case, label, deadline, first)
        alone = witness.after(counted=not first)  # a first call starts Triton's compilers
        if alone is not None:
            raise ref.fail(Status.incorrect, "audit", f"Rejected ({label}): {alone}", "helper_process")


def _kernel_audit(ref: Referee, child: Child, cases: dict[str, ShapeCase], rng) -> None:
    """CUDA: which GPU kernels one forward per case ran (torch.profiler in the candidate's process)."""
    deadline = ref.enter("audit", "auditing the GPU kernels forward runs (torch.profiler)")
    for case in cases.values():
        spec = CallSpec(n=-1, case=case.label, seed=rng.getrandbits(62))
        reply = _ask_child(ref, child, Request(op="kernels", call=spec), deadline, "kernels")
        if not reply.ok:
            raise ref.error(reply.error, False)
        if reply.note and reply.note not in ref.result.notes:
            ref.result.notes.append(reply.note)
        ref.findings(reply, f"kernel audit on {case.label} ({case.describe()})")


def _time_case(ref: Referee, child: Child, oracle: Child, case: ShapeCase, n_after: int, rng) -> None:
    """One timed case: the candidate's benchmark, a batch timed on this process's clock as its
    cross-check, then a checked call (a kernel that goes wrong once warm is caught)."""
    label = case.label
    deadline = ref.enter("timing", f"timing ModelNew on {label} ({case.describe()})")
    spec = CallSpec(n=-1, case=label, seed=rng.getrandbits(62))
    reply = _ask_child(ref, child, Request(op="time", call=spec), deadline, "time")
    if not reply.ok:
        raise ref.error(reply.error, False)
    ref.findings(reply, f"timing {label} ({case.describe()})")
    stats = dict(reply.timing or {})
    ref.activity = f"cross-checking the timing of {label} with the parent's clock"
    reps = max(3, min(1000, int(CROSSCHECK_MS / max(stats.get("median_ms", 1.0), 1e-3))))
    t0 = time.monotonic()
    batch = _ask_child(ref, child, Request(op="batch", call=spec, reps=reps), deadline, "batch")
    wall_ms = (time.monotonic() - t0) * 1e3
    if not batch.ok:
        raise ref.error(batch.error, False)
    stats["crosscheck_ms"] = wall_ms / (reps + 1)  # +1: the batch's warm-up call
    ref.timings[label] = stats
    after = CallSpec(n=n_after + len(ref.timings), case=label, seed=rng.getrandbits(62), stage="after timing")
    _checked_call(ref, child, oracle, after, case, f"{label} ({case.describe()}), after timing", deadline, False)


def _plan(ref: Referee, oracle: Child) -> None:
    """The memory plan, before any call: a problem larger than the device is refused now, in one line."""
    deadline = ref.enter("plan", "sizing every case against the device's free memory (meta device)")
    try:
        oracle.request(Request(op="plan"))
    except WireError as e:
        raise _oracle_failed(ref, None, str(e)) from None
    reply = _oracle_reply(ref, oracle, "plan", deadline)
    if not reply.ok or reply.plan is None:
        raise _oracle_failed(ref, reply.error, "the oracle sent no memory plan")
    ref.result.memory_plan = reply.plan.model_dump()
    if not reply.plan.fits:
        raise ref.fail(Status.runtime_error, "plan", reply.plan.message, "does_not_fit")


def _ask_child(ref: Referee, child: Child, req: Request | None, deadline: float, op: str) -> Reply:
    try:
        if req is not None:
            child.request(req)
        reply = child.receive(deadline, op)
    except WireError as e:
        raise _crash(ref, child, str(e)) from None
    if reply is None:
        raise ref.timeout()
    return reply


def _checked_call(
    ref: Referee, child: Child, oracle: Child, spec: CallSpec, case: ShapeCase, label: str, deadline: float, first: bool
) -> None:
    """One call judged: run by both processes, the candidate's own conduct (its inputs, the audit), the
    output handed over, the oracle's verdict. A knockout call passes only when its output is wrong."""
    knockout = spec.stage == "knockout"
    reply = _call_both(ref, child, oracle, spec, deadline)
    if not reply.ok:
        if knockout:  # raising with its kernels switched off: they were doing the work
            return
        raise ref.error(reply.error, first)
    if not knockout:
        _inputs_left_alone(ref, reply, spec, case)
        ref.findings(reply, label)
    handed = _handover(ref, child, deadline)
    if not handed.ok:
        if knockout:
            return
        raise ref.error(handed.error, first)
    oracle.request(
        Request(op="check", call=spec, output=handed.output, state=handed.state, state_names=handed.state_names)
    )
    verdict = _oracle_reply(ref, oracle, "check", deadline)
    if verdict.error is not None or verdict.check is None:
        raise _oracle_failed(ref, verdict.error, "the oracle sent no verdict")
    if knockout:
        _knockout_verdict(ref, verdict.check, label)
    else:
        _record_check(ref, verdict.check, reply, spec, case)


def _call_both(ref: Referee, child: Child, oracle: Child, spec: CallSpec, deadline: float) -> Reply:
    """The call sent to the oracle first (the reference is computed while the candidate runs), then the
    candidate's reply; the oracle's inbox noted for the handover."""
    try:
        oracle.request(Request(op="call", call=spec))
    except WireError as e:
        raise _oracle_failed(ref, None, str(e)) from None
    reply = _ask_child(ref, child, Request(op="call", call=spec), deadline, "call")
    # The reference's own failure (a problem error, e.g. a non-deterministic reference) outranks anything
    # the candidate did: no candidate could be judged against it.
    done = _oracle_reply(ref, oracle, "call", deadline)
    if not done.ok:
        raise _oracle_failed(ref, done.error)
    if done.inbox is not None:
        ref.inbox = done.inbox
    return reply


def _inputs_left_alone(ref: Referee, reply: Reply, spec: CallSpec, case: ShapeCase) -> None:
    """Forward must neither change an input in place nor return one: either is a wrong result."""
    bad_input = None
    if reply.input_modified is not None:
        bad_input = (
            f"forward modified its input #{reply.input_modified} in place; inputs must be left "
            "unchanged (write results to a new tensor)."
        )
    elif reply.returned_input:
        bad_input = "forward returned its input (or a view of it); allocate the output."
    if not bad_input:
        return
    ref.result.checks.append(
        Check(
            case=case.label,
            shapes=case.describe(),
            trial=spec.n + 1,
            ok=False,
            message=bad_input,
            call_ms=reply.call_ms,
            stage=spec.stage,
        )
    )
    raise ref.fail(
        Status.incorrect,
        "correctness",
        f"Wrong result on {case.label} ({case.describe()}), call {spec.n + 1}: {bad_input}",
    )


def _handover(ref: Referee, child: Child, deadline: float) -> Reply:
    """The held output copied into the oracle's inbox, sending its handle when the candidate's process
    has not opened this inbox yet."""
    fresh = ref.inbox if ref.inbox is not None and ref.inbox.serial != ref.child_inbox else None
    handed = _ask_child(ref, child, Request(op="handover", inbox=fresh), deadline, "handover")
    if fresh is not None:
        ref.child_inbox = fresh.serial
    return handed


def _knockout_verdict(ref: Referee, v: Verdict, label: str) -> None:
    """With every Triton launch a no-op the output must be wrong; right means the work happened elsewhere."""
    if v.ok:
        raise ref.fail(
            Status.incorrect,
            "audit",
            (
                f"Triton did not compute the result: with every Triton launch turned into a no-op ({label}), "
                "forward still returned the right output, so the work happened elsewhere (PyTorch or Python "
                "in forward, in a grid callable or a hook). Compute the result inside @triton.jit kernels."
            ),
            "knockout",
        )


def _record_check(ref: Referee, v: Verdict, reply: Reply, spec: CallSpec, case: ShapeCase) -> None:
    """The oracle's verdict kept as a check of the result; a wrong one ends the evaluation."""
    msg = v.message
    if not v.ok and any(not abs(m.get("got", 0.0)) < POISON_ABOVE for m in v.mismatches):  # NaN, Inf, 3.4e38
        msg += (
            " The evaluator poisons fresh memory before each call (NaN on a GPU, 3.4e38 on the CPU): such "
            "values where the reference is finite usually mean output elements your kernels never wrote."
        )
    ok = v.ok
    check = Check(
        case=case.label,
        shapes=case.describe(),
        trial=spec.n + 1,
        ok=ok,
        max_abs_err=v.max_abs_err,
        max_rel_err=v.max_rel_err,
        n_bad=v.n_bad,
        n_total=v.n_total,
        mismatches=v.mismatches[:5],
        message=msg,
        call_ms=reply.call_ms,
        stage=spec.stage,
    )
    ref.result.checks.append(check)
    if not ok:
        where = {"late": "late call", "dynamic": "dynamic-range call", "after timing": "after timing"}.get(
            spec.stage, "call"
        )
        raise ref.fail(
            Status.incorrect,
            "correctness",
            f"Wrong result on {case.label} ({case.describe()}), {where} {spec.n + 1}: {msg}",
        )


def _oracle_reply(ref: Referee, oracle: Child, op: str, deadline: float) -> Reply:
    try:
        reply = oracle.receive(max(deadline, time.monotonic() + ref.limits.reference_s), op)
    except WireError as e:
        raise _oracle_failed(ref, None, f"the oracle died ({e})") from None
    if reply is None:
        raise _oracle_failed(ref, None, "the reference computation timed out")
    return reply
