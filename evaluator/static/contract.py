"""The host-code contract: an allow-list of what a candidate's Python may import, name and call,
checked on the AST before anything runs. evaluator.static.bans names the known-bad constructs with a
specific reason; this module is the mechanism behind them: whatever is not listed here is refused,
so a trick nobody has thought of yet (a module reached through `typing.sys`, `reduce(getattr, ...)`
over a rot13 string, `.tolist()` arithmetic, torch in a `do_bench`) is refused too.

    from evaluator.static.contract import check_contract, regions, CONTRACT
    for f in check_contract(ast.parse(code), kernels={"my_kernel"}):
        print(f.rule, f.line, f.message)

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

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import inspect
import math
import types

from evaluator.shared.rules import CONTRACT_HINT, TORCH_HINT
from evaluator.static.finding import Finding

# -- modules and the names a candidate may use from each ------------------------------------------------
# torch: evaluator.static.bans.torch_reason is already an allow-list (ALLOWED_TORCH & co) with specific
# messages; this module adds only the region rules for torch. Every other module's names are listed here.
TORCH_MODULES = ("torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.cuda")
TRITON_OPEN = (  # every public name: Triton device code, dtypes, layouts (only meaningful to kernels)
    "triton.language",
    "triton.experimental.gluon.language",
)
TRITON_MODULES = (
    "triton",
    "triton.language",
    "triton.language.extra",
    "triton.language.extra.libdevice",
    "triton.language.extra.cuda",
    "triton.language.extra.cuda.libdevice",
    "triton.experimental",
    "triton.experimental.gluon",
    "triton.experimental.gluon.language",
    "triton.experimental.gluon.language.nvidia",
    "triton.experimental.gluon.language.nvidia.ampere",
    "triton.experimental.gluon.language.nvidia.hopper",
    "triton.experimental.gluon.language.nvidia.blackwell",
    "triton.experimental.gluon.nvidia",
    "triton.experimental.gluon.nvidia.hopper",
    "triton.experimental.gluon.nvidia.blackwell",
    "triton.tools",
    "triton.tools.tensor_descriptor",
)
TRITON_NAMES = {
    # decorators, configs and the two host-side integer helpers; no triton.testing (do_bench), no
    # triton.runtime / compiler / knobs (they reach the driver, the cache and the launch machinery)
    "triton": {"jit", "autotune", "heuristics", "Config", "cdiv", "next_power_of_2", "constexpr", "__version__"},
    "triton.experimental.gluon": {"jit", "constexpr"},
    "triton.tools.tensor_descriptor": {"TensorDescriptor"},
    "triton.experimental.gluon.nvidia.hopper": {"TensorDescriptor"},
    "triton.experimental.gluon.nvidia.blackwell": {"TensorDescriptor"},
}
PURE_MODULES = {
    # math: float functions for init and sizes (math.sqrt(5) in kaiming init, math.ceil); no module refs.
    "math": {n for n in dir(math) if not n.startswith("_")},
    # typing: annotations only. Not typing.sys / typing.collections (modules), not get_type_hints or
    # ForwardRef (they evaluate strings).
    "typing": {
        "Any",
        "Callable",
        "Dict",
        "List",
        "Optional",
        "Sequence",
        "Tuple",
        "Union",
        "Iterable",
        "Mapping",
        "TYPE_CHECKING",
        "cast",
        "Literal",
        "Final",
        "ClassVar",
    },  # fmt: skip
    # itertools.product builds autotune config lists; nothing else is needed for a kernel module.
    "itertools": {"product"},
    "__future__": {"annotations"},
}
ALLOWED_MODULES = set(TORCH_MODULES) | set(TRITON_MODULES) | set(PURE_MODULES)
OPEN_PREFIXES = ("triton.language", "triton.experimental.gluon.language")
GLUON_DECORATORS = frozenset({"gluon.jit", "triton.experimental.gluon.jit"})  # evaluator.static.GLUON_JIT

# -- builtins ----------------------------------------------------------------------------------------
# No getattr/setattr/hasattr/vars/globals/locals/dir/eval/exec/compile/__import__/open/type/id/map/
# filter/iter/next: dynamic access, hidden code or callables the gate cannot follow.
HOST_BUILTINS = {
    "range", "len", "min", "max", "abs", "int", "float", "bool", "str", "tuple", "list", "dict", "set",
    "frozenset", "enumerate", "zip", "isinstance", "super", "print", "round", "divmod", "sorted", "reversed",
    "any", "all", "sum", "pow", "slice", "repr", "format", "object", "property", "staticmethod",
    "classmethod", "True", "False", "None", "NotImplemented", "Ellipsis",
    "Exception", "ValueError", "RuntimeError", "TypeError", "AssertionError", "NotImplementedError",
    "ImportError", "KeyError", "IndexError",
}  # fmt: skip
DEVICE_BUILTINS = {"range", "len", "min", "max", "abs", "int", "float", "bool", "isinstance", "print", "tuple"}
ALLOWED_DUNDERS = {"__init__", "__version__", "__name__"}  # super().__init__(), torch.__version__

# -- what host code may do with a tensor --------------------------------------------------------------
TENSOR_ALLOC = {
    "empty", "empty_like", "empty_strided", "zeros", "zeros_like", "ones", "ones_like", "full",
    "full_like", "arange", "tensor", "as_tensor", "rand", "randn", "randint", "rand_like", "randn_like",
}  # fmt: skip
META_METHODS = {  # describe a tensor: return Python values, never read its data
    "stride", "size", "dim", "numel", "nelement", "element_size", "is_contiguous", "data_ptr",
    "get_device", "is_floating_point", "is_complex", "storage_offset", "ndimension",
}  # fmt: skip
TENSOR_METHODS = META_METHODS | {
    # allocate
    "new_empty", "new_zeros", "new_ones", "new_full", "new_empty_strided",
    # views and layout
    "view", "view_as", "reshape", "reshape_as", "permute", "contiguous", "transpose", "t", "unsqueeze",
    "squeeze", "expand", "expand_as", "as_strided", "flatten", "unflatten", "narrow", "select", "movedim",
    "split", "chunk", "unbind",
    # copies and conversions (elementwise copies with a cast, no arithmetic)
    "to", "float", "half", "bfloat16", "double", "int", "long", "clone", "copy_", "detach", "cpu", "cuda",
    "type", "requires_grad_", "fill_", "zero_",
}  # fmt: skip
META_ATTRS = {"shape", "dtype", "device", "ndim", "is_cuda", "layout", "requires_grad", "itemsize", "is_leaf"}
PY_METHODS = {  # lists, dicts, sets and strings built in host code (config lists, caches of sizes)
    "append", "extend", "insert", "pop", "get", "items", "keys", "values", "update", "setdefault",
    "join", "format", "startswith", "endswith", "strip", "lower", "upper", "replace", "index", "count",
    "add", "sort", "copy",
}  # fmt: skip
READS = {"item", "tolist", "numpy", "__array__", "untyped_storage", "storage"}  # tensor data into Python
AMBIGUOUS = {"add", "sort"}  # set.add / list.sort, but torch.Tensor.add / .sort compute: only on known containers
AUTOTUNE_KWARGS = {"configs", "key", "reset_to_zero", "restore_value", "warmup", "rep", "cache_results"}
CONFIG_KWARGS = {"num_warps", "num_stages", "num_ctas", "maxnreg", "kwargs"}

HOST, INIT, DEVICE = "host", "init", "device"
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
# builtins that build a container from their arguments' elements (no element read): the result holds what they hold
SHARING_METHODS = {"get", "pop", "setdefault", "copy", "values", "items", "popitem"}  # give back (shared) items
CONTAINER_BUILTINS = {"list", "tuple", "set", "frozenset", "dict", "sorted", "reversed", "enumerate", "zip"}
# methods that change a container in place: an argument holding a tensor makes the receiver hold one
MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault"}
# the PyTorch classes a candidate's class may subclass (a layer's subclass would keep the layer's forward)
CLASS_BASES = {"torch.nn.Module", "torch.nn.modules.module.Module", "torch.autograd.Function"}
# methods that read the values of their receiver's items or of their arguments
READ_METHODS = {"format", "count", "index", "join"}  # `"".join(e.args)`: the strings a library formatted a tensor into
# torch functions whose first argument is a tensor taken as data, not read into Python (besides *_like)
DATA_FIRST = {"tensor", "as_tensor", "pad", "is_tensor", "is_floating_point", "Parameter", "Buffer"}
DESCRIPTORS = {"from_tensor", "TensorDescriptor"}  # Triton's tensor descriptors: the tensor described, then its box
# Python container methods: the argument positions that store an object (a tensor there is kept, not read); a
# tensor anywhere else is an index, a count or a flag, read through its __index__ (`lst.pop(t)`, `s.replace(a, b, t)`)
STORES = {"append": {0}, "add": {0}, "insert": {1}, "setdefault": {0, 1}, "get": {0, 1}, "pop": {1}}
KEYWORD_STORES = {"update"}  # d.update(w=t) stores t
# Tensor methods whose arguments may be tensors without their values being read (x.view_as(y), out.copy_(y),
# x.to(y): y's layout, dtype or data on the device); every other argument of an allowed torch call is a size, a
# dim or a value, which a tensor would give by reading its data (`torch.empty(t)`, `x.reshape(t, -1)`)
TENSOR_ARG_METHODS = {"view_as", "reshape_as", "expand_as", "copy_", "to", "type", "fill_"}
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
MAX_PASSES = 12  # inference passes before giving up on a fixpoint (candidates reach it in 2-5)


def module_reason(module: str) -> str | None:
    """Why `import module` breaks the contract (None: allowed)."""
    if module in ALLOWED_MODULES:
        return None
    return (
        "a kernel module may import only "
        + ", ".join(sorted(ALLOWED_MODULES - {"__future__"} - set(TRITON_MODULES)))
        + ", triton and its language modules (triton.language, triton.language.extra.libdevice, "
        "triton.experimental.gluon and gluon.language.nvidia.*, triton.tools.tensor_descriptor)"
    )


def name_reason(path: str) -> str | None:
    """Why a dotted name from a non-torch module breaks the contract (None: allowed). Torch names are
    judged by evaluator.static.bans.torch_reason."""
    parts = path.split(".")
    if parts[0] == "torch":
        return None
    # the longest allowed module the path starts with
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        if module in ALLOWED_MODULES:
            break
    else:
        return f"`{path}` is not from a module the contract allows"
    rest = parts[i:]
    if not rest:
        return None
    if any(p.startswith("_") and p not in ALLOWED_DUNDERS for p in rest):
        return f"`{path}` reaches a private name of {module}"
    if (
        module in TRITON_OPEN
        or module.startswith("triton.language.extra")
        or module.startswith("triton.experimental.gluon.language")
    ):
        return None  # every public name, but no module beyond the list: module_leak
    allowed = TRITON_NAMES.get(module, PURE_MODULES.get(module, set()))
    if rest[0] in allowed and (len(rest) == 1 or rest[1:] == ["from_tensor"]):  # TensorDescriptor.from_tensor
        return None
    if module == "triton" and rest[0] in ("language", "experimental", "tools"):
        return None
    return f"`{path}` is not in the host-code contract ({module} allows {', '.join(sorted(allowed)) or 'no names'})"


@functools.lru_cache(maxsize=4096)
def module_leak(path: str) -> str | None:
    """Why a dotted name reaches a module the contract does not list, through one it does: triton.language
    imports builtins, inspect, typing and triton.knobs (`tl.core.builtins.getattr`), torch.nn.init imports
    warnings and torch. The trusted side walks the path in the real modules, only while each step is a
    module (module attributes run no candidate code), and names the first module beyond the list."""
    parts = path.split(".")
    for i, obj in enumerate(_modules_along(path)[1:], 2):
        name = obj.__name__
        # a submodule reached by its own name (torch.nn.init, tl.math) is fine; a module another one merely
        # imported (torch.nn.init.torch, tl.core.builtins, typing.sys) is an alias around the name checks
        if name != ".".join(parts[:i]) and not name.startswith(OPEN_PREFIXES):
            return (
                f"`{'.'.join(parts[:i])}` is the module {name}, reached through another module's imports; "
                "the contract allows a module only by its own name"
            )
    return None


# Where an object named in an open namespace may come from: Triton's language itself (functions, classes, dtypes,
# layouts, jit helpers). triton.language's modules also import other things under public names (sys.modules as
# `tl.extra.modules`, importlib's loader as `tl.extra.spec.loader`, contextlib's contextmanager as
# `tl.core.contextmanager`, the runtime's driver as `tl.target_info.driver`): those are not Triton's language.
LANGUAGE_ORIGINS = ("triton.language", "triton.experimental.gluon")
CONSTANTS = (int, float, bool, str, complex, type(None))


@functools.lru_cache(maxsize=4096)
def foreign_object(path: str) -> str | None:
    """Why a dotted name in an open namespace (tl.*, gl.*) is an object from outside Triton's language, found in the
    real modules: each step past the modules is read with inspect.getattr_static (no descriptor, no candidate code
    runs), and every object on the way must be defined in Triton's language modules or be a plain constant."""
    modules = _modules_along(path)
    if not modules or not modules[-1].__name__.startswith(OPEN_PREFIXES):
        return None
    parts = path.split(".")
    obj = modules[-1]
    for i in range(len(modules), len(parts)):
        try:
            obj = inspect.getattr_static(obj, parts[i])
        except AttributeError:
            return None  # no such name here (a device-time attribute, or the compile gate's to report)
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if isinstance(obj, CONSTANTS) or isinstance(obj, types.ModuleType):
            continue
        origin = _origin(obj)
        if not origin.startswith(LANGUAGE_ORIGINS):
            return (
                f"`{'.'.join(parts[: i + 1])}` is {type(obj).__name__} from {origin}, imported into Triton's "
                "language module; the contract allows only Triton's own names there"
            )
    return None


def _origin(obj: object) -> str:
    """The module that defines obj: a function's or class's own; for a jit function (triton.runtime's JITFunction,
    or the interpreter's InterpretedFunction under TRITON_INTERPRET=1) the function it wraps; else its type's."""
    if type(obj).__module__.startswith("triton.runtime"):
        inner = inspect.getattr_static(obj, "fn", None)
        if callable(inner):
            obj = inner
    origin = getattr(obj, "__module__", None) if isinstance(obj, type) or callable(obj) else None
    return origin if isinstance(origin, str) else type(obj).__module__


def is_module(path: str) -> bool:
    """Whether a dotted name is a module object in the real modules: any module used as a value is refused, not
    only the listed ones, since every module holds the modules it imported (`torch.nn.parameter.torch`,
    `T.builtins.exec` once `T = torch.nn.parameter`)."""
    return len(_modules_along(path)) == path.count(".") + 1


@functools.lru_cache(maxsize=4096)
def _modules_along(path: str) -> tuple[types.ModuleType, ...]:
    """The modules a dotted name steps through, from its first part, up to the first step that is not a module
    (a function, class or constant, or no such name: the compile gate says so); () if the first is not
    installed (the candidate fails to import, not here). Module attributes run no candidate code."""
    parts = path.split(".")
    try:
        found = [importlib.import_module(parts[0])]
    except Exception:  # noqa: BLE001 - not installed
        return ()
    for i, part in enumerate(parts[1:], 2):
        obj = getattr(found[-1], part, None)
        if obj is None and ".".join(parts[:i]) in ALLOWED_MODULES:  # a listed submodule not imported yet
            obj = importlib.import_module(".".join(parts[:i]))  # (triton.experimental.gluon): a library's own code
        if not isinstance(obj, types.ModuleType):
            break
        found.append(obj)
    return tuple(found)


def _decorators(fn: ast.AST) -> list[ast.AST]:
    return getattr(fn, "decorator_list", [])


def _is_static(fn: ast.AST) -> bool:
    return any(ast.unparse(d) == "staticmethod" for d in _decorators(fn))


class _Contract:
    def __init__(self, tree: ast.Module, kernels: set[str], inputs: tuple[bool, ...] | None = None):
        self.tree = tree
        self.kernels = kernels
        self.inputs = inputs  # forward's positional inputs as the harness fills them: True where one may be a tensor
        self.found: list[Finding] = []
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.aliases: dict[str, str] = {  # local name -> dotted path (imports; relative ones are refused anyway)
            name: path
            for node in ast.walk(tree)
            if not (isinstance(node, ast.ImportFrom) and node.level)
            for name, path in _import_bindings(node)
        }
        self.module_fns = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        self.methods = {
            f.name
            for c in self.classes.values()
            for f in c.body
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.defined: set[str] = set()  # names bound to code the gate sees: defs, lambdas, classes, imports
        self.bound: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defined.add(node.name)
                self.bound.add(node.name)
            elif isinstance(node, ast.arg):
                self.bound.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self.bound.add(node.id)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                self.defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.defined |= set(self.aliases)
        self.bound |= set(self.aliases)
        self.region = self._regions()
        self.kinds: dict[ast.AST, dict[str, str]] = {}  # function node -> {name: kind}
        self.self_kinds: dict[str, str] = {}
        self.returns: dict[str, str] = {}  # function name (module function, method, nested def, lambda) -> kind
        self.tuple_returns: dict[str, list[str] | None] = {}  # name -> each part's kind where it returns tuples
        self.dict_returns: dict[str, dict[str, str] | None] = {}  # name -> each key's kind where it returns dicts
        self._frozen_names: dict[ast.AST, dict[str, list[ast.AST]]] = {}
        self._local_names: dict[ast.AST, set[str]] = {}
        self._declared: dict[ast.AST, tuple[set[str], set[str]]] = {}
        self._class_names: set[str] | None = None
        self._assigned_values: dict[tuple, list[ast.AST]] = {}
        self._appends: dict[tuple, list[ast.Tuple]] = {}  # (function, frozen list) -> the tuples appended to it
        # every kind each place was ever bound to (assignments, call sites): a store into a place only ever bound to
        # tensors (`w2[:n] = w`) copies data and makes nothing hold a tensor
        self.bound_kinds: dict[tuple, set[str]] = {}  # as the last pass found them (read)
        self._bound_now: dict[tuple, set[str]] = {}  # as this pass finds them (written; kinds of pass 1 are partial)
        self.caught = {n.name for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler) and n.name}
        self.kernel_defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in kernels}
        self.self_values: dict[str, list[ast.AST]] = {}  # self.<attr> -> every value assigned to it (layers' classes)
        for n in ast.walk(tree):
            if isinstance(n, ast.Assign):
                for t in n.targets:
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        self.self_values.setdefault(t.attr, []).append(n.value)
        self.self_set, self.stored_elsewhere = _stored_attributes(tree)
        self._memo: dict[tuple, object] = {}  # _frozen_join's structures, for one inference pass
        self._held: set[tuple] = set()  # places _holds has marked in this pass
        # Mutation is followed through names that share an object: `a = box` (or `for a in boxes`) makes a store
        # into a reach box and the other way round; a parameter a function stores a tensor into makes each call's
        # argument hold one. (function, name) -> the expressions it shares an object with.
        self.shares: dict[tuple[ast.AST | None, str], list[ast.AST]] = {}
        self.holds_params: dict[ast.AST, set[str]] = {}  # function -> its parameters it stores a tensor into
        self.mutated: set[tuple[ast.AST | None, str]] = set()  # locals a tensor was stored into (_frozen's check)
        self.params: dict[ast.AST, dict[str, str]] = {}  # function node -> {parameter: kind at its call sites}
        self.global_kinds: dict[str, str] = {}  # module-level names, and what functions store into them
        self.raises_tensor = False  # an exception built from a tensor: `except ... as e` then holds one
        self.named_fns = self._named_functions()
        self.meta_fns, self.meta_keys = self._meta()
        self._returned: dict[ast.AST, list[ast.AST]] = {}
        self._returned_table()
        self._infer()

    def _named_functions(self) -> dict[str, list[ast.AST]]:
        """Every def by its name, and every lambda assigned to a name (a call by that name may run any of them)."""
        named: dict[str, list[ast.AST]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                named.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        named.setdefault(t.id, []).append(node.value)
                    elif isinstance(t, ast.Attribute):  # `self.prep = lambda v: ...`, called as self.prep(x)
                        named.setdefault(t.attr, []).append(node.value)
        return named

    # -- regions -------------------------------------------------------------------------------
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
        host_roots = [f for f in fns if f not in inits and f not in self.module_fns.values()]
        host = self._reach(host_roots) | as_value | {n for n in self.module_fns if n not in self._reach(inits)}
        host |= self._reach([self.module_fns[n] for n in host if n not in self.kernels])
        for f in fns:
            name = getattr(f, "name", None)
            if f in inits or (self.owner(f) is None and name in self.module_fns and name not in host):
                region[f] = INIT
            else:
                region[f] = HOST
        return region

    def _init_roots(self, fns: list[ast.AST]) -> list[ast.AST]:
        """The __init__ methods that see only weights: ModelNew's (the evaluator builds it from the problem's
        init inputs) and those of the classes that only such code builds (a helper nn.Module made in
        ModelNew.__init__). A class built anywhere else (forward, a helper it calls, module level) may be
        handed the inputs, so its __init__ is host code, as is every class nothing builds."""

        def init_of(cls: str) -> list[ast.AST]:
            body = self.classes[cls].body
            return [f for f in body if isinstance(f, ast.FunctionDef) and f.name == "__init__" and f in fns]

        def built_by(roots: list[ast.AST]) -> set[str]:
            callers = roots + [self.module_fns[n] for n in self._reach(roots)]
            return {
                n.func.id
                for fn in callers
                for n in ast.walk(fn)
                if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name)
                and n.func.id in self.classes
                and self.owner(n) is fn
            }

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
            if kept == init_classes:
                return roots
            init_classes = kept

    # -- kinds: which names hold tensors in host code --------------------------------------------
    def _infer(self) -> None:
        model = self.classes.get("ModelNew")
        for stmt in ast.walk(self.tree):  # module-level names (constants, caches); functions may store into them
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None and self.owner(stmt) is None:
                if any(isinstance(c, ast.ClassDef) and stmt in ast.walk(c) for c in self.classes.values()):
                    continue  # a class body: class attributes (self_kinds)
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
        for cls in self.classes.values():  # self.<attr> kinds: registered buffers (assignments: _flow)
            for node in ast.walk(cls):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("register_buffer", "register_parameter")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    self.self_kinds[str(node.args[0].value)] = TENSOR
        fns = [n for n in ast.walk(self.tree) if isinstance(n, FUNCS) and self.region.get(n) != DEVICE]
        state = None
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
                break
        self._memo.clear()  # the checks read the final kinds

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
            self.raises_tensor,
        )

    def _meta(self) -> tuple[set[ast.AST], dict[ast.AST, set[str]]]:
        """The functions Triton calls with a dict of a launch's arguments (a grid callable, a heuristics or
        autotune function: on a GPU the dict holds the real tensors), each with the keys of that dict that are
        always Python values: the launched kernel's constexpr parameters and the keys its configs and
        heuristics set (a callable shared by several kernels: the keys all of them agree on)."""
        keys: dict[ast.AST, set[str]] = {}

        def meet(fns: set[ast.AST], known: set[str]) -> None:
            for fn in fns:
                keys[fn] = keys[fn] & known if fn in keys else set(known)

        kernels = self.kernel_defs
        known = {name: self._kernel_keys(k) for name, k in kernels.items()}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and self._is_launch(node):
                meet(self._callables(node.slice), known.get(node.value.id, set()))
        for name, k in kernels.items():
            for d in _decorators(k):
                for part in ast.walk(d):
                    if isinstance(part, (ast.Lambda, ast.Name, ast.Attribute)) and part is not d:
                        meet(self._callables(part), known[name])
        for node in ast.walk(self.tree):  # heuristics/autotune anywhere else: no key is known
            if isinstance(node, ast.Call) and (self.path(node.func) or "").split(".")[-1] in ("heuristics", "autotune"):
                for part in ast.walk(node):
                    if isinstance(part, (ast.Lambda, ast.Name, ast.Attribute)):
                        meet(self._callables(part), set())
        return set(keys), keys

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
        for i, a in enumerate(positional):
            if is_method and i == 0 and not static:  # self, or a classmethod's class (and what `C.m(t)` passes)
                env[a.arg] = self._join(from_calls.get(a.arg), SELF)
            elif is_method and self._autograd_function(self.parents.get(fn)):  # torch calls these with the tensors
                env[a.arg] = TENSOR
            elif is_method and name == "forward" and model is not None:  # a layer's inputs are tensors
                given = self._forward_input(i - 1, defaults[i]) if self._is_model(fn) else TENSOR
                env[a.arg] = self._join(from_calls.get(a.arg), given)  # and what its own calls pass it
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

    def _autograd_function(self, cls: ast.AST | None) -> bool:
        """Whether cls is a torch.autograd.Function subclass: apply calls its forward, setup_context and backward
        with the tensors themselves."""
        return isinstance(cls, ast.ClassDef) and any(self.path(b) == "torch.autograd.Function" for b in cls.bases)

    def _is_model(self, fn: ast.AST) -> bool:
        return self.parents.get(fn) is self.classes.get("ModelNew")

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
        elif isinstance(target, ast.Starred):
            self._bind(target.value, None, TCONT if kind in HOLDS else kind, env)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            if elts is not None and any(isinstance(x, ast.Starred) for x in elts):
                elts = None  # `a, b = (*[x, x], *[])`: positions do not line up
            parts = self._parts(value, env) if value is not None else None
            for i, t in enumerate(target.elts):
                if elts is not None and len(elts) == len(target.elts):
                    self._bind(t, elts[i], self.kind(elts[i], env), env)
                else:
                    self._bind_part(t, i, len(target.elts), value, parts, kind, env)
        elif isinstance(target, (ast.Subscript, ast.Attribute)) and kind in HOLDS:
            self._holds(target.value, env)  # `box[0] = x`, `obj.t = x`: the container now holds a tensor
            if isinstance(target, ast.Attribute) and self.kind(target.value, env) == SELF:
                self.self_kinds[target.attr] = self._join(self.self_kinds.get(target.attr), kind)
        elif isinstance(target, ast.Attribute) and self.kind(target.value, env) == SELF:
            self.self_kinds[target.attr] = self._join(self.self_kinds.get(target.attr), kind)
        if isinstance(target, ast.Attribute) and value is not None and self.kind(target.value, env) == SELF:
            self._share(target, value)  # `self.box = lst`

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
        """Every name a target binds shares value's object, or a part of it (`for (a, m), n in jobs`)."""
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                self._share(node, value)

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
        if not isinstance(e, ast.Call):
            return []
        f, given = e.func, [*e.args, *(k.value for k in e.keywords)]
        args = [r for a in given for r in self._references(a, depth + 1)]
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        own = isinstance(f, ast.Name) and f.id in self.named_fns
        own = own or (isinstance(f, ast.Attribute) and self.path(f) is None and f.attr in self.named_fns)
        if own:  # what each body by that name returns (_returned, computed once: no blow-up along call chains), and
            # its arguments where a return mentions a parameter (`keep(box)`; `prep(w, n)` returning a new tensor: none)
            fns = self.named_fns[name]
            given = args if any(self._returns_parameter(fn) for fn in fns) else []
            return given + [r for fn in fns for r in self._returned.get(fn, [])]
        if (isinstance(f, ast.Name) and f.id in CONTAINER_BUILTINS) or self.path(f) == "typing.cast":
            return args
        if isinstance(f, ast.Attribute) and self.path(f) is None and f.attr in SHARING_METHODS:
            # an item, or the default given after the key (`d.get(k, box)`, `{}.setdefault("k", box)`)
            defaults = [r for a in e.args[1:] for r in self._references(a, depth + 1)]
            return self._references(f.value, depth + 1) + defaults
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
            return self.tuple_returns.get(f.id)
        if isinstance(f, ast.Attribute) and self.kind(f.value, env) == SELF:
            return self.tuple_returns.get(f.attr)
        return None

    def _holds(self, e: ast.AST, env: dict[str, str], seen: set | None = None) -> None:
        """`e` (a name, `self.attr`, `a.b[0]`, a display, a call giving back an object) is a container that now
        holds a tensor; so is every place that shares its object (self.shares), the default object of a
        parameter that is one, and the argument each call gave it (holds_params, read by _held_arguments)."""
        seen = seen if seen is not None else set()
        if not isinstance(e, (ast.Name, ast.Subscript, ast.Attribute)):
            parts = _container_parts(e)  # a display: its items; else what the expression may name
            for part in parts if parts is not None else self._references(e):
                self._holds(part, self._env_of(part), seen)
            return
        env = self._env_of(e)
        while isinstance(e, (ast.Subscript, ast.Attribute)) and not self._self_attribute(e):
            e = e.value
        if not isinstance(e, (ast.Name, ast.Attribute)):  # `self.get_box().append(x)`, `[lst][0].append(x)`
            self._holds(e, env, seen)
            return
        if isinstance(e, ast.Name) and self.kind(e, env) == SELF:
            return
        place = self._place(e)
        if place in seen or place in self._held or self._only_tensors(place):
            return  # (_held: marked, with all it shares, earlier in this pass)
        seen.add(place)
        self._held.add(place)
        self.mutated.add(place)
        scope, name = place
        if scope == "self":
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

    def _returns_parameter(self, fn: ast.AST) -> bool:
        """Whether a return of fn mentions one of its parameters (it may give back an object it was given)."""
        params = _param_names(fn)
        return any(isinstance(n, ast.Name) and n.id in params for v in self._return_values(fn) for n in ast.walk(v))

    def _returned_table(self) -> dict[ast.AST, list[ast.AST]]:
        """For every function and lambda, the references its returned expressions may evaluate to (_references),
        through calls of other own functions: a fixpoint over the module, so recursion loses nothing."""
        fns = [n for n in ast.walk(self.tree) if isinstance(n, FUNCS)]
        self._returned = {fn: [] for fn in fns}
        for _ in range(len(fns) + 1):
            changed = False
            for fn in fns:
                seen = {id(r) for r in self._returned[fn]}
                for v in self._return_values(fn):
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
        if scope in (None, "self") or isinstance(scope, ast.Lambda):
            return False
        if name in _param_names(scope) and (name in _defaults(scope) or self.kinds.get(scope, {}).get(name) != TENSOR):
            return False
        return self.bound_kinds.get(place, {TENSOR}) == {TENSOR} and self.kinds.get(scope, {}).get(name) == TENSOR

    def _env_of(self, node: ast.AST) -> dict[str, str]:
        fn = self.owner(node)
        return self.global_kinds if fn is None else self.kinds.setdefault(fn, {})

    def _self_attribute(self, e: ast.AST) -> bool:
        return isinstance(e, ast.Attribute) and self.kind(e.value, self._env_of(e)) == SELF

    def _place(self, e: ast.Name | ast.Attribute) -> tuple:
        """Where a name (or self.attr) lives: ("self", attr), (function, name) for a local of that function or of
        the enclosing one a closure reads, (None, name) for a module-level name or one declared global."""
        if isinstance(e, ast.Attribute):
            return ("self", e.attr)
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

    def _assigned(self, fn: ast.AST) -> set[str]:
        """Names a function binds in its body (not its parameters)."""
        return {
            n for node in ast.walk(fn) if node is not fn for n in _bound_names(node) if not isinstance(node, ast.arg)
        }

    def _locals(self, fn: ast.AST) -> set[str]:
        if fn not in self._local_names:
            names = set(_param_names(fn))
            for node in ast.walk(fn):
                if node is not fn and self.owner(node) is fn:
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

    # -- structures followed part by part: tuples, dicts with string keys, lists of tuples ----------------
    # Kinds are per name, so `res = (x2, M, K)` makes `res` a container that may hold a tensor, and without
    # these `x2, M, K = res` would make M and K tensors too. Each is followed only where it cannot have
    # changed since it was built: a display, or a local only ever bound to one and only read (_frozen).

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
            if k in HOLDS:
                self._holds(node.target, env)
        elif isinstance(node, ast.For | ast.comprehension):
            self._bind_loop(node.target, node.iter, env)
        elif isinstance(node, (ast.With, ast.Match)):
            self._bind_captures(node, env)
        else:
            self._flow_effect(node, env)

    def _flow_effect(self, node: ast.AST, env: dict[str, str]) -> None:
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc
            parts = [exc, *exc.args, *(k.value for k in exc.keywords)] if isinstance(exc, ast.Call) else [exc]
            self.raises_tensor |= any(self.kind(p, env) in HOLDS for p in parts)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            caught = self.raises_tensor or self._try_holds(node, env)
            env[node.name] = TCONT if caught else UNKNOWN
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
        k = self.kind(node.subject, env)
        for case in node.cases:
            for p in ast.walk(case.pattern):
                name = getattr(p, "name", None) or getattr(p, "rest", None)
                if isinstance(p, (ast.MatchAs, ast.MatchStar, ast.MatchMapping)) and name:
                    env[name] = self._join(env.get(name), TENSOR if k in HOLDS else UNKNOWN)
                    shared = self.shares.setdefault((self.owner(node), name), [])  # `case a: a.append(x)`
                    shared += [r for r in self._references(node.subject) if r not in shared]

    def _bind_loop(self, target: ast.AST, it: ast.AST, env: dict[str, str]) -> None:
        """A loop target: range gives ints; enumerate an int and an item; zip one item of each; `.items()` a key and
        a value; any other iterable its items (tensors if it may hold one)."""
        call = it if isinstance(it, ast.Call) else None
        fname = call.func.id if call is not None and isinstance(call.func, ast.Name) else None
        parts = target.elts if isinstance(target, ast.Tuple) else None

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
        if isinstance(f, ast.Name):
            if f.id in self.classes:
                return [
                    (m, 1) for m in self.classes[f.id].body if isinstance(m, ast.FunctionDef) and m.name == "__init__"
                ]
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
        """A name of one of this module's classes, or a name ever assigned one (`C = ModelNew`)."""
        if not isinstance(e, ast.Name):
            return False
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
        starred argument or `**kw` into every parameter it may fill). A lambda given to any call (sorted's key)
        may be handed what the call was given."""
        given = [*node.args, *(k.value for k in node.keywords)]
        lambdas = [n for a in given for n in ast.walk(a) if isinstance(n, ast.Lambda)]
        if lambdas:
            k = TENSOR if any(self.kind(a, env) in HOLDS for a in given if not isinstance(a, ast.Lambda)) else UNKNOWN
            for lam in lambdas:
                cur = self.params.setdefault(lam, {})
                for a in lam.args.posonlyargs + lam.args.args + lam.args.kwonlyargs:
                    cur[a.arg] = self._join(cur.get(a.arg), k)
        for callee, skip in self._callees(node, env):
            args = callee.args
            positional = [a.arg for a in args.posonlyargs + args.args][skip:]
            keyword = positional + [a.arg for a in args.kwonlyargs]
            cur = self.params.setdefault(callee, {})

            def note(name: str, kind: str, expr: ast.AST | None = None, cur=cur, callee=callee) -> None:
                cur[name] = self._join(cur.get(name), kind)
                # an argument's own alternatives; one of a starred box's or a **dict's items: anything
                given = self._alternatives(expr, env) if expr is not None else {ANY}
                self._bound_now.setdefault((callee, name), set()).update(({kind} - {UNKNOWN}) | given)

            self._held_arguments(node, env, callee, skip)
            for i, a in enumerate(node.args):
                if isinstance(a, ast.Starred):  # f(*box): any later parameter may be any of its items
                    k = self.kind(a.value, env)
                    for name in positional[i:]:
                        note(name, TENSOR if k in HOLDS else UNKNOWN)
                    if args.vararg:
                        note(args.vararg.arg, TCONT if k in HOLDS else UNKNOWN)
                    break
                if i < len(positional):
                    note(positional[i], self.kind(a, env), a)
                elif args.vararg:
                    note(args.vararg.arg, TCONT if self.kind(a, env) in HOLDS else PY)
            self._note_keywords(node, env, args, keyword, note)

    def _held_arguments(self, node: ast.Call, env: dict[str, str], callee: ast.AST, skip: int) -> None:
        """`f(box)` where f does `box.append(x)` (a parameter it stores a tensor into): box holds a tensor now. A
        starred argument or `**kw` may fill any parameter; extra ones fill `*args`/`**kwargs`."""
        held = self.holds_params.get(callee)
        if not held:
            return
        args = callee.args
        positional = [a.arg for a in args.posonlyargs + args.args][skip:]
        star = args.vararg is not None and args.vararg.arg in held
        for i, a in enumerate(node.args):
            if isinstance(a, ast.Starred):
                if star or set(positional[i:]) & held:
                    self._holds(a.value, env)
            elif (positional[i] in held) if i < len(positional) else star:
                self._holds(a, env)
        named = {a.arg for a in args.kwonlyargs} | set(positional)
        for k in node.keywords:
            if k.arg is None and (held & named or (args.kwarg is not None and args.kwarg.arg in held)):
                self._holds(k.value, env)
            elif k.arg in held or (k.arg not in named and args.kwarg is not None and args.kwarg.arg in held):
                self._holds(k.value, env)

    def _note_keywords(
        self, node: ast.Call, env: dict[str, str], args: ast.arguments, keyword: list[str], note
    ) -> None:
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
            known = self._constant_item(e, env)
            if known is not None:
                return known
            return TENSOR if self.kind(e.value, env) in HOLDS else UNKNOWN
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
        return UNKNOWN

    def _constant_item(self, e: ast.Subscript, env: dict[str, str]) -> str | None:
        """`res[1]` of a known tuple, `p["n"]` of a known dict: that part's kind. `META["BLOCK"]` in a grid
        callable: a Python value where BLOCK is a constexpr (or a config's key), else maybe a tensor."""
        key = e.slice.value if isinstance(e.slice, ast.Constant) else None
        fn = self.owner(e)
        if fn in self.meta_fns and isinstance(e.value, ast.Name) and isinstance(key, str):
            params = fn.args.posonlyargs + fn.args.args
            if params and e.value.id == params[0].arg and e.value.id not in self._assigned(fn):
                return PY if key in self.meta_keys.get(fn, set()) else TENSOR
        if isinstance(key, str):
            keyed = self._keys(e.value, env)
            return keyed.get(key) if keyed is not None else None
        if isinstance(key, int) and not isinstance(key, bool):
            parts = self._parts(e.value, env)
            if parts is not None and -len(parts) <= key < len(parts):
                return parts[key]
        return None

    def _container_kind(self, elts: list[ast.AST], env: dict[str, str]) -> str:
        return TCONT if any(self.kind(x, env) in HOLDS for x in elts) else PY

    def _name_kind(self, e: ast.Name, env: dict[str, str]) -> str:
        """A local, else one of an enclosing function (a closure), else a module-level name; a name declared
        global or nonlocal is the join of both."""
        declared = e.id in self._declared_global(e)
        if e.id in env and not declared:
            return env[e.id]
        outer = self._outer_kind(e, skip_own=declared)
        return self._join(env[e.id], outer) if e.id in env else outer

    def _scope_of(self, e: ast.Name, skip_own: bool) -> dict[str, str] | None:
        """The kinds of the innermost function around `e` (past its own with skip_own) that binds its name, or None
        (a module-level name): where a closure's name lives."""
        fn = self.owner(e)
        if skip_own and fn is not None:
            fn = self.owner(fn)
        while fn is not None:
            if e.id in self.kinds.get(fn, {}):
                return self.kinds[fn]
            fn = self.owner(fn)
        return None

    def _outer_kind(self, e: ast.Name, skip_own: bool) -> str:
        scope = self._scope_of(e, skip_own)
        if scope is not None:
            return scope[e.id]
        if e.id in self.global_kinds:
            return self.global_kinds[e.id]
        if e.id in self.classes:
            return SELF  # a class of this module: its attributes are self_kinds (`ModelNew.cache`)
        return PY if e.id in self.aliases else UNKNOWN

    def _try_holds(self, handler: ast.ExceptHandler, env: dict[str, str]) -> bool:
        """Whether the code `handler` guards may raise with a tensor: Python's own exceptions carry the values
        they failed on (`{}.pop(x)` raises KeyError(x), `lst.index(x)` a ValueError with x's repr), so an
        exception caught around a call, an item, a raise or a tensor may hold one (a call may touch tensors the
        gate does not see from here: self's, a helper's), and formatting it (`str(e)`, f"{e}") reads its values."""
        guarded = self.parents.get(handler)
        body = guarded.body if isinstance(guarded, (ast.Try, ast.TryStar)) else []
        return any(
            isinstance(n, (ast.Call, ast.Subscript, ast.Raise))  # (a bare `raise` re-raises what an outer
            # `except` is handling)
            or (isinstance(n, (ast.Name, ast.Attribute)) and isinstance(n.ctx, ast.Load) and self.kind(n, env) in HOLDS)
            for stmt in body
            for n in ast.walk(stmt)
        )

    def _attribute_kind(self, e: ast.Attribute, env: dict[str, str]) -> str:
        base = self.kind(e.value, env)
        if base == TENSOR:
            return PY if e.attr in META_ATTRS else TENSOR
        if base == SELF:  # an attribute, or a property (what the method of that name returns)
            kinds = [self.self_kinds.get(e.attr), self.returns.get(e.attr) if e.attr in self.methods else None]
            known = [k for k in kinds if k is not None]
            return functools.reduce(self._join, known) if known else UNKNOWN
        if base == TCONT:  # an attribute of a layer (or of anything holding a tensor): a tensor unless the
            # layer's class declares it a constant (__constants__: a Conv2d's stride, a LayerNorm's eps)
            return PY if e.attr in self._constants_of(e.value) else TENSOR
        if e.attr == "args" and isinstance(e.value, ast.Name) and e.value.id in self.caught:
            return TCONT  # what an exception was raised with: `{}.pop(x)` raises KeyError(x)
        return PY if self.path(e) else UNKNOWN

    def _constants_of(self, e: ast.AST) -> set[str]:
        """The __constants__ of the layer classes `e` (self.conv, a local) was ever bound to; none if any binding
        is something else."""
        if isinstance(e, ast.Attribute) and self._self_attribute(e):
            values = self.self_values.get(e.attr, [])
        elif isinstance(e, ast.Name):
            fn = self.owner(e)
            if (fn, e.id) not in self._assigned_values:
                self._assigned_values[(fn, e.id)] = [
                    n.value
                    for n in ast.walk(fn if fn is not None else self.tree)
                    if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == e.id for t in n.targets)
                ]
            values = self._assigned_values[(fn, e.id)]
        else:
            return set()
        classes = [_layer_class(self.path(v.func) or "") if isinstance(v, ast.Call) else None for v in values]
        if not classes or any(c is None for c in classes):
            return set()
        # every module's `training` flag too; never an attribute this module stores into (`self.ln.eps = x`)
        constants = set.intersection(*({"training", *(getattr(c, "__constants__", ()) or ())} for c in classes))
        return constants - self.stored_elsewhere

    def _call_kind(self, e: ast.Call, env: dict[str, str]) -> str:
        """What a call returns: torch allocators a tensor, other module paths Python values, a tensor's
        method a tensor (a Python value for its metadata), a module function what its returns joined to."""
        f = e.func
        path = self.path(f)
        if path:
            leaf = path.split(".")[-1]
            if path.startswith("torch.") and (leaf in TENSOR_ALLOC or leaf in ("pad", "Parameter", "Buffer", "Tensor")):
                return TENSOR
            if _layer_class(path) is not None:
                return TCONT  # a layer holds its weights: `self.lin.weight` is a tensor
            # a library call may give back what it was given (typing.cast, nn.init.zeros_, tl.constexpr(x),
            # triton.Config({...}).kwargs): its result holds what its arguments hold
            given = [self.kind(a, env) for a in [*e.args, *(k.value for k in e.keywords)]]
            return functools.reduce(self._join, [k for k in given if k in HOLDS], PY)
        if isinstance(f, ast.Attribute):
            base = self.kind(f.value, env)
            if base == TENSOR:  # (or an instance of this module's class with a method of that name)
                own = self.returns.get(f.attr, UNKNOWN) if f.attr in self.methods else PY
                return self._join(own, PY if f.attr in META_METHODS | {"item", "tolist"} else TENSOR)
            if base not in (TCONT, SELF) and f.attr in self.named_fns:  # `dict(m=self)["m"].get(x)`
                return self._join(self.returns.get(f.attr), UNKNOWN)
            if base == TCONT:  # an item out of it, or a view of its items
                return TENSOR if f.attr in ("pop", "get", "setdefault") else TCONT
            if base == SELF:
                return self.returns.get(f.attr, UNKNOWN)
            return UNKNOWN
        if isinstance(f, ast.Name):
            if f.id in self.classes or (f.id == "super" and f.id not in self.bound):
                return SELF  # an instance (or `super()`): its attributes are self_kinds, its methods' returns
            if f.id in self.named_fns:
                return self.returns.get(f.id, UNKNOWN)
            if f.id in CONTAINER_BUILTINS:
                return self._container_kind([*e.args, *(k.value for k in e.keywords)], env)
            if f.id in HOST_BUILTINS:
                return PY
        return UNKNOWN

    def path(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.aliases and node.id not in self._shadowed:
            return ".".join([self.aliases[node.id]] + parts[::-1])
        return None

    @property
    def _shadowed(self) -> set[str]:
        return set()

    # -- findings ------------------------------------------------------------------------------
    def add(self, rule: str, node: ast.AST, message: str) -> None:
        at = node
        while not hasattr(at, "lineno") and at in self.parents:  # a comprehension clause has no line of its own
            at = self.parents[at]
        line = getattr(at, "lineno", 0)
        text = f"Line {line}: {message}"
        if not any(f.rule == rule and f.line == line and f.message == text for f in self.found):
            self.found.append(Finding(rule, line, text))

    def env(self, node: ast.AST) -> dict[str, str]:
        fn = self.owner(node)
        return self.kinds.get(fn, {}) if fn is not None else {}

    def check(self) -> list[Finding]:
        self._module_level()
        self._rebound_imports()
        self._rebound_definitions()
        self._raises()
        self._registered_names()
        self._launch_values()
        self._stored_generators()
        for node in ast.walk(self.tree):  # `from typing import sys`: the imported name is judged like typing.sys
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in ALLOWED_MODULES:
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    if full.startswith("torch.") or full in ALLOWED_MODULES:
                        continue  # torch names: bans.torch_reason
                    why = name_reason(full) or module_leak(full) or foreign_object(full)
                    if why:
                        self.add("contract_name", node, why + ". " + CONTRACT_HINT)
        for node in ast.walk(self.tree):
            region = self.region_of(node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self._name(node, region)
            elif isinstance(node, ast.Attribute):
                self._attribute(node, region)
            elif isinstance(node, ast.Call):
                self._call(node, region)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._implicit_calls(node)
            if region == HOST:
                self._host_tensor_use(node)
        return self.found

    def _stored_generators(self) -> None:
        """A generator expression runs its body when it is iterated, not where it is written: one made in
        __init__ (where PyTorch may compute) and kept (`self.gen = (... for ...)`) runs in forward. In __init__ a
        generator is consumed at once, as a call's argument (`sum(k for k in ks)`), or it is refused."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.GeneratorExp) and self.region_of(node) == INIT:
                if not isinstance(self.parents.get(node), ast.Call):
                    self.add(
                        "host_call",
                        node,
                        f"`{ast.unparse(node)[:50]}` is a generator kept by __init__: its body would run later, in "
                        "forward, where only the host rules hold; build a list (`[...]`) instead. " + CONTRACT_HINT,
                    )

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
            for part in parts:
                if self.kind(part, self.env(part)) in HOLDS:
                    self.add(
                        "torch_compute",
                        part,
                        f"`{ast.unparse(part)[:40]}` may be or hold a tensor where the launch of `{node.value.id}` "
                        "reads Python numbers (its grid, a constexpr, num_warps...): Triton reads the tensor's data "
                        "into Python. Compute these from .shape, .size() and Python ints. " + CONTRACT_HINT,
                    )

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
        return found

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

    def _implicit_calls(self, node: ast.AST) -> None:
        """Code a definition calls without a Call node: each decorator, and a class's metaclass (a `metaclass=`
        keyword, or one a base brings). Each must be a name or dotted path (called or not) the gate judges."""
        exprs = [d.func if isinstance(d, ast.Call) else d for d in _decorators(node)]
        if isinstance(node, ast.ClassDef):
            exprs += node.bases
            for b in node.bases:  # a PyTorch layer's subclass keeps its forward, which computes with PyTorch
                path = self.path(b)
                if path and path.startswith("torch.") and path not in CLASS_BASES:
                    self.add(
                        "host_call",
                        b,
                        f"`class {node.name}({ast.unparse(b)})`: a subclass of {path} runs its PyTorch code; subclass "
                        "nn.Module (or torch.autograd.Function) and compute in Triton. " + CONTRACT_HINT,
                    )
            for kw in node.keywords:
                self.add(
                    "host_call",
                    kw.value,
                    f"`class {node.name}(..., {kw.arg}=...)`: a metaclass or class keyword runs code the gate "
                    "cannot follow; subclass nn.Module plainly. " + CONTRACT_HINT,
                )
        for e in exprs:
            plain = e
            while isinstance(plain, ast.Attribute):
                plain = plain.value
            if not isinstance(plain, ast.Name):
                self.add(
                    "host_call",
                    e,
                    f"`@{ast.unparse(e)[:50]}` (or a base class) is the value of an expression, whose code the "
                    "gate cannot see; decorate and subclass with names. " + CONTRACT_HINT,
                )

    def _raises(self) -> None:
        """Only Python's built-in exceptions are raised, with values that hold no tensor (or an exception caught
        by `except ... as e` is raised again): an exception is a channel out of any call that the inference would
        have to follow into every `except`."""
        caught = self.caught
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Raise) or node.exc is None or self.region_of(node) == DEVICE:
                continue
            exc, env = node.exc, self.env(node)
            cls = exc.func if isinstance(exc, ast.Call) else exc
            builtin = isinstance(cls, ast.Name) and cls.id in HOST_BUILTINS and cls.id not in self.bound
            given = [*exc.args, *(k.value for k in exc.keywords)] if isinstance(exc, ast.Call) else []
            chained = isinstance(node.cause, ast.Name) and node.cause.id in caught  # `from e`: stored, not read
            given += [node.cause] if node.cause is not None and not chained else []
            ok = builtin or (isinstance(exc, ast.Name) and exc.id in caught)
            if not ok or any(self.kind(g, env) in HOLDS for g in given):
                self.add(
                    "host_call",
                    node,
                    f"`{ast.unparse(node)[:60]}`: raise only Python's built-in exceptions, with messages (no tensor), "
                    "or re-raise what `except ... as e` caught. " + CONTRACT_HINT,
                )

    def _registered_names(self) -> None:
        """register_buffer / register_parameter name their attribute with a string literal, so the gate knows
        which self.<attr> holds a tensor."""
        for node in ast.walk(self.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("register_buffer", "register_parameter")
                and not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))
            ):
                self.add(
                    "host_call",
                    node,
                    f"`{ast.unparse(node)[:60]}`: name the buffer with a string literal "
                    '(self.register_buffer("w_t", t)). ' + CONTRACT_HINT,
                )

    def _rebound_imports(self) -> None:
        """An imported name means one module (or one name of it) everywhere: the gate reads `tl.x` as
        triton.language.x by the name alone, so `tl = x` (or a parameter, a loop target, `except ... as tl`, a
        def named tl) would let any method of any value pass as a Triton name. Flow-insensitive on purpose."""
        self._import_conflicts()
        for node in ast.walk(self.tree):
            if self._optional_import(node):
                continue
            for name in _bound_names(node):
                if name in self.aliases:
                    self.add(
                        "rebound_import",
                        node,
                        f"`{name}` is the import of {self.aliases[name]} and is bound again here; an imported "
                        "name keeps its one meaning in the whole module, so choose another name. " + CONTRACT_HINT,
                    )

    def _rebound_definitions(self) -> None:
        """A module-level def or class name means that body everywhere: calls are followed into it by name, so
        `plan = helper2` (or a decorator of this module that returns another function) would run code the gate
        typed for other arguments. Classes are defined at module level only, where the gate sees them."""
        defined = {
            n.name: n for n in self.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ClassDef) and node not in self.tree.body:
                self.add(
                    "host_call",
                    node,
                    f"class `{node.name}` is defined inside a function or class; define classes at module level. "
                    + CONTRACT_HINT,
                )
            for name in _bound_names(node):
                if name in defined and node is not defined[name] and not isinstance(node, ast.arg):
                    self.add(
                        "host_call",
                        node,
                        f"`{name}` is a function or class of this module and is bound again here; give the new "
                        "value another name. " + CONTRACT_HINT,
                    )
        for fn in [
            n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ]:
            for d in _decorators(fn):
                base = d.func if isinstance(d, ast.Call) else d
                if isinstance(base, ast.Name) and base.id in self.named_fns:
                    self.add(
                        "host_call",
                        d,
                        f"`@{base.id}` is a function of this module used as a decorator; decorate only with "
                        "Triton's and Python's own (triton.jit, staticmethod, ...). " + CONTRACT_HINT,
                    )

    def _optional_import(self, node: ast.AST) -> bool:
        """`try: from triton.experimental import gluon` / `except ImportError: gluon = None` at module level: the name
        is the module or None, never another value."""
        assign = self.parents.get(node)
        handler = self.parents.get(assign)
        return (
            isinstance(node, ast.Name)
            and isinstance(assign, ast.Assign)
            and isinstance(assign.value, ast.Constant)
            and assign.value.value is None
            and isinstance(handler, ast.ExceptHandler)
            and isinstance(handler.type, ast.Name)
            and handler.type.id in ("ImportError", "ModuleNotFoundError")
            and self.owner(node) is None
        )

    def _import_conflicts(self) -> None:
        seen: dict[str, str] = {}
        for node in ast.walk(self.tree):
            for name, path in _import_bindings(node):
                if seen.setdefault(name, path) != path:
                    self.add(
                        "rebound_import",
                        node,
                        f"`{name}` is imported as {seen[name]} and again as {path}; give each import its own "
                        "name. " + CONTRACT_HINT,
                    )

    def _module_level(self) -> None:
        """Import time runs only definitions: a module that forks a helper, starts a thread or computes
        a table with torch at import is refused before it is imported."""

        def ok(stmt: ast.stmt) -> bool:
            if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)):
                return True
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                return True  # a docstring
            if isinstance(stmt, ast.Try):  # try: from triton.experimental import gluon / except ImportError
                return all(ok(s) for s in stmt.body + stmt.orelse + stmt.finalbody) and all(
                    ok(s) for h in stmt.handlers for s in h.body
                )
            if isinstance(stmt, ast.If):
                return all(ok(s) for s in stmt.body + stmt.orelse)
            return isinstance(stmt, ast.Pass)

        for stmt in self.tree.body:
            if not ok(stmt):
                self.add(
                    "module_level",
                    stmt,
                    f"top-level `{ast.unparse(stmt).splitlines()[0][:60]}` runs at import; a kernel module only "
                    "defines things (imports, constants, kernels, helper functions, ModelNew). " + CONTRACT_HINT,
                )
            own = self._own_calls_at_import(stmt)
            if own:
                self.add(
                    "module_level",
                    stmt,
                    f"top-level `{ast.unparse(stmt).splitlines()[0][:60]}` calls `{own}` at import; a constant is a "
                    "literal or a library call (triton.Config, math.*), never this module's own code. " + CONTRACT_HINT,
                )
        self._class_bodies(ok)

    def _class_bodies(self, ok) -> None:
        """A class body runs at import too, and holds only methods and constants: no special method, no alias of
        this module's code, no lambda or generator stored (it runs when the attribute is read, past the gate's
        calls)."""
        for cls in self.classes.values():
            for stmt in cls.body:
                if isinstance(stmt, ast.FunctionDef) and stmt.name.startswith("__") and stmt.name != "__init__":
                    self.add(
                        "dynamic_access",
                        stmt,
                        f"`def {stmt.name}` in class {cls.name}: special methods (__getattr__, __call__, operators) "
                        "run code the gate cannot follow; define __init__, forward and plain methods only. "
                        + CONTRACT_HINT,
                    )
                refers = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)} & (
                    self.methods | set(self.module_fns) | set(self.classes)
                )
                code = [n for n in ast.walk(stmt) if isinstance(n, (ast.Lambda, ast.GeneratorExp))]
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and code:  # `sq = property(lambda self: ...)`
                    self.add(
                        "module_level",
                        stmt,
                        f"`{ast.unparse(stmt).splitlines()[0][:60]}` in class {cls.name} holds code that runs when the "
                        "attribute is read, with no call the gate can follow; define methods with def. "
                        + CONTRACT_HINT,
                    )
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and refers:  # `forward = run` makes run forward
                    self.add(
                        "module_level",
                        stmt,
                        f"`{ast.unparse(stmt).splitlines()[0][:60]}` in class {cls.name} names code of this module "
                        "(an alias of a method); define each method with def under its own name. " + CONTRACT_HINT,
                    )
                if not (ok(stmt) and not isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Try, ast.If))):
                    self.add(
                        "module_level",
                        stmt,
                        f"`{ast.unparse(stmt).splitlines()[0][:60]}` in class {cls.name} runs at import; a class "
                        "body holds only methods and constants. " + CONTRACT_HINT,
                    )

    def _own_calls_at_import(self, stmt: ast.stmt) -> str | None:
        """The first function or class of this module a top-level statement calls (a decorator and a def's
        defaults run at import too), outside any lambda or def it defines; None if it calls none."""
        todo = [stmt]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for d in node.decorator_list:  # `@helper` calls helper at import, as `helper(fn)` would
                    if isinstance(d, ast.Name) and d.id in self.module_fns and d.id not in self.kernels:
                        return d.id
                todo += [*node.decorator_list, *getattr(getattr(node, "args", None), "defaults", [])]
                todo += [*getattr(node, "bases", [])]
                if isinstance(node, ast.ClassDef):  # a class body runs at import (its methods: only their heads)
                    todo += node.body
                continue
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and (node.func.id in self.module_fns or node.func.id in self.classes)
                and node.func.id not in self.kernels
            ):
                return node.func.id
            todo += list(ast.iter_child_nodes(node))
        return None

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
        if name in self.bound or name in self.defined:
            if region == DEVICE:
                self._device_name(node)
            return
        if hasattr(builtins, name):
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

    def _device_name(self, node: ast.Name) -> None:
        """Inside a jit body a module-level name must be Triton: a jit function or a constant."""
        name = node.id
        fn = self.owner(node)
        local = fn is not None and any(
            (isinstance(n, ast.arg) and n.arg == name)
            or (isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store))
            for n in ast.walk(fn)
        )
        if local or name in self.kernels:
            return
        if name in self.module_fns or name in self.classes:
            self.add(
                "jit_body",
                node,
                f"`{name}` is plain Python called from a @triton.jit body; only Triton runs there "
                f"(make it @triton.jit, or compute it in the launcher and pass it in). " + CONTRACT_HINT,
            )

    def _attribute(self, node: ast.Attribute, region: str) -> None:
        base = node.value
        is_super = isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super"
        if node.attr == "__init__" and not (is_super or self.path(base)):  # super().__init__, nn.Module.__init__
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
        return isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.self_set

    def _in_gluon(self, node: ast.AST) -> bool:
        fn = self.owner(node)
        while fn is not None and self.owner(fn) is not None:
            fn = self.owner(fn)
        return fn is not None and any(
            ast.unparse(d.func if isinstance(d, ast.Call) else d) in GLUON_DECORATORS for d in _decorators(fn)
        )

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

    def _autotune(self, node: ast.Call) -> None:
        path = self.path(node.func) or ""
        allowed = {"triton.autotune": AUTOTUNE_KWARGS, "triton.Config": CONFIG_KWARGS}.get(path)
        if allowed is None:
            return
        for kw in node.keywords:
            if kw.arg is not None and kw.arg not in allowed:
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
            if not (isinstance(f.value, ast.Name) and f.value.id in self.kernels):
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
            elif f.id not in self.defined and f.id in self.bound:
                self.add(
                    "host_call",
                    node,
                    f"`{f.id}(...)` calls a value whose code the gate cannot see; call functions defined in "
                    "this module or allowed torch / triton functions by name. " + CONTRACT_HINT,
                )
            return
        if not isinstance(f, ast.Attribute):
            return
        if self.path(f):  # names of modules: judged by _attribute and torch_reason
            self._size_arguments(node, self._size_parts(node), env)
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
        if receiver == SELF:
            cls = self._class_of(f.value)
            own = self._own_methods(cls) if cls is not None else self.methods
            if method in own or method in ("register_buffer", "register_parameter"):
                return
            named = self.classes.get(f.value.id) if isinstance(f.value, ast.Name) else None
            if method == "apply" and self._autograd_function(named):
                return  # CopyOp.apply(x): the way an autograd.Function runs (its methods' parameters are tensors)
            self.add(
                "host_call",
                node,
                f"`{ast.unparse(f)[:50]}(...)` is not a method of this module's classes; forward may call only "
                "methods they define, "
                "allowed tensor methods and kernels. " + CONTRACT_HINT,
            )
            return
        if isinstance(f.value, ast.Call) and isinstance(f.value.func, ast.Name) and f.value.func.id == "super":
            return
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
            return [node.left, node.right], HOLDS if isinstance(node.op, ast.Mod) else (TENSOR,)
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
            return [node.value], HOLDS  # f"{t}" prints the values, which Python can parse back
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
            if reads:
                return given, HOLDS
            # enumerate(start=t), zip(strict=t) read t; only dict(k=t) stores what its keywords give
            return list(node.args) + ([] if f.id == "dict" else [k.value for k in node.keywords]), (TENSOR,)
        if isinstance(f, ast.Attribute) and f.attr in READ_METHODS:
            # "{}".format(t) prints values; box.count(v) / box.index(v) compare them
            return ([f.value] if f.attr != "format" else []) + given, HOLDS
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
    return any(isinstance(d, ast.Name) and d.id == "classmethod" for d in _decorators(fn))


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
    """The expressions a statement stores into, each part of a tuple target apart."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    else:
        return []
    return [t for target in targets for t in ast.walk(target) if isinstance(getattr(t, "ctx", None), ast.Store)]


def _stored_attributes(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The attribute names the module stores on self (`self._cache = ...`: its own state) and on anything else
    (`self.ln.eps = x`), by any assignment form."""
    stored = [t for n in ast.walk(tree) for t in _store_targets(n) if isinstance(t, ast.Attribute)]
    mine = [isinstance(t.value, ast.Name) and t.value.id == "self" for t in stored]
    return {t.attr for t, m in zip(stored, mine) if m}, {t.attr for t, m in zip(stored, mine) if not m}


def _int_helper(path: str) -> bool:
    """Allowed functions of Python numbers: a tensor argument is converted (its values read) or computed on."""
    return path.split(".")[0] in ("math", "itertools") or path in ("triton.cdiv", "triton.next_power_of_2")


def _is_tensor_method(name: str) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - the evaluator always has torch
        return False
    return hasattr(torch.Tensor, name)


def regions(tree: ast.Module, kernels: set[str]):
    """({function node: host|init|device}, owner) for evaluator.static.scan's region rules, where
    owner(node) is the function whose body holds node (None at module level)."""
    c = _Contract(tree, kernels)
    return c.region, c.owner


def check_contract(tree: ast.Module, kernels: set[str], inputs: tuple[bool, ...] | None = None) -> list[Finding]:
    """inputs: for each positional input the problem passes to forward, whether it may be a tensor (None: all are)."""
    return _Contract(tree, kernels, inputs).check()


def contract_lines() -> list[str]:
    """The contract as the prompt states it (prompts/base.j2, HOST-CODE CONTRACT), worded from the same
    sets the gate checks, so an honest LLM meets it the first time and the two cannot drift apart."""
    alloc = ", ".join(f"torch.{n}" for n in ("empty", "empty_like", "zeros", "zeros_like", "full", "arange"))
    views = ", ".join(
        f".{n}()" for n in ("view", "reshape", "permute", "transpose", "unsqueeze", "expand", "as_strided")
    )
    meta = (
        ", ".join(f".{n}()" for n in ("size", "stride", "numel", "dim", "element_size")) + ", .shape, .dtype, .device"
    )
    return [
        "Imports: only torch, torch.nn, torch.nn.functional (F.pad only), torch.nn.init, torch.cuda (device queries), "
        "triton, triton.language, triton.language.extra.libdevice, triton.experimental.gluon (and its language and "
        "nvidia modules), triton.tools.tensor_descriptor, math, typing (annotations), itertools.product.",
        f"forward and every function it reaches (helpers, launchers, grid lambdas, heuristics): PyTorch only allocates "
        f"({alloc}, .new_empty()), views ({views}, .contiguous()), copies or casts (.to(), .float(), .clone(), "
        f".copy_(), .zero_()) and describes tensors ({meta}); Python arithmetic only on ints and floats (sizes, "
        "strides, grids: triton.cdiv, triton.next_power_of_2); kernels are launched as kernel[grid](...).",
        "Never in forward: a tensor as an operand of + - * / < > or of min/max/sum/float/int, .item(), .tolist(), "
        "tensor math methods (.sum(), .amin(), .mul()), torch functions that compute (torch.matmul, F.conv2d), `@`, "
        "calling an nn layer (layers may only hold weights), a tensor as a size, dim, grid, constexpr or fill value "
        "(torch.empty(t), x.reshape(t, -1), BLOCK=t, `t in (0, 1)` read its data), or formatting a caught "
        "exception (str(e), f\"{e}\": it may carry a tensor; re-raise it with a bare `raise`).",
        "ModelNew.__init__ (and helper modules only it builds) may preprocess weights with PyTorch (any op, in "
        "place or not, e.g. self.weight.data.mul_(2)); "
        "a function or lambda it stores is host code and follows the forward rules.",
        "@triton.jit / @gluon.jit bodies: only tl / gl operations, constexpr values, module constants and other jit "
        "functions; no torch and no plain Python helpers.",
        f"triton.autotune takes only {', '.join(sorted(AUTOTUNE_KWARGS))}; triton.Config only "
        f"{', '.join(sorted(CONFIG_KWARGS))}: no do_bench, pre_hook, post_hook or prune_configs_by.",
        f"Builtins: only {', '.join(sorted(b for b in HOST_BUILTINS if b[0].islower()))}. No getattr, setattr, "
        "hasattr, vars, globals, eval, exec, open or __import__, no dunder attribute, no module used as a value "
        "(`t = torch.nn.parameter`), no call of an expression (`(f or g)(x)`), private attributes only on self "
        "(`self._cache`), an imported name never assigned again (`tl = ...`), ModelNew never built by the module; "
        "the module only defines things (nothing runs at import).",
        "The module's functions and classes keep their one body: a def or class name is never bound again "
        "(`helper = other`), never decorated by a function of the module (only by triton.jit, staticmethod and "
        "Python's own), and classes are defined at module level, not inside a function or class.",
    ]


CONTRACT = {
    "imports": sorted(ALLOWED_MODULES - {"__future__"}),
    "tensor_methods": sorted(TENSOR_METHODS),
    "alloc": sorted(TENSOR_ALLOC),
    "builtins": sorted(b for b in HOST_BUILTINS if b[0].islower()),
}
