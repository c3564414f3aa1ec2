"""A warm process that forks a fresh one per evaluation: Python, torch and triton are imported once.

    python -m evaluator.child.zygote CTRL_FD ROLE     # started by evaluator.parent.warm.Zygote, ROLE candidate|oracle

It imports torch, triton and the harness of its role, never creates a CUDA context and never runs
candidate code itself. On each `fork` request (JSON over a unix socketpair from the evaluating process,
with the child's two pipe ends passed as SCM_RIGHTS) it forks; the fork becomes the candidate's process
(evaluator.child.candidate) or the oracle (evaluator.oracle.oracle) exactly as a freshly started one would,
and creates its own CUDA context (~0.2 s instead of ~8 s for a new interpreter and its imports).

Jailed (the candidate's zygote runs under `unshare`, as PID 1 of its own user, PID, mount and network
namespaces, with capabilities there), each fork first enters a fresh PID and mount namespace of its
own: its PID 1 mounts a new /proc, then confines itself as evaluator.child.boot does (private /tmp
and /dev/shm, everything read-only but its work folder, no capabilities, no_new_privs). So nothing of
one candidate survives into the next: its processes die with its PID namespace, its files live in
its own work folder (deleted by the judge), its modules and GPU memory die with its process, and the
zygote it came from was never touched by it. `kill` ends every process in the zygote's namespace but
the zygote (one candidate at a time per zygote); exits are reported as {"exit": pid, "status": n}.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import select
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
PRELOAD = {
    "candidate": [
        "torch",
        "triton",
        "triton.language",
        "evaluator.child.candidate",
        "evaluator.child.trial",
        "evaluator.child.boot",
        "evaluator.shared.handover",
        "evaluator.shared.timing",
        "evaluator.shared.draw",
        "evaluator.shared.inputs",
        "evaluator.shared.weights",
        "evaluator.shared.interpret",
    ],
    "oracle": [
        "torch",
        "triton",
        "evaluator.oracle.oracle",
        "evaluator.shared.handover",
        "evaluator.oracle.memory",
        "evaluator.oracle.correctness",
        "evaluator.shared.draw",
        "evaluator.shared.inputs",
    ],
}


def _redirect(stdout: str, stderr: str) -> None:
    for fd, path in ((1, stdout), (2, stderr)):
        f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        os.dup2(f, fd)
        os.close(f)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


def _run(req: dict, rfd: int, wfd: int, jailed: bool) -> None:
    """In the fork: become the candidate's process or the oracle. Never returns."""
    from evaluator.shared.lifeline import die_with_parent

    code = 0
    try:
        _redirect(req["stdout"], req["stderr"])
        _seed_cache(os.environ.get("TRITON_CACHE_DIR"), req["env"].get("TRITON_CACHE_DIR"))
        os.environ.clear()
        os.environ.update(req["env"])
        os.environ["KLOOP_PARENT_PID"] = str(os.getppid())  # the zygote: its death (with the evaluator's) ends this
        _forget_process_state()
        die_with_parent()
        if jailed:
            from evaluator.child import boot

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWNS | CLONE_NEWPID) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS | CLONE_NEWPID)")
            pid = os.fork()
            if pid:  # stays in the zygote's namespace until its child, the new PID 1, is gone
                os.close(rfd)
                os.close(wfd)  # the death signal set above stays with this process
                _, status = os.waitpid(pid, 0)
                if os.WIFSIGNALED(status):  # die of the same signal, so the judge can name it (SIGSEGV...)
                    sig = os.WTERMSIG(status)
                    import resource

                    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file of this stand-in
                    signal.signal(sig, signal.SIG_DFL)
                    os.kill(os.getpid(), sig)
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
            die_with_parent()  # PID 1 of its namespace: getppid() is 0 there, which die_with_parent accepts
            boot._mount(None, "/", None, boot.MS_REC | boot.MS_PRIVATE)
            boot._mount("proc", "/proc", "proc", boot.MS_NOSUID | boot.MS_NODEV | boot.MS_NOEXEC)
            info = boot.confine(req["confine"])
            info["pid_ns"] = os.readlink("/proc/self/ns/pid")
        else:
            os.setsid()
            info = None
        os.chdir(req["cwd"])
        sys.argv = [req["module"], req["job"], str(rfd), str(wfd)]
        if req["role"] == "candidate":
            from evaluator.child.candidate import main

            if info is None:
                from evaluator.child.boot import PROJECT, _writable

                info = {
                    "namespaces": [],
                    "private_tmp": False,
                    "caps_dropped": False,
                    "readonly_failed": [],
                    "project_writable": _writable(PROJECT),
                }
            main(req["job"], rfd, wfd, info)  # exits the process itself
        else:
            importlib.import_module(req["module"]).main()
    except BaseException as e:  # noqa: BLE001 - said on stderr (the parent keeps its tail), then gone
        print(f"zygote fork failed: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        code = 70
    os._exit(code)


def _reap(ctrl: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(ctrl, {"exit": pid, "status": os.waitstatus_to_exitcode(status)})


def _send(ctrl: socket.socket, msg: dict) -> None:
    ctrl.sendall((json.dumps(msg) + "\n").encode())


def _kill_all() -> None:
    """Every process in this namespace but this one (jailed: all a candidate started, nested ones too)."""
    me = os.getpid()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != me:
            try:
                os.kill(int(name), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _forget_process_state() -> None:
    """What the zygote computed from its own environment and a fresh process would compute from the fork's:
    the temp folder (tempfile caches it on first use; the zygote's lies outside the fork's jail, read-only:
    found on an H200, where Triton's driver helper had made the zygote compute it)."""
    import tempfile

    tempfile.tempdir = None


def _seed_cache(trusted: str | None, own: str | None) -> None:
    """Copy what the zygote compiled (Triton's driver helper, built once by trusted code before any fork)
    into the fork's own, empty Triton cache: copies, never links, so nothing the candidate writes there
    reaches the zygote or the next candidate."""
    if not trusted or not own or not os.path.isdir(trusted) or os.path.realpath(trusted) == os.path.realpath(own):
        return
    import shutil

    try:
        shutil.copytree(trusted, own, dirs_exist_ok=True, symlinks=False)
    except OSError:  # only a saving: the fork compiles the helper itself
        pass


def _warm(role: str) -> None:
    """First-use costs paid once here, never touching CUDA (a fork inherits them): Triton's compiler
    modules, and for the oracle the meta-device kernels of the memory plan (their first use imports
    sympy and the decompositions: about a second)."""
    import tempfile

    tempfile.gettempdir()  # as many libraries do on import; each fork must compute its own again
    for name in ("triton.compiler.compiler", "triton.backends.nvidia.compiler", "triton.backends.nvidia.driver"):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - another backend, or none: compiled on first use instead
            pass
    if role == "candidate" and os.environ.get("TRITON_INTERPRET") != "1":
        try:  # the CUDA kernel audit's torch.profiler imports torch._dynamo, and the integrity snapshot imports it
            import torch._dynamo  # noqa: F401  first (evaluator.child.guards): 3.6-5.5 s a fork on an H200, once here
        except Exception:  # noqa: BLE001 - imported by the fork instead
            pass
        try:  # Triton's driver helper (cuda_utils, ~1 s of gcc): compiled here once, copied into each fork
            from triton.backends.nvidia.driver import CudaUtils

            CudaUtils()
        except Exception:  # noqa: BLE001 - compiled by the fork on first use instead
            pass
    if role != "oracle":
        return
    import torch
    import torch.nn.functional as F

    with torch.device("meta"), torch.no_grad():
        x = torch.empty(2, 4, 8, 8)
        y = F.conv2d(x, torch.empty(4, 4, 3, 3), torch.empty(4))
        y = F.batch_norm(y, torch.empty(4), torch.empty(4), training=True)
        y = F.layer_norm(y, y.shape[1:]).softmax(1).amin(1).sum() + F.linear(x.flatten(1), torch.empty(3, 256)).mean()
        F.max_pool2d(x, 2), F.avg_pool2d(x, 2), x.cumsum(1), x.argmax(1), F.gelu(x), x @ x.transpose(-1, -2)


def serve(ctrl: socket.socket, role: str, jailed: bool) -> None:
    for name in PRELOAD[role]:
        importlib.import_module(name)
    _warm(role)
    _send(ctrl, {"ready": os.getpid(), "jailed": jailed})
    buf = b""
    while True:
        ready, _, _ = select.select([ctrl], [], [], 0.1)
        _reap(ctrl)
        if not ready:
            continue
        data, fds, _, _ = socket.recv_fds(ctrl, 1 << 16, 4)
        if not data:
            return  # the evaluating process is gone
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            req = json.loads(line)
            if req["op"] == "fork":
                rfd, wfd = fds[:2]
                pid = os.fork()
                if pid == 0:
                    ctrl.close()
                    _run(req, rfd, wfd, jailed)
                os.close(rfd)
                os.close(wfd)
                fds = fds[2:]
                _send(ctrl, {"forked": pid})
            elif req["op"] == "kill":
                if jailed:
                    _kill_all()
                else:
                    try:
                        os.killpg(req["pid"], signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                _send(ctrl, {"killed": req["pid"]})


def main() -> None:
    fd, role = int(sys.argv[1]), sys.argv[2]
    jailed = "--jailed" in sys.argv
    if not jailed:
        from evaluator.shared.lifeline import die_with_parent

        die_with_parent()
    ctrl = socket.socket(fileno=fd)
    try:
        serve(ctrl, role, jailed)
    except (OSError, ValueError, KeyError) as e:
        print(f"zygote: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
