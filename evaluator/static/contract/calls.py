"""Calls: device calls (Triton only), host calls (allocate, view, copy, describe; a tensor never as a size, dim
or value), method calls on tensors and containers, autotune and launch options, and what a launch reads."""

from __future__ import annotations

import ast
import string

from evaluator.shared.rules import CONTRACT_HINT, TORCH_HINT
from evaluator.static.contract.allowlist import (
    AMBIGUOUS,
    AUTOTUNE_KWARGS,
    CONFIG_KWARGS,
    CTX_METHODS,
    DATA_FIRST,
    DESCRIPTORS,
    HOST_BUILTINS,
    INIT_MODULE_METHODS,
    KEYWORD_STORES,
    POSITIONAL,
    PY_METHODS,
    READS,
    STORES,
    TENSOR_ARG_METHODS,
    TENSOR_METHODS,
)
from evaluator.static.contract.kinds import HOLDS, PY, SELF, TCONT, TENSOR
from evaluator.static.contract.region import DEVICE, HOST
from evaluator.static.contract.syntax import (
    _class_body_names,
    _defaults,
    _int_helper,
    _is_module_method,
    _is_tensor_method,
    _module_names,
    _single_value,
)


def _plain_template(e: ast.AST) -> bool:
    """A string literal whose format fields name no attribute or item (`"{} of {n}"`, not `"{0.inp[0]}"`)."""
    if not (isinstance(e, ast.Constant) and isinstance(e.value, str)):
        return False
    try:
        parts = [(field or "") + (spec or "") for _, field, spec, _ in string.Formatter().parse(e.value)]
    except ValueError:
        return False
    return not any(c in part for part in parts for c in ".[{")


def _is_property(fn: ast.AST | None) -> bool:
    """A def decorated as a property (or its setter), or a binding other than a def (a class-body name)."""
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return True
    return any(
        ast.unparse(d) == "property" or ast.unparse(d).endswith((".setter", ".getter")) for d in fn.decorator_list
    )


class Calls:
    """The rules on calls in each region, and on what a kernel launch reads."""

    def _launch_values(self) -> None:
        """What Triton reads as Python numbers at a launch is never a tensor: what a grid callable returns (a
        grid tuple is a subscript, judged by _operands), the kernel's constexpr arguments (BLOCK=...) and the
        launch options (num_warps=...). A tensor there is read through its __index__ or compared in Python."""
        kernels = self.kernel_defs
        for node in ast.walk(self.tree):
            if not (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and self._is_launch(node)):
                continue
            call, kernel = self.parents[node], kernels.get(node.value.id)
            numbers = CONFIG_KWARGS | (self._kernel_keys(kernel) if kernel is not None else set())
            params = [a.arg for a in kernel.args.posonlyargs + kernel.args.args] if kernel is not None else []
            # constexprs, `**opts`, and every keyword that is no parameter: a compile option (num_warps, debug)
            parts = [k.value for k in call.keywords if k.arg in numbers or k.arg is None or k.arg not in params]
            named = {k.arg for k in call.keywords}
            for i, a in enumerate(call.args):
                if isinstance(a, ast.Starred):  # `*args` may fill any constexpr from here on not given by name
                    if kernel is None or any(p in numbers and p not in named for p in params[i:]):
                        parts.append(a.value)
                    break
                if i < len(params) and params[i] in numbers:
                    parts.append(a)
            grids = [node.slice, *self._parameter_arguments(node.slice)]
            for fn in {f for g in grids for f in self._callables(g)}:
                if isinstance(fn, ast.Lambda):
                    parts.append(fn.body)
                else:
                    parts += [r.value for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value is not None]
            self._launch_objects(call, node.value.id)
            for part in parts:
                if self.kind(part, self.env(part)) in HOLDS:
                    self.add(
                        "torch_compute",
                        part,
                        f"`{ast.unparse(part)[:40]}` may be or hold a tensor where the launch of `{node.value.id}` "
                        "reads Python numbers (its grid, a constexpr, num_warps...): Triton reads the tensor's data "
                        "into Python. Compute these from .shape, .size() and Python ints. " + CONTRACT_HINT,
                    )

    def _launch_objects(self, call: ast.Call, kernel: str) -> None:
        """A launch passes tensors, numbers, tuples of them and tensor descriptors: Triton converts each (a tensor to
        its pointer). Anything else (a list, a dict, a module, an object of this module's classes) the interpreter
        hands to the kernel's Python unconverted, where `box[0] * 2` would be PyTorch's."""
        for a in [*call.args, *(k.value for k in call.keywords if k.arg is not None)]:
            starred = isinstance(a, ast.Starred)  # `*args`: what each of its bindings (a display) holds
            ok = self._starred_launchable(a.value) if starred else self._launchable(a, self.env(a))
            if not ok:
                self.add(
                    "torch_compute",
                    a,
                    f"`{ast.unparse(a)[:40]}` may be a Python container or object (which may hold a tensor) where "
                    f"`{kernel}` takes a tensor, a number, a tuple of them or a tensor descriptor: the interpreter "
                    "hands it to the kernel's Python unconverted. Pass tensors and numbers. " + CONTRACT_HINT,
                )

    def _launchable(self, a: ast.AST, env: dict[str, str]) -> bool:
        if isinstance(a, ast.Tuple):
            return all(self._launchable(e, env) for e in a.elts)
        containers = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)
        kind = self.kind(a, env)
        if kind == SELF or isinstance(a, containers):
            return False
        return kind != TCONT or self._only_descriptor(a, 0)

    def _starred_launchable(self, e: ast.AST) -> bool:
        """`kernel[grid](*args)` where every binding of args is a tuple or list display of launchable items."""
        if isinstance(e, (ast.Tuple, ast.List)):
            return all(self._launchable(i, self.env(i)) for i in e.elts)
        if not isinstance(e, ast.Name):
            return False
        values = [self._bound_value(b) for b in self._bindings(self.owner(e), e.id)]
        return all(isinstance(v, (ast.Tuple, ast.List)) and self._starred_launchable(v) for v in values)

    def _bound_value(self, b: ast.AST | None) -> ast.AST | None:
        """The value a plain `name = value` binds (None for any other binding)."""
        return _single_value(self.parents.get(b), b)

    def _only_descriptor(self, e: ast.AST | None, depth: int) -> bool:
        """`e` can only be a tensor descriptor: one built here, a name every binding of which is one (a plain
        assignment, or the part of a tuple unpacking), or a call of a module function every return of which gives
        one (at that part)."""
        if depth > 4 or e is None:
            return False
        if self._descriptor_call(e):
            return True
        if isinstance(e, ast.Call):
            return self._returns_descriptor(e, None, depth)
        if not isinstance(e, ast.Name):
            return False
        bindings = self._bindings(self.owner(e), e.id)
        return all(self._descriptor_binding(b, depth) for b in bindings)

    def _descriptor_binding(self, b: ast.AST | None, depth: int) -> bool:
        value = self._bound_value(b)
        if value is not None:  # `x_desc = ...`
            return self._only_descriptor(value, depth + 1)
        parent = self.parents.get(b)
        assign = self.parents.get(parent)
        unpacked = isinstance(parent, ast.Tuple) and isinstance(assign, ast.Assign) and assign.targets == [parent]
        if not unpacked or any(isinstance(t, ast.Starred) for t in parent.elts):
            return False
        at, value = parent.elts.index(b), assign.value
        if isinstance(value, ast.Tuple):
            return len(value.elts) == len(parent.elts) and self._only_descriptor(value.elts[at], depth + 1)
        return self._returns_descriptor(value, at, depth)

    def _returns_descriptor(self, call: ast.AST, at: int | None, depth: int) -> bool:
        """A call of this module's one function of that name (no generator) each return of which gives a
        descriptor (part `at` of a tuple display)."""
        f = call.func if isinstance(call, ast.Call) else None
        fns = self.named_fns.get(f.id, []) if isinstance(f, ast.Name) else []
        if len(fns) != 1 or self.module_fns.get(f.id) is not fns[0] or self._enclosing_bindings(call, f.id):
            return False
        inside = [n for n in ast.walk(fns[0]) if self.owner(n) is fns[0]]
        if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in inside):
            return False
        returns = [n.value for n in inside if isinstance(n, ast.Return)]
        if at is not None:
            whole = [
                r for r in returns if isinstance(r, ast.Tuple) and not any(isinstance(i, ast.Starred) for i in r.elts)
            ]
            returns = (
                [r.elts[at] if at < len(r.elts) else None for r in whole] if len(whole) == len(returns) else [None]
            )
        return bool(returns) and all(self._only_descriptor(r, depth + 1) for r in returns)

    def _parameter_arguments(self, e: ast.AST) -> list[ast.AST]:
        """Where `e` is a parameter of its function, what the calls of that function (by name) give it:
        `launch(lambda m: ..., x)` hands its grid to `copy_kernel[g](...)` inside launch."""
        fn = self.owner(e)
        if not isinstance(e, ast.Name) or not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return []
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        if e.id not in params + [a.arg for a in fn.args.kwonlyargs]:
            return []
        method = isinstance(self.parents.get(fn), ast.ClassDef)
        found = []
        for call in ast.walk(self.tree):
            if not isinstance(call, ast.Call):
                continue
            f = call.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name != fn.name:
                continue
            skip = 1 if method and isinstance(f, ast.Attribute) else 0  # self.launch(g): g is the second
            found += [k.value for k in call.keywords if k.arg == e.id]
            if e.id in params and 0 <= params.index(e.id) - skip < len(call.args):
                found.append(call.args[params.index(e.id) - skip])
        default = _defaults(fn).get(e.id)  # `def launch(x, f=_m)`: a call that leaves f out gives the default
        return found + ([default] if default is not None else [])

    def _call(self, node: ast.Call, region: str) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "ModelNew":  # its __init__ may compute (init region)
            self.add(
                "host_call",
                node,
                "`ModelNew(...)` builds the model a second time; the evaluator builds it once from the problem's "
                "init inputs, and only that __init__ sees weights alone. " + CONTRACT_HINT,
            )
        if not isinstance(node.func, (ast.Name, ast.Attribute, ast.Subscript)):  # in every region
            self.add(
                "host_call",
                node,
                f"`({ast.unparse(node.func)[:50]})(...)` calls the value of an expression, whose code the gate "
                "cannot see; call functions and methods by name. " + CONTRACT_HINT,
            )
        elif region == DEVICE:
            self._device_call(node)
        else:
            self._autotune(node)
            if region == HOST:
                self._host_call(node)
            elif isinstance(node.func, ast.Attribute) and self.path(node.func) is None:
                self._init_method_call(node, node.func)

    def _init_method_call(self, node: ast.Call, f: ast.Attribute) -> None:
        """__init__ may compute on weights with any tensor method, but of nn.Module's methods only those that
        describe, register or move weights (INIT_MODULE_METHODS); nothing named a hook, on any receiver."""
        if isinstance(f.value, ast.Call) and isinstance(f.value.func, ast.Name) and f.value.func.id == "super":
            return  # super().__init__() (its arguments: Operands._attribute)
        method, receiver = f.attr, self.kind(f.value, self.env(node))
        cls = self._class_of(f.value) if receiver == SELF else None
        if cls is not None and method in self._own_methods(cls):
            return
        if "hook" in method or (_is_module_method(method) and method not in INIT_MODULE_METHODS):
            self.add(
                "host_call",
                node,
                f"`.{method}(...)` in __init__ installs code that runs later, when the model is called (a hook, a "
                f"compiled forward); __init__ only prepares weights. nn.Module methods allowed there: "
                f"{', '.join(sorted(INIT_MODULE_METHODS))}. " + CONTRACT_HINT,
            )

    def _autotune(self, node: ast.Call) -> None:
        path = self.path(node.func) or ""
        if len(node.args) > POSITIONAL.get(path, len(node.args)):  # Config(kw, 4, 1, 1, None, hook): a pre_hook
            self.add(
                "autotune_hook",
                node.args[POSITIONAL[path]],
                f"`{path}(...)` takes {POSITIONAL[path]} argument(s) by position; give the others by keyword, so the "
                "gate sees no hook among them. " + CONTRACT_HINT,
            )
        allowed = {"triton.autotune": AUTOTUNE_KWARGS, "triton.Config": CONFIG_KWARGS}.get(path)
        if allowed is None:
            return
        for kw in node.keywords:
            if kw.arg is None:  # `**opts` may hold any keyword, a hook among them
                self.add(
                    "autotune_hook",
                    kw.value,
                    f"`{path}(**{ast.unparse(kw.value)[:30]})`: spell out each keyword, so the gate sees no hook "
                    f"among them (allowed: {', '.join(sorted(allowed))}). " + CONTRACT_HINT,
                )
            elif kw.arg not in allowed:
                self.add(
                    "autotune_hook",
                    kw.value,
                    f"`{path}({kw.arg}=...)`: autotune hooks, pruners and custom benchmarkers run host code the "
                    f"evaluator cannot judge; use only {', '.join(sorted(allowed))}. " + CONTRACT_HINT,
                )

    def _host_call(self, node: ast.Call) -> None:
        f = node.func
        env = self.env(node)
        if isinstance(f, ast.Subscript):
            if not (isinstance(f.value, ast.Name) and f.value.id in self.kernels) and self._block_forward(f) is None:
                self.add(
                    "host_call",
                    node,
                    f"`{ast.unparse(f)[:50]}(...)`: only a @triton.jit / @gluon.jit kernel is launched as "
                    "`kernel[grid](...)`. " + CONTRACT_HINT,
                )
            return
        if isinstance(f, ast.Name):
            if f.id in self.kernels:
                self.add("host_call", node, f"launch the kernel as `{f.id}[grid](...)`, not `{f.id}(...)`.")
            elif (
                (f.id not in self.defined or self._shadowed(f))
                and f.id in self.bound
                and self._block_forward(f) is None
                and self._held_call(node) is None  # `block(c, k)` builds the one class the parameter holds
            ):
                self.add(
                    "host_call",
                    node,
                    f"`{f.id}(...)` calls a value whose code the gate cannot see; call functions defined in "
                    "this module or allowed torch / triton functions by name. " + CONTRACT_HINT,
                )
            return
        if not isinstance(f, ast.Attribute):
            return
        if isinstance(f.value, ast.Name) and f.value.id in HOST_BUILTINS and f.value.id not in self.bound:
            self.add(  # `dict.get(slots, "k")`, `list.copy(lst)`: the object comes first, past the gate's followers
                "host_call",
                node,
                f"`{ast.unparse(f)}(...)` calls a method through its type; call it on the object "
                f"(`obj.{f.attr}(...)`). " + CONTRACT_HINT,
            )
            return
        if self.path(f):  # names of modules: judged by _attribute and torch_reason
            self._size_arguments(node, self._size_parts(node), env)
            self._own_objects_given(node, env)
            return
        if f.attr in ("format", "format_map") and not _plain_template(f.value):
            self.add(
                "dynamic_access",
                node,
                f"`{ast.unparse(node)[:50]}`: a format template reads attributes and items by name (`{{0.x[0]}}`), "
                "past the gate; format only a string literal with plain fields, or use an f-string. " + CONTRACT_HINT,
            )
            return
        self._method_call(node, f, env)
        receiver = self.kind(f.value, env)
        if f.attr in TENSOR_METHODS and f.attr not in TENSOR_ARG_METHODS and receiver == TENSOR:
            self._size_arguments(node, [(a, HOLDS) for a in [*node.args, *(k.value for k in node.keywords)]], env)
        elif f.attr in PY_METHODS and receiver not in (TENSOR, SELF):
            kept = STORES.get(f.attr, set())
            given = [a for i, a in enumerate(node.args) if i not in kept]
            given += [k.value for k in node.keywords] if f.attr not in KEYWORD_STORES else []
            self._size_arguments(node, [(a, (TENSOR,)) for a in given], env)

    def _own_objects_given(self, node: ast.Call, env: dict[str, str]) -> None:
        """Host code hands a library function no instance of this module's classes: the library would call its
        methods as a tensor's (`nn.init._calculate_fan_in_and_fan_out(Dims(t))` computes `obj.size(1) * ...`)."""
        for a in [*node.args, *(k.value for k in node.keywords)]:
            if self.kind(a, env) == SELF:
                self.add(
                    "torch_compute",
                    a,
                    f"`{ast.unparse(a)[:40]}`, an object of this module's classes, is handed to "
                    f"`{ast.unparse(node.func)[:40]}`, which would call its methods as if it were a tensor. Hand "
                    "library functions tensors and numbers. " + TORCH_HINT,
                )

    def _size_parts(self, node: ast.Call) -> list[tuple[ast.AST, tuple[str, ...]]]:
        """The arguments of a library call (torch, triton, math...) in host code that may not be or hold a tensor,
        each with the kinds refused: all of them, but for the functions that take a tensor as data (DATA_FIRST:
        the tensor an allocation copies, fills or is shaped like; typing.cast's value), whose other arguments are
        sizes, dims or values. A tensor given as a size or value is read into Python (torch.empty(t),
        torch.device("cpu", t), torch.manual_seed(t), tl.core helpers comparing it), and a list of tensors given
        as data (torch.tensor([t, u])) is read item by item."""
        path = self.path(node.func) or ""
        leaf = path.split(".")[-1]
        if not path or path == "typing.cast" or _int_helper(path):  # (math, cdiv: _call_operands)
            return []
        data = path.startswith("torch.") and (leaf in DATA_FIRST or leaf.endswith("_like")) or leaf in DESCRIPTORS
        data = data or path.startswith("torch.nn.init.")  # nn.init.constant_(out, t): the tensor filled, then values
        as_data = (TCONT,) if leaf in ("tensor", "as_tensor") else ()  # torch.tensor([t, u]) reads t and u
        skip = ("input", "data", "tensor") if data else ()
        firsts = [*node.args[:1], *(k.value for k in node.keywords if k.arg in skip)] if data else []
        rest = [*node.args[1 if data else 0 :], *(k.value for k in node.keywords if k.arg not in skip)]
        return [(a, as_data) for a in firsts] + [(a, HOLDS) for a in rest]

    def _size_arguments(
        self, node: ast.Call, parts: list[tuple[ast.AST, tuple[str, ...]]], env: dict[str, str]
    ) -> None:
        """A size, dim or fill value given as a tensor is read into Python (its __index__ or __float__):
        `torch.empty(t)`, `x.reshape(t, -1)`, `x.narrow(0, t, 4)` turn the tensor's data into a shape."""
        for part, refused in parts:
            if self.kind(part, env) in refused:
                self.add(
                    "torch_compute",
                    node,
                    f"`{ast.unparse(node)[:60]}` gives `{ast.unparse(part)[:30]}`, which may be or hold a tensor, as "
                    "a size, dim or value: PyTorch reads its data into Python. Sizes come from .shape, .size() "
                    "and Python arithmetic on them. " + TORCH_HINT,
                )
                return

    def _method_call(self, node: ast.Call, f: ast.Attribute, env: dict[str, str]) -> None:
        """`receiver.method(...)` in host code: self's own methods, then the methods the receiver's kind
        allows (a value of unknown kind only what both tensors and Python values allow)."""
        receiver = self.kind(f.value, env)
        method = f.attr
        if isinstance(f.value, ast.Call) and isinstance(f.value.func, ast.Name) and f.value.func.id == "super":
            if method == "__init__" or method in self._base_methods(f.value):
                return  # (super().__init__: Operands._attribute)
            self.add(
                "host_call",
                node,
                f"`super().{method}(...)` is not a method of this class's bases in this module; forward may call "
                "only methods the module defines (nn.Module's own run PyTorch code). " + CONTRACT_HINT,
            )
            return
        instance = self._instance_class(f.value)
        if receiver == SELF or instance is not None:
            if self._block_forward(f) is not None:
                return  # `self.block(x)`: an instance of a module class of this file, its forward run
            cls = self._class_of(f.value) or instance
            own = self._own_methods(cls) if cls is not None else self.methods
            # an object of one of the module's classes, not `self` itself (`me = self`, `self.h`): which class is
            # unknown, so a name nn.Module defines may run nn.Module's method (get_buffer, buffers, apply)
            modules = cls is None and _is_module_method(method)
            if cls is not None and method in own and any(_is_property(d) for d in self._defs_of(cls, method)):
                self.add(
                    "host_call",
                    node,
                    f"`{ast.unparse(f)[:50]}(...)` calls what the property {method} gives back; call plain methods. "
                    + CONTRACT_HINT,
                )
                return
            if (method in own and not modules) or method in ("register_buffer", "register_parameter"):
                return
            named = (
                self.classes.get(f.value.id) if isinstance(f.value, ast.Name) and not self._shadowed(f.value) else None
            )
            if method == "apply" and self._autograd_function(named):
                return  # CopyOp.apply(x): the way an autograd.Function runs (its methods' parameters are tensors)
            self.add(
                "host_call",
                node,
                f"`{ast.unparse(f)[:50]}(...)` is neither a method this class defines nor a block of this module "
                "whose class the gate can tell (an instance of one of its nn.Module classes with a forward, stored "
                "once as `self.name = Block(...)` or in an nn.ModuleList never changed); forward may call only "
                "those, allowed tensor methods and kernels. " + CONTRACT_HINT,
            )
            return
        if method in CTX_METHODS and self._ctx(f.value):
            return  # `ctx.save_for_backward(x)` in an autograd.Function: bookkeeping for a backward, no compute
        if receiver == TENSOR:
            ok = method in TENSOR_METHODS
        elif receiver == PY:
            ok = method in PY_METHODS or method in TENSOR_METHODS  # an unknown PY value may hold a tensor
            ok = ok and not (method in AMBIGUOUS and not self._container(f.value, env))
        else:
            ok = (method in TENSOR_METHODS or method in PY_METHODS) and method not in AMBIGUOUS
        if not ok:
            if method in READS:
                why = "reads tensor values into Python, where the arithmetic is not Triton's. " + TORCH_HINT
            elif _is_tensor_method(method):
                why = "computes with PyTorch. " + TORCH_HINT
            else:
                why = "is not in the host-code contract. " + CONTRACT_HINT
            rule = "torch_compute" if method in READS or _is_tensor_method(method) else "host_call"
            self.add(rule, node, f"`.{method}(...)` in host code {why}")

    def _shadowed(self, f: ast.Name) -> bool:
        """`def run(helper, x): helper(x)`: the name is a parameter or local of the calling scope, not the module's
        function of that name (a nested def is code the gate sees)."""
        bindings = self._enclosing_bindings(f, f.id)
        return bindings is not None and not all(
            isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)) for b in bindings
        )

    def _instance_class(self, e: ast.AST) -> ast.ClassDef | None:
        """The one class of this module `e` is an instance of, where the gate can tell (`_value_classes`): `self.h`
        where every store into h (on any object) builds it, an item of a ModuleList of them never changed
        (`self.blocks[i]`, `for blk in self.blocks`), a local or a helper's parameter bound only to one of those."""
        if not isinstance(e, (ast.Attribute, ast.Subscript, ast.Name)):
            return None
        classes = self._value_classes(e)
        first = classes[0] if classes else None
        return first if isinstance(first, ast.ClassDef) and all(c is first for c in classes) else None

    def _block_forward(self, f: ast.AST) -> ast.AST | None:
        """The forward a call of `f` runs, where `f` is an instance of one of this module's nn.Module classes that
        defines (or inherits from its own bases) forward: nn.Module's __call__ runs it (hooks are refused)."""
        cls = self._instance_class(f)
        if cls is None or not self._module_class(cls):
            return None
        forwards = self._defs_of(cls, "forward")
        # one undecorated forward (Python keeps a class's last def, and the MRO, not the gate, picks among bases),
        # and none of nn.Module's own names redefined (`_call_impl` is what __call__ runs)
        if len(forwards) != 1 or forwards[0].decorator_list or self._redefines_module(cls):
            return None
        return forwards[0]

    def _defs_of(self, cls: ast.ClassDef, name: str, depth: int = 0) -> list[ast.AST]:
        """Every binding of `name` in the bodies of a class of this module and of its bases of this module: its defs,
        and any other statement binding it (a class-body assignment), however many."""
        found = [
            f
            for f in cls.body
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            and f.name == name
            or not isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            and name in _class_body_names(f)
        ]
        for b in cls.bases:
            if isinstance(b, ast.Name) and b.id in self.classes and depth < 8:
                found += [d for d in self._defs_of(self.classes[b.id], name, depth + 1) if d not in found]
        return found

    def _redefines_module(self, cls: ast.ClassDef) -> bool:
        """Whether a class of this module (or a base of it here) binds a name nn.Module defines, other than
        __init__, forward and extra_repr."""
        return any(
            n in _module_names() and n not in ("__init__", "forward", "extra_repr") for n in self._class_members(cls)
        )

    def _module_class(self, cls: ast.ClassDef, depth: int = 0) -> bool:
        """Whether a class of this module subclasses torch.nn.Module (directly or through its own classes)."""
        return any(
            self.path(b) == "torch.nn.Module"
            or (isinstance(b, ast.Name) and b.id in self.classes and depth < 8)
            and self._module_class(self.classes[b.id], depth + 1)
            for b in cls.bases
        )

    def _base_methods(self, call: ast.Call) -> set[str]:
        """The methods `super()` may reach from where it is called: those the enclosing class's bases of this
        module define or inherit."""
        fn = self.owner(call)
        cls = self.parents.get(fn) if fn is not None else None
        bases = [
            self.classes[b.id] for b in getattr(cls, "bases", []) if isinstance(b, ast.Name) and b.id in self.classes
        ]
        return {m for b in bases for m in self._own_methods(b)}

    def _class_of(self, e: ast.AST) -> ast.ClassDef | None:
        """The class whose method `e` (the name `self`) is the first parameter of, if it is."""
        fn = self.owner(e)
        cls = self.parents.get(fn) if fn is not None else None
        params = fn.args.posonlyargs + fn.args.args if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
        first = params[0].arg if params else None
        return cls if isinstance(cls, ast.ClassDef) and isinstance(e, ast.Name) and e.id == first else None

    def _own_methods(self, cls: ast.ClassDef, depth: int = 0) -> set[str]:
        """The methods a class of this module defines or inherits from its own bases in this module: not another
        class's method of the same name (`self.get_buffer` is nn.Module's, whatever a helper class defines)."""
        names = {f.name for f in cls.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for b in cls.bases:
            if isinstance(b, ast.Name) and b.id in self.classes and depth < 8:
                names |= self._own_methods(self.classes[b.id], depth + 1)
        return names

    def _container(self, e: ast.AST, env: dict[str, str]) -> bool:
        """Whether `e` is known to be a Python list/set/dict (a literal, or a name only ever bound to one)."""
        if isinstance(e, (ast.List, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)):
            return True
        if isinstance(e, ast.Name):
            fn = self.owner(e)
            values = [
                n.value
                for n in ast.walk(fn if fn is not None else self.tree)
                if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == e.id for t in n.targets)
            ]
            return bool(values) and all(
                isinstance(v, (ast.List, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp))
                or (isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in ("set", "list", "dict"))
                for v in values
            )
        return False
