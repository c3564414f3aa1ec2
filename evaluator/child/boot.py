"""First code of the candidate's process: confine it, then hand over to evaluator.child.candidate.

    python -m evaluator.child.boot JOB.json READ_FD WRITE_FD [--confine WRITABLE_DIR ...]
    python -m evaluator.child.boot --probe WRITABLE_DIR [--cuda]   # can this host confine? (jail.probe)
    python -m evaluator.child.boot --exec [--confine WRITABLE_DIR ...] -- PROGRAM ARGS...

With --confine it runs as PID 1 of fresh user, PID, mount and network namespaces (evaluator.jail
starts it under `unshare`) and, before any candidate code exists in the process:
- makes mount propagation private, mounts a private tmpfs on /tmp and /dev/shm (size-limited; it
  vanishes with the namespace), binds each WRITABLE_DIR (the evaluation's work folder) back in place,
  then remounts every other mount read-only: the project, $HOME, runs/ are unwritable, whatever the
  path (a `from_file(..., shared=True)` mapping is a write too);
- drops every capability (bounding, ambient, effective, permitted, inheritable sets) and sets
  no_new_privs, so the candidate cannot remount anything writable again; a nested user namespace
  it creates inherits the read-only mounts locked;
- checks the result (a write to the project must fail) and reports it in the hello message.
Because it is PID 1, its exit kills every process left in the namespace, whatever session or
namespace they made for themselves, and getppid() is 0 here: the evaluator is out of sight.
Without --confine (a host that refuses namespaces) it runs unconfined and says so.

--exec confines the same way, then replaces itself with PROGRAM: how a tool that wraps the candidate's
process (ncu, evaluator.ncu) runs inside the same jail, with the candidate under it. It refuses to start
PROGRAM (exit 70) when the project is still writable.
"""

from __future__ import annotations

import ctypes
import os
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 16384, 1 << 18, 1 << 21, 1 << 24
TMP_MB = 2048  # private /tmp: bounded, freed with the namespace
PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_libc = ctypes.CDLL(None, use_errno=True)


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def enc(s: str | None) -> bytes | None:
        return s.encode() if s is not None else None

    if _libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _mountpoints() -> list[str]:
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")  # \040 for spaces
            points.append(mp)
    return points


def _flags(mp: str) -> int:
    """The mount's own flags, to keep on a read-only remount (a user namespace may not clear locked ones)."""
    st = os.statvfs(mp)
    out = 0
    for st_flag, ms_flag in (
        (os.ST_NOSUID, MS_NOSUID),
        (os.ST_NODEV, MS_NODEV),
        (os.ST_NOEXEC, MS_NOEXEC),
        (os.ST_NOATIME, MS_NOATIME),
        (os.ST_NODIRATIME, MS_NODIRATIME),
        (os.ST_RELATIME, MS_RELATIME),
    ):
        if st.f_flag & st_flag:
            out |= ms_flag
    return out


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


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


def confine(writable: list[str]) -> dict:
    """Private /tmp, read-only everything but `writable`, no capabilities. Returns what holds."""
    writable = [os.path.realpath(p) for p in writable]
    readable = _needed_under_tmp(writable)
    os.setsid()  # a session of its own: kill(0, ...) then reaches only the namespace, not the launcher
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    # readable first: a work folder that lies inside one of them is bound on top, and stays writable
    fds = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in readable + writable}
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={TMP_MB}m,mode=1777")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={TMP_MB // 4}m,mode=1777")
    for p, fd in fds.items():
        os.makedirs(p, exist_ok=True)  # under the fresh /tmp the path must exist again
        _mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
        os.close(fd)
    failed = []
    for mp in _mountpoints():
        if _under(mp, writable) or _under(mp, ["/proc"]):
            continue
        if not _under(mp, readable) and _under(mp, ["/tmp", "/dev/shm"]):
            continue  # the private tmpfs mounts themselves stay writable
        try:
            _mount(None, mp, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _flags(mp))
        except OSError as e:
            failed.append(f"{mp} ({e.strerror})")
    file_mb = _limit_files()
    drop_capabilities()
    os.chdir(writable[0])  # the old working directory is the read-only one under the private /tmp
    return {
        "namespaces": ["user", "pid", "mount", "net"],
        "private_tmp": True,
        "caps_dropped": True,
        "readonly_failed": failed,
        "project_writable": _writable(PROJECT),
        "file_limit_mb": file_mb,
    }


def _limit_files() -> int | None:
    """RLIMIT_FSIZE, soft and hard, from KLOOP_FILE_MB (evaluator.jail): no file the jail writes, its captured
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


def _needed_under_tmp(writable: list[str]) -> list[str]:
    """Folders this process must still read that live under /tmp, which the private tmpfs would hide: the
    Python installation (a venv made under /tmp), the project and every sys.path entry. They are bound
    back in place and then remounted read-only with everything else."""
    wanted = {PROJECT, sys.prefix, sys.exec_prefix, *(p for p in sys.path if p)}
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
    info = confine([writable])
    ok = not info["project_writable"] and _writable(writable) and _writable("/tmp") and os.getpid() == 1
    if ok and cuda:  # namespaces must not break the CUDA driver
        lib = ctypes.CDLL("libcuda.so.1")
        n = ctypes.c_int()
        ok = lib.cuInit(0) == 0 and lib.cuDeviceGetCount(ctypes.byref(n)) == 0 and n.value > 0
    return 0 if ok else 1


def _exec(argv: list[str]) -> None:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        sys.exit("boot --exec: expected [--confine DIR ...] -- PROGRAM ARGS...")
    options, program = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    if "--confine" in options:
        info = confine(options[options.index("--confine") + 1 :])
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
