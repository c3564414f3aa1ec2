"""Seal a process's writes to a few folders with Landlock, before it runs the candidate's code.

    from evaluator.shared import landlock
    landlock.abi()                                   # the kernel's Landlock ABI version, 0 where it has none
    landlock.restrict_writes(["/w/target", "/dev", "/proc"])   # this process and every later child, for good

Why: `ncu` writes its evidence (the launches of the profiled call) into the jail, where its target runs the
candidate with the same user id. The target seals itself first (evaluator.worker.profile_target): from
then on it, and anything it forks, can create, write, truncate, rename or delete files only beneath the
allowed folders, and ncu's log folder is not one of them. Reading stays as the jail allows.

How it holds (Linux >= 5.13 with Landlock enabled; the kernel, not Python, enforces it):
- the restriction is inherited by every child and can never be lifted (no_new_privs is set first);
- a path is checked where it resolves, so /proc/PID/fd/N, symlinks, bind mounts and openat() on a held
  folder descriptor all land on the real file and are refused alike;
- a sealed process may not ptrace, or read the memory and descriptors (/proc/PID/mem, /proc/PID/fd) of, a
  process outside its domain, such as ncu;
- threads: Landlock seals the calling thread and what it starts later. From ABI 8 (Linux 7.0) the seal
  takes every thread of the process at once (LANDLOCK_RESTRICT_SELF_TSYNC), so threads started before it
  (ncu's injected library starts some before any Python runs) are sealed too; below ABI 8 they are not,
  which is why the target seals before it imports torch, and why the parent records the ABI;
- what it opened BEFORE the seal stays usable, so `restrict_writes` first points every inherited
  descriptor that resolves beneath a `sealed` folder at /dev/null (ncu passes its open files, its log
  included, to the target it starts).
Where the kernel has no Landlock, `restrict_writes` raises OSError; the caller knows beforehand from
`abi()` (the parent asks the same kernel) and records that the seal did not hold.
"""

from __future__ import annotations

import ctypes
import os

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# Access rights (linux/landlock.h). Only writes are handled: reading and executing stay unrestricted.
WRITE_FILE = 1 << 1
REMOVE_DIR, REMOVE_FILE = 1 << 4, 1 << 5
MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = (1 << i for i in range(6, 13))
REFER = 1 << 13  # ABI 2: link or rename across folders
TRUNCATE = 1 << 14  # ABI 3
RESTRICT_SELF_TSYNC = 1 << 3  # ABI 8: landlock_restrict_self seals every thread of the process, not only the caller


def _writes(version: int) -> int:
    rights = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG | MAKE_SOCK
    rights |= MAKE_FIFO | MAKE_BLOCK | MAKE_SYM
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    return rights


class _PathBeneath(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in the kernel's header: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi() -> int:
    """The running kernel's Landlock ABI version; 0 where it has none (too old, or not enabled at boot)."""
    version = _libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(int(version), 0)


def _under(path: str, folders: list[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def neutralise_inherited(sealed: list[str]) -> list[int]:
    """Point every open descriptor that resolves beneath a `sealed` folder at /dev/null; returns their numbers."""
    sealed = [os.path.realpath(f) for f in sealed]
    hit = []
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the listing's own descriptor, closed by now
        if target.startswith("/") and _under(target.removesuffix(" (deleted)"), sealed):
            hit.append(int(name))
    if hit:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in hit:
            if fd != null:
                os.dup2(null, fd, inheritable=os.get_inheritable(fd))
        if null not in hit:
            os.close(null)
    return hit


def restrict_writes(allowed: list[str], sealed: list[str] = ()) -> int:
    """From now on this process and its children write only beneath `allowed` (existing folders); inherited
    descriptors into `sealed` are neutralised first. Returns the ABI version used; raises OSError where the
    kernel has no Landlock or refuses a step (nothing is half applied: the seal is the last step)."""
    version = abi()
    if version < 1:
        raise OSError("this kernel has no Landlock")
    neutralise_inherited(list(sealed))
    handled = _writes(version)
    attr = ctypes.c_uint64(handled)  # struct landlock_ruleset_attr, first field only: valid for every ABI
    ruleset = _libc.syscall(
        ctypes.c_long(SYS_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(8), ctypes.c_uint32(0)
    )
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        for folder in allowed:
            fd = os.open(folder, os.O_PATH | os.O_CLOEXEC | os.O_DIRECTORY)
            try:
                rule = _PathBeneath(handled, fd)
                if _libc.syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                                 ctypes.byref(rule), ctypes.c_uint32(0)) != 0:  # fmt: skip
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule {folder}")
            finally:
                os.close(fd)
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        flags = RESTRICT_SELF_TSYNC if version >= 8 else 0
        if _libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(flags)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return version
