"""Banned constructs: what a candidate may not import, name or call, so that it cannot do the work
in PyTorch or reach the harness, the file system or the network. evaluator.static.scan applies these
rules to the AST (nothing is executed).

    from evaluator.static.bans import torch_reason, import_reason
    torch_reason("torch.nn.functional.conv2d")   # ("torch_compute", "... computes with PyTorch. ...")
    import_reason("socket")                      # "network access is not allowed in a kernel module"

Rules, each with a sentence naming the construct and its line:
- import: what evaluator.static.contract.ALLOWED_MODULES lists may be imported; network, file,
  process, thread, introspection (gc, inspect, sys, builtins, ctypes) and timing modules get a
  specific reason.
- torch_compute: a `torch.*` / `F.*` / `torch.ops.*` / `torch.backends.*` name outside the allowed
  set (allocation, dtypes, devices, nn containers and layers as weight holders, F.pad); `@` in host
  code. Inside __init__ (weight preprocessing) torch compute may be called. Tensor methods and
  operators are the contract's (evaluator.static.contract).
- nn_module_call: calling a layer module (`self.conv(x)`, `self.conv.forward(x)`, `nn.Conv2d(...)(x)`).
- model_subclass: ModelNew must subclass nn.Module directly, not the reference Model.
- tensor_subclass: subclassing torch.Tensor or defining __torch_function__/__torch_dispatch__.
- harness_access: eval/exec/open/getattr with a computed name/setattr/globals/..., dunder
  escapes (__globals__, __subclasses__, __code__, frames).
- monkeypatch: assigning or deleting an attribute of an imported module (torch.cuda.Event = ...).
- side_stream: torch.cuda streams, events and graphs.
- file_write: torch.save, .write_text, .tofile, ...
"""

from __future__ import annotations

import inspect

from evaluator.shared.rules import TORCH_HINT
from evaluator.static.contract import module_reason
from evaluator.static.contract.allowlist import OP_NAMESPACES, PY_OPERATORS, operator  # noqa: F401 (evaluator.static.scan)

IMPORT_REASONS = [
    (
        {
            "socket",
            "ssl",
            "http",
            "urllib",
            "urllib3",
            "requests",
            "httpx",
            "aiohttp",
            "ftplib",
            "smtplib",
            "telnetlib",
            "xmlrpc",
            "websocket",
            "websockets",
            "paramiko",
            "grpc",
        },
        "network access is not allowed in a kernel module",
    ),
    (
        {
            "os",
            "pathlib",
            "shutil",
            "io",
            "tempfile",
            "glob",
            "fileinput",
            "pickle",
            "shelve",
            "sqlite3",
            "zipfile",
            "tarfile",
            "mmap",
        },
        "file-system and OS access is not allowed; a kernel module writes nothing outside its tensors",
    ),
    (
        {"subprocess", "multiprocessing", "threading", "_thread", "concurrent", "signal", "asyncio", "sched", "pty"},
        "threads and processes are not allowed; forward does its work on the calling thread, in Triton kernels",
    ),
    (
        {
            "sys",
            "gc",
            "inspect",
            "builtins",
            "importlib",
            "ctypes",
            "cffi",
            "types",
            "traceback",
            "weakref",
            "code",
            "codeop",
            "dis",
            "marshal",
            "ast",
            "atexit",
            "faulthandler",
            "resource",
            "pdb",
            "site",
            "evaluator",
            "agent",
            "reference",
            "_reference",
        },
        "reaching into the interpreter or the evaluation harness is not allowed",
    ),
    ({"time", "timeit", "datetime"}, "clocks have no use in a kernel module; timing is the evaluator's job"),
    (
        {
            "numpy",
            "scipy",
            "cupy",
            "jax",
            "numba",
            "tensorflow",
            "pycuda",
            "cuda",
            "cutlass",
            "torchvision",
            "xformers",
            "flash_attn",
            "apex",
            "tvm",
            "einops",
        },
        "another library may not do the work; write it in Triton",
    ),
]
ALLOWED_TORCH = {
    "empty",
    "empty_like",
    "empty_strided",
    "zeros",
    "zeros_like",
    "ones",
    "ones_like",
    "full",
    "full_like",
    "arange",
    "tensor",
    "as_tensor",
    "rand",
    "randn",
    "randint",
    "rand_like",
    "randn_like",
    "manual_seed",
    "device",
    "Size",
    "dtype",
    "Tensor",
    "Generator",
    "no_grad",
    "inference_mode",
    "set_grad_enabled",
    "is_grad_enabled",
    "is_tensor",
    "is_floating_point",
    "finfo",
    "iinfo",
    "get_default_dtype",
    "broadcast_shapes",
    "promote_types",
    "version",
    "__version__",
    "nn",
    "cuda",
    "autograd",
    "float32",
    "float",
    "float16",
    "half",
    "bfloat16",
    "float64",
    "double",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "int",
    "uint8",
    "bool",
    "complex64",
    "float8_e4m3fn",
    "float8_e5m2",
    # memory formats and layouts: constants like the dtypes (`torch.empty_like(x, memory_format=...)`,
    # `x.contiguous(memory_format=torch.channels_last)`)
    "memory_format",
    "contiguous_format",
    "channels_last",
    "channels_last_3d",
    "preserve_format",
    "layout",
    "strided",
}
ALLOWED_CUDA = {
    "current_device",
    "get_device_properties",
    "get_device_capability",
    "get_device_name",
    "is_available",
    "device_count",
    "device",
    "synchronize",
    "set_device",
}
ALLOWED_NN = {
    "Module",
    "Parameter",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
    "Buffer",
    "init",
    "functional",
    "parameter",
}
ALLOWED_F = {"pad"}
SIDE_STREAM = {
    "Stream",
    "stream",
    "Event",
    "ExternalStream",
    "set_stream",
    "current_stream",
    "graph",
    "CUDAGraph",
    "graphs",
    "make_graphed_callables",
    "StreamContext",
}
WRITE_METHODS = {
    "write_text",
    "write_bytes",
    "tofile",
    "save",
    "savez",
    "dump",
    "mkdir",
    "touch",
    "unlink",
    "rename",
    "rmdir",
}
BANNED_BUILTINS = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "open",
    "globals",
    "locals",
    "vars",
    "breakpoint",
    "setattr",
    "delattr",
    "__builtins__",
    "__loader__",
    "__spec__",
}
BANNED_ATTRS = {
    "__globals__",
    "__builtins__",
    "__subclasses__",
    "__bases__",
    "__base__",
    "__mro__",
    "__code__",
    "__closure__",
    "__dict__",
    "__getattribute__",
    "__setattr__",
    "__delattr__",
    "__import__",
    "__loader__",
    "__spec__",
    "__self__",
    "__func__",
    "__reduce__",
    "__reduce_ex__",
    "__class__",
    "__wrapped__",
    "__defaults__",
    "__kwdefaults__",
    "__init_subclass__",
    "f_back",
    "f_globals",
    "f_locals",
    "f_builtins",
    "f_code",
    "gi_frame",
    "cr_frame",
    "tb_frame",
    "ag_frame",
}

MAX_FINDINGS = 8


def import_reason(module: str) -> str | None:
    """Why `import module` is refused: the host-code contract's allow-list (evaluator.static.contract)
    decides; IMPORT_REASONS only word the refusal of well-known modules more specifically."""
    why = module_reason(module)
    if why is None:
        return None
    root = module.split(".")[0]
    for names, specific in IMPORT_REASONS:
        if root in names:
            return specific
    if root == "torch":
        return "only torch, torch.nn, torch.nn.functional, torch.nn.init and torch.cuda may be imported"
    return why


INTERNALS = "reaches PyTorch internals"  # refused in __init__ too (evaluator.static.scan)


def torch_reason(path: str) -> tuple[str, str] | None:
    """(rule, why) for a dotted torch name that is not allowed, e.g. torch.nn.functional.conv2d."""
    parts = path.split(".")
    if parts[0] != "torch" or len(parts) == 1:
        return None
    head = parts[1]
    if any(p.startswith("_") and p != "__version__" for p in parts[1:]) and parts[1:3] != ["nn", "init"]:
        return "torch_compute", f"{path} {INTERNALS}. " + TORCH_HINT
    if head == "ops":
        return "torch_compute", f"{path} calls an aten operator. " + TORCH_HINT
    if head == "backends":
        return "torch_compute", f"{path} touches PyTorch's cuDNN/cuBLAS backends; leave them alone."
    if head in ("save", "load"):
        return "file_write", f"{path} reads or writes files; a kernel module does neither."
    if head == "cuda" and len(parts) > 2:
        return _cuda_reason(path, parts[2])
    if head == "nn" and len(parts) > 2:
        return _nn_reason(path, parts)
    if head == "Tensor" and len(parts) > 2:
        return "torch_compute", f"{path} calls a PyTorch tensor method unbound. " + TORCH_HINT
    if head == "autograd" and len(parts) > 2 and parts[2] != "Function":
        return "torch_compute", f"{path} is not allowed (only torch.autograd.Function)."
    if head == "compile":
        return "torch_compute", "torch.compile generates kernels that are not yours; write Triton kernels."
    if head not in ALLOWED_TORCH:
        return "torch_compute", f"{path} computes with PyTorch. " + TORCH_HINT
    return None


def _cuda_reason(path: str, name: str) -> tuple[str, str] | None:
    """torch.cuda.<name>...: device queries and synchronize only; streams, events and graphs never."""
    if name in SIDE_STREAM:
        return "side_stream", (
            f"{path}: CUDA streams, events and graphs are not allowed; launch every "
            "kernel on the current stream, inside forward."
        )
    if name not in ALLOWED_CUDA:
        return "torch_compute", f"{path} is not allowed (only device queries and synchronize)."
    return None


def _init_function(rest: list[str]) -> bool:
    """torch.nn.init.<name> is a function defined there (constant_, kaiming_uniform_...), not a name it imports
    (`torch.nn.init.Tensor.item` is the tensor class's method, unbound)."""
    import torch.nn.init

    found = getattr(torch.nn.init, rest[0], None)
    if inspect.ismodule(found):  # torch.nn.init.torch: a module used as a value, the contract's rule
        return True
    return len(rest) == 1 and callable(found) and getattr(found, "__module__", None) == "torch.nn.init"


def _nn_reason(path: str, parts: list[str]) -> tuple[str, str] | None:
    """torch.nn.<...>: the allowed functional ops, containers, init and layers that hold weights."""
    if parts[2] == "functional":
        if len(parts) > 3 and parts[3] not in ALLOWED_F:
            return "torch_compute", f"{path} computes with PyTorch. " + TORCH_HINT
        return None
    if parts[2] == "init" and len(parts) > 3 and not _init_function(parts[3:]):
        return "torch_compute", f"{path} is not one of torch.nn.init's own functions. " + TORCH_HINT
    if parts[2] == "parameter" and len(parts) > 4:  # torch.nn.parameter.Parameter.sum: a method, unbound
        return "torch_compute", f"{path} reaches a method through a class. " + TORCH_HINT
    if parts[2] in ALLOWED_NN or parts[2][:1].isupper():
        return None  # containers, init, and layers used to hold weights (calls are checked apart)
    return "torch_compute", f"{path} is not allowed. " + TORCH_HINT
