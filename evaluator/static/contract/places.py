"""Places and what they share: a place is a name in a function, a module-level name or an attribute of self;
binding one joins its kinds, storing a tensor into a container marks every place that shares its object."""

from __future__ import annotations

import ast

from evaluator.static.contract.allowlist import CTX_FUNCTIONS, DESCRIPTORS, HOST_BUILTINS, META_ATTRS, SHARING_METHODS
from evaluator.static.contract.kinds import ANY, HOLDS, PY, RANK, SELF, TCONT, TENSOR, UNKNOWN
from evaluator.static.contract.region import COMPREHENSIONS, FUNCS
from evaluator.static.contract.syntax import (
    _bound_argument,
    _bound_names,
    _class_body_names,
    _container_parts,
    _defaults,
    _import_bindings,
    _is_static,
    _param_names,
    _positional_names,
)

# builtins whose result is always a new immutable value (Python checks __int__/__float__/__bool__/__len__/__str__)
SCALAR_BUILTINS = {"int", "float", "bool", "len", "str"}
# builtins that give back a new Python value and never one of their arguments (or an item of one)
FRESH_BUILTINS = {"len", "int", "float", "bool", "str", "repr", "format", "isinstance", "print", "any", "all", "range"}


def _fresh_library(path: str) -> bool:
    """Library calls whose result shares no object with their arguments: torch's functions (tensors, sizes,
    dtypes; not nn's classes, whose containers keep what they hold), math's and Triton's integer helpers (numbers).
    Any other library object may keep what it was given (tl.tuple([box]), tl.constexpr(box).value)."""
    if path.startswith("torch.nn.") and path.split(".")[-1][:1].isupper():
        return False  # nn.ParameterDict({"a": box}), nn.ModuleList(lst) keep what they were given
    return path.split(".")[0] in ("torch", "math") or path in ("triton.cdiv", "triton.next_power_of_2")


class Places:
    """Binding and sharing places: the joins the inference makes, and what each place holds."""

    @staticmethod
    def _join(a: str | None, b: str) -> str:
        if a is None or a == b:
            return b
        high = max(a, b, key=RANK.__getitem__)
        return high if high in HOLDS else UNKNOWN

    def _bind_name(
        self, target: ast.Name, value: ast.AST | None, kind: str, env: dict[str, str], alts: set[str] | None = None
    ) -> None:
        if value is not None:
            self._share(target, value)
        # flow-insensitive: a name's kind is the join of everything ever bound to it (`x = None` at the end of
        # forward does not make the tensor it held earlier a Python value; the checks read the final env)
        env[target.id] = self._join(env.get(target.id), kind)
        # a part of a container, a loop's item, a capture: whatever the container held (alts: what it is known to)
        alternatives = self._alternatives(value, env) if value is not None else alts if alts is not None else {ANY}
        self._bound_now.setdefault(self._place(target), set()).update(({kind} - {UNKNOWN}) | alternatives)
        if target.id in self._declared_global(target):
            nonlocal_ = target.id in self._nonlocals_of(self.owner(target))
            outer = self._scope_of(target, skip_own=True) if nonlocal_ else None
            if outer is not None:  # `nonlocal res; res = (x, x)`: the enclosing function's name
                outer[target.id] = self._join(outer[target.id], kind)
            else:
                self.global_kinds[target.id] = self._join(self.global_kinds.get(target.id), kind)

    def _bind(self, target: ast.AST, value: ast.AST | None, kind: str, env: dict[str, str]) -> None:
        if isinstance(target, ast.Name):
            self._bind_name(target, value, kind, env)
        elif isinstance(target, ast.Starred):  # `a, *rest = v`: rest is a new list of v's items
            self._bind(target.value, None, TCONT if kind in HOLDS else kind, env)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._bind_parts(target, value, kind, env)
        elif isinstance(target, (ast.Subscript, ast.Attribute)) and kind in HOLDS:
            self._holds(target.value, env)  # `box[0] = x`, `obj.t = x`: the container now holds a tensor
        if isinstance(target, ast.Attribute) and self.path(target) is None:
            # `obj.t = x`: obj may be self (or an instance of this module's classes) however it was reached (`for m
            # in [self]`), so self.t may be x; a property's setter runs with x
            if (kind in HOLDS and not self._ctx(target.value)) or self.kind(target.value, env) == SELF:
                self.self_kinds[target.attr] = self._join(self.self_kinds.get(target.attr), kind)
            self._note_setters(target, value, kind, env)
        if isinstance(target, (ast.Subscript, ast.Attribute)) and value is not None:
            self._share_store(target, value)  # `self.box = lst`, `d["k"] = box`: the object is shared

    def _ctx(self, e: ast.AST) -> bool:
        """`ctx` in an autograd.Function's static method, never self: torch's context object (unless a call of
        the method by name gives it self, which makes its kind SELF), where the method never binds the name again."""
        fn = self.owner(e)
        if not (isinstance(e, ast.Name) and isinstance(fn, ast.FunctionDef) and _is_static(fn)):
            return False
        if fn.name not in CTX_FUNCTIONS:  # torch gives a ctx to these only; a static helper's first parameter is data
            return False
        first = _positional_names(fn)[:1]
        if not ([e.id] == first and self._autograd_function(self.parents.get(fn))):
            return False
        cls = self.parents.get(fn)
        if fn.name == "forward" and self._defs_of(cls, "setup_context"):
            return False  # with a setup_context, torch calls forward(*inputs): its first parameter is an input
        return len(self._bindings(fn, e.id)) == 1 and not self._called_by_name(fn.name) and not self._built_here(cls)

    def _built_here(self, cls: ast.ClassDef) -> bool:
        """Whether the module builds an instance of the Function `cls` (`Op()`, a subclass's, through a name bound to
        a class): a static method called on it (`Op().backward(x, x)`) gets whatever the call passes."""
        key = ("built", cls.name)
        if key not in self._memo_once:
            self._memo_once[key] = any(
                isinstance(n, ast.Call)
                and self._is_class(n.func)
                and (n.func.id not in self.classes or cls.name in (self.mro(n.func.id) or [cls.name]))
                for n in ast.walk(self.tree)
            )
        return self._memo_once[key]

    def _called_by_name(self, name: str) -> bool:
        """Whether the module calls a method `name` through a class or super() (`Op.backward(x, x)`, `cls.forward`):
        its first parameter is then whatever that call passes, not torch's ctx."""
        key = ("called by name", name)
        if key not in self._memo_once:
            self._memo_once[key] = any(
                isinstance(n, ast.Attribute)
                and n.attr == name
                and (self._is_class(n.value) or self._builtin_call(n.value, "super"))
                for n in ast.walk(self.tree)
            )
        return self._memo_once[key]

    def _bind_parts(self, target: ast.Tuple | ast.List, value: ast.AST | None, kind: str, env: dict[str, str]) -> None:
        """`a, b = value`: each target by position where value is a display of as many parts; with a starred target
        (`a, *rest = [x, box]`) no position is known and each part may be any of value's items."""
        starred = any(isinstance(t, ast.Starred) for t in target.elts)
        elts = value.elts if isinstance(value, (ast.Tuple, ast.List)) and not starred else None
        if elts is not None and any(isinstance(x, ast.Starred) for x in elts):
            elts = None  # `a, b = (*[x, x], *[])`: positions do not line up
        parts = self._parts(value, env) if value is not None and not starred else None
        for i, t in enumerate(target.elts):
            if elts is not None and len(elts) == len(target.elts):
                self._bind(t, elts[i], self.kind(elts[i], env), env)
            else:
                self._bind_part(t, i, len(target.elts), value, parts, kind, env)

    def _note_setters(self, target: ast.Attribute, value: ast.AST | None, kind: str, env: dict[str, str]) -> None:
        """`obj.p = v` calls the setter of a property p (`@p.setter def p(self, v)`) with v: its value parameter is
        bound from every store into an attribute of that name, as a call's argument would be."""
        for fn in self.named_fns.get(target.attr, []):
            if not any(isinstance(d, ast.Attribute) and d.attr == "setter" for d in getattr(fn, "decorator_list", [])):
                continue
            params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
            for name in params[1:2]:
                cur = self.params.setdefault(fn, {})
                cur[name] = self._join(cur.get(name), kind)
                given = self._alternatives(value, env) if value is not None else {ANY}
                self._bound_now.setdefault((fn, name), set()).update(({kind} - {UNKNOWN}) | given)
                if value is not None and name in self.holds_params.get(fn, ()):
                    self._holds(value, env)  # the setter stores a tensor into what it was given

    def _share(self, target: ast.Name | ast.Attribute, value: ast.AST) -> None:
        """`target = value` where value names an existing object (`box`, `p["lst"]`, `self.cache`, `a or b`,
        `[box][0]`, `keep(box)`): a store into either reaches the other."""
        place = self._place(target)
        for ref in self._references(value):
            pair = self.shares.setdefault(place, [])
            if ref not in pair:
                pair.append(ref)
            for root in self._roots(ref):
                back = self.shares.setdefault(self._place(root), [])
                if target not in back:
                    back.append(target)

    def _share_all(self, target: ast.AST, value: ast.AST) -> None:
        """Every place a target stores into shares value's object, or a part of it (`for (a, m), n in jobs`,
        `for self.box in boxes`, `for d["k"] in boxes`)."""
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self._share(node, value)
            elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
                self._share_store(node, value)

    def _share_store(self, target: ast.Subscript | ast.Attribute, value: ast.AST) -> None:
        """`d["k"] = box`, `obj.box = box`, `self.box = box`: the container (every place its object is reached from)
        now holds value's object, and the attribute (self's, of that name: obj may be self) is that object."""
        if isinstance(target, ast.Attribute) and self.path(target) is None:
            self._share(target, value)
        if isinstance(target, ast.Subscript) or not self._self_attribute(target):
            for root in self._roots(target.value):  # (ctx's attributes are its own places: `ctx.k = k`)
                own = isinstance(root, ast.Name) and (self.kind(root, self._env_of(root)) == SELF or self._ctx(root))
                if not own:
                    self._share(root, value)

    def _roots(self, ref: ast.AST, seen: set[ast.AST] | None = None) -> list[ast.AST]:
        """The names (and self attributes) an object reference starts from: `p["lst"]` -> p, `[box][0]` -> box.
        `seen`: the displays already opened (a recursive function's returned display holds a call of itself)."""
        while isinstance(ref, (ast.Subscript, ast.Attribute)) and not self._self_attribute(ref):
            ref = ref.value
        if isinstance(ref, (ast.Name, ast.Attribute)):
            return [ref]
        seen = set() if seen is None else seen
        if ref in seen:
            return []
        seen.add(ref)
        parts = _container_parts(ref)
        return [r for p in parts or [] for q in self._references(p) for r in self._roots(q, seen)]

    def _references(self, e: ast.AST, depth: int = 0) -> list[ast.AST]:
        """The expressions naming an existing object that `e` may evaluate to, or share items with: `box`,
        `p["lst"]`, `self.cache`, a display (its items), both sides of `a or b` and `a if c else b`, the
        arguments and the returned expressions of this module's functions (`keep(box)`, `get()` returning a
        closure's list), the arguments of list()/sorted()/... (a shallow copy shares its items) and of
        typing.cast, and the receiver and arguments of `.get()`/`.pop()`/`.setdefault()`/`.copy()`..."""
        if depth > 8:  # a recursive function's returns
            return []
        if self._scalar(e):  # a number or string: no store can reach into it (`nn.Linear(n, hidden)` keeps none)
            return []
        chain = e
        while isinstance(chain, (ast.Subscript, ast.Attribute)):
            if isinstance(chain, ast.Attribute) and chain.attr in META_ATTRS:
                return []  # `x.shape[0]`: ints in a new tuple, no object shared with x
            chain = chain.value
        if isinstance(e, (ast.Name, ast.Subscript, ast.Attribute)) or _container_parts(e) is not None:
            return [e]
        if isinstance(e, ast.BoolOp):
            return [r for v in e.values for r in self._references(v, depth)]
        if isinstance(e, ast.IfExp):
            return self._references(e.body, depth) + self._references(e.orelse, depth)
        if isinstance(e, ast.NamedExpr):  # `f(lst := [1])`: lst is the object
            return [e.target, *self._references(e.value, depth)]
        if isinstance(e, ast.Starred):
            return self._references(e.value, depth)
        if isinstance(e, ast.BinOp):  # `[box] * 2`, `outer + []`: a new list of the same objects
            return self._references(e.left, depth) + self._references(e.right, depth)
        if isinstance(e, (ast.YieldFrom, ast.Await)):  # what the inner generator returns (`r = yield from g(b)`)
            return self._references(e.value, depth + 1)
        return self._call_references(e, depth) if isinstance(e, ast.Call) else []

    def _call_references(self, e: ast.Call, depth: int) -> list[ast.AST]:
        """_references of a call: what an own function returns, and the arguments a builtin, a library object or
        a container method may give back."""
        f, given = e.func, [*e.args, *(k.value for k in e.keywords)]
        args = [r for a in given for r in self._references(a, depth + 1)]
        fns = self._own_callees(f)
        if fns:  # what each body by that name returns (_returned, computed once: no blow-up along call chains), and
            # its arguments where a return mentions a parameter (`keep(box)`; `prep(w, n)` returning a new tensor: none)
            given = args if any(self._returns_parameter(fn) for fn in fns) else []
            return given + [r for fn in fns for r in self._returned.get(fn, [])]
        if isinstance(f, ast.Name) and f.id in HOST_BUILTINS and f.id not in FRESH_BUILTINS:
            # a builtin may give back one of its arguments or their items: list(box), min(box, other, key=len),
            # sum([[box]], []), ValueError(box).args
            return args
        path = self.path(f)
        if path is not None and path.split(".")[-1] in DESCRIPTORS:  # a descriptor keeps its tensor, not its box
            return self._references(e.args[0], depth + 1) if e.args else []
        if path is not None and not _fresh_library(path):
            # a library object may hand back what it was given (itertools.product's tuples, a Config's kwargs,
            # tl.constexpr(box).value, typing.cast)
            return args
        if isinstance(f, ast.Attribute) and self.path(f) is None and f.attr in SHARING_METHODS:
            # an item, or the default given after the key (`d.get(k, box)`, `{}.setdefault("k", box)`)
            defaults = [r for a in e.args[1:] for r in self._references(a, depth + 1)]
            return self._references(f.value, depth + 1) + defaults
        return []

    def _own_callees(self, f: ast.AST) -> list[ast.AST]:
        """The functions of this module a call of `f` runs and gives back what they return: a def or lambda by that
        name (a method of any receiver), or an autograd.Function's forward (`Op.apply(x)` returns what it does)."""
        applied = self._applied(f)
        if applied:
            return applied
        if isinstance(f, ast.Name) or (isinstance(f, ast.Attribute) and self.path(f) is None):
            return self.named_fns.get(f.id if isinstance(f, ast.Name) else f.attr, [])
        return []

    def _applied(self, f: ast.AST) -> list[ast.AST]:
        """`Op.apply` of an autograd.Function Op of this module: its forward, which apply runs with a ctx first and
        the arguments apply was given after it."""
        if isinstance(f, ast.Attribute) and f.attr == "apply" and isinstance(f.value, ast.Name):
            if self._enclosing_bindings(f, f.value.id) is not None:
                return []  # `def run(CopyOp, x): CopyOp.apply(x)`: a parameter, not the class
            cls = self.classes.get(f.value.id)
            if self._autograd_function(cls):
                return self.class_method(cls.name, "forward")
        return []

    def _tuple_call(self, value: ast.AST | None, env: dict[str, str]) -> list[str] | None:
        """The kinds of the parts of the tuple a call of this module's function returns, if it always returns one."""
        if not isinstance(value, ast.Call):
            return None
        f = value.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if len(self.named_fns.get(name, [])) != 1 or (isinstance(f, ast.Name) and f.id in env):
            return None  # several bodies by that name (`plan = lambda v: (v, v)` beside `def plan`), or a local
        if isinstance(f, ast.Name) and f.id not in self.classes:
            return self.tuple_returns.get(f.id) if self._named_def_call(value, f.id) else None
        if isinstance(f, ast.Attribute) and self.kind(f.value, env) == SELF and self._called_def(value) is not None:
            return self.tuple_returns.get(f.attr)  # the def `obj.m(...)` runs (not nn.Module's get_buffer on a
        return None  # receiver whose class the gate cannot tell, beside an own class's def of that name)

    def _holds(self, e: ast.AST, env: dict[str, str], seen: set | None = None) -> None:
        """`e` (a name, `self.attr`, `a.b[0]`, a display, a call giving back an object) is a container that now
        holds a tensor; so is every place that shares its object (self.shares), the default object of a
        parameter that is one, and the argument each call gave it (holds_params, read by _held_arguments). An
        attribute of an object the gate cannot type (`m.box` where m may be self) is self's attribute too."""
        seen = seen if seen is not None else set()
        if not isinstance(e, (ast.Name, ast.Subscript, ast.Attribute)):
            parts = _container_parts(e)  # a display: its items; else what the expression may name
            for part in parts if parts is not None else self._references(e):
                self._holds(part, self._env_of(part), seen)
            return
        env = self._env_of(e)
        while isinstance(e, (ast.Subscript, ast.Attribute)) and not self._self_attribute(e):
            if isinstance(e, ast.Attribute) and self.path(e) is None:
                self._mark(self._place(e), seen)
            e = e.value
        if not isinstance(e, (ast.Name, ast.Attribute)):  # `self.get_box().append(x)`, `[lst][0].append(x)`
            self._holds(e, env, seen)
            return
        if isinstance(e, ast.Name) and self.kind(e, env) == SELF:
            return
        self._mark(self._place(e), seen)

    def _mark(self, place: tuple, seen: set) -> None:
        """The place now holds a tensor, and so does every place sharing its object."""
        if place in seen or place in self._held or self._only_tensors(place):
            return  # (_held: marked, with all it shares, earlier in this pass)
        seen.add(place)
        self._held.add(place)
        self.mutated.add(place)
        scope, name = place
        if scope == "ctx":
            pass  # a ctx attribute reads as a tensor unless only numbers are ever stored in it (Kinds._ctx_kind)
        elif scope == "self":
            self.self_kinds[name] = self._join(self.self_kinds.get(name), TCONT)
            for fn in self.named_fns.get(name, []):  # a property: what it returns
                for ret in self._return_values(fn):
                    self._holds(ret, self._env_of(ret), seen)
        else:
            kinds = self.global_kinds if scope is None else self.kinds.setdefault(scope, {})
            kinds[name] = self._join(kinds.get(name), TCONT)
            if scope is not None:
                defaults = _defaults(scope)
                if name in _param_names(scope):
                    self.holds_params.setdefault(scope, set()).add(name)
                if name in defaults:  # `def fill(v, box=CACHE)`: the default object is shared by every call
                    self._holds(defaults[name], self._env_of(defaults[name]), seen)
        for other in self.shares.get(place, []):
            self._holds(other, self._env_of(other), seen)

    def _alternatives(self, value: ast.AST, env: dict[str, str], depth: int = 0) -> set[str]:
        """The kind of each object `value` may be, not joined: `lst if c else x` is a list or a tensor, and so is
        `pick(lst, x)` where pick returns one of its parameters. ANY: an object the gate cannot see (an item, an
        attribute, what a method returns) may be a list. An unknown kind adds nothing: in the first passes it is
        a kind not yet inferred, and the object it stands for is one of the others."""
        if depth > 8:
            return {ANY}
        if isinstance(value, ast.IfExp):
            return self._alternatives(value.body, env, depth + 1) | self._alternatives(value.orelse, env, depth + 1)
        if isinstance(value, ast.BoolOp):
            return {k for v in value.values for k in self._alternatives(v, env, depth + 1)}
        if isinstance(value, ast.NamedExpr):
            return self._alternatives(value.value, env, depth + 1)
        found = {self.kind(value, env)} - {UNKNOWN}
        if isinstance(value, (ast.Yield, ast.YieldFrom, ast.Await)):
            found.add(ANY)  # what a generator is sent or returns: any object (a list beside tensors)
        method = isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and not self.path(value.func)
        if method and self.kind(value.func.value, env) != TENSOR and not self._references(value):
            found.add(ANY)  # `obj.get_box()`: may be a list beside tensors
        if isinstance(value, (ast.Subscript, ast.Attribute)) and not self.path(value):
            if self.kind(value.value, env) != TENSOR:
                found.add(ANY)  # `boxes[i]`, `self.box`: an item or attribute may be a list beside tensors
        if isinstance(value, ast.Name):
            found |= self.bound_kinds.get(self._place(value), set())
        if isinstance(value, ast.Call) and self._references(value):  # an own function's call (or a copy)
            f = value.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            for fn in self.named_fns.get(name, []):
                kinds, gives_params = self._returned_alternatives(fn, depth)
                found |= kinds
                if gives_params:
                    found |= {self.kind(a, env) for a in [*value.args, *(k.value for k in value.keywords)]} - {UNKNOWN}
            if name not in self.named_fns:  # list(box), typing.cast(T, box), d.get(k, box)
                found |= {ANY}
        return found

    def _returned_alternatives(self, fn: ast.AST, depth: int) -> tuple[set[str], bool]:
        """The kinds of what fn may return, not joined, and whether a return mentions a parameter; once per pass
        (a chain of `f(v) or f(v)` returns would otherwise be followed exponentially). A recursive call: unknown."""
        key = ("alternatives", fn)
        if key not in self._memo:
            self._memo[key] = ({ANY}, True)
            params = _param_names(fn)
            fenv = self.kinds.get(fn, {})
            kinds: set[str] = set()
            gives = False
            for ret in self._return_values(fn):
                kinds |= self._alternatives(ret, fenv, depth + 1)
                gives |= any(isinstance(n, ast.Name) and n.id in params for n in ast.walk(ret))
            self._memo[key] = (kinds, gives)
        return self._memo[key]

    def _bind_part(
        self, t: ast.AST, i: int, n: int, value: ast.AST | None, parts: list[str] | None, kind: str, env: dict
    ) -> None:
        """The i-th of n targets unpacked from value, whose parts' kinds may be known (parts)."""
        exprs = self._returned_parts(value, n)
        if exprs is not None:  # `v, u, T = prepare(...)`: each the i-th part of prepare's returns
            for e in exprs[i]:
                self._share_all(t, e)
        elif value is not None:
            self._share_all(t, value)  # `lst, n = pair`: a store into lst reaches pair's part
        known = parts is not None and len(parts) == n
        if exprs is not None and known and isinstance(t, ast.Name):
            alts = {k for e in exprs[i] for k in self._alternatives(e, self._env_of(e))}
            self._bind_name(t, None, parts[i], env, alts)
        elif known:
            self._bind(t, None, parts[i], env)
        else:  # unpacked from a container that may hold tensors: each part may be one
            self._bind(t, None, PY if kind == PY else (TENSOR if kind in HOLDS else UNKNOWN), env)

    def _returned_parts(self, value: ast.AST | None, n: int) -> list[list[ast.AST]] | None:
        """For a call of an own function that always returns an n-tuple display: the expressions of each part."""
        if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name):
            return None
        fns = self.named_fns.get(value.func.id, [])
        if len(fns) != 1 or isinstance(fns[0], ast.Lambda):
            return None
        rets = self._return_values(fns[0])
        if not rets or not all(isinstance(r, ast.Tuple) and len(r.elts) == n for r in rets):
            return None
        if any(isinstance(x, ast.Starred) for r in rets for x in r.elts):
            return None
        return [[r.elts[i] for r in rets] for i in range(n)]

    def _scalar(self, e: ast.AST, visiting: frozenset = frozenset()) -> bool:
        """Whether `e` is always an immutable Python number, string, bool or None, an object no store reaches into:
        a constant, arithmetic on scalars, int()/float()/bool()/len()/str() of anything, or a name every binding of
        which is one of those, `+=` a scalar, a `for ... in range(...)` target or a constructor argument of ModelNew
        the problem fills with a number in every case (init_inputs)."""
        if isinstance(e, ast.Constant):
            return True
        if isinstance(e, ast.UnaryOp):
            return self._scalar(e.operand, visiting)
        if isinstance(e, ast.BinOp):
            return self._scalar(e.left, visiting) and self._scalar(e.right, visiting)
        if isinstance(e, ast.IfExp):  # `stride if stride is not None else kernel_size`: one of two scalars
            return self._scalar(e.body, visiting) and self._scalar(e.orelse, visiting)
        if isinstance(e, ast.BoolOp):  # `a or b` gives back one of its operands
            return all(self._scalar(v, visiting) for v in e.values)
        if isinstance(e, ast.Compare):  # a bool, where its operands are scalars
            return all(self._scalar(v, visiting) for v in [e.left, *e.comparators])
        if isinstance(e, (ast.Call, ast.Subscript, ast.Attribute)):
            return self._scalar_call(e, visiting)
        if not isinstance(e, ast.Name) or len(visiting) > 8:
            return False
        if self.scope_of(e) is not self.owner(e):
            return False  # a comprehension's name
        key = (self.owner(e), e.id)
        if key in visiting:
            return True  # `c = c + g`: the other bindings decide
        if not visiting and ("scalar", key) in self._memo_once:
            return self._memo_once[("scalar", key)]
        outer, self._kinds_read = self._kinds_read, False
        found = all(self._scalar_binding(b, visiting | {key}) for b in self._bindings(*key))
        if not visiting and not self._kinds_read:  # (an answer that read kinds may change in a later pass)
            self._memo_once[("scalar", key)] = found
        self._kinds_read |= outer
        return found

    def _scalar_call(self, e: ast.AST, visiting: frozenset) -> bool:
        """int()/float()/len()/str() of anything; min/max/abs/round, triton.cdiv/next_power_of_2 and math's functions
        of scalars; what describes a tensor (`x.numel()`, `x.size(1)`, `x.stride(0)`, `x.ndim`), where no class of
        the module defines that name and nothing stores an attribute of it (only a library object then answers)."""
        if isinstance(e, ast.Subscript):  # `x.size()[1]` (not `.shape`: a TensorDescriptor's is a list)
            return (
                isinstance(e.value, ast.Call)
                and self._scalar(e.slice, visiting)
                and self._scalar_call(e.value, visiting)
            )
        if isinstance(e, ast.Attribute):
            return e.attr == "ndim" and self._describes(e.attr)
        if not isinstance(e, ast.Call):
            return False
        args = [*e.args, *(k.value for k in e.keywords)]
        if any(isinstance(a, ast.Starred) for a in e.args) or any(k.arg is None for k in e.keywords):
            return False
        scalars = all(self._scalar(a, visiting) for a in args)
        if isinstance(e.func, ast.Name):
            if e.func.id in self.bound:
                return False
            return (
                e.func.id in SCALAR_BUILTINS or e.func.id in ("min", "max", "abs", "round") and bool(args) and scalars
            )
        path = self.path(e.func) or ""
        if path in ("triton.cdiv", "triton.next_power_of_2") or path.startswith("math."):
            return scalars
        describing = ("numel", "dim", "element_size", "size", "stride")
        return (
            isinstance(e.func, ast.Attribute) and e.func.attr in describing and self._describes(e.func.attr) and scalars
        )

    def _shape_part(self, b: ast.Name) -> bool:
        """`B, D = x.shape` (or `x.size()`) where x is a tensor: a torch.Size holds ints. Reads x's kind, so the
        answer is not kept across passes (a TensorDescriptor's shape is a list, and x's kind says which it is)."""
        parent = self.parents.get(b)
        assign = self.parents.get(parent)
        if not (isinstance(assign, ast.Assign) and assign.targets == [parent]):
            return False
        if not all(isinstance(t, ast.Name) for t in parent.elts):
            return False
        v = assign.value
        if isinstance(v, ast.Attribute) and v.attr == "shape":
            whole = v.value
        elif isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "size" and not v.args:
            whole = v.func.value
        else:
            return False
        if (v.attr if isinstance(v, ast.Attribute) else "size") in self._class_body_bound():
            return False  # an own class's `def size(self)` or `shape` property: no tensor's
        self._kinds_read = True
        return self.kind(whole, self._env_of(whole)) == TENSOR

    def _class_call_arguments(self, cls: ast.ClassDef, at: int, name: str) -> list[ast.AST | None] | None:
        """What each `Cls(...)` call (and `block(...)` where a parameter holds Cls, `_class_calls`) passes its
        __init__'s parameter (at position `at`, or by keyword `name`; the default where a call leaves it out):
        None where the class is named other than in such a call (a base, a value), a call unpacks `*`/`**`, or
        another class inherits it (its super().__init__ passes anything)."""
        if any(c != cls.name and cls.name in (self.mro(c) or [cls.name]) for c in self.classes):
            return None
        inits = [stmt for stmt in cls.body if "__init__" in _class_body_names(stmt)]
        if len(inits) != 1 or not isinstance(inits[0], ast.FunctionDef):
            return None  # two defs: Python runs the last, with its own defaults
        init = inits[0]
        default = _defaults(init).get(name)
        calls = self._class_calls(cls)
        if calls is None:
            return None
        found: list[ast.AST | None] = []
        for n in calls:
            call = self.parents.get(n)
            if not (isinstance(call, ast.Call) and call.func is n):
                return None
            if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
                return None
            given = _bound_argument(call, init, at, name)  # (a class call passes no self: `at` counts after it)
            found.append(given[0] if given else default)
        return found

    def _class_calls(self, cls: ast.ClassDef) -> list[ast.Name] | None:
        """Every name that builds or names the class: `Cls` read by its module-level name (a call's func, or any
        other use, which the caller refuses), and where `Cls` is handed to a parameter that holds it
        (`_make_layer(BasicBlock, ...)`), that parameter's reads in its function instead (`block(c)`; its class
        constants, `block.expansion`, are no calls and build nothing). None where a function binds the name."""
        found: list[ast.Name] = []
        for n in ast.walk(self.tree):
            if not (isinstance(n, ast.Name) and n.id == cls.name) or self.parents.get(n) is cls:
                continue
            if self._enclosing_bindings(n, n.id) is not None:
                return None
            handed = self._handed_to(n)
            if handed is None:
                found.append(n)
                continue
            fn, param = handed
            reads = [u for u in ast.walk(fn) if isinstance(u, ast.Name) and u.id == param]
            found += [u for u in reads if not isinstance(self.parents.get(u), ast.Attribute)]
        return found

    def _describes(self, name: str) -> bool:
        """Whether `<obj>.name` can only be a library object's own (a tensor's `numel`, `shape`): no class of this
        module defines the name and no attribute of that name is stored or registered anywhere."""
        defined = any(name in _bound_names(n) for c in self.classes.values() for s in c.body for n in ast.walk(s))
        return not defined and name not in self.self_values

    def _bindings(self, fn: ast.AST | None, name: str) -> list[ast.AST]:
        """Every node in fn's own scope (the module's, for None) that binds `name` (stores, parameters, defs,
        imports...): not a nested function's or a comprehension's, which bind their own names. Unknown ([None])
        where any function declares the name global or nonlocal (it binds it for another scope). Read once per
        scope and name: the AST does not change."""
        key = ("bindings", fn, name)
        if key not in self._memo_once:
            if "declared" not in self._memo_once:
                self._memo_once["declared"] = {
                    d for n in ast.walk(self.tree) if isinstance(n, (ast.Global, ast.Nonlocal)) for d in n.names
                }
            found = [
                n
                for n in ast.walk(fn if fn is not None else self.tree)
                if (
                    (isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load))
                    or (not isinstance(n, ast.Name) and name in _bound_names(n))
                    or any(b == name for b, _ in _import_bindings(n))
                )
                and self.scope_of(n) is fn
            ]
            # never bound here (a closure's or a module-level name), or declared elsewhere: unknown
            self._memo_once[key] = [None] if name in self._memo_once["declared"] or not found else found
        return self._memo_once[key]

    def _enclosing_bindings(self, node: ast.AST, name: str) -> list[ast.AST] | None:
        """The bindings of `name` in the innermost function around `node` that binds it (a parameter, a local, a
        nested def), or None where only the module does: whether `Block(...)`, `CopyOp.apply` or `helper(x)` names
        the module's class or function or something a function bound under that name. Unknown ([None]) for a
        name any function declares global or nonlocal: that function may bind it for any scope."""
        self._bindings(None, name)  # (fills the declared names)
        if name in self._memo_once["declared"]:
            return [None]
        fn = self.owner(node)
        while fn is not None:
            found = self._bindings(fn, name)
            if found != [None]:
                return found
            fn = self.owner(fn)
        return None

    def _scalar_binding(self, b: ast.AST | None, visiting: frozenset) -> bool:
        if isinstance(b, ast.arg):
            fn = self.parents.get(self.parents.get(b))  # (an arg's parent is the arguments node)
            params = _positional_names(fn) if isinstance(fn, ast.FunctionDef) else []
            if b.arg not in params:
                return False
            if fn.name == "__init__" and self.parents.get(fn) is self.classes.get("ModelNew"):
                j, default = params.index(b.arg) - 1, _defaults(fn).get(b.arg)
                if self.init_inputs is not None and j >= len(self.init_inputs) and default is not None:
                    return self._scalar(default, visiting)  # past what the problem passes: the default
                return self._init_number(j)  # a size, as the problem fills it
            if fn.name == "__init__" and isinstance(self.parents.get(fn), ast.ClassDef):
                given = self._class_call_arguments(self.parents[fn], params.index(b.arg) - 1, b.arg)
                return given is not None and all(a is not None and self._scalar(a, visiting) for a in given)
            given = self._site_arguments(fn, b.arg)  # a helper's: what each of its calls passes
            return bool(given) and all(a is not None and self._scalar(a, visiting) for a in given)
        parent = self.parents.get(b)
        if not isinstance(b, ast.Name):
            return False
        if isinstance(parent, ast.Tuple):
            return self._shape_part(b)
        if isinstance(parent, ast.Assign) and b in parent.targets or isinstance(parent, ast.AnnAssign):
            return parent.value is not None and self._scalar(parent.value, visiting)
        if isinstance(parent, ast.AugAssign):
            return self._scalar(parent.value, visiting)
        if isinstance(parent, (ast.For, ast.comprehension)) and parent.target is b:
            it = parent.iter  # `for i in range(n)`, `for size in layer_sizes` (a list of numbers ModelNew is given)
            named = isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
            return named and it.func.id == "range" and "range" not in self.bound or self._numbers_argument(it)
        return False

    def _numbers_argument(self, e: ast.AST) -> bool:
        """Whether `e` names a constructor argument of ModelNew the problem fills with a list of numbers, never
        bound again in __init__ and only iterated, counted or read by item there (nothing else can change it)."""
        fn = self.owner(e)
        model = self.classes.get("ModelNew")
        if not (isinstance(e, ast.Name) and isinstance(fn, ast.FunctionDef) and fn.name == "__init__"):
            return False
        params = _positional_names(fn)
        if self.parents.get(fn) is not model or e.id not in params[1:] or len(self._bindings(fn, e.id)) != 1:
            return False
        if not self._init_numbers(params.index(e.id) - 1):
            return False
        for n in ast.walk(fn):
            if not (isinstance(n, ast.Name) and n.id == e.id):
                continue
            p = self.parents.get(n)
            iterated = isinstance(p, (ast.For, ast.comprehension)) and p.iter is n
            counted = isinstance(p, ast.Call) and p.args == [n] and not p.keywords and ast.unparse(p.func) == "len"
            item = isinstance(p, ast.Subscript) and p.value is n and isinstance(p.ctx, ast.Load)
            if not (iterated or counted and "len" not in self.bound or item):
                return False
        return True

    def _returns_parameter(self, fn: ast.AST) -> bool:
        """Whether a return (or a yield) of fn mentions one of its parameters (it may give back an object it was
        given)."""
        params = _param_names(fn)
        return any(isinstance(n, ast.Name) and n.id in params for v in self._given_back(fn) for n in ast.walk(v))

    def _given_back(self, fn: ast.AST) -> list[ast.AST]:
        """What a call of fn gives back: its returned expressions, and a generator's yielded ones (`for b in
        each(box)` binds b to what `yield` gives, `yield from` the items of its iterable)."""
        key = ("given back", fn)
        if key not in self._memo_once:  # (read for every call of fn the inference meets)
            yields = [
                n.value
                for n in ast.walk(fn)
                if isinstance(n, (ast.Yield, ast.YieldFrom)) and n.value is not None and self.owner(n) is fn
            ]
            self._memo_once[key] = self._return_values(fn) + yields
        return self._memo_once[key]

    def _returned_table(self) -> dict[ast.AST, list[ast.AST]]:
        """For every function and lambda, the references its returned expressions may evaluate to (_references),
        through calls of other own functions: a fixpoint over the module, so recursion loses nothing."""
        fns = [n for n in ast.walk(self.tree) if isinstance(n, FUNCS)]
        self._returned = {fn: [] for fn in fns}
        for _ in range(len(fns) + 1):
            changed = False
            for fn in fns:
                seen = {id(r) for r in self._returned[fn]}
                for v in self._given_back(fn):
                    for r in self._references(v):
                        if id(r) not in seen:
                            seen.add(id(r))
                            self._returned[fn].append(r)
                            changed = True
            if not changed:
                break
        return self._returned

    def _only_tensors(self, place: tuple) -> bool:
        """A local only ever bound to tensors, and a parameter only ever given them (none has a default)."""
        scope, name = place
        if scope in (None, "self", "ctx") or isinstance(scope, ast.Lambda):
            return False
        if place not in self.bound_kinds and self._autograd_function(self.parents.get(scope)):
            return False  # a Function's method torch calls (backward, setup_context's inputs): given anything
        if name in _param_names(scope) and (name in _defaults(scope) or self.kinds.get(scope, {}).get(name) != TENSOR):
            return False
        return self.bound_kinds.get(place, {TENSOR}) == {TENSOR} and self.kinds.get(scope, {}).get(name) == TENSOR

    def _env_of(self, node: ast.AST) -> dict[str, str]:
        fn = self.owner(node)
        return self.global_kinds if fn is None else self.kinds.setdefault(fn, {})

    def _self_attribute(self, e: ast.AST) -> bool:
        return isinstance(e, ast.Attribute) and self.kind(e.value, self._env_of(e)) == SELF

    def _place(self, e: ast.Name | ast.Attribute) -> tuple:
        """Where a name (or self.attr) lives: ("self", attr) (("ctx", attr) on autograd's ctx), (function, name)
        for a local of that function or of the enclosing one a closure reads, (None, name) for a module-level name
        or one declared global."""
        if isinstance(e, ast.Attribute):  # torch's ctx is never self: its attributes are a place of their own
            return ("ctx", e.attr) if self._ctx(e.value) else ("self", e.attr)
        fn = self.owner(e)
        if fn is not None and not isinstance(fn, ast.Lambda) and e.id in self._globals_of(fn):
            return (None, e.id)
        if fn is not None and e.id not in self._nonlocals_of(fn) and e.id in self._locals(fn):
            return (fn, e.id)
        outer = self.owner(fn) if fn is not None else None
        while outer is not None:
            if e.id in self._locals(outer) and e.id not in self._nonlocals_of(outer):
                return (outer, e.id)
            outer = self.owner(outer)
        return (None, e.id)

    def _home(self, e: ast.Name, skip_own: bool = False) -> ast.AST | None:
        """The function whose kinds hold the binding the name `e` reads, as Python's scopes resolve it: a
        comprehension's target lives in the function around the comprehension (its kinds join both), a local in its
        function, a closure's name in the enclosing function that binds it; None at module level. skip_own: past
        `e`'s own function (a `nonlocal` or `global` declaration there). Read once per name and question."""
        key = ("home", e, skip_own)
        if key not in self._memo_once:
            self._memo_once[key] = self._find_home(e, skip_own)
        return self._memo_once[key]

    def _find_home(self, e: ast.Name, skip_own: bool) -> ast.AST | None:
        scope = self.scope_of(e)
        while scope is not None:
            if isinstance(scope, COMPREHENSIONS):
                targets = {n.id for g in scope.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
                if e.id in targets:
                    return self.owner(scope)
            elif skip_own:
                skip_own = False
            elif e.id in self._locals(scope):
                return scope
            scope = self.scope_of(scope)
        return None

    def _assigned(self, fn: ast.AST) -> set[str]:
        """Names a function binds in its body (not its parameters)."""
        return {
            n for node in ast.walk(fn) if node is not fn for n in _bound_names(node) if not isinstance(node, ast.arg)
        }

    def _locals(self, fn: ast.AST) -> set[str]:
        if fn not in self._local_names:
            names = set(_param_names(fn))
            for node in ast.walk(fn):  # its own scope only: a nested def's parameter or a comprehension's target binds
                # a name of that scope (a walrus in a comprehension binds here)
                if node is not fn and self.owner(node) is fn and self.scope_of(node) is fn:
                    names |= set(_bound_names(node)) | {n for n, _ in _import_bindings(node)}
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        names.add(node.name)
            self._local_names[fn] = names - self._globals_of(fn) - self._nonlocals_of(fn)
        return self._local_names[fn]

    def _globals_of(self, fn: ast.AST) -> set[str]:
        return self._declarations(fn)[0]

    def _nonlocals_of(self, fn: ast.AST) -> set[str]:
        return self._declarations(fn)[1]

    def _declarations(self, fn: ast.AST) -> tuple[set[str], set[str]]:
        """fn's `global` and `nonlocal` names, read once per function (_place asks for every store)."""
        if fn not in self._declared:
            own = [g for g in ast.walk(fn) if isinstance(g, (ast.Global, ast.Nonlocal)) and self.owner(g) is fn]
            self._declared[fn] = (
                {n for g in own if isinstance(g, ast.Global) for n in g.names},
                {n for g in own if isinstance(g, ast.Nonlocal) for n in g.names},
            )
        return self._declared[fn]

    def _return_values(self, fn: ast.AST) -> list[ast.AST]:
        if isinstance(fn, ast.Lambda):
            return [fn.body]
        return [
            n.value for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value is not None and self.owner(n) is fn
        ]

    def _declared_global(self, node: ast.AST) -> set[str]:
        """The names `node`'s function declares global or nonlocal: stores to them reach outside it."""
        fn = self.owner(node)
        return set() if fn is None else self._globals_of(fn) | self._nonlocals_of(fn)
