"""Static bans on snippets: honest host code passes, each banned construct is named with its line."""

from __future__ import annotations

import pytest

from evaluator.static import static_findings

HEAD = """import math
import torch
import torch.nn as nn
import torch.nn.functional as F
import triton
import triton.language as tl
from torch import nn as tnn


@triton.autotune(configs=[triton.Config({"BLOCK": 64}, num_warps=4)], key=["n"])
@triton.jit
def k(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    v = tl.load(x_ptr + offs, mask=offs < n, other=0.0)
    m = tl.max(v, axis=0) + v.sum(axis=0) + tl.sum(v * v, axis=0)
    tl.store(y_ptr + offs, (v @ v) if False else v.to(tl.float32) * m, mask=offs < n)


def launch(x, y):
    k[(triton.cdiv(x.numel(), 64),)](x, y, x.numel())


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
        self.register_buffer("scale", torch.tensor(float(scale_factor)))

    def forward(self, input):
"""

BODY_LINE = HEAD.count("\n") + 1  # the first line of a snippet's body

HONEST_BODIES = [
    "        x = input.contiguous()\n        y = torch.empty_like(x)\n        k[(triton.cdiv(x.numel(), 64),)](x, y, x.numel())\n        return y",  # noqa: E501 - the candidate source, line for line
    "        y = torch.zeros((input.shape[0], 1), device=input.device, dtype=torch.float32)\n"
    "        k[lambda meta: (triton.cdiv(y.numel(), meta['BLOCK']),)](input, y, y.numel())\n        return y",
    "        sn, sc, sh, sw = input.stride()\n        w = self.conv.weight.contiguous()\n"
    "        props = torch.cuda.get_device_properties(0) if torch.cuda.is_available() else None\n"
    "        seen = set()\n        seen.add(1)\n        order = [3, 1]\n        order.sort()\n"
    "        x = F.pad(input, (1, 1)).to(torch.float32).view(-1)\n        y = input.new_empty(x.shape)\n"
    "        k[(1,)](x, y, x.numel())\n        return y.reshape(input.shape[0], -1)[:, :1]",
    "        assert input.dtype in (torch.float32, torch.float16) and input.is_contiguous()\n"
    "        y = torch.full_like(input, float('inf'))\n        k[(1,)](input, y, max(1, min(4, y.numel())))\n"
    "        return y",
]


@pytest.mark.parametrize("body", HONEST_BODIES)
def test_honest_host_code_is_not_flagged(body):
    found = static_findings(HEAD + body + "\n")
    assert found == [], [(f.rule, f.message) for f in found]


@pytest.mark.parametrize(
    "body, rule, words",
    [
        (
            "        return F.conv2d(input, self.conv.weight)",
            "torch_compute",
            [f"Line {BODY_LINE}:", "torch.nn.functional.conv2d"],
        ),
        ("        return torch.nn.functional.conv2d(input, self.weight)", "torch_compute", ["functional.conv2d"]),
        ("        return self.conv(input)", "nn_module_call", ["self.conv(...)"]),
        ("        return self.conv.forward(input)", "nn_module_call", ["self.conv.forward"]),
        ("        return nn.Conv2d(3, 5, 3)(input)", "nn_module_call", ["PyTorch layer"]),
        ("        return input @ self.weight", "torch_compute", ["`@` in host code"]),
        ("        return input.matmul(self.weight)", "torch_compute", ["`.matmul(...)`"]),
        ("        return torch.amin(input, dim=1, keepdim=True)", "torch_compute", ["torch.amin"]),
        ("        f = getattr(torch, 'conv' + '2d')\n        return f(input)", "harness_access", ["getattr"]),
        ("        f = getattr(torch, 'matmul')\n        return f(input)", "torch_compute", ["torch.matmul"]),
        ("        return torch.compile(lambda t: t)(input)", "torch_compute", ["torch.compile"]),
        ("        return torch._C._nn.linear(input, self.weight)", "torch_compute", ["internals"]),
        ("        torch.backends.cudnn.allow_tf32 = True\n        return input", "monkeypatch", ["torch.backends"]),
        ("        torch.save(input, 'x.pt')\n        return input", "file_write", ["torch.save"]),
        ("        input.numpy().tofile('x')\n        return input", "file_write", ["tofile"]),
        ("        return eval('input')", "harness_access", ["`eval`"]),
        ("        return ().__class__.__base__.__subclasses__()", "harness_access", ["__subclasses__"]),
        ("        import builtins\n        return input", "import", ["`import builtins`"]),
        ("        import requests\n        return input", "network", ["network access"]),
        ("        import numpy as np\n        return input", "import", ["another library"]),
        ("        from torch.nn.functional import conv2d\n        return input", "torch_compute", ["conv2d"]),
        ("        s = torch.cuda.Stream()\n        return input", "side_stream", ["torch.cuda.Stream"]),
        ("        g = torch.cuda.CUDAGraph()\n        return input", "side_stream", ["CUDAGraph"]),
        ("        torch.allclose = lambda *a, **k: True\n        return input", "monkeypatch", ["torch.allclose"]),
        ("        del F.conv2d\n        return input", "monkeypatch", ["F.conv2d"]),
    ],
)
def test_banned_construct_is_named(body, rule, words):
    found = static_findings(HEAD + body + "\n")
    assert rule in {f.rule for f in found}, [(f.rule, f.message) for f in found]
    text = " ".join(f.message for f in found)
    for w in words:
        assert w in text, (w, text)


def test_triton_code_is_not_host_code():
    # .sum()/.max() and `@` inside a @triton.jit body are Triton's; the same outside are PyTorch's.
    assert static_findings(HEAD + "        return input.sum(dim=1)\n")[0].rule == "torch_compute"
    assert static_findings(HEAD + "        return input\n") == []


def test_bans_can_be_switched_off_for_runtime_tests():
    code = HEAD + "        import os\n        return F.conv2d(input, self.weight)\n"
    assert static_findings(code, bans=False) == []
    assert {f.rule for f in static_findings(code)} == {"import", "torch_compute"}


# ---------------------------------------------------------------- the host-code contract (issue 24)

INIT_LINE = HEAD.index('        self.register_buffer("scale"')


def _with_init(extra: str, body: str = "        return input\n") -> str:
    """HEAD with `extra` lines added at the end of __init__, then a forward body."""
    at = HEAD.index("\n", INIT_LINE) + 1
    return HEAD[:at] + extra + HEAD[at:] + body


@pytest.mark.parametrize(
    "extra",
    [
        "        self.weight.data.mul_(2)\n",
        "        with torch.no_grad():\n            self.weight.copy_(self.weight.flip(0) * 0.5)\n",
        "        self.folded = nn.Parameter(torch.amin(self.weight, dim=1) + self.conv.weight.sum())\n",
        "        self.wt = self.weight.detach().permute(1, 0, 2, 3).contiguous().float()\n",
    ],
)
def test_weight_preprocessing_in_init_is_accepted(extra):
    # issue 24 item 7: __init__ sees only weights, so PyTorch there computes nothing of the result.
    found = static_findings(_with_init(extra))
    assert found == [], [(f.rule, f.message) for f in found]


def test_init_region_is_only_what_modelnew_init_builds():
    # session 22 (red team): a helper class forward builds may be handed the input, so its __init__ is host code
    helper = (
        "class Prepared:\n    def __init__(self, x):\n        self.value = torch.amin(x, dim=1)\n\n\n"
        "class Folded(nn.Module):\n    def __init__(self, w):\n        super().__init__()\n"
        "        self.w = nn.Parameter(torch.amin(w, dim=1) * 2)\n\n\n"
    )
    code = _with_init("        self.f = Folded(self.weight)\n", "        return Prepared(input).value\n")
    found = static_findings(code.replace("class ModelNew", helper + "class ModelNew"))
    assert [(f.rule, f.line) for f in found if "torch.amin" in f.message] == [("torch_compute", 25)], found
    # the same class built in __init__ too: whoever else builds it makes it host code
    code = _with_init("        self.f = Folded(self.weight)\n", "        return Folded(input).w\n")
    found = static_findings(code.replace("class ModelNew", helper + "class ModelNew"))
    assert any(f.rule == "torch_compute" and "torch.amin" in f.message for f in found), found


def test_init_may_not_reach_pytorch_internals():
    # the dispatch modes that audit forward are PyTorch internals: no weight preprocessing needs them
    code = _with_init("        with torch.utils._python_dispatch._disable_current_modes():\n            pass\n")
    assert any("reaches PyTorch internals" in f.message for f in static_findings(code))


def test_a_kernels_decorators_are_host_code():
    # a heuristic's lambda runs on the host at launch: it is not the kernel's body (device rules check no methods)
    heuristic = '@triton.heuristics({"D": lambda a: a["x_ptr"].sum().item() > 0})\n@triton.jit\ndef k2(x_ptr):'
    code = HEAD.replace("def launch(", heuristic + "\n    pass\n\n\ndef launch(") + "        return input\n"
    assert {"`.sum(...)`", "`.item(...)`"} <= {
        m for f in static_findings(code) for m in ("`.sum(...)`", "`.item(...)`") if m in f.message
    }


def test_torch_stored_in_init_runs_later_and_is_refused():
    code = _with_init("        self.f = torch.amin\n", "        return self.f(input, dim=1)\n")
    assert {f.rule for f in static_findings(code)} >= {"torch_compute", "host_call"}


@pytest.mark.parametrize(
    "body, rule, words",
    [
        ("        return input * 2", "torch_compute", ["as a Python operand"]),
        ("        return -input", "torch_compute", ["as a Python operand"]),
        ("        y = input.contiguous()\n        y += 1\n        return y", "torch_compute", ["`y`"]),
        ("        return input.tolist()", "torch_compute", ["reads tensor values"]),
        ("        v = float(input.view(-1)[0])\n        return input", "torch_compute", ["as a Python operand"]),
        ("        return input.unfold(2, 3, 1)", "torch_compute", ["`.unfold(...)`"]),
        ("        f = [getattr][0]\n        return input", "builtin", ["`getattr`"]),
        ("        return vars(self)", "harness_access", ["`vars`"]),  # the ban's wording, same line
        ("        return hasattr(self, 'w')", "builtin", ["`hasattr`"]),
        ("        t = torch\n        return input", "module_value", ["`torch`"]),
        ("        return tl.core.builtins.len(input)", "contract_name", ["module builtins"]),
        ("        return torch.nn.init.torch.amin(input, 1)", "contract_name", ["the module torch, reached"]),
        ("        import typing\n        return typing.sys.modules", "contract_name", ["typing.sys"]),
        ("        import functools\n        return input", "import", ["`import functools`"]),
        ("        return self.forward.__qualname__", "dynamic_access", ["`.__qualname__`"]),
        ("        return self.helper(input)", "host_call", ["`self.helper(...)`"]),
        ("        return k(input, input, 1)", "host_call", ["k[grid](...)"]),
        ("        return triton.testing.do_bench(lambda: 0)", "contract_name", ["triton.testing"]),
        ("        return float(f'{input}'.split()[0])", "torch_compute", ["`{input}`"]),
        ("        i = torch.arange(3)\n        return input[i]", "torch_compute", ["`input[i]`"]),
        ("        return [float(v) for v in list(input)]", "torch_compute", ["`list(input)`"]),
        ("        return math.sqrt(input)", "torch_compute", ["`math.sqrt(input)`"]),
        # any module is a value, not only the listed ones: each holds the modules it imported (`.torch`)
        ("        T = torch.nn.parameter\n        return T.torch.amin(input, 1)", "module_value", ["nn.parameter"]),
        ("        from torch.nn import parameter as P\n        return [P][0]", "module_value", ["torch.nn.parameter"]),
        ("        n = (triton.cdiv or max)(4, 2)\n        return input", "host_call", ["value of an expression"]),
        ("        return (lambda t: t)(input)", "host_call", ["calls the value of an expression"]),
        ("        w = self.conv.weight\n        return w._base", "dynamic_access", ["private name `_base`"]),
        ("        return self.conv._parameters", "dynamic_access", ["private name `_parameters`"]),
        # session 22 (red team): an import's name rebound makes any method pass as a Triton name (`tl.numpy()`)
        ("        tl = input\n        return tl.numpy()", "rebound_import", ["`tl` is the import of triton.language"]),
        ("        return [tl.numpy() for tl in [input]]", "rebound_import", ["bound again here"]),
        ("        import torch as tl\n        return input", "rebound_import", ["imported as triton.language"]),
        # ... and a tensor laundered through a container, a closure or an exception is still a tensor
        (
            "        box = [input.contiguous()]\n        return [float(v) for v in box[0].reshape(-1)]",
            "torch_compute",
            ["`box[0].reshape(-1)`"],
        ),
        (
            "        box = []\n        box.append(input)\n        t = box.pop()\n        return sum(t)",
            "torch_compute",
            ["`sum(t)`"],
        ),
        (
            "        d = {}\n        d['x'] = input\n        return [v for v in d['x'].view(-1)]",
            "torch_compute",
            ["d['x'].view(-1)"],
        ),
        ("        return min([input, input])", "torch_compute", ["a container that may hold a tensor"]),
        (
            "        box = [input]\n        def inner():\n            return box[0]\n        return float(inner())",
            "torch_compute",
            ["`float(inner())`"],
        ),
        (
            "        try:\n            raise ValueError(input)\n        except ValueError as e:\n"
            "            return float(e.args[0])",
            "torch_compute",
            ["`float(e.args[0])`"],
        ),
        ("        return launch_twice(*[[input]])", "torch_compute", ["`float(t)`"]),
        ("        return ModelNew(1, 2, 3, 4)", "host_call", ["builds the model a second time"]),
        # second round: triton.language's modules import sys.modules, importlib and contextlib under public names
        ("        return tl.extra.modules['os']", "contract_name", ["dict from builtins"]),
        ("        return tl.core.contextmanager", "contract_name", ["from contextlib"]),
        ("        self.__init__(1, 2, 3, 4)\n        return input", "dynamic_access", ["runs an __init__ again"]),
    ],
)
def test_contract_refuses_with_a_named_rule(body, rule, words):
    helper = "def launch_twice(box):\n    return [float(t) for t in box]\n\n\n"  # its parameter holds a tensor
    found = static_findings(HEAD.replace("class ModelNew", helper + "class ModelNew") + body + "\n")
    assert rule in {f.rule for f in found}, [(f.rule, f.message) for f in found]
    text = " ".join(f.message for f in found)
    for w in words:
        assert w in text, (w, text)


def test_jit_body_is_triton_only():
    jit = "@triton.jit\ndef k2(x_ptr):\n    v = tl.load(x_ptr)\n    {}\n    tl.store(x_ptr, v)\n\n\n"
    head = HEAD.replace("def launch(", jit.format("w = torch.zeros(1)") + "def launch(")
    assert "jit_body" in {f.rule for f in static_findings(head + "        return input\n")}
    helper = "def plain(a):\n    return a\n\n\n" + jit.format("v = plain(v)")
    head = HEAD.replace("def launch(", helper + "def launch(")
    assert "jit_body" in {f.rule for f in static_findings(head + "        return input\n")}


def test_autotune_hooks_are_refused():
    code = HEAD.replace('key=["n"])', 'key=["n"], prune_configs_by={"early_config_prune": None})')
    assert "autotune_hook" in {f.rule for f in static_findings(code + "        return input\n")}


def test_special_methods_are_refused():
    code = HEAD.replace(
        "class ModelNew(nn.Module):",
        "class Box:\n    def __getattr__(self, n):\n        return n\n\n\nclass ModelNew(nn.Module):",
    )
    assert "dynamic_access" in {f.rule for f in static_findings(code + "        return input\n")}


def test_definitions_call_nothing_the_gate_cannot_name():
    """A decorator and a metaclass are calls without a Call node: each must be a name or a dotted path."""
    found = static_findings(HEAD.replace("def launch(", "@(lambda f: f)\ndef launch(") + "        return input\n")
    assert any(f.rule == "host_call" and "decorate and subclass with names" in f.message for f in found), found
    meta = HEAD.replace("class ModelNew(nn.Module):", "class ModelNew(nn.Module, metaclass=type):")
    found = static_findings(meta + "        return input\n")
    assert any(f.rule == "host_call" and "metaclass" in f.message for f in found), found


def test_private_names_stay_legal_on_self_and_in_gluon_bodies():
    own = HEAD.replace("        super().__init__()\n", "        super().__init__()\n        self._cache = {}\n")
    assert static_findings(own + "        c = self._cache\n        return input\n") == []
    # Gluon's API has `smem._reinterpret`; a Gluon body compiles for a GPU only and never runs as Python
    body = "(x_ptr):\n    s = x_ptr._reinterpret(1)\n\n\n"
    gluon = "from triton.experimental import gluon\n\n\n@gluon.jit\ndef g" + body
    code = HEAD.replace("def launch(", gluon + "def launch(").replace("    k[(", "    g[(1,)](x)\n    k[(")
    assert static_findings(code + "        return input\n") == []
    jit = "@triton.jit\ndef g" + body
    code = HEAD.replace("def launch(", jit + "def launch(").replace("    k[(", "    g[(1,)](x)\n    k[(")
    assert "dynamic_access" in {f.rule for f in static_findings(code + "        return input\n")}


def test_nothing_runs_at_import():
    code = HEAD.replace("def launch(", "print('hi')\n\n\ndef launch(")
    assert "module_level" in {f.rule for f in static_findings(code + "        return input\n")}

    # the module's own code called at import: an assignment, a decorator, a class body (not a method's body)
    helper = "def helper(f=None):\n    return f\n\n\n"
    for at_import in ("_ = helper()\n\n\n", "@helper\ndef g():\n    return 1\n\n\n",
                      "class Box:\n    X = helper()\n\n\n", "def g(a=helper()):\n    return a\n\n\n"):  # fmt: skip
        code = HEAD.replace("def launch(", helper + at_import + "def launch(")
        found = static_findings(code + "        return input\n")
        assert any(f.rule == "module_level" and "calls `helper` at import" in f.message for f in found), at_import
    library = "CONFIGS = [triton.Config({'BLOCK': b}, num_warps=4) for b in (64, 128)]\nLOG2E = math.log2(math.e)\n"
    method = "class Box:\n    def m(self):\n        return helper()\n\n\n"
    code = HEAD.replace("def launch(", helper + library + "\n\n" + method + "def launch(")
    assert static_findings(code + "        return input\n") == []


def test_gluon_names_are_walked_even_when_nothing_imported_triton_experimental():
    # `import triton` does not import triton.experimental: the walk imports a listed submodule itself, so gl.* names
    # get the same module and origin checks as tl.* (they used to stop at `triton` and pass unchecked)
    import os
    import subprocess
    import sys

    # Under TRITON_INTERPRET=1 (the CPU evaluator's) tl.sum is the interpreter's InterpretedFunction, from
    # triton.runtime: its origin is the function it wraps (triton.language.standard), not refused
    code = (
        "from evaluator.static.contract import _modules_along, foreign_object\n"
        "print(len(_modules_along('triton.experimental.gluon.language.load')),"
        " foreign_object('triton.language.extra.modules') is not None,"
        " foreign_object('triton.language.sum') is None)"
    )
    for interpret in ("0", "1"):
        env = dict(os.environ, TRITON_INTERPRET=interpret)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
        assert out.split() == ["4", "True", "True"], (interpret, out)
