"""What a candidate module may import, name and call: the allow-lists the gate checks and the prompt states
(contract_lines), and the checks of a dotted name against the real modules (name_reason, module_leak,
foreign_object, is_module).

    from evaluator.static.contract.allowlist import module_reason, name_reason
    module_reason("os")         # why `import os` is refused
    name_reason("triton.testing.do_bench")  # why that name is
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import math
import textwrap
import types

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

# the builtins the gate knows by name (it reads `len(box)` as counting, `isinstance(m, C)` as a test): the module never
# binds one (a def, an assignment, a parameter, a match capture)
BUILTIN_NAMES = (HOST_BUILTINS | DEVICE_BUILTINS) - {"True", "False", "None"}

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


# nn.Module's methods __init__ may call (on self or a layer): describe, register and move weights. Every other
# one (register_forward_hook, register_module_forward_pre_hook through a layer, compile, ...) installs code that
# runs later, in the model's call, with no call the gate can follow.
INIT_MODULE_METHODS = {
    "register_buffer", "register_parameter", "add_module", "register_module", "forward", "parameters",
    "named_parameters", "buffers", "named_buffers", "children", "named_children", "modules", "named_modules",
    "get_parameter", "get_buffer", "get_submodule", "state_dict", "apply", "to", "float", "half", "double",
    "bfloat16", "cuda", "cpu", "type", "eval", "train", "requires_grad_", "zero_grad", "extra_repr",
}  # fmt: skip


# the decorators a kernel module may use, besides staticmethod, classmethod and property (evaluator.static.GLUON_JIT)
DECORATORS = {
    "triton.jit", "triton.autotune", "triton.heuristics", "triton.experimental.gluon.jit", "torch.no_grad",
    "torch.inference_mode",
}  # fmt: skip
# the methods that name an attribute of a module by a string (the gate reads it as self.<name>)
REGISTERS = {"register_buffer", "register_parameter", "add_module", "register_module"}
# builtins and methods that consume a generator at once, where it is written (`sum(k for k in ks)`); any other call
# (enumerate, zip, reversed, a function of the module) may keep it for later
CONSUMERS = {"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max", "any", "all", "join"}
# the arguments triton's decorators and configs take by position (the rest by keyword, judged by name):
# Config(kwargs), autotune(configs, key), heuristics(values)
POSITIONAL = {"triton.Config": 1, "triton.autotune": 2, "triton.heuristics": 1}


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
        "calling a torch nn layer (they only hold weights; this module's own nn.Module blocks may be called: "
        "`self.block(x)`, `blk(x)` over an nn.ModuleList of them or over the nn.Sequential a helper returns, as "
        "`self.layer1 = self._make_layer(BasicBlock, 64, 2)` with `_make_layer(self, block, ...)` only calling "
        "`block(...)` and reading its class constants (`block.expansion`); a torch layer's __constants__ are sizes: "
        "`layer.out_features` after `isinstance(layer, nn.Linear)`), a tensor as a size, dim, grid, constexpr or "
        "fill value (torch.empty(t), x.reshape(t, -1), BLOCK=t, `t in (0, 1)` read its data), or formatting a caught "
        "exception (str(e), f\"{e}\": it may carry a tensor; re-raise it with a bare `raise`).",
        "ModelNew.__init__ (and the methods only it calls, e.g. self._make_layer(...), and helper modules only it "
        "builds) may preprocess weights with PyTorch's operators "
        "(torch.*, F.*, torch.linalg/fft/special, tensor methods, in place or not, e.g. self.weight.data.mul_(2)) "
        "and nn.Module's weight methods (register_buffer, to, eval...), never hooks or torch.utils/hub/library; "
        "a function, lambda or generator it stores is host code and follows the forward rules.",
        "@triton.jit / @gluon.jit bodies: only tl / gl operations, constexpr values, module constants and other jit "
        "functions; no torch, no plain Python helpers, and no global, nonlocal, lambda, nested def or class, item "
        "or attribute store (Triton compiles none of them); module-level names there are constants (numbers, "
        "tl.constexpr(...), dtypes) or jit functions, parameter defaults constants, methods only those of Triton's "
        "values (`acc.to`, `desc.load`), a launched kernel's argument is never subscripted or iterated, and no string "
        "holds a line starting with `def` (Triton reads the function's code from its source lines); each decorator "
        "is written on its `@` line, and nothing is named `interpreter_semantic` or `_InterpreterComparison` (names "
        "the interpreter writes into kernel code).",
        f"triton.autotune takes only {', '.join(sorted(AUTOTUNE_KWARGS))}; triton.Config only "
        f"{', '.join(sorted(CONFIG_KWARGS))}: no do_bench, pre_hook, post_hook or prune_configs_by.",
        f"Builtins: only {', '.join(sorted(b for b in HOST_BUILTINS if b[0].islower()))}. No getattr, setattr, "
        "hasattr, vars, globals, eval, exec, open or __import__, no builtin's name bound by the module (`def len`, "
        "`case [len]:`), no dunder attribute, no name inside a class that "
        "starts with two underscores (Python renames `__x` there to `_Cls__x`), no module used as a value "
        "(`t = torch.nn.parameter`), no call of an expression (`(f or g)(x)`), private attributes only on self "
        "(`self._cache`), an imported name never assigned again (`tl = ...`), ModelNew never built by the module; "
        "the module only defines things (nothing runs at import but a config builder of the module called with no "
        "arguments in `@triton.autotune(configs=get_configs())`).",
        "The module's functions and classes keep their one body: a def or class name is never bound again "
        "(`helper = other`), never decorated by a function of the module (only by triton.jit, staticmethod and "
        "Python's own), and classes are defined at module level, not inside a function or class; a class subclasses "
        "only nn.Module, torch.autograd.Function or another class of the module (never ModelNew), and calls "
        "`super()` or `super(ThisClass, self)`; decorators are only triton.jit/autotune/heuristics, gluon.jit, "
        "torch.no_grad, staticmethod, classmethod and property (those three outermost); a buffer, parameter or "
        "submodule is named with a "
        "string literal that is no method's, nn.Module attribute's or tensor attribute's name, and nn.ModuleDict / "
        "ParameterDict are built only as attributes of self and read only by key (`self.d[\"k\"]`, never `self.d.k`, "
        "`self.d |= ...` or handed on).",
        "Host code names a @triton.jit function only to launch it (`k[grid](...)`) or to pass it to a launch as a "
        "constexpr argument; a tensor method is called where it is named (never `f = x.view`) and a tensor keeps no "
        "Python attributes (`x.note = ...`); an object of this module's classes is never handed to a torch or "
        "triton function (it would call the object's methods as a tensor's); a method never binds its first "
        "parameter (self) again; a generator __init__ keeps is consumed only by `\"...\".join(...)`; triton.Config and "
        "autotune take their keywords spelled out (no `**opts`); a TensorDescriptor is built only for launches: "
        "passed to one, or bound to a local name (or returned by a helper to names) only passed to launches. A "
        "launch passes tensors, numbers, tuples of them and tensor descriptors: no list, dict or module.",
    ]


CONTRACT = {
    "imports": sorted(ALLOWED_MODULES - {"__future__"}),
    "tensor_methods": sorted(TENSOR_METHODS),
    "alloc": sorted(TENSOR_ALLOC),
    "builtins": sorted(b for b in HOST_BUILTINS if b[0].islower()),
}

# what an autograd.Function's ctx may be asked to do (autograd's bookkeeping; its backward is never run here)
CTX_METHODS = {"save_for_backward", "mark_non_differentiable", "set_materialize_grads", "mark_dirty"}
CTX_FUNCTIONS = {"forward", "setup_context", "backward"}
# one module under two import paths: either may bind the same name (Triton's libdevice, re-exported for the backend)
SAME_MODULE = {"triton.language.extra.cuda.libdevice": "triton.language.extra.libdevice"}
# nn.Module's methods that hand out its submodules (or run a function on each): what they reach may be changed
# where no attribute names it, so no layer's class is then taken as known
SUBMODULE_REACHERS = {
    "get_submodule",
    "children",
    "named_children",
    "modules",
    "named_modules",
    "apply",
    "set_submodule",
    "_modules",
}


# where PyTorch's operators live: what ModelNew.__init__ may run on weights (evaluator.static.scan)
OP_NAMESPACES = ("torch", "torch.nn.functional", "torch.linalg", "torch.fft", "torch.special", "torch.nn.utils.fusion")
# the modules that define operators in Python (torch.functional: einsum, norm; F: softmax; torch.svd_lowrank; the
# conv-bn fold); not torch's own __init__ (torch.compile)
PY_OPERATORS = OP_NAMESPACES[1:] + ("torch.functional", "torch._lowrank", "torch._linalg_utils", "torch._lobpcg")


@functools.lru_cache(maxsize=1024)
def operator(path: str) -> bool:
    """Whether a dotted torch name is one of PyTorch's operators (torch.matmul, F.conv2d, torch.linalg.svd), which
    __init__ may run on weights: a function of an operator namespace, either ATen's binding (a builtin) or written
    in Python in one of those modules (torch.einsum, F.softmax). Not a submodule's function (torch.utils,
    torch.hub, torch.library: they run commands, load code, register operators), not torch's own utilities
    (torch.compile), nor a setter of global state (set_*) or a file reader (from_file). Found statically in the
    real modules: nothing runs."""
    namespace, _, name = path.rpartition(".")
    if namespace not in OP_NAMESPACES or name.startswith(("_", "set_")) or name == "from_file":
        return False
    try:
        obj = inspect.getattr_static(importlib.import_module(namespace), name)
    except (ImportError, AttributeError):
        return False
    if isinstance(obj, types.BuiltinFunctionType):
        return True
    return isinstance(obj, types.FunctionType) and obj.__module__ in PY_OPERATORS


@functools.lru_cache(maxsize=1)
def device_methods() -> frozenset[str]:
    """What a @triton.jit / @gluon.jit body may call as a method of a value (`acc.to(...)`, `smem.index(i).load()`,
    `desc.load(...)`, Gluon's `smem._reinterpret(...)`): the attributes of the classes Triton's and Gluon's language
    packages define, in any of their modules (tensors, tuples, descriptors, layouts, shared and tensor memory).
    Nothing else runs there: under TRITON_INTERPRET=1 a list's `append` or a torch tensor's `mul` on an object a
    launch passed would run as Python."""
    import pkgutil

    from triton.language import core

    names: set[str] = set()
    for root in ("triton.language", "triton.experimental.gluon.language"):
        try:
            package = importlib.import_module(root)
        except ImportError:
            continue
        modules = [root] + [m.name for m in pkgutil.walk_packages(package.__path__, root + ".")]
        for module in modules:
            try:
                found = importlib.import_module(module)
            except Exception:  # noqa: BLE001 - a backend module that does not import here defines nothing we use
                continue
            for _, cls in inspect.getmembers(found, inspect.isclass):
                if cls.__module__ == module and issubclass(cls, (core.base_value, core.base_type)):
                    names |= {a for a in dir(cls) if not a.startswith("__")}
    return frozenset(names | RENAMED_DEVICE_METHODS)


# device methods other Triton versions spell differently (3.6's Gluon `smem._reinterpret`, 3.9's `reinterpret`):
# a promoted kernel is judged on the CPU's Triton too
RENAMED_DEVICE_METHODS = frozenset({"_reinterpret", "reinterpret"})


@functools.lru_cache(maxsize=1)
def interpreter_names() -> frozenset[str]:
    """The global names Triton's interpreter writes into a jit function's rewritten code (`x = v` becomes `x =
    interpreter_semantic.to_tensor(v, False)`, a chained comparison calls `_InterpreterComparison`), read from the
    installed interpreter's ASTTransformer. That code runs in the kernel module's globals, where the interpreter
    adds its own names only where the module binds none: a module binding one of these would run its code inside
    every kernel."""
    names = set(INTERPRETER_NAMES)
    try:
        from triton.runtime import interpreter

        tree = ast.parse(textwrap.dedent(inspect.getsource(interpreter.ASTTransformer)))
    except (ImportError, AttributeError, OSError, TypeError):
        return frozenset(names)
    built: dict[str, set[str]] = {"Name": set(), "arg": set()}  # ast.Name(id=...) and ast.arg(arg=...) it builds
    for node in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        kind = ast.unparse(node.func).rsplit(".", 1)[-1]
        for k in node.keywords:
            if kind in built and k.arg in ("id", "arg") and isinstance(k.value, ast.Constant):
                built[kind].add(str(k.value.value))
    return frozenset(names | built["Name"] - built["arg"])


# what Triton 3.6 and 3.9's interpreters insert (interpreter_names reads the installed one's; lhs and rhs are the
# parameters of the lambda it builds, harmless in the module)
INTERPRETER_NAMES = frozenset({"interpreter_semantic", "_InterpreterComparison"})
