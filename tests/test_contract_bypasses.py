"""The contract's regression corpus from the session-22 red team (tests/contract_bypasses/).

32 of the 33 bypass_*.py passed the gate at dc74c8b with no finding (bypass_31, a nested default, was refused
already) while their forward read tensor values into Python, ran PyTorch compute, re-entered __init__ or reached
a module outside the allow-list (sys.modules, importlib's loader). Each honest_*.py is a pattern an honest wrapper
uses that a stricter rule first refused. Static only: fast.

Session 23 added ten more bypasses (bypass_34..43, each passed the gate at 06eef35): stores that reach a container
through a name sharing its object (`a = box`, `for b in boxes`, a part of a dict, an argument a helper appends to,
what a helper returns, a method's parameter, `nonlocal`), and a generator's `return (1, 2)` read as the tuple
`a, b = gen(x)` unpacks. The mech_*.py attack the mechanisms added with them: the part-by-part structures
(honest_11..13: a list of job tuples, a tuple returned through a name, a dict of sizes and buffers) and the stores
followed through shared objects and parameters (`*args`, `**kwargs`, a starred call). The bypasses from 34 and every
mech_*.py must be refused on their compute line (`s = ...`, or one marked `# compute`), not only on some other
line.

A second red team the same session attacked those mechanisms: bypass_44..70, each passing the gate at 887b437 (a
display's item, `self.box = lst`, a closure's or a property's returned list, a parameter's default object, module-level
and global aliases, `case a:`, `a += [x]`, a starred display unpacked by position, `ModelNew.calc(self, x)`,
`super()`, grid and heuristics lambdas, whose dict holds the launch's tensors on a GPU, and more). Its false
positives that now pass are honest_14..17; honest_18 is a chain of tuples that took the gate 34 s before the
structures were computed once per pass.

A third red team found bypass_71..90 (each passing the gate at a14d30a): a list read out of a list by a computed
index, a module-level def rebound or swapped by a decorator of the module, a constexpr key of another kernel, module
aliases through an annotation, an `if` or a tuple, a classmethod or a method called through its class with a tensor as
self, a tensor dict key, match value patterns and guards, a grid stored on self or returned by a call, a heuristics
def, a layer's weight, an attribute of a container, a class defined in forward. Some are refused on another line than
their compute (a helper's, a decorator's). honest_19 reads a layer's constants (stride, eps); honest_20 is a fan-out of
returns that took 8.6 s.

Session 24 closed a class the third red team left open: an exception caught around code that touches tensors
carries them (`{}.pop(x)` raises KeyError(x)), and `str(e)` reads their values (bypass_91; bypass_92 and 93 raise
it in a method of self and in a helper, out of the gate's sight from the `try`; bypass_94 catches it again from a
bare `raise` in the outer `except`). A tensor given as a size, dim or value of an allowed torch call is read into
Python through its __index__ (`torch.empty(t)`, `x.reshape(t, -1)`, `x.narrow(0, t, 1)`: bypass_95, 96, 98), and
`t in (0, 1)` compares t's values (bypass_97); so are a grid callable's returned tensor, a constexpr or a launch
option given a tensor (bypass_99..101), torch.Size([t]) (bypass_102), nn.init's fill values and torch.cuda's device
numbers (bypass_103, 104), and a list of tensors given to torch.tensor, which reads them item by item (bypass_105).
honest_21 re-raises with a bare `raise`. honest_22's recursive helpers (a list display holding a call of itself)
made the gate recurse without end (static_error at b8f2041). A red team the same session found bypass_106..113, each
passing the gate at 4e0bbe5: a tensor method reached unbound through a name torch.nn.init imports, a tensor as the
index or count of a list or str method, as torch.device's index or torch.manual_seed's seed, as enumerate's start,
a constexpr given through `**`, a library's exception text joined (`"".join(e.args)`), a triton.language helper run
in Python on a tensor. Library calls now take tensors only where an allow-list says they take one as data.
honest_23 chains a caught exception (`raise ... from e`), which the gate refused. A second red team found
bypass_114..123, each passing the gate at 358311f: keyword arguments of math and triton.cdiv, what `yield from`
returns, torch.tensor(data=[t]), a method of nn.Module called on self because a helper class defines one by that
name (and a layer typed as the helper through it), a layer's constant stored into, an inherited __init__ run from
forward through a subclass, a grid lambda handed to the launcher as an argument, a compile option (debug=t), and
torch.Tensor(n) as an allocation. honest_24 reads a layer's `training` flag. nn.MultiheadAttention's num_heads and
embed_dim are still typed as tensors (its __constants__ names only batch_first). A third red team found
bypass_124..127, each passing the gate at f410e57: an autograd.Function's setup_context, which torch calls with the
inputs, a lambda property in a class body, a generator expression kept by __init__ and iterated in forward, and
nn.Module's private _buffers read on self. honest_25 runs its kernel through CopyOp.apply(x), which the gate refused.

Session 25's red team on names, calls and regions found bypass_146..158, each passing the gate at 6a8f17b: a tensor's
bound method taken as a value (`g = x.mul` under a nested def's name, `self.op = x.mul` over a method), ModelNew
subclassed and `super(Sub, obj).__init__(...)` (init code run again from forward), a library base bringing its
operators (`class Box(tl.constexpr)`, `Layer = nn.Linear; class Lin(Layer)`), `triton.Config(**HOOKS)` with a
pre_hook, a generator function reached from __init__ (its body runs in forward), a kernel's pre_run_hooks and a jit
function as a heuristic (a kernel used as a value), any torch submodule called from __init__
(torch.utils.collect_env.run runs a shell command), a forward hook registered in __init__, and an annotation that
runs the module's code at import. They are refused by the construct, not on their compute line. bypass_159 calls an
__init__ a class inherits (`Sub(x)` runs Prep.__init__ with x), whose parameters had no call site; honest_26 meets the
new rules (operators in __init__, super(ThisClass, self), a jit function as a launch's constexpr argument, a helper
built in __init__ that inherits its __init__, which the gate refused).

Session 25's red team on the kind inference found bypass_128..145, each passing the gate at 2368fd0 while forward ran
aten mul on its input and read a value with float(): an object the gate followed into a place it did not record.
Closed by mechanism: every store form records its target (a loop, comprehension or `with` target, a tuple part, a
starred target, `+=`, `d["k"] = box` and `obj.box = box` share the object with the container; a layer's constants
hold only where every store into that attribute is a plain assignment of a layer: bypass_132, 133, 138..140); a
builtin that may give back an argument or its items (min, max, sum, list, an exception's args) shares them (128); a
generator's yielded objects are what its call gives back (141); a class body's `cache = BOX` makes self.cache BOX's
object (129); a property's setter is called by every store into an attribute of its name (130); match captures bind
like assignments, from `subject[i]`, `subject[key]` and `subject.attr` (131, 137); an attribute stored on or read
from an object the gate cannot type may be self's (`for m in [self]: m.t = x`, 134); `Op.apply(...)` of an
autograd.Function returns a tensor and binds its forward's parameters from its arguments (setup_context's inputs
hold them: 135, 136); an exception caught around code that runs anything but plain Python on names (an attribute,
which may be a property, a loop, which may run a generator) may carry a tensor, and its fields (AttributeError.obj)
are tensors (142); a keyword naming a positional-only parameter goes into **kwargs, and positional arguments after a
starred one may fill any later parameter (143, 144). bypass_145 stores nn.Module's own `self._buffers` into itself,
which made it the module's own private state: a private attribute nn.Module keeps never counts as the module's own.
honest_27 passes a Python scale through apply and keeps it on ctx, beside a float self.scale.

A third red team the same session attacked the names/calls fixes: bypass_160..167, each passing the gate at 2368fd0:
`self.forward = self.lin.forward` (an attribute stored over a method: refused on any object for the module's
methods, on self for nn.Module's), `super().__init__(x)` from a plain method (only in __init__), `from torch.nn
import Linear as object` as a base (a rebound `object`), `self.get_parameter("w").mul` (a tensor method as a value
from any receiver that may be a tensor), `enumerate(gen)` keeping a generator made in __init__ (only consumers that
read it all), `triton.Config({...}, 4, 1, 1, None, hook)` (its pre_hook by position: Config, autotune and
heuristics take their leading arguments only), a class of the module used as a heuristic (a class is named where it
is built, read, subclassed or checked), and a lambda's default calling the module's code at import. Its false
positives pass now: honest_28 folds BatchNorm into conv weights in __init__ (torch.nn.utils.fusion), honest_29
hands an activation jit function to a launcher helper that passes it on to its launch, honest_30 uses
register_module, honest_31 stores self.scale beside another class's method scale, honest_32 runs its own helper's
forward on weights in __init__.

A fourth red team attacked the inference fixes: bypass_168..177, each passing the gate at 8d02d28 (and at 2368fd0):
a library object handing back what it was given (itertools.product's tuples, a Config's kwargs: every library call
but torch's, math's and Triton's integer helpers may), a generator run by a `+=` in a try body whose AttributeError
carries the input as .obj (a caught exception is now always a container that may hold a tensor, as the prompt's
contract says: never format it), a Python attribute stored on a tensor (refused), `[box] * 2` (a sequence operation
shares its operands' items), a container method called through its type (`dict.get(box, k)`: refused), a callback
given to a builtin that stores into the item it is handed (`sorted([box], key=...)`: a def or lambda given as a
value gets its parameters from the call's arguments, and what it stores into them the arguments hold), a walrus in
a class body (refused), `r = yield from g(b)` (what the inner generator returns), and an autograd.Function reached
through its own subclass (its forward and setup_context are inherited). honest_33 keeps a tensor on ctx beside a
float self.scale (ctx is never self). Its other false positive, `raise RuntimeError(f"... {e}") from e` after a
loop, is refused by design: the contract forbids formatting a caught exception.

A fifth red team on the whole contract found bypass_178..189, each passing at d297f8e (and at the session's start,
f8a3502): an instance of the module's classes formatted (`repr(self)`, f"{self.h}": nn.Module's repr prints its layers'
values, read back by Python; refused like a tensor), a layer registered under a method's name (ModuleDict({"view":
...}), add_module("run", ...): names are literals that are no method's), a bound method given as a callback
(`key=self.stash`), an nn layer class as a decorator (decorators are an allow-list now), nn.Module's methods reached
through an object of unknown class (`me = self`, `self.h`, `super()`: a name nn.Module defines is called only where the
receiver's class is known to define it), and library containers that keep their arguments (nn.ParameterDict,
tl.tuple). Its false positives pass now: honest_35 and 36 are the Triton tutorials' grid and heuristics lambdas reading
a non-constexpr launch argument (`meta["n_elements"]`: the kind of what the launches pass), refused since session 23;
honest_34 runs its own helper's forward. honest_37 loops over an nn.ModuleList of Linear layers reading their sizes
(`layer.out_features`), refused since session 23: a loop variable over a container of layers built once and never
changed has their __constants__ (mech_modulelist_changed: not where the list is changed or the constant stored).

A last red team on those newest rules found bypass_190..195, each passing at ad66e9b: a layer given a container keeps it
as its "constant" (nn.Softmax(dim=[0.0]): a layer's constants hold only where its arguments are plain values), a
ModuleList changed through an alias (any use of the attribute but iterating, reading an item or len counts as a
change), a grid function also called directly by host code (its dict's keys are then tensors), a known receiver
replaced by add_module (a registration is a store into the attribute it names), a module dict's item stored under a
method's name (`self.d["view"] = m`), and a module formatted inside a display or as a bound method (`repr([self])`,
`repr(self.modules)`).

Session 26 hunted false positives instead: three helpers wrote 41 honest candidates for KernelBench-style problems
(level 1 ops, level 2 fusions, level 3 architectures) and reduced each refusal to a file. honest_38..49 pass now: a
private method or class constant read on self (`self._launch(x)`), torch.channels_last, a layer's constants through a
local (`conv, bn = self.conv, self.bn`), a helper's parameter (`def run(x, conv)`, by its call sites) or an item of a
Sequential (`self.net[2].out_features`), this module's own blocks called (`self.block(x)`, `blk(x)` over an
nn.ModuleList of them, `self.blocks[0](x)`, `for i, blk in enumerate(...)`) and their attributes (`blk.stride`), a
method only __init__ calls (`self._make_layer(...)`) as init code, the tutorials' `@triton.autotune(configs=
get_configs())`, libdevice's fallback import, and `ctx.save_for_backward`. sized_*.py build layers from the sizes the
problem passes (`layers.append(nn.Linear(n, hidden))`): numbers are immutable, so the layer shares no object with
them, once the problem says they are numbers (init_inputs). Two red teams on those relaxations found bypass_196..229
and bypass_230..258 (41 verified; the rest were refused already): a parameter named like a class, class-body names
hiding a submodule, submodules changed through get_submodule/children, unbound calls through a classmethod, a
property or a redefined _call_impl/_compiled_call_impl/apply run in place of forward, public methods Python, torch or
Triton call by name (print's file.write, dict's keys, a launch's storage_offset) made init code, a default outside
the call sites, names bound in a nested scope, a format template reading attributes, an attribute stored on a
triton.Config. A third found bypass_259..282 (19 verified that passed the gate; most passed before this session's
relaxations too): register_buffer/add_module/update given their name by keyword, a chained append, a nonlocal
rebinding, what ctx keeps, class-body names and a mixin's redefining _compiled_call_impl/__call__/apply, ModelNew's
forward as a property, a Config marked a container by typing.cast, a store on a class, a parameter named like the
Function, a value flow longer than the inference's passes (refused now as too long to follow). Each is refused
now, by the call or on the compute.

Session 27 closed the three that third red team left open, each passing the gate at ac8db85 and at 40957d1, by
following Python's own rules instead of names: bypass_283 stores into a layer's constant through a module function
whose first parameter is named self (only a method's own first parameter, never rebound, is the instance); bypass_284
and 285 hide a module-level tensor behind a comprehension's target of the same name (names now resolve by Python's
scopes: a comprehension's target binds only inside it); bypass_286 runs the __init__ Python's C3 order picks in a
diamond, not the first one a depth-first search finds. Each is refused on its compute line. honest_50 keeps its block
size on ctx for backward's launch: a ctx attribute every store of which (on any object) is a Python value stored on
a ctx is a Python value; mech_ctx_attribute_holds_tensor stores the input under the same name in another Function.
honest_51 reads nn.MultiheadAttention's num_heads, which its __init__ keeps as given (read off torch's source:
`self.num_heads = num_heads`, assigned nowhere else); mech_kept_argument_stored_again stores the input over it.
sized_03 is KernelBench's MLP: a list of sizes the problem passes, a local list of appended layers unpacked into
nn.Sequential, and an isinstance test in forward (test_a_list_of_sizes_the_problem_passes_holds_numbers).
honest_52 runs its own blocks through enumerate with a start, zip, reversed and a slice; mech_zip_builtin_rebound
binds its own zip. A red team on these rules found bypass_287..289, each passing at c7edafa: `ctx.box = []` then
`ctx.box.append(x)`, `ctx.saved = {}` then `ctx.saved["t"] = x` (a ctx attribute is a size only where every value
stored is an immutable scalar: a number, arithmetic, int()/len(), min/max, triton.cdiv, x.numel()...), and
`Op.backward(x, x)` called by the class itself (a ctx function called through a class or super() has no ctx).
bypass_290 passed since tensor descriptors were allowed: a TensorDescriptor was typed the tensor it describes, so
`desc.shape[0]` read as a size, though it is an item of the list the descriptor was given (a container now).
A second red team found bypass_291..296, each passing at 0f9f57f: an item of a container is typed a tensor, whose
`.shape`/`.dtype` are sizes, yet it may be a TensorDescriptor (whose shape is the list it was given, and the input
stored there) or a module dict (`pd["dtype"] = nn.Parameter(x)` makes `pd.dtype` the input); a descriptor shares its
shape list; and a Function's instance runs its static backward with any ctx. A descriptor is now built only for
launches (passed to one, or bound to names only passed to launches or returned to such names), a module dict only on
self and never under a tensor attribute's name, and a Function built anywhere has no ctx.
A third red team found bypass_297..305, each passing at a65e3c9: a method default that runs at import
(`def hold(a=HEUR.update({...: lambda args: ...}))`) fills a heuristics dict with a lambda the gate never typed
(import-time code calls no method of a value now); a descriptor handed back to a grid or heuristic as `META["d"]`
(a container launch argument is any object there); `pd.setdefault("dtype", p)` and host stores `h.dtype = x`,
`self.sub.ndim = x` read back through a list item (a module dict's setdefault key is checked like update's; host
code stores only Python values under a tensor's size and dtype names); and a Function with setup_context, whose
forward torch calls with no ctx.
A fourth red team found bypass_306..312, each passing at 51697e8: a sibling class through a shared subclass (`class
RR(S, R)`) storing into R's attribute (classes related through any subclass's MRO count), a @torch.no_grad() init
method handed out as a class-scope default and run as a grid or a key callback (a method named as a value is no init
code; a grid parameter's default is a grid callable), a class that is both nn.Module and autograd.Function (it is no
Function, so its apply is nn.Module's), `(torch.Tensor,)[0].contiguous = torch.Tensor.exp` at import (module-level
assignments bind names only; a store into anything a library name reaches is a monkeypatch), an own class's
`dtype` property read through a list item (a name a class of the module binds is no tensor's), and
`setup_context = staticmethod(...)` (any binding of setup_context makes forward's first parameter an input).
A fifth red team found bypass_313..314, each passing at 66c3457: a helper object whose `self.shape = []` list
forward fills with the input, taken for a tensor as a list item, so `(t,) = item.shape` read a size (directly and
through ctx). Under a tensor's size and dtype names any code now stores only immutable values: a scalar (an own
class's constructor argument counts where every `Cls(...)` call passes one), a library constant, another
object's size or dtype, a tuple of them.
A sixth red team found bypass_315..319, each passing at 57c853f: a class defining __init__ twice (Python runs the
last, whose default is a list; a class binding __init__ twice has no typed arguments), an untyped constructor
argument stored under `shape` and filled through `self.h.shape[0] = y` (allowed untyped only where every read of that
attribute name only reads it), and an own class's `def size(self)` read through `(t,) = item.size()` (a size only
where no class of the module binds that name).
A helper writing 16 fresh honest candidates (KernelBench levels 1-3) found three false positives, which pass now:
honest_55 calls own blocks whose forward runs an autograd.Function (`Scale.apply` was read as nn.Module.apply, which
reaches submodules), honest_56 folds BatchNorm in a `@torch.no_grad()` method only __init__ calls, honest_57 reads
`self.conv1.stride` beside another block that also stores a `self.conv1` (stores on an unrelated class's self no
longer count).
Session 28 let KernelBench's ResNet shape through (honest_58): a parameter that holds one class (`_make_layer(self,
block, ...)`, every call passing BasicBlock, the body only calling `block(...)` and reading `block.expansion`), the
nn.Sequential such a helper returns (`self.layer1 = self._make_layer(...)`), and class constants (`Block.expansion`
no longer makes every private self read suspect). Its red team found bypass_320..321, each passing the first cut: a
helper that is a generator (its call returns the generator, not the Sequential of its return), and `self.mk(0)` on a
class whose `self.mk` is a submodule while another class defines `def mk` (a method call counts as a call of a def
only where self's class has that one def and nothing stores an attribute of that name). A second red team found
bypass_322..323, each passing at 8872f60: `def _twin(self, f=_make_layer)` reads the method by its bare name in the
class's scope and calls it with nn.LeakyReLU, a call the method's call sites never listed (such a read now makes its
sites unknown, for every parameter a method's calls type). A third red team found bypass_324..327, each passing at
a989362: Python rewrites `__act` written inside ModelNew to `_ModelNew__act`, so a decoy `def __act` (or class
`__Blk`) was judged while Python ran `_ModelNew__act` (torch.relu as "init code", a helper returning a Sequential of
LeakyReLU, `_ModelNew__Blk = nn.LeakyReLU`). No identifier inside a class may start with two underscores and not
end with two. A fourth red team found bypass_328..330, each passing at a989362: min, max, abs, round, sum and pow
may give back a tensor they are given (`max([t])`, `abs(t)`), which init code may do, and were typed Python values
(now their arguments' kind); and a keyword named like a positional-only parameter (`def __init__(self, c, stride=1,
/, **kw)`) was taken for that parameter's argument (now Python's binding: positional first, never a keyword for a
positional-only one). Session 28 also follows a container handed to a block's constructor (`self.downsample =
downsample`, given `block(c, k, stride, downsample)` with `downsample = nn.Sequential(conv, bn)` or None), where
every name on the way only hands it on, and `self.downsample is not None` no longer counts as a change of it, so
KernelBench's ResNet with a conv helper reading `conv.stride` passes. A fifth red team found bypass_331..332, each
passing at dd4a6b8: a module-level `def len(s)` that stores LeakyReLU into the container, called as
`len(self.downsample)`, was read as the builtin counting it (a container is now counted only by the builtin, and
read by item only as the container, not as a key). A sixth red team found bypass_333..335, each passing at 4ae3470:
a match capture binds a name the gate's list of bound names left out (`case act:` then `act(x)` on a LeakyReLU,
`case [len]:`, `case [isinstance]:`). Every binding form counts now, and the module binds no allowed builtin's name.
A seventh red team found bypass_336..337, each passing at d1d7204: an own object joined with a list (`obj = self
if c else [x]`) is typed a container, and `obj.args` (an exception's) or `obj.keys()` (a dict's) then read as a
container's, though the own object's attribute or method of that name gives a tensor (an own name now joins in what
the own object gives). An eighth red team found bypass_338..339, each passing at 17254a6: a ParameterDict key
named `args` (an exception's `.args` is now only a name `except ... as` alone binds), and a base class's method
storing a function over a method its subclass defines (a store on self is checked against every subclass's methods).
A ninth red team found bypass_340..344, each passing at 0c046ce: an nn.ParameterDict key is an attribute too, so
`pd["training"] = p` made `pd.training` (a layer's constant) the input, and `pd |= {"view": nn.LeakyReLU()}` (or
`pd | {...}`) added keys no check saw. A module dict is now read by key, changed by update, setdefault or a key
store, counted or iterated only, and its keys are no nn.Module name. A tenth red team found bypass_345..347, each
passing at 59e7b1d: `KeyError(t).args` and `property(t).fget` in init code hand back the tensor a builtin typed as a
Python value was given (any allowed builtin but len, int, str and the like now holds what it is given). An eleventh
red team found bypass_348..349, each passing at a03930b: torch.linspace and torch.cat([...]) in init code were typed
a Python value and a container (torch's ATen operators now return tensors). Session 29's two red teams found
bypass_350..359, each passing at fee6843: in init code, torch.fft.fftfreq (every operator init code may run now
returns a tensor), reversed(t) (Tensor.__reversed__), self.get_buffer and add_module made tensors the gate typed as
other kinds; a parameter's annotation read in the nested def's scope; a nested def named __init__ calling
super().__init__; a jit body's `global g` and lambda, and its item store into a dict a launch passed (a jit body
holds no global, nonlocal, lambda, nested def or class, nor item or attribute store; a launch passes tensors,
numbers, tuples and descriptors only); and a name another function declares global or nonlocal, which hid a
rebinding from the call rule. A second round found bypass_360..367, each passing at 6811eae: a jit body reading a
module-level list or dict, or one a parameter's default names, and a list reaching a launched kernel through a
helper's `*args`, `**kw` or a starred call (a jit body reads only constants and jit functions at module level, calls
only methods of Triton's values, and never subscripts or iterates a launched argument); and torch.Generator's
get_state in init code (a torch object may hold tensors). A third round found bypass_368..372, each passing at
522e2ce: a docstring or static_assert message holding `def name(...)`, which Triton's interpreter takes for the jit
function's definition (no string in a jit function holds such a line), a comparison of tensors in init code, and a
callable called through a subscript (typed a tensor now). A fourth round found bypass_373..385: a backslash-newline
inside a string hid a physical `def ` line from the string check (the check now reads the source lines as Triton
does, in evaluator.static.source), a `coding: unicode_escape` declaration that made the importer decode a comment's
escape into code (only UTF-8 or ASCII may be declared), and a callable stored on self, in a class attribute or given
by a property, called in init code, which was typed by its name (`self.f(...)` follows a def only where f is a
plain def). A fifth round found bypass_386..388: torch.manual_seed(0).get_state() in init code (a method no Python
value has, on a receiver typed a Python value, now gives a tensor). A sixth found bypass_389..391: `@torch.no_grad()`
over `@staticmethod`, a plain function Python binds to the instance while the gate took the def for static (these
decorators are outermost or refused). A seventh found bypass_392: `def<TAB>_kernel(`, which Triton's interpreter does
not take for a definition line, so it compiled the function's last line alone (a lambda hidden in a string's tail;
the def line now starts with `def `). mech_tensor_method_on_container: `.view` on what the
gate typed as a container gives a tensor. mech_attribute_of_untyped_object (session 30): an attribute read on an
object the gate could not type is a tensor, unless it describes one (shape, device, dtype...). Session 30's
red teams: bypass_393..394 split a jit function's first decorator from its `@` line, so inspect's block started
at a lambda inside it and the interpreter compiled that lambda as the kernel; bypass_395..396 bind
`interpreter_semantic`, a name the interpreter writes into every kernel's rewritten code. A second found
bypass_397..409 in the host types: a tensor typed a container (`layer.get_parameter`, `Identity().forward`, a
Generator's get_state, `math.prod([t])`), a tuple unpacked by an own def's returns where nn.Module's method of that
name ran, a local under a method's name typed by that method, an own object nn.init duck-typed as a tensor. A
third found bypass_410..414: `h.shape = out` on an own object joined with a tensor (typed a tensor, whose shape is
a size), and nn.parameter.UninitializedParameter / UninitializedBuffer typed a container. A fourth, on regions,
found bypass_415..419: a generator built in __init__ kept by an own method named `join` (taken for str.join), and
`self = host; super().__init__(x)`, which ran an init-judged base's __init__ from forward.
mech_held_class_built_in_forward builds a held class from forward: its __init__ is host code.
honest_53 pastes the reference Model beside ModelNew: a module-level class nothing names is never instantiated,
and its methods are judged as init code (test_a_named_reference_model_is_host_code: named, it is host code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.static import static_findings

CORPUS = Path(__file__).resolve().parent / "contract_bypasses"
BYPASSES = sorted(CORPUS.glob("bypass_*.py"))
HONEST = sorted(CORPUS.glob("honest_*.py"))
MECH = sorted(CORPUS.glob("mech_*.py"))
SIZED = sorted(CORPUS.glob("sized_0[12]_*.py"))


def test_the_corpus_is_there():
    assert len(BYPASSES) == 419 and len(HONEST) == 54 and len(MECH) == 37 and len(SIZED) == 2


@pytest.mark.parametrize("path", BYPASSES, ids=lambda p: p.stem)
def test_every_bypass_is_refused(path):
    found = static_findings(path.read_text(encoding="utf-8"))
    assert found, f"{path.name} passed the gate"
    assert {f.rule for f in found} <= {
        "torch_compute",
        "contract_name",
        "dynamic_access",
        "host_call",
        "module_level",
        "rebound_import",
        "autotune_hook",
        "model_subclass",
        "monkeypatch",
        "jit_body",
    }, [(f.rule, f.message[:100]) for f in found]


@pytest.mark.parametrize("path", HONEST, ids=lambda p: p.stem)
def test_honest_patterns_pass(path):
    found = static_findings(path.read_text(encoding="utf-8"))
    assert found == [], [(f.rule, f.message[:120]) for f in found]


@pytest.mark.parametrize("path", SIZED, ids=lambda p: p.stem)
def test_sizes_the_problem_passes_to_the_constructor_are_numbers(path):
    """KernelBench's own __init__ style: `layers.append(nn.Linear(n, hidden))` with `self.hidden = hidden`. Where
    the problem passes numbers (init_inputs: "number"), the layer shares no object with them and forward may use
    self.hidden as a size; where the gate cannot tell (no problem, or an object passed), it stays refused."""
    source = path.read_text(encoding="utf-8")
    found = static_findings(source, init=("number",) * 4)
    assert found == [], [(f.rule, f.message[:120]) for f in found]
    assert static_findings(source), "untyped constructor arguments must stay unknown"
    assert static_findings(source, init=("object",) * 4)


def test_a_list_of_sizes_the_problem_passes_holds_numbers():
    """`for size in layer_sizes: layers.append(nn.Linear(n, size))`, then `nn.Sequential(*layers)`: where the problem
    passes a list of numbers ("numbers"), each size is an immutable number, the Sequential holds Linear and ReLU
    layers, and a layer forward proves a Linear with isinstance has its out_features. Refused where the list may
    hold other objects ("plain": nested lists) or the gate is not told."""
    source = (CORPUS / "sized_03_mlp_layers_checked_by_isinstance.py").read_text(encoding="utf-8")
    found = static_findings(source, init=("number", "numbers", "number"))
    assert found == [], [(f.rule, f.message[:120]) for f in found]
    assert static_findings(source, init=("number", "plain", "number"))
    assert static_findings(source)
    typed = ("number", "numbers", "number")
    # a test that proves nothing (a ReLU passes it, and out_features is no constant of a ReLU), and a name bound
    # again after the test
    loose = source.replace("isinstance(layer, nn.Linear)", "isinstance(layer, (nn.Linear, nn.ReLU))")
    rebound = source.replace("            x = linear(", "            layer = self.network[1]\n            x = linear(")
    assert loose != source and rebound != source
    assert static_findings(loose, init=typed) and static_findings(rebound, init=typed)
    # a local copy of the Sequential, only iterated and read by item, holds the same layers; one appended to does not
    copied = source.replace(
        "        n = len(self.network)\n        for i, layer in enumerate(self.network):",
        "        layers = list(self.network)\n        n = len(layers)\n        for i, layer in enumerate(layers):",
    )
    grown = copied.replace(
        "        n = len(layers)\n", "        n = len(layers)\n        layers.append(self.network[1])\n"
    )
    assert copied != source and grown != copied
    assert static_findings(copied, init=typed) == [] and static_findings(grown, init=typed)


def test_a_parameter_that_holds_a_class_builds_only_that_class():
    """KernelBench's ResNets hand their block class to `_make_layer(self, block, ...)` (honest_58). The parameter
    holds the class only where every call passes that one class and the function only calls it or reads a class
    constant; anything else leaves the class a value handed out of the gate's sight."""
    source = (CORPUS / "honest_58_resnet_make_layer_with_a_block_class.py").read_text(encoding="utf-8")
    assert static_findings(source) == []
    other = source.replace("class ModelNew(", "class OtherBlock(BasicBlock):\n    pass\n\n\nclass ModelNew(").replace(
        "self._make_layer(BasicBlock, 128", "self._make_layer(OtherBlock, 128"
    )
    kept = source.replace("        downsample = None\n", "        downsample = None\n        self.kind = block\n")
    method = source.replace("out_channels * block.expansion:", "out_channels * block.expansion and block.forward:")
    stored = source.replace("    expansion = 1\n", "    expansion = 1\n", 1).replace(
        "        self.in_channels = 64\n", "        self.in_channels = 64\n        BasicBlock.expansion = 2\n"
    )
    for changed in (other, kept, method, stored):
        assert changed != source
        assert static_findings(changed), changed[:0]
    # KernelBench's own spelling, `self.stride = stride`: every block(...) call passes a number there, so the
    # attribute holds one; not where a call passes a list
    spelled = source.replace("conv_stride", "stride")
    listed = spelled.replace(
        "block(self.in_channels, out_channels, stride, downsample)",
        "block(self.in_channels, out_channels, [stride], downsample)",
    )
    assert spelled != source and listed != spelled
    assert static_findings(spelled) == []
    assert static_findings(listed)


def test_a_container_handed_to_a_constructor_keeps_its_layers():
    """honest_59 hands `downsample` (None or nn.Sequential(conv, bn)) to each block, which keeps it; its conv
    launcher reads `conv.stride` off `self.downsample[0]`. Only where every name on the way hands the container on
    unchanged: appended to after it is handed, or passed to a helper too, its items are unknown again."""
    source = (CORPUS / "honest_59_resnet_conv_reads_its_layer.py").read_text(encoding="utf-8")
    assert static_findings(source) == []
    handed = "        layers.append(block(self.in_channels, out_channels, stride, downsample))\n"
    grown = source.replace(
        handed, handed + "        if downsample is not None:\n            downsample.append(nn.ReLU())\n"
    )
    helper = source.replace(handed, handed + "        keep(downsample)\n").replace(
        "class BasicBlock(", "def keep(m):\n    return m\n\n\nclass BasicBlock("
    )
    kept = source.replace(
        "        self.downsample = downsample\n", "        self.downsample = downsample\n        self.ds = downsample\n"
    )
    for changed in (grown, helper, kept):
        assert changed != source
        assert static_findings(changed), changed[:0]


def test_a_named_reference_model_is_host_code():
    source = (CORPUS / "honest_53_reference_model_pasted.py").read_text(encoding="utf-8")
    used = source.replace("        x = self.blocks[0](x)", "        x = Model()(x)")
    kept = source.replace("        self.blocks = nn", "        self.ref = Model\n        self.blocks = nn")
    assert used != source and kept != source
    assert {f.rule for f in static_findings(used)} >= {"torch_compute"}
    assert {f.rule for f in static_findings(kept)} >= {"torch_compute"}


def test_a_descriptor_read_outside_a_launch_is_refused():
    """honest_54 returns its descriptors from a helper to names only passed to launches; read one's shape, and the
    descriptor is refused where it is built."""
    source = (CORPUS / "honest_54_descriptors_from_a_helper.py").read_text(encoding="utf-8")
    read = source.replace(
        "        out = torch.empty_like(flat)\n", "        out = torch.empty_like(flat)\n        n = x_desc.shape\n"
    )
    assert read != source
    assert any("tensor descriptor only for a kernel launch" in f.message for f in static_findings(read))


def number(path: Path) -> int:
    return int(path.stem.split("_")[1])


def compute_lines(text: str) -> set[int]:
    return {
        i
        for i, line in enumerate(text.splitlines(), 1)
        if line.lstrip().startswith("s = ") or line.endswith("# compute")
    }


# refused by the construct that reaches the computation, not on its arithmetic: nn.Module's own method called on
# self (host_call), a lambda kept in a class body, a generator kept by __init__, nn.Module's private _buffers
CALL_REFUSED = {
    "bypass_117_module_method_name_elsewhere",
    "bypass_118_layer_typed_as_own_instance",
    "bypass_125_class_body_property_lambda",
    "bypass_126_init_generator_expression",
    "bypass_127_module_private_dicts",
    "bypass_145_private_dict_made_own",  # nn.Module's private _buffers read on self (dynamic_access)
    "bypass_171_tensor_attribute_holds_a_list",  # a Python attribute stored on a tensor (host_call)
    "bypass_173_container_method_through_its_type",  # dict.get(box, ...) through its type (host_call)
    "bypass_175_class_body_walrus_attribute",  # a walrus in a class body (module_level)
}
# session 25's red teams on names, calls and regions, and on their first fixes: refused by the construct
NAMES_CALLS = (
    set(range(146, 159)) | set(range(160, 168)) | set(range(178, 190)) - {182, 188, 189} | {192, 193, 194, 195}
)
# session 26's red team on that session's relaxations (own blocks called, layer classes followed through locals,
# parameters and container items, private methods on self): refused by the call or on the compute, either way
RELAXATIONS = set(range(196, 283))
# session 27's second red team: a descriptor or a module dict reached where the gate took it for a tensor, refused by
# where they may be built and used (a descriptor only for launches, a module dict only on self under no tensor name)
BUILT_WHERE = {291, 292, 293, 295, 296} | set(range(297, 320))
# session 28's red teams on the ResNet relaxations: a helper's returned Sequential that is not what self.layer holds,
# and a method named bare in its class's scope (a call the sites never saw), refused on the block call or the class
RETURNED = {320, 321, 322, 323, 331, 332, 333, 334, 335, 339} | set(range(340, 345))
# session 28's third red team: a name Python mangles inside a class (`__act` is `_ModelNew__act`), refused where it
# is written
MANGLED = {324, 325, 326, 327}
# session 29's red teams on names and the jit body: refused where the construct is written (a nested def's
# super().__init__, a jit body's global, lambda, item store, module-level object, list method or subscript of a
# launched argument, a launch's container argument, a call of a name some function declares global or nonlocal)
CONSTRUCTS = {355, 356, 357, 358, 359} | set(range(360, 367)) | {368, 369} | set(range(373, 378)) | {389, 390, 391, 392}
# session 30's: a decorator split from its `@` line, a binding of a name the interpreter writes into kernel code,
# an own object handed to a library function, a store under a tensor description's name on an object joined with a
# tensor
CONSTRUCTS |= {393, 394, 395, 396, 409, 410, 411, 412}
# ... a generator __init__ hands to an own `join`, a method's first parameter bound again before super()
CONSTRUCTS |= set(range(415, 420))


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in BYPASSES
        if (34 <= number(p) <= 70 or number(p) >= 91)
        and number(p) not in NAMES_CALLS | RELAXATIONS | BUILT_WHERE | RETURNED | MANGLED | CONSTRUCTS
        and p.stem not in CALL_REFUSED
    ]
    + MECH,
    ids=lambda p: p.stem,
)
def test_the_compute_line_itself_is_refused(path):
    # not only some other line of the file (an `.append` on a receiver the gate cannot type): the arithmetic
    text = path.read_text(encoding="utf-8")
    lines = compute_lines(text)
    assert lines, "the attack marks its compute line `s = ...`"
    found = static_findings(text)
    assert any(f.line in lines and f.rule == "torch_compute" for f in found), [(f.line, f.rule) for f in found]


UNBOUND = """import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=offs < n), mask=offs < n)


class ModelNew(nn.Module):
    def forward(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return {use}
"""


@pytest.mark.parametrize("use", ["_implicit_cvt(out)", "out if np else out", "interpreter_semantic"])
def test_a_name_bound_nowhere_is_refused(use):
    """After a launch under TRITON_INTERPRET=1 the interpreter's globals (np, _implicit_cvt...) sit in the kernel's
    module: a name the module binds nowhere and no builtin is refused, whatever it would hold at run time."""
    found = static_findings(UNBOUND.format(use=use))
    assert [f.rule for f in found] == ["contract_name"], [(f.rule, f.message[:100]) for f in found]
    assert static_findings(UNBOUND.format(use="out")) == []
