"""What a jail's processes hold, read from /proc by the parent (evaluator.parent.jail polls it).

    from evaluator.parent.usage import memory, disk
    m = memory([pid, ...])          # Memory(rss_mb, tmpfs_mb, memfd_mb, sysv_mb); m.total_mb
    d = disk(Path(workdir))         # Disk(mb, entries, capped)

Host memory is more than the resident set: pages in a tmpfs (the jail's private /tmp and /dev/shm), in a
memfd and in a System V segment stay allocated whatever the RSS says, and outlive the process that wrote
them while anyone holds them. So memory() adds, once each:
- the used blocks of each private tmpfs (/tmp, /dev/shm) in the mount namespaces of `pids`, read through
  /proc/PID/root (the parent owns the jail's user namespace, so it may look, however the candidate set its
  dumpable flag);
- every memfd a process holds open (/proc/PID/fd) at its allocated size, and every memfd mapped into one
  (/proc/PID/maps) at its mapping's length: a mapping whose descriptor was closed holds its pages too;
- System V segments made or last used by one of `pids` (/proc/sysvipc/shm).
A cgroup would count the same pages for us where the host delegates one; this works on every host that has
/proc, with the poll's granularity (a cgroup's limit is exact, this one is reached within POLL_S).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PRIVATE_TMPFS = ("/tmp", "/dev/shm")  # mounted by evaluator.child.boot / evaluator.child.root, per namespace
MAX_ENTRIES = 100_000  # a folder walk stops here: that many files is over any honest candidate's need


@dataclass
class Memory:
    rss_mb: float = 0.0
    tmpfs_mb: float = 0.0
    memfd_mb: float = 0.0
    sysv_mb: float = 0.0

    @property
    def total_mb(self) -> float:
        return self.rss_mb + self.tmpfs_mb + self.memfd_mb + self.sysv_mb

    def describe(self) -> str:
        parts = [f"{self.rss_mb:.0f} MB resident"]
        for name, mb in (("in its tmpfs (/tmp, /dev/shm)", self.tmpfs_mb), ("in memfds", self.memfd_mb)):
            if mb >= 1:
                parts.append(f"{mb:.0f} MB {name}")
        if self.sysv_mb >= 1:
            parts.append(f"{self.sysv_mb:.0f} MB in System V shared memory")
        return ", ".join(parts)


@dataclass
class Disk:
    mb: float
    entries: int
    capped: bool  # the walk met MAX_ENTRIES


_PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1 << 20


def _stat(pid: int, *index: int) -> list[int]:
    """Fields of /proc/PID/stat, counted after the command name (which may hold spaces and ')'), 0 being the
    state; all 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return [int(fields[i]) for i in index]
    except (OSError, IndexError, ValueError):
        return [0] * len(index)


def _rss_bytes(pid: int) -> int:
    return _stat(pid, 21)[0] * _PAGE


def namespace(pid: int | str, kind: str) -> str | None:
    """The namespace `kind` (pid, mnt, ...) of a process, as /proc/PID/ns names it; None once it is gone."""
    try:
        return os.readlink(f"/proc/{pid}/ns/{kind}")
    except OSError:
        return None


def _tmpfs_bytes(pid: int) -> int:
    """Used bytes of the private tmpfs mounts in `pid`'s mount namespace (seen through its root)."""
    total = 0
    try:
        with open(f"/proc/{pid}/mountinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return 0
    for line in lines:
        fields = line.split()
        if len(fields) < 10 or fields[4] not in PRIVATE_TMPFS or fields[3] != "/":
            continue
        sep = fields.index("-")
        if fields[sep + 1] != "tmpfs":
            continue
        try:
            st = os.statvfs(f"/proc/{pid}/root{fields[4]}")
        except OSError:
            continue
        total += (st.f_blocks - st.f_bfree) * st.f_frsize
    return total


def _memfds(pid: int, seen: set) -> int:
    """Bytes of memfds `pid` holds open or mapped that `seen` (device, inode) has not counted yet."""
    total = 0
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        fds = []
    for fd in fds:
        try:
            if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("/memfd:"):
                continue
            st = os.stat(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += max(st.st_blocks * 512, 0)
    try:
        with open(f"/proc/{pid}/maps") as f:
            maps = f.read().splitlines()
    except OSError:
        return total
    for line in maps:
        fields = line.split(maxsplit=5)
        if len(fields) < 6 or not fields[5].startswith("/memfd:"):
            continue
        key = ("mapped", fields[3], fields[4])  # device and inode as maps spells them
        if key in seen:
            continue
        seen.add(key)
        start, _, end = fields[0].partition("-")
        total += int(end, 16) - int(start, 16)
    return total


def sysv_segments(pids: set[int]) -> list[tuple[int, int]]:
    """(shmid, bytes) of System V segments created or last attached by one of `pids`."""
    out = []
    try:
        with open("/proc/sysvipc/shm") as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return out
    for row in rows:
        fields = row.split()
        try:
            shmid, size, cpid, lpid = int(fields[1]), int(fields[3]), int(fields[4]), int(fields[5])
        except (IndexError, ValueError):
            continue
        if cpid in pids or lpid in pids:
            out.append((shmid, size))
    return out


def memory(pids: list[int]) -> Memory:
    """What `pids` hold. A tmpfs is counted only in a mount namespace other than this process's own: the
    private ones of a jail, never the host's /tmp."""
    m = Memory()
    namespaces: set[str] = {namespace(os.getpid(), "mnt") or ""}
    seen: set = set()
    for pid in pids:
        m.rss_mb += _rss_bytes(pid) / MB
        ns = namespace(pid, "mnt")
        if ns is not None and ns not in namespaces:
            namespaces.add(ns)
            m.tmpfs_mb += _tmpfs_bytes(pid) / MB
        m.memfd_mb += _memfds(pid, seen) / MB
    m.sysv_mb = sum(size for _, size in sysv_segments(set(pids))) / MB
    return m


def disk(folder: Path) -> Disk:
    """Allocated bytes (sparse files count what they hold) and entries under `folder`; links not followed."""
    total, entries, stack = 0, 0, [str(folder)]
    while stack:
        try:
            it = os.scandir(stack.pop())
        except OSError:
            continue
        with it:
            for e in it:
                entries += 1
                if entries >= MAX_ENTRIES:
                    return Disk(total / MB, entries, True)
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += st.st_blocks * 512
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
    return Disk(total / MB, entries, False)


def _status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


def ns_pids(pid: int) -> list[int]:
    """The process's pid in each PID namespace it lives in, outermost first (/proc/PID/status NSpid)."""
    try:
        return [int(x) for x in _status(pid).get("NSpid", "").split()]
    except ValueError:
        return []


def children_ticks(pid: int) -> int:
    """CPU time, in clock ticks, of the children `pid` has reaped (cutime + cstime)."""
    return sum(_stat(pid, 13, 14))


def sigchld_mask(pid: int) -> int:
    """SigIgn | SigCgt of `pid`: the signals it ignores or catches."""
    s = _status(pid)
    try:
        return int(s.get("SigIgn", "0"), 16) | int(s.get("SigCgt", "0"), 16)
    except ValueError:
        return 0


def describe(pid: int) -> str:
    """`pid (name, state)` for a message."""
    s = _status(pid)
    return f"pid {pid}: {s.get('Name', '?')}, {s.get('State', '?').split(' ')[-1].strip('()')}"
