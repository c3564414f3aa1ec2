"""Banned constructs: the AST rules that keep a candidate from doing the work in PyTorch or reaching
the harness, the file system or the network (nothing is executed).

    from evaluator.bans import find_bans
    for f in find_bans(ast.parse(code)):
        print(f.rule, f.line, f.message)    # rule: import | torch_compute | nn_module_call | ...

Rules, each with a sentence naming the construct and its line:
- import: only torch, torch.nn(.functional/.init), torch.cuda, triton.*, and a few pure-Python
  helpers (math, typing, functools, ...) may be imported; network, file, process, thread,
  introspection (gc, inspect, sys, builtins, ctypes) and timing modules get a specific reason.
- torch_compute: a `torch.*` / `F.*` / `torch.ops.*` / `torch.backends.*` name outside the allowed
  set (allocation, dtypes, devices, nn containers and layers as weight holders, F.pad); in host code
  `@` and tensor methods that compute (.matmul, .min, .sum, ...). Triton code is not checked for these.
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

import ast
from dataclasses import dataclass


@dataclass
class Finding:
    rule: str
    line: int
    message: str


PURE_PYTHON = {"math", "typing", "typing_extensions", "functools", "itertools", "operator", "dataclasses",
               "enum", "collections", "numbers", "abc", "__future__", "warnings"}
TORCH_MODULES = {"torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.cuda"}
IMPORT_REASONS = [
    ({"socket", "ssl", "http", "urllib", "urllib3", "requests", "httpx", "aiohttp", "ftplib", "smtplib",
      "telnetlib", "xmlrpc", "websocket", "websockets", "paramiko", "grpc"},
     "network access is not allowed in a kernel module"),
    ({"os", "pathlib", "shutil", "io", "tempfile", "glob", "fileinput", "pickle", "shelve", "sqlite3",
      "zipfile", "tarfile", "mmap"},
     "file-system and OS access is not allowed; a kernel module writes nothing outside its tensors"),
    ({"subprocess", "multiprocessing", "threading", "_thread", "concurrent", "signal", "asyncio", "sched",
      "pty"},
     "threads and processes are not allowed; forward does its work on the calling thread, in Triton kernels"),
    ({"sys", "gc", "inspect", "builtins", "importlib", "ctypes", "cffi", "types", "traceback", "weakref",
      "code", "codeop", "dis", "marshal", "ast", "atexit", "faulthandler", "resource", "pdb", "site",
      "evaluator", "agent", "reference", "_reference"},
     "reaching into the interpreter or the evaluation harness is not allowed"),
    ({"time", "timeit", "datetime"}, "clocks have no use in a kernel module; timing is the evaluator's job"),
    ({"numpy", "scipy", "cupy", "jax", "numba", "tensorflow", "pycuda", "cuda", "cutlass", "torchvision",
      "xformers", "flash_attn", "apex", "tvm", "einops"},
     "another library may not do the work; write it in Triton"),
]
ALLOWED_TORCH = {
    "empty", "empty_like", "empty_strided", "zeros", "zeros_like", "ones", "ones_like", "full", "full_like",
    "arange", "tensor", "as_tensor", "rand", "randn", "randint", "rand_like", "randn_like", "manual_seed",
    "device", "Size", "dtype", "Tensor", "Generator", "no_grad", "inference_mode", "set_grad_enabled",
    "is_grad_enabled", "is_tensor", "is_floating_point", "finfo", "iinfo", "get_default_dtype",
    "broadcast_shapes", "promote_types", "version", "__version__", "nn", "cuda", "autograd",
    "float32", "float", "float16", "half", "bfloat16", "float64", "double", "int8", "int16", "int32",
    "int64", "long", "int", "uint8", "bool", "complex64", "float8_e4m3fn", "float8_e5m2",
}
ALLOWED_CUDA = {"current_device", "get_device_properties", "get_device_capability", "get_device_name",
                "is_available", "device_count", "device", "synchronize", "set_device"}
ALLOWED_NN = {"Module", "Parameter", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Buffer",
              "init", "functional", "parameter"}
ALLOWED_F = {"pad"}
SIDE_STREAM = {"Stream", "stream", "Event", "ExternalStream", "set_stream", "current_stream", "graph",
               "CUDAGraph", "graphs", "make_graphed_callables", "StreamContext"}
COMPUTE_METHODS = set("""
    matmul mm bmm addmm addbmm baddbmm addmv mv dot vdot inner outer einsum tensordot conv1d conv2d conv3d
    conv_transpose1d conv_transpose2d convolution _conv_forward min max amin amax aminmax argmin argmax sum
    mean prod cumsum cumprod logsumexp softmax log_softmax mul mul_ add_ sub sub_ div div_ clamp clamp_
    clamp_min clamp_max minimum maximum relu relu_ sigmoid tanh exp sqrt rsqrt pow abs neg topk
    where masked_fill addcmul addcdiv lerp numpy
""".split())  # not add/sort/log: set.add, list.sort and logger.log are plain Python
WRITE_METHODS = {"write_text", "write_bytes", "tofile", "save", "savez", "dump", "mkdir", "touch", "unlink",
                 "rename", "rmdir"}
BANNED_BUILTINS = {"eval", "exec", "compile", "__import__", "open", "globals", "locals", "vars", "breakpoint",
                   "setattr", "delattr", "__builtins__", "__loader__", "__spec__"}
BANNED_ATTRS = {"__globals__", "__builtins__", "__subclasses__", "__bases__", "__base__", "__mro__", "__code__",
                "__closure__", "__dict__", "__getattribute__", "__setattr__", "__delattr__", "__import__",
                "__loader__", "__spec__", "__self__", "__func__", "__reduce__", "__reduce_ex__", "__class__",
                "__wrapped__", "__defaults__", "__kwdefaults__", "__init_subclass__", "f_back", "f_globals",
                "f_locals", "f_builtins", "f_code", "gi_frame", "cr_frame", "tb_frame", "ag_frame"}
TORCH_HINT = ("PyTorch must not compute the result: do the arithmetic in @triton.jit kernels (allowed: "
              "torch.empty/zeros/full and friends, dtypes, devices, nn.Module/nn.Parameter/nn layers as "
              "weight holders, F.pad, tensor .contiguous()/.view()/.stride()).")


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


def _import_reason(module: str) -> str | None:
    root = module.split(".")[0]
    if module in TORCH_MODULES or module in PURE_PYTHON or root in PURE_PYTHON:
        return None
    if root == "triton" and not any(p.startswith("_") for p in module.split(".")):
        return None
    for names, why in IMPORT_REASONS:
        if root in names:
            return why
    if root == "torch":
        return "only torch, torch.nn, torch.nn.functional, torch.nn.init and torch.cuda may be imported"
    return ("a kernel module may import only torch, torch.nn, torch.nn.functional, triton, triton.language "
            "and pure-Python helpers (math, typing, functools, itertools, operator, dataclasses, enum, collections)")


def torch_reason(path: str) -> tuple[str, str] | None:
    """(rule, why) for a dotted torch name that is not allowed, e.g. torch.nn.functional.conv2d."""
    parts = path.split(".")
    if parts[0] != "torch" or len(parts) == 1:
        return None
    head = parts[1]
    if any(p.startswith("_") and p != "__version__" for p in parts[1:]) and parts[1:3] != ["nn", "init"]:
        return "torch_compute", f"{path} reaches PyTorch internals. " + TORCH_HINT
    if head == "ops":
        return "torch_compute", f"{path} calls an aten operator. " + TORCH_HINT
    if head == "backends":
        return "torch_compute", f"{path} touches PyTorch's cuDNN/cuBLAS backends; leave them alone."
    if head in ("save", "load"):
        return "file_write", f"{path} reads or writes files; a kernel module does neither."
    if head == "cuda" and len(parts) > 2:
        if parts[2] in SIDE_STREAM:
            return "side_stream", (f"{path}: CUDA streams, events and graphs are not allowed; launch every "
                                   "kernel on the current stream, inside forward.")
        if parts[2] not in ALLOWED_CUDA:
            return "torch_compute", f"{path} is not allowed (only device queries and synchronize)."
        return None
    if head == "nn" and len(parts) > 2:
        if parts[2] == "functional":
            if len(parts) > 3 and parts[3] not in ALLOWED_F:
                return "torch_compute", f"{path} computes with PyTorch. " + TORCH_HINT
            return None
        if parts[2] in ALLOWED_NN or parts[2][:1].isupper():
            return None  # containers, init, and layers used to hold weights (calls are checked apart)
        return "torch_compute", f"{path} is not allowed. " + TORCH_HINT
    if head == "Tensor" and len(parts) > 2:
        return "torch_compute", f"{path} calls a PyTorch tensor method unbound. " + TORCH_HINT
    if head == "autograd" and len(parts) > 2 and parts[2] != "Function":
        return "torch_compute", f"{path} is not allowed (only torch.autograd.Function)."
    if head == "compile":
        return "torch_compute", "torch.compile generates kernels that are not yours; write Triton kernels."
    if head not in ALLOWED_TORCH:
        return "torch_compute", f"{path} computes with PyTorch. " + TORCH_HINT
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, tree: ast.Module, device_fns: set[str]):
        self.found: list[Finding] = []
        self.aliases: dict[str, str] = {}  # local name -> dotted module path
        self.device_fns = device_fns
        self.in_device = 0
        self.layers: set[str] = set()  # self.<attr> assigned an nn layer anywhere
        self.imports_done = False
        self.parents: dict[ast.AST, ast.AST] = {}
        self.bound: set[str] = set()  # names the module binds itself (a parameter called `input` is fine)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
            if isinstance(node, ast.arg):
                self.bound.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.bound.add(node.id)

    def add(self, rule: str, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 0)
        if not any(f.rule == rule and f.line == line for f in self.found):
            self.found.append(Finding(rule, line, f"Line {line}: {message}"))

    def resolve(self, node: ast.AST) -> str | None:
        parts = _dotted(node)
        if parts and parts[0] in self.aliases:
            return ".".join([self.aliases[parts[0]]] + parts[1:])
        return None

    # -- imports -------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        if self.imports_done:
            return
        for a in node.names:
            why = _import_reason(a.name)
            if why:
                self.add("network" if "network" in why else "import", node, f"`import {a.name}`: {why}.")
            self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self.imports_done:
            return
        module = "." * node.level + (node.module or "")
        why = _import_reason(module) if node.level == 0 else "relative imports are not allowed"
        if why:
            self.add("network" if "network" in why else "import", node, f"`from {module} import ...`: {why}.")
            return
        for a in node.names:
            full = f"{module}.{a.name}"
            bad = torch_reason(full)
            if bad:
                self.add(bad[0], node, f"`from {module} import {a.name}`: {bad[1]}")
            self.aliases[a.asname or a.name] = full

    # -- names and attributes ------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if node.id in BANNED_BUILTINS and node.id not in self.bound:
            self.add("harness_access", node, f"`{node.id}` is not allowed in a kernel module (it can reach "
                                             "the harness, the file system or run hidden code).")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in BANNED_ATTRS:
            self.add("harness_access", node, f"`.{node.attr}` reaches into Python internals; not allowed.")
        if not isinstance(self.parents.get(node), ast.Attribute):  # the whole dotted name, once
            path = self.resolve(node)
            bad = torch_reason(path) if path else None
            if bad:
                self.add(bad[0], node, bad[1])
        self.generic_visit(node)

    # -- definitions -----------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in ("__torch_function__", "__torch_dispatch__"):
            self.add("tensor_subclass", node, f"defining {node.name} makes a lazy tensor; return plain tensors.")
        device = node.name in self.device_fns
        self.in_device += device
        self.generic_visit(node)
        self.in_device -= device

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [self.resolve(b) or ast.unparse(b) for b in node.bases]
        if any(b in ("torch.Tensor", "Tensor") for b in bases):
            self.add("tensor_subclass", node, f"class {node.name} subclasses torch.Tensor; return plain tensors.")
        if node.name == "ModelNew" and bases not in (["torch.nn.Module"], ["torch.nn.modules.module.Module"]):
            self.add("model_subclass", node, f"class ModelNew({', '.join(map(ast.unparse, node.bases))}) must "
                                             "subclass nn.Module directly; subclassing or wrapping the reference "
                                             "Model computes with PyTorch.")
        for sub in ast.walk(node):  # self.<attr> = nn.Conv2d(...): a weight holder whose call is banned
            if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call):
                target = self.resolve(sub.value.func) or ""
                if target.startswith("torch.nn.") and target.split(".")[-1][:1].isupper() and \
                        target.split(".")[-1] not in ALLOWED_NN:
                    for t in sub.targets:
                        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                            self.layers.add(t.attr)
        self.generic_visit(node)

    # -- statements and expressions --------------------------------------------------------------
    def _mutates(self, target: ast.AST, node: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._mutates(t, node)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            base = target.value if isinstance(target, ast.Attribute) else target.value
            path = self.resolve(base) if isinstance(base, (ast.Name, ast.Attribute)) else None
            if path:
                self.add("monkeypatch", node, f"`{ast.unparse(target)}` modifies the imported module {path}; "
                                              "monkeypatching torch, triton or any library is not allowed.")

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            self._mutates(t, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._mutates(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            self._mutates(t, node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.MatMult) and not self.in_device:
            self.add("torch_compute", node, "`@` in host code is a PyTorch matmul. " + TORCH_HINT)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "getattr":
            name = node.args[1] if len(node.args) > 1 else None
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                self.add("harness_access", node, "getattr with a computed attribute name is not allowed.")
            elif name.value in BANNED_ATTRS:
                self.add("harness_access", node, f"getattr(..., {name.value!r}) reaches into Python internals.")
            elif len(node.args) > 0:
                path = self.resolve(node.args[0])
                bad = torch_reason(f"{path}.{name.value}") if path else None
                if bad:
                    self.add(bad[0], node, bad[1])
        if isinstance(func, ast.Call):  # nn.Conv2d(...)(x)
            inner = self.resolve(func.func) or ""
            if inner.startswith("torch.nn.") and inner.split(".")[-1][:1].isupper():
                self.add("nn_module_call", node, f"`{ast.unparse(node)[:60]}` runs a PyTorch layer. " + TORCH_HINT)
        if isinstance(func, ast.Attribute):
            owner = _dotted(func.value) or []
            if owner[:1] == ["self"] and len(owner) == 2 and owner[1] in self.layers:  # self.conv.forward(x)
                self.add("nn_module_call", node, f"`{ast.unparse(func)}(...)` runs the PyTorch layer "
                         f"self.{owner[1]}; keep it only to hold weights and pass self.{owner[1]}.weight / "
                         f".bias to your kernel.")
            if not self.in_device and self.resolve(func) is None:
                if func.attr in COMPUTE_METHODS:
                    self.add("torch_compute", node, f"`.{func.attr}(...)` in host code computes with PyTorch. "
                             + TORCH_HINT)
                elif func.attr in WRITE_METHODS:
                    self.add("file_write", node, f"`.{func.attr}(...)` writes files; a kernel module does not.")
        dotted = _dotted(func) or []
        if dotted[:1] == ["self"] and len(dotted) == 2 and dotted[1] in self.layers:  # self.conv(x)
            self.add("nn_module_call", node, f"`self.{dotted[1]}(...)` runs the PyTorch layer self.{dotted[1]}; "
                     f"keep it only to hold weights and pass self.{dotted[1]}.weight / .bias to your kernel.")
        self.generic_visit(node)


def find_bans(tree: ast.Module, device_fns: set[str]) -> list[Finding]:
    """Findings in source order. `device_fns`: names of @triton.jit functions (their bodies are Triton)."""
    v = _Visitor(tree, device_fns)
    # Imports first, wherever they are, so aliases are known at every use.
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            v.visit(node)
    v.imports_done = True
    v.visit(tree)
    return sorted(v.found, key=lambda f: f.line)
