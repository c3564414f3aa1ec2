"""A minimal root for the jail: the candidate's process sees only what it needs (issue 24, item 2).

    from evaluator.child import root
    root.enter(writable=["/tmp/kloop-eval-x/cand"], extra=[])   # mapped root of a fresh mount namespace only

Built on a fresh tmpfs and entered with pivot_root, then the old root is detached: nothing else of the host
filesystem stays reachable, by any path. The new root holds, each bound in at its own path:
- read-only: the system's programs and libraries (/usr and the merged-/usr links /bin, /lib, /lib64,
  /sbin; a compiler and ldconfig live there: Triton builds its launcher with them; a compiler installed
  elsewhere, with its own bin, lib and libexec folders, see `toolchain`), a few files of
  /etc (the loader's cache, the alternatives links, passwd/group: never shadow, ssl, or anything else),
  the Python installation (prefix, base prefix, every sys.path entry; the project itself only as its
  `evaluator` package), LD_LIBRARY_PATH's folders, and whatever `extra` names (ncu's installation);
- writable: `writable` (the evaluation's work folder, a run's shared compile cache), a private /tmp and
  /dev/shm (size-limited tmpfs, counted in the jail's memory by evaluator.parent.jail);
- /dev with only null, zero, full, random, urandom, tty-less, plus the GPU's nvidia* device files;
  /proc (the jail's own PID namespace) and /sys, read-only.
So the host's home folders, keys, `runs/` of other projects, /etc/shadow and host unix sockets (under
/run, /var/run, /tmp: a network namespace does not cover pathname sockets) are simply not there.

Everything is bound from descriptors opened before the first mount (a path under /tmp stays reachable
after the fresh tmpfs covers /tmp). Each read-only bind is made read-only the moment it exists, so no
mkdir can ever land in a host folder. Raises OSError when the host refuses any step; the caller
(evaluator.child.boot.confine) then falls back to the read-only view of the whole host and says so.
"""

from __future__ import annotations

import ctypes
import glob
import os
import platform
import sys

STAGE = "/tmp"  # where the new root is assembled before the pivot (any existing directory would do)
ROOT_MB = 16  # the new root's own tmpfs: mountpoints and links only
TMP_MB = 2048  # private /tmp: bounded, freed with the namespace
SHM_MB = 512  # private /dev/shm
SYSTEM = ["/usr", "/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"]
ETC = [  # read by the loader, the compiler driver, getpwuid: no secrets among them
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/os-release",
]
DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"]
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "ppc64le": 203}  # syscall numbers: glibc has no wrapper
MNT_DETACH = 2

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME = 16384, 1 << 18, 1 << 21
PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_libc = ctypes.CDLL(None, use_errno=True)


def mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def enc(s: str | None) -> bytes | None:
        return s.encode() if s is not None else None

    if _libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def mount_flags(mp: str) -> int:
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


def under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def readable(extra: list[str]) -> list[str]:
    """Every host path the jail reads, as given (links resolved later): system, /etc files, Python, code."""
    paths = [*SYSTEM, *ETC]
    python = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix, os.path.dirname(sys.executable)}
    python.add(os.path.dirname(os.path.realpath(sys.executable)))
    # Installed (pip install .), PROJECT is a site-packages folder: every package in it is needed, bound whole.
    installed = os.path.basename(PROJECT) in ("site-packages", "dist-packages")
    checkout = set() if installed else {os.path.realpath(PROJECT), os.path.realpath(os.path.dirname(PROJECT))}
    for entry in sys.path:
        if not entry or not os.path.isabs(entry):
            continue  # the working directory: the work folder, bound writable anyway
        if os.path.realpath(entry) in checkout:
            continue  # a source checkout is reachable as its evaluator package only (not runs/, not .env files)
        python.add(entry)
    python.add(os.path.join(PROJECT, "evaluator"))
    libs = [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if os.path.isabs(p)]
    return paths + sorted(python) + libs + toolchain() + list(extra)


TOOLCHAIN_DIRS = ("bin", "lib", "lib64", "libexec", "include")  # a compiler's own folders under its prefix


def _folders(path: str) -> list[str]:
    """The folder of `path` as found (a link's) and of its real path, each once."""
    return list(dict.fromkeys(os.path.dirname(p) for p in (os.path.abspath(path), os.path.realpath(path))))


def compiler() -> str | None:
    """The C compiler Triton builds its launcher with: CC, else gcc, else clang on PATH (as Triton looks for
    one), else cc. The probe (evaluator.child.boot) compiles with it; `toolchain` makes it readable."""
    import shutil

    cc = os.environ.get("CC")
    return shutil.which(cc) if cc else shutil.which("gcc") or shutil.which("clang") or shutil.which("cc")


def toolchain() -> list[str]:
    """The C compiler (`compiler`), its assembler and its linker, where they live outside the system folders
    (an H200 host had gcc under /opt/gcc): their installation's own folders (bin, lib, lib64, libexec,
    include), never the whole prefix, which could be a home folder."""
    import shutil

    found = set()
    for path in (compiler(), shutil.which("as"), shutil.which("ld")):
        if path is None:
            continue
        for folder in _folders(path):
            if under(folder, SYSTEM):
                continue
            if os.path.basename(folder) == "bin":
                prefix = os.path.dirname(folder)
                found.update(d for d in (os.path.join(prefix, n) for n in TOOLCHAIN_DIRS) if os.path.isdir(d))
            else:
                found.add(folder)
    return sorted(found)


NSIGHT_GLOB = "nsight-compute*"  # beside a CUDA toolkit's bin/: where its `ncu` script finds the real tool
NSIGHT_OPT = "/opt/nvidia/nsight-compute"  # the script's other place to look (standalone installs)


def program_dirs(path: str) -> list[str]:
    """The folders a tool started by `boot --exec` needs to see: its own folder (by the path it was found at
    and its real path), and for a CUDA toolkit's `bin/ncu`, which is a shell script that looks for
    `nsight-compute-<version>` beside `bin/` or under /opt/nvidia, those installations too (an H200 host
    had ncu as /usr/local/cuda-13.0/bin/ncu, the tool itself elsewhere)."""
    found: list[str] = []
    for folder in _folders(path):
        found.append(folder)
        if os.path.basename(folder) == "bin":
            found += sorted(
                d for d in glob.glob(os.path.join(os.path.dirname(folder), NSIGHT_GLOB)) if os.path.isdir(d)
            )
    if os.path.isdir(NSIGHT_OPT):
        found.append(NSIGHT_OPT)
    return list(dict.fromkeys(found))


class Builder:
    """Assembles the new root under STAGE. `ro` holds the read-only binds made so far (new-root paths): a path
    below one of them is already there, and nothing may be created inside it."""

    def __init__(self) -> None:
        self.ro: list[str] = []

    def stage(self, path: str) -> str:
        return STAGE + path

    def ensure(self, path: str, is_dir: bool) -> None:
        """A mountpoint at `path` of the new root, created on the staging tmpfs only."""
        target = self.stage(path)
        if os.path.lexists(target):
            return
        parent = os.path.dirname(path)
        if parent != "/" and not os.path.lexists(self.stage(parent)):
            self.ensure(parent, True)
        if is_dir:
            os.mkdir(target, 0o755)
        else:
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o644))

    def bind(self, fd: int, path: str, writable: bool) -> None:
        is_dir = os.path.isdir(f"/proc/self/fd/{fd}")
        if not under(path, self.ro):
            self.ensure(path, is_dir)  # under a bound folder the mountpoint is that folder's own entry
        target = self.stage(path)
        mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
        if not writable:  # at once: nothing made later can land in a host folder
            mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags(target))
            self.ro.append(path)

    def seal(self, path: str) -> None:
        """`path`, a folder made on the private /tmp to hold mountpoints, bound onto itself read-only with what is
        mounted below it (a writable work folder stays writable): nothing can be created in it."""
        target = self.stage(path)
        mount(target, target, None, MS_BIND | MS_REC)
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags(target))

    def link(self, path: str) -> None:
        """A symbolic link of the host (merged /usr: /lib -> usr/lib) recreated as is in the new root."""
        if under(path, self.ro) or os.path.lexists(self.stage(path)):
            return
        self.ensure(os.path.dirname(path), True)
        os.symlink(os.readlink(path), self.stage(path))


def _placeholders_under_tmp(bound: list[str], writable: list[str]) -> list[str]:
    """The outermost folders the new root's private /tmp gets only as parents of what is bound read-only below
    them: a checkout under /tmp is there as its `evaluator` package alone (`readable`), so /tmp/<checkout> is made
    on the writable tmpfs, and would otherwise take files (the rest of the staging tmpfs is remounted read-only).
    A folder bound itself, read-only or writable, is no placeholder (sealing a work folder would shut it)."""
    tops = {"/tmp/" + p[len("/tmp/") :].split("/")[0] for p in bound if p.startswith("/tmp/")}
    return sorted(t for t in tops if t not in bound and t not in writable)


def _open_all(paths: list[str]) -> list[tuple[str, int, bool]]:
    """(new-root path, O_PATH descriptor, is a link to recreate) for each existing path, parents first.
    A path reached through links is bound at its real location, and the link itself is recreated."""
    out: dict[str, tuple[int, bool]] = {}
    for p in paths:
        p = os.path.normpath(p)
        if not os.path.lexists(p):
            continue
        real = os.path.realpath(p)
        if os.path.islink(p):
            out.setdefault(p, (-1, True))
        if real not in out and os.path.exists(real):
            out[real] = (os.open(real, os.O_PATH), False)
    return [(p, fd, is_link) for p, (fd, is_link) in sorted(out.items(), key=lambda kv: (kv[0].count("/"), kv[0]))]


def enter(writable: list[str], extra: list[str] | None = None) -> None:
    """Build the minimal root and pivot into it. Needs: a private mount namespace (the caller made / private)
    and capabilities in it. Raises OSError (the staging mount detached again) when any step fails."""
    arch = platform.machine()
    if arch not in PIVOT_ROOT:
        raise OSError(0, f"pivot_root: no syscall number known for {arch}")
    writable = [os.path.realpath(p) for p in writable]
    sources = _open_all(readable(extra or []))
    wfds = [(p, os.open(p, os.O_PATH | os.O_DIRECTORY)) for p in writable]
    devices = [d for d in DEVICES + sorted(glob.glob("/dev/nvidia*")) if os.path.exists(d)]
    dfds = [(d, os.open(d, os.O_PATH)) for d in devices]
    proc, sys_fd = os.open("/proc", os.O_PATH | os.O_DIRECTORY), os.open("/sys", os.O_PATH | os.O_DIRECTORY)
    mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, f"size={ROOT_MB}m,mode=0755")
    try:
        b = Builder()
        os.mkdir(b.stage("/tmp"), 0o1777)
        mount("tmpfs", b.stage("/tmp"), "tmpfs", MS_NOSUID | MS_NODEV, f"size={TMP_MB}m,mode=1777")
        for path, fd, is_link in sources:
            if is_link:
                b.link(path)
            elif not under(path, b.ro):
                b.bind(fd, path, writable=False)
        _dev(b, dfds)
        for path, fd in [("/proc", proc), ("/sys", sys_fd)]:
            b.ensure(path, True)
            mount(f"/proc/self/fd/{fd}", b.stage(path), None, MS_BIND | MS_REC)
        for path, fd in sorted(wfds, key=lambda x: len(x[0])):
            b.bind(fd, path, writable=True)
        for path in _placeholders_under_tmp([path for path, _, _ in sources], writable):
            b.seal(path)
        os.mkdir(b.stage("/.old"), 0o700)
        if _libc.syscall(PIVOT_ROOT[arch], STAGE.encode(), (STAGE + "/.old").encode()) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"pivot_root: {os.strerror(err)}")
    except OSError:
        _libc.umount2(STAGE.encode(), MNT_DETACH)
        raise
    finally:
        for fd in [fd for _, fd, link in sources if not link] + [fd for _, fd in wfds + dfds] + [proc, sys_fd]:
            os.close(fd)
    os.chdir("/")
    if _libc.umount2(b"/.old", MNT_DETACH) != 0:  # the host's tree: unreachable from here on
        err = ctypes.get_errno()
        raise OSError(err, f"umount /.old: {os.strerror(err)}")
    os.rmdir("/.old")


def _dev(b: Builder, dfds: list[tuple[str, int]]) -> None:
    """/dev: a small tmpfs with the allowed device nodes bound in, the usual links, a private /dev/shm."""
    b.ensure("/dev", True)
    mount("tmpfs", b.stage("/dev"), "tmpfs", MS_NOSUID, "size=1m,mode=0755")
    for path, fd in dfds:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            b.ensure(path, True)
        else:
            b.ensure(path, False)
        mount(f"/proc/self/fd/{fd}", b.stage(path), None, MS_BIND | MS_REC)
    for name, target in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1")]:
        os.symlink(target, b.stage(f"/dev/{name}"))
    os.symlink("/proc/self/fd/2", b.stage("/dev/stderr"))
    os.mkdir(b.stage("/dev/shm"), 0o1777)
    mount("tmpfs", b.stage("/dev/shm"), "tmpfs", MS_NOSUID | MS_NODEV, f"size={SHM_MB}m,mode=1777")
