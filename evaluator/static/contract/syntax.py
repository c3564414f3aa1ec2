"""Facts read off the AST alone, with no kinds and no regions: what an import, a def or an assignment binds, a
function's parameters and defaults, what a statement stores into."""

from __future__ import annotations

import ast
import functools

from evaluator.static.contract.allowlist import REGISTERS


def _decorators(fn: ast.AST) -> list[ast.AST]:
    return getattr(fn, "decorator_list", [])


def _is_static(fn: ast.AST) -> bool:
    """@staticmethod outermost (under another decorator the wrapper is a plain function: refused, Definitions)."""
    return any(ast.unparse(d) == "staticmethod" for d in _decorators(fn)[:1])


def _container_parts(e: ast.AST) -> list[ast.AST] | None:
    """The expressions a container display or comprehension holds (None: `e` is not one)."""
    if isinstance(e, (ast.List, ast.Tuple, ast.Set)):
        return list(e.elts)
    if isinstance(e, ast.Dict):
        return [k for k in e.keys if k is not None] + list(e.values)
    if isinstance(e, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        return [e.elt]
    if isinstance(e, ast.DictComp):
        return [e.key, e.value]
    return None


def _import_bindings(node: ast.AST) -> list[tuple[str, str]]:
    """(local name, dotted path) for each name an import statement binds ([] for any other node)."""
    if isinstance(node, ast.Import):
        return [(a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0]) for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [(a.asname or a.name, f"{'.' * node.level}{node.module or ''}.{a.name}") for a in node.names]
    return []


def _bound_names(node: ast.AST) -> list[str]:
    """The names a node binds other than by import: assignment and loop targets, parameters, defs, `except ... as`,
    match captures, and global/nonlocal declarations (which let a function bind a module-level name)."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return [node.id]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return [node.name] if node.name else []
    if isinstance(node, ast.MatchMapping):
        return [node.rest] if node.rest else []
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    return []


def _class_body_names(stmt: ast.stmt) -> list[str]:
    """The names a class-body statement binds: a def's or class's, an assignment's targets, an import's..."""
    bound = _bound_names(stmt)
    return bound + [n.id for t in _store_targets(stmt) for n in ast.walk(t) if isinstance(n, ast.Name)]


def _positional_names(fn: ast.AST) -> list[str]:
    """A function's positional parameters, in order."""
    return [a.arg for a in fn.args.posonlyargs + fn.args.args]


def _bound_argument(call: ast.Call, fn: ast.AST, at: int, name: str) -> list[ast.AST]:
    """What Python binds fn's positional parameter `name` to in `call` (its `at`-th positional argument, past any
    implicit self): that argument where the call passes so many, else a keyword of that name unless the parameter
    is positional-only (`def f(a, /, **kw)` puts `f(0, a=x)`'s x in kw); [] where the call leaves it out."""
    if 0 <= at < len(call.args):
        return [call.args[at]]
    if name in [a.arg for a in fn.args.posonlyargs]:
        return []
    return [k.value for k in call.keywords if k.arg == name][:1]


def _param_names(fn: ast.AST) -> set[str]:
    """Every parameter a function or lambda binds (positional, keyword-only, *args, **kwargs)."""
    return {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}


def _defaults(fn: ast.AST) -> dict[str, ast.AST]:
    """A function's parameters that have a default, each with its default's expression."""
    args = fn.args
    positional = args.posonlyargs + args.args
    found = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults) :]], args.defaults))
    return found | {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}


def _is_classmethod(fn: ast.AST) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "classmethod" for d in _decorators(fn)[:1])


def _layer_class(path: str) -> type | None:
    """The torch.nn layer class a dotted path names (torch.nn.Conv2d), or None."""
    if not path.startswith("torch.nn."):
        return None
    try:
        import torch.nn

        obj = torch.nn
        for part in path.split(".")[2:]:
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj if isinstance(obj, type) and issubclass(obj, torch.nn.Module) else None


def _store_targets(node: ast.AST) -> list[ast.AST]:
    """The expressions a statement stores into, each part of a tuple target apart: an assignment's, a loop's or a
    comprehension's target, `with ... as` and a walrus (every node whose context is Store, found from its statement)."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.comprehension)):
        targets = [node.target]
    elif isinstance(node, ast.withitem):
        targets = [node.optional_vars] if node.optional_vars is not None else []
    else:
        return []
    return [t for target in targets for t in ast.walk(target) if isinstance(getattr(t, "ctx", None), ast.Store)]


def _module_state(name: str) -> bool:
    """A private attribute nn.Module itself keeps on every instance or class (`_buffers`, `_modules`, `_apply`):
    storing into it never makes it the module's own."""
    return name.startswith("_") and name in _module_names()


@functools.lru_cache(maxsize=4096)
def _library_name(name: str) -> bool:
    """A name Python, torch or Triton may look up on an object by itself: a public one (`keys`, `write`,
    `storage_offset`, `zero_`), a dunder, or one nn.Module or torch.Tensor defines (`_compiled_call_impl`)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - the evaluator always has torch
        return True
    private = name.startswith("_") and not name.startswith("__")
    return not private or name in _module_names() or hasattr(torch.Tensor, name)


@functools.lru_cache(maxsize=1)
def _module_names() -> frozenset[str]:
    """What nn.Module defines on its class and what a fresh instance keeps in its __dict__ (`_forward_hooks`...)."""
    try:
        import torch.nn
    except ImportError:  # pragma: no cover - the evaluator always has torch
        return frozenset()
    return frozenset(dir(torch.nn.Module)) | frozenset(vars(torch.nn.Module()))


def _stored_attributes(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The attribute names the module stores on self (`self._cache = ...`: its own state, never nn.Module's own
    `self._buffers = self._buffers`) and on anything else (`self.ln.eps = x`), by any store form (an assignment, a
    loop or comprehension target, `with ... as`)."""
    receivers = _method_selves(tree)
    stored = [t for n in ast.walk(tree) for t in _store_targets(n) if isinstance(t, ast.Attribute)]
    mine = [id(t.value) in receivers for t in stored]
    own = {t.attr for t, m in zip(stored, mine) if m and not _module_state(t.attr)}
    elsewhere = {t.attr for t, m in zip(stored, mine) if not m}
    for n in ast.walk(tree):  # `del obj.x`, `obj.register_buffer("x", t)`: obj.x changed too
        if isinstance(n, ast.Delete):
            elsewhere |= {t.attr for t in n.targets for t in ast.walk(t) if isinstance(t, ast.Attribute)}
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in REGISTERS and n.args:
            named = n.args[0]
            on_self = id(n.func.value) in receivers
            if isinstance(named, ast.Constant) and isinstance(named.value, str) and not on_self:
                elsewhere.add(named.value)
    return own, elsewhere


def _method_selves(tree: ast.Module) -> set[int]:
    """id() of each Name `self` that is a method's instance: the first parameter, named self, of a def in a class
    body (not a static or class method), in a method that binds the name self nowhere else. Not `self` in a module
    function (`def tweak(self, v)` may be given a layer), nor under a nested def or lambda whose own parameter, or
    a comprehension whose target, is self."""
    selves: set[int] = set()
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for fn in cls.body:
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or _is_static(fn) or _is_classmethod(fn):
                continue
            if _positional_names(fn)[:1] != ["self"]:
                continue
            bindings = [n for n in ast.walk(fn) for b in _bound_names(n) if b == "self"]
            if bindings == [(fn.args.posonlyargs + fn.args.args)[0]]:
                selves |= {id(n) for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == "self"}
    return selves


def _single_value(parent: ast.AST | None, b: ast.AST | None, annotated: bool = False) -> ast.AST | None:
    """The value a statement binds to `b`, its one target (`b = value`; `b: T = value` too where annotated); None
    for any other binding (`a = b = v`, `a, b = v`, a loop target, a parameter)."""
    if isinstance(parent, ast.Assign) and parent.targets == [b]:
        return parent.value
    if annotated and isinstance(parent, ast.AnnAssign) and parent.target is b:
        return parent.value
    return None


def _plain_values(root: ast.AST) -> dict[int, ast.AST]:
    """id(target) -> value for each plain assignment under root (`place = value`, `place: T = value`)."""
    plain: dict[int, ast.AST] = {}
    for n in ast.walk(root):
        if isinstance(n, ast.Assign):
            plain |= {id(t): n.value for t in n.targets}
            for t in n.targets:  # `conv, bn = self.conv, self.bn`: each target its own part
                plain |= _paired(t, n.value)
        elif isinstance(n, ast.AnnAssign) and n.value is not None:
            plain[id(n.target)] = n.value
    return plain


def _paired(target: ast.AST, value: ast.AST) -> dict[int, ast.AST]:
    """id(part) -> value part, where a tuple or list target takes a display of as many parts, none starred."""
    displays = (ast.Tuple, ast.List)
    if not (isinstance(target, displays) and isinstance(value, displays) and len(target.elts) == len(value.elts)):
        return {}
    if any(isinstance(x, ast.Starred) for x in [*target.elts, *value.elts]):
        return {}
    paired: dict[int, ast.AST] = {}
    for t, v in zip(target.elts, value.elts):
        paired[id(t)] = v
        paired |= _paired(t, v)
    return paired


def _attribute_values(tree: ast.Module) -> dict[str, list[ast.AST | None]]:
    """For each attribute name, the value of every store into it on any object: a plain `obj.attr = value` gives
    value, any other store form None (a tuple, loop or `with` target): what the attribute holds is then unknown."""
    plain = _plain_values(tree)
    found: dict[str, list[ast.AST | None]] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
            found.setdefault(n.attr, []).append(plain.get(id(n)))
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in REGISTERS:
            name = n.args[0] if n.args else None  # `obj.add_module("h", m)` stores m as obj.h
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.setdefault(name.value, []).append(n.args[1] if len(n.args) > 1 else None)
    return found


def _int_helper(path: str) -> bool:
    """Allowed functions of Python numbers: a tensor argument is converted (its values read) or computed on."""
    return path.split(".")[0] in ("math", "itertools") or path in ("triton.cdiv", "triton.next_power_of_2")


def _is_tensor_method(name: str) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - the evaluator always has torch
        return False
    return hasattr(torch.Tensor, name)


def _is_module_method(name: str) -> bool:
    try:
        import torch.nn
    except ImportError:  # pragma: no cover - the evaluator always has torch
        return False
    return callable(getattr(torch.nn.Module, name, None))


def _is_tensor_callable(name: str) -> bool:
    """A method of torch.Tensor (x.mul), not a property or a field (x.data, x.T, x.grad)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - the evaluator always has torch
        return False
    import inspect

    return callable(inspect.getattr_static(torch.Tensor, name, None))
