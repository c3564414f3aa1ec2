"""The kind of a host expression (TENSOR, TCONT, PY, UNKNOWN, SELF; see below) from the kinds the inference
found for names, attributes, calls and returns."""

from __future__ import annotations

import ast
import builtins
import functools
import inspect

from evaluator.static.contract.allowlist import (
    CONTAINER_BUILTINS,
    CTX_FUNCTIONS,
    HOST_BUILTINS,
    META_ATTRS,
    META_METHODS,
    SUBMODULE_REACHERS,
    TENSOR_ALLOC,
    operator,
)
from evaluator.static.contract.region import INIT, _lazy
from evaluator.static.contract.syntax import (
    _bound_argument,
    _bound_names,
    _class_body_names,
    _container_parts,
    _is_classmethod,
    _is_module_method,
    _is_static,
    _layer_class,
    _library_name,
    _method_selves,
    _paired,
    _plain_values,
    _positional_names,
    _single_value,
)

# Kinds of host values: TENSOR; TCONT, a Python container (list, tuple, dict, set, an exception, an object's
# attributes) that may hold a tensor: an element read out of it is a TENSOR, iterating it binds TENSORs, and a
# builtin that compares or converts its elements reads tensor values; PY, a Python value built in host code;
# SELF, `self` or an instance of one of the module's classes (its attributes: self_kinds); UNKNOWN.
# Host code is typed by a flow-insensitive inference (a name's kind is the join of all it is ever bound to) run to a
# fixpoint over the module: parameters from call sites, returns, stores into containers (`box.append(x)`, through
# every name sharing box's object and every argument of a parameter a helper stores into), closures and nonlocal.
# Tuples, string-keyed dicts and lists of tuples are followed part by part only where they cannot change (_frozen).
TENSOR, TCONT, PY, UNKNOWN, SELF = "tensor", "container", "py", "unknown", "self"

ANY = "any"  # not a kind: in bound_kinds, an object the gate cannot type (an item, an attribute, a method's result)

RANK = {PY: 0, UNKNOWN: 1, SELF: 1, TCONT: 2, TENSOR: 3}  # joins keep the higher: what may hold a tensor does

HOLDS = (TENSOR, TCONT)

# expressions whose kind is fixed: literals, and what a `yield` is sent or a `yield from` / `await` returns, which
# the gate cannot follow (r = yield from inner(x) is x)
FIXED_KINDS = {ast.Constant: PY, ast.JoinedStr: PY, ast.Yield: TENSOR, ast.YieldFrom: TENSOR, ast.Await: TENSOR}

MAX_PASSES = 12  # inference passes before giving up on a fixpoint (candidates reach it in 2-5)


def _none_test(node: ast.AST | None) -> bool:
    """`x is None` / `x is not None` (x the left operand): identity, which runs no code of x's object."""
    if not isinstance(node, ast.Compare):
        return False
    identity = all(isinstance(o, (ast.Is, ast.IsNot)) for o in node.ops)
    return identity and all(isinstance(c, ast.Constant) and c.value is None for c in node.comparators)


@functools.lru_cache(maxsize=1024)
def _makes_tensor(path: str) -> bool:
    """A torch operator (allowlist.operator: ATen's bindings, and those torch.fft, torch.linalg,
    torch.special and F write in Python: linspace, cat, fft.fftfreq, F.softmax) returns tensors (or tuples of them),
    less the few that answer a Python value (is_*, can_*, get_*, numel, result_type, promote_types,
    broadcast_shapes). Init code may call them; what they return is a tensor wherever it goes."""
    leaf = path.rpartition(".")[2]
    answers = leaf.startswith(("is_", "can_", "get_", "are_", "has_")) or leaf in PY_ANSWERS
    return operator(path) and not answers


@functools.lru_cache(maxsize=256)
def _torch_class(path: str) -> type | None:
    """The public torch class a dotted path names (torch.Generator, torch.nn.parameter.UninitializedBuffer)."""
    import importlib

    module, _, name = path.rpartition(".")
    if not path.startswith("torch.") or name.startswith("_"):
        return None
    try:
        obj = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return obj if isinstance(obj, type) else None


def _torch_object(path: str) -> bool:
    """A torch class whose instances may hand out tensors (torch.Generator's get_state), unlike the descriptions
    of one (torch.device, dtype, Size, finfo, iinfo, layout, memory_format), which are Python values."""
    import torch

    values = (torch.device, torch.dtype, torch.Size, torch.finfo, torch.iinfo, torch.layout, torch.memory_format)
    cls = _torch_class(path)
    return cls is not None and not issubclass(cls, values)


def _tensor_class(path: str) -> bool:
    """A subclass of torch.Tensor (nn.Parameter, nn.parameter.UninitializedParameter): what it builds is a tensor."""
    import torch

    cls = _torch_class(path)
    return cls is not None and issubclass(cls, torch.Tensor)


# torch operators that answer a Python value (a number, a dtype, a torch.Size), not a tensor
PY_ANSWERS = frozenset({"numel", "result_type", "promote_types", "broadcast_shapes", "typename"})


@functools.lru_cache(maxsize=512)
def _holder_method(name: str) -> bool:
    """A method that on a container or a layer gives back that object or what it holds (list.copy, dict.values,
    Module.parameters, Module.to, an exception's with_traceback), not one of nn.Module's that give a tensor
    (forward, get_parameter, get_buffer)."""
    import torch

    holders = (list, tuple, dict, set, frozenset, BaseException)
    if any(hasattr(t, name) for t in holders):
        return True
    return hasattr(torch.nn.Module, name) and name not in MODULE_TENSOR_METHODS


# nn.Module's methods that give a tensor (Identity().forward(t), get_parameter("bias"))
MODULE_TENSOR_METHODS = frozenset({"forward", "get_parameter", "get_buffer", "get_extra_state", "__call__"})


@functools.lru_cache(maxsize=512)
def _value_method(name: str) -> bool:
    """A method some Python value or tensor description has (str.join, dict.get, torch.Size.numel, dtype's
    is_floating_point): what it returns is no tensor the receiver was not already typed to hold."""
    import torch

    values = (str, bytes, int, float, complex, bool, list, tuple, dict, set, frozenset, range, slice, BaseException)
    return any(hasattr(t, name) for t in values + (torch.Size, torch.dtype, torch.device))


@functools.lru_cache(maxsize=256)
def _scalar_constants(cls: type) -> frozenset[str]:
    """A torch.nn layer's __constants__ that its constructor takes as Python values: not one its signature types
    as a module or tensor (nn.TransformerEncoder's `norm` is a LayerNorm)."""
    names = frozenset(getattr(cls, "__constants__", ()) or ())
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):  # pragma: no cover - every nn layer has a Python __init__
        return frozenset()
    typed = {n: str(params[n].annotation) for n in names if n in params}
    declared = frozenset(n for n in names if not any(w in typed.get(n, "") for w in ("Module", "Tensor")))
    return declared | _kept_arguments(cls)


@functools.lru_cache(maxsize=256)
def _kept_arguments(cls: type) -> frozenset[str]:
    """The attributes a torch.nn layer's __init__ sets to one of its own arguments as given (nn.MultiheadAttention's
    `self.num_heads = num_heads`), read off the library's source: only an argument its signature leaves
    unannotated or types as a number or bool, and only an attribute no method of the class or its bases assigns
    anywhere else. A layer built with plain arguments (`_layer_built`) then holds a Python value there."""
    import textwrap

    try:
        params = inspect.signature(cls.__init__).parameters
        trees = [
            ast.parse(textwrap.dedent(inspect.getsource(c))) for c in cls.__mro__ if c.__module__.startswith("torch.nn")
        ]
    except (TypeError, ValueError, OSError, SyntaxError):
        return frozenset()
    numeric = {
        n for n, p in params.items() if p.annotation is inspect.Parameter.empty or p.annotation in (int, float, bool)
    } - {"self", "device", "dtype"}
    stores: dict[str, list[ast.AST]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            for t in node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]:
                for a in ast.walk(t) if t is not None else []:
                    if isinstance(a, ast.Attribute) and isinstance(a.value, ast.Name) and a.value.id == "self":
                        stores.setdefault(a.attr, []).append(node)
    init = (
        next((f for f in ast.walk(trees[0]) if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
        if trees
        else None
    )
    kept = set()
    for name, nodes in stores.items():
        (only,) = nodes if len(nodes) == 1 else (None,)
        plain = isinstance(only, ast.Assign) and len(only.targets) == 1 and isinstance(only.targets[0], ast.Attribute)
        if plain and isinstance(only.value, ast.Name) and only.value.id in numeric and only.value.id == name:
            if init is not None and any(n is only for n in ast.walk(init)):
                kept.add(name)
    return frozenset(kept)


class Kinds:
    """The kind of an expression, read from what the inference found."""

    def kind(self, e: ast.AST, env: dict[str, str]) -> str:
        if type(e) in FIXED_KINDS:
            return FIXED_KINDS[type(e)]
        parts = _container_parts(e)
        if parts is not None:  # comprehensions: their targets are bound in env (_flow)
            return self._container_kind(parts, env)
        if isinstance(e, ast.Starred):
            return self.kind(e.value, env)
        if isinstance(e, ast.Name):
            return self._name_kind(e, env)
        if isinstance(e, ast.Attribute):
            return self._attribute_kind(e, env)
        if isinstance(e, ast.Subscript):
            return self._subscript_kind(e, env)
        if isinstance(e, ast.BinOp):  # `[x] + []` is still a container holding x
            return functools.reduce(self._join, [self.kind(e.left, env), self.kind(e.right, env)])
        if isinstance(e, ast.BoolOp):  # `box or []`
            return functools.reduce(self._join, [self.kind(v, env) for v in e.values])
        if isinstance(e, ast.NamedExpr):
            return self.kind(e.value, env)
        if isinstance(e, ast.UnaryOp):
            return self.kind(e.operand, env)
        if isinstance(e, ast.IfExp):
            return self._join(self.kind(e.body, env), self.kind(e.orelse, env))
        if isinstance(e, ast.Call):
            return self._call_kind(e, env)
        if isinstance(e, ast.Compare):  # `w > 1` of a tensor is a tensor (of a container too, mistyped or not)
            identity = all(isinstance(o, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for o in e.ops)
            held = any(self.kind(v, env) in HOLDS for v in [e.left, *e.comparators])
            return TENSOR if held and not identity else PY
        return UNKNOWN

    def _constant_item(self, e: ast.Subscript, env: dict[str, str]) -> str | None:
        """`res[1]` of a known tuple, `p["n"]` of a known dict: that part's kind. `META["BLOCK"]` in a grid
        callable: a Python value where BLOCK is a constexpr (or a config's key), else maybe a tensor."""
        key = e.slice.value if isinstance(e.slice, ast.Constant) else None
        fn = self.owner(e)
        if fn in self.meta_fns and isinstance(e.value, ast.Name) and isinstance(key, str):
            params = fn.args.posonlyargs + fn.args.args
            if params and e.value.id == params[0].arg and e.value.id not in self._assigned(fn):
                return PY if key in self.meta_keys.get(fn, set()) else self._launch_argument(fn, key)
        if isinstance(key, str):
            keyed = self._keys(e.value, env)
            return keyed.get(key) if keyed is not None else None
        if isinstance(key, int) and not isinstance(key, bool):
            parts = self._parts(e.value, env)
            if parts is not None and -len(parts) <= key < len(parts):
                return parts[key]
        return None

    def _container_kind(self, elts: list[ast.AST], env: dict[str, str]) -> str:
        # a module of this file holds its layers' tensors: `[self]` may hold a tensor (repr([self]) prints them)
        return TCONT if any(self.kind(x, env) in (*HOLDS, SELF) for x in elts) else PY

    def _name_kind(self, e: ast.Name, env: dict[str, str]) -> str:
        """A local, else one of an enclosing function (a closure), else a module-level name; a name declared
        global or nonlocal is the join of both."""
        declared = e.id in self._declared_global(e)
        # env binds every name of e's function, its comprehensions' targets too: read it only where Python's scopes
        # put e there (a comprehension's `for BOX in ...` does not make the function's own BOX a Python value)
        own = e.id in env and (self.owner(e) is None or self._home(e) is self.owner(e))
        if own and not declared:
            return env[e.id]
        outer = self._outer_kind(e, skip_own=declared)
        return self._join(env[e.id], outer) if own else outer

    def _scope_of(self, e: ast.Name, skip_own: bool) -> dict[str, str] | None:
        """The kinds of the function around `e` (past its own with skip_own) whose binding it reads, or None (a
        module-level name): where a closure's name lives."""
        fn = self._home(e, skip_own)
        return None if fn is None or e.id not in self.kinds.get(fn, {}) else self.kinds[fn]

    def _outer_kind(self, e: ast.Name, skip_own: bool) -> str:
        scope = self._scope_of(e, skip_own)
        if scope is not None:
            return scope[e.id]
        if e.id in self.global_kinds:
            return self.global_kinds[e.id]
        if e.id in self.classes:
            return SELF  # a class of this module: its attributes are self_kinds (`ModelNew.cache`)
        return PY if e.id in self.aliases else UNKNOWN

    def _attribute_kind(self, e: ast.Attribute, env: dict[str, str]) -> str:
        if self._ctx(e.value):
            return self._ctx_kind(e.attr)
        if self._constant_read(e):
            return PY  # `Bottleneck.expansion`, `block.expansion`: a literal class constant
        base = self.kind(e.value, env)
        if base in (TENSOR, TCONT, UNKNOWN) and self._instance_class(e.value) is not None:
            base = SELF  # an item of a ModuleList of this module's blocks (`blk.scale`): its attributes are self's
        if base == TENSOR:  # (or a layer taken out of a container of layers: `layer.out_features`)
            meta = e.attr in META_ATTRS and e.attr not in self._class_body_bound()  # (a property `dtype` of an own
            return PY if meta or e.attr in self._constants_of(e.value) else TENSOR  # class, taken as a list item)
        call = self.parents.get(e)
        if base == SELF and not (isinstance(call, ast.Call) and call.func is e) and _is_module_method(e.attr):
            return SELF  # `self.modules` uncalled: a bound method, whose repr is its module's
        if base == SELF:  # an attribute, or a property (what the method of that name returns)
            kinds = [self.self_kinds.get(e.attr), self.returns.get(e.attr) if e.attr in self.methods else None]
            known = [k for k in kinds if k is not None]
            return functools.reduce(self._join, known) if known else UNKNOWN
        if e.attr == "args" and base == TCONT and self._caught_only(e.value):
            return TCONT  # what an exception was raised with: `{}.pop(x)` raises KeyError(x)
        if base == TCONT:  # an attribute of a layer (or of anything holding a tensor: an exception's .obj): a
            # tensor unless the layer's class declares it a constant (__constants__: a Conv2d's stride, an eps)
            return PY if e.attr in self._constants_of(e.value) else TENSOR
        if self.path(e):
            return PY
        # an object the gate cannot type may be self (`for m in [self]`) or an instance of this module's classes
        known = self.self_kinds.get(e.attr)
        if known in HOLDS or base != UNKNOWN:
            return known if known in HOLDS else UNKNOWN
        # ... or a layer or a tensor (`next(iter(self.children())).weight`): what it holds is a tensor, unless it is
        # a tensor's description (a helper's `M, K = a.shape` reads sizes of an untyped parameter)
        return PY if e.attr in META_ATTRS and e.attr not in self._class_body_bound() else TENSOR

    def _subscript_kind(self, e: ast.Subscript, env: dict[str, str]) -> str:
        known = self._constant_item(e, env)
        if known is not None:
            return known
        whole = self.kind(e.value, env)
        if whole == TCONT and isinstance(e.slice, ast.Slice):
            return TCONT  # `self.blocks[1:]`: a container of the same items (a tensor's slice is a tensor)
        return TENSOR if whole in HOLDS else UNKNOWN

    def _ctx_kind(self, attr: str) -> str:
        """What `ctx.attr` holds in an autograd.Function: a Python value where every store into an attribute of that
        name, on any object, is a plain `ctx.attr = value` of a Python value on a ctx (`ctx.block_d = BLOCK_D` in
        forward, read by backward's launch); a tensor otherwise, and for torch's own fields (`ctx.saved_tensors`)."""
        from torch.autograd.function import BackwardCFunction

        if attr.startswith("_") or hasattr(BackwardCFunction, attr):
            return TENSOR
        key = ("ctx stores", attr)
        if key not in self._memo_once:
            stores = self._attribute_stores(attr)
            deleted = any(
                isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.ctx, ast.Del)
                for n in ast.walk(self.tree)
            )
            # a registration (`add_module("block_d", m)`), a del or a store other than `obj.attr = value` leaves it
            # unknown
            whole = not deleted and len(stores) == len(self.self_values.get(attr, []))
            whole = whole and all(v is not None for _, v in stores)
            self._memo_once[key] = stores if whole and stores else None
        stores = self._memo_once[key]
        if stores is None or not all(self._ctx(n.value) for n, _ in stores):
            return TENSOR
        # an immutable number or string: nothing can be appended or stored into it later (`ctx.box = []` then
        # `ctx.box.append(x)` would hold the input)
        return PY if all(self._scalar(v) for _, v in stores) else TENSOR

    def _constants_of(self, e: ast.AST) -> set[str]:
        """The __constants__ of the layer classes `e` (self.conv, a local, an item of a layer container, a helper's
        parameter) may be an instance of (`_value_classes`); none if any binding is something else or a store the
        gate cannot pair with one value (a parameter of a function also used as a value; an attribute of that name
        stored on any object)."""
        classes = self._value_classes(e)
        if not classes or any(c is None or isinstance(c, ast.ClassDef) for c in classes):
            return set()
        # every module's `training` flag too; never an attribute this module stores into (`self.ln.eps = x`)
        constants = set.intersection(*({"training", *_scalar_constants(c)} for c in classes))
        return constants - self.stored_elsewhere

    def _value_classes(self, e: ast.AST | None, depth: int = 0) -> list:
        """The classes each value `e` may hold is an instance of: a torch.nn layer class built with plain arguments
        (`_layer_built`) or a class of this module (its ClassDef); None among them where one binding is something
        else. Followed through self.<attr> (every store into attr on any object), an item of a layer container
        never changed (`self.net[0]`, `for blk in self.blocks`), a local's bindings (`conv, bn = self.conv,
        self.bn`) and a helper's parameter (the arguments of each call of it)."""
        key = ("classes", id(e))
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = [None]  # a cycle (`a, b = b, a`) is unknown
        self._memo[key] = found = self._classes_now(e, depth) if depth < 8 and e is not None else [None]
        return found

    def _classes_now(self, e: ast.AST, depth: int) -> list:
        if self._reaches_submodules():
            return [None]  # `self.get_submodule("net")[0] = m`, `for m in self.children(): m.append(...)`
        if isinstance(e, ast.Call):
            return [self._built(e)]
        if isinstance(e, ast.Attribute) and self._self_attribute(e):
            # a class-body name of that attribute is what Python finds first (a module's submodules live in
            # _modules, read only when the class has no such name)
            values = self._stores_seen_by(e) + self._class_body_values(e.attr)
            return [c for v in values for c in self._value_classes(v, depth + 1)] or [None]
        if isinstance(e, ast.Subscript) and isinstance(e.ctx, ast.Load) and not isinstance(e.slice, ast.Slice):
            box = e.value  # an item of self.<attr>, a ModuleList / Sequential of layers built once
            if (
                isinstance(box, ast.Attribute)
                and self._self_attribute(box)
                and box.attr not in self._changed_attributes()
            ):
                at = e.slice.value if isinstance(e.slice, ast.Constant) and type(e.slice.value) is int else None
                return self._attribute_items(box.attr, at)
            return [None]
        if not isinstance(e, ast.Name):
            return [None]
        fn = self.owner(e)
        if self.scope_of(e) is not fn:
            return [None]  # a comprehension's name
        found = []
        for b in self._bindings(fn, e.id):  # each binding in fn's own scope, as Python resolves the name
            found += self._binding_classes(fn, e.id, b, depth)
        narrowed = self._narrowed(e)
        if narrowed is not None:  # `if isinstance(layer, nn.Linear): run(x, layer)` over a Sequential of Linear, ReLU
            found = [c for c in found if c is None or isinstance(c, ast.ClassDef) or issubclass(c, narrowed)]
        return found or [None]

    def _narrowed(self, e: ast.Name) -> tuple[type, ...] | None:
        """The torch.nn classes an isinstance test proves the name `e` an instance of where it is read: `e` in the
        body of `if isinstance(name, C):` (or of a test that is `and` of it and more), or after `if not
        isinstance(name, C): continue` (return, raise, break) earlier in its block; None where no such test holds,
        the name is bound again between the test and `e`, or isinstance or a class is not the library's."""
        if "isinstance" in self.bound:
            return None
        fn, child, p = self.owner(e), e, self.parents.get(e)
        while p is not None and p is not fn:
            if isinstance(p, ast.If) and child in p.body:
                proven = self._isinstance_test(p.test, e.id, negated=False)
                if proven is not None and not self._binds_between(p.test, p.body, e):
                    return proven
            for block in (getattr(p, f, None) for f in ("body", "orelse", "finalbody")):
                if isinstance(block, list) and child in block:
                    for guard in block[: block.index(child)]:
                        jumps = (ast.Continue, ast.Return, ast.Raise, ast.Break)
                        if not (isinstance(guard, ast.If) and not guard.orelse and len(guard.body) == 1):
                            continue
                        proven = self._isinstance_test(guard.test, e.id, negated=True)
                        later = block[block.index(guard) + 1 : block.index(child) + 1]
                        if isinstance(guard.body[0], jumps) and proven is not None:
                            if not self._binds_between(guard.test, later, e):
                                return proven
            child, p = p, self.parents.get(p)
        return None

    def _isinstance_test(self, test: ast.AST, name: str, negated: bool) -> tuple[type, ...] | None:
        """The classes `test` proves `name` an instance of when it is true (`isinstance(name, C)`, one operand of
        an `and`), or when it is false with negated (`not isinstance(name, C)`)."""
        if negated:
            return (
                self._isinstance_test(test.operand, name, False)
                if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
                else None
            )
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            proofs = [self._isinstance_test(v, name, False) for v in test.values]
            return next((q for q in proofs if q is not None), None)
        if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"):
            return None
        if len(test.args) != 2 or test.keywords or not (isinstance(test.args[0], ast.Name) and test.args[0].id == name):
            return None
        named = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        classes = [_layer_class(self.path(c) or "") for c in named]
        return tuple(classes) if classes and all(c is not None for c in classes) else None

    def _binds_between(self, test: ast.AST, stmts: list[ast.AST], e: ast.Name) -> bool:
        """Whether the name `e` may be bound again in `test` or `stmts` (a walrus, an assignment, a loop target, a
        nested scope's `nonlocal`): then the test proves nothing about it where it is read."""
        nodes = [test, *stmts]
        return any(
            isinstance(n, (ast.NamedExpr, ast.Nonlocal, ast.Global)) or e.id in _bound_names(n)
            for root in nodes
            for n in ast.walk(root)
        )

    def _stores_seen_by(self, e: ast.Attribute) -> list[ast.AST | None]:
        """What the stores into e.attr that may reach `self.attr` (e, read in a method of class C) store: not those
        on the instance of a class neither C's base nor its subclass (`self.conv1` of another block), unless some
        method runs unbound (`Other.m(self)` would store on this self)."""
        values = self.self_values.get(e.attr, [])
        cls = self._class_of(e.value)
        if cls is None or self._unbound_calls():
            return values
        # every class in the MRO of a class whose MRO holds cls: its bases, subclasses, and siblings through a
        # shared subclass (`class RR(S, R)`: S's methods run on an RR, which is an R)
        orders = [self.mro(c) or [c, cls.name] for c in self.classes]
        related = {c for order in orders if cls.name in order for c in order}
        stores = self._attribute_stores(e.attr)
        if len(stores) != len(values):
            return values  # a registration (`add_module("conv1", m)`) names no receiver the gate can place
        kept = []
        for target, value in stores:
            owner = self._class_of(target.value) if target.value.__class__ is ast.Name else None
            if owner is None or owner.name in related or id(target.value) not in self._selves():
                kept.append(value)
        return kept

    def _class_body_bound(self) -> set[str]:
        """The names any class body of this module binds (its methods, properties and class attributes)."""
        if "class names" not in self._memo_once:
            self._memo_once["class names"] = {
                n for c in self.classes.values() for stmt in c.body for n in _class_body_names(stmt)
            }
        return self._memo_once["class names"]

    def _attribute_stores(self, attr: str) -> list[tuple[ast.Attribute, ast.AST | None]]:
        """Every `obj.attr = ...` into an attribute of that name, on any object, with the value a plain assignment
        stores (None for another store form: a tuple or loop target, `+=`). Read once per name."""
        key = ("stores", attr)
        if key not in self._memo_once:
            if "plain" not in self._memo_once:
                self._memo_once["plain"] = _plain_values(self.tree)
            plain = self._memo_once["plain"]
            self._memo_once[key] = [
                (n, plain.get(id(n)))
                for n in ast.walk(self.tree)
                if isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.ctx, ast.Store)
            ]
        return self._memo_once[key]

    def _selves(self) -> set[int]:
        if "selves" not in self._memo_once:
            self._memo_once["selves"] = _method_selves(self.tree)
        return self._memo_once["selves"]

    def _binding_classes(self, fn: ast.AST | None, name: str, b: ast.AST | None, depth: int) -> list:
        """The classes one binding of `name` gives it: `name = value`, a parameter (by the call sites), a loop
        over a layer container (`for blk in self.blocks`, `for i, blk in enumerate(self.blocks)`); [None] else."""
        if isinstance(b, ast.arg):
            return self._param_classes(fn, name, depth) if self._bindings(fn, name) == [b] else [None]
        parent = self.parents.get(b)
        if isinstance(b, ast.Name) and isinstance(parent, ast.Assign) and b in parent.targets:
            return self._value_classes(parent.value, depth + 1)
        if isinstance(b, ast.Name) and isinstance(parent, ast.AnnAssign) and parent.value is not None:
            return self._value_classes(parent.value, depth + 1)
        if (
            isinstance(b, ast.Name)
            and isinstance(parent, ast.Tuple)
            and isinstance(self.parents.get(parent), ast.Assign)
        ):
            paired = _paired(parent, self.parents[parent].value) if parent in self.parents[parent].targets else {}
            return self._value_classes(paired[id(b)], depth + 1) if id(b) in paired else [None]
        loop = parent if isinstance(parent, ast.For) else self.parents.get(parent)
        it = self._item_source(loop, b) if isinstance(loop, ast.For) else None
        it = self._copied(it) if isinstance(it, ast.Name) else it
        if isinstance(it, ast.Attribute) and self._self_attribute(it) and it.attr not in self._changed_attributes():
            return self._attribute_items(it.attr)
        return [None]

    def _copied(self, e: ast.Name) -> ast.AST | None:
        """`layers = list(self.net)` (or tuple()): the container a local copies, where that is its one binding and
        its function only iterates it, counts it or reads its items (nothing can put another object in it)."""
        fn = self.owner(e)
        bindings = self._bindings(fn, e.id) if fn is not None and self.scope_of(e) is fn else []
        made = self.parents.get(bindings[0]) if len(bindings) == 1 else None
        if not (isinstance(made, ast.Assign) and made.targets == bindings):
            return None
        copy = made.value
        if not (self._builtin_call(copy, "list") or self._builtin_call(copy, "tuple")) or len(copy.args) != 1:
            return None
        for n in ast.walk(fn):
            if isinstance(n, ast.Name) and n.id == e.id and n is not bindings[0]:
                parent = self.parents.get(n)
                read = isinstance(parent, ast.Subscript) and parent.value is n and isinstance(parent.ctx, ast.Load)
                counted = self._builtin_call(parent, "len") and parent.args == [n]
                if not (self._iterated(n) or read or counted) or self.owner(n) is not fn:
                    return None
        return copy.args[0]

    def _item_source(self, loop: ast.For | ast.comprehension, b: ast.Name) -> ast.AST | None:
        """The container whose items the loop target `b` takes: `for blk in box`, `for i, blk in enumerate(box)`
        (a start too), `for blk, norm in zip(box, norms)`, each of box, `reversed(box)` or `box[1:]`; None else."""
        t, it = loop.target, loop.iter
        if t is not b:
            if not (isinstance(t, ast.Tuple) and b in t.elts and not any(isinstance(e, ast.Starred) for e in t.elts)):
                return None
            at = t.elts.index(b)
            if self._builtin_call(it, "enumerate") and len(t.elts) == 2 and at == 1 and it.args:
                it = it.args[0]
            elif self._builtin_call(it, "zip") and len(t.elts) == len(it.args) and not it.keywords:
                it = it.args[at]
            else:
                return None
        return self._unwrapped(it)

    def _unwrapped(self, it: ast.AST) -> ast.AST:
        """`reversed(box)`, `box[1:]`: box, whose items they give."""
        if self._builtin_call(it, "reversed") and len(it.args) == 1:
            return self._unwrapped(it.args[0])
        if isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Slice) and isinstance(it.ctx, ast.Load):
            return self._unwrapped(it.value)
        return it

    def _builtin_call(self, e: ast.AST, name: str) -> bool:
        """`name(...)` calling the builtin (no name of the module binds it), with no `*`/`**` argument."""
        if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == name):
            return False
        starred = any(isinstance(a, ast.Starred) for a in e.args) or any(k.arg is None for k in e.keywords)
        return name not in self.bound and not starred

    def _param_classes(self, fn: ast.AST, name: str, depth: int) -> list:
        """The classes a parameter's arguments may be instances of, over every call of its function
        (`_site_arguments`); [None] where one call is unknown."""
        given = self._site_arguments(fn, name)
        if not given:
            return [None]
        return [c for a in given for c in self._value_classes(a, depth + 1)] or [None]

    def _site_arguments(self, fn: ast.AST, name: str) -> list[ast.AST | None] | None:
        """What each call of fn passes to its parameter `name` (None for a call that leaves it to its default):
        fn is a module function or method of this module whose name is only ever called (never a value, never
        through `super()` or the class), by position or keyword, with no `*`/`**` unpacking. None otherwise (a
        forward, which nn.Module's __call__ runs; an __init__, which a class call runs)."""
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.name.startswith("__"):
            return None
        method = self._is_method(fn)
        if (
            method
            and _library_name(fn.name)
            or fn.name in CTX_FUNCTIONS
            or self._autograd_function(self.parents.get(fn))
        ):
            return None  # a method Python, torch, Triton or autograd may run by its name, with what they pass
        if len(self.named_fns.get(fn.name, [])) != 1 or fn.args.vararg or fn.args.kwarg or self._unbound_calls():
            return None
        positional = _positional_names(fn)
        if name not in positional:
            return None
        index = positional.index(name) - (1 if method and not _is_static(fn) else 0)
        defaults = dict(zip(positional[len(positional) - len(fn.args.defaults) :], fn.args.defaults))
        found: list[ast.AST | None] = [defaults[name]] if name in defaults else []  # a call may leave it
        for call in self._call_sites(fn.name, method):
            starred = call is not None and any(isinstance(a, ast.Starred) for a in call.args)
            if call is None or starred or any(k.arg is None for k in call.keywords):
                return None
            given = _bound_argument(call, fn, index, name)
            found.append(given[0] if given else None)
        return found

    def _unbound_calls(self) -> bool:
        """Whether a method of this module may run with something else than an instance as its first parameter:
        a classmethod (its `cls.m(x)` fills m's self with x) or a method called through a class (`Block.m(x)`)."""
        if "unbound" not in self._memo_once:
            self._memo_once["unbound"] = any(
                isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_classmethod(f)
                for f in ast.walk(self.tree)
            ) or any(
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id in self.classes
                and not self._class_constant(n)
                for n in ast.walk(self.tree)
            )
        return self._memo_once["unbound"]

    def _class_constant(self, n: ast.Attribute, cls: ast.ClassDef | None = None) -> bool:
        """`Bottleneck.expansion` (or `block.expansion`, cls the class `block` holds) read where that class's own
        body binds `expansion`, every class body of the module binds it only to a literal constant (`expansion =
        4`) and nothing stores `.expansion` anywhere: a number, never a method that could run with something else
        than an instance as its self."""
        if not isinstance(n.ctx, ast.Load) or self._attribute_stores(n.attr):
            return False
        cls = cls if cls is not None else self.classes[n.value.id]
        own = [s for s in cls.body if n.attr in _class_body_names(s)]
        return bool(own) and all(isinstance(v, ast.Constant) for v in self._class_body_values(n.attr))

    def _caught_only(self, e: ast.AST) -> bool:
        """A name only ever bound by `except ... as e`: an exception, whose `.args` is what it was raised with (not
        an own object's attribute, nor a module dict's key, under a join)."""
        fn = self.owner(e) if isinstance(e, ast.Name) else None
        bindings = self._bindings(fn, e.id) if isinstance(e, ast.Name) else []
        return bool(bindings) and all(isinstance(b, ast.ExceptHandler) for b in bindings)

    def _constant_read(self, e: ast.Attribute) -> bool:
        """`Cls.attr` by a class's module-level name, or `block.attr` of a parameter that holds a class, reading a
        literal class constant (`_class_constant`)."""
        if not isinstance(e.value, ast.Name):
            return False
        found = self._enclosing_bindings(e, e.value.id)
        if found is None:
            cls = self.classes.get(e.value.id)
        elif len(found) == 1 and isinstance(found[0], ast.arg):
            cls = self._held_class(self.scope_of(found[0]), e.value.id)
        else:
            cls = None
        return cls is not None and self._class_constant(e, cls)

    def _held_class(self, fn: ast.AST | None, name: str) -> ast.ClassDef | None:
        """The one class of this module fn's parameter `name` holds, as KernelBench's ResNets build their blocks
        (`def _make_layer(self, block, ...)`, called only as `self._make_layer(BasicBlock, 64, 2)`): every call
        of fn passes that class by its module-level name (`_site_arguments`: fn's name is only ever called), the
        parameter is never bound again, and fn's own body only calls it (`block(...)` builds the class) or reads a
        class constant of it (`block.expansion`). No other use: not stored, passed on, returned, or read in a
        nested scope. None otherwise."""
        key = ("held class", fn, name)
        if key not in self._memo_once:
            self._memo_once[key] = None
            self._memo_once[key] = self._held_class_now(fn, name)
        return self._memo_once[key]

    def _held_class_now(self, fn: ast.AST | None, name: str) -> ast.ClassDef | None:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        given = self._site_arguments(fn, name)
        if not given or not all(
            isinstance(a, ast.Name) and a.id in self.classes and self._enclosing_bindings(a, a.id) is None
            for a in given
        ):
            return None
        if len({a.id for a in given}) != 1:
            return None
        cls = self.classes[given[0].id]
        bindings = self._bindings(fn, name)
        if len(bindings) != 1 or not isinstance(bindings[0], ast.arg):
            return None
        for n in ast.walk(fn):
            if not (isinstance(n, ast.Name) and n.id == name):
                continue
            parent = self.parents.get(n)
            called = isinstance(parent, ast.Call) and parent.func is n
            constant = isinstance(parent, ast.Attribute) and parent.value is n and self._class_constant(parent, cls)
            if self.scope_of(n) is not fn or not (called or constant):
                return None
        return cls

    def _held_call(self, e: ast.AST) -> ast.ClassDef | None:
        """The class `block(...)` builds, where `block` is a parameter holding one (`_held_class`)."""
        if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Name)):
            return None
        found = self._enclosing_bindings(e, e.func.id)
        if found is None or len(found) != 1 or not isinstance(found[0], ast.arg):
            return None
        return self._held_class(self.scope_of(found[0]), e.func.id)

    def _call_sites(self, name: str, method: bool) -> list[ast.Call | None]:
        """Every call of the function `name` (a method: `self.name(...)`); None for any other use of the name."""
        key = ("sites", name, method)
        if key not in self._memo_once:
            sites: list[ast.Call | None] = []
            for n in ast.walk(self.tree):
                by_name = isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
                if method and by_name and self._enclosing_bindings(n, name) is None:
                    # a method's bare name read in its class's scope (`def twin(self, f=_make_layer)`, the class
                    # body) is the function itself, called with whatever the reader passes
                    sites.append(None)
                    continue
                named = isinstance(n, ast.Attribute) and n.attr == name if method else by_name
                if not named:
                    continue
                call = self.parents.get(n)
                direct = isinstance(call, ast.Call) and call.func is n
                # a method's own first parameter, the instance (_is_class: not a class, nor a classmethod's cls)
                on_self = not method or self._class_of(n.value) is not None
                # (and `self.m(...)` runs this module's one def of m: no instance attribute or submodule named m)
                plain = not method or direct and self._called_def(call) is not None
                sites.append(
                    call if direct and on_self and plain and not self._is_class(getattr(n, "value", None)) else None
                )
            self._memo_once[key] = sites
        return self._memo_once[key]

    def _attribute_items(self, attr: str, at: int | None = None) -> list:
        """The classes of the items of self.<attr>, a layer container (`_container_layers`) built once, and of
        what init code appends to it (`self.blocks = nn.ModuleList()` then `self.blocks.append(Block(c))` in a
        loop: any item may be any of those, whatever the index)."""
        values = self.self_values.get(attr, []) + self._class_body_values(attr)
        values = [w for v in values for w in self._container_values(v, attr)]  # `self.downsample = downsample`
        appended = self._init_appends().get(attr, [])
        found = []
        for v in values:
            path = (self.path(v.func) or "") if isinstance(v, ast.Call) else ""
            if appended and path in ("torch.nn.ModuleList", "torch.nn.Sequential") and not v.args and not v.keywords:
                continue  # the empty container the appends fill
            found += self._container_layers(v, None if appended else at)
        return found + [self._built(a) for a in appended] or [None]

    def _init_appends(self) -> dict[str, list[ast.AST]]:
        """attr -> what `self.<attr>.append(item)` calls in init code give it (one positional argument each)."""
        if "appends" not in self._memo_once:
            found: dict[str, list[ast.AST]] = {}
            for n in ast.walk(self.tree):
                if self._init_append(n):
                    found.setdefault(n.attr, []).append(self.parents[self.parents[n]].args[0])
            self._memo_once["appends"] = found
        return self._memo_once["appends"]

    def _init_append(self, n: ast.AST) -> bool:
        """`self.<attr>.append(item)` in init code (ModelNew.__init__ and what only it runs), `n` its `self.<attr>`."""
        method, call = self.parents.get(n), self.parents.get(self.parents.get(n))
        return (
            isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == "self"
            and isinstance(method, ast.Attribute)
            and method.attr == "append"
            and isinstance(call, ast.Call)
            and call.func is method
            and isinstance(self.parents.get(call), ast.Expr)  # a statement: not `....append(b).append(m)`
            and len(call.args) == 1
            and not isinstance(call.args[0], ast.Starred)
            and not call.keywords
            and self.region_of(call) == INIT
        )

    def _container_layers(self, v: ast.AST | None, at: int | None = None) -> list:
        """The layer classes an nn.ModuleList([...]) / nn.Sequential(...) call holds ([None] for anything else);
        with `at`, its item there where the display lists its items (`self.net[2]`)."""
        leaf = (self.path(v.func) or "").split(".")[-1] if isinstance(v, ast.Call) else ""
        if leaf not in ("ModuleList", "Sequential") or not self.path(v.func).startswith("torch.nn."):
            return self._returned_layers(v) if at is None else [None]
        items, listed = v.args, True
        if leaf == "ModuleList":
            given = v.args[0] if len(v.args) == 1 and not v.keywords else None
            listed = isinstance(given, ast.List)
            items = given.elts if listed else [given.elt] if isinstance(given, ast.ListComp) else []
            if isinstance(given, ast.Name):  # `nn.ModuleList(layers)`
                items, listed = [ast.Starred(value=given)], False
        calls = [
            c for i in items for c in (self._appended(i.value) if isinstance(i, ast.Starred) else [self._built(i)])
        ]
        if at is None or not calls or not listed:
            return calls or [None]  # (a comprehension's items are all built by its one expression)
        if any(isinstance(i, ast.Starred) for i in items) or not -len(calls) <= at < len(calls):
            return [None]  # a position the display does not fix
        return [calls[at]]

    def _container_values(self, v: ast.AST | None, attr: str, depth: int = 0) -> list[ast.AST | None]:
        """The expressions a stored value may be, through names: a constructor parameter by what each call of the
        class passes (`self.downsample = downsample`, given `block(c, k, stride, downsample)`, where _make_layer's
        `downsample` is `None` or `nn.Sequential(...)`), a helper's by its call sites, a local by its assignments.
        `None` holds no items (reading one out of it raises) and is left out; None stands for what the gate
        cannot follow."""
        if isinstance(v, ast.Constant) and v.value is None:
            return []
        fn = self.owner(v) if isinstance(v, ast.Name) else None
        if fn is None or depth > 4 or self.scope_of(v) is not fn:
            return [v]
        if not self._only_handed(fn, v.id, attr):
            return [None]
        found: list[ast.AST | None] = []
        for b in self._bindings(fn, v.id):
            parent = self.parents.get(b)
            if isinstance(b, ast.Name) and isinstance(parent, ast.Assign) and parent.targets == [b]:
                given: list[ast.AST | None] | None = [parent.value]
            elif isinstance(b, ast.arg) and b.arg in _positional_names(fn):
                cls = self.parents.get(fn)
                init = fn.name == "__init__" and isinstance(cls, ast.ClassDef) and cls.name != "ModelNew"
                at = _positional_names(fn).index(b.arg) - 1
                given = self._class_call_arguments(cls, at, b.arg) if init else self._site_arguments(fn, b.arg)
            else:
                given = None
            if not given:
                return [None]
            found += [
                w for g in given for w in (self._container_values(g, attr, depth + 1) if g is not None else [None])
            ]
        return found

    def _only_handed(self, fn: ast.AST, name: str, attr: str) -> bool:
        """Whether fn only hands the object a local or parameter holds on, unchanged, along one path: one read of
        the name is an argument of a call building a class of this module (`block(c, k, stride, downsample)`) or
        the value stored as `self.<attr> = name` (that attribute alone: under another name, a change through it
        would not count as one of attr's), and the others test `name is None`; no method call, alias or other
        function sees it."""
        passed = 0
        for u in ast.walk(fn):
            if not (isinstance(u, ast.Name) and u.id == name and isinstance(u.ctx, ast.Load)):
                continue
            parent = self.parents.get(u)
            call = self.parents.get(parent) if isinstance(parent, ast.keyword) else parent
            handed = isinstance(call, ast.Call) and call.func is not u and isinstance(self._built(call), ast.ClassDef)
            stored = isinstance(parent, ast.Assign) and parent.value is u and len(parent.targets) == 1
            target = parent.targets[0] if stored else None
            stored = isinstance(target, ast.Attribute) and target.attr == attr and self._self_attribute(target)
            passed += handed or stored
            tested = _none_test(parent)
            if self.scope_of(u) is not fn or not (handed or stored or tested) or passed > 1:
                return False
        return True

    def _returned_layers(self, v: ast.AST | None) -> list:
        """The layer classes a container holds that a helper of this module builds and returns, as KernelBench's
        ResNets do (`self.layer1 = self._make_layer(block, 64, 2)`, whose every return is `return
        nn.Sequential(*layers)`): the helper is the one def of its name, called on self or by its module-level
        name, and each of its returns is such a call; [None] otherwise."""
        fn = self._called_def(v) if isinstance(v, ast.Call) else None
        if fn is None or fn.decorator_list or _lazy(fn):  # a generator's call returns the generator
            return [None]
        key = ("returned layers", fn)
        if key not in self._memo_once:
            self._memo_once[key] = [None]  # a helper returning its own call is unknown
            returns = [r for r in ast.walk(fn) if isinstance(r, ast.Return) and self.owner(r) is fn]
            calls = [r.value for r in returns if isinstance(r.value, ast.Call)]
            if returns and len(calls) == len(returns):
                self._memo_once[key] = [c for call in calls for c in self._container_layers(call)]
        return self._memo_once[key]

    def _called_def(self, call: ast.Call) -> ast.FunctionDef | None:
        """The def a call runs where Python's lookup is plain: `helper(...)`, the module-level function no enclosing
        function binds, or `self.m(...)`, the one def of m in self's class and its bases here, where nothing stores
        an attribute named m on any object (an instance attribute, a submodule, would be found first)."""
        f = call.func
        if isinstance(f, ast.Name) and self._enclosing_bindings(call, f.id) is None:
            fn = self.module_fns.get(f.id)
            return fn if isinstance(fn, ast.FunctionDef) and self.named_fns.get(f.id) == [fn] else None
        cls = self._class_of(f.value) if isinstance(f, ast.Attribute) else None
        if cls is None or self._attribute_stores(f.attr) or self.self_values.get(f.attr):
            return None
        defs = self._defs_of(cls, f.attr)
        fn = defs[0] if len(defs) == 1 else None
        bound = [st for c in self.classes.values() for st in c.body if f.attr in _class_body_names(st)]
        return fn if isinstance(fn, ast.FunctionDef) and self.named_fns.get(f.attr) == bound == [fn] else None

    def _appended(self, e: ast.AST) -> list:
        """The classes of what a local list holds, where KernelBench's own __init__ builds it: `layers = []`, then
        only `layers.append(nn.Linear(a, b))` statements, `len(layers)` and the one unpacking (`nn.Sequential(*layers)`,
        `nn.ModuleList(layers)`) read it, in its function alone; [None] otherwise."""
        fn = self.owner(e)
        if not isinstance(e, ast.Name) or fn is None or self.scope_of(e) is not fn:
            return [None]
        bindings = self._bindings(fn, e.id)
        made = [self.parents.get(b) for b in bindings]
        if len(made) != 1 or not isinstance(made[0], ast.Assign) or made[0].targets != [bindings[0]]:
            return [None]
        if not (isinstance(made[0].value, ast.List) and not made[0].value.elts):
            return [None]
        items = []
        for n in ast.walk(fn):
            if not isinstance(n, ast.Name) or n.id != e.id or n is bindings[0] or n is e:
                continue
            method, call = self.parents.get(n), self.parents.get(self.parents.get(n))
            if isinstance(call, ast.Call) and call.func is method and isinstance(method, ast.Attribute):
                plain = method.attr == "append" and len(call.args) == 1 and not call.keywords
                if plain and not isinstance(call.args[0], ast.Starred) and isinstance(self.parents.get(call), ast.Expr):
                    items.append(self._built(call.args[0]))
                    continue
            length = isinstance(method, ast.Call) and method.args == [n] and isinstance(method.func, ast.Name)
            if not (length and method.func.id == "len" and "len" not in self.bound and self.owner(n) is fn):
                return [None]  # any other use may change it or let another name change it
        return items or [None]

    def _built(self, v: ast.AST) -> type | ast.ClassDef | None:
        """The class a call builds: one of this module's (its ClassDef, by a name no enclosing function binds) or a
        torch.nn layer (`_layer_built`)."""
        if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in self.classes:
            if self._enclosing_bindings(v, v.func.id) is not None:
                return self._held_call(v)  # `def make(Block): self.h = Block(8)`: a parameter, not the class
            return self.classes[v.func.id]
        return self._held_call(v) or self._layer_built(v)

    def _class_body_values(self, name: str) -> list[ast.AST | None]:
        """What any class body of this module binds `name` to (None for a binding other than `name = value`)."""
        found: list[ast.AST | None] = []
        for cls in self.classes.values():
            for stmt in cls.body:
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                        found.append(stmt.value if all(isinstance(t, ast.Name) for t in targets) else None)
                    elif any(name in _bound_names(n) for t in targets for n in ast.walk(t)):
                        found.append(None)
                elif name in _bound_names(stmt):
                    found.append(None)
        return found

    def _reaches_submodules(self) -> bool:
        """Whether the module reaches its submodules through nn.Module's methods (get_submodule, children,
        modules, apply...): what a container or layer holds may then change where the gate cannot see it."""
        if "reaches" not in self._memo_once:
            self._memo_once["reaches"] = any(
                isinstance(n, ast.Attribute)
                and n.attr in SUBMODULE_REACHERS
                and not self._initialising(n)
                and not self._applied(n)  # `Scale.apply(x)`: an autograd.Function's, not nn.Module.apply
                for n in ast.walk(self.tree)
            )
        return self._memo_once["reaches"]

    def _initialising(self, n: ast.Attribute) -> bool:
        """`for m in self.modules(): if isinstance(m, nn.Conv2d): nn.init.kaiming_normal_(m.weight)`, the weight
        initialisation KernelBench's models do: a loop over self's submodules whose variable is only tested with
        isinstance, compared with `is`, or has an attribute handed to torch.nn.init or read through `.data`
        (`m.bias.data.zero_()`), so no submodule is changed or kept."""
        call, loop = self.parents.get(n), self.parents.get(self.parents.get(n))
        if not (isinstance(call, ast.Call) and call.func is n and n.attr in ("modules", "children")):
            return False
        if not (isinstance(n.value, ast.Name) and n.value.id == "self" and not call.args and not call.keywords):
            return False
        if not (isinstance(loop, ast.For) and loop.iter is call and isinstance(loop.target, ast.Name)):
            return False
        fn = self.owner(loop)
        uses = [
            u
            for u in ast.walk(fn if fn is not None else self.tree)
            if isinstance(u, ast.Name) and u.id == loop.target.id and u is not loop.target
        ]
        return all(self._initialises(u) for u in uses)

    def _initialises(self, u: ast.Name) -> bool:
        parent = self.parents.get(u)
        if isinstance(u.ctx, ast.Load) and isinstance(parent, ast.Call) and ast.unparse(parent.func) == "isinstance":
            return parent.args[:1] == [u] and "isinstance" not in self.bound
        if isinstance(parent, ast.Compare):
            return all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops)
        if not (isinstance(parent, ast.Attribute) and isinstance(parent.ctx, ast.Load) and isinstance(u.ctx, ast.Load)):
            return False
        above = self.parents.get(parent)
        if isinstance(above, ast.Attribute) and above.attr == "data":
            return True  # m.weight.data.normal_(0, 0.01): the tensor's data, in init
        if isinstance(above, ast.Compare):
            return all(isinstance(op, (ast.Is, ast.IsNot)) for op in above.ops)
        given = isinstance(above, ast.Call) and parent in above.args
        return given and (self.path(above.func) or "").startswith("torch.nn.init.")

    def _layer_built(self, v: ast.AST | None) -> type | None:
        """The layer class a call builds, where its arguments are plain values: a layer stores some arguments as
        given (nn.Softmax(dim=[0.0]) keeps the list as its dim), so no container may be among them."""
        cls = _layer_class(self.path(v.func) or "") if isinstance(v, ast.Call) else None
        if cls is None:
            return None
        given = [*v.args, *(k.value for k in v.keywords)]
        env = self.env(v)
        displays = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)
        if any(isinstance(n, displays) for a in given for n in ast.walk(a)) or any(
            self._container(a, env) for a in given
        ):
            return None
        # a layer keeps some arguments as its constants (nn.LeakyReLU(t).negative_slope is t): none may be a
        # tensor, nor, where the problem types ModelNew's arguments (init_inputs), a value the gate cannot type
        refused = (*HOLDS, UNKNOWN) if self.init_inputs is not None else HOLDS
        if any(not self._scalar(a) and self.kind(a, env) in refused for a in given):
            return None
        return cls

    def _changed_attributes(self) -> set[str]:
        """self.<attr> used other than iterated, read by item or counted: a method, an item store or an alias
        (`ls = self.layers; ls[0] = m`) may change it."""
        if "changed" not in self._memo_once:
            changed = set()
            for n in ast.walk(self.tree):  # `self.a = self.b = nn.ModuleList(...)`: one object under two names
                if isinstance(n, ast.Assign) and len(n.targets) > 1:
                    changed |= {t.attr for t in n.targets for t in ast.walk(t) if isinstance(t, ast.Attribute)}
            for n in ast.walk(self.tree):
                if not (isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)):
                    continue  # (on any object: `me = self; me.layers[0] = m`)
                parent = self.parents.get(n)
                iterated = self._iterated(n)  # `for blk in self.blocks`, `enumerate(self.blocks)`, `zip(...)`
                # read by item (as the container, not the key: `G[self.blocks]` hands it to G's __getitem__), or
                # counted by the builtin len (a module function named len is this module's code, given the object)
                read = isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Load) and parent.value is n
                counted = self._builtin_call(parent, "len") and parent.args == [n]
                # `self.downsample is not None`: identity, which runs no code of the object's
                tested = _none_test(parent)
                if not (iterated or read or counted or tested or self._init_append(n)):  # a method, alias, argument
                    changed.add(n.attr)
            self._memo_once["changed"] = changed
        return self._memo_once["changed"]

    def _iterated(self, n: ast.AST) -> bool:
        """Whether `n` is only iterated where it is read: a loop's iterable, through enumerate, zip and reversed."""
        child, parent = n, self.parents.get(n)
        while True:
            first = isinstance(parent, ast.Call) and parent.args[:1] == [child]
            if not (self._builtin_call(parent, "zip") and child in parent.args) and not (
                first and (self._builtin_call(parent, "enumerate") or self._builtin_call(parent, "reversed"))
            ):
                break
            child, parent = parent, self.parents.get(parent)
        copied = (self._builtin_call(parent, "list") or self._builtin_call(parent, "tuple")) and parent.args == [child]
        return copied or isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is child

    def _library_call_kind(self, e: ast.Call, path: str, env: dict[str, str]) -> str:
        leaf = path.split(".")[-1]
        if path.startswith("torch.") and (leaf in TENSOR_ALLOC or leaf in ("pad", "Parameter", "Buffer", "Tensor")):
            return TENSOR
        if _makes_tensor(path) or _tensor_class(path):
            return TENSOR  # torch.linspace, torch.cat, torch.fft.fftfreq: an operator, which returns tensors; a
            # Tensor subclass (nn.parameter.UninitializedBuffer(), materialized later in place)
        if _layer_class(path) is not None or _torch_object(path):
            return TCONT  # a layer holds its weights (`self.lin.weight`), a torch.Generator its state (get_state)
        if self._descriptor_call(e):
            return TCONT  # a descriptor holds its tensor, and its shape is the list it was given, no torch.Size
        # a library call may give back what it was given (typing.cast, nn.init.zeros_, tl.constexpr(x)) or compute
        # on it (math.prod([t])): given anything that may hold a tensor, it may give a tensor
        given = [self.kind(a, env) for a in [*e.args, *(k.value for k in e.keywords)]]
        return TENSOR if any(k in HOLDS for k in given) else PY

    def _self_call_kind(self, f: ast.Attribute) -> str:
        """What `self.m(...)` (or `Op.m(...)`, an instance's) returns: Op.apply what Op.forward returns, tensors;
        nn.Module's own (get_buffer, parameters) tensors or what holds them, whatever a method of this module of
        that name returns too; any other method of this module what it returns."""
        if self._applied(f):
            return TENSOR
        if _is_module_method(f.attr):  # get_buffer and get_parameter give the tensor itself
            kind = TENSOR if f.attr in ("get_buffer", "get_parameter") else TCONT
            return self._join(self.returns.get(f.attr, UNKNOWN), kind) if f.attr in self.methods else kind
        # a def of this module's classes returns what it returns; a callable stored under the name (`self.f =
        # torch.zeros`, a class attribute, what a property gives) is code the gate cannot follow: a tensor
        return self.returns.get(f.attr, UNKNOWN) if self._plain_method(f.attr) else TENSOR

    def _plain_method(self, name: str) -> bool:
        """`obj.name(...)` runs a def of this module's classes: each class-body binding of the name is a def that
        is no property, and no attribute of that name is stored anywhere (`self.f = self.make`)."""
        if name not in self.methods or name in self.self_set or name in self.stored_elsewhere:
            return False
        for cls in self.classes.values():
            for stmt in cls.body:
                if name not in _bound_names(stmt):
                    continue
                props = [d for d in getattr(stmt, "decorator_list", []) if "property" in ast.unparse(d)]
                setters = [
                    d for d in getattr(stmt, "decorator_list", []) if ast.unparse(d).endswith((".setter", ".getter"))
                ]
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or props or setters:
                    return False
        return True

    def _call_kind(self, e: ast.Call, env: dict[str, str]) -> str:
        """What a call returns: torch allocators a tensor, other module paths Python values, a tensor's
        method a tensor (a Python value for its metadata), a module function what its returns joined to."""
        f = e.func
        if self._block_forward(f) is not None:  # an instance of a module class of this file: what forward returns
            return self.returns.get("forward", UNKNOWN)
        path = self.path(f)
        if path:
            return self._library_call_kind(e, path, env)
        if isinstance(f, ast.Attribute):
            return self._method_call_kind(f, env)
        if not isinstance(f, ast.Name):  # `fs[0]()`, `{"f": torch.zeros}["f"](n)`: code the gate cannot see
            return UNKNOWN if isinstance(f, ast.Subscript) and self._is_launch(f) else TENSOR
        if f.id in self.classes or (f.id == "super" and f.id not in self.bound) or self._held_call(e):
            return SELF  # an instance (or `super()`): its attributes are self_kinds, its methods' returns
        if f.id in self.named_fns:  # a def's (or lambda's) name where Python looks it up: what it returns; a local
            # or parameter under a method's name (`pair = torch.zeros`) is code the gate cannot see
            return self.returns.get(f.id, UNKNOWN) if self._named_def_call(e, f.id) else TENSOR
        if f.id == "reversed" and any(self.kind(a, env) == TENSOR for a in e.args):
            return TENSOR  # Tensor.__reversed__ flips it: a tensor, no iterator
        if f.id in CONTAINER_BUILTINS:
            return self._container_kind([*e.args, *(k.value for k in e.keywords)], env)
        if f.id in HOST_BUILTINS:
            return self._builtin_kind(e, f.id, env)
        if f.id not in self.bound and hasattr(builtins, f.id):
            return UNKNOWN  # a builtin the contract does not allow (hasattr): refused as such, no noise here
        return TENSOR  # a callable the gate cannot see (a parameter given torch.zeros): host code never calls one

    def _named_def_call(self, e: ast.Call, name: str) -> bool:
        """`name(...)` runs a def or `name = lambda ...`: every binding of the innermost scope that binds the name
        (the module's where no function does) is one."""
        binds = self._enclosing_bindings(e, name)
        binds = self._bindings(None, name) if binds is None else binds
        return binds != [None] and all(self._def_binding(b) for b in binds)

    def _def_binding(self, b: ast.AST | None) -> bool:
        if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return True
        return isinstance(b, ast.Name) and isinstance(_single_value(self.parents.get(b), b), ast.Lambda)

    def _method_call_kind(self, f: ast.Attribute, env: dict[str, str]) -> str:
        """What `receiver.method(...)` returns, by the receiver's kind."""
        base = self.kind(f.value, env)
        if base == TENSOR:  # (or an instance of this module's class with a method of that name)
            own = self.returns.get(f.attr, UNKNOWN) if f.attr in self.methods else PY
            return self._join(own, PY if f.attr in META_METHODS | {"item", "tolist"} else TENSOR)
        # on what the gate typed a Python value or not at all, a method no Python value or tensor description has
        # (`.float()`, `.new_zeros`, a torch.Generator's `.get_state()`) may hand out a tensor
        foreign = UNKNOWN if _value_method(f.attr) else TENSOR
        if base not in (TCONT, SELF) and f.attr in self.named_fns:  # `dict(m=self)["m"].get(x)`, or a library
            return self._join(self.returns.get(f.attr), foreign)  # object's method that an own class also defines
        if base == TCONT:  # what a container or layer gives back of itself (`.values()`, `.parameters()`); any other
            # method (an item out of it, `layer.get_parameter`, `.view` on a tensor the gate took for a container,
            # a Generator's get_state) a tensor; where the receiver may be an own object joined with a container
            # (`obj = self if c else [x]`), what an own method of that name returns too
            holder = _holder_method(f.attr) and f.attr not in ("pop", "get", "setdefault")
            kind = TCONT if holder else TENSOR
            return self._join(kind, self.returns.get(f.attr, UNKNOWN)) if f.attr in self.methods else kind
        if base == SELF:
            return self._self_call_kind(f)
        return foreign if f.attr not in self.methods else UNKNOWN

    def _builtin_kind(self, e: ast.Call, name: str, env: dict[str, str]) -> str:
        """What an allowed builtin returns: min, max, abs, round, sum and pow may give back one of their arguments,
        an item of one or what a tensor's operator returns (`max([t])` is t, `abs(t)` a tensor); len, int, str and
        the like a Python value; any other (an exception, property, divmod, slice) holds what it is given. In host
        code a tensor is no builtin's argument; in init code it may be."""
        given = [self.kind(a, env) for a in [*e.args, *(k.value for k in e.keywords)]]
        holds = any(k in HOLDS for k in given) or name in self.bound
        if name in ("min", "max", "abs", "round", "sum", "pow") and holds:
            return TENSOR
        # a number, string or flag whatever it is given; any other builtin keeps what it is given (an exception its
        # .args, a property its .fget, divmod and slice their parts)
        scalar = ("len", "int", "float", "bool", "str", "repr", "format", "any", "all", "isinstance", "range", "print")
        return TCONT if holds and name not in scalar else PY
