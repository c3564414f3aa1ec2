"""Two things the candidate's process may not do, refused by a seccomp filter before any candidate code runs.

    from evaluator.shared import seccomp
    seccomp.seal()       # this process, all its threads, every child it starts: for good

1. Change SIGCHLD's disposition. A child the kernel reaps by itself leaves nothing behind, neither a zombie nor
   CPU time in its parent's account (/proc/PID/stat cutime, cstime), so work done in such a helper escapes the
   parent's witness (evaluator.parent.witness), which reads exactly those. The kernel reaps a child by itself
   only when its parent's SIGCHLD is ignored (SIG_IGN) or set with SA_NOCLDWAIT, and both are set through one
   system call, rt_sigaction(SIGCHLD, act, ...) with `act` non-NULL. The filter answers that call with EPERM;
   reading the disposition (`act` NULL) and every other signal stay allowed. Honest host code never sets
   SIGCHLD (a linker, collect2, resets it to SIG_DFL and ignores the answer).
2. Use System V IPC or POSIX message queues (IPC_CALLS). The jail shares the host's IPC namespace (CUDA's
   interprocess handles carry the oracle's output inbox across it), and these objects are named by small keys
   and ids, outlive every process, and are checked only by owner, which inside the jail maps to the evaluating
   user: a queue left by one candidate was read by the next, and a host segment could be read or removed. No
   part of an evaluation uses them (CUDA, PyTorch and Triton share memory through files and descriptors), so
   every such call is answered EPERM.

How it holds (the kernel, not Python, enforces it):
- a seccomp filter can never be removed, and is inherited by every thread and child (no_new_privs first);
- TSYNC puts it on every thread the process already has (torch and the CUDA driver may have started some);
- only the native system-call ABI is allowed through: a call made through another one (x86-64's int 0x80
  or x32 numbers, which seccomp sees under another architecture or number) is refused, whatever it is.
Where the kernel refuses seccomp, `seal` raises OSError and the caller records that it did not hold.
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
# System V IPC (shm*, sem*, msg*) and POSIX message queues (mq_*), by number: unistd_64.h / asm-generic/unistd.h
IPC_CALLS = {
    "x86_64": {
        "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65, "semctl": 66, "shmdt": 67,
        "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "semtimedop": 220, "mq_open": 240,
        "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
    },
    "aarch64": {
        "mq_open": 180, "mq_unlink": 181, "mq_timedsend": 182, "mq_timedreceive": 183, "mq_notify": 184,
        "mq_getsetattr": 185, "msgget": 186, "msgctl": 187, "msgrcv": 188, "msgsnd": 189, "semget": 190,
        "semctl": 191, "semtimedop": 192, "semop": 193, "shmget": 194, "shmctl": 195, "shmat": 196, "shmdt": 197,
    },
}  # fmt: skip

# struct seccomp_data: nr at 0, arch at 4, instruction pointer at 8, args[i] at 16 + 8 i (little endian: low
# half first)
_NR, _ARCH, _ARG0, _ARG1_LO, _ARG1_HI = 0, 4, 16, 24, 28
_LD, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
DENY, ALLOW = "deny", "allow"


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) for `machine` (platform.machine()); KeyError for one it does not know."""
    machine = machine or platform.machine()
    arch, rt_sigaction, _ = ARCHES[machine]
    # (code, true target, false target, k): a target is an index, a label, or None for the next instruction
    rows: list[tuple] = [
        (_LD, None, None, _ARCH),
        (_JEQ, None, DENY, arch),  # another ABI (int 0x80 on x86-64): refused
        (_LD, None, None, _NR),
        (_JGE, DENY, None, X32_BIT),  # an x32 number: refused
        *((_JEQ, DENY, None, nr) for nr in sorted(IPC_CALLS[machine].values())),
        (_JEQ, None, ALLOW, rt_sigaction),  # another call: allowed
        (_LD, None, None, _ARG0),  # the signal (an int: its low half is what the kernel reads)
        (_JEQ, None, ALLOW, int(signal.SIGCHLD)),  # another signal: allowed
        (_LD, None, None, _ARG1_LO),  # act, a pointer
        (_JEQ, None, DENY, 0),  # non-NULL low half: refused
        (_LD, None, None, _ARG1_HI),
        (_JEQ, ALLOW, DENY, 0),  # NULL (a read of the disposition): allowed
    ]
    at = {DENY: len(rows), ALLOW: len(rows) + 1}

    def offset(i: int, target) -> int:  # a jump counts from the next instruction
        return 0 if target is None else at[target] - i - 1

    prog = [
        (c, offset(i, t), offset(i, f), k) if c in (_JEQ, _JGE) else (c, 0, 0, k) for i, (c, t, f, k) in enumerate(rows)
    ]
    return prog + [(_RET, 0, 0, RET_EPERM), (_RET, 0, 0, RET_ALLOW)]


def seal() -> None:
    """From now on no thread of this process, and no process it starts, may change SIGCHLD's disposition or use
    System V IPC or POSIX message queues. Raises OSError where the kernel refuses (no seccomp, or an
    architecture this does not know)."""
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
