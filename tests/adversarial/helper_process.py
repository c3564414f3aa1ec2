"""Attack (issue 24, class 3): work done in another process. Each forward forks a helper that computes the
result with PyTorch (its operator audit is a copy in the helper's memory, never reported) into a shared
mapping; a Triton copy kernel moves it into the output, so the knockout sees a launch on the output path.
MODE "reap" waits for the helper (it leaves no process behind, only its CPU time in the candidate's children's
account); "linger" lets it live on past the call; "auto" ignores SIGCHLD so the kernel reaps the helper
itself (no zombie, no CPU time left in any account); "nocldwait" keeps SIGCHLD's default handler but sets
SA_NOCLDWAIT (through ctypes: the kernel reaps the helper and the candidate's signal masks show nothing).
The last two need rt_sigaction(SIGCHLD), which the candidate's process may not call (evaluator.shared.seccomp).

Static: os, mmap are not in the contract's import list (import); a tensor is an operand of PyTorch compute in
forward (torch_compute). With the bans off, the parent's view of the jail's processes is what is left.
"""
import mmap
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import triton
import triton.language as tl

MODE = "reap"
if MODE == "auto":
    import signal

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
if MODE == "nocldwait":
    import ctypes
    import signal

    class _Sigaction(ctypes.Structure):  # glibc's struct sigaction
        _fields_ = [
            ("handler", ctypes.c_void_p),
            ("mask", ctypes.c_ulong * 16),
            ("flags", ctypes.c_int),
            ("restorer", ctypes.c_void_p),
        ]

    _libc = ctypes.CDLL(None, use_errno=True)
    _act = _Sigaction(None, (ctypes.c_ulong * 16)(), 2, None)  # SIG_DFL with SA_NOCLDWAIT
    if _libc.sigaction(int(signal.SIGCHLD), ctypes.byref(_act), None) != 0:
        raise OSError(ctypes.get_errno(), "sigaction(SIGCHLD, SA_NOCLDWAIT) refused")


@triton.jit
def _copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = scale_factor

    def forward(self, x):
        k = self.conv.kernel_size[0]
        shape = (x.shape[0], 1, x.shape[2] - k + 1, x.shape[3] - k + 1)
        n = shape[0] * shape[2] * shape[3]
        buf = mmap.mmap(-1, n * 4 + 1)  # shared with the helper: MAP_SHARED | MAP_ANONYMOUS; last byte: done
        shared = torch.frombuffer(buf, dtype=torch.float32, count=n).view(shape)
        pid = os.fork()
        if pid == 0:
            try:
                with torch.no_grad():
                    y = F.conv2d(x.cpu(), self.conv.weight.cpu(), self.conv.bias.cpu()) * self.scale_factor
                    shared.copy_(torch.amin(y, dim=1, keepdim=True))
                buf[n * 4] = 1
                if MODE == "linger":
                    import time

                    time.sleep(30)
            finally:
                os._exit(0)
        if MODE == "reap":
            os.waitpid(pid, 0)
        else:
            import time

            deadline = time.monotonic() + 10
            while not buf[n * 4] and time.monotonic() < deadline:
                time.sleep(0.01)
        src = shared.to(x.device)
        out = torch.empty(shape, device=x.device, dtype=torch.float32)
        _copy_kernel[(triton.cdiv(n, 1024),)](src, out, n, BLOCK=1024)
        return out
