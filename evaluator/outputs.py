"""How forward's return value crosses from the candidate's process to the oracle: raw tensor files.

    from evaluator.outputs import dump, load
    meta = dump(out, folder, call_n)          # candidate process: writes folder/<n>.<i>.bin, returns OutputMeta
    out = load(meta, folder, call_n, device)  # oracle: the same structure back, tensors on `device`

Raw bytes plus a typed header (wire.OutputMeta), never pickle: the candidate writes these files, so
the reader trusts nothing in them. It picks the file names itself (the header carries none), opens
them without following links, accepts only regular files whose size is exactly numel * itemsize, and
only the dtypes below. An output that is not a plain tensor travels as its type name only (a lazy
subclass is never asked for its values), so the comparison rejects it by type.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from evaluator.wire import OutputMeta, TensorMeta

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
MAX_BYTES = 64 << 30  # of one output tensor
MAX_ITEMS = 1000  # tensors and scalars in one output structure


class OutputError(ValueError):
    pass


def _path(folder: Path, n: int, i: int) -> Path:
    return folder / f"{n}.{i}.bin"


def dump(out, folder: Path, n: int) -> OutputMeta:
    folder.mkdir(parents=True, exist_ok=True)
    count = [0]

    def one(x) -> OutputMeta:
        if count[0] > MAX_ITEMS:
            raise OutputError(f"forward returned more than {MAX_ITEMS} items")
        count[0] += 1
        if type(x) is torch.Tensor:  # exactly: a subclass could compute lazily when read
            dtype = str(x.dtype).removeprefix("torch.")
            if dtype not in DTYPES:
                return OutputMeta(kind="object", type_module="torch", type_name=f"Tensor[{dtype}]")
            i = count[0]
            data = x.detach().to("cpu").contiguous()
            with open(_path(folder, n, i), "wb") as f:
                f.write(data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b"")
            return OutputMeta(
                kind="tensor", index=i, tensor=TensorMeta(dtype=dtype, shape=list(x.shape), device=x.device.type)
            )
        if isinstance(x, bool) or type(x) in (int, float):
            return OutputMeta(kind="scalar", value=x)
        if x is None:
            return OutputMeta(kind="none")
        if type(x) in (list, tuple):
            return OutputMeta(kind="list" if type(x) is list else "tuple", items=[one(v) for v in x])
        return OutputMeta(kind="object", type_module=str(type(x).__module__), type_name=type(x).__qualname__)

    return one(out)


def _read(path: Path, meta: TensorMeta, device: torch.device) -> torch.Tensor:
    dtype = DTYPES.get(meta.dtype)
    if dtype is None or any(d < 0 for d in meta.shape):
        raise OutputError(f"unusable tensor header {meta.dtype} {meta.shape}")
    numel = 1
    for d in meta.shape:
        numel *= d
    nbytes = numel * torch.empty((), dtype=dtype).element_size()
    if nbytes > MAX_BYTES:
        raise OutputError(f"an output of {nbytes / 1e9:.1f} GB")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as e:
        raise OutputError(f"output file {path.name} missing: {e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        import stat

        if not stat.S_ISREG(st.st_mode) or st.st_size != nbytes:
            raise OutputError(f"output file {path.name} is not {nbytes} bytes of {meta.dtype}")
        raw = bytearray(f.read(nbytes))
    t = torch.frombuffer(raw, dtype=torch.uint8) if nbytes else torch.empty(0, dtype=torch.uint8)
    t = t.view(dtype).reshape(meta.shape) if nbytes else torch.empty(meta.shape, dtype=dtype)
    return t.to(device if meta.device != "cpu" else "cpu")


def load(meta: OutputMeta, folder: Path, n: int, device: torch.device):
    """Rebuild forward's return value from the files; raises OutputError on anything malformed."""
    if meta.kind == "tensor":
        if meta.tensor is None or meta.index is None:
            raise OutputError("a tensor without a header")
        return _read(_path(folder, n, meta.index), meta.tensor, device)
    if meta.kind == "scalar":
        if not (isinstance(meta.value, (bool, int, float))):
            raise OutputError("a scalar that is not a number")
        return meta.value
    if meta.kind == "none":
        return None
    if meta.kind in ("list", "tuple"):
        items = [load(m, folder, n, device) for m in meta.items]
        return items if meta.kind == "list" else tuple(items)
    # Not a plain tensor: a stand-in of the same name, which evaluator.correctness rejects by type.
    return type(meta.type_name[:100] or "object", (), {"__module__": meta.type_module[:100]})()
