"""evaluator.shared.seccomp: SIGCHLD's disposition sealed and System V / POSIX message-queue IPC refused by the
kernel, in a process of its own (a seal is for good), for the thread that asks, a thread started before it, and a
child started after."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from evaluator.shared import seccomp

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import ctypes, json, os, platform, signal, threading
from evaluator.shared import seccomp

said = {}
go, done = threading.Event(), threading.Event()


class Sigaction(ctypes.Structure):  # glibc's struct sigaction
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_ulong * 16), ("flags", ctypes.c_int),
                ("restorer", ctypes.c_void_p)]


libc = ctypes.CDLL(None, use_errno=True)


def nocldwait():  # SIG_DFL with SA_NOCLDWAIT: what the witness cannot see
    act = Sigaction(None, (ctypes.c_ulong * 16)(), 2, None)
    return ctypes.get_errno() if libc.sigaction(int(signal.SIGCHLD), ctypes.byref(act), None) else 0


def early():  # started before the seal
    go.wait()
    said["thread"] = nocldwait()
    done.set()


threading.Thread(target=early).start()
try:
    seccomp.seal()
except OSError as e:  # a kernel (or a container's own filter) that refuses seccomp: said, and skipped
    go.set()
    print(json.dumps({"refused": str(e)}))
    raise SystemExit(0)
try:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    said["sig_ign"] = 0
except OSError as e:
    said["sig_ign"] = e.errno
said["nocldwait"] = nocldwait()
said["read"] = int(signal.getsignal(signal.SIGCHLD))  # reading the disposition stays allowed
signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # other signals too
said["usr1"] = int(signal.getsignal(signal.SIGUSR1))
nr = seccomp.IPC_CALLS[platform.machine()]
for name, args in (("msgget", (0, 0o1600)), ("shmget", (0, 4096, 0o1600)), ("semget", (0, 1, 0o1600)),
                   ("mq_open", (b"kloop-probe", os.O_CREAT | os.O_RDWR, 0o600, None))):
    got = libc.syscall(ctypes.c_long(nr[name]), *args)
    said[name] = ctypes.get_errno() if got == -1 else f"made {got}"
go.set()
done.wait(10)
pid = os.fork()
if pid == 0:
    os._exit(nocldwait())
said["child"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
print(json.dumps(said))
"""


@pytest.mark.skipif(platform.machine() not in seccomp.ARCHES, reason="no filter for this architecture")
def test_sigchld_cannot_be_ignored_or_auto_reaped_and_no_ipc_object_made_once_sealed():
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    said = json.loads(r.stdout.strip().splitlines()[-1])
    if "refused" in said:
        pytest.skip(f"this kernel refuses the filter: {said['refused']}")
    eperm = 1
    assert said["sig_ign"] == eperm and said["nocldwait"] == eperm, said
    assert said["thread"] == eperm and said["child"] == eperm, said  # TSYNC; inherited by children
    assert said["read"] == 0 and said["usr1"] == 1, said  # SIG_DFL read back; SIGUSR1 set to SIG_IGN
    assert [said[k] for k in ("msgget", "shmget", "semget", "mq_open")] == [eperm] * 4, said  # no IPC object


def _run(prog, nr: int, arch: int, args=(0, 0)) -> int:
    """The classic-BPF program on one struct seccomp_data (the three instruction kinds it uses)."""
    import struct

    data = struct.pack("<iIQ6Q", nr, arch, 0, *args, *[0] * (6 - len(args)))
    pc, acc = 0, 0
    while True:
        code, jt, jf, k = prog[pc]
        if code == 0x20:  # BPF_LD | BPF_W | BPF_ABS
            acc = struct.unpack_from("<I", data, k)[0]
        elif code in (0x15, 0x35):  # BPF_JMP | BPF_JEQ / BPF_JGE | BPF_K
            pc += jt if (acc == k if code == 0x15 else acc >= k) else jf
        elif code == 0x06:  # BPF_RET | BPF_K
            return k
        pc += 1


@pytest.mark.parametrize("machine", sorted(seccomp.ARCHES))
def test_the_filter_refuses_exactly_a_sigchld_disposition_change_and_ipc(machine):
    """The program, run on system calls as the kernel would: rt_sigaction(SIGCHLD, act) is refused for any
    non-NULL act (either half of the pointer), allowed with act NULL (a read); every System V IPC and POSIX
    message-queue call is refused; other signals and other calls pass; a call through another ABI (int 0x80:
    another arch value) or an x32 number is refused."""
    prog = seccomp.program(machine)
    arch, rt_sigaction, _ = seccomp.ARCHES[machine]
    deny, allow = seccomp.RET_EPERM, seccomp.RET_ALLOW
    assert _run(prog, rt_sigaction, arch, (17, 0x7FFE0000)) == deny
    assert _run(prog, rt_sigaction, arch, (17, 1 << 40)) == deny  # only the high half set
    assert _run(prog, rt_sigaction, arch, (17 | 1 << 32, 0x1000)) == deny  # the kernel reads an int: 17
    assert _run(prog, rt_sigaction, arch, (17, 0)) == allow
    assert _run(prog, rt_sigaction, arch, (10, 0x1000)) == allow
    assert _run(prog, 0, arch, (17, 0x1000)) == allow
    assert _run(prog, rt_sigaction, 0x40000003, (17, 0x1000)) == deny  # i386 (int 0x80)
    assert _run(prog, 0, 0x40000003) == deny
    assert _run(prog, seccomp.X32_BIT | 512, arch, (17, 0x1000)) == deny
    for nr in seccomp.IPC_CALLS[machine].values():  # System V IPC and POSIX message queues, whatever the args
        assert _run(prog, nr, arch) == deny and _run(prog, nr, arch, (17, 0)) == deny
    others = set(range(400)) - set(seccomp.IPC_CALLS[machine].values()) - {rt_sigaction}
    assert all(_run(prog, nr, arch, (17, 0x1000)) == allow for nr in others)
    with pytest.raises(KeyError):
        seccomp.program("riscv64")
