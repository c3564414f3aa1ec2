"""The module's definitions: nothing runs at import, a def, class or import keeps its one binding, class bodies
hold no code that runs later, exceptions and generators carry no tensor out of reach, the calls Python makes on
its own (decorators and metaclasses)."""

from __future__ import annotations

import ast
import functools

from evaluator.shared.rules import CONTRACT_HINT
from evaluator.static.contract.allowlist import (
    BUILTIN_NAMES,
    CLASS_BASES,
    CONSUMERS,
    DECORATORS,
    DESCRIPTORS,
    HOST_BUILTINS,
    REGISTERS,
    SAME_MODULE,
)
from evaluator.static.contract.kinds import HOLDS
from evaluator.static.contract.region import DEVICE, INIT
from evaluator.static.contract.syntax import (
    _bound_names,
    _class_body_names,
    _decorators,
    _import_bindings,
    _is_module_method,
    _is_static,
    _is_tensor_callable,
    _is_tensor_method,
    _module_names,
    _store_targets,
)

MODULE_DICTS = ("ModuleDict", "ParameterDict")


def _names_only(target: ast.AST) -> bool:
    """An assignment target that binds names only (`a`, `a, (b, *c)`), storing into no object."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_names_only(t) for t in target.elts)
    return isinstance(target, ast.Name) or isinstance(target, ast.Starred) and _names_only(target.value)


def _plain_forward(stmt: ast.stmt) -> bool:
    """`def forward(self, ...)`, undecorated or under torch.no_grad / inference_mode."""
    if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    grads = ("torch.no_grad", "torch.no_grad()", "torch.inference_mode", "torch.inference_mode()")
    return all(ast.unparse(d) in grads for d in stmt.decorator_list)


@functools.lru_cache(maxsize=1)
def _function_names() -> frozenset[str]:
    """What torch.autograd.Function defines (apply, mark_dirty, ...)."""
    import torch

    return frozenset(dir(torch.autograd.Function))


class Definitions:
    """The rules on what the module defines and what runs without a visible call."""

    def _stored_generators(self) -> None:
        """A generator expression runs its body when it is iterated, not where it is written: one made in
        __init__ (where PyTorch may compute) and kept (`self.gen = (... for ...)`) runs in forward. In __init__ a
        generator is consumed at once, by a builtin that reads it all (`sum(k for k in ks)`, `"".join(...)`:
        CONSUMERS), or it is refused (`enumerate(gen)` and `zip(gen)` keep it)."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.GeneratorExp) and self.region_of(node) == INIT:
                call = self.parents.get(node)
                f = call.func if isinstance(call, ast.Call) else None
                name = f.id if isinstance(f, ast.Name) and f.id not in self.bound else getattr(f, "attr", None)
                # str.join consumes it at once: on a string literal only (an own method named join keeps it)
                literal = isinstance(f, ast.Attribute) and isinstance(f.value, ast.Constant) and name == "join"
                if name not in CONSUMERS or (isinstance(f, ast.Attribute) and not literal):
                    self.add(
                        "host_call",
                        node,
                        f"`{ast.unparse(node)[:50]}` is a generator kept by __init__: its body would run later, in "
                        "forward, where only the host rules hold; build a list (`[...]`) instead. " + CONTRACT_HINT,
                    )

    def _first_parameters(self) -> None:
        """A method's first parameter (self, cls) keeps what Python passed it: no assignment, loop or `with` target,
        `del` or global/nonlocal declaration binds it again. Zero-argument super() reads that parameter when it
        is called, so `self = other; super().__init__(x)` would run a base's __init__ on another object, out of
        the region the gate judged it in."""
        for cls in self.classes.values():
            for fn in cls.body:
                if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or _is_static(fn):
                    continue
                params = fn.args.posonlyargs + fn.args.args
                if not params:
                    continue
                for b in self._bindings(fn, params[0].arg):
                    if b is params[0]:
                        continue
                    self.add(
                        "dynamic_access",
                        b if b is not None else fn,
                        f"`{fn.name}` binds its first parameter `{params[0].arg}` again; a method keeps the object "
                        "Python passed it (super() reads it). Use another name. " + CONTRACT_HINT,
                    )

    def _implicit_calls(self, node: ast.AST) -> None:
        """Code a definition calls without a Call node: each decorator, and a class's metaclass (a `metaclass=`
        keyword, or one a base brings). Each must be a name or dotted path (called or not) the gate judges."""
        exprs = [d.func if isinstance(d, ast.Call) else d for d in _decorators(node)]
        if isinstance(node, ast.ClassDef):
            exprs += node.bases
            for b in node.bases:  # an allow-list: a base brings the code of its methods and operators along
                path = self.path(b)
                own = isinstance(b, ast.Name) and b.id in self.classes and b.id != "ModelNew"
                builtin = isinstance(b, ast.Name) and b.id == "object" and b.id not in self.bound  # not a rebound name
                if not (own or path in CLASS_BASES or builtin):
                    self.add(
                        "host_call",
                        b,
                        f"`class {node.name}({ast.unparse(b)})`: a class may subclass only nn.Module, "
                        "torch.autograd.Function or another class of this module (not ModelNew); any other base "
                        "brings code of its own (a layer's forward, a library type's operators). " + CONTRACT_HINT,
                    )
            for kw in node.keywords:
                self.add(
                    "host_call",
                    kw.value,
                    f"`class {node.name}(..., {kw.arg}=...)`: a metaclass or class keyword runs code the gate "
                    "cannot follow; subclass nn.Module plainly. " + CONTRACT_HINT,
                )
        for e in exprs:
            plain = e
            while isinstance(plain, ast.Attribute):
                plain = plain.value
            if not isinstance(plain, ast.Name):
                self.add(
                    "host_call",
                    e,
                    f"`@{ast.unparse(e)[:50]}` (or a base class) is the value of an expression, whose code the "
                    "gate cannot see; decorate and subclass with names. " + CONTRACT_HINT,
                )

    def _raises(self) -> None:
        """Only Python's built-in exceptions are raised, with values that hold no tensor (or an exception caught
        by `except ... as e` is raised again): an exception is a channel out of any call that the inference would
        have to follow into every `except`."""
        caught = self.caught
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Raise) or node.exc is None or self.region_of(node) == DEVICE:
                continue
            exc, env = node.exc, self.env(node)
            cls = exc.func if isinstance(exc, ast.Call) else exc
            builtin = isinstance(cls, ast.Name) and cls.id in HOST_BUILTINS and cls.id not in self.bound
            given = [*exc.args, *(k.value for k in exc.keywords)] if isinstance(exc, ast.Call) else []
            chained = isinstance(node.cause, ast.Name) and node.cause.id in caught  # `from e`: stored, not read
            given += [node.cause] if node.cause is not None and not chained else []
            ok = builtin or (isinstance(exc, ast.Name) and exc.id in caught)
            if not ok or any(self.kind(g, env) in HOLDS for g in given):
                self.add(
                    "host_call",
                    node,
                    f"`{ast.unparse(node)[:60]}`: raise only Python's built-in exceptions, with messages (no tensor), "
                    "or re-raise what `except ... as e` caught. " + CONTRACT_HINT,
                )

    def _registered_names(self) -> None:
        """register_buffer / register_parameter / add_module name their attribute with a string literal, and
        nn.ModuleDict / ParameterDict take a dict display of literal keys, so the gate knows which self.<attr>
        holds a tensor or a layer; and the name is never a method's (`ModuleDict({"view": nn.Linear(...)})` makes
        `self.d.view(x)` run the layer)."""
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            names: list[ast.AST] = []
            named_by_keyword = any(
                k.arg in ("name", "tensor", "param", "module", "modules", None) for k in node.keywords
            )
            if isinstance(f, ast.Attribute) and (f.attr in REGISTERS or f.attr == "update") and named_by_keyword:
                self.add(  # `register_buffer(name="inp", tensor=x)`, `d.update(modules={...})`: read by position
                    "host_call",
                    node,
                    f"`{ast.unparse(node)[:60]}`: give {f.attr}'s name and value by position, so the gate reads "
                    "which attribute it sets. " + CONTRACT_HINT,
                )
            if isinstance(f, ast.Attribute) and f.attr in REGISTERS:
                names = node.args[:1] or [ast.Constant(value=None)]
            elif isinstance(f, ast.Attribute) and f.attr == "update" and self._module_dict(f.value) and node.args:
                given = node.args[0]  # `self.d.update({"view": m})`
                names = list(given.keys) if isinstance(given, ast.Dict) else [given]
            elif isinstance(f, ast.Attribute) and f.attr == "setdefault" and self._module_dict(f.value):
                names = node.args[:1] or [ast.Constant(value=None)]  # `self.pd.setdefault("dtype", p)`
            elif (self.path(f) or "").split(".")[-1] in ("ModuleDict", "ParameterDict") and node.args:
                given = node.args[0]
                names = list(given.keys) if isinstance(given, ast.Dict) else [given]
            for name in names:
                literal = isinstance(name, ast.Constant) and isinstance(name.value, str)
                if not literal or self._method_name(name.value):
                    self.add(
                        "host_call",
                        node,
                        f"`{ast.unparse(node)[:60]}`: name each buffer, parameter and submodule with a string literal "
                        '(self.register_buffer("w_t", t)) that is no method\'s name (view, add, run...). '
                        + CONTRACT_HINT,
                    )

    def _module_dict_items(self) -> None:
        """`self.d["view"] = m` into an nn.ModuleDict / ParameterDict names an attribute like its constructor's keys;
        such a dict is built only as an attribute of self (`self.d = nn.ParameterDict()`), where the gate sees every
        key stored into it (a local `pd["dtype"] = p` would make `pd.dtype` that parameter, no dtype)."""
        for node in ast.walk(self.tree):
            built = isinstance(node, ast.Call) and (self.path(node.func) or "").split(".")[-1] in MODULE_DICTS
            assign = self.parents.get(node)
            on_self = isinstance(assign, ast.Assign) and len(assign.targets) == 1 and assign.value is node
            if built and not (on_self and self._self_attribute(assign.targets[0])):
                self.add(
                    "host_call",
                    node,
                    f"`{ast.unparse(node)[:50]}`: build a module dict only as an attribute of self "
                    "(self.d = nn.ModuleDict(...)). " + CONTRACT_HINT,
                )
            if isinstance(node, ast.Attribute) and self._module_dict(node) and not self._module_dict_use(node):
                self.add(
                    "host_call",
                    node,
                    f"`{ast.unparse(node)[:50]}` is a module dict: read it by key (`{ast.unparse(node)[:30]}[\"k\"]`), "
                    "change it with update, setdefault or a key store, count or iterate it; an attribute read names "
                    "a key like an attribute, and `|`, `|=`, an alias or an argument changes it out of the gate's "
                    "sight. " + CONTRACT_HINT,
                )
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and self._module_dict(node.value):
                key = node.slice
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or self._method_name(key.value):
                    self.add(
                        "host_call",
                        node,
                        f"`{ast.unparse(node)[:50]}`: a module dict's key is a string literal that is no method's "
                        "name (view, add, run...). " + CONTRACT_HINT,
                    )

    def _descriptors(self) -> None:
        """A Triton tensor descriptor keeps the lists it is given (a dataclass) and reads like a tensor (`.shape`):
        host code builds one only to hand it to a launch, as an argument or through a local name that every use
        passes to a launch, so nothing can store into its lists or take it for a tensor elsewhere."""
        for node in ast.walk(self.tree):
            if not self._descriptor_call(node) or self.region_of(node) == DEVICE:
                continue
            if self._handed_to_launch(node) or self._launched_name(node):
                continue
            self.add(
                "host_call",
                node,
                f"`{ast.unparse(node)[:50]}`: build a tensor descriptor only for a kernel launch: pass it to the "
                "launch, or bind it to a local name that is only passed to launches. " + CONTRACT_HINT,
            )

    def _handed_to_launch(self, node: ast.AST) -> bool:
        parent = self.parents.get(node)
        if isinstance(parent, ast.keyword):
            node, parent = parent, self.parents.get(parent)
        launch = (
            isinstance(parent, ast.Call) and isinstance(parent.func, ast.Subscript) and self._is_launch(parent.func)
        )
        return launch and (node in parent.args or node in parent.keywords)

    def _launched_name(self, node: ast.Call) -> bool:
        """`x_desc = TensorDescriptor(...)` where every binding of x_desc in its function is a descriptor built so
        and every other use is a launch's argument, or a part of what a helper returns to callers that unpack it
        into names used so (`xh, xh_desc = prepare(x)`)."""
        assign = self.parents.get(node)
        if not (
            isinstance(assign, ast.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Name)
        ):
            return False
        return self._descriptor_name_launched(assign.targets[0].id, self.owner(node), built=True, depth=0)

    def _descriptor_name_launched(self, name: str, fn: ast.AST | None, built: bool, depth: int) -> bool:
        """Whether every use of `name` in fn (nested functions included) passes it to a launch or returns it; its
        bindings are descriptors built (built) or the one unpacking of a helper's call."""
        if depth > 3:
            return False
        stores = 0
        for n in ast.walk(fn if fn is not None else self.tree):
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store):
                made = self.parents.get(n)
                value = made.value if isinstance(made, ast.Assign) and made.targets == [n] else None
                stores += 1
                if not (built and self._descriptor_call(value)) and (built or stores > 1):
                    return False
            elif isinstance(n, ast.Name) and n.id == name:
                if not (self._handed_to_launch(n) or self._returned_to_launches(n, fn, depth)):
                    return False
            elif name in _bound_names(n) and not isinstance(n, ast.Name):
                return False  # a parameter, a def, `except ... as`, `global`: another binding of the name
        return True

    def _descriptor_call(self, value: ast.AST | None) -> bool:
        path = (self.path(value.func) or "") if isinstance(value, ast.Call) else ""
        return path.startswith("triton.") and path.split(".")[-1] in DESCRIPTORS

    def _returned_to_launches(self, n: ast.Name, fn: ast.AST | None, depth: int) -> bool:
        """`return xh, xh_desc` in a module function every use of which is `a, b = helper(...)` with the name at
        n's position only passed to launches."""
        parent = self.parents.get(n)
        at = None
        if isinstance(parent, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in parent.elts):
            at, parent = parent.elts.index(n), self.parents.get(parent)
        if not (isinstance(parent, ast.Return) and isinstance(fn, ast.FunctionDef) and self.owner(parent) is fn):
            return False
        if self.module_fns.get(fn.name) is not fn or len(self.named_fns.get(fn.name, [])) != 1:
            return False
        for use in ast.walk(self.tree):
            if not (isinstance(use, ast.Name) and use.id == fn.name) or use is fn:
                continue
            call, assign = self.parents.get(use), self.parents.get(self.parents.get(use))
            if not (isinstance(call, ast.Call) and call.func is use and isinstance(assign, ast.Assign)):
                return False
            (target,) = assign.targets if len(assign.targets) == 1 else (None,)
            if at is not None:
                names = target.elts if isinstance(target, ast.Tuple) else []
                target = names[at] if len(names) == len(parent.value.elts) else None
            if not isinstance(target, ast.Name) or not self._descriptor_name_launched(
                target.id, self.owner(assign), False, depth + 1
            ):
                return False
        return True

    def _module_dict(self, e: ast.AST) -> bool:
        """`self.d` where a store into d builds an nn.ModuleDict or ParameterDict."""
        values = self.self_values.get(e.attr, []) if isinstance(e, ast.Attribute) else []
        return any(isinstance(v, ast.Call) and (self.path(v.func) or "").split(".")[-1] in MODULE_DICTS for v in values)

    def _module_dict_use(self, node: ast.Attribute) -> bool:
        """`self.d` (a module dict) where it is bound, read or stored by key, given to its own update / setdefault /
        keys / values / items / get, counted by len, iterated, or tested with `in`."""
        p = self.parents.get(node)
        if isinstance(node.ctx, ast.Store):
            return isinstance(p, ast.Assign)  # `self.d = nn.ModuleDict(...)`, not `self.d |= {...}`
        if isinstance(p, ast.Subscript) and p.value is node:
            return True
        call = self.parents.get(p)
        own = ("update", "setdefault", "keys", "values", "items", "get")
        if isinstance(p, ast.Attribute) and p.attr in own and isinstance(call, ast.Call) and call.func is p:
            return True
        if (
            isinstance(p, ast.Compare)
            and node in p.comparators
            and all(isinstance(o, (ast.In, ast.NotIn)) for o in p.ops)
        ):
            return True
        return self._builtin_call(p, "len") and p.args == [node] or self._iterated(node)

    def _method_name(self, name: str) -> bool:
        """A name a method call or attribute read may mean: a tensor's (`view`, and `shape`, `dtype`, `ndim`, which the
        gate reads as sizes), nn.Module's, a list's, dict's or str's, or a method of the module's classes."""
        kinds = (list, dict, str)
        return (
            name in self.methods
            or name in _module_names()  # (`training`, and nn.Module's own state)
            or _is_tensor_callable(name)
            or _is_tensor_method(name)
            or _is_module_method(name)
            or any(callable(getattr(t, name, None)) for t in kinds)
        )

    def _rebound_imports(self) -> None:
        """An imported name means one module (or one name of it) everywhere: the gate reads `tl.x` as
        triton.language.x by the name alone, so `tl = x` (or a parameter, a loop target, `except ... as tl`, a
        def named tl) would let any method of any value pass as a Triton name. Flow-insensitive on purpose. So
        does an allowed builtin's name: `case [len]:` or `def len(s)` made `len(self.head)` a call the gate read
        as counting the container."""
        self._import_conflicts()
        for node in ast.walk(self.tree):
            if self._optional_import(node):
                continue
            for name in _bound_names(node):
                if name in self.aliases:
                    self.add(
                        "rebound_import",
                        node,
                        f"`{name}` is the import of {self.aliases[name]} and is bound again here; an imported "
                        "name keeps its one meaning in the whole module, so choose another name. " + CONTRACT_HINT,
                    )
                elif name in BUILTIN_NAMES:  # (the gate reads `len(box)`, `isinstance(m, C)` as Python's own)
                    self.add(
                        "rebound_import",
                        node,
                        f"`{name}` is a Python builtin and is bound here (a def, an assignment, a parameter, a match "
                        "capture); the gate reads each call of it as the builtin, so choose another name. "
                        + CONTRACT_HINT,
                    )

    def _rebound_definitions(self) -> None:
        """A module-level def or class name means that body everywhere: calls are followed into it by name, so
        `plan = helper2` (or a decorator of this module that returns another function) would run code the gate
        typed for other arguments. Classes are defined at module level only, where the gate sees them."""
        defined = {
            n.name: n for n in self.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ClassDef) and node not in self.tree.body:
                self.add(
                    "host_call",
                    node,
                    f"class `{node.name}` is defined inside a function or class; define classes at module level. "
                    + CONTRACT_HINT,
                )
            for name in _bound_names(node):
                if name in defined and node is not defined[name] and not isinstance(node, ast.arg):
                    self.add(
                        "host_call",
                        node,
                        f"`{name}` is a function or class of this module and is bound again here; give the new "
                        "value another name. " + CONTRACT_HINT,
                    )
        own_methods = {m for c in self.classes.values() for m in self._own_methods(c)}
        for t in (t for n in ast.walk(self.tree) for t in _store_targets(n) if isinstance(t, ast.Attribute)):
            cls = self._class_of(t.value)  # `self.x = ...`: self's class; any other object may be any class's
            # (self may be an instance of a subclass, whose methods the store hides too)
            subclasses = [self.classes[c] for c in self.classes if cls is not None and cls.name in (self.mro(c) or [])]
            methods = {m for c in [cls, *subclasses] for m in self._own_methods(c)} if cls is not None else own_methods
            if t.attr in methods or (cls is not None and _is_module_method(t.attr)):
                self.add(
                    "host_call",
                    t,
                    f"`{ast.unparse(t)[:40]} = ...` stores over a method ({t.attr} is a method of this module's "
                    "classes or of nn.Module): the instance's attribute would run instead of the method's body; "
                    "give the stored value another name. " + CONTRACT_HINT,
                )
        for fn in [
            n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ]:
            for i, d in enumerate(_decorators(fn)):
                base = d.func if isinstance(d, ast.Call) else d
                wrapped = i > 0 and isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod", "property")
                if wrapped:  # `@torch.no_grad()` over `@staticmethod`: the wrapper is a plain function, bound to self
                    self.add(
                        "host_call",
                        d,
                        f"`@{d.id}` under another decorator: the one above wraps it in a plain function, which "
                        f"Python binds to the instance; put @{d.id} first (outermost). " + CONTRACT_HINT,
                    )
                if not self._allowed_decorator(base, fn):
                    self.add(
                        "host_call",
                        d,
                        f"`@{ast.unparse(base)[:40]}` is not one of the decorators a kernel module may use (a "
                        "decorator is called with the function and replaces it: `@nn.ReLU` makes a layer): only "
                        f"{', '.join(sorted(DECORATORS))}, staticmethod, classmethod, property and its setter. "
                        + CONTRACT_HINT,
                    )

    def _allowed_decorator(self, base: ast.AST, fn: ast.AST) -> bool:
        """An allow-list: Triton's (jit, autotune, heuristics, Gluon's jit), torch.no_grad / inference_mode,
        Python's staticmethod, classmethod and property, and `@p.setter` of a property p of the same class."""
        if self.path(base) in DECORATORS:
            return True
        if isinstance(base, ast.Name):
            return base.id in ("staticmethod", "classmethod", "property") and base.id not in self.bound
        cls = self.parents.get(fn)
        if (
            isinstance(base, ast.Attribute)
            and base.attr in ("setter", "getter", "deleter")
            and isinstance(cls, ast.ClassDef)
        ):
            props = {
                f.name
                for f in cls.body
                if isinstance(f, ast.FunctionDef) and any(ast.unparse(x) == "property" for x in f.decorator_list)
            }
            return isinstance(base.value, ast.Name) and base.value.id in props
        return False

    def _optional_import(self, node: ast.AST) -> bool:
        """`try: from triton.experimental import gluon` / `except ImportError: gluon = None` at module level: the name
        is the module or None, never another value."""
        assign = self.parents.get(node)
        handler = self.parents.get(assign)
        return (
            isinstance(node, ast.Name)
            and isinstance(assign, ast.Assign)
            and isinstance(assign.value, ast.Constant)
            and assign.value.value is None
            and isinstance(handler, ast.ExceptHandler)
            and isinstance(handler.type, ast.Name)
            and handler.type.id in ("ImportError", "ModuleNotFoundError")
            and self.owner(node) is None
        )

    def _import_conflicts(self) -> None:
        seen: dict[str, str] = {}
        for node in ast.walk(self.tree):
            for name, path in _import_bindings(node):
                # `try: from triton.language.extra import libdevice` and its fallback: one module
                path = SAME_MODULE.get(path, path)
                if seen.setdefault(name, path) != path:
                    self.add(
                        "rebound_import",
                        node,
                        f"`{name}` is imported as {seen[name]} and again as {path}; give each import its own "
                        "name. " + CONTRACT_HINT,
                    )

    def _module_level(self) -> None:
        """Import time runs only definitions: a module that forks a helper, starts a thread or computes
        a table with torch at import is refused before it is imported."""

        def ok(stmt: ast.stmt) -> bool:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):  # into names only: `(torch.Tensor,)[0].exp = f` or
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]  # `TABLE[k] = v` changes
                return all(_names_only(t) for t in targets)  # an object at import
            if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
                return True
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                return True  # a docstring
            if isinstance(stmt, ast.Try):  # try: from triton.experimental import gluon / except ImportError
                return all(ok(s) for s in stmt.body + stmt.orelse + stmt.finalbody) and all(
                    ok(s) for h in stmt.handlers for s in h.body
                )
            if isinstance(stmt, ast.If):
                return all(ok(s) for s in stmt.body + stmt.orelse)
            return isinstance(stmt, ast.Pass)

        for stmt in self.tree.body:
            if not ok(stmt):
                self.add(
                    "module_level",
                    stmt,
                    f"top-level `{ast.unparse(stmt).splitlines()[0][:60]}` runs at import; a kernel module only "
                    "defines things (imports, constants, kernels, helper functions, ModelNew). " + CONTRACT_HINT,
                )
            own = self._own_calls_at_import(stmt)
            if own:
                self.add(
                    "module_level",
                    stmt,
                    f"top-level `{ast.unparse(stmt).splitlines()[0][:60]}` calls `{own}` at import; a constant is a "
                    "literal or a library call (triton.Config, math.*), never this module's own code. " + CONTRACT_HINT,
                )
        self._class_bodies(ok)

    def _mangled_names(self, cls: ast.ClassDef) -> None:
        """Python rewrites every identifier that starts with two underscores (and does not end with two) written
        inside a class, methods included: `__act` in ModelNew is `_ModelNew__act`, a name the gate would read as
        another one (a decoy `def __act` beside the real `def _ModelNew__act`)."""
        for n in ast.walk(cls):
            for name in _identifiers(n):
                if name.startswith("__") and not name.endswith("__"):
                    self.add(
                        "dynamic_access",
                        n,
                        f"`{name}` in class {cls.name}: Python rewrites a name that starts with two underscores inside "
                        f"a class to `_{cls.name.lstrip('_')}{name}`, another name than the one written; drop one "
                        "leading underscore. " + CONTRACT_HINT,
                    )

    def _class_bodies(self, ok) -> None:
        """A class body runs at import too, and holds only methods and constants: no special method, no alias of
        this module's code, no lambda or generator stored (it runs when the attribute is read, past the gate's
        calls)."""
        for cls in self.classes.values():
            self._library_overrides(cls)
            self._mangled_names(cls)
            for stmt in cls.body:
                if isinstance(stmt, ast.FunctionDef) and stmt.name.startswith("__") and stmt.name != "__init__":
                    self.add(
                        "dynamic_access",
                        stmt,
                        f"`def {stmt.name}` in class {cls.name}: special methods (__getattr__, __call__, operators) "
                        "run code the gate cannot follow; define __init__, forward and plain methods only. "
                        + CONTRACT_HINT,
                    )
                refers = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)} & (
                    self.methods | set(self.module_fns) | set(self.classes)
                )
                code = [n for n in ast.walk(stmt) if isinstance(n, (ast.Lambda, ast.GeneratorExp, ast.NamedExpr))]
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and code:  # `sq = property(lambda self: ...)`
                    self.add(
                        "module_level",
                        stmt,
                        f"`{ast.unparse(stmt).splitlines()[0][:60]}` in class {cls.name} holds code that runs when the "
                        "attribute is read, with no call the gate can follow; define methods with def. "
                        + CONTRACT_HINT,
                    )
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and refers:  # `forward = run` makes run forward
                    self.add(
                        "module_level",
                        stmt,
                        f"`{ast.unparse(stmt).splitlines()[0][:60]}` in class {cls.name} names code of this module "
                        "(an alias of a method); define each method with def under its own name. " + CONTRACT_HINT,
                    )
                if not (ok(stmt) and not isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Try, ast.If))):
                    self.add(
                        "module_level",
                        stmt,
                        f"`{ast.unparse(stmt).splitlines()[0][:60]}` in class {cls.name} runs at import; a class "
                        "body holds only methods and constants. " + CONTRACT_HINT,
                    )

    def _without_config_builder(self, d: ast.AST) -> ast.AST:
        """`@triton.autotune(configs=get_configs(), ...)`, the Triton tutorials' way: the config builder, a function
        of this module called with no argument, runs at import and is host code like any helper (its body meets
        the host-code contract). The decorator, less that one call, for the other checks."""
        if not (isinstance(d, ast.Call) and self.path(d.func) == "triton.autotune"):
            return d
        keywords = [
            k
            for k in d.keywords
            if not (
                k.arg == "configs"
                and isinstance(k.value, ast.Call)
                and isinstance(k.value.func, ast.Name)
                and k.value.func.id in self.module_fns
                and k.value.func.id not in self.kernels
                and not k.value.args
                and not k.value.keywords
            )
        ]
        return ast.Call(func=d.func, args=d.args, keywords=keywords)

    def _library_overrides(self, cls: ast.ClassDef) -> None:
        """A class binds none of the names its library base defines but the ones meant to be written: an nn.Module
        only __init__, forward and extra_repr (`_compiled_call_impl` or `_call_impl` would run instead of forward),
        an autograd.Function only forward, setup_context, backward, jvp and vjp (`apply` would run instead)."""
        function = self._autograd_function(cls)
        if function:
            library, allowed = _function_names(), {"forward", "setup_context", "backward", "jvp", "vjp", "__init__"}
        elif self._module_class(cls):
            library, allowed = _module_names(), {"__init__", "forward", "extra_repr"}
        else:
            return
        # its own statements, then what it inherits from its bases of this module (a plain mixin's `apply` comes
        # first in its MRO), reported on its first statement
        bases = [self.classes[b.id] for b in cls.bases if isinstance(b, ast.Name) and b.id in self.classes]
        named = [(stmt, _class_body_names(stmt)) for stmt in cls.body]
        for stmt, bound in named:
            if "forward" in bound and not _plain_forward(stmt) and not function:
                self.add(
                    "dynamic_access",
                    stmt,
                    f"class {cls.name} binds forward other than as one plain def (a property, an alias, a "
                    "staticmethod); define `def forward(self, ...)`. " + CONTRACT_HINT,
                )
        named.append((cls.body[0], sorted({n for b in bases for n in self._class_members(b)})))
        for stmt, bound in named:
            for name in bound:
                if name in library and name not in allowed:
                    self.add(
                        "dynamic_access",
                        stmt,
                        f"class {cls.name} redefines `{name}`, which its PyTorch base runs itself; define __init__, "
                        f"forward and methods of your own names. " + CONTRACT_HINT,
                    )

    def _own_calls_at_import(self, stmt: ast.stmt) -> str | None:
        """The first function or class of this module a top-level statement calls (a decorator, a def's defaults
        and annotations run at import too), outside any lambda or def it defines; None if it calls none."""
        todo = [stmt]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Lambda):  # its body runs later; its defaults now
                todo += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for d in node.decorator_list:  # `@helper` calls helper at import, as `helper(fn)` would
                    if isinstance(d, ast.Name) and d.id in self.module_fns and d.id not in self.kernels:
                        return d.id
                todo += [self._without_config_builder(d) for d in node.decorator_list]
                todo += [*getattr(getattr(node, "args", None), "defaults", [])]
                if not isinstance(node, ast.ClassDef):  # keyword defaults and annotations run at def time too
                    todo += [d for d in node.args.kw_defaults if d is not None] + [node.returns or ast.Pass()]
                    todo += [a.annotation for a in ast.walk(node.args) if isinstance(a, ast.arg) and a.annotation]
                todo += [*getattr(node, "bases", [])]
                if isinstance(node, ast.ClassDef):  # a class body runs at import (its methods: only their heads)
                    todo += node.body
                continue
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and (node.func.id in self.module_fns or node.func.id in self.classes)
                and node.func.id not in self.kernels
            ):
                return node.func.id
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and self.path(node.func) is None:
                return ast.unparse(node.func)  # a method of a value (`HEUR.update({...})` fills a heuristics dict)
            todo += list(ast.iter_child_nodes(node))
        return None


def _identifiers(n: ast.AST) -> list[str]:
    """The identifiers a node writes itself (names, parameters, keywords, attributes, imports, defs, captures)."""
    if isinstance(n, ast.Name):
        return [n.id]
    if isinstance(n, ast.arg):
        return [n.arg]
    if isinstance(n, ast.keyword):
        return [n.arg] if n.arg else []
    if isinstance(n, ast.Attribute):
        return [n.attr]
    if isinstance(n, ast.alias):
        return [n.name.split(".")[0], *([n.asname] if n.asname else [])]
    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [n.name]
    if isinstance(n, (ast.Global, ast.Nonlocal)):
        return list(n.names)
    if isinstance(n, ast.ExceptHandler):
        return [n.name] if n.name else []
    if isinstance(n, (ast.MatchAs, ast.MatchStar)):
        return [n.name] if n.name else []
    if isinstance(n, ast.MatchMapping):
        return [n.rest] if n.rest else []
    return []
