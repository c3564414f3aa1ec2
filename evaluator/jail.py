"""OS-level confinement of a candidate's worker: no network, a private HOME and TMPDIR, a host-memory
limit, and no process left behind. Used by evaluator.sandbox; every part degrades silently.

    from evaluator.jail import Jail
    jail = Jail(workdir, memory_mb=8000, cuda=True)   # untrusted=True: a candidate's worker
    cmd = jail.prefix() + [sys.executable, "-m", "evaluator.worker", ...]
    env.update(jail.env())
    jail.started(pid)             # once the worker runs: remember its network namespace
    jail.over_memory(pgid)        # while polling: the group's RSS in MB when over the limit, else None
    jail.sweep()                  # after the group kill: kill what escaped the group (setsid)

- Network: the worker starts under `unshare -rn` (a new user namespace, as unprivileged as before,
  owning a new network namespace with only a downed loopback). Used only where a probe succeeds:
  `unshare -rn true` on the CPU, and on a GPU a probe that initialises the CUDA driver inside the
  namespaces (cuInit + a device count), so a machine where namespaces break CUDA falls back to
  no namespace instead of failing every evaluation. KLOOP_NETNS=0 switches it off. The static
  bans (socket, urllib, http, requests, ...) stand either way.
- Stale host memory (CPU workers): MALLOC_PERTURB_ makes glibc fill every allocation with 0x7F
  bytes (each float32 reads 3.4e38) and tcache is off so no chunk skips that: a CPU kernel that
  never writes part of its output cannot return values the reference left in a freed chunk.
  (On a GPU the worker poisons the caching allocator itself: evaluator.guards.)
- Files: HOME, TMPDIR, TMP, TEMP and XDG_CACHE_HOME point into the evaluation's temp folder, so
  ~ and tempfile land there (PYTHONUSERBASE keeps the real user site-packages importable). The
  static bans (open, os, pathlib, shutil, torch.save, ...) are the real barrier.
- Memory: the parent sums the RSS of the worker's process group (and of anything in its network
  namespace) from /proc every few polls and kills the group above `memory_mb`. RLIMIT_AS is not
  used: CUDA reserves huge virtual address ranges and would fail under it; RSS is what hurts the host.
- Escapees: a process that left the group with setsid is still in the worker's network namespace,
  and inherits a KLOOP_JAIL token in its environment; sweep() kills every process with either.
  Only one that also scrubs its environment, on a machine without namespaces, survives (the static
  bans keep os/subprocess out of candidates).
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import site
import subprocess
import sys
from pathlib import Path

_PROBED: dict[bool, list[str]] = {}
CUDA_PROBE = ("import ctypes, sys\n"
              "lib = ctypes.CDLL('libcuda.so.1'); n = ctypes.c_int()\n"
              "sys.exit(0 if lib.cuInit(0) == 0 and lib.cuDeviceGetCount(ctypes.byref(n)) == 0 and n.value > 0 else 1)")


def netns_prefix(cuda: bool) -> list[str]:
    """["unshare", "-rn"] where that works here (probed once per process), else []."""
    if os.environ.get("KLOOP_NETNS", "1") == "0":
        return []
    if cuda not in _PROBED:
        prefix = ["unshare", "-rn"]
        probe = prefix + ([sys.executable, "-c", CUDA_PROBE] if cuda else ["true"])
        try:
            ok = shutil.which("unshare") is not None and subprocess.run(
                probe, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                timeout=60).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        _PROBED[cuda] = prefix if ok else []
    return list(_PROBED[cuda])


def default_memory_mb() -> float:
    """Half the host's memory, at most 64 GB: generous for a worker, fatal for nobody."""
    try:
        with open("/proc/meminfo") as f:
            total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        return 32_000.0
    return min(total_kb / 1024 / 2, 64_000.0)


def _netns(pid: int | str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


class Jail:
    def __init__(self, workdir: Path, *, memory_mb: float | None, cuda: bool, network: bool = True,
                 untrusted: bool = True, poison: bool = True):
        self.workdir = workdir
        self.memory_mb = default_memory_mb() if memory_mb is None else memory_mb
        self.cuda = cuda
        self.network = network
        self.untrusted = untrusted
        self.poison = poison
        self.ns: str | None = None  # the worker's network namespace, when it has its own
        self.peak_mb = 0.0
        self.token = secrets.token_hex(8)
        self._page_kb = os.sysconf("SC_PAGE_SIZE") / 1024

    def prefix(self) -> list[str]:
        return netns_prefix(self.cuda) if self.network else []

    def env(self) -> dict[str, str]:
        if not self.untrusted:
            return {}
        marker = {"KLOOP_JAIL": self.token}  # inherited by every descendant: found again by sweep()
        if self.poison and not self.cuda:
            tunables = ":".join(filter(None, [os.environ.get("GLIBC_TUNABLES"), "glibc.malloc.tcache_count=0"]))
            marker.update(MALLOC_PERTURB_="128", GLIBC_TUNABLES=tunables)  # allocations read 0x7F7F7F7F
        home, tmp = self.workdir / "home", self.workdir / "tmp"
        home.mkdir(parents=True, exist_ok=True)
        tmp.mkdir(parents=True, exist_ok=True)
        return {**marker, "HOME": str(home), "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp),
                "XDG_CACHE_HOME": str(home / ".cache"),
                "PYTHONUSERBASE": os.environ.get("PYTHONUSERBASE", site.getuserbase())}

    def started(self, pid: int) -> None:
        ns = _netns(pid)
        if ns is not None and ns != _netns("self"):
            self.ns = ns

    def _members(self, pgid: int) -> list[tuple[int, int]]:
        """(pid, rss pages) of the group and of the worker's network namespace."""
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid or (self.ns is not None and _netns(name) == self.ns):
                found.append((int(name), int(fields[21])))
        return found

    def over_memory(self, pgid: int) -> float | None:
        if not self.memory_mb:
            return None
        rss_mb = sum(pages for _, pages in self._members(pgid)) * self._page_kb / 1024
        self.peak_mb = max(self.peak_mb, rss_mb)
        return rss_mb if rss_mb > self.memory_mb else None

    def _marked(self, pid: str) -> bool:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                return f"KLOOP_JAIL={self.token}".encode() in f.read().split(b"\0")
        except OSError:
            return False

    def sweep(self) -> None:
        if self.ns is None and not self.untrusted:
            return
        me = os.getpid()
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == me:
                continue
            if (self.ns is not None and _netns(name) == self.ns) or (self.untrusted and self._marked(name)):
                try:
                    os.kill(int(name), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
