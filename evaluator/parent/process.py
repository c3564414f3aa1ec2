"""The one way this package starts a process, and how the parent waits for it and stops it.

    from evaluator.parent.process import reap, spawn, tail, watch
    proc = spawn(argv, workdir, interpret=True, jail=jail, name="ncu")
    how = watch(proc, deadline, jail)          # "exited", "timeout", or the jail limit it went over
    reap(proc, jail)                           # its group killed, the jail swept, the exit waited for
    tail(workdir / "ncu.stderr.txt")           # the last TAIL_BYTES of a captured stream

evaluator.parent.supervisor (Child, run_worker), evaluator.parent.warm (zygotes) and evaluator.parent.ncu
start every process through `spawn`; nothing here knows a protocol.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from evaluator.parent import cancel
from evaluator.parent.jail import Jail, jail_env
from evaluator.shared.files import NotAFile, read_untrusted

TAIL_BYTES = 4000  # of stdout / stderr kept in the result
POLL_S = 0.2


def tail(path: Path, n: int = TAIL_BYTES) -> str:
    """Last n bytes of a captured stream, decoded leniently; a 100 MB log costs one seek. The folder is the
    candidate's: a link or a FIFO planted in the stream's place is named, never followed or waited on."""
    try:
        data, size = read_untrusted(path, last=n)
    except NotAFile:
        return f"[{path.name} was replaced by something that is not a regular file: not read]\n"
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    return (f"[... {size - n} bytes cut ...]\n" if size > n else "") + text


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def spawn(
    argv: list[str],
    workdir: Path,
    *,
    interpret: bool,
    jail: Jail | None = None,
    env: dict[str, str] | None = None,
    name: str = "child",
    pass_fds: tuple[int, ...] = (),
) -> subprocess.Popen:
    """The one way this package starts a process: the allow-listed environment (evaluator.parent.jail.child_env, then
    `env`, then the jail's own), a session and process group of its own, stdin closed, stdout and stderr to
    NAME.stdout.txt / NAME.stderr.txt in `workdir`, and, with a `jail`, its prefix (setpriv --pdeathsig,
    and unshare where the host allows namespaces). `argv` is what runs inside; to get the read-only view,
    private /tmp and dropped capabilities too it starts with evaluator.child.boot. Stop it with reap()."""
    cancel.raise_if_cancelled()  # after Ctrl-C (evaluator.parent.cancel) nothing new starts
    workdir.mkdir(parents=True, exist_ok=True)
    full_env = jail_env(workdir, interpret, env, jail)
    if jail is not None:
        argv = jail.prefix() + argv
    with open(workdir / f"{name}.stdout.txt", "wb") as out, open(workdir / f"{name}.stderr.txt", "wb") as err:
        return subprocess.Popen(
            argv,
            cwd=workdir,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            pass_fds=pass_fds,
            start_new_session=True,
        )


def watch(proc: subprocess.Popen, deadline: float, jail: Jail | None = None) -> str:
    """Wait for a spawned process on this process's clock: "exited", "timeout" once `deadline`
    (time.monotonic()) passed, or the jail's limit it went over ("memory", "disk", "processes": Jail.over).
    The caller reaps it either way."""
    while proc.poll() is None:
        if time.monotonic() >= deadline:
            return "timeout"
        if jail is not None:
            if jail.ns is None:
                jail.started(proc.pid)
            over = jail.over(proc.pid)
            if over is not None:
                return over
        time.sleep(POLL_S)
    return "exited"


def reap(proc: subprocess.Popen, jail: Jail | None = None) -> None:
    """Kill a spawned process with its group and, with a jail, everything left in it; wait for the exit."""
    if jail is not None and jail.ns is None:
        jail.started(proc.pid)
    _kill_group(proc.pid)
    if jail is not None:
        jail.sweep()
    proc.wait()
