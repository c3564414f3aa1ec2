"""How forward's return value crosses from the candidate's process to the oracle: an inbox the oracle owns.

    inbox = Inbox.create(nbytes, device, folder)    # oracle: sized from its own reference output
    ref = inbox.ref                                 # wire.InboxRef, sent to the child once per inbox
    slot = Slot.open(ref)                           # child: a writable view of the oracle's memory
    meta = slot.put(out)                            # child: copies each tensor in, synchronises
    got = inbox.take(meta)                          # oracle: copied into its own memory, then compared

On a GPU the inbox is device memory the oracle allocates once (cuMemAlloc) and exports through a CUDA
IPC handle (cuIpcGetMemHandle): outputs never leave the GPU, and the handle is made once per inbox,
not per call (making one costs milliseconds). Without CUDA (the interpreter) it is a file the oracle
creates in the candidate's work folder and reads with pread from its own descriptor, never by path
again: a swapped, truncated or FIFO-replaced file gives short data (the candidate's fault), never a
stall or a SIGBUS in the oracle. Its name carries 128 random bits, drawn when it is made: the folder
is the candidate's to write, so a name it could guess could be taken first (a FIFO planted at import),
and the oracle's failure to create it would read as the reference's.

Trust: the oracle sizes the inbox from the reference's own output, so a candidate cannot make it
allocate more; `take` reads only tensors that lie inside the inbox and whose sizes sum to at most its
capacity (a larger one becomes a shape-only stand-in on the meta device, which the comparison rejects
by shape or dtype), and copies them into oracle-owned memory before anything is compared, so a
write into the inbox after the handover (a late kernel, another thread) changes nothing that is
judged. The child's side runs in the candidate's process and is untrusted: whatever it writes can
only make its own verdict worse.
"""

from __future__ import annotations

import base64
import ctypes
import mmap
import os
import secrets
import stat
from pathlib import Path

import torch

from evaluator.shared.wire import InboxRef, OutputMeta, TensorMeta

ALIGN = 256  # bytes: every tensor starts on an aligned offset (vectorised copies on both sides)
MAX_ITEMS = 1000  # tensors and scalars in one output structure
DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (
        torch.float32,
        torch.float64,
        torch.float16,
        torch.bfloat16,
        torch.int8,
        torch.uint8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.bool,
        torch.complex64,
    )
}


class HandoverError(ValueError):
    """The handed-over output cannot be read back as claimed (the candidate's fault)."""


def aligned(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def flat_tensors(out) -> list[torch.Tensor]:
    """The tensors `Slot.put` can copy in: lists and tuples are walked, a dict is an "object" there and
    holds none (unlike derive._tensors, which counts a dict's tensors as memory; correctness._flatten keeps
    non-tensor leaves, since the comparison lines them up by position)."""
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in flat_tensors(o)]
    return [out] if isinstance(out, torch.Tensor) else []


def capacity_for(*outs) -> int:
    """Inbox bytes that hold these (reference) outputs, each tensor aligned."""
    return max(ALIGN, sum(aligned(t.numel() * t.element_size()) for o in outs for t in flat_tensors(o)))


# --- CUDA driver calls (libcuda through ctypes: no extension to build, works in any process) ---


class _IpcHandle(ctypes.Structure):
    _fields_ = [("reserved", ctypes.c_ubyte * 64)]


_cuda: ctypes.CDLL | None = None


def _driver() -> ctypes.CDLL:
    global _cuda
    if _cuda is None:
        _cuda = ctypes.CDLL("libcuda.so.1")
    return _cuda


def _check(code: int, what: str) -> None:
    if code != 0:
        raise OSError(f"CUDA driver call {what} failed (CUresult {code})")


class _DeviceBytes:
    """A raw device pointer as a uint8 torch tensor (the __cuda_array_interface__ protocol; no copy)."""

    def __init__(self, ptr: int, n: int):
        self.__cuda_array_interface__ = {"shape": (n,), "typestr": "|u1", "data": (ptr, False), "version": 3}


def _as_tensor(ptr: int, n: int, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(_DeviceBytes(ptr, n), device=device)


# --- the oracle's side ---


class Inbox:
    """Memory the oracle owns and the candidate's process may write: one per size, reused across calls."""

    def __init__(self, nbytes: int, device: torch.device, ref: InboxRef, view: torch.Tensor | None, fd: int | None):
        self.nbytes, self.device, self.ref = nbytes, device, ref
        self._view, self._fd, self._ptr = view, fd, None

    @classmethod
    def create(cls, nbytes: int, device: torch.device, folder: Path, serial: int = 0) -> Inbox:
        nbytes = aligned(max(nbytes, 1))
        if device.type == "cuda":
            torch.cuda.current_device()  # the primary context is current on this thread from here on
            torch.empty(0, device=device)
            lib, ptr = _driver(), ctypes.c_uint64()
            _check(lib.cuMemAlloc_v2(ctypes.byref(ptr), ctypes.c_size_t(nbytes)), "cuMemAlloc")
            handle = _IpcHandle()
            _check(lib.cuIpcGetMemHandle(ctypes.byref(handle), ptr), "cuIpcGetMemHandle")
            ref = InboxRef(kind="cuda", nbytes=nbytes, serial=serial, handle=base64.b64encode(bytes(handle.reserved)))
            inbox = cls(nbytes, device, ref, _as_tensor(ptr.value, nbytes, device), None)
            inbox._ptr = ptr.value
            return inbox
        path = folder / f"inbox-{serial}-{secrets.token_hex(16)}.bin"  # unguessable: the folder is the candidate's
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        os.ftruncate(fd, nbytes)
        return cls(nbytes, device, InboxRef(kind="file", nbytes=nbytes, serial=serial, path=str(path)), None, fd)

    def close(self) -> None:
        if self._ptr is not None:
            self._view = None
            torch.cuda.synchronize(self.device)
            _driver().cuMemFree_v2(ctypes.c_uint64(self._ptr))
            self._ptr = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _bytes(self, offset: int, n: int) -> torch.Tensor:
        """A private copy of inbox[offset:offset+n] (uint8), in oracle memory on the inbox's device."""
        if self._view is not None:
            return self._view[offset : offset + n].clone()
        data = bytearray(os.pread(self._fd, n, offset)) if n else bytearray()
        if len(data) != n:
            raise HandoverError(f"the handed-over output ended after {len(data)} of {n} bytes")
        return torch.frombuffer(data, dtype=torch.uint8) if n else torch.empty(0, dtype=torch.uint8)

    def take(self, *metas: OutputMeta) -> list:
        """The structures `metas` describe, every tensor copied out of the inbox into oracle memory.
        Nothing here allocates beyond the inbox: a tensor outside it, or past its capacity in all, comes
        back as a meta-device stand-in of its claimed shape. HandoverError for a header that is unusable."""
        budget = [self.nbytes]
        count = [0]

        def one(m: OutputMeta):
            count[0] += 1
            if count[0] > MAX_ITEMS:
                raise HandoverError(f"forward returned more than {MAX_ITEMS} items")
            if m.kind == "tensor":
                t = m.tensor
                if t is None:
                    raise HandoverError("a tensor without a header")
                dtype = DTYPES.get(t.dtype)
                if dtype is None or any(not 0 <= d < 1 << 40 for d in t.shape) or len(t.shape) > 16:
                    raise HandoverError(f"unusable tensor header {t.dtype} {t.shape}")
                numel = 1
                for d in t.shape:
                    numel *= d
                n = numel * torch.empty((), dtype=dtype).element_size()
                if t.offset < 0 or n > budget[0] or t.offset + n > self.nbytes or t.offset % ALIGN:
                    # Larger than the reference's whole output: never read, never allocated. A shape-only
                    # stand-in (the meta device) lets the comparison name the shape or dtype that differs.
                    return torch.empty(t.shape, dtype=dtype, device="meta")
                budget[0] -= n
                raw = self._bytes(t.offset, n)
                out = raw.view(dtype).reshape(t.shape) if n else torch.empty(t.shape, dtype=dtype, device=raw.device)
                want = torch.device("cpu") if t.device == "cpu" else self.device
                return out.to(want)
            if m.kind == "scalar":
                if not isinstance(m.value, (bool, int, float)):
                    raise HandoverError("a scalar that is not a number")
                return m.value
            if m.kind == "none":
                return None
            if m.kind in ("list", "tuple"):
                items = [one(x) for x in m.items]
                return items if m.kind == "list" else tuple(items)
            # Not a plain tensor: a stand-in of the same name, which evaluator.oracle.correctness rejects by type.
            return type(m.type_name[:100] or "object", (), {"__module__": m.type_module[:100]})()

        return [one(m) for m in metas]


# --- the candidate's side (runs in the jail; untrusted, so it only helps or hurts its own verdict) ---


class Slot:
    """The child's writable view of the oracle's inbox."""

    def __init__(self, ref: InboxRef, view: torch.Tensor, keep=None):
        self.ref, self.view, self._keep = ref, view, keep

    @classmethod
    def open(cls, ref: InboxRef, device: torch.device) -> Slot:
        if ref.kind == "cuda":
            torch.empty(0, device=device)  # the primary context is current
            lib, ptr = _driver(), ctypes.c_uint64()
            handle = _IpcHandle()
            raw = base64.b64decode(ref.handle)
            ctypes.memmove(handle.reserved, raw, min(len(raw), 64))
            _check(lib.cuIpcOpenMemHandle_v2(ctypes.byref(ptr), handle, ctypes.c_uint(1)), "cuIpcOpenMemHandle")
            return cls(ref, _as_tensor(ptr.value, ref.nbytes, device), ("cuda", ptr.value))
        fd = os.open(ref.path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size != ref.nbytes:
                raise OSError(f"the inbox {ref.path} is not a {ref.nbytes}-byte file")
            mm = mmap.mmap(fd, ref.nbytes)
        finally:
            os.close(fd)
        return cls(ref, torch.frombuffer(mm, dtype=torch.uint8), mm)

    def close(self) -> None:
        self.view = None
        if isinstance(self._keep, tuple):
            _driver().cuIpcCloseMemHandle(ctypes.c_uint64(self._keep[1]))
        elif self._keep is not None:
            try:
                self._keep.close()
            except BufferError:  # a view is still alive somewhere: the mapping goes with the process
                pass
        self._keep = None

    def put(self, *outs) -> list[OutputMeta]:
        """Copy forward's return value (and the module's buffers) into the inbox, one after another; their
        structures as headers. A tensor that does not
        fit gets offset -1 (the oracle says so); a tensor subclass or an odd dtype travels as its type."""
        offset = [0]
        count = [0]

        def one(x) -> OutputMeta:
            count[0] += 1
            if count[0] > MAX_ITEMS:
                raise HandoverError(f"forward returned more than {MAX_ITEMS} items")
            if type(x) is torch.Tensor:  # exactly: a subclass could compute lazily when read
                dtype = str(x.dtype).removeprefix("torch.")
                if dtype not in DTYPES:
                    return OutputMeta(kind="object", type_module="torch", type_name=f"Tensor[{dtype}]")
                n = x.numel() * x.element_size()
                at = offset[0]
                if at + n > self.ref.nbytes:
                    at = -1
                elif n:
                    src = x.detach().contiguous().reshape(-1).view(torch.uint8)
                    self.view[at : at + n].copy_(src)
                    offset[0] = at + aligned(n)
                return OutputMeta(
                    kind="tensor", tensor=TensorMeta(dtype=dtype, shape=list(x.shape), device=x.device.type, offset=at)
                )
            if isinstance(x, bool) or type(x) in (int, float):
                return OutputMeta(kind="scalar", value=x)
            if x is None:
                return OutputMeta(kind="none")
            if type(x) in (list, tuple):
                return OutputMeta(kind="list" if type(x) is list else "tuple", items=[one(v) for v in x])
            return OutputMeta(kind="object", type_module=str(type(x).__module__), type_name=type(x).__qualname__)

        metas = [one(out) for out in outs]
        if self.view is not None and self.view.is_cuda:
            torch.cuda.synchronize(self.view.device)  # complete before the oracle copies it out
        return metas
