"""Warm processes: a zygote per role imports Python, torch and triton once; each evaluation forks from it.

    from evaluator.parent.warm import POOL
    zyg = POOL.acquire("candidate", interpret=False, env=env, jail=jail)   # started on first use, then reused
    proc = zyg.fork("evaluator.child.candidate", job_path, (rfd, wfd), workdir, name, env, confine=[...])
    proc.poll(); proc.wait(2); proc.kill()                                 # a Popen-like handle
    POOL.release(zyg)                                                      # back to the idle list
    POOL.prestart("oracle", interpret=False, env=env, jail=None)            # in the background, before it is needed

Two roles: `candidate` (the zygote runs in the jail's namespaces, evaluator.child.zygote; each fork gets
a PID and mount namespace of its own and confines itself before any candidate code exists) and
`oracle` (trusted, unconfined). A zygote serves one evaluation at a time and is recycled after
MAX_FORKS forks or any fault (a lost socket, a fork that did not start). What one candidate leaves
behind cannot reach the next: see evaluator.child.zygote. KLOOP_WARM=0 (or EvalConfig(warm=False))
starts every process fresh instead, as before.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import select
import socket
import sys
import threading
import time
from pathlib import Path

from evaluator.parent import cancel
from evaluator.parent.jail import Jail, _children
from evaluator.parent.process import reap, spawn, tail

MAX_FORKS = 64  # per zygote, then a fresh one (bounds anything that could accumulate in it)
START_S = 180.0  # a zygote's imports, on a loaded CPU
STARTERS = 2  # threads that bring zygotes up for prestart(): an evaluation's two roles at once
MAX_IDLE = 16  # idle zygotes kept at most (two roles for each of 8 GPU slots); the longest idle go first


class ZygoteError(RuntimeError):
    pass


class Forked:
    """A process forked by a zygote, as much of subprocess.Popen as the supervisor uses."""

    def __init__(self, zygote: Zygote, pid: int):
        self.zygote, self.pid = zygote, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.zygote.pump(0.0)
            except ZygoteError:  # the zygote died: so did its namespace and this fork with it
                self.returncode = -9
                return self.returncode
            self.returncode = self.zygote.exits.pop(self.pid, None)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
        while self.poll() is None:
            left = deadline - time.monotonic()
            if left <= 0:
                import subprocess

                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            self.zygote.pump(min(left, 0.1))
        return self.returncode

    def kill(self) -> None:
        """Everything the fork started (jailed: the zygote's whole namespace but itself); then reaped."""
        if self.poll() is not None and not self.zygote.jailed or self.zygote.broken:
            return
        try:
            self.zygote.request({"op": "kill", "pid": self.pid})
            self.wait(10)
        except Exception:  # noqa: BLE001 - a zygote that does not answer is recycled with its namespace
            self.zygote.broken = True
            self.returncode = self.returncode if self.returncode is not None else -9


class Zygote:
    def __init__(self, role: str, interpret: bool, env: dict[str, str], jail: Jail | None, workdir: Path):
        self.role, self.interpret, self.env, self.jail, self.workdir = role, interpret, env, jail, workdir
        self.jailed = jail is not None and jail.confined
        self.forks = 0
        self.broken = False
        self.exits: dict[int, int] = {}
        self._pending: list[dict] = []
        self._buf = b""
        parent, mine = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock = parent
        argv = [sys.executable, "-m", "evaluator.child.zygote", str(mine.fileno()), role]
        if self.jailed:
            argv.append("--jailed")
        self.proc = spawn(
            argv, workdir, interpret=interpret, jail=jail, env=env, name="zygote", pass_fds=(mine.fileno(),)
        )
        mine.close()
        try:
            ready = self._next(lambda m: "ready" in m, time.monotonic() + START_S)
        except ZygoteError:
            self.close()
            raise
        self.pid_in_ns = ready["ready"]
        if jail is not None:
            jail.started(self.proc.pid)
        kids = _children(self.proc.pid) if self.jailed else []
        self.host_pid = kids[0] if kids else self.proc.pid  # under unshare: its child is the zygote

    # -- the socket

    def request(self, msg: dict, fds: tuple[int, ...] = ()) -> None:
        data = (json.dumps(msg) + "\n").encode()
        try:
            if fds:
                socket.send_fds(self.sock, [data], list(fds))
            else:
                self.sock.sendall(data)
        except OSError as e:
            self.broken = True
            raise ZygoteError(f"the zygote is gone ({e})") from None

    def pump(self, timeout: float) -> list[dict]:
        """Read what the zygote said within `timeout`; exits are kept in self.exits."""
        out = []
        ready, _, _ = select.select([self.sock], [], [], max(timeout, 0.0))
        if ready:
            try:
                chunk = self.sock.recv(1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self.broken = True
                raise ZygoteError(self._why("the warm process closed its socket"))
            self._buf += chunk
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            msg = json.loads(line)
            if "exit" in msg:
                self.exits[msg["exit"]] = msg["status"]
            else:
                out.append(msg)
        self._pending += out
        return out

    def _why(self, what: str) -> str:
        """`what`, with the last error line of the zygote's stderr (a Python that could not start says why)."""
        time.sleep(0.2)  # its last words reach the file
        lines = [ln.strip() for ln in tail(self.workdir / "zygote.stderr.txt").splitlines() if ln.strip()]
        why = next((ln for ln in reversed(lines) if "rror" in ln), lines[-1] if lines else "")
        return f"{what}: {why[:300]}" if why else what

    def _next(self, match, deadline: float) -> dict:
        while True:
            for i, m in enumerate(self._pending):
                if match(m):
                    return self._pending.pop(i)
            if time.monotonic() >= deadline:
                self.broken = True
                raise ZygoteError("the zygote did not answer in time")
            if self.proc.poll() is not None:
                self.broken = True
                raise ZygoteError(self._why(f"the warm process exited ({self.proc.returncode})"))
            self.pump(0.1)

    # -- forks

    def fork(
        self, module: str, job: Path, fds: tuple[int, int], workdir: Path, name: str, env: dict[str, str], confine
    ) -> Forked:
        req = {
            "op": "fork",
            "role": self.role,
            "module": module,
            "job": str(job),
            "cwd": str(workdir),
            "env": env,
            "confine": [str(p) for p in confine],
            "stdout": str(workdir / f"{name}.stdout.txt"),
            "stderr": str(workdir / f"{name}.stderr.txt"),
        }
        self.request(req, fds)
        self.forks += 1
        return Forked(self, self._next(lambda m: "forked" in m, time.monotonic() + 30)["forked"])

    @property
    def usable(self) -> bool:
        return not self.broken and self.forks < MAX_FORKS and self.proc.poll() is None

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            reap(self.proc, self.jail)


class Pool:
    """Idle zygotes by (role, interpreter, environment); one evaluation holds one zygote per role."""

    def __init__(self):
        self.lock = threading.Lock()
        self.idle: dict[tuple, list[Zygote]] = {}
        self.pending: dict[tuple, threading.Event] = {}  # zygotes prestart() is bringing up, by key
        self.requests: queue.Queue = queue.Queue()  # prestart()'s, for the starter threads
        self.starters: list[threading.Thread] = []
        self.root: Path | None = None
        self.started = 0  # zygotes started in this process (benchmarks report it)

    def _key(self, role: str, interpret: bool, env: dict[str, str], jail: Jail | None) -> tuple:
        jail_key = None if jail is None else (jail.confined, jail.memory_mb, jail.poison, jail.cuda)
        return role, interpret, tuple(sorted(env.items())), jail_key

    def acquire(self, role: str, *, interpret: bool, env: dict[str, str], jail: Jail | None) -> Zygote:
        key = self._key(role, interpret, env, jail)
        with self.lock:
            starting = None if self.idle.get(key) else self.pending.get(key)
        if starting is not None:  # prestart() is bringing one up: wait for it rather than start a second
            starting.wait(START_S)
        with self.lock:
            while self.idle.get(key):
                z = self.idle[key].pop()
                if z.usable:
                    return z
                z.close()
        return self._start(role, interpret, env, jail, key)

    def prestart(self, role: str, *, interpret: bool, env: dict[str, str], jail: Jail | None) -> None:
        """Bring up a zygote for these settings in the background, into the idle list, so that the first
        acquire() with the same settings finds it ready (or waits for it) instead of paying its start.
        Never raises: a start that fails leaves the acquire to try again and say why."""
        key = self._key(role, interpret, env, jail)
        with self.lock:
            if self.idle.get(key) or key in self.pending:
                return
            self.pending[key] = threading.Event()
            if not self.starters:  # a zygote dies with the THREAD that started it (PR_SET_PDEATHSIG): these
                for i in range(STARTERS):  # live as long as the process, so theirs do too
                    t = threading.Thread(target=self._starter, name=f"zygote-starter-{i}", daemon=True)
                    t.start()
                    self.starters.append(t)
        self.requests.put((role, interpret, env, jail, key))

    def _starter(self) -> None:
        while True:
            role, interpret, env, jail, key = self.requests.get()
            try:
                self.release(self._start(role, interpret, env, jail, key))
            except Exception:  # noqa: BLE001 - the acquire starts one itself, and reports its failure
                pass
            finally:
                with self.lock:
                    done = self.pending.pop(key, None)
                if done is not None:
                    done.set()

    def _start(self, role: str, interpret: bool, env: dict[str, str], jail: Jail | None, key: tuple) -> Zygote:
        with self.lock:
            self.started += 1
            if self.root is None:
                import tempfile

                self.root = Path(tempfile.mkdtemp(prefix="kloop-warm-"))
                atexit.register(self.shutdown)
                cancel.keep_clean(self.root)  # Ctrl-C removes it too: exit_now skips atexit
            folder = Path(self.root) / f"{role}-{self.started}"
        if jail is not None:  # the zygote's own namespaces; each fork confines itself to its own folder
            jail = Jail(folder, memory_mb=0, cuda=jail.cuda, poison=jail.poison, namespaces=jail.confined)
        z = Zygote(role, interpret, env, jail, folder)
        z.key = key
        return z

    def release(self, z: Zygote) -> None:
        """Back to the idle list; past MAX_IDLE idle zygotes, the ones idle longest are closed. Every loop run
        has settings of its own (its TRITON_CACHE_DIR), so a suite over a whole KernelBench level would
        otherwise keep two zygotes (~0.4 GB each) per problem it has finished."""
        if not z.usable:
            z.close()
            return
        z.idle_since = time.monotonic()
        with self.lock:
            self.idle.setdefault(z.key, []).append(z)
            idle = sorted((y for ys in self.idle.values() for y in ys), key=lambda y: y.idle_since)
            surplus = idle[: max(0, len(idle) - MAX_IDLE)]
            for y in surplus:
                self.idle[y.key].remove(y)
                if not self.idle[y.key]:
                    del self.idle[y.key]
        for y in surplus:
            try:
                y.close()
            except Exception:  # noqa: BLE001 - a zygote that will not close is reaped with its namespace
                pass

    def shutdown(self) -> None:
        with self.lock:
            zygotes = [z for zs in self.idle.values() for z in zs]
            self.idle.clear()
        for z in zygotes:
            try:
                z.close()
            except Exception:  # noqa: BLE001 - exiting anyway
                pass
        if self.root is not None:
            import shutil

            shutil.rmtree(self.root, ignore_errors=True)


POOL = Pool()


def enabled() -> bool:
    return os.environ.get("KLOOP_WARM", "1") != "0"
