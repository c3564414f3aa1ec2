"""The prompt renderer: a stage template + GPU card + current code + NCU metrics -> prompt text.

    python -m agent.prompt --stage fusion --problem conv2d_scale_min --gpu 4090 \\
        --ncu tests/fixtures/seed_ncu.json --precision none \\
        --missing-apis "tl.tanh, tl.sigmoid, tl.gelu, tl.silu, tl.softmax, tl.mish"   # the seed, exactly

    python -m agent.prompt --stage repair --problem conv2d_scale_min --failure failed.json
        # failed.json: {"status": "compile_error", "message": "...", "code": "<failed candidate>"}

    python -m agent.prompt --stage seed --problem path/to/kernelbench_file.py   # the first kernel

    from agent.prompt import render, get_stage, should_skip
    text = render("tiling", gpu=load_card("h100"), code=src, ncu=metrics, precision=get_policy("tf32"))
    skip, why = should_skip(get_stage("tiling"), metrics)
    text = render("seed", gpu=card, code="", ncu=None, precision=policy, problem=brief(problem))

Optional sections (off unless given, so the seed's fusion prompt renders byte for byte): `problem`
(a ProblemBrief: the PyTorch reference source, how it is called, the timed shapes and the checked
ones) and `history` (one line per attempt already made from this parent: id, verdict or time). The
loop passes both to every stage; the `seed` stage requires `problem`.

Flags: --problem NAME (default: agent.run's, the shipped conv2d_scale_min); --code FILE (default: the
problem's seed.py; the seed stage needs none); --reference (show
the PyTorch reference and shapes, always on for the seed stage); --ncu FILE.json ({kernel: {metric: value}});
--ncu-reason TEXT (why there are none); --precision tf32|strict|loose|none (default tf32; none
omits the section, as in the seed); --missing-apis "tl.a, tl.b" (default: computed from the
installed Triton); --gpu NAME (default: the local CUDA GPU; without CUDA the H100 SXM card, with a
note on stderr). Bad input: one line on stderr, exit code 2.

Templates are jinja2 with StrictUndefined: a variable a template needs but was not given is an
error, never an empty string. Stages (template, NCU metrics, skip criterion) are data in
prompts/stages.json.
"""

from __future__ import annotations

import argparse
import json
import operator
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, ConfigDict, model_validator

from agent import stages
from agent.cli import CliParser
from agent.gpu import GpuCard, GpuError, select_card
from agent.triton_api import given, installed, parse_names
from evaluator import DEFAULT_METRICS, POLICIES, Policy, contract_lines, data_dir, get_policy

PROMPTS_DIR = data_dir("prompts")  # the checkout's prompts/, or the installed copy
OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}


class PromptError(ValueError):
    """A prompt that cannot be rendered; the message is one line for the user."""


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str
    op: Literal[">=", ">", "<=", "<", "==", "!="]
    value: float


class Criterion(BaseModel):
    """{"all": [...]} or {"any": [...]} of conditions or nested criteria."""

    model_config = ConfigDict(extra="forbid")
    all: list[Condition | Criterion] | None = None
    any: list[Condition | Criterion] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Criterion:
        if (self.all is None) == (self.any is None):
            raise ValueError("a criterion has exactly one of 'all' or 'any'")
        return self

    def metrics(self) -> list[str]:
        return [
            m for c in (self.all or self.any or []) for m in ([c.metric] if isinstance(c, Condition) else c.metrics())
        ]


class Stage(BaseModel):
    name: str
    template: str
    summary: str
    metrics: list[str]  # NCU metric names this stage needs: the seed's five (evaluator.parent.ncu), then its own
    skip: Criterion | None = None  # None: never skipped
    skip_why: str
    min_capability: float | None = None  # offered only on GPUs of at least this compute capability


def capability_skip(stage: Stage | str, card: GpuCard) -> tuple[bool, str]:
    """(skip?, reason) from the stage's minimum compute capability and the GPU card's."""
    stage = get_stage(stage) if isinstance(stage, str) else stage
    if stage.min_capability is None:
        return False, ""
    cap = _number(card.facts.get("Compute Capability"))
    if cap is not None and cap >= stage.min_capability:
        return False, f"{stage.name}: offered (compute capability {cap:.1f} >= {stage.min_capability:.1f})"
    have = f"{cap:.1f}" if cap is not None else "unknown"
    return True, (
        f"{stage.name} skipped: it needs compute capability >= {stage.min_capability:.1f} "
        f"({stage.summary}); the GPU {card.name} has {have}"
    )


@lru_cache(maxsize=1)
def load_stages() -> dict[str, Stage]:
    raw = stages.specs()
    # stages.json lists each stage's own metrics; the seed's five, which every stage shows, have one home
    return {
        name: Stage(
            name=name, **{**spec, "metrics": DEFAULT_METRICS + [m for m in spec["metrics"] if m not in DEFAULT_METRICS]}
        )
        for name, spec in raw.items()
        if not name.startswith("_")
    }


def get_stage(name: str) -> Stage:
    stages = load_stages()
    if name not in stages:
        raise PromptError(f"unknown stage {name!r} (choose from {', '.join(stages)})")
    return stages[name]


def _number(value: Any) -> float | None:
    # ncu's CSV prints thousands separators ("516,128"); a JSON export may keep them as strings.
    try:
        return float(str(value).replace(",", "")) if not isinstance(value, bool) else None
    except ValueError:
        return None


def _holds(crit: Condition | Criterion, metrics: dict[str, Any]) -> tuple[bool, str]:
    if isinstance(crit, Condition):
        if crit.metric not in metrics:
            return False, f"{crit.metric} not measured"
        x = _number(metrics[crit.metric])
        if x is None:
            return False, f"{crit.metric} is not a number ({metrics[crit.metric]!r})"
        ok = OPS[crit.op](x, crit.value)
        return ok, f"{crit.metric} = {x:g} ({'' if ok else 'not '}{crit.op} {crit.value:g})"
    results = [_holds(c, metrics) for c in (crit.all or crit.any or [])]
    if crit.all is not None:
        failed = [why for ok, why in results if not ok]
        return not failed, "; ".join(failed[:1] or [why for _, why in results])
    passed = [why for ok, why in results if ok]
    return bool(passed), "; ".join(passed[:1] or [why for _, why in results])


def should_skip(stage: Stage | str, ncu_metrics: dict[str, dict[str, Any]] | None) -> tuple[bool, str]:
    """(skip?, reason). Skipped only when the stage's criterion holds for every profiled kernel."""
    stage = get_stage(stage) if isinstance(stage, str) else stage
    if stage.skip is None:
        return False, f"{stage.name}: {stage.skip_why}"
    if not ncu_metrics:
        return False, f"{stage.name}: no NCU metrics to judge the skip criterion, so the stage runs"
    reasons = []
    for kernel, metrics in ncu_metrics.items():
        ok, why = _holds(stage.skip, metrics)
        if not ok:
            return False, f"{stage.name} runs: kernel {kernel}: {why}"
        reasons.append(f"{kernel}: {why}")
    return True, f"{stage.name} skipped ({stage.skip_why}): " + "; ".join(reasons)


class ProblemBrief(BaseModel):
    """What every stage prompt may show about the problem (the optional [PYTORCH REFERENCE] section)."""

    name: str
    source: str
    mode_text: str
    timed: list[str]
    checked: list[str] = []


def _case_line(case, module=None) -> str:
    args = []
    for k, spec in enumerate(case.inputs):
        if spec.shape is None:
            args.append(f"arg{k} = {spec.value!r}")
            continue
        shape = "[" + ", ".join(map(str, spec.shape)) + "]"
        rule = (
            ""
            if spec.dist in ("get_inputs", "rand", "randn")
            else {
                "randint": f", integers in [{int(spec.low or 0)}, {int(spec.high or 0)})",
                "bool": f", True with p={spec.p:g}",
                "uniform": f", uniform in [{spec.low or 0:g}, {spec.high or 1:g})",
                "normal": f", normal(mean={spec.mean:g}, std={spec.std:g})",
            }[spec.dist]
        )
        args.append(f"arg{k}: {shape} {spec.dtype}{rule}")
    return f"{case.label}: Model({', '.join(map(repr, case.init))}); forward({'; '.join(args)})"


def brief(problem) -> ProblemBrief:
    """The prompt's view of an evaluator.shared.problem.Problem. SHAPES (our sets, data for the evaluator) is
    left out of the quoted source: the timed and checked shapes are listed instead."""
    source = problem.path.read_text(encoding="utf-8")
    cuts = [
        i
        for i in (source.find("\n# ---- added by `python -m agent.problem add`"), source.find("\nSHAPES = "))
        if i >= 0
    ]
    cut = min(cuts) if cuts else -1
    if cut >= 0:
        source = source[:cut].rstrip() + "\n"
    timed = problem.timed_cases()
    checked = [c for c in problem.cases("all") if c not in timed]
    return ProblemBrief(
        name=problem.name,
        source=source,
        mode_text=problem.mode_text,
        timed=[_case_line(c) for c in timed],
        checked=[_case_line(c) for c in checked],
    )


def _fenced(text: str, lang: str = "") -> str:
    # A fence longer than any backtick run inside, so quoted code or messages cannot close it early.
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


@lru_cache(maxsize=1)
def _environment(template_dir: Path | None = None) -> jinja2.Environment:
    """The shipped templates, under `template_dir`'s own where it has a file of the same name (a user's
    seed.j2 replaces ours and may still extend the shipped base.j2)."""
    loader = jinja2.FileSystemLoader([str(template_dir), str(PROMPTS_DIR)] if template_dir else PROMPTS_DIR)
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["fenced"] = _fenced
    return env


def render_template(template: str, context: dict[str, Any], template_dir: Path | None = None) -> str:
    """Render one template file (`template_dir`'s own first); a missing variable raises PromptError naming it."""
    try:
        return _environment(template_dir).get_template(template).render(**context)
    except jinja2.UndefinedError as e:
        raise PromptError(f"template {template} needs a variable that was not given: {e}") from None
    except jinja2.TemplateError as e:
        raise _failed(template, e) from None


def compile_templates(templates: list[str], template_dir: Path | None = None) -> None:
    """Load and compile each template (`template_dir`'s own first) without rendering it: a syntax error raises
    PromptError worded as render_template's, before anything that would need it runs."""
    env = _environment(template_dir)
    for template in templates:
        try:
            env.get_template(template)
        except jinja2.TemplateError as e:
            raise _failed(template, e) from None


def _failed(template: str, e: jinja2.TemplateError) -> PromptError:
    return PromptError(f"template {template} failed: {type(e).__name__}: {e}".replace("\n", " "))


def render(
    stage: str,
    *,
    gpu: GpuCard,
    code: str,
    ncu: dict[str, dict[str, Any]] | None,
    precision: Policy | None,
    missing_apis: list[str] | None = None,
    failure: dict[str, str] | None = None,
    ncu_reason: str | None = None,
    problem: ProblemBrief | None = None,
    history: list[str] | None = None,
    contract: bool | None = None,
    template_dir: Path | None = None,
) -> str:
    """The prompt for `stage`. `ncu`: {kernel: {metric: value}}, rendered as given (None/empty -> "No
    NCU metrics available", with `ncu_reason`). `precision` None omits the policy section (the seed
    has none). `missing_apis` None -> computed from the installed Triton; a list is used verbatim.
    `failure` (repair only): {"status", "message", "code"} of the failed candidate. `problem` and
    `history`: the optional sections (module docstring); `seed` needs `problem`. `contract`: state the
    host-code contract the static gate enforces (evaluator.static.contract); None = whenever the
    evaluator's precision policy is stated, i.e. in every loop prompt but not in the seed prompt, which
    carries neither of the evaluator's rule sections. `template_dir`: a user's folder whose `<stage>.j2`
    files replace the shipped ones (agent.run --template-dir)."""
    spec = get_stage(stage)
    if stage == "seed" and problem is None:
        raise PromptError("stage seed needs the problem (its PyTorch reference): pass problem=brief(problem)")
    if stage == "repair":
        missing = [k for k in ("status", "message", "code") if (failure or {}).get(k) is None]
        if missing:
            raise PromptError(f"stage repair needs failure with {', '.join(missing)} (the failed candidate)")
    elif failure is not None:
        raise PromptError(f"failure is only used by the repair stage, not {stage!r}")
    return render_template(
        spec.template,
        {
            "stage": spec,
            "gpu": gpu,
            "code": code,
            "precision": precision,
            "failure": failure,
            "ncu_json": json.dumps(ncu, indent=2) if ncu else None,
            "ncu_reason": ncu_reason,
            "api": installed() if missing_apis is None else given(missing_apis),
            "problem": problem,
            "history": history or None,
            "contract": contract_lines() if (precision is not None if contract is None else contract) else None,
        },
        template_dir,
    )


# ---------------------------------------------------------------- CLI


def _read_json(path: str, flag: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptError(f"{flag} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PromptError(f"{flag} {path}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise PromptError(f"{flag} {path}: not valid JSON ({e})") from None


def _read_ncu(path: str) -> dict[str, dict[str, Any]]:
    data = _read_json(path, "--ncu")
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise PromptError(f"--ncu {path}: expected a JSON object {{kernel: {{metric: value}}}}")
    return data


def _read_failure(path: str) -> dict[str, str]:
    data = _read_json(path, "--failure")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("status", "message", "code")):
        raise PromptError(f"--failure {path}: expected a JSON object with string status, message and code")
    return data


def _read_code(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"--code {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PromptError(f"--code {path}: cannot read: {e}") from None


def _template_dir(path: Path | None) -> Path | None:
    if path is not None and not path.is_dir():
        raise PromptError(f"--template-dir {path}: no such folder")
    return path


def build_parser() -> argparse.ArgumentParser:
    p = CliParser(
        raises=PromptError, prog="python -m agent.prompt", description="Print the prompt for one optimization stage."
    )
    p.add_argument("--stage", required=True, metavar="STAGE", help=f"one of: {', '.join(load_stages())}")
    from agent.settings import RunSettings  # the loop's default problem is the prompt's too

    default = RunSettings.model_fields["problem"].default
    p.add_argument(
        "--problem",
        default=default,
        metavar="NAME",
        help=f"a folder under kernels/ or a KernelBench .py file (default: {default}, as for agent.run)",
    )
    p.add_argument("--gpu", metavar="NAME", help="card name or alias (default: detect; without CUDA: h100_sxm)")
    p.add_argument("--code", metavar="FILE", help="current kernel (default: the problem's seed.py)")
    p.add_argument(
        "--template-dir", type=Path, metavar="DIR", help="your own templates: DIR/<stage>.j2 replaces the shipped one"
    )
    p.add_argument("--ncu", metavar="FILE.json", help="NCU metrics JSON: {kernel: {metric: value}}")
    p.add_argument("--ncu-reason", metavar="TEXT", help="why there are no NCU metrics (shown in the prompt)")
    p.add_argument(
        "--precision", default="tf32", metavar="POLICY", help=f"{', '.join(POLICIES)} or none (default: tf32)"
    )
    p.add_argument(
        "--missing-apis", metavar='"tl.a, tl.b"', help='override the computed list, e.g. "tl.tanh, tl.sigmoid"'
    )
    p.add_argument(
        "--failure",
        metavar="FILE.json",
        help='repair stage: JSON {"status", "message", "code"} of the failed candidate',
    )
    p.add_argument(
        "--reference",
        action="store_true",
        help="show the PyTorch reference and its shapes (always on for the seed stage)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        get_stage(args.stage)  # cheap checks first: a typo should not wait for a problem import
        precision = None if args.precision == "none" else get_policy(args.precision)
        card, note = select_card(args.gpu)
        ncu = _read_ncu(args.ncu) if args.ncu else None
        failure = _read_failure(args.failure) if args.failure else None
        if args.stage == "repair" and failure is None:
            raise PromptError(
                '--stage repair needs --failure FILE.json: {"status", "message", "code"} of the failed candidate'
            )
        code = _read_code(Path(args.code)) if args.code else None
        from evaluator import load_problem  # imports the reference file (and torch): only when needed

        problem = load_problem(args.problem)
        if code is None and args.stage != "seed":
            if not problem.seed_path.is_file():
                raise PromptError(
                    f"problem {problem.name!r} has no {problem.seed_path}; pass --code FILE "
                    "(or --stage seed to write the first kernel)"
                )
            code = _read_code(problem.seed_path)
        missing = parse_names(args.missing_apis) if args.missing_apis is not None else None
        ref = brief(problem) if args.reference or args.stage == "seed" else None
        text = render(
            args.stage,
            gpu=card,
            code=code or "",
            ncu=ncu,
            precision=precision,
            missing_apis=missing,
            failure=failure,
            ncu_reason=args.ncu_reason,
            problem=ref,
            template_dir=_template_dir(args.template_dir),
        )
    except (ValueError, GpuError) as e:  # PromptError, GpuError, ProblemError, unknown policy
        print(f"error: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        return 2
    if note:
        print(f"note: {note}", file=sys.stderr)
    sys.stdout.buffer.write(text.encode("utf-8"))  # bytes: the bullets must not depend on the locale
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
