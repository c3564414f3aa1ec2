"""What the jail shows and counts (issue 24, item 2): a minimal root, and limits on memory held outside the
resident set (tmpfs, /dev/shm, memfd, System V), on the work folder's disk and on processes.

Each candidate is the seed kernel with a few lines run at import; the static bans are off (disable={"bans"}),
so the operating-system defence is the one tested. Every test skips where the host refuses namespaces.
"""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED

from evaluator import EvalConfig, Limits, Status, evaluate, load_problem
from evaluator.parent import jail as jail_module
from evaluator.parent.jail import Probe, probe

pytestmark = pytest.mark.skipif(probe(False) is not None, reason="no namespaces here: these defences are the jail's")

PROBLEM = load_problem("conv2d_scale_min")

LOOK = '''
import os, socket, sys, evaluator
_project = os.path.dirname(os.path.dirname(os.path.abspath(evaluator.__file__)))
def _try(what):
    try:
        return repr(what())[:80]
    except Exception as e:
        return type(e).__name__
_seen = {
    "secret": _try(lambda: open(os.path.join(_project, "runs", ".kloop_jail_secret.env")).read()),
    "shadow": _try(lambda: open("/etc/shadow").read()),
    "project": _try(lambda: sorted(os.listdir(_project))),
    "home": _try(lambda: os.listdir(os.path.expanduser("~root"))),
}
def _connect():
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(_project, "runs", ".kloop_jail.sock"))
    return s.recv(64)
_seen["socket"] = _try(_connect)
print("SEEN", _seen, flush=True)
'''


def _candidate(tmp_path: Path, prefix: str, name: str = "cand.py") -> Path:
    path = tmp_path / name
    path.write_text(prefix + "\n" + SEED.read_text())
    return path


def _evaluate(path: Path, device: str = "cpu", **limits) -> object:
    return evaluate(
        path, PROBLEM, EvalConfig(device=device, time=False, shapes="small", disable={"bans"}, limits=Limits(**limits))
    )


# The view tests run on the CPU (the interpreter) and, where there is one, on the GPU: there the minimal root
# must also hold the device files and CUDA's libraries, and the candidate runs as users' candidates do.
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]


@pytest.fixture
def planted():
    """A key in the project's runs/ and a unix socket next to it that answers anyone who connects."""
    runs = ROOT / "runs"
    runs.mkdir(exist_ok=True)
    secret, sock_path = runs / ".kloop_jail_secret.env", runs / ".kloop_jail.sock"
    secret.write_text("OPENAI_API_KEY=sk-planted-in-runs\n")
    sock_path.unlink(missing_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    server.listen(8)
    server.settimeout(0.2)
    import threading

    stop = threading.Event()

    def answer():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.sendall(b"host-socket-reached")
            conn.close()

    t = threading.Thread(target=answer, daemon=True)
    t.start()
    yield
    stop.set()
    t.join(2)
    server.close()
    secret.unlink(missing_ok=True)
    sock_path.unlink(missing_ok=True)


def _seen(r) -> str:
    return next((ln for ln in r.stdout_tail.splitlines() if ln.startswith("SEEN ")), "")


@pytest.mark.parametrize("device", DEVICES)
def test_the_minimal_root_hides_the_host(tmp_path, planted, device):
    found = jail_module.confinement(device == "cuda")
    if found.root != "minimal":  # the fallback this host gets is the control below
        pytest.skip(f"this host refuses the minimal root ({found.root_refused})")
    r = _evaluate(_candidate(tmp_path, LOOK), device)
    assert r.status is Status.correct, r.message
    seen = _seen(r)
    assert seen, r.stdout_tail
    assert "sk-planted" not in seen and "host-socket-reached" not in seen, seen
    assert "'shadow': 'FileNotFoundError'" in seen and "'socket': 'FileNotFoundError'" in seen, seen
    assert "runs" not in seen.split("'project':")[1].split("'home'")[0], seen  # the project is its evaluator only
    assert not any("minimal root" in n for n in r.notes), r.notes


@pytest.mark.parametrize("device", DEVICES)
def test_where_the_minimal_root_is_refused_the_host_view_says_so(tmp_path, planted, monkeypatch, device):
    """The control: the read-only host view (what a host that refuses the minimal root gets) shows the planted
    key and lets the socket answer, which is what the minimal root is for; the result says which view held."""
    monkeypatch.setitem(jail_module._PROBED, device == "cuda", Probe(None, "host", "refused for this test"))
    r = _evaluate(_candidate(tmp_path, LOOK), device)
    assert r.status is Status.correct, r.message
    seen = _seen(r)
    assert "sk-planted" in seen and "host-socket-reached" in seen, seen
    assert any("instead of its minimal root (refused for this test)" in n for n in r.notes), r.notes


HOLD = {
    # 480 MB outside the resident set, written 16 MB at a time (no large transient in the RSS), then wait to be
    # seen: /tmp and /dev/shm are the jail's own tmpfs
    "tmp": "_f = open('/tmp/hog.bin', 'wb')\nfor _ in range(30): _f.write(b'x' * (16 << 20))\n_f.flush()",
    "shm": "_f = open('/dev/shm/hog.bin', 'wb')\nfor _ in range(30): _f.write(b'x' * (16 << 20))\n_f.flush()",
    "memfd": "_fd = os.memfd_create('hog')\nfor _ in range(30): os.write(_fd, b'x' * (16 << 20))",
    "memfd_mapped": (
        "import mmap; _fd = os.memfd_create('hog'); os.ftruncate(_fd, 480 << 20)\n"
        "_m = mmap.mmap(_fd, 480 << 20); os.close(_fd)"
    ),
    "sysv": (
        "import ctypes; _libc = ctypes.CDLL(None, use_errno=True)\n"
        "_id = _libc.shmget(0, ctypes.c_size_t(480 << 20), 0o1600)\n"  # IPC_PRIVATE, IPC_CREAT | 0600
        "assert _id >= 0, ctypes.get_errno(); print('SHMID', _id, flush=True)"
    ),
}


def _segments() -> set[int]:
    with open("/proc/sysvipc/shm") as f:
        return {int(row.split()[1]) for row in f.read().splitlines()[1:] if row.split()}


@pytest.fixture(scope="module")
def memory_mb() -> int:
    """The limit these tests use: what a fresh interpreter holds resident once torch and triton are imported, plus
    310 MB. The import alone differs by build: about 290 MB with the CPU build of torch (600 MB in all here, where
    the honest seed's jailed process peaked at 363 MB), about 600 MB with a CUDA build (an H100 host: a fixed
    600 MB limit killed the honest seed while it imported). The 480 MB held below exceed the 310."""
    probe = "import torch, triton; print(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])"
    kb = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return int(kb) // 1024 + 310


@pytest.mark.parametrize("kind", sorted(HOLD))
def test_memory_held_outside_the_resident_set_counts(tmp_path, kind, memory_mb):
    """Under a limit the honest seed meets (the control below), 480 MB held in a tmpfs, a memfd or a System V
    segment ends the candidate: killed, reason memory, the message says where the memory was (a System V segment
    only where the kernel refuses seccomp's filter: elsewhere shmget itself is refused, EPERM)."""
    before = _segments()
    r = _evaluate(_candidate(tmp_path, f"import os, time\n{HOLD[kind]}\ntime.sleep(60)"), memory_mb=memory_mb)
    if kind == "sysv" and not any("seccomp filter could not be set" in n for n in r.notes):
        # where seccomp's filter holds, no System V segment can be made at all (evaluator.shared.seccomp)
        assert r.status is Status.compile_error and "AssertionError: 1" in r.message, (r.status, r.message)
        assert _segments() <= before
        return
    assert (r.status, r.reason) == (Status.crashed, "memory"), (r.status, r.reason, r.message)
    where = {"tmp": "tmpfs", "shm": "tmpfs", "memfd": "memfd", "memfd_mapped": "memfd", "sysv": "System V"}[kind]
    assert where in r.message, r.message
    assert _segments() <= before, "a System V segment the jail made outlived it"


def test_the_honest_seed_meets_the_memory_limit_those_tests_use(tmp_path, memory_mb):
    r = _evaluate(SEED, memory_mb=memory_mb)
    assert r.status is Status.correct, r.message


def test_too_many_processes_end_the_candidate(tmp_path):
    fork = "import os, time\nfor _ in range(100):\n    if os.fork() == 0:\n        time.sleep(60)\ntime.sleep(60)"
    r = _evaluate(_candidate(tmp_path, fork))
    assert (r.status, r.reason) == (Status.crashed, "processes"), (r.status, r.reason, r.message)
    assert "64 processes" in r.message, r.message


def test_the_work_folder_is_bounded_in_all(tmp_path):
    """Each file under the per-file limit, together over the folder's: the parent's walk ends it."""
    fill = "import time\nfor i in range(4):\n    open(f'fill{i}.bin', 'wb').write(b'x' * (60 << 20))\ntime.sleep(60)"
    r = _evaluate(_candidate(tmp_path, fill), disk_mb=150)
    assert (r.status, r.reason) == (Status.crashed, "disk"), (r.status, r.reason, r.message)
    assert "limit 150 MB" in r.message, r.message


def _kernel_at_least(major: int, minor: int) -> bool:
    import platform

    numbers = platform.release().split("-")[0].split(".")
    return (int(numbers[0]), int(numbers[1])) >= (major, minor)


@pytest.mark.skipif(not _kernel_at_least(6, 14), reason="pid_max per PID namespace needs Linux 6.14")
def test_threads_stop_at_the_jails_task_limit(tmp_path):
    """The kernel bounds the jail's tasks (its PID namespace's pid_max, 1024): threads, which the process poll
    does not count, stop there. The candidate survives the refusal (it is an exception), and says how far it got."""
    spawn = (
        "import threading, time\n_n = 0\ntry:\n    for _ in range(3000):\n"
        "        threading.Thread(target=time.sleep, args=(5,), daemon=True).start(); _n += 1\n"
        "except RuntimeError:\n    pass\nprint('THREADS', _n, flush=True)\ntime.sleep(6)"
    )
    r = _evaluate(_candidate(tmp_path, spawn))
    line = next((ln for ln in r.stdout_tail.splitlines() if ln.startswith("THREADS ")), "")
    assert line and 900 < int(line.split()[1]) < 1024, (line, r.stdout_tail[-500:])


@pytest.mark.parametrize("mode", ["reap", "linger", "auto", "nocldwait"])
def test_work_in_a_helper_process_is_seen_from_outside(tmp_path, mode):
    """A forward that forks a helper to compute its result (PyTorch in the helper, a Triton copy kernel in the
    candidate's process) passes the in-process audit and the knockout: the parent's view of the jail's processes
    (a process alive beside the candidate's, or CPU time of children it reaped, during a checked call after its
    case's first) rejects it. A helper the kernel would reap by itself leaves neither, so the candidate's process
    may not ask for that: rt_sigaction(SIGCHLD, ...) is refused by seccomp, and the candidate fails at import."""
    import platform

    from evaluator.shared import seccomp

    source = (ROOT / "tests" / "adversarial" / "helper_process.py").read_text()
    path = tmp_path / "helper.py"
    path.write_text(source.replace('MODE = "reap"', f"MODE = {mode!r}"))
    r = _evaluate(path)
    sealed = platform.machine() in seccomp.ARCHES and not any("seccomp filter could not be set" in n for n in r.notes)
    if mode in ("auto", "nocldwait") and sealed:
        assert (r.status, r.gate) == (Status.compile_error, "compile"), (r.status, r.gate, r.message)
        assert "PermissionError" in r.message, r.message
        return
    if mode == "nocldwait":
        pytest.skip("this kernel refuses the seccomp filter: the auto-reaped helper stays out of reach (noted)")
    assert (r.status, r.reason) == (Status.incorrect, "helper_process"), (r.status, r.reason, r.message)
    assert "process" in r.message, r.message


def test_a_probe_that_confines_is_remembered_for_this_boot_only(tmp_path, monkeypatch):
    """The probe (torch and triton imported in the jail, CUDA and a compile on a GPU: 4-9 s) runs once per boot
    and confinement code: a second process reads the answer; a failed probe is never kept."""
    monkeypatch.setenv("KLOOP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(jail_module, "_PROBED", {})
    first = jail_module.confinement(False)
    assert first.why_not is None
    assert (tmp_path / "probe.json").is_file()
    monkeypatch.setattr(jail_module, "_PROBED", {})

    def no_probe(*a):
        raise AssertionError("probed again although this boot's answer is kept")

    monkeypatch.setattr(jail_module, "_run_probe", no_probe)
    assert jail_module.confinement(False) == first
    monkeypatch.setattr(jail_module, "_PROBED", {})
    monkeypatch.setenv("KLOOP_ROOT", "host")  # another kind of jail: another key, probed afresh
    with pytest.raises(AssertionError, match="probed again"):
        jail_module.confinement(False)
    monkeypatch.delenv("KLOOP_ROOT")
    monkeypatch.setattr(jail_module, "_PROBED", {})
    monkeypatch.setattr(jail_module, "_run_probe", lambda *a: jail_module.Probe("refused here"))
    monkeypatch.setenv("KLOOP_TASKS", "0")
    assert jail_module.confinement(False).why_not == "refused here"
    assert len(json.loads((tmp_path / "probe.json").read_text())) == 1  # the refusal was not kept
