"""Names, attributes and operands: what each region may name, and where host code would read a tensor's values
(an operator, a builtin, a truth test, a comparison)."""

from __future__ import annotations

import ast
import builtins

from evaluator.shared.rules import CONTRACT_HINT, TORCH_HINT
from evaluator.static.contract.allowlist import (
    ALLOWED_DUNDERS,
    ALLOWED_MODULES,
    CONTAINER_BUILTINS,
    DEVICE_BUILTINS,
    GLUON_DECORATORS,
    HOST_BUILTINS,
    META_ATTRS,
    READ_METHODS,
    foreign_object,
    is_module,
    module_leak,
    name_reason,
)
from evaluator.static.contract.kinds import HOLDS, PY, SELF, TCONT, TENSOR
from evaluator.static.contract.region import DEVICE
from evaluator.static.contract.syntax import (
    _decorators,
    _int_helper,
    _is_static,
    _is_tensor_callable,
    _is_tensor_method,
    _module_state,
    _param_names,
    _positional_names,
)

DESCRIBING = {"numel", "dim", "element_size", "size", "stride"}  # a tensor's methods whose results are sizes


class Operands:
    """The rules on names, attributes and operands in each region."""

    def _name(self, node: ast.Name, region: str) -> None:
        name = node.id
        parent = self.parents.get(node)
        if name in self.aliases and not isinstance(parent, ast.Attribute):
            path = self.aliases[name]
            if path in ALLOWED_MODULES or is_module(path):
                self.add(
                    "module_value",
                    node,
                    f"the module `{name}` ({path}) is used as a value; use its names directly "
                    f"(`{name}.empty(...)`), never pass, store or search a module. " + CONTRACT_HINT,
                )
            return
        if name in self.kernels and region != DEVICE and not (node in self._launched_names() or self._handed(node)):
            self.add(
                "host_call",
                node,
                f"`{name}` is a @triton.jit kernel used as a value in host code (an attribute, a hook, a heuristic, "
                f"a stored reference); host code only launches it, `{name}[grid](...)`, or passes it to a launch "
                "as a constexpr argument. " + CONTRACT_HINT,
            )
            return
        if name in self.classes and name not in self.bound - self.defined and not self._class_named(node):
            self.add(
                "host_call",
                node,
                f"the class `{name}` is used as a value (a heuristic, a stored factory, a callback): whatever calls it "
                f"runs its __init__ out of the gate's sight; build it where it is named, `{name}(...)`. "
                + CONTRACT_HINT,
            )
        if name in self.bound or name in self.defined:
            if region == DEVICE:
                self._device_name(node)
            return
        if not hasattr(builtins, name):  # `np` after a launch: the interpreter adds its globals to the kernel's module
            self.add(
                "contract_name",
                node,
                f"`{name}` is bound nowhere in this module (nor a builtin); name only what the module imports or "
                "defines. " + CONTRACT_HINT,
            )
        else:
            allowed = DEVICE_BUILTINS if region == DEVICE else HOST_BUILTINS
            if name not in allowed:
                self.add(
                    "builtin",
                    node,
                    f"the builtin `{name}` is not in the host-code contract"
                    + (" inside a @triton.jit body" if region == DEVICE else "")
                    + f" (allowed: {', '.join(sorted(b for b in allowed if b[0].islower()))}). "
                    + CONTRACT_HINT,
                )

    def _described_name_store(self, node: ast.Attribute, env: dict[str, str]) -> None:
        """`h.shape = []` on an object other than a tensor: where that object is taken for a tensor (an item of a
        list holding it, or joined with one), its `.shape`, `.dtype`, `.numel()` read as sizes. Under those names
        code (init code too, whose object forward may fill later) stores only immutable values: a scalar, a library
        constant (`torch.float32`), another object's size or dtype (`x.shape`), or a tuple of them."""
        if node.attr not in META_ATTRS | DESCRIBING:  # (on a tensor too: none of these but requires_grad can be
            return  # set on one, so a receiver typed a tensor may be an own object joined with one, `h = obj or x`)
        assign = self.parents.get(node)
        value = assign.value if isinstance(assign, ast.Assign) and assign.targets == [node] else None
        if isinstance(node.ctx, ast.Del) or value is None or not self._immutable(value, env):
            self.add(
                "host_call",
                node,
                f"`{ast.unparse(node)[:50]}` stores under `{node.attr}`, which the gate reads as a tensor's size or "
                "dtype, a value that is not an immutable number, tuple or dtype; name the attribute otherwise. "
                + CONTRACT_HINT,
            )

    def _immutable(self, value: ast.AST, env: dict[str, str]) -> bool:
        if isinstance(value, ast.Tuple):
            return all(self._immutable(v, env) for v in value.elts)
        if isinstance(value, ast.Attribute) and value.attr in META_ATTRS:
            return True  # x.shape, x.dtype: a torch.Size, a dtype (an own object's: stored under this rule)
        if self._scalar(value) or (self.path(value) is not None and self.kind(value, env) == PY):
            return True
        # `self.dim = dim`, a constructor argument, where no problem types it (a typed one is a scalar or refused)
        fn = self.owner(value)
        model = isinstance(fn, ast.FunctionDef) and fn.name == "__init__" and self._is_model(fn)
        args = _positional_names(fn)[1:] if model else []
        untyped = self.init_inputs is None and isinstance(value, ast.Name) and value.id in args
        stored = self.parents.get(value)
        attr = stored.targets[0].attr if isinstance(stored, ast.Assign) else ""
        return untyped and len(self._bindings(fn, value.id)) == 1 and self._only_read(attr)

    def _only_read(self, attr: str) -> bool:
        """Whether every read of an attribute named `attr`, on any object, only reads it: an operand, an index's
        container, an argument of a builtin or library call; never a receiver of a method or an item store, an
        alias, a display's item or a return (any of which may fill a list the problem passed)."""
        reads = [n for n in ast.walk(self.tree) if isinstance(n, ast.Attribute) and n.attr == attr]
        return all(self._read_only_use(n, 0) for n in reads if isinstance(n.ctx, ast.Load))

    def _read_only_use(self, n: ast.AST, depth: int) -> bool:
        """`n` is only read where it stands: an operand, an indexed container, the argument of a builtin, a library
        call or a launch, or of this module's function whose parameter is itself only read (three calls deep)."""
        p = self.parents.get(n)
        if isinstance(p, ast.keyword):
            n, p = p, self.parents.get(p)
        if isinstance(p, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.FormattedValue, ast.Slice)):
            return True
        if isinstance(p, ast.Subscript):  # an index (`x.shape[dim]`), or the container read by item
            return p.slice is n or isinstance(p.ctx, ast.Load)
        if not isinstance(p, ast.Call) or p.func is n:
            return isinstance(p, ast.Call)  # `x.dim()`: a call of it, no store into it
        f = p.func
        if isinstance(f, ast.Name) and f.id in HOST_BUILTINS and f.id not in self.bound or self.path(f) is not None:
            return True
        if isinstance(f, ast.Subscript) and self._is_launch(f):
            return True
        fns = self.named_fns.get(f.id, []) if isinstance(f, ast.Name) else []
        if len(fns) != 1 or not isinstance(fns[0], ast.FunctionDef) or depth > 2 or n not in p.args:
            return False
        params = _positional_names(fns[0])
        at = p.args.index(n)
        if at >= len(params) or any(isinstance(a, ast.Starred) for a in p.args[: at + 1]):
            return False
        uses = [u for u in ast.walk(fns[0]) if isinstance(u, ast.Name) and u.id == params[at]]
        # rebinding the name leaves the object alone; `dim += [x]` extends a list in place
        grown = any(isinstance(self.parents.get(u), ast.AugAssign) for u in uses if not isinstance(u.ctx, ast.Load))
        return not grown and all(self._read_only_use(u, depth + 1) for u in uses if isinstance(u.ctx, ast.Load))

    def _tensor_attribute_store(self, node: ast.Attribute, env: dict[str, str]) -> None:
        """A tensor keeps no Python attributes of the module's (`x.note = box`): only its own fields are set
        (`w.data = ...`, `w.requires_grad = False`), else the gate would have to follow objects through tensors."""
        if not isinstance(node.ctx, (ast.Store, ast.Del)):
            return
        if _is_tensor_method(node.attr):  # its own fields (w.data = ...); on anything else, no size's name
            self._described_name_store(node, env)
            return
        kind = self.kind(node.value, env)
        if kind == TENSOR:
            self.add(
                "host_call",
                node,
                f"`{ast.unparse(node)[:50]}` stores a Python attribute on a tensor; keep values in locals or on "
                "self, never on a tensor. " + CONTRACT_HINT,
            )
        elif (
            kind != SELF
            and not self._ctx(node.value)
            and self._instance_class(node.value) is None
            and not (kind == TCONT and self._torch_layer(node.value))
        ) or (isinstance(node.value, ast.Name) and node.value.id in self.classes):  # `Op.apply = m`: on a class
            self.add(  # `cfg.pre_hook = f` on a triton.Config: the library runs what it finds there
                "host_call",
                node,
                f"`{ast.unparse(node)[:50]}` stores an attribute on a library object, which may run or read it; "
                "store values on self or in locals. " + CONTRACT_HINT,
            )

    def _torch_layer(self, e: ast.AST) -> bool:
        """Whether `e` is known to be a torch.nn layer (`self.ln.eps = 1e-5` stores into the layer itself)."""
        classes = self._value_classes(e)
        return bool(classes) and all(isinstance(c, type) for c in classes)

    def _handed(self, node: ast.Name) -> bool:
        """A kernel given to a function of this module whose parameter only ever passes it on to a launch
        (`launch(x, relu_jit)` where launch does `k[grid](..., ACT=act)`): the helper can do nothing else with it."""
        call = self.parents.get(node)
        if not isinstance(call, ast.Call) or call.func is node:
            return False
        callees = self._callees(call, self.env(call))
        for fn, skip in callees:
            if node in call.args:
                names = next(n for a, n, _ in self._filled(call, fn, skip) if a is node)
            else:
                names = [k.arg for k in call.keywords if k.value is node]
            if not names or not all(self._only_launched(fn, n) for n in names):
                return False
        return bool(callees)

    def _only_launched(self, fn: ast.AST, name: str) -> bool:
        """Every use of fn's parameter `name` is an argument of a launch (and nothing binds it again)."""
        if name not in _param_names(fn):
            return False
        for n in ast.walk(fn):
            if isinstance(n, ast.Name) and n.id == name:
                call = self.parents.get(n)
                call = self.parents.get(call) if isinstance(call, ast.keyword) else call
                launch = (
                    isinstance(call, ast.Call) and isinstance(call.func, ast.Subscript) and self._is_launch(call.func)
                )
                if not (isinstance(n.ctx, ast.Load) and launch and call.func is not n):
                    return False
        return True

    def _class_named(self, node: ast.Name) -> bool:
        """A class of this module where it is named, not handed on: built (`C(...)`), its attribute read (`C.apply`),
        a base, isinstance's class, super's first argument."""
        parent = self.parents.get(node)
        if isinstance(parent, ast.Call):
            f = parent.func
            builtin = isinstance(f, ast.Name) and f.id in ("isinstance", "super")
            return parent.func is node or builtin or self._handed_class(node)
        if isinstance(parent, (ast.Tuple,)) and isinstance(self.parents.get(parent), ast.Call):
            f = self.parents[parent].func
            return isinstance(f, ast.Name) and f.id == "isinstance"  # isinstance(m, (A, B))
        return (
            isinstance(parent, (ast.Attribute, ast.ClassDef))
            or isinstance(node.ctx, ast.Store)
            or isinstance(parent, ast.keyword)
            and self._handed_class(node)
        )

    def _handed_class(self, node: ast.Name) -> bool:
        """A class handed, by its name, to a parameter that holds it (`self._make_layer(BasicBlock, 64, 2)`, where
        `_held_class` proves that _make_layer's `block` is only called or has class constants read): the call
        that builds it is in sight, in that function."""
        return self._handed_to(node) is not None

    def _handed_to(self, node: ast.Name) -> tuple[ast.FunctionDef, str] | None:
        """The function and its parameter that hold the class `node` names, where it is handed to one."""
        call, keyword = self.parents.get(node), None
        if isinstance(call, ast.keyword):
            keyword, call = call.arg, self.parents.get(call)
        if not isinstance(call, ast.Call) or call.func is node or self._enclosing_bindings(node, node.id) is not None:
            return None
        f = call.func
        fns = self.named_fns.get(f.id if isinstance(f, ast.Name) else getattr(f, "attr", ""), [])
        if len(fns) != 1 or not isinstance(fns[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        fn, method = fns[0], self._is_method(fns[0])
        if call not in self._call_sites(fn.name, method):
            return None
        if keyword is None:
            if node not in call.args:
                return None
            index = call.args.index(node) + (1 if method and not _is_static(fn) else 0)
            positional = _positional_names(fn)
            keyword = positional[index] if index < len(positional) else None
        held = keyword is not None and self._held_class(fn, keyword) is self.classes[node.id]
        return (fn, keyword) if held else None

    def _launched_names(self) -> set[ast.Name]:
        """The kernel names host code may hold: each launch's kernel (`k[grid](...)`) and the jit functions its
        arguments pass (`k[grid](x, ACT=relu_jit)`, a constexpr function)."""
        if self._launch_names is None:
            self._launch_names = set()
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and self._is_launch(node):
                    call = self.parents[node]
                    given = [*call.args, *(k.value for k in call.keywords)]
                    self._launch_names |= {node.value} | {a for a in given if isinstance(a, ast.Name)}
        return self._launch_names

    def _bound_method(self, node: ast.Attribute, env: dict[str, str]) -> None:
        """A tensor's method is called where it is named (`x.view(...)`), never taken as a value: `g = x.mul`
        then `g(2.0)` would run it under a name the gate reads as something else. Any receiver that may be a
        tensor (`self.get_parameter("w").mul`) counts."""
        call = self.parents.get(node)
        if isinstance(call, ast.Call) and call.func is node or node.attr in META_ATTRS:
            return
        if node.attr in self._constants_of(node.value):  # a layer's constant (self.conv.stride), not Tensor.stride
            return
        if self._instance_class(node.value) is not None:  # `blk.stride` of this module's block: self.stride there
            return
        if _is_tensor_callable(node.attr) and self.kind(node.value, env) not in (PY, SELF):  # (UNKNOWN: any tensor)
            self.add(
                "torch_compute",
                node,
                f"`{ast.unparse(node)[:50]}` takes a tensor's method as a value; call tensor methods where they are "
                "named (the allowed ones: views, copies, sizes). " + TORCH_HINT,
            )

    def _attribute(self, node: ast.Attribute, region: str) -> None:
        base = node.value
        is_super = isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super"
        if is_super and base.args and not self._own_super(base):
            self.add(
                "dynamic_access",
                node,
                f"`{ast.unparse(base)[:60]}` names another class or object; write `super()` (or "
                "`super(ThisClass, self)` in ThisClass's own method). " + CONTRACT_HINT,
            )
        fn = self.owner(node)
        # a class's own __init__ (a nested def named __init__ is no constructor: `super()` there runs the base's again)
        in_init = isinstance(fn, ast.FunctionDef) and fn.name == "__init__"
        in_init = in_init and isinstance(self.parents.get(fn), ast.ClassDef)
        if node.attr == "__init__" and not ((is_super and in_init) or self.path(base)):  # super().__init__ in __init__
            self.add(
                "dynamic_access",
                node,
                f"`{ast.unparse(node)[:60]}` runs an __init__ again; the init region (where PyTorch may compute) "
                "sees only weights, so it runs once, when the evaluator builds the model. " + CONTRACT_HINT,
            )
        if node.attr.startswith("__") and node.attr not in ALLOWED_DUNDERS:
            self.add(
                "dynamic_access",
                node,
                f"`.{node.attr}` reaches into Python internals; the contract allows no dunder attribute. "
                + CONTRACT_HINT,
            )
        elif node.attr.startswith("_") and node.attr not in ALLOWED_DUNDERS and not self._own_private(node, region):
            self.add(
                "dynamic_access",
                node,
                f"`{ast.unparse(node)[:60]}` reads the private name `{node.attr}` of a value; a private attribute "
                "may be read only on self (`self._cache`), as this class's own state. " + CONTRACT_HINT,
            )
        if region != DEVICE and self.path(node) is None:
            self._bound_method(node, self.env(node))
            self._tensor_attribute_store(node, self.env(node))
        if isinstance(self.parents.get(node), ast.Attribute):
            return  # judged once, as the whole dotted name
        path = self.path(node)
        if path is None:
            return
        if region == DEVICE and path.split(".")[0] == "torch":
            if isinstance(self.parents.get(node), ast.Call) and self.parents[node].func is node:
                return  # named once, as the call
            self.add(
                "jit_body",
                node,
                f"`{path}` inside a @triton.jit body: only Triton (tl / gl) runs in a kernel. " + TORCH_HINT,
            )
            return
        why = name_reason(path) or module_leak(path) or foreign_object(path)
        parts = path.split(".")
        if len(parts) > 3 and parts[:2] == ["torch", "nn"] and parts[2][:1].isupper():
            why = f"`{path}` reaches into the PyTorch layer class {parts[2]}; use layers only to hold weights"
        if why:
            self.add("contract_name", node, why + ". " + CONTRACT_HINT)
        elif (path in ALLOWED_MODULES or is_module(path)) and not isinstance(self.parents.get(node), ast.Attribute):
            self.add(
                "module_value",
                node,
                f"the module `{path}` is used as a value; use its names directly. " + CONTRACT_HINT,
            )

    def _own_super(self, call: ast.Call) -> bool:
        """`super(C, self)` inside a method of class C, self being the method's first parameter."""
        if len(call.args) != 2 or call.keywords or not isinstance(call.args[0], ast.Name):
            return False
        cls = self._class_of(call.args[1])
        return cls is not None and call.args[0].id == cls.name

    def _own_private(self, node: ast.Attribute, region: str) -> bool:
        """A private attribute the gate can follow: `self._x` (the class's own state), a name of a module the
        candidate imports (judged by name_reason / torch_reason with the rest of its dotted path), or one in
        a @gluon.jit body (Gluon's API has `smem._reinterpret`; Gluon compiles for a GPU only, so its body
        never runs as Python, unlike a @triton.jit body under TRITON_INTERPRET=1)."""
        if self.path(node) is not None:
            return True
        if region == DEVICE and self._in_gluon(node):
            return True
        # self._x that this module sets (its own state), not nn.Module's internals (self._buffers holds the tensors
        # register_buffer was given)
        if isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.self_set:
            return True
        # a method's first parameter reading a method or class constant its class (or a base of this module) defines:
        # `self._launch(x)`, `self._BLOCK`; never one of nn.Module's own names, which its instance keeps apart
        cls = self._class_of(node.value)  # (an instance only where no method runs unbound: `cls.m(x)`)
        own = cls is not None and not self._unbound_calls() and not _module_state(node.attr)
        return own and node.attr in self._class_members(cls)

    def _class_members(self, cls: ast.ClassDef, depth: int = 0) -> set[str]:
        """The names a class of this module defines in its body (methods, constants), and its bases of this
        module too."""
        names = set()
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
        for b in cls.bases:
            if isinstance(b, ast.Name) and b.id in self.classes and depth < 8:
                names |= self._class_members(self.classes[b.id], depth + 1)
        return names

    def _in_gluon(self, node: ast.AST) -> bool:
        fn = self.owner(node)
        while fn is not None and self.owner(fn) is not None:
            fn = self.owner(fn)
        return fn is not None and any(
            ast.unparse(d.func if isinstance(d, ast.Call) else d) in GLUON_DECORATORS for d in _decorators(fn)
        )

    def _host_tensor_use(self, node: ast.AST) -> None:
        """Tensors are never operands of Python operators or builtins in host code: `x * 2`, `-x`,
        `x > 0`, `float(x)`, `for v in x` all run PyTorch (or read values in Python)."""
        operands, refused = self._operands(node)
        env = self.env(node) if operands else {}
        for o in operands:
            k = self.kind(o, env)
            if k in refused:
                what = f"the tensor `{ast.unparse(o)[:30]}`"
                if k == TCONT and isinstance(o, ast.Name) and o.id in self.caught:
                    what = (
                        f"`{o.id}`, an exception caught around code that touches tensors (it may carry one: "
                        "`{}.pop(x)` raises KeyError(x); re-raise it with a bare `raise`),"
                    )
                elif k == TCONT:
                    what = f"`{ast.unparse(o)[:30]}`, a container that may hold a tensor,"
                elif k == SELF:
                    what = f"`{ast.unparse(o)[:30]}`, a module of this file (its text prints its layers' values),"
                self.add(
                    "torch_compute",
                    node,
                    f"`{ast.unparse(node).splitlines()[0][:60]}` uses {what} as a Python operand, which computes "
                    "with PyTorch (or reads its values). " + TORCH_HINT,
                )
                return

    def _operands(self, node: ast.AST) -> tuple[list[ast.AST], tuple[str, ...]]:
        """The operands of a Python operator or builtin, and the kinds they may not have: not a tensor, and,
        where a container's items would be read or compared, not a container that may hold one either
        (`min([x, y])`, `float(box)`, f"{box}")."""
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
            # `[x] + [y]` joins lists; `"%g" % (t,)` formats the values
            return [node.left, node.right], HOLDS + (SELF,) if isinstance(node.op, ast.Mod) else (TENSOR,)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            return [node.operand], HOLDS
        if isinstance(node, ast.Compare):
            if all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
                return [], ()
            if all(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
                # `v in t` compares v with a tensor's values, and `t in (0, 1)` t with 0 and 1 (a dict or set
                # looks up keys by hash, a tensor's being its id: `t in cache` reads nothing; `v in [t]` runs aten
                # eq, which the runtime audit refuses)
                hashed = all(isinstance(c, (ast.Dict, ast.Set, ast.DictComp, ast.SetComp)) for c in node.comparators)
                return list(node.comparators) + ([] if hashed else [node.left]), (TENSOR,)
            return [node.left, *node.comparators], HOLDS
        if isinstance(node, ast.AugAssign):
            return [node.target, node.value], (TENSOR,)
        if isinstance(node, ast.Call):
            return self._call_operands(node)
        if isinstance(node, ast.FormattedValue):
            return [node.value], HOLDS + (SELF,)  # f"{t}" prints the values, which Python can parse back
        if isinstance(node, ast.Subscript):  # x[idx] gathers if idx is a tensor; a tensor bound of a slice is read
            index = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            bounds = [b for i in index if isinstance(i, ast.Slice) for b in (i.lower, i.upper, i.step) if b]
            return [i for i in index if not isinstance(i, ast.Slice)] + bounds, HOLDS
        if isinstance(node, (ast.For, ast.comprehension)):
            return [node.iter], (TENSOR,)  # iterating a container binds its items as tensors
        if isinstance(node, ast.Starred):
            return [node.value], (TENSOR,)  # `[*t]`, `f(*t)` iterate a tensor
        return self._truth_tests(node), (TENSOR,)

    def _call_operands(self, node: ast.Call) -> tuple[list[ast.AST], tuple[str, ...]]:
        f = node.func
        given = [*node.args, *(k.value for k in node.keywords)]
        if isinstance(f, ast.Name) and f.id in HOST_BUILTINS:
            if f.id in ("isinstance", "len", "super"):
                return [], ()
            # str/repr/format/print, sorted, min/max/sum, float/int read the values of what they are given; a
            # container of tensors is fine in list()/zip()..., where only `list(t)` iterates a tensor
            reads = f.id not in CONTAINER_BUILTINS or f.id == "sorted"
            # `dict(out=t)` stores t; `list(t)`, `dict(t)` iterate it
            if reads:  # (an instance of the module's classes too: its repr formats its layers' values)
                return given, HOLDS + (SELF,)
            # enumerate(start=t), zip(strict=t) read t; only dict(k=t) stores what its keywords give
            return list(node.args) + ([] if f.id == "dict" else [k.value for k in node.keywords]), (TENSOR,)
        if isinstance(f, ast.Attribute) and f.attr in READ_METHODS:
            # "{}".format(t) prints values; box.count(v) / box.index(v) compare them
            return ([f.value] if f.attr != "format" else []) + given, HOLDS + (SELF,)
        if _int_helper(self.path(f) or ""):
            return given, HOLDS  # math.sqrt(t), triton.cdiv(x=t, y=2): Python arithmetic on a tensor
        return [], ()

    @staticmethod
    def _truth_tests(node: ast.AST) -> list[ast.AST]:
        """Values tested for truth (`if t:`, `not t`, `t and u`, `u if t else v`): a tensor's truth is its value."""
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            return [node.test]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return [node.operand]
        if isinstance(node, ast.BoolOp):
            return list(node.values)
        if isinstance(node, ast.comprehension):
            return list(node.ifs)
        if isinstance(node, ast.match_case) and node.guard is not None:
            return [node.guard]
        if isinstance(node, ast.Match) and any(
            isinstance(p, (ast.MatchValue, ast.MatchSingleton, ast.MatchSequence, ast.MatchMapping, ast.MatchClass))
            for c in node.cases
            for p in ast.walk(c.pattern)
        ):
            return [node.subject]  # `case 0.0:` compares the subject (`==`, then its truth)
        return []
