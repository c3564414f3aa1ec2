"""Stopping every evaluation of this process at once: what Ctrl-C does.

    from evaluator.parent import cancel
    cancel.enter(workdir) ... cancel.leave(workdir)   # evaluate(): its kloop-eval-* folder, while it runs
    cancel.raise_if_cancelled()                        # process.spawn: no new process once cancelled
    cancel.cancel_all()                                # the CLI on Ctrl-C: kill, remove, refuse

Evaluations run in pool threads, but a signal reaches only the main thread; without this the main
thread would give up while the threads finish their evaluations (minutes) and the interpreter waits
for them at exit. `cancel_all()` sets a process-wide flag (no process is started, no result used
after it), kills the process group of every process this one started in a session of its own (that
is how process.spawn starts each one: the candidate, the oracle, workers, ncu) and removes every
evaluation folder still registered. A thread that was waiting on a killed process then meets
`Cancelled` (a BaseException, so no `except Exception` turns it into a verdict) at its next spawn.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_dirs: set[Path] = set()
_roots: set[Path] = set()  # folders that outlive one evaluation (the warm zygotes'): removed on every cancel
_cancelled = threading.Event()


class Cancelled(BaseException):
    """The evaluation was cancelled (Ctrl-C): there is no verdict, and nothing may be recorded."""


def cancelled() -> bool:
    return _cancelled.is_set()


def raise_if_cancelled() -> None:
    """Raise Cancelled once cancel_all() ran: no new process is started, no result recorded."""
    if _cancelled.is_set():
        raise Cancelled("cancelled")


def enter(workdir: Path) -> None:
    """An evaluation's folder, removed by cancel_all() if the evaluation cannot remove it itself."""
    with _lock:
        _dirs.add(Path(workdir))
    raise_if_cancelled()


def keep_clean(folder: Path) -> None:
    """A folder of this process's own (warm.Pool's kloop-warm-*) that Ctrl-C removes too: atexit, which removes
    it on a normal exit, never runs after exit_now, and a starter thread may still write into it."""
    with _lock:
        _roots.add(Path(folder))


def leave(workdir: Path) -> None:
    with _lock:
        _dirs.discard(Path(workdir))


def _children() -> list[int]:
    """The pids of this process's children (every thread's), from /proc."""
    pids: list[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return pids
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/children", encoding="ascii") as f:
                pids += [int(p) for p in f.read().split()]
        except (OSError, ValueError):
            continue
    return pids


def kill_children() -> int:
    """SIGKILL the process group of each child that leads its own session (process.spawn's
    start_new_session); a child in this process's own group (the terminal's) is left alone. Returns
    how many groups were killed."""
    killed = 0
    for pid in _children():
        try:
            if os.getsid(pid) != pid:
                continue
            os.killpg(pid, signal.SIGKILL)
            killed += 1
        except (ProcessLookupError, PermissionError):
            continue
    return killed


def remove_dirs() -> None:
    with _lock:
        dirs = list(_dirs) + (list(_roots) if _cancelled.is_set() else [])
        _dirs.clear()
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


def cancel_all() -> None:
    """Stop everything: refuse new work, kill what runs, remove the evaluation folders."""
    _cancelled.set()
    kill_children()
    remove_dirs()


def wind_down(grace_s: float = 3.0) -> bool:
    """After cancel_all(): give the pool threads `grace_s` to leave their evaluations (each removes
    its own folder on the way out), kill anything started meanwhile, remove what is left. True when
    every thread but this one has ended, so the interpreter can exit normally; False: a thread is
    still blocked (an LLM request), and the caller should leave with os._exit."""
    deadline = time.monotonic() + grace_s
    others = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    for t in others:
        t.join(max(0.0, deadline - time.monotonic()))
        kill_children()
    kill_children()
    remove_dirs()
    return not any(t.is_alive() for t in others)


def _second_interrupt(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    """A second Ctrl-C while winding down: leave now, still without a traceback or a leftover folder."""
    kill_children()
    remove_dirs()
    exit_now(130)


def stop_everything(grace_s: float = 3.0) -> bool:
    """What a command does on Ctrl-C: cancel_all(), a second Ctrl-C leaves at once, then wind_down().
    Returns wind_down's answer: False means leave with exit_now()."""
    cancel_all()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _second_interrupt)
    return wind_down(grace_s)


def exit_now(code: int) -> None:
    """Flush what was printed and end the process without waiting for threads still blocked in a
    request (their results are not wanted: cancel_all() ran)."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
