"""First code of the candidate's process: confine it, then hand over to evaluator.child.candidate.

    python -m evaluator.child.boot JOB.json READ_FD WRITE_FD [--confine WRITABLE_DIR ...]
    python -m evaluator.child.boot --probe WRITABLE_DIR [--cuda]   # can this host confine? (jail.probe)
    python -m evaluator.child.boot --exec [--confine WRITABLE_DIR ...] -- PROGRAM ARGS...

With --confine it runs as PID 1 of fresh user, PID, mount and network namespaces (evaluator.parent.jail
starts it under `unshare`) and, before any candidate code exists in the process:
- makes mount propagation private and enters a minimal root (evaluator.child.root): a fresh tmpfs
  holding only the system's libraries and programs, a few /etc files, the Python installation, the
  project's `evaluator` package, the GPU's device files, a private /tmp and /dev/shm (size-limited; they
  vanish with the namespace) and each WRITABLE_DIR (the evaluation's work folder); the host's tree is
  detached. Where the host refuses that (or KLOOP_ROOT=host), the whole host stays visible instead,
  with a private /tmp and /dev/shm and each WRITABLE_DIR bound back in place. Either way every mount but
  those is then read-only (a `from_file(..., shared=True)` mapping is a write too);
- limits the size of each file it writes (RLIMIT_FSIZE, KLOOP_FILE_MB) and its tasks (RLIMIT_NPROC,
  KLOOP_TASKS, counted per user namespace);
- drops every capability (bounding, ambient, effective, permitted, inheritable sets) and sets
  no_new_privs, so the candidate cannot remount anything writable again; a nested user namespace
  it creates inherits the read-only mounts locked;
- checks the result (a write to the project must fail) and reports it in the hello message.
Because it is PID 1, its exit kills every process left in the namespace, whatever session or
namespace they made for themselves, and getppid() is 0 here: the evaluator is out of sight.
Without --confine (a host that refuses namespaces) it runs unconfined and says so.

--exec confines the same way, then replaces itself with PROGRAM: how a tool that wraps the candidate's
process (ncu, evaluator.parent.ncu) runs inside the same jail, with the candidate under it. It refuses to start
PROGRAM (exit 70) when the project is still writable.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time

from evaluator.child import root

TMP_MB = root.TMP_MB
PROJECT = root.PROJECT
TASKS = 1024  # tasks (threads count) in the jail at once: a fork bomb stops here (_limit_tasks)
_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS = 0x00020000  # <linux/sched.h>
_mount, _flags = root.mount, root.mount_flags
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = root.MS_RDONLY, root.MS_NOSUID, root.MS_NODEV, root.MS_NOEXEC
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = root.MS_REMOUNT, root.MS_BIND, root.MS_REC, root.MS_PRIVATE


def _mountpoints() -> list[str]:
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")  # \040 for spaces
            points.append(mp)
    return points


_under = root.under


def drop_capabilities() -> None:
    for cap in range(64):
        _libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP: no capability comes back through execve
    _libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
    if _libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3, all sets empty
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def confine(writable: list[str], extra: list[str] | None = None) -> dict:
    """A minimal root (evaluator.child.root) or, where the host refuses it or KLOOP_ROOT=host, the read-only
    view of the whole host with a private /tmp; then everything read-only but `writable`, the file and task
    limits, no capabilities. Returns what holds (wire.Confinement's fields)."""
    t0 = time.perf_counter()
    writable = [os.path.realpath(p) for p in writable]
    os.setsid()  # a session of its own: kill(0, ...) then reaches only the namespace, not the launcher
    # A mount namespace of our own before the first mount, even inside the launcher's: every mount and the
    # pivot below stay in it. Run as root outside `unshare` (a test, a person), confine() once pivoted the
    # caller's namespace, i.e. the whole host, into the minimal root.
    if _libc.unshare(CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWNS): {os.strerror(err)}; not confining in the caller's namespace")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    kind, refused = "host", None
    if os.environ.get("KLOOP_ROOT", "minimal") != "host":
        try:
            root.enter(writable, extra)
            kind = "minimal"
        except OSError as e:
            refused = str(e)
    if kind == "host":
        _host_view(writable, extra or [])
    failed = _readonly_all_but(writable)
    file_mb = _limit_files()
    tasks = _limit_tasks()
    drop_capabilities()
    os.chdir(writable[0])  # the old working directory is gone (minimal root) or read-only
    return {
        "namespaces": ["user", "pid", "mount", "net"],
        "private_tmp": True,
        "caps_dropped": True,
        "readonly_failed": failed,
        "project_writable": _writable(PROJECT),
        "file_limit_mb": file_mb,
        "root": kind,
        "root_refused": refused,
        "task_limit": tasks,
        "seconds": time.perf_counter() - t0,
    }


def _host_view(writable: list[str], extra: list[str]) -> None:
    """The fallback: the host's tree stays, with a private /tmp and /dev/shm and `writable` bound back (and
    what the jail must read under /tmp: `_needed_under_tmp`, `extra` among it)."""
    readable = _needed_under_tmp(writable, extra)
    # readable first: a work folder that lies inside one of them is bound on top, and stays writable
    fds = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in readable + writable}
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={TMP_MB}m,mode=1777")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={root.SHM_MB}m,mode=1777")
    for p, fd in fds.items():
        os.makedirs(p, exist_ok=True)  # under the fresh /tmp the path must exist again
        _mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
        os.close(fd)


def _readonly_all_but(writable: list[str]) -> list[str]:
    """Remount every mount read-only but `writable`, /proc and the private /tmp and /dev/shm (the minimal
    root's own tmpfs too: nothing can be created next to what it holds). Returns the mounts that refused."""
    private = {"/tmp", "/dev/shm"}
    failed = []
    for mp in _mountpoints():
        if _under(mp, writable) or _under(mp, ["/proc"]) or mp in private:
            continue
        try:
            _mount(None, mp, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _flags(mp))
        except OSError as e:
            failed.append(f"{mp} ({e.strerror})")
    return failed


def _limit_tasks() -> int | None:
    """At most KLOOP_TASKS (default TASKS; 0: none) tasks, threads included, in the jail, enforced by the kernel
    two ways, whichever this host honours: the PID namespace's own pid_max (Linux 6.14 and later: a task past
    it cannot get a PID; needs capabilities in the namespace, so it is set before they are dropped) and
    RLIMIT_NPROC (counted per user namespace since Linux 5.14, but never for a host's root user). None when
    neither holds; the parent's poll (evaluator.parent.jail, Limits.processes) bounds the processes either way."""
    import resource

    try:
        n = int(os.environ.get("KLOOP_TASKS", str(TASKS)))
    except ValueError:
        n = TASKS
    if n <= 0:
        return None
    held = False
    if os.getpid() == 1:  # the namespace's init: its pid_max is this jail's alone
        try:
            with open("/proc/sys/kernel/pid_max", "w") as f:
                f.write(str(max(n, 301)))  # the kernel's least pid_max: 300 PIDs are reserved
            held = True
        except OSError:  # an older kernel: pid_max is the host's
            pass
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
        held = held or os.getuid() != 0 or _host_uid() != 0
    except (OSError, ValueError):
        pass
    return n if held else None


def _host_uid() -> int:
    """The host uid this process runs as (its user namespace's map), 0 for the host's root."""
    try:
        with open("/proc/self/uid_map") as f:
            inside, outside, _ = f.read().split()[:3]
        return int(outside) + os.getuid() - int(inside)
    except (OSError, ValueError):
        return os.getuid()


def _limit_files() -> int | None:
    """RLIMIT_FSIZE, soft and hard, from KLOOP_FILE_MB (evaluator.parent.jail): no file the jail writes, its captured
    stdout and stderr included, grows past it (a write beyond is SIGXFSZ); without capabilities it cannot be
    raised again. None when no limit was asked for."""
    import resource

    try:
        mb = int(os.environ.get("KLOOP_FILE_MB", "0"))
    except ValueError:
        return None
    if mb <= 0:
        return None
    resource.setrlimit(resource.RLIMIT_FSIZE, (mb << 20, mb << 20))
    return mb


def _needed_under_tmp(writable: list[str], extra: list[str]) -> list[str]:
    """Folders this process must still read that live under /tmp, which the private tmpfs would hide: the
    Python installation (a venv made under /tmp), the project, every sys.path entry and `extra` (the folders of
    a program `--exec` starts: ncu's). They are bound back in place and then remounted read-only with
    everything else."""
    wanted = {PROJECT, sys.prefix, sys.exec_prefix, *(p for p in sys.path if p), *extra}
    under = sorted(
        {os.path.realpath(p) for p in wanted if os.path.isdir(p)} - set(writable),
        key=len,
    )
    out: list[str] = []
    for p in under:
        if p.startswith("/tmp/") and not _under(p, out) and not _under(p, writable):
            out.append(p)
    return out


def _writable(folder: str) -> bool:
    probe = os.path.join(folder, f".kloop-probe-{os.getpid()}")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    return True


def _probe(writable: str, cuda: bool) -> int:
    """Confine as a candidate would be, then check that what an evaluation needs still works inside: Python
    can import torch and triton (the minimal root holds every file they read), the GPU initialises and the C
    compiler builds Triton's launcher (GPU only), a thread and a process can start under the task limit.
    Prints one JSON line: {"root": "minimal"|"host", "root_refused": why or null, "failed": what or null}."""
    import json

    info = confine([writable])
    failed = None
    if info["project_writable"] or not _writable(writable) or not _writable("/tmp") or os.getpid() != 1:
        failed = "the jail's view is not as confined as it should be"
    else:
        try:
            _probe_inside(writable, cuda)
        except Exception as e:  # noqa: BLE001 - whatever failed is the answer
            failed = f"{type(e).__name__}: {e}".strip()[:300]
    print(json.dumps({"root": info["root"], "root_refused": info["root_refused"], "failed": failed}), flush=True)
    return 0 if failed is None else 1


def _probe_inside(writable: str, cuda: bool) -> None:
    import threading

    import torch  # noqa: F401 - importing is the check
    import triton  # noqa: F401

    try:
        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()
        pid = os.fork()
    except (OSError, RuntimeError) as e:  # EAGAIN: a kernel that counts RLIMIT_NPROC per host user
        raise OSError(f"the task limit stops a thread or process here ({e})") from None
    if pid == 0:
        os._exit(0)
    if os.waitpid(pid, 0)[1] != 0:
        raise OSError("a forked process did not exit cleanly")
    if not cuda:
        return
    lib = ctypes.CDLL("libcuda.so.1")
    n = ctypes.c_int()
    if lib.cuInit(0) != 0 or lib.cuDeviceGetCount(ctypes.byref(n)) != 0 or n.value == 0:
        raise OSError("cuInit failed inside the jail")
    import subprocess
    import sysconfig

    cc = root.compiler()
    if cc is None:
        raise OSError("no C compiler is visible (Triton builds its launcher with one)")
    src = os.path.join(writable, "probe.c")
    with open(src, "w") as f:
        f.write("#include <Python.h>\nint probe(void) { return Py_IsInitialized(); }\n")
    inc = sysconfig.get_paths()["include"]
    r = subprocess.run(
        [cc, "-shared", "-fPIC", f"-I{inc}", src, "-o", os.path.join(writable, "probe.so")],
        capture_output=True,
        timeout=60,
    )
    if r.returncode != 0:
        raise OSError(f"{cc} failed inside the jail: {r.stderr.decode(errors='replace').strip()[-200:]}")


def _exec(argv: list[str]) -> None:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        sys.exit("boot --exec: expected [--confine DIR ...] -- PROGRAM ARGS...")
    options, program = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    if "--confine" in options:
        import shutil

        found = shutil.which(program[0])  # the program's own installation (ncu's, wherever) is readable too
        extra = root.program_dirs(found) if found else []
        info = confine(options[options.index("--confine") + 1 :], extra)
        if info["project_writable"]:
            print(f"boot --exec: the project is still writable, not starting {program[0]}", file=sys.stderr)
            sys.exit(70)  # EX_SOFTWARE
        if info["readonly_failed"]:  # as for the candidate (a note in its result): said, not fatal
            print(f"boot --exec: read-only remount failed for {info['readonly_failed']}", file=sys.stderr)
    sys.stdout.flush()
    os.execvp(program[0], program)


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["--probe"]:
        sys.exit(_probe(argv[1], "--cuda" in argv))
    if argv[:1] == ["--exec"]:
        _exec(argv[1:])
    job, rfd, wfd = argv[0], int(argv[1]), int(argv[2])
    if "--confine" in argv:
        info = confine(argv[argv.index("--confine") + 1 :])
    else:
        info = {
            "namespaces": [],
            "private_tmp": False,
            "caps_dropped": False,
            "readonly_failed": [],
            "project_writable": _writable(PROJECT),
        }
    from evaluator.child.candidate import main as candidate_main

    candidate_main(job, rfd, wfd, info)


if __name__ == "__main__":
    main()
