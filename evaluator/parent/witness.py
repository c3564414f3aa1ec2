"""Evidence from outside the candidate's process that it worked alone during its checked calls.

    from evaluator.parent.witness import Witness
    w = Witness(child.jail, child.proc.pid)
    w.before()                       # just before a checked call
    why = w.after(counted=not first) # after it: None, or why the work was not the candidate's process's alone

The in-process audits see only the candidate's own process; a forward that hands its work to another process
(forked at import or per call, PyTorch or Python computing there, a Triton copy kernel bringing the result back)
passes them and the knockout. The parent reads what the kernel keeps about the jail's processes instead, which
nothing in the jail can edit (it holds no capabilities):
- any process alive beside the candidate's own in its PID namespace when a checked call returns, zombies
  included (a helper it started and has not reaped);
- CPU time of children the candidate reaped during the call (/proc/PID/stat cutime + cstime, in clock ticks:
  what a helper that came and went left behind);
- SIGCHLD ignored or caught by the candidate (/proc/PID/status SigIgn, SigCgt): children that are reaped
  automatically leave no CPU time behind, and honest host code never touches SIGCHLD.
A case's first call is not counted: Triton starts its compilers (cc, ptxas) there. A child reaped
automatically through SA_NOCLDWAIT with the default handler would be visible in none of these; the
candidate's process cannot arrange it: before any candidate code runs, a seccomp filter makes the kernel
refuse every change of SIGCHLD's disposition, in all its threads and children (evaluator.shared.seccomp,
evaluator.child.candidate.seal). Where the kernel refuses the filter, the result's notes say so and
that case stays out of reach (the static contract, no os and no ctypes, still stops the code that sets it up).
"""

from __future__ import annotations

from evaluator.parent import usage
from evaluator.parent.jail import Jail, descendants

SIGCHLD_BIT = 1 << (17 - 1)  # signal 17 on x86_64 and aarch64: bit 16 of the masks in /proc/PID/status


class Witness:
    def __init__(self, jail: Jail | None, pgid: int):
        self.jail, self.pgid = jail, pgid
        self._cand: int | None = None  # found once: the jail's PID 1 is the same process for the whole evaluation
        self._ticks: int | None = None

    def _candidate(self) -> int | None:
        """Host pid of the candidate's own process: PID 1 of the innermost PID namespace among the jail's
        members (confined), else the spawned process itself."""
        if self.jail is None or not self.jail.confined:
            return self.pgid
        if self._cand is None:
            depth = 1
            for pid in self.jail.members(self.pgid):
                ns = usage.ns_pids(pid)
                if len(ns) > depth and ns[-1] == 1:
                    self._cand, depth = pid, len(ns)
        return self._cand

    def _others(self, cand: int) -> list[int]:
        if self.jail is None or not self.jail.confined:
            return descendants(cand)
        ns = usage.namespace(cand, "pid")
        if ns is None:  # gone: the call's own failure says why
            return []
        return [p for p in self.jail.members(self.pgid) if p != cand and usage.namespace(p, "pid") == ns]

    def before(self) -> None:
        cand = self._candidate()
        self._ticks = usage.children_ticks(cand) if cand is not None else None

    def after(self, counted: bool) -> str | None:
        cand = self._candidate()
        if cand is None or not counted:
            return None
        others = self._others(cand)
        if others:
            names = ", ".join(usage.describe(p) for p in others[:4])
            return (
                f"Another process was running beside the candidate's during a checked call ({names}): the work "
                "must be done by the kernels the candidate's own process launches; start no processes."
            )
        if self._ticks is not None and usage.children_ticks(cand) > self._ticks:
            return (
                "The candidate's process ran a child process during a checked call (its children's CPU time "
                "grew): the work must be done by the kernels it launches itself; start no processes."
            )
        if usage.sigchld_mask(cand) & SIGCHLD_BIT:
            return (
                "The candidate's process ignores or catches SIGCHLD, which only hides child processes: the work "
                "must be done by the kernels it launches itself; start no processes."
            )
        return None
