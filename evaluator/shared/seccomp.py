"""Keep SIGCHLD's disposition as the harness left it, with a seccomp filter, before any candidate code runs.

    from evaluator.shared import seccomp
    seccomp.seal_sigchld()       # this process, all its threads, every child it starts: for good

Why: a child the kernel reaps by itself leaves nothing behind, neither a zombie nor CPU time in its parent's
account (/proc/PID/stat cutime, cstime), so work done in such a helper escapes the parent's witness
(evaluator.parent.witness), which reads exactly those. The kernel reaps a child by itself only when its
parent's SIGCHLD is ignored (SIG_IGN) or set with SA_NOCLDWAIT, and both are set through one system call,
rt_sigaction(SIGCHLD, act, ...) with `act` non-NULL. The filter answers that call with EPERM; reading the
disposition (`act` NULL), every other signal, and everything else stay allowed. Honest host code never sets
SIGCHLD (a linker, collect2, resets it to SIG_DFL and ignores the answer).

How it holds (the kernel, not Python, enforces it):
- a seccomp filter can never be removed, and is inherited by every thread and child (no_new_privs first);
- TSYNC puts it on every thread the process already has (torch and the CUDA driver may have started some);
- only the native system-call ABI is allowed through: a call made through another one (x86-64's int 0x80
  or x32 numbers, which seccomp sees under another architecture or number) is refused, whatever it is.
Where the kernel refuses seccomp, `seal_sigchld` raises OSError and the caller records that it did not hold.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import signal

PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC = 1, 1
RET_ALLOW = 0x7FFF0000
RET_EPERM = 0x00050000 | errno.EPERM
X32_BIT = 0x40000000
# machine: (AUDIT_ARCH_*, rt_sigaction's number, seccomp's number)
ARCHES = {"x86_64": (0xC000003E, 13, 317), "aarch64": (0xC00000B7, 134, 277)}

# struct seccomp_data: nr at 0, arch at 4, instruction pointer at 8, args[i] at 16 + 8 i (little endian: low
# half first)
_NR, _ARCH, _ARG0, _ARG1_LO, _ARG1_HI = 0, 4, 16, 24, 28
_LD, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) for `machine` (platform.machine()); KeyError for one it does not know."""
    arch, rt_sigaction, _ = ARCHES[machine or platform.machine()]
    deny, allow = 11, 12  # instruction indexes below; a jump's offset counts from the next instruction
    prog = [
        (_LD, 0, 0, _ARCH),
        (_JEQ, 0, deny - 2, arch),  # 1: another ABI (int 0x80 on x86-64): refused
        (_LD, 0, 0, _NR),
        (_JGE, deny - 4, 0, X32_BIT),  # 3: an x32 number: refused
        (_JEQ, 0, allow - 5, rt_sigaction),  # 4: another call
        (_LD, 0, 0, _ARG0),  # the signal (an int: its low half is what the kernel reads)
        (_JEQ, 0, allow - 7, int(signal.SIGCHLD)),  # 6: another signal
        (_LD, 0, 0, _ARG1_LO),  # act, a pointer
        (_JEQ, 0, deny - 9, 0),  # 8: non-NULL low half: refused
        (_LD, 0, 0, _ARG1_HI),
        (_JEQ, allow - 11, deny - 11, 0),  # 10: NULL (a read of the disposition): allowed
        (_RET, 0, 0, RET_EPERM),  # 11
        (_RET, 0, 0, RET_ALLOW),  # 12
    ]
    return prog


def seal_sigchld() -> None:
    """From now on no thread of this process, and no process it starts, may change SIGCHLD's disposition.
    Raises OSError where the kernel refuses (no seccomp, or an architecture this does not know)."""
    machine = platform.machine()
    if machine not in ARCHES:
        raise OSError(f"no seccomp filter for {machine}")
    sys_seccomp = ARCHES[machine][2]
    code = program(machine)
    filters = (_Filter * len(code))(*(_Filter(*row) for row in code))
    prog = _Prog(len(code), ctypes.cast(filters, ctypes.POINTER(_Filter)))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    got = libc.syscall(ctypes.c_long(sys_seccomp), ctypes.c_uint(SECCOMP_SET_MODE_FILTER),
                       ctypes.c_uint(SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog))  # fmt: skip
    if got > 0:  # TSYNC's failure: the id of a thread that could not take the filter
        raise OSError(f"seccomp: thread {got} could not take the filter")
    if got != 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER)")
