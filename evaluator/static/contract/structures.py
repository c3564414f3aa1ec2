"""Structures followed part by part: tuples, dicts with string keys, lists of tuples. Kinds are per name, so
`res = (x2, M, K)` makes `res` a container that may hold a tensor, and without these `x2, M, K = res` would make
M and K tensors too. Each is followed only where it cannot have changed since it was built: a display, or a local
only ever bound to one and only read (_frozen)."""

from __future__ import annotations

import ast
import functools

from evaluator.static.contract.syntax import _bound_names, _import_bindings, _param_names


class Structures:
    """Tuples, string-keyed dicts and lists of tuples followed part by part where they cannot change."""

    def _parts(self, e: ast.AST, env: dict[str, str]) -> list[str] | None:
        """The kinds of the parts of the fixed-length sequence `e` always is (None: not known)."""
        if isinstance(e, (ast.Tuple, ast.List)):
            return None if any(isinstance(x, ast.Starred) for x in e.elts) else [self.kind(x, env) for x in e.elts]
        if isinstance(e, ast.Call):
            return self._tuple_call(e, env)
        if isinstance(e, ast.Name) and self._grown(e):
            return None
        return self._frozen_join(e, env, self._parts, list)

    def _items(self, e: ast.AST, env: dict[str, str]) -> list[str] | None:
        """The kinds of the parts of each item of `e`, a sequence of same-length tuples (`[(a, oa, n), ...]`)."""
        if isinstance(e, (ast.Tuple, ast.List)):
            parts = [self._parts(x, env) if isinstance(x, ast.Tuple) else None for x in e.elts]  # immutable items
            return self._join_all(parts, list) if e.elts else None
        if isinstance(e, ast.ListComp):  # `[(x, o, n) for o in outs]`: its targets are bound in env
            return self._parts(e.elt, env) if isinstance(e.elt, ast.Tuple) else None
        if not isinstance(e, ast.Name):
            return None
        fn = self.owner(e)
        grown = [self._parts(t, env) for t in self._grown(e)]
        values = self._frozen(fn).get(e.id, []) if fn is not None else []
        if grown and values and all(isinstance(v, ast.List) and not v.elts for v in values):
            return self._join_all(grown, list) if (fn, e.id) not in self.mutated else None  # `jobs = []` + appends
        start = self._frozen_join(e, env, self._items, list)
        return self._join_all([start, *grown], list) if grown and start is not None else start

    def _keys(self, e: ast.AST, env: dict[str, str]) -> dict[str, str] | None:
        """The kinds of the values of `e`, a dict with string keys, by key."""
        if isinstance(e, ast.Dict):
            if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in e.keys):
                return None  # `**d` (key None) or a computed key
            keyed: dict[str, str] = {}
            for k, v in zip(e.keys, e.values, strict=True):
                keyed[k.value] = self._join(keyed.get(k.value), self.kind(v, env))
            return keyed
        if self._dict_call(e):
            keyed = {}
            for k in e.keywords:
                keyed[k.arg] = self._join(keyed.get(k.arg), self.kind(k.value, env))
            return keyed
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in self.module_fns:
            if len(self.named_fns.get(e.func.id, [])) != 1 or e.func.id in env:
                return None
            return self.dict_returns.get(e.func.id)
        return self._frozen_join(e, env, self._keys, dict)

    def _frozen_join(self, e: ast.AST, env: dict[str, str], of, shape: type):
        """`of` (a structure) of a frozen name: joined over every value bound to it."""
        fn = self.owner(e)
        if not isinstance(e, ast.Name) or fn is None:
            return None
        values = self._frozen(fn).get(e.id)
        if not values or (fn, e.id) in self.mutated:  # a tensor was stored into a part: `p["lst"].append(x)`
            return None
        key = (fn, e.id, of.__name__)
        if key not in self._memo:  # once per pass: `n1 = (n2[0], n2[1])` chains are linear, and cycles end
            self._memo[key] = None
            self._memo[key] = self._join_all([of(v, env) for v in values], shape)
        return self._memo[key]

    def _join_all(self, found: list, shape: type):
        """Per part (a list) or per key (a dict) joins of structures of the same length or keys; None if any is
        unknown or they differ."""
        if not found or any(f is None for f in found):
            return None
        first = found[0]
        if shape is list:
            if any(len(f) != len(first) for f in found):
                return None
            return [functools.reduce(self._join, [f[i] for f in found]) for i in range(len(first))]
        if any(f.keys() != first.keys() for f in found):
            return None
        return {k: functools.reduce(self._join, [f[k] for f in found]) for k in first}

    def _frozen(self, fn: ast.AST) -> dict[str, list[ast.AST]]:
        """fn's locals bound only by `name = <tuple, list or dict display, or a call of this module's function>`
        (each such value listed), and read only where the structure is used, never changed: unpacked
        (`a, b = name`), iterated (`for ... in name`, through enumerate/zip), indexed by a constant, len(), or
        returned. Not a parameter, global, nonlocal or closure; bound by nothing else (a loop, `with ... as`,
        `except ... as`, a walrus, an import, a def). A list handed anywhere else could be changed there."""
        if fn in self._frozen_names:
            return self._frozen_names[fn]
        values: dict[str, list[ast.AST]] = {}
        spoiled: set[str] = self._globals_of(fn) | self._nonlocals_of(fn)
        generator = False
        for node in ast.walk(fn):
            if node is fn:
                spoiled |= _param_names(fn)
                continue
            if isinstance(node, (ast.Yield, ast.YieldFrom)) and self.owner(node) is fn:
                generator = True
            if isinstance(node, ast.Name):
                self._frozen_use(fn, node, values, spoiled)
            else:
                spoiled |= set(_bound_names(node)) | {name for name, _ in _import_bindings(node)}
        if generator:  # a return inside a generator is no value the caller unpacks; reads happen across yields
            spoiled |= set(values)
        for name in [n for (f, n) in self._appends if f is fn]:  # only a list grows
            if not all(isinstance(v, (ast.List, ast.ListComp)) for v in values.get(name, [])):
                spoiled.add(name)
        self._frozen_names[fn] = {k: v for k, v in values.items() if k not in spoiled}
        return self._frozen_names[fn]

    def _frozen_use(self, fn: ast.AST, node: ast.Name, values: dict, spoiled: set) -> None:
        """One use of a name in fn: a binding _frozen follows (into values), an append it follows, or a spoiler."""
        if self.owner(node) is not fn:
            spoiled.add(node.id)  # a closure's read or store, or a nested function's own local
        elif isinstance(node.ctx, ast.Store):
            value = self._frozen_value(node)
            if value is not None:
                values.setdefault(node.id, []).append(value)
            else:
                spoiled.add(node.id)
        elif isinstance(node.ctx, ast.Load):
            appended = self._appended_item(node)
            if appended is not None:
                self._appends.setdefault((fn, node.id), []).append(appended)
            elif not self._frozen_read(node, allow_return=True):
                spoiled.add(node.id)
        else:  # del
            spoiled.add(node.id)

    def _frozen_value(self, node: ast.Name) -> ast.AST | None:
        """The value of `node = <tuple, list or dict display, list comprehension, dict(k=v), own function's call>`."""
        parent = self.parents.get(node)
        if not (isinstance(parent, ast.Assign) and parent.targets == [node]):
            return None
        v = parent.value
        if isinstance(v, (ast.Tuple, ast.List, ast.Dict, ast.ListComp)) or self._dict_call(v):
            return v
        return v if isinstance(v, ast.Call) and self._module_call(v) else None

    def _appended_item(self, node: ast.Name) -> ast.Tuple | None:
        """`jobs.append((a, out, n))` as a statement: the tuple display it appends (a list of jobs grows)."""
        attr = self.parents.get(node)
        call = self.parents.get(attr)
        if not (isinstance(attr, ast.Attribute) and attr.attr == "append" and isinstance(call, ast.Call)):
            return None
        if (
            call.func is not attr
            or call.keywords
            or len(call.args) != 1
            or not isinstance(self.parents.get(call), ast.Expr)
        ):
            return None
        item = call.args[0]
        if isinstance(item, ast.Tuple) and not any(isinstance(x, ast.Starred) for x in item.elts):
            return item
        return None

    def _grown(self, e: ast.Name) -> list[ast.Tuple]:
        """The tuples appended to a frozen list (`jobs.append((a, out, n))`), in e's function."""
        fn = self.owner(e)
        if fn is None or e.id not in self._frozen(fn):
            return []
        return self._appends.get((fn, e.id), [])

    def _dict_call(self, e: ast.AST) -> bool:
        """`dict(out=..., n=...)`: a dict with string keys, by the builtin."""
        return (
            isinstance(e, ast.Call)
            and isinstance(e.func, ast.Name)
            and e.func.id == "dict"
            and "dict" not in self.bound
            and not e.args
            and all(k.arg is not None for k in e.keywords)
        )

    def _module_call(self, call: ast.Call) -> bool:
        """A call of a function of this module by name (what it returns is followed: tuple_returns, dict_returns)."""
        f = call.func
        return isinstance(f, ast.Name) and f.id in self.module_fns and f.id not in self.classes

    def _frozen_read(self, node: ast.Name, allow_return: bool) -> bool:
        """Whether this read of a name only takes its structure apart (see _frozen)."""
        parent = self.parents.get(node)
        if isinstance(parent, ast.Assign) and parent.value is node:
            return all(isinstance(t, (ast.Tuple, ast.List)) for t in parent.targets)
        if isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is node:
            return True
        if isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.ctx, ast.Load):
            return isinstance(parent.slice, ast.Constant) and isinstance(parent.slice.value, (int, str))
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and node in parent.args:
            if parent.func.id == "len" and parent.func.id not in self.bound:
                return True
            grand = self.parents.get(parent)
            return (
                parent.func.id in ("enumerate", "zip")
                and parent.func.id not in self.bound
                and isinstance(grand, (ast.For, ast.comprehension))
                and grand.iter is parent
            )
        return allow_return and isinstance(parent, ast.Return)
