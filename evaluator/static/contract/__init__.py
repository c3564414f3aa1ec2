"""The host-code contract: an allow-list of what a candidate's Python may import, name and call,
checked on the AST before anything runs. evaluator.static.bans names the known-bad constructs with a
specific reason; this module is the mechanism behind them: whatever is not listed here is refused,
so a trick nobody has thought of yet (a module reached through `typing.sys`, `reduce(getattr, ...)`
over a rot13 string, `.tolist()` arithmetic, torch in a `do_bench`) is refused too.

    from evaluator.static.contract import check_contract, regions, CONTRACT
    for f in check_contract(ast.parse(code), kernels={"my_kernel"}):
        print(f.rule, f.line, f.message)

The package, by concern (each module's docstring says more):
- allowlist: the modules, names, builtins and tensor methods a candidate may use, and contract_lines (the
  prompt's statement of them);
- syntax: facts read off the AST alone (what a statement binds or stores into);
- region: which functions are device, init or host code;
- inference, places, structures, kinds: which host expressions may hold a tensor (a fixpoint over the
  module; places and what shares their object; tuples and dicts followed part by part; an expression's kind);
- definitions, device, calls, operands: the rules, each a mixin of checker._Contract, which builds the facts once
  (device: what a jit body may hold, name and call).

Code is split into regions, because the same call is legal in one and not in another:
- device: the bodies of @triton.jit / @gluon.jit functions. Only Triton: `tl`/`gl`/triton.language
  names, other jit functions, the kernel's own values, module constants and a few builtins
  (range, min, max, ...). Under TRITON_INTERPRET=1 a jit body is plain Python that could call torch;
  on a GPU it could not compile, so the contract makes both the same.
- init: `__init__` methods and the helpers only they call. Weight preprocessing with PyTorch is legal
  there (the weights are known before any input is, so nothing of the result can be computed): any
  tensor method and torch compute function may be called; a lambda or nested def written there is
  host code, because it runs later.
- host: everything else (forward, other methods, helpers, grid callables, heuristics, module-level
  code). PyTorch may only allocate, view, copy and describe tensors (the *_METHODS sets below); Python
  may do arithmetic on sizes; tensors are never operands of Python operators or builtins.

Everywhere: only the modules in ALLOWED_MODULES and their listed names, only the builtins in
HOST_BUILTINS, no module used as a value (`t = torch`, `reduce(getattr, names, typing)`, any module: each
holds the modules it imported), no dunder attribute, a private attribute only on self (or in a @gluon.jit
body), no call of a value whose code the gate cannot see (nor of an expression, nor through a decorator or
metaclass that is not a name), nothing run at import time.
"""

from evaluator.static.contract.allowlist import (
    ALLOWED_MODULES,
    AUTOTUNE_KWARGS,
    CONFIG_KWARGS,
    CONTRACT,
    GLUON_DECORATORS,
    HOST_BUILTINS,
    TENSOR_METHODS,
    _modules_along,
    contract_lines,
    foreign_object,
    is_module,
    module_leak,
    module_reason,
    name_reason,
)
from evaluator.static.contract.checker import check_contract, regions
from evaluator.static.contract.region import DEVICE, HOST, INIT

__all__ = [
    "ALLOWED_MODULES",
    "AUTOTUNE_KWARGS",
    "CONFIG_KWARGS",
    "CONTRACT",
    "DEVICE",
    "GLUON_DECORATORS",
    "HOST",
    "HOST_BUILTINS",
    "INIT",
    "TENSOR_METHODS",
    "_modules_along",
    "check_contract",
    "contract_lines",
    "foreign_object",
    "is_module",
    "module_leak",
    "module_reason",
    "name_reason",
    "regions",
]
