"""Operating-system confinement of the candidate's process (used by evaluator.parent.supervisor).

    from evaluator.parent.jail import Jail, confinement, child_env
    jail = Jail(workdir, memory_mb=8000, cuda=True)
    cmd = jail.prefix() + [sys.executable, "-m", "evaluator.child.boot", ...] + jail.boot_args()
    cmd = jail.prefix() + jail.around(["ncu", ...])    # another program, confined the same way first
    env = child_env(workdir, interpret, extra) | jail.env()
    jail.over(pgid)              # while polling: "memory", "disk" or "processes" once over that limit, else None
    jail.explain(reason, what)   # the message for the candidate's result
    jail.sweep()                 # after the kill: whatever is left, its System V segments too

What holds where (README "Trust"):
- Namespaces (Linux, `unshare` from util-linux; works as root and, where unprivileged user namespaces
  are enabled, as an ordinary user): the candidate runs as PID 1 of new user, PID, mount and network
  namespaces. It cannot see or signal its parent (getppid() is 0), has no network (a downed
  loopback only), sees every file system read-only except its work folder and a private /tmp
  (evaluator.child.boot), has no capabilities, and every process it starts, in whatever session or
  nested namespace, dies with it (PID-namespace teardown). `setpriv --pdeathsig KILL` ties the jail
  to the evaluating process. Probed once per process (a write to the project from inside must fail;
  on a GPU, cuInit must work inside); KLOOP_NETNS=0 switches it off.
- Without namespaces (a host that refuses them): the child runs in its own session with a private
  HOME/TMPDIR, and the result carries a warning (`confinement_warning`): writes outside the work
  folder, signals to the parent and network are then stopped only by the static bans, and leftover
  processes only by the group kill and a sweep for the KLOOP_JAIL token in their environment.
- Everywhere: SIGCHLD's disposition sealed by seccomp in the candidate's process before its code runs
  (evaluator.shared.seccomp: a helper process it starts cannot be reaped out of the witness's sight);
  an allow-listed environment (no API keys or tokens reach the candidate: ALLOWED_ENV),
  and a host-memory limit on the RSS of everything in the jail (polled from /proc; RLIMIT_AS would
  break CUDA's huge virtual reservations).
- Stale host memory (CPU): MALLOC_PERTURB_ makes glibc fill every allocation with 0x7F bytes (3.4e38
  as float32), tcache off so no chunk skips that. (On a GPU: evaluator.child.guards.)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from evaluator.parent import usage
from evaluator.shared.files import write_atomic
from evaluator.shared.paths import cache_dir

ROOT = Path(__file__).resolve().parents[2]
UNSHARE = [
    "unshare",
    "--user",
    "--map-root-user",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount",
    "--mount-proc",
    "--net",
]
# Names that reach the candidate (the parent adds PYTHONPATH, HOME, TMPDIR, TRITON_CACHE_DIR, ...).
ALLOWED_ENV = re.compile(
    r"(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TERM|USER|LOGNAME|SHELL|VIRTUAL_ENV|LD_LIBRARY_PATH"
    r"|CUDA_[A-Z_]+|NVIDIA_[A-Z_]+|CUBLAS_[A-Z_]+|CUDNN_[A-Z_]+|NCCL_[A-Z_]+|TRITON_[A-Z_]+"
    r"|TORCH_[A-Z_]+|PYTORCH_[A-Z_]+|OMP_NUM_THREADS|MKL_NUM_THREADS|CC|CXX)"
)
DISK_MB = 4096.0  # the work folder's whole size (files, its Triton cache, captured stdout/stderr)
DISK_POLL_S = 1.0  # a folder walk per second at most
PROCESSES = 64  # alive at once: the candidate launches kernels; it needs no processes beyond a compiler's
SECRET = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH", re.IGNORECASE)  # never, even if allowed above
_PROBED: dict[bool, Probe] = {}
_PROBING = threading.Lock()


@dataclass(frozen=True)
class Probe:
    """What confinement this host gives (probed once per process and kind of jail)."""

    why_not: str | None  # None: the namespaces work here
    root: str = "minimal"  # "minimal" (evaluator.child.root) or "host" (the read-only view of the host)
    root_refused: str | None = None  # why the minimal root did not hold here
    tasks: bool = True  # the task limit in the jail (off where RLIMIT_NPROC would count the host user's tasks)


def probe(cuda: bool) -> str | None:
    """None when the namespaces work here, else why not (one line)."""
    return confinement(cuda).why_not


def confinement(cuda: bool) -> Probe:
    """Can this host confine? The minimal root first; where it breaks anything an evaluation needs (Python's
    imports, the GPU, the compiler: evaluator.child.boot._probe), the read-only host view, said so."""
    if os.environ.get("KLOOP_NETNS", "1") == "0":
        return Probe("switched off (KLOOP_NETNS=0)")
    with _PROBING:  # once per process: an evaluation and a prestart (evaluation.prestart) may ask together
        if cuda not in _PROBED:
            _PROBED[cuda] = _confinement(cuda)
        return _PROBED[cuda]


def _confinement(cuda: bool) -> Probe:
    if shutil.which("unshare") is None:
        return Probe("`unshare` (util-linux) is not installed")
    wanted = os.environ.get("KLOOP_ROOT", "minimal")
    tasks = os.environ.get("KLOOP_TASKS", "") != "0"
    key = _probe_key(cuda, wanted, tasks)
    known = _remembered(key)
    if known is not None:
        return known
    first = _run_probe(cuda, "host" if wanted == "host" else "minimal", tasks)
    if first.why_not is not None and tasks and "task limit" in first.why_not:
        tasks = False  # an older kernel: the limit would count the host user's tasks; the poll still holds
        first = _run_probe(cuda, first.root, tasks)
    if first.why_not is not None and wanted != "host":
        host = _run_probe(cuda, "host", tasks)
        if host.why_not is None:  # the namespaces hold; only the minimal root broke something here
            first = Probe(None, "host", first.root_refused or first.why_not, tasks)
    _remember(key, first)
    return first


PROBE_SOURCES = ("child/boot.py", "child/root.py", "parent/jail.py")  # the probe runs these, nothing else


def _probe_key(cuda: bool, wanted: str, tasks: bool) -> str | None:
    """What a probe's answer depends on: this boot of this host (the kernel, its settings, the driver), the
    user, the interpreter, the environment the jail passes on and the confinement's own code. None where the
    host has no boot id: probed every time."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
    h = hashlib.sha256()
    env = {k: os.environ.get(k, "") for k in ("CC", "PATH", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES")}
    h.update(json.dumps([boot, os.getuid(), sys.executable, sys.version, sys.path, cuda, wanted, tasks, env]).encode())
    for name in PROBE_SOURCES:
        h.update((ROOT / "evaluator" / name).read_bytes())
    return h.hexdigest()[:32]


def _probe_file() -> Path:
    return cache_dir() / "probe.json"


def _remembered(key: str | None) -> Probe | None:
    """A successful probe of this boot, kept by an earlier process (4-9 s saved per start: the probe imports
    torch and triton in the jail and, on a GPU, initialises CUDA and compiles). Only answers that confine are
    kept, so a host that stopped confining is probed again on its next boot, or when anything keyed changes."""
    if key is None:
        return None
    try:
        said = json.loads(_probe_file().read_text()).get(key)
        return Probe(None, str(said["root"]), said.get("root_refused"), bool(said["tasks"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _remember(key: str | None, p: Probe) -> None:
    if key is None or p.why_not is not None:
        return
    path = _probe_file()
    try:
        known = json.loads(path.read_text()) if path.is_file() else {}
        known = known if isinstance(known, dict) else {}
    except (OSError, ValueError):
        known = {}
    known[key] = {"root": p.root, "root_refused": p.root_refused, "tasks": p.tasks, "at": time.time()}
    try:
        write_atomic(path, json.dumps(dict(list(known.items())[-16:]), indent=1))
    except OSError:
        pass  # only a saving


def _run_probe(cuda: bool, root: str, tasks: bool) -> Probe:
    folder = tempfile.mkdtemp(prefix="kloop-probe-")
    cmd = [*UNSHARE, sys.executable, "-m", "evaluator.child.boot", "--probe", folder, *(["--cuda"] * cuda)]
    try:
        r = subprocess.run(
            cmd,
            cwd=folder,
            env={**child_env(Path(folder), not cuda), "HOME": folder, "KLOOP_ROOT": root, **_tasks_env(tasks)},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=180,
        )
    except (OSError, subprocess.SubprocessError) as e:
        return Probe(f"the namespace probe failed ({e})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    try:
        said = json.loads(r.stdout.decode(errors="replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        said = {}
    if r.returncode == 0 and said:
        return Probe(None, said.get("root", root), said.get("root_refused"), tasks)
    last = (r.stderr.decode(errors="replace").strip().splitlines() or [f"exit {r.returncode}"])[-1]
    why = said.get("failed") or last
    return Probe(
        f"the namespace probe failed ({str(why)[:200]})", root, said.get("root_refused") or str(why)[:200], tasks
    )


def _tasks_env(tasks: bool) -> dict[str, str]:
    return {} if tasks else {"KLOOP_TASKS": "0"}


def child_env(workdir: Path, interpret: bool, extra: dict[str, str] | None = None) -> dict:
    """An allow-listed environment: `extra` last (CUDA_VISIBLE_DEVICES, a shared TRITON_CACHE_DIR)."""
    env = {k: v for k, v in os.environ.items() if ALLOWED_ENV.fullmatch(k) and not SECRET.search(k)}
    env["TRITON_CACHE_DIR"] = str(workdir / "triton_cache")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONNOUSERSITE"] = "1"
    env["KLOOP_PARENT_PID"] = str(os.getpid())
    if interpret:
        env["TRITON_INTERPRET"] = "1"
    else:
        env.pop("TRITON_INTERPRET", None)
    env.update({k: v for k, v in (extra or {}).items() if not SECRET.search(k)})
    return env


def jail_env(workdir: Path, interpret: bool, extra: dict[str, str] | None, jail: "Jail | None") -> dict:
    """The whole environment of a child: the allow-list and `extra` (child_env), then the jail's own (its token,
    HOME/TMPDIR in its folder, the file limit). Started fresh (evaluator.parent.process.spawn) or forked
    (evaluator.parent.warm), a child gets the same."""
    env = child_env(workdir, interpret, extra)
    if jail is not None:
        env.update(jail.env())
    return env


def untrusted_env(env: dict[str, str] | None) -> dict[str, str]:
    """`env` for a process that runs the candidate's code (the candidate's own, ncu's target): no
    shared TRITON_CACHE_DIR, so it compiles into a cache in its own work folder (child_env). What it wrote
    into a run's shared cache (a forged kernel binary or launcher) would reach a rival or the trusted side."""
    return {k: v for k, v in (env or {}).items() if k != "TRITON_CACHE_DIR"}


def default_memory_mb() -> float:
    """Half the host's memory, at most 64 GB: generous for a worker, fatal for nobody."""
    try:
        with open("/proc/meminfo") as f:
            total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        return 32_000.0
    return min(total_kb / 1024 / 2, 64_000.0)


class Jail:
    def __init__(
        self,
        workdir: Path,
        *,
        memory_mb: float | None,
        cuda: bool,
        namespaces: bool = True,
        poison: bool = True,
        writable: list[Path] | None = None,
        file_mb: float = 0.0,
        disk_mb: float = DISK_MB,
        processes: int = PROCESSES,
    ):
        self.workdir = workdir
        self.file_mb = file_mb  # RLIMIT_FSIZE inside (evaluator.child.boot.confine): bounds every file it writes
        self.memory_mb = default_memory_mb() if memory_mb is None else memory_mb
        self.disk_mb = disk_mb  # everything in the work folder together, captured output included; 0: off
        self.processes = processes  # processes (not threads) alive in the jail at once; 0: off
        self.cuda = cuda
        self.poison = poison
        found = confinement(cuda) if namespaces else Probe("switched off for this evaluation")
        self.why_not, self.root, self.root_refused = found.why_not, found.root, found.root_refused
        self.tasks = found.tasks
        self.writable = [workdir] + [p for p in (writable or []) if p != workdir]
        for p in self.writable:  # a shared compile cache may not exist yet; the jail binds what exists
            p.mkdir(parents=True, exist_ok=True)
        self.ns: str | None = None  # the jail's PID namespace, once its init runs
        # Forked by a warm zygote (evaluator.parent.warm): the jail is everything below this host pid instead.
        self.below: int | None = None
        self.peak_mb = 0.0  # host memory of the jail at its highest (usage.Memory.total_mb)
        self.peak = usage.Memory()  # the sample at that peak, for the message
        self.used_disk = usage.Disk(0.0, 0, False)
        self.seen: set[int] = set()  # host pids ever found in the jail: their System V segments go with it
        self._disk_at = 0.0
        self.token = secrets.token_hex(8)

    @property
    def confined(self) -> bool:
        return self.why_not is None

    def prefix(self) -> list[str]:
        pdeath = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []
        return pdeath + (UNSHARE if self.confined else [])

    def boot_args(self) -> list[str]:
        return ["--confine", *map(str, self.writable)] if self.confined else []

    def around(self, argv: list[str]) -> list[str]:
        """`argv` started by evaluator.child.boot --exec: confined (read-only view, private /tmp, no
        capabilities) before it runs, for processes other than the candidate's own (ncu with its target)."""
        return [sys.executable, "-m", "evaluator.child.boot", "--exec", *self.boot_args(), "--", *argv]

    def env(self) -> dict[str, str]:
        marker = {"KLOOP_JAIL": self.token}  # inherited by every descendant: found again by sweep()
        marker["KLOOP_ROOT"] = self.root  # evaluator.child.boot.confine: the root this host's probe allowed
        marker.update(_tasks_env(self.tasks))  # and whether its kernel counts RLIMIT_NPROC per namespace
        if self.file_mb:
            marker["KLOOP_FILE_MB"] = str(int(self.file_mb))
        if self.poison and not self.cuda:
            tunables = ":".join(filter(None, [os.environ.get("GLIBC_TUNABLES"), "glibc.malloc.tcache_count=0"]))
            marker.update(MALLOC_PERTURB_="128", GLIBC_TUNABLES=tunables)  # allocations read 0x7F7F7F7F
        home, tmp = self.workdir / "home", self.workdir / "tmp"
        home.mkdir(parents=True, exist_ok=True)
        tmp.mkdir(parents=True, exist_ok=True)
        return {
            **marker,
            "HOME": str(home),
            "TMPDIR": str(tmp),
            "TMP": str(tmp),
            "TEMP": str(tmp),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }

    def started(self, launcher_pid: int) -> None:
        """Remember the jail's PID namespace (its init is the launcher's child)."""
        if not self.confined:
            return
        for pid in _children(launcher_pid):
            ns = usage.namespace(pid, "pid")
            if ns is not None and ns != usage.namespace("self", "pid"):
                self.ns = ns

    def members(self, pgid: int) -> list[int]:
        """Host pids of the group and of the jail's PID namespace (forked: of the zygote's descendants)."""
        if self.below is not None:
            return descendants(self.below)
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            in_ns = self.ns is not None and usage.namespace(name, "pid") == self.ns
            if int(fields[2]) == pgid or in_ns or self._marked(name):
                found.append(int(name))
        return found

    def over(self, pgid: int) -> str | None:
        """Polled while the jail runs: "memory", "disk" or "processes" when it went over that limit, else None.
        Memory counts what its processes hold outside their RSS too (evaluator.parent.usage.memory)."""
        members = self.members(pgid)
        self.seen.update(members)
        if self.processes and len(members) > self.processes:
            return "processes"
        if self.memory_mb:
            m = usage.memory(members)
            if m.total_mb > self.peak_mb:
                self.peak_mb, self.peak = m.total_mb, m
            if m.total_mb > self.memory_mb:
                return "memory"
        if self.disk_mb and time.monotonic() - self._disk_at >= DISK_POLL_S:
            self._disk_at = time.monotonic()
            self.used_disk = usage.disk(self.workdir)
            if self.used_disk.mb > self.disk_mb or self.used_disk.capped:
                return "disk"
        return None

    def explain(self, reason: str, activity: str) -> str:
        """The message for a jail killed over `reason` (from over()), written for the repair prompt."""
        if reason == "processes":
            return (
                f"Killed: the candidate's process started more than {self.processes} processes while {activity}. "
                "Launch kernels from the one process; start no processes."
            )
        if reason == "disk":
            d = self.used_disk
            what = f"{usage.MAX_ENTRIES} files" if d.capped else f"{d.mb:.0f} MB"
            return (
                f"Killed: the candidate's work folder grew to {what} (limit {self.disk_mb:.0f} MB, captured "
                f"output included) while {activity}. Write no files, print little: return results as tensors."
            )
        return (
            f"Killed: the candidate's processes used {self.peak_mb:.0f} MB of host memory ({self.peak.describe()}; "
            f"limit {self.memory_mb:.0f} MB) while {activity}. Keep tensors on the device, allocate only the "
            "output and scratch the kernels need, cache nothing across calls, and keep no files in /tmp or /dev/shm."
        )

    def _marked(self, pid: str) -> bool:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                return f"KLOOP_JAIL={self.token}".encode() in f.read().split(b"\0")
        except OSError:
            return False

    def sweep(self) -> None:
        """Kill what is left: the namespace's members (its init first), then token bearers; then remove the
        System V segments its processes made (they outlive every process and its PID namespace)."""
        try:
            self._kill_members()
        finally:
            _remove_segments(self.seen)

    def _kill_members(self) -> None:
        me = os.getpid()
        if self.below is not None:
            for pid in descendants(self.below):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            return
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == me:
                continue
            if (self.ns is not None and usage.namespace(name, "pid") == self.ns) or self._marked(name):
                try:
                    os.kill(int(name), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


def _children(pid: int) -> list[int]:
    """Children of every thread of `pid` (a child's parent is the thread that forked it)."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            continue
    return out


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (orphans are re-parented to their PID namespace's init, which is below too)."""
    out, frontier = [], _children(pid)
    while frontier:
        out += frontier
        frontier = [c for p in frontier for c in _children(p)]
    return out


def _remove_segments(pids: set[int]) -> None:
    """IPC_RMID on each System V segment created or last attached by one of `pids` (the jail shares the
    host's IPC namespace: a namespace of its own could stop CUDA's interprocess handles)."""
    if not pids:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for shmid, _ in usage.sysv_segments(pids):
        libc.shmctl(shmid, 0, None)  # IPC_RMID: freed once the last process detaches (all are dead)
