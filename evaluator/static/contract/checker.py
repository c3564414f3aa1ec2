"""The contract's checker: _Contract builds the module's facts once (aliases, definitions, regions, kinds), then
check() walks the tree and applies each rule. check_contract and regions are its two entry points."""

from __future__ import annotations

import ast

from evaluator.shared.rules import CONTRACT_HINT
from evaluator.static.contract.allowlist import ALLOWED_MODULES, foreign_object, module_leak, name_reason
from evaluator.static.contract.calls import Calls
from evaluator.static.contract.definitions import Definitions
from evaluator.static.contract.device import Device
from evaluator.static.contract.inference import Inference
from evaluator.static.contract.kinds import Kinds
from evaluator.static.contract.operands import Operands
from evaluator.static.contract.places import Places
from evaluator.static.contract.region import HOST, Regions
from evaluator.static.contract.structures import Structures
from evaluator.static.contract.syntax import _attribute_values, _bound_names, _import_bindings, _stored_attributes
from evaluator.static.finding import Finding


def regions(tree: ast.Module, kernels: set[str]):
    """({function node: host|init|device}, owner) for evaluator.static.scan's region rules, where
    owner(node) is the function whose body holds node (None at module level)."""
    c = _Contract(tree, kernels)
    return c.region, c.owner


def check_contract(
    tree: ast.Module, kernels: set[str], inputs: tuple[bool, ...] | None = None, init: tuple[str, ...] | None = None
) -> list[Finding]:
    """inputs: for each positional input the problem passes to forward, whether it may be a tensor (None: all are);
    init: the same for ModelNew's constructor arguments (None: untyped)."""
    return _Contract(tree, kernels, inputs, init).check()


class _Contract(Regions, Inference, Places, Structures, Kinds, Definitions, Device, Calls, Operands):
    """The host-code contract for one module's AST: the facts the mixins read, then check() for the findings."""

    def __init__(self, tree: ast.Module, kernels: set[str], inputs: tuple | None = None, init: tuple | None = None):
        self.tree = tree
        self.kernels = kernels
        self.inputs = inputs  # forward's positional inputs as the harness fills them: True where one may be a tensor
        self.init_inputs = init  # ModelNew's constructor arguments, the same way
        self.found: list[Finding] = []
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.aliases: dict[str, str] = {  # local name -> dotted path (imports; relative ones are refused anyway)
            name: path
            for node in ast.walk(tree)
            if not (isinstance(node, ast.ImportFrom) and node.level)
            for name, path in _import_bindings(node)
        }
        self.module_fns = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        self.methods = {
            f.name
            for c in self.classes.values()
            for f in c.body
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.defined: set[str] = set()  # names bound to code the gate sees: defs, lambdas, classes, imports
        self.bound: set[str] = set()
        for node in ast.walk(tree):
            # every name the module binds, by any form Python has (match captures and `except ... as` too): a
            # builtin's name among them is no builtin (`case [len]:` binds len)
            self.bound.update(_bound_names(node))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defined.add(node.name)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                self.defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.defined |= set(self.aliases)
        self.bound |= set(self.aliases)
        self._memo_once: dict[str, object] = {}  # facts computed once (Inference._apply_sites, ...)
        self._class_names: set[str] | None = None
        self.named_fns = self._named_functions()  # (regions read them: a class a parameter holds, _held_class)
        # <obj>.<attr> -> every value stored into it (layers' classes; None: a store other than `obj.attr = value`)
        self.self_values: dict[str, list[ast.AST | None]] = _attribute_values(tree)
        self.region = self._regions()
        self.kinds: dict[ast.AST, dict[str, str]] = {}  # function node -> {name: kind}
        self.self_kinds: dict[str, str] = {}
        self.returns: dict[str, str] = {}  # function name (module function, method, nested def, lambda) -> kind
        self.tuple_returns: dict[str, list[str] | None] = {}  # name -> each part's kind where it returns tuples
        self.dict_returns: dict[str, dict[str, str] | None] = {}  # name -> each key's kind where it returns dicts
        self._frozen_names: dict[ast.AST, dict[str, list[ast.AST]]] = {}
        self._local_names: dict[ast.AST, set[str]] = {}
        self._declared: dict[ast.AST, tuple[set[str], set[str]]] = {}
        self._patterns: dict[ast.AST, list[tuple]] = {}  # match statement -> its captures (Inference._captures)
        self._kinds_read = False  # whether Places._scalar's answer read a kind (then it is not kept)
        self._appends: dict[tuple, list[ast.Tuple]] = {}  # (function, frozen list) -> the tuples appended to it
        # every kind each place was ever bound to (assignments, call sites): a store into a place only ever bound to
        # tensors (`w2[:n] = w`) copies data and makes nothing hold a tensor
        self.bound_kinds: dict[tuple, set[str]] = {}  # as the last pass found them (read)
        self._bound_now: dict[tuple, set[str]] = {}  # as this pass finds them (written; kinds of pass 1 are partial)
        self.caught = {n.name for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler) and n.name}
        self.kernel_defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in kernels}
        self.self_set, self.stored_elsewhere = _stored_attributes(tree)
        self._launch_names: set[ast.Name] | None = None  # Operands._launched_names, once
        self._memo: dict[tuple, object] = {}  # _frozen_join's structures, for one inference pass
        self._held: set[tuple] = set()  # places _holds has marked in this pass
        # Mutation is followed through names that share an object: `a = box` (or `for a in boxes`) makes a store
        # into a reach box and the other way round; a parameter a function stores a tensor into makes each call's
        # argument hold one. (function, name) -> the expressions it shares an object with.
        self.shares: dict[tuple[ast.AST | None, str], list[ast.AST]] = {}
        self.holds_params: dict[ast.AST, set[str]] = {}  # function -> its parameters it stores a tensor into
        self.mutated: set[tuple[ast.AST | None, str]] = set()  # locals a tensor was stored into (_frozen's check)
        self.params: dict[ast.AST, dict[str, str]] = {}  # function node -> {parameter: kind at its call sites}
        self.global_kinds: dict[str, str] = {}  # module-level names, and what functions store into them
        self.meta_launches: dict[ast.AST, list | None] = {}  # grid/heuristics callable -> the launches calling it
        self.meta_fns, self.meta_keys = self._meta()
        self._returned: dict[ast.AST, list[ast.AST]] = {}
        self._returned_table()
        self._infer()

    def _named_functions(self) -> dict[str, list[ast.AST]]:
        """Every def by its name, and every lambda assigned to a name (a call by that name may run any of them)."""
        named: dict[str, list[ast.AST]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                named.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        named.setdefault(t.id, []).append(node.value)
                    elif isinstance(t, ast.Attribute):  # `self.prep = lambda v: ...`, called as self.prep(x)
                        named.setdefault(t.attr, []).append(node.value)
        return named

    def path(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return ".".join([self.aliases[node.id]] + parts[::-1])
        return None

    def add(self, rule: str, node: ast.AST, message: str) -> None:
        at = node
        while not hasattr(at, "lineno") and at in self.parents:  # a comprehension clause has no line of its own
            at = self.parents[at]
        line = getattr(at, "lineno", 0)
        text = f"Line {line}: {message}"
        if not any(f.rule == rule and f.line == line and f.message == text for f in self.found):
            self.found.append(Finding(rule, line, text))

    def env(self, node: ast.AST) -> dict[str, str]:
        fn = self.owner(node)
        return self.kinds.get(fn, {}) if fn is not None else {}

    def check(self) -> list[Finding]:
        if not self.converged:  # the inference stopped at MAX_PASSES: its kinds may still be rising
            self.add(
                "host_call",
                self.tree,
                "The host code's value flow is too long for the gate to follow to its end (a chain of many "
                "helpers calling each other); call fewer helpers in a row. " + CONTRACT_HINT,
            )
        self._module_level()
        self._rebound_imports()
        self._rebound_definitions()
        self._raises()
        self._device_statements()
        self._device_parameters()
        self._interpreter_bindings()
        self._registered_names()
        self._module_dict_items()
        self._descriptors()
        self._launch_values()
        self._stored_generators()
        self._first_parameters()
        for node in ast.walk(self.tree):  # `from typing import sys`: the imported name is judged like typing.sys
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in ALLOWED_MODULES:
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    if full.startswith("torch.") or full in ALLOWED_MODULES:
                        continue  # torch names: bans.torch_reason
                    why = name_reason(full) or module_leak(full) or foreign_object(full)
                    if why:
                        self.add("contract_name", node, why + ". " + CONTRACT_HINT)
        for node in ast.walk(self.tree):
            region = self.region_of(node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self._name(node, region)
            elif isinstance(node, ast.Attribute):
                self._attribute(node, region)
            elif isinstance(node, ast.Call):
                self._call(node, region)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._implicit_calls(node)
            if region == HOST:
                self._host_tensor_use(node)
        return self.found
