"""Regions: which functions are device code (jit bodies), init code (ModelNew.__init__ and the helpers only it
reaches) and host code (everything else), and the function that owns each node."""

from __future__ import annotations

import ast

from evaluator.static.contract.syntax import _library_name

HOST, INIT, DEVICE = "host", "init", "device"

FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def unnamed_classes(tree: ast.Module) -> list[ast.ClassDef]:
    """The module-level classes nothing names (the reference `Model` pasted beside ModelNew): defined once, with no
    decorator or class keyword, and no name of the module reads, binds or deletes it. No instance of one can exist
    (dunders and getattr are refused), so its methods never run with the input: they are judged as init code."""
    named = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    defined = [d.name for d in ast.walk(tree) if isinstance(d, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
    return [
        c
        for c in tree.body
        if isinstance(c, ast.ClassDef)
        and c.name not in named | {"ModelNew"}
        and not c.decorator_list
        and not c.keywords
        and defined.count(c.name) == 1
    ]


def in_unnamed_method(fn: ast.AST | None, owner, parents: dict, unnamed: list[ast.ClassDef]) -> bool:
    """Whether `fn` is a method of an unnamed class, or a function whose body one's body holds: not a default,
    annotation or decorator of one, which run at import (a lambda default may escape into a heuristics dict)."""
    while fn is not None:
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and parents.get(fn) in unnamed:
            return True
        fn = owner(fn)
    return False


class Regions:
    """Which region each function is in (HOST, INIT, DEVICE) and which function owns a node."""

    def owner(self, node: ast.AST) -> ast.AST | None:
        """The innermost function (def or lambda) holding `node`; None at module level."""
        child, p = node, self.parents.get(node)
        while p is not None:
            # a function's decorators, defaults and annotations run in the enclosing scope; only its body is its own
            if isinstance(p, ast.Lambda) and child is p.body:
                return p
            if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)) and child in p.body:
                return p
            child, p = p, self.parents.get(p)
        return None

    def scope_of(self, node: ast.AST) -> ast.AST | None:
        """The scope whose name `node` binds or reads, as Python resolves it: a function (its body and parameters;
        its defaults, annotations and decorators belong outside), a comprehension (all but its first iterable; a
        walrus inside one binds in the function around it), or None for the module."""
        walrus = isinstance(self.parents.get(node), ast.NamedExpr) and self.parents[node].target is node
        prev, child, p = None, node, self.parents.get(node)
        while p is not None:
            # a parameter itself is the function's; its annotation (`def g(x: (y := x * 2))`) is read outside
            param = child is p.args and isinstance(prev, ast.arg) and prev is node if isinstance(p, FUNCS) else False
            if isinstance(p, ast.Lambda) and (child is p.body or param):
                return p
            if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)) and (child in p.body or param):
                return p
            if isinstance(p, COMPREHENSIONS) and not walrus:
                first = p.generators[0]
                if not (child is first and prev is first.iter):
                    return p
            prev, child, p = child, p, self.parents.get(p)
        return None

    def region_of(self, node: ast.AST) -> str:
        fn = node if isinstance(node, FUNCS) else self.owner(node)
        return HOST if fn is None else self.region.get(fn, HOST)

    def _calls(self, fn: ast.AST) -> set[str]:
        """Module functions `fn` itself calls by name (nested functions are their own roots)."""
        out = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and self.owner(node) is fn:
                if node.func.id in self.module_fns:
                    out.add(node.func.id)
        return out

    def _reach(self, roots: list[ast.AST]) -> set[str]:
        seen: set[str] = set()
        todo = [name for r in roots for name in self._calls(r)]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += self._calls(self.module_fns[name])
        return seen

    def _regions(self) -> dict[ast.AST, str]:
        region: dict[ast.AST, str] = {}
        device_roots = [self.module_fns[k] for k in self.kernels if k in self.module_fns]
        for root in device_roots:  # its body only: a lambda in its decorators (a heuristic) is host code
            region[root] = DEVICE
            for node in (n for stmt in root.body for n in ast.walk(stmt)):
                if isinstance(node, FUNCS):
                    region[node] = DEVICE
        fns = [n for n in ast.walk(self.tree) if isinstance(n, FUNCS) and n not in region]
        inits = self._init_roots(fns)
        inits += self._init_methods(inits)
        unnamed = unnamed_classes(self.tree)
        inits += [f for f in fns if f not in inits and in_unnamed_method(f, self.owner, self.parents, unnamed)]
        # a module function also used as a value (a grid, a hook) is host code whoever calls it
        as_value = {
            n.id
            for n in ast.walk(self.tree)
            if isinstance(n, ast.Name) and n.id in self.module_fns and not isinstance(self.parents.get(n), ast.Call)
        } | {
            n.id
            for n in ast.walk(self.tree)
            if isinstance(n, ast.Name)
            and isinstance(self.parents.get(n), ast.Call)
            and self.parents[n].func is not n
            and n.id in self.module_fns
        }
        # a generator or coroutine runs its body when it is iterated or awaited, later, in forward: host code
        lazy = {n for n, f in self.module_fns.items() if _lazy(f)}
        host_roots = [f for f in fns if f not in inits and f not in self.module_fns.values()]
        host = self._reach(host_roots) | as_value | lazy | {n for n in self.module_fns if n not in self._reach(inits)}
        host |= self._reach([self.module_fns[n] for n in host if n not in self.kernels])
        for f in fns:
            name = getattr(f, "name", None)
            if f in inits or (self.owner(f) is None and name in self.module_fns and name not in host):
                region[f] = INIT
            else:
                region[f] = HOST
        return region

    def class_init(self, cls: str) -> list[ast.FunctionDef]:
        """The __init__ that `cls(...)` runs: the class's own, or the one it inherits ([] for nn.Module's)."""
        return self.class_method(cls, "__init__")

    def class_method(self, cls: str, name: str) -> list[ast.FunctionDef]:
        """The method `name` that an instance of a class of this module runs: the first definition along the
        class's method resolution order (Python's C3, over this module's classes), [] where a library class comes
        first in that order (nn.Module's own, a layer's) or the order cannot be formed."""
        for c in self.mro(cls) or []:
            if c not in self.classes:
                return []
            own = [f for f in self.classes[c].body if isinstance(f, ast.FunctionDef) and f.name == name]
            if own:
                return own
        return []

    def mro(self, cls: str, depth: int = 0) -> list[str] | None:
        """The C3 linearisation of a class of this module by name; a base it does not define (`nn.Module`) is one
        opaque entry. None where Python would refuse the bases, or past 8 levels."""
        node = self.classes[cls]
        bases = [ast.unparse(b) for b in node.bases]
        if depth >= 8 or cls in bases:
            return None
        seqs = [self.mro(b, depth + 1) if b in self.classes else [b] for b in bases]
        if any(s is None for s in seqs):
            return None
        order, pending = [cls], [list(s) for s in [*seqs, bases] if s]
        while pending:
            heads = [s[0] for s in pending if not any(s[0] in t[1:] for t in pending)]
            if not heads:
                return None
            order.append(heads[0])
            pending = [t for t in ([x for x in s if x != heads[0]] for s in pending) if t]
        return order

    def _init_methods(self, inits: list[ast.AST]) -> list[ast.AST]:
        """Private methods only init code calls, each call `self._name(...)` in a method of init code (KernelBench's
        `self._make_layer(...)` in __init__): init code too. A method named any other way (from forward, as a value,
        through its class or another object), one Python, torch or Triton may run by its name (public, dunder,
        nn.Module's or Tensor's), an autograd.Function's, a decorated one and a generator stay host code."""
        methods: dict[str, list[ast.AST]] = {}
        for cls in self.classes.values():
            for f in cls.body:
                if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    methods.setdefault(f.name, []).append(f)
        callers: dict[str, list[ast.AST | None]] = {}  # name -> the method calling it on its self (None: other use)
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Attribute) and n.attr in methods:
                callers.setdefault(n.attr, []).append(self._self_caller(n))
            elif isinstance(n, ast.Name) and n.id in methods:  # `def go(self, f=_m)`: the class-scope name, a value
                callers.setdefault(n.id, []).append(None)
        found = list(inits)
        grown = True
        while grown:
            grown = False
            for name, defs in methods.items():
                fn = defs[0]
                if len(defs) != 1 or fn in found or not self._grad_mode_only(fn) or _lazy(fn) or name.startswith("__"):
                    continue
                if _library_name(name) or not callers.get(name) or self._autograd_function(self.parents.get(fn)):
                    continue  # (a name Python, torch or Triton may call by itself: `write`, `keys`, `zero_`)
                if all(c is not None and c in found for c in callers[name]):
                    found.append(fn)
                    grown = True
        return found[len(inits) :]

    def _grad_mode_only(self, fn: ast.AST) -> bool:
        """No decorator but torch's grad modes (`@torch.no_grad()`), which call the method as it was called."""
        modes = ("torch.no_grad", "torch.inference_mode", "torch.enable_grad")
        for d in fn.decorator_list:
            call = isinstance(d, ast.Call) and not d.args and not d.keywords
            if self.path(d.func if call else d) not in modes:
                return False
        return True

    def _self_caller(self, n: ast.Attribute) -> ast.AST | None:
        """The method `n` (`self.name` in `self.name(...)`) is called in on its own first parameter, else None."""
        call, fn = self.parents.get(n), self.owner(n)
        if not (isinstance(call, ast.Call) and call.func is n and isinstance(n.value, ast.Name)):
            return None
        if (
            not isinstance(fn, ast.FunctionDef)
            or not isinstance(self.parents.get(fn), ast.ClassDef)
            or not self._grad_mode_only(fn)
        ):
            return None
        params = fn.args.posonlyargs + fn.args.args
        return fn if params and params[0].arg == n.value.id else None

    def _init_roots(self, fns: list[ast.AST]) -> list[ast.AST]:
        """The __init__ methods that see only weights: ModelNew's (the evaluator builds it from the problem's
        init inputs) and those of the classes that only such code builds (a helper nn.Module made in
        ModelNew.__init__). A class built anywhere else (forward, a helper it calls, module level) may be
        handed the inputs, so its __init__ is host code, as is every class nothing builds."""

        def init_of(cls: str) -> list[ast.AST]:
            return [f for f in self.class_init(cls) if f in fns]

        def built_by(roots: list[ast.AST]) -> set[str]:
            callers = roots + [self.module_fns[n] for n in self._reach(roots)]
            calls = [
                n
                for fn in callers
                for n in ast.walk(fn)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and self.owner(n) is fn
            ]
            # `block(c)` builds the class the parameter holds (`_held_class`: ResNet's _make_layer(self, block))
            held = {c.name for c in map(self._held_call, calls) if c is not None}
            return {n.func.id for n in calls if n.func.id in self.classes} | held

        init_classes = {"ModelNew"} & set(self.classes)
        while True:
            roots = [f for c in init_classes for f in init_of(c)]
            grown = init_classes | (built_by(roots) - {"ModelNew"})
            others = [f for f in fns if f not in roots and f not in self.module_fns.values()]
            elsewhere = built_by(others) | {  # built at module level, outside any function
                n.func.id
                for n in ast.walk(self.tree)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and self.owner(n) is None
            }
            # a module function reached from both is host code (as in _regions), so the classes it builds are too
            shared = self._reach(others) & self._reach(roots)
            elsewhere |= built_by([self.module_fns[n] for n in shared]) if shared else set()
            while True:  # `Sub(x)` runs the __init__ Sub inherits from a class of this module
                built = [self.classes[c] for c in elsewhere if c in self.classes]
                bases = {b.id for c in built for b in c.bases if isinstance(b, ast.Name)} & set(self.classes)
                if bases <= elsewhere:
                    break
                elsewhere |= bases
            kept = {c for c in grown if c == "ModelNew" or c not in elsewhere}
            if kept == init_classes:  # an __init__ inherited from a class built elsewhere runs there too
                return [f for f in roots if self.parents[f].name == "ModelNew" or self.parents[f].name not in elsewhere]
            init_classes = kept


def _lazy(fn: ast.AST) -> bool:
    """Whether a def's body runs later than its call: a generator (yield in its own body) or an async def."""
    if isinstance(fn, ast.AsyncFunctionDef):
        return True
    todo = list(fn.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
            return True
        if not isinstance(node, (*FUNCS, ast.ClassDef)):  # a nested def's yield is its own
            todo += ast.iter_child_nodes(node)
    return False
