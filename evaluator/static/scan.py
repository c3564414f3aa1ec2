"""The AST walk that applies evaluator.static.bans to a candidate's source (nothing is executed).

    from evaluator.static.scan import find_bans
    for f in find_bans(ast.parse(code), device_fns={"my_kernel"}):
        print(f.rule, f.line, f.message)    # rule: import | torch_compute | nn_module_call | ...

Imports are read first, wherever they are, so every alias (`F`, `nn`, `tl`, `from torch import x`)
resolves to its dotted module path; then every dotted name, call, assignment and class is judged.
Bodies of @triton.jit functions (`device_fns`) are Triton: host-only rules (tensor methods that
compute, `@`) skip them. One finding per rule, line and construct; the long hint only once.
"""

from __future__ import annotations

import ast

from evaluator.shared.rules import TORCH_HINT
from evaluator.static.bans import (
    ALLOWED_NN,
    BANNED_ATTRS,
    BANNED_BUILTINS,
    MAX_FINDINGS,
    WRITE_METHODS,
    import_reason,
    operator,
    torch_reason,
)
from evaluator.static.contract import INIT, regions
from evaluator.static.contract.region import in_unnamed_method, unnamed_classes
from evaluator.static.finding import Finding


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, tree: ast.Module, device_fns: set[str]):
        self.found: list[Finding] = []
        self.region, self.owner = regions(tree, device_fns)
        self.unnamed = unnamed_classes(tree)  # never instantiated: their methods may call layers (a pasted `Model`)
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

    def in_init(self, node: ast.AST) -> bool:
        """Inside __init__ (or a helper only it calls): weight preprocessing may compute with torch."""
        fn = self.owner(node)
        return fn is not None and self.region.get(fn) == INIT

    def add(self, rule: str, node: ast.AST, message: str, path: str | None = None) -> None:
        """path: the torch name refused, where one is. In __init__ PyTorch's operators (bans.operator) and `@`
        compute on weights; no other torch name (torch.utils, torch.hub, internals) is weight preprocessing."""
        line = getattr(node, "lineno", 0)
        if rule == "nn_module_call" and in_unnamed_method(self.owner(node), self.owner, self.parents, self.unnamed):
            return
        if rule == "torch_compute" and self.in_init(node) and not self._escapes(node):
            if path is None or operator(path):
                return
        if not any(
            f.rule == rule and f.line == line and f.message.startswith(f"Line {line}: {message[:40]}")
            for f in self.found
        ):
            self.found.append(Finding(rule, line, f"Line {line}: {message}"))

    def _escapes(self, node: ast.AST) -> bool:
        """A torch name in __init__ that is not called there (stored, passed) can run later, from forward."""
        if not isinstance(node, ast.Attribute):
            return False
        parent = self.parents.get(node)
        return not (isinstance(parent, ast.Call) and parent.func is node)

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
            why = import_reason(a.name)
            if why:
                self.add("network" if "network" in why else "import", node, f"`import {a.name}`: {why}.")
            self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self.imports_done:
            return
        module = "." * node.level + (node.module or "")
        why = import_reason(module) if node.level == 0 else "relative imports are not allowed"
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
        if node.id == "open" and node.id not in self.bound:
            self.add("file_write", node, "`open` is not allowed: a kernel module reads and writes no files.")
        elif node.id in BANNED_BUILTINS and node.id not in self.bound:
            self.add(
                "harness_access",
                node,
                f"`{node.id}` is not allowed in a kernel module (it can reach "
                "the harness, the file system or run hidden code).",
            )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in BANNED_ATTRS:
            self.add("harness_access", node, f"`.{node.attr}` reaches into Python internals; not allowed.")
        if not isinstance(self.parents.get(node), ast.Attribute):  # the whole dotted name, once
            path = self.resolve(node)
            bad = torch_reason(path) if path else None
            if bad:
                self.add(bad[0], node, bad[1], path)
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
            self.add(
                "model_subclass",
                node,
                f"class ModelNew({', '.join(map(ast.unparse, node.bases))}) must "
                "subclass nn.Module directly; subclassing or wrapping the reference "
                "Model computes with PyTorch.",
            )
        for sub in ast.walk(node):  # self.<attr> = nn.Conv2d(...): a weight holder whose call is banned
            if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call):
                target = self.resolve(sub.value.func) or ""
                if (
                    target.startswith("torch.nn.")
                    and target.split(".")[-1][:1].isupper()
                    and target.split(".")[-1] not in ALLOWED_NN
                ):
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
            base = target.value  # torch.cuda.Event = ... / torch.some_table[k] = ...
            path = self.resolve(base) if isinstance(base, (ast.Name, ast.Attribute)) else None
            if path is None and not isinstance(base, (ast.Name, ast.Attribute)):  # `(torch.Tensor,)[0].exp = f`
                named = [self.resolve(n) for n in ast.walk(base) if isinstance(n, (ast.Name, ast.Attribute))]
                path = next((p for p in named if p), None)
            if path:
                self.add(
                    "monkeypatch",
                    node,
                    f"`{ast.unparse(target)}` modifies the imported module {path}; "
                    "monkeypatching torch, triton or any library is not allowed.",
                )

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
                    self.add(bad[0], node, bad[1], f"{path}.{name.value}")
        if isinstance(func, ast.Call):  # nn.Conv2d(...)(x)
            inner = self.resolve(func.func) or ""
            if inner.startswith("torch.nn.") and inner.split(".")[-1][:1].isupper():
                self.add("nn_module_call", node, f"`{ast.unparse(node)[:60]}` runs a PyTorch layer. " + TORCH_HINT)
        if isinstance(func, ast.Attribute):
            owner = _dotted(func.value) or []
            if owner[:1] == ["self"] and len(owner) == 2 and owner[1] in self.layers:  # self.conv.forward(x)
                self.add(
                    "nn_module_call",
                    node,
                    f"`{ast.unparse(func)}(...)` runs the PyTorch layer "
                    f"self.{owner[1]}; keep it only to hold weights and pass self.{owner[1]}.weight / "
                    f".bias to your kernel.",
                )
            if not self.in_device and self.resolve(func) is None:  # compute methods: the contract's allow-list
                if func.attr in WRITE_METHODS:
                    self.add("file_write", node, f"`.{func.attr}(...)` writes files; a kernel module does not.")
        dotted = _dotted(func) or []
        if dotted[:1] == ["self"] and len(dotted) == 2 and dotted[1] in self.layers:  # self.conv(x)
            self.add(
                "nn_module_call",
                node,
                f"`self.{dotted[1]}(...)` runs the PyTorch layer self.{dotted[1]}; "
                f"keep it only to hold weights and pass self.{dotted[1]}.weight / .bias to your kernel.",
            )
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
    found = sorted(v.found, key=lambda f: f.line)
    hinted = False
    for f in found:  # the long hint once, on the first finding that carries it
        if f.message.endswith(TORCH_HINT):
            if hinted:
                f.message = f.message[: -len(TORCH_HINT)].rstrip()
            hinted = True
    return found[:MAX_FINDINGS]
