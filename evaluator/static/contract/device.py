"""Device code: what a @triton.jit (or @gluon.jit) body may hold, name and call. Triton compiles none of what these
rules refuse, and under TRITON_INTERPRET=1 the interpreter would run it as plain Python, so the contract judges a
kernel the same on a CPU and a GPU:
- statements: no global or nonlocal declaration, lambda, nested def or class, item or attribute store;
- names: a module-level name is a jit function or a constant (a number, a string, tl.constexpr(...), a Triton
  dtype), and so is a parameter's default;
- calls: Triton's functions, jit functions, and the methods of Triton's and Gluon's value classes;
- parameters: what a launch passed (and a jit helper it is handed to) is never read as a Python container.
"""

from __future__ import annotations

import ast

from evaluator.shared.rules import CONTRACT_HINT
from evaluator.static.contract.allowlist import device_methods, interpreter_names
from evaluator.static.contract.region import DEVICE
from evaluator.static.contract.syntax import _bound_names, _import_bindings, _single_value

# what a @triton.jit body may not hold (Device._device_statements)
DEVICE_REFUSED = {
    ast.Global: "a global declaration",
    ast.Nonlocal: "a nonlocal declaration",
    ast.Lambda: "a lambda",
    ast.FunctionDef: "a nested def",
    ast.AsyncFunctionDef: "a nested def",
    ast.ClassDef: "a class",
}


class Device:
    """The jit-body rules, a mixin of checker._Contract."""

    def _device_statements(self) -> None:
        """A @triton.jit (or @gluon.jit) body holds none of what Triton cannot compile and the interpreter would run
        as Python: a global or nonlocal declaration, a lambda, a nested def or class, a store into an item or an
        attribute (Triton's values are immutable). Under TRITON_INTERPRET=1 each would hand Python code or a value
        from the kernel to the host (`global g; g = lambda v: v * 2`), or compute on a container a launch passed."""
        for node in ast.walk(self.tree):
            if self.region_of(node) != DEVICE or self.owner(node) is None:  # (a kernel's own def)
                continue
            found = next((w for t, w in DEVICE_REFUSED.items() if isinstance(node, t)), None)
            stored = isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del))
            if found is None and not stored:
                continue
            self.add(
                "dynamic_access",
                node,
                f"`{ast.unparse(node).splitlines()[0][:50]}`: {found or 'a store into an item or attribute'} inside "
                "a @triton.jit body, which Triton does not compile and the interpreter runs as Python. "
                + CONTRACT_HINT,
            )

    def _device_parameters(self) -> None:
        """A launched kernel's parameter that is no constexpr is a pointer, a number or a descriptor (Triton converts
        what a launch passes), and so is a jit helper's parameter such a parameter is handed to: a jit body never
        subscripts, iterates, unpacks or stars one, nor hands one to len, tuple, min or max. Under
        TRITON_INTERPRET=1 a Python list a launch passed arrives unconverted, and `box[0]` is the torch tensor it
        holds."""
        for fn in (f for f in self.module_fns.values() if self.region.get(f) == DEVICE):
            for d in [*fn.args.defaults, *(d for d in fn.args.kw_defaults if d is not None)]:
                if not self._device_constant(d):  # `def k(n, box=BOX)`: the interpreter fills in the list itself
                    self.add(
                        "jit_body",
                        d,
                        f"`{ast.unparse(d)[:40]}`: a jit parameter's default is a constant (a number, a string, "
                        "tl.constexpr(...), a Triton dtype). " + CONTRACT_HINT,
                    )
        for fn, names in self._launched_parameters().items():
            for node in ast.walk(fn):
                if not (isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load)):
                    continue
                if self._home(node) is not fn or not self._container_use(node):
                    continue
                self.add(
                    "jit_body",
                    node,
                    f"`{ast.unparse(self.parents[node])[:50]}` treats the kernel argument `{node.id}` as a Python "
                    "container; a launch passes pointers, numbers and descriptors (a tuple only as tl.constexpr). "
                    + CONTRACT_HINT,
                )

    def _launched_parameters(self) -> dict[ast.AST, set[str]]:
        """For each jit function, the parameters that hold what a launch passed as it was passed: a launched
        kernel's non-constexpr ones, and a jit helper's that one of those is handed to (by position or keyword)."""
        launched = {
            n.value.id
            for n in ast.walk(self.tree)
            if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Load) and self._is_launch(n)
        }
        found: dict[ast.AST, set[str]] = {}
        todo = []
        for name in launched:
            fn = self.module_fns.get(name)
            if fn is not None and self.region.get(fn) == DEVICE:
                args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
                found[fn] = {a.arg for a in args if not (a.annotation and "constexpr" in ast.unparse(a.annotation))}
                todo.append(fn)
        while todo:
            fn = todo.pop()
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)):
                callee = self.module_fns.get(call.func.id)
                if callee is None or self.region.get(callee) != DEVICE:
                    continue
                params = [a.arg for a in callee.args.posonlyargs + callee.args.args]
                given = list(zip(params, call.args)) + [(k.arg, k.value) for k in call.keywords]
                new = {p for p, a in given if isinstance(a, ast.Name) and a.id in found[fn]} - found.get(callee, set())
                if new:
                    found.setdefault(callee, set()).update(new)
                    todo.append(callee)
        return found

    def _container_use(self, node: ast.Name) -> bool:
        """`box[0]`, `for t in box`, `[*box]`, `a, b = box`, `len(box)`: the name read as a container."""
        p = self.parents.get(node)
        if isinstance(p, ast.Subscript) and p.value is node or isinstance(p, ast.Starred):
            return True
        if isinstance(p, (ast.For, ast.comprehension)) and p.iter is node:
            return True
        if (
            isinstance(p, ast.Assign)
            and p.value is node
            and any(isinstance(t, (ast.Tuple, ast.List)) for t in p.targets)
        ):
            return True
        # len(box), tuple(box), min(box) iterate it (min(a, b) and range(n) take numbers)
        builtin = isinstance(p, ast.Call) and isinstance(p.func, ast.Name) and p.func.id not in self.bound
        iterating = builtin and (p.func.id in ("len", "tuple") or p.func.id in ("min", "max") and len(p.args) == 1)
        return iterating and node in p.args

    def _device_name(self, node: ast.Name) -> None:
        """Inside a jit body a module-level name must be Triton: a jit function or a constant."""
        name = node.id
        fn = self.owner(node)
        local = fn is not None and any(
            (isinstance(n, ast.arg) and n.arg == name)
            or (isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store))
            for n in ast.walk(fn)
        )
        if local or name in self.kernels or name in self.aliases:
            return
        if name in self.module_fns or name in self.classes:
            self.add(
                "jit_body",
                node,
                f"`{name}` is plain Python called from a @triton.jit body; only Triton runs there "
                f"(make it @triton.jit, or compute it in the launcher and pass it in). " + CONTRACT_HINT,
            )
        elif self._bindings(None, name) and not self._device_constant(node):
            self.add(
                "jit_body",
                node,
                f"`{name}` is a module-level object a @triton.jit body reads; there only constants (numbers, "
                "strings, tl.constexpr(...), Triton dtypes) and jit functions are read: the interpreter would run "
                "Python on any other object (`BOX.append(...)`). Pass values as kernel arguments. " + CONTRACT_HINT,
            )

    def _device_constant(self, e: ast.AST | None, depth: int = 0) -> bool:
        """A value a jit body may read from its module: a number, string, bool or None (`_scalar`), a Triton
        name (tl.float32) or constexpr of one (`tl.constexpr(128)`), a jit function, or a module-level name every
        binding of which is one of those."""
        if e is None or depth > 8:
            return False
        path = self.path(e.func if isinstance(e, ast.Call) else e) or ""
        if path.startswith("triton."):
            return not isinstance(e, ast.Call) or all(self._device_constant(a, depth + 1) for a in e.args)
        if isinstance(e, ast.Name) and (self.owner(e) is None or e.id not in self.env(e)):  # a module-level name
            if e.id in self.kernels:
                return True
            bindings = self._bindings(None, e.id)
            values = [self._module_value(b) for b in bindings]
            return bool(values) and all(v is not None and self._device_constant(v, depth + 1) for v in values)
        return self._scalar(e)

    def _module_value(self, b: ast.AST | None) -> ast.AST | None:
        """The value a module-level `NAME = value` (or `NAME: T = value`) binds; None for any other binding."""
        parent = self.parents.get(b)
        return _single_value(parent, b, annotated=True) if parent is not None and self.owner(parent) is None else None

    def _device_call(self, node: ast.Call) -> None:
        f = node.func
        if isinstance(f, ast.Name) and f.id not in self.kernels and f.id in self.module_fns:
            return  # reported by _device_name
        path = self.path(f)
        if path and path.split(".")[0] not in ("triton",):
            self.add(
                "jit_body",
                node,
                f"`{ast.unparse(f)}(...)` inside a @triton.jit body is not Triton; use tl / gl functions. "
                + CONTRACT_HINT,
            )
        elif path is None and isinstance(f, ast.Attribute) and f.attr not in device_methods():
            self.add(
                "jit_body",
                node,
                f"`.{f.attr}(...)` inside a @triton.jit body is no method of a Triton value (a tensor, tuple, "
                "descriptor or shared memory); the interpreter would run it as Python. " + CONTRACT_HINT,
            )

    def _interpreter_bindings(self) -> None:
        """No name the interpreter writes into a kernel's rewritten code (allowlist.interpreter_names) is bound here:
        that code looks it up in this module's globals first (`class interpreter_semantic:` would run its
        `to_tensor` on every value a kernel assigns)."""
        for node in ast.walk(self.tree):
            bound = _bound_names(node) + [name for name, _ in _import_bindings(node)]
            for name in sorted(set(bound) & interpreter_names()):
                self.add(
                    "jit_body",
                    node,
                    f"`{name}` is a name Triton's interpreter writes into every kernel's code; bind nothing under it. "
                    + CONTRACT_HINT,
                )
