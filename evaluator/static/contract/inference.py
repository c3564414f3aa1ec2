"""The inference that types host code: a flow-insensitive pass over every function, run to a fixpoint, binding
parameters from call sites, returns, loop targets, captures and the containers a tensor is stored into."""

from __future__ import annotations

import ast
import functools

from evaluator.static.contract.allowlist import MUTATORS, REGISTERS
from evaluator.static.contract.kinds import ANY, HOLDS, MAX_PASSES, PY, SELF, TCONT, TENSOR, UNKNOWN
from evaluator.static.contract.region import DEVICE, FUNCS
from evaluator.static.contract.syntax import _decorators, _is_classmethod, _is_static, _param_names


class Inference:
    """The fixpoint over host code that fills kinds, params, returns, self_kinds and global_kinds."""

    def _infer(self) -> None:
        model = self.classes.get("ModelNew")
        bodies = {stmt: cls for cls in self.classes.values() for stmt in ast.walk(cls) if self.owner(stmt) is None}
        for stmt in ast.walk(self.tree):  # module-level names (constants, caches); functions may store into them
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None and self.owner(stmt) is None:
                for t in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    for n in ast.walk(t):  # `B = A`, `B: list = A`, `B, C = A, 0`, under a module-level `if`
                        if isinstance(n, ast.Name):
                            k = (
                                self.kind(stmt.value, {})
                                if n is t
                                else UNKNOWN
                                if self.kind(stmt.value, {}) != PY
                                else PY
                            )
                            self.global_kinds[n.id] = self._join(self.global_kinds.get(n.id), k)
                            self._share(n, stmt.value)  # a store into either reaches the other
                            if stmt in bodies:  # a class body's `cache = BOX`: self.cache is BOX's object too (and
                                # `cache`, which a default evaluated there names, is a module-level name here)
                                self._class_attribute(bodies[stmt], n, stmt.value)
        for cls in self.classes.values():  # self.<attr> kinds: registered buffers (assignments: _flow)
            for node in ast.walk(cls):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in REGISTERS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):  # a buffer or parameter is a tensor; a submodule holds its weights (`self.lin.weight`)
                    kind = TCONT if node.func.attr in ("add_module", "register_module") else TENSOR
                    self.self_kinds[str(node.args[0].value)] = self._join(
                        self.self_kinds.get(str(node.args[0].value)), kind
                    )
        fns = self._callers_first(
            [n for n in ast.walk(self.tree) if isinstance(n, FUNCS) and self.region.get(n) != DEVICE]
        )
        state = None
        self.converged = False
        for _ in range(MAX_PASSES):  # parameters from call sites, returns, stores, closures: to a fixpoint
            self._memo.clear()
            self._held.clear()
            self._bound_now = {}
            for fn in fns:
                # an env lives across passes: a closure's store into it (`nonlocal`, `box.append`) made in a later
                # function of one pass reaches the bindings derived from it in the next
                env = self.kinds.setdefault(fn, {})  # registered first: stores from elsewhere find it (_env_of)
                for name, k in self._params(fn, model).items():
                    env[name] = self._join(env.get(name), k)
                self._flow(fn, env)
                self._flow(fn, env)  # twice: a loop's later statements reach its earlier ones
            self.bound_kinds = self._bound_now
            if state == (state := self._state(fns)):
                self.converged = True
                break
        self._memo.clear()  # the checks read the final kinds

    def _callers_first(self, fns: list[ast.AST]) -> list[ast.AST]:
        """fns in the order ModelNew's methods reach them (by the names their bodies read: functions, methods,
        classes), callers first, the rest after. A parameter no call has typed yet is unknown, and kinds only
        rise: a helper flowed before its callers would keep what its first pass derived from that."""
        methods: dict[str, list[ast.AST]] = {}
        for f in fns:
            if getattr(f, "name", None):
                methods.setdefault(f.name, []).append(f)
        for cls in self.classes.values():  # `Op.apply(x)`, `Block(x)`: the class's methods
            methods.setdefault(cls.name, []).extend(f for f in cls.body if f in fns)
        model = self.classes.get("ModelNew")
        order = [f for f in (model.body if model is not None else []) if f in fns]
        seen = set(order)
        for f in order:  # grows while it is read: a breadth-first walk
            names = {
                n.id if isinstance(n, ast.Name) else n.attr
                for n in ast.walk(f)
                if isinstance(n, (ast.Name, ast.Attribute))
            }
            for g in (g for name in sorted(names) for g in methods.get(name, [])):
                if g not in seen:
                    seen.add(g)
                    order.append(g)
        return order + [f for f in fns if f not in seen]

    def _class_attribute(self, cls: ast.ClassDef, name: ast.Name, value: ast.AST) -> None:
        """`name = value` in a class body: the attribute `Cls.name` (what self.name reads) shares value's object
        and the name's, and has value's kind where it may hold a tensor."""
        attr = self._synthetic(ast.Attribute(value=ast.Name(id=cls.name, ctx=ast.Load()), attr=name.id), name)
        k = self.kind(value, {})
        if k in HOLDS:
            self.self_kinds[name.id] = self._join(self.self_kinds.get(name.id), k)
        self._share(attr, value)
        self._share(attr, name)

    def _state(self, fns: list[ast.AST]) -> tuple:
        """Everything a pass may change, to stop at the fixpoint (kinds only rise, so it is reached)."""

        def items(d: dict) -> tuple:
            return tuple(sorted((str(k), repr(v)) for k, v in d.items()))

        return (
            tuple(items(self.kinds.get(fn, {})) for fn in fns),
            tuple(items(self.params.get(fn, {})) for fn in fns),
            tuple(tuple(sorted(self.holds_params.get(fn, ()))) for fn in fns),
            items(self.self_kinds),
            items(self.returns),
            items(self.tuple_returns),
            items(self.dict_returns),
            items(self.global_kinds),
            len(self.mutated),
            sum(len(v) for v in self.shares.values()),
            tuple(sorted((str(k), tuple(sorted(v))) for k, v in self.bound_kinds.items())),
        )

    def _meta(self) -> tuple[set[ast.AST], dict[ast.AST, set[str]]]:
        """The functions Triton calls with a dict of a launch's arguments (a grid callable, a heuristics or
        autotune function: on a GPU the dict holds the real tensors), each with the keys of that dict that are
        always Python values: the launched kernel's constexpr parameters and the keys its configs and
        heuristics set (a callable shared by several kernels: the keys all of them agree on)."""
        keys: dict[ast.AST, set[str]] = {}
        called = {f for n in ast.walk(self.tree) if isinstance(n, ast.Call) for f in self._callables(n.func)}
        for fns, known, launches in self._meta_sites():
            for fn in fns:
                if fn in called:  # `grid({"n": x})`: host code hands it what it likes
                    launches = None
                keys[fn] = keys[fn] & known if fn in keys else set(known)
                if launches is None or self.meta_launches.get(fn, []) is None:
                    self.meta_launches[fn] = None  # called by a launch the gate cannot name
                else:
                    self.meta_launches.setdefault(fn, []).extend(launches)
        return set(keys), keys

    def _meta_sites(self) -> list[tuple[set[ast.AST], set[str], list | None]]:
        """(callables, the keys known to be Python values, the launches that call them: None where unknown) for
        each grid of a launch, each callable in a kernel's decorators, and each heuristics/autotune elsewhere."""
        kernels = self.kernel_defs
        known = {name: self._kernel_keys(k) for name, k in kernels.items()}
        launches: dict[str, list] = {}
        grids = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and self._is_launch(node):
                site = (self.parents[node], kernels.get(node.value.id))
                launches.setdefault(node.value.id, []).append(site)
                given = [node.slice, *self._parameter_arguments(node.slice)]  # `def go(x, g=grid_fn): k[g](x)`
                callables = {f for g in given for f in self._callables(g)}
                grids.append((callables, known.get(node.value.id, set()), [site]))
        sites, decorating = grids, set()
        for name, k in kernels.items():
            for d in _decorators(k):
                parts = [p for p in ast.walk(d) if isinstance(p, (ast.Lambda, ast.Name, ast.Attribute)) and p is not d]
                decorating |= set(ast.walk(d))
                sites += [(self._callables(p), known[name], launches.get(name, [])) for p in parts]
        for node in ast.walk(self.tree):  # heuristics/autotune anywhere else: no key and no launch is known
            if node not in decorating and (self.path(getattr(node, "func", None)) or "").split(".")[-1] in (
                "heuristics",
                "autotune",
            ):
                parts = [p for p in ast.walk(node) if isinstance(p, (ast.Lambda, ast.Name, ast.Attribute))]
                sites += [(self._callables(p), set(), None) for p in parts]
        return sites

    def _launch_argument(self, fn: ast.AST, key: str) -> str:
        """The kind of what the launches that call fn (a grid or heuristics callable) pass the kernel's parameter
        `key`: TENSOR where any may be a tensor, or where a launch the gate cannot name calls fn, or one passes
        nothing for it by name or position (it comes from a default or a config); else the join of the others
        (`meta["n_elements"]` is the int the launch was given)."""
        launches = self.meta_launches.get(fn)
        if not launches:
            return TENSOR
        found = PY
        for call, kernel in launches:
            params = [a.arg for a in kernel.args.posonlyargs + kernel.args.args] if kernel is not None else []
            if key not in params or any(k.arg is None for k in call.keywords):
                return TENSOR
            i = params.index(key)
            given = [k.value for k in call.keywords if k.arg == key] + ([call.args[i]] if i < len(call.args) else [])
            if len(given) != 1 or any(isinstance(a, ast.Starred) for a in call.args[: i + 1]):
                return TENSOR
            k = self.kind(given[0], self.env(given[0]))
            if k == TCONT:
                return UNKNOWN  # a tensor descriptor (or another container): its `.shape` is no tensor's sizes
            if k in HOLDS:
                return TENSOR
            found = self._join(found, k)
        return found

    def _kernel_keys(self, kernel: ast.FunctionDef) -> set[str]:
        """A kernel's constexpr parameters, and the string keys its decorators' configs and heuristics set."""
        found = set()
        for a in ast.walk(kernel.args):
            ann = getattr(a, "annotation", None) if isinstance(a, ast.arg) else None
            if (isinstance(ann, ast.Attribute) and ann.attr == "constexpr") or (
                isinstance(ann, ast.Name) and ann.id == "constexpr"
            ):
                found.add(a.arg)
        for d in _decorators(kernel):
            for part in ast.walk(d):
                if isinstance(part, ast.Dict):
                    found |= {k.value for k in part.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        return found

    def _callables(self, e: ast.AST, depth: int = 0) -> set[ast.AST]:
        """The functions and lambdas of this module an expression may evaluate to: a lambda, a name or attribute
        they are bound to (`self.grid`), what a call of an own function returns (`make_grid()`), either side of
        `a or b` / `a if c else b`."""
        if depth > 8:
            return set()
        if isinstance(e, ast.Lambda):
            return {e}
        if isinstance(e, ast.Name):  # the innermost scope's `def grid` / `grid = lambda`, if it has one
            found = self.named_fns.get(e.id, [])
            scope = self.owner(e)
            while True:
                here = {fn for fn in found if self.owner(fn) is scope}
                if here or scope is None:
                    return here or set(found)
                scope = self.owner(scope)
        if isinstance(e, ast.Attribute):
            return set(self.named_fns.get(e.attr, []))
        if isinstance(e, (ast.IfExp, ast.BoolOp)):
            parts = [e.body, e.orelse] if isinstance(e, ast.IfExp) else e.values
            return {f for x in parts for f in self._callables(x, depth + 1)}
        if isinstance(e, ast.Call):
            name = (
                e.func.id
                if isinstance(e.func, ast.Name)
                else e.func.attr
                if isinstance(e.func, ast.Attribute)
                else None
            )
            return {
                f
                for fn in self.named_fns.get(name, [])
                for v in self._return_values(fn)
                for f in self._callables(v, depth + 1)
            }
        return set()

    def _is_launch(self, node: ast.Subscript) -> bool:
        """`kernel[grid]` of a jit function of this module, called."""
        call = self.parents.get(node)
        return (
            isinstance(call, ast.Call)
            and call.func is node
            and isinstance(node.value, ast.Name)
            and (node.value.id in self.kernels)
        )

    def _params(self, fn: ast.AST, model: ast.ClassDef | None) -> dict[str, str]:
        args = fn.args
        positional = args.posonlyargs + args.args
        env: dict[str, str] = {}
        is_method = self.owner(fn) is None and not isinstance(fn, ast.Lambda) and fn not in self.module_fns.values()
        name = getattr(fn, "name", "")
        from_calls = self.params.get(fn, {})
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        static = _is_static(fn)
        applied = fn in self._apply_sites()  # a Function's forward `Op.apply(x, 0.5)` runs: bound from its arguments
        for i, a in enumerate(positional):
            if is_method and i == 0 and not static:  # self, or a classmethod's class (and what `C.m(t)` passes)
                env[a.arg] = self._join(from_calls.get(a.arg), SELF)
            elif is_method and self._autograd_function(self.parents.get(fn)) and not applied:
                env[a.arg] = TENSOR  # torch calls these with the tensors (a forward apply runs: as any call's)
            elif is_method and name == "forward" and model is not None and not applied:  # a layer's inputs are tensors
                given = self._forward_input(i - 1, defaults[i]) if self._is_model(fn) else TENSOR
                env[a.arg] = self._join(from_calls.get(a.arg), given)  # and what its own calls pass it
            elif is_method and name == "__init__" and self._is_model(fn) and self._init_input(i - 1) is not None:
                env[a.arg] = self._join(from_calls.get(a.arg), self._init_input(i - 1))  # the problem's sizes
            else:
                default = self.kind(defaults[i], {}) if defaults[i] is not None else None
                env[a.arg] = self._join(default, from_calls[a.arg]) if a.arg in from_calls else default or UNKNOWN
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            default = self.kind(d, {}) if d is not None else None
            env[a.arg] = self._join(default, from_calls[a.arg]) if a.arg in from_calls else default or UNKNOWN
        for a in (args.vararg, args.kwarg):
            if a is not None:
                env[a.arg] = TCONT if name == "forward" else from_calls.get(a.arg, UNKNOWN)
        if fn in self.meta_fns:  # `lambda META: ...`: the launch's arguments, tensors among them
            for a in positional[:1] + [x for x in (args.vararg, args.kwarg) if x is not None]:
                env[a.arg] = TCONT
        return env

    def _apply_sites(self) -> set[ast.AST]:
        """The autograd.Function forwards some `Op.apply(...)` of this module runs."""
        if "apply" not in self._memo_once:
            self._memo_once["apply"] = {
                fn for n in ast.walk(self.tree) if isinstance(n, ast.Call) for fn in self._applied(n.func)
            }
        return self._memo_once["apply"]

    def _autograd_function(self, cls: ast.AST | None) -> bool:
        """Whether cls is a torch.autograd.Function subclass: apply calls its forward, setup_context and backward
        with the tensors themselves."""
        if not isinstance(cls, ast.ClassDef):
            return False
        own = [self.classes[b.id] for b in cls.bases if isinstance(b, ast.Name) and b.id in self.classes]
        # a subclass of the module's own Function is one too (`class Fill(Base): pass`); never one that is an
        # nn.Module as well, whose `apply` may be nn.Module.apply (`class Op(nn.Module, torch.autograd.Function)`)
        function = any(self.path(b) == "torch.autograd.Function" for b in cls.bases) or any(
            self._autograd_function(c) for c in own if c is not cls
        )
        return function and not self._module_class(cls)

    def _is_model(self, fn: ast.AST) -> bool:
        return self.parents.get(fn) is self.classes.get("ModelNew")

    def _init_input(self, j: int) -> str | None:
        """The kind of ModelNew's j-th constructor argument where the problem fills it with a plain Python value in
        every case (get_init_inputs: sizes, flags, lists of sizes): PY. None where unknown."""
        if self.init_inputs is None or j >= len(self.init_inputs) or self.init_inputs[j] == "object":
            return None
        return PY

    def _init_number(self, j: int) -> bool:
        """Whether the problem fills ModelNew's j-th constructor argument with a number (or str, bool, None) in
        every case: an immutable value."""
        return self.init_inputs is not None and 0 <= j < len(self.init_inputs) and self.init_inputs[j] == "number"

    def _init_numbers(self, j: int) -> bool:
        """Whether the problem fills ModelNew's j-th constructor argument with a list or tuple of numbers in every
        case: each item an immutable value."""
        return self.init_inputs is not None and 0 <= j < len(self.init_inputs) and self.init_inputs[j] == "numbers"

    def _forward_input(self, j: int, default: ast.AST | None) -> str:
        """The kind of ModelNew.forward's j-th input. Unknown inputs (no problem given) are tensors. Known ones: a
        tensor where any case passes one, a Python value where every case passes one (`dim=-1`), and past the
        inputs every case passes, only the default: the harness calls forward(*inputs), the problem's own."""
        if self.inputs is None:
            return TENSOR
        given = None if j >= len(self.inputs) else (TENSOR if self.inputs[j] else PY)
        default_kind = self.kind(default, {}) if default is not None else None
        if given is None:
            return default_kind or UNKNOWN
        return self._join(default_kind, given)

    def _flow(self, fn: ast.AST, env: dict[str, str]) -> None:
        """One pass over fn's own nodes in source order: bind names, note call arguments and stores, and
        record what fn returns."""
        ret = None
        shapes: list[list[str] | None] = []  # per return: its tuple's kinds (None: not a known tuple)
        keyed: list[dict[str, str] | None] = []  # per return: its dict's kinds by key (None: not a known dict)
        generator = False
        for node in self._own_nodes(fn):
            if isinstance(node, ast.Return) and node.value is not None:
                ret = self._join(ret, self.kind(node.value, env))
                shapes.append(self._parts(node.value, env))
                keyed.append(self._keys(node.value, env))
            elif isinstance(node, (ast.Yield, ast.YieldFrom)):
                generator = True  # a call gives back a generator: `a, b = gen(x)` unpacks its first items
                k = self.kind(node.value, env) if node.value is not None else PY
                ret = self._join(ret, TCONT if k in HOLDS else PY)
            else:
                self._flow_node(node, env)
        if generator:
            shapes, keyed = [None], [None]
        if isinstance(fn, ast.Lambda):
            ret = self.kind(fn.body, env)
        for name in [fn.name] if hasattr(fn, "name") else self._lambda_names(fn):
            if ret is not None:
                self.returns[name] = self._join(self.returns.get(name), ret)
            if shapes:
                self._note_tuple_returns(name, shapes)
            if keyed:
                self._note_dict_returns(name, keyed)

    def _note_tuple_returns(self, name: str, shapes: list[list[str] | None]) -> None:
        """`return out, n` everywhere: a caller's `out, n = f(x)` binds each part by its own kind."""
        same = all(sh is not None and len(sh) == len(shapes[0]) for sh in shapes)
        old = self.tuple_returns.get(name, shapes[0] if same else None)
        if same and old is not None and len(old) == len(shapes[0]):
            self.tuple_returns[name] = [
                functools.reduce(self._join, [sh[i] for sh in shapes], old[i]) for i in range(len(old))
            ]
        else:
            self.tuple_returns[name] = None

    def _note_dict_returns(self, name: str, keyed: list[dict[str, str] | None]) -> None:
        """`return {"out": out, "n": n}` everywhere, with the same keys: a caller's `p["n"]` is that key's kind."""
        old = self.dict_returns.get(name, keyed[0])
        if old is not None and all(k is not None and k.keys() == old.keys() for k in keyed):
            self.dict_returns[name] = {
                key: functools.reduce(self._join, [k[key] for k in keyed], old[key]) for key in old
            }
        else:
            self.dict_returns[name] = None

    def _flow_node(self, node: ast.AST, env: dict[str, str]) -> None:
        """Bindings (assignments, loop targets, `except ... as e`), call arguments, and stores that make a
        container hold a tensor (`box.append(x)`, `raise E(x)`)."""
        if isinstance(node, ast.Assign):
            k = self.kind(node.value, env)
            for t in node.targets:
                self._bind(t, node.value, k, env)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            self._bind(node.target, node.value, self.kind(node.value, env), env)
        elif isinstance(node, ast.AugAssign):  # `box += [x]`: an in-place extend of box's object
            k = self.kind(node.value, env)
            self._bind(node.target, None, self._join(self.kind(node.target, env), k), env)
            self._share_all(node.target, node.value)  # `a += [box]`, `d |= {"k": box}`: a holds box's object now
            if k in HOLDS:
                self._holds(node.target, env)
        elif isinstance(node, ast.For | ast.comprehension):
            self._bind_loop(node.target, node.iter, env)
        elif isinstance(node, (ast.With, ast.Match)):
            self._bind_captures(node, env)
        else:
            self._flow_effect(node, env)

    def _flow_effect(self, node: ast.AST, env: dict[str, str]) -> None:
        if isinstance(node, ast.ExceptHandler) and node.name:
            # Python's exceptions carry what they failed on: `{}.pop(x)` raises KeyError(x), a missing attribute an
            # AttributeError whose .obj is the object, and any code (a call, a property, a generator a loop or a
            # `+=` runs) may raise one; so a caught exception may hold a tensor, whatever its try body (the prompt's
            # contract: never format it, re-raise it)
            env[node.name] = TCONT
        elif isinstance(node, ast.Call):
            self._note_args(node, env)
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr in MUTATORS:
                parts = [*node.args, *(k.value for k in node.keywords)]
                if isinstance(f.value, ast.Name) or self._self_attribute(f.value):
                    for part in parts:  # `jobs.append((lst, n))`: jobs' items are lst's object now
                        self._share(f.value, part)
                tracked = isinstance(f.value, ast.Name) and any(
                    node.args and node.args[0] is t for t in self._grown(f.value)
                )
                if tracked and f.value.id in self._frozen(self.owner(node)):
                    env[f.value.id] = self._join(env.get(f.value.id), TCONT)  # its items are typed part by part
                elif any(self.kind(p, env) in HOLDS for p in parts):
                    self._holds(f.value, env)

    def _bind_captures(self, node: ast.With | ast.Match, env: dict[str, str]) -> None:
        """`with hold(x) as v`: v may be what the context gives back; `case v:` captures the subject or a part."""
        if isinstance(node, ast.With):
            for item in node.items:
                if item.optional_vars is not None:
                    self._share_all(item.optional_vars, item.context_expr)
                    k = self.kind(item.context_expr, env)
                    self._bind(item.optional_vars, None, TENSOR if k in HOLDS else UNKNOWN, env)
            return
        for name, value, mode in self._captures(node):
            if mode == "same":  # `case a:`, `case [a, _]`, `case C(buf=a)`: a = subject, subject[0], subject.buf
                self._bind_name(name, value, self.kind(value, env), env)
                continue
            k = self.kind(value, env)  # `*rest`, `**rest`: a new container of the subject's items; a positional
            # class pattern's capture: an attribute the gate cannot name
            held = k in HOLDS or (mode == "part" and k == SELF)
            self._bind_name(name, None, (TCONT if mode == "rest" else TENSOR) if held else UNKNOWN, env)
            self._share(name, value)

    def _captures(self, node: ast.Match) -> list[tuple[ast.Name, ast.AST, str]]:
        """Each capture of a match statement's patterns with the expression it binds (built once: the subject, or
        `subject[i]`, `subject[key]`, `subject.attr` for a capture inside a sequence, mapping or class pattern) and
        how: "same" (that expression), "rest" (a new container of its items), "part" (some attribute of it)."""
        if node not in self._patterns:
            found: list[tuple[ast.Name, ast.AST, str]] = []
            for case in node.cases:
                self._pattern_captures(case.pattern, node.subject, "same", found)
            self._patterns[node] = found
        return self._patterns[node]

    def _pattern_captures(self, p: ast.AST, subject: ast.AST, mode: str, found: list) -> None:
        """The captures of pattern p matched against `subject` (see _captures), into found."""
        if isinstance(p, ast.MatchAs):
            if p.name:
                found.append((self._synthetic(ast.Name(id=p.name, ctx=ast.Store()), p), subject, mode))
            if p.pattern is not None:
                self._pattern_captures(p.pattern, subject, mode, found)
        elif isinstance(p, ast.MatchOr):
            for sub in p.patterns:
                self._pattern_captures(sub, subject, mode, found)
        else:
            for sub, part in self._subpatterns(p, subject):
                if part is None:  # `*rest`, `**rest`
                    found.append((self._synthetic(ast.Name(id=sub, ctx=ast.Store()), p), subject, "rest"))
                elif part is subject:  # `case C(a)`: an attribute __match_args__ names, or a builtin's subject
                    self._pattern_captures(sub, subject, "part", found)
                else:
                    self._pattern_captures(sub, self._synthetic(part, p), mode, found)

    @staticmethod
    def _subpatterns(p: ast.AST, subject: ast.AST) -> list[tuple]:
        """(sub-pattern, the expression it matches) for a sequence, mapping or class pattern: `subject[i]` (from
        the end past a star), `subject[key]`, `subject.attr`; (name, None) for a `*rest` or `**rest` capture."""
        found: list[tuple] = []
        if isinstance(p, ast.MatchSequence):
            star = next((i for i, x in enumerate(p.patterns) if isinstance(x, ast.MatchStar)), len(p.patterns))
            for i, sub in enumerate(p.patterns):
                index = i if i < star else i - len(p.patterns)
                item = ast.Subscript(value=subject, slice=ast.Constant(index), ctx=ast.Load())
                found.append((sub.name, None) if isinstance(sub, ast.MatchStar) else (sub, item))
        elif isinstance(p, ast.MatchMapping):
            found += [
                (sub, ast.Subscript(value=subject, slice=key, ctx=ast.Load())) for key, sub in zip(p.keys, p.patterns)
            ]
            found += [(p.rest, None)]
        elif isinstance(p, ast.MatchClass):
            found += [
                (sub, ast.Attribute(value=subject, attr=a, ctx=ast.Load()))
                for a, sub in zip(p.kwd_attrs, p.kwd_patterns)
            ]
            found += [(sub, subject) for sub in p.patterns]
        return [(sub, part) for sub, part in found if sub is not None]

    def _synthetic(self, node: ast.AST, parent: ast.AST) -> ast.AST:
        """An expression the gate builds for a pattern's part, placed under the pattern (its function owns it)."""
        self.parents[node] = parent
        for child in ast.iter_child_nodes(node):
            self.parents.setdefault(child, node)
        return ast.copy_location(node, parent)

    def _bind_loop(self, target: ast.AST, it: ast.AST, env: dict[str, str]) -> None:
        """A loop target: range gives ints; enumerate an int and an item; zip one item of each; `.items()` a key and
        a value; any other iterable its items (tensors if it may hold one)."""
        call = it if isinstance(it, ast.Call) else None
        fname = call.func.id if call is not None and isinstance(call.func, ast.Name) else None
        parts = target.elts if isinstance(target, ast.Tuple) else None
        if parts and any(isinstance(t, ast.Starred) for t in parts):
            parts = None  # `for a, *rest in jobs`: positions do not line up

        def item(e: ast.AST) -> str:
            return TENSOR if self.kind(e, env) in HOLDS else UNKNOWN

        if fname == "range":
            self._bind(target, None, PY, env)
        elif fname == "enumerate" and parts and len(parts) == 2 and call.args:
            self._bind(parts[0], None, PY, env)
            self._bind_loop(parts[1], call.args[0], env)
        elif fname == "zip" and parts and len(parts) == len(call.args):
            for t, a in zip(parts, call.args, strict=True):
                self._bind_loop(t, a, env)
        elif call is not None and isinstance(call.func, ast.Attribute) and call.func.attr == "items" and parts:
            self._bind(parts[0], None, item(call.func.value), env)  # a key may be a tensor too
            for t in parts[1:]:
                self._share_all(t, call.func.value)  # `for k, v in d.items(): v.append(x)`
                self._bind(t, None, item(call.func.value), env)
        elif parts and len(items := self._items(it, env) or []) == len(parts):
            for t, k in zip(parts, items, strict=True):  # `for src, dst, n in jobs`
                self._share_all(t, it)
                self._bind(t, None, k, env)
        else:
            self._share_all(target, it)  # `for box in boxes: box.append(x)` stores into boxes' items
            self._bind(target, None, item(it), env)

    def _lambda_names(self, fn: ast.AST) -> list[str]:
        """Every name a lambda is assigned to (`f = g = lambda v: v`)."""
        parent = self.parents.get(fn)
        if isinstance(fn, ast.Lambda) and isinstance(parent, ast.Assign):
            return [
                t.id if isinstance(t, ast.Name) else t.attr
                for t in parent.targets
                if isinstance(t, ast.Name | ast.Attribute)
            ]
        return []

    def _own_nodes(self, fn: ast.AST) -> list[ast.AST]:
        """The nodes of fn's body that fn owns (not those of functions nested in it), in source order."""
        body = [fn.body] if isinstance(fn, ast.Lambda) else fn.body
        nodes = []
        for stmt in body:
            nodes += [n for n in ast.walk(stmt) if self.owner(n) is fn or n is stmt]
        nodes.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        return nodes

    def _callees(self, node: ast.Call, env: dict[str, str]) -> list[tuple[ast.AST, int]]:
        """The functions a call may run, each with the parameters its call fills implicitly (1: self): a
        function or lambda of this module by name, a class (its __init__), a method of self or of an instance."""
        f = node.func
        forward = self._block_forward(f)
        if forward is not None:  # `self.block(x)`, `blk(x)`: nn.Module's __call__ runs the class's forward
            return [(forward, 1)]
        applied = self._applied(f)
        if applied:  # `Op.apply(box, x)` runs Op.forward(ctx, box, x), or Op.forward(box, x) beside a setup_context
            # (any binding of setup_context counts: `setup_context = staticmethod(f)` makes torch call forward(*inputs))
            own = self._defs_of(self.classes[f.value.id], "setup_context")
            return [(fn, 0 if own else 1) for fn in applied]
        if isinstance(f, ast.Name):
            held = self._held_call(node)  # `block(c, k)`: the class a parameter holds (ResNet's _make_layer)
            if f.id in self.classes or held is not None:
                return [(m, 1) for m in self.class_init(held.name if held is not None else f.id)]
            return [(fn, 0) for fn in self.named_fns.get(f.id, []) if not self._is_method(fn)]
        if isinstance(f, ast.Attribute) and (self.kind(f.value, env) != TENSOR or f.attr in self.methods):
            # a method of one of this module's classes (on self, or on an instance kept anywhere, even a name also
            # bound to a tensor), or a lambda stored on an attribute; through the class (`ModelNew.calc(self, x)`)
            # nothing is filled
            unbound = self._is_class(f.value)
            return [
                (fn, 0 if (unbound and not _is_classmethod(fn)) or isinstance(fn, ast.Lambda) or _is_static(fn) else 1)
                for fn in self.named_fns.get(f.attr, [])
                if self._is_method(fn) or isinstance(fn, ast.Lambda)
            ]
        return []

    def _is_class(self, e: ast.AST) -> bool:
        """A name of one of this module's classes, a name ever assigned one (`C = ModelNew`), or a classmethod's
        first parameter (`cls.run(x)` fills run's self with x)."""
        if not isinstance(e, ast.Name):
            return False
        fn = self.owner(e)
        if isinstance(fn, ast.FunctionDef) and _is_classmethod(fn) and self._class_of(e) is not None:
            return True
        if self._class_names is None:
            self._class_names = set(self.classes) | {
                t.id
                for n in ast.walk(self.tree)
                if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name) and n.value.id in self.classes
                for t in n.targets
                if isinstance(t, ast.Name)
            }
        return e.id in self._class_names

    def _is_method(self, fn: ast.AST) -> bool:
        return isinstance(self.parents.get(fn), ast.ClassDef)

    def _note_args(self, node: ast.Call, env: dict[str, str]) -> None:
        """A call of a function of this module: the kinds of its arguments joined into the callee's params (a
        starred argument or `**kw` into every parameter it may fill), and the callbacks it is given."""
        self._note_callbacks(node, env)
        for callee, skip in self._callees(node, env):
            args = callee.args
            cur = self.params.setdefault(callee, {})

            def note(name: str, kind: str, expr: ast.AST | None = None, cur=cur, callee=callee) -> None:
                cur[name] = self._join(cur.get(name), kind)
                # an argument's own alternatives; one of a starred box's or a **dict's items: anything
                given = self._alternatives(expr, env) if expr is not None else {ANY}
                self._bound_now.setdefault((callee, name), set()).update(({kind} - {UNKNOWN}) | given)

            self._held_arguments(node, env, callee, skip)
            for a, names, extra in self._filled(node, callee, skip):
                k = self.kind(a.value if isinstance(a, ast.Starred) else a, env)
                if isinstance(a, ast.Starred):  # f(*box): any parameter it reaches may be any of its items
                    for name in names:
                        note(name, TENSOR if k in HOLDS else UNKNOWN)
                    if extra is not None:
                        note(extra, TCONT if k in HOLDS else UNKNOWN)
                    continue
                for name in names:
                    note(name, k, a)
                if extra is not None:
                    note(extra, TCONT if k in HOLDS else PY)
            positional = [a.arg for a in args.posonlyargs + args.args][skip:]
            keyword = [n for n in positional if n not in {a.arg for a in args.posonlyargs}]
            self._note_keywords(node, env, args, keyword + [a.arg for a in args.kwonlyargs], note)

    def _note_callbacks(self, node: ast.Call, env: dict[str, str]) -> None:
        """A function of this module given to a call as a value (sorted's key, a helper's callback) may be handed
        what the call was given, or its items: its parameters may be tensors (or any object) where an argument
        holds one, and what it stores into them, the call's arguments now hold."""
        given = [*node.args, *(k.value for k in node.keywords)]
        found = [n for a in given for n in ast.walk(a) if isinstance(n, ast.Lambda)]
        named = [a for a in given if isinstance(a, ast.Name) and a.id not in self.kernels and self._function_name(a)]
        bound = [  # `key=self.stash`: a method, bound (its self is filled)
            a for a in given if isinstance(a, ast.Attribute) and self.kind(a.value, env) == SELF and self._callables(a)
        ]
        found += [fn for a in named + bound for fn in self._callables(a) if not isinstance(fn, ast.Lambda)]
        if not found:
            return
        others = [a for a in given if not isinstance(a, ast.Lambda) and a not in named + bound]
        k = TENSOR if any(self.kind(a, env) in HOLDS for a in others) else UNKNOWN
        for fn in found:
            cur = self.params.setdefault(fn, {})
            skip = 1 if self._is_method(fn) and not _is_static(fn) else 0
            for a in (fn.args.posonlyargs + fn.args.args)[skip:] + fn.args.kwonlyargs:
                cur[a.arg] = self._join(cur.get(a.arg), k)
                self._bound_now.setdefault((fn, a.arg), set()).add(ANY)
            if self.holds_params.get(fn):
                for a in others:
                    self._holds(a, env)

    def _function_name(self, a: ast.Name) -> bool:
        """Whether a name refers to a def or lambda of this module, not to a variable that happens to share a
        function's name (`for sizes in ...` beside `def sizes(...)`): the innermost scope binding it binds a def
        (or a lambda) there."""
        found = self.named_fns.get(a.id, [])
        scope = self.owner(a)
        while True:
            if any(self.owner(fn) is scope and not isinstance(fn, ast.Lambda) for fn in found):
                return True
            if scope is not None and a.id in _param_names(scope):
                return False
            for n in ast.walk(scope if scope is not None else self.tree):
                if isinstance(n, ast.Name) and n.id == a.id and isinstance(n.ctx, ast.Store) and self.owner(n) is scope:
                    assign = self.parents.get(n)
                    return isinstance(assign, ast.Assign) and isinstance(assign.value, ast.Lambda)
            if scope is None:
                return False
            scope = self.owner(scope)

    def _filled(self, node: ast.Call, callee: ast.AST, skip: int) -> list[tuple[ast.AST, list[str], str | None]]:
        """Each positional argument of a call with the parameters it may fill and the `*args` it may go into: one
        by position; after a starred argument (whose length the gate does not know) any parameter from the first
        it could reach on; a starred one, every parameter from there and `*args`."""
        args = callee.args
        positional = [a.arg for a in args.posonlyargs + args.args][skip:]
        vararg = args.vararg.arg if args.vararg is not None else None
        filled = []
        stars = 0
        for i, a in enumerate(node.args):
            first = i - stars  # a starred argument before may have been empty
            if isinstance(a, ast.Starred) or stars:
                filled.append((a, positional[first:], vararg))
                stars += isinstance(a, ast.Starred)
            else:
                filled.append((a, positional[i : i + 1], vararg if i >= len(positional) else None))
        return filled

    def _held_arguments(self, node: ast.Call, env: dict[str, str], callee: ast.AST, skip: int) -> None:
        """`f(box)` where f does `box.append(x)` (a parameter it stores a tensor into): box holds a tensor now. A
        starred argument or `**kw` may fill any parameter; extra ones fill `*args`/`**kwargs`."""
        for setup in self._setups(node):  # `setup_context(ctx, inputs, output)`: inputs holds apply's arguments
            params = [a.arg for a in setup.args.posonlyargs + setup.args.args]
            if len(params) > 1 and params[1] in self.holds_params.get(setup, ()):
                for a in [*node.args, *(k.value for k in node.keywords)]:
                    self._holds(a.value if isinstance(a, ast.Starred) else a, env)
        held = self.holds_params.get(callee)
        if not held:
            return
        args = callee.args
        for a, names, extra in self._filled(node, callee, skip):
            if set(names) & held or extra in held:
                self._holds(a.value if isinstance(a, ast.Starred) else a, env)
        posonly = {a.arg for a in args.posonlyargs}
        named = {a.arg for a in args.kwonlyargs} | {a.arg for a in args.args} - posonly
        kwarg = args.kwarg.arg if args.kwarg is not None else None
        for k in node.keywords:
            if k.arg is None and (held & named or kwarg in held):
                self._holds(k.value, env)
            elif k.arg in held & named or (k.arg not in named and kwarg in held):
                self._holds(k.value, env)

    def _setups(self, node: ast.Call) -> list[ast.AST]:
        """The setup_context of the autograd.Function whose apply this call is."""
        f = node.func
        if not self._applied(f):
            return []
        return self.class_method(f.value.id, "setup_context")

    def _note_keywords(
        self, node: ast.Call, env: dict[str, str], args: ast.arguments, keyword: list[str], note
    ) -> None:
        """Keyword arguments: a parameter by name (not a positional-only one: `f(0, a=x)` for `def f(a, /, **kw)`
        puts x into kw), else `**kwargs`; `**d` may fill any of them."""
        for k in node.keywords:
            kind = self.kind(k.value, env)
            if k.arg is None:  # f(**d): any parameter may be any of its values
                for name in keyword:
                    note(name, TENSOR if kind in HOLDS else UNKNOWN)
                if args.kwarg:
                    note(args.kwarg.arg, TCONT if kind in HOLDS else UNKNOWN)
            elif k.arg in keyword:
                note(k.arg, kind, k.value)
            elif args.kwarg:
                note(args.kwarg.arg, TCONT if kind in HOLDS else PY)
