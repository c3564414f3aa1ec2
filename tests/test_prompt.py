"""The prompt renderer: the seed prompt byte for byte, every stage on every card, loud failures."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from agent.gpu import DEFAULT_CARD, card_from_properties, card_keys, find_card, load_card, select_card
from agent.prompt import (
    ProblemBrief,
    PromptError,
    brief,
    get_stage,
    load_stages,
    render,
    render_template,
    should_skip,
)
from agent.triton_api import CANDIDATES, installed, parse_names, resolve
from evaluator.shared.precision import get_policy

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEED_PROMPT = FIXTURES / "seed_prompt_fusion_4090.txt"
SEED_NCU = FIXTURES / "seed_ncu.json"
SEED_CODE = ROOT / "kernels" / "conv2d_scale_min" / "seed.py"
SEED_MISSING = "tl.tanh, tl.sigmoid, tl.gelu, tl.silu, tl.softmax, tl.mish"
SEED_FIVE = [
    "sm__throughput.avg.pct_of_peak_sustained_elapsed",
    "launch__grid_size",
    "sm__warps_active.avg.pct_of_peak_sustained_active",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed",
    "lts__t_sector_hit_rate.pct",
]
FAILURE = {
    "status": "compile_error",
    "message": "CompilationError: at 12:8: tl.tanh is not defined",
    "code": "import torch\n",
}


def seed_render(**overrides) -> str:
    kwargs = dict(
        gpu=load_card("4090"),
        code=SEED_CODE.read_text(encoding="utf-8"),
        ncu=json.loads(SEED_NCU.read_text()),
        precision=None,
        missing_apis=parse_names(SEED_MISSING),
    )
    kwargs.update(overrides)
    return render("fusion", **kwargs)


BRIEF = ProblemBrief(name="p", source="class Model: ...\n", mode_text="eval mode", timed=["full[0]: Model()"])


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent.prompt", *args], cwd=ROOT, capture_output=True, timeout=120)


# ---------------------------------------------------------------- golden


def test_seed_prompt_renders_byte_for_byte():
    # Whole file, trailing newline included: the seed ends with "```\n" and so does the template.
    assert seed_render() == SEED_PROMPT.read_text(encoding="utf-8")


def test_seed_ncu_fixture_is_the_seed_block():
    metrics = json.loads(SEED_NCU.read_text())
    assert json.dumps(metrics, indent=2) in SEED_PROMPT.read_text(encoding="utf-8")
    assert all(list(m) == SEED_FIVE for m in metrics.values())


def test_cli_reproduces_seed_prompt():
    r = run_cli(
        "--stage",
        "fusion",
        "--problem",
        "conv2d_scale_min",
        "--gpu",
        "4090",
        "--ncu",
        str(SEED_NCU),
        "--missing-apis",
        SEED_MISSING,
        "--precision",
        "none",
    )
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == SEED_PROMPT.read_bytes()


# ---------------------------------------------------------------- every stage on every card


@pytest.mark.parametrize("card", card_keys())
@pytest.mark.parametrize("stage", list(load_stages()))
def test_every_stage_renders_on_every_card(stage, card):
    gpu = load_card(card)
    text = render(
        stage,
        gpu=gpu,
        code="import torch\n",
        ncu=json.loads(SEED_NCU.read_text()),
        precision=get_policy("tf32"),
        failure=FAILURE if stage == "repair" else None,
        problem=BRIEF if stage == "seed" else None,
    )
    assert text.startswith("You are a Triton kernel optimization specialist.")
    assert f"GPU Name: {gpu.name}\n" in text and "## Current Optimization Stage\n\nFocus: " in text
    assert "PRECISION POLICY (tf32" in text and "atol=0.001, rtol=0.001" in text
    assert text.endswith("```python\n# <optimized Triton code>\n```\n")
    # no optional value leaked as the string "None" (broadcast indexing is the only legitimate one)
    assert "None" not in text.replace("[None, :]", "").replace("[:, None]", "")


def test_repair_quotes_message_and_failed_code():
    failure = {"status": "incorrect", "message": "max abs error 0.31; see ```here```", "code": "x = 1  # failed\n"}
    text = render(
        "repair", gpu=load_card("h100"), code="y = 2\n", ncu=None, precision=get_policy("tf32"), failure=failure
    )
    assert "Failure: incorrect" in text and "````text\nmax abs error 0.31; see ```here```\n````" in text
    assert "```python\nx = 1  # failed\n```" in text and "```python\ny = 2\n```" in text
    assert "Wrong results:" in text and "precision policy below" in text


def test_repair_needs_failure_and_only_repair_takes_one():
    with pytest.raises(PromptError, match="repair needs failure"):
        render("repair", gpu=load_card("h100"), code="", ncu=None, precision=None)
    with pytest.raises(PromptError, match="only used by the repair stage"):
        render("tiling", gpu=load_card("h100"), code="", ncu=None, precision=None, failure=FAILURE)


def test_no_ncu_metrics_says_so_with_reason():
    text = seed_render(ncu=None, ncu_reason="ncu is not installed")
    assert "[NCU PROFILING METRICS]\nNo NCU metrics available (ncu is not installed).\n\n**Task**" in text
    assert "No NCU metrics available.\n" in seed_render(ncu={})


def test_precision_section_is_optional():
    assert "PRECISION POLICY" not in seed_render()
    strict = seed_render(precision=get_policy("strict"))
    assert "PRECISION POLICY (strict, enforced by the evaluator):" in strict
    assert get_policy("strict").allows in strict and get_policy("strict").rejects in strict
    assert strict.index("PRECISION POLICY") < strict.index("OUTPUT RULES")


# ---------------------------------------------------------------- loud failures


def test_missing_template_variable_fails_loudly():
    context = dict(
        gpu=load_card("4090"),
        stage=get_stage("fusion"),
        precision=None,
        failure=None,
        ncu_json=None,
        ncu_reason=None,
        api=installed(),
        problem=None,
        history=None,
    )  # no `code`
    with pytest.raises(PromptError, match="fusion.j2 needs a variable.*'code'"):
        render_template("fusion.j2", context)


def test_unknown_stage_and_gpu():
    with pytest.raises(PromptError, match="unknown stage 'nope'"):
        get_stage("nope")
    with pytest.raises(ValueError, match="unknown GPU 'A9000'"):
        load_card("A9000")


BAD_INPUTS = {
    "unknown stage": ["--stage", "nope", "--problem", "conv2d_scale_min", "--gpu", "4090"],
    "unknown gpu": ["--stage", "fusion", "--problem", "conv2d_scale_min", "--gpu", "A9000"],
    "missing code": ["--stage", "fusion", "--problem", "conv2d_scale_min", "--gpu", "4090", "--code", "/no/such.py"],
    "malformed ncu": ["--stage", "fusion", "--problem", "conv2d_scale_min", "--gpu", "4090", "--ncu", "{bad}"],
    "ncu not an object": ["--stage", "fusion", "--problem", "conv2d_scale_min", "--gpu", "4090", "--ncu", "[1]"],
    "unknown problem": ["--stage", "fusion", "--problem", "no_such_problem", "--gpu", "4090"],
    "unknown precision": ["--stage", "fusion", "--problem", "conv2d_scale_min", "--gpu", "4090", "--precision", "fp8"],
    "repair without failure": ["--stage", "repair", "--problem", "conv2d_scale_min", "--gpu", "4090"],
    "missing required flag": ["--problem", "conv2d_scale_min"],
    "unknown flag": ["--stage", "fusion", "--problem", "conv2d_scale_min", "--gpu", "4090", "--bogus"],
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_cli_bad_input_is_one_line_and_exit_2(case, tmp_path):
    args = list(BAD_INPUTS[case])
    if "--ncu" in args:  # write the bad JSON to a file
        i = args.index("--ncu") + 1
        (tmp_path / "ncu.json").write_text(args[i])
        args[i] = str(tmp_path / "ncu.json")
    r = run_cli(*args)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert r.stdout == b"" and "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err


# ---------------------------------------------------------------- Triton API facts


def test_computed_api_list_matches_installed_triton():
    facts = installed()
    missing = [m.name for m in facts.missing]
    assert sorted(missing + facts.present) == sorted(CANDIDATES)
    for name in missing:
        assert resolve(name) is None, f"{name} is listed as missing but exists"
    for name in facts.present:
        assert resolve(name) is not None, f"{name} is listed as present but does not exist"
    for m in facts.missing:
        assert m.alternative, f"no working alternative for {m.name}"
        for used in re.findall(r"\btl(?:\.\w+)+", m.alternative):  # every tl.* name the text names
            assert resolve(used) is not None, f"alternative for {m.name} uses {used}, which does not exist"


def test_api_override_is_verbatim_and_default_is_computed():
    assert "- Triton has NO: tl.tanh, tl.sigmoid, tl.gelu, tl.silu, tl.softmax, tl.mish\n" in seed_render()
    computed = seed_render(missing_apis=None)
    line = "- Triton has NO: " + ", ".join(m.name for m in installed().missing) + "\n"
    assert line in computed
    assert "TRITON API CONSTRAINTS" not in seed_render(missing_apis=[])


# ---------------------------------------------------------------- stages and skip criteria


def test_stages_declare_metrics_and_criteria():
    stages = load_stages()
    assert list(stages) == ["seed", "fusion", "tiling", "memory", "tuning", "hopper", "repair"]
    for stage in stages.values():
        assert stage.metrics[:5] == SEED_FIVE, stage.name
        assert len(set(stage.metrics)) == len(stage.metrics), stage.name
        if stage.skip is not None:  # a criterion may only read metrics the stage asks NCU for
            assert set(stage.skip.metrics()) <= set(stage.metrics), stage.name
    assert stages["fusion"].skip is None and stages["repair"].skip is None and stages["seed"].skip is None


def test_stages_are_described_in_one_place():
    """A stage is a template plus its entry in stages.json: the walk of --stage all, the --stage choices of
    agent.run and agent.prompt, and the templates on disk all follow from that file, with no second list."""
    from agent import stages
    from agent.prompt import build_parser
    from agent.settings import RunSettings

    names = stages.names()
    templates = {p.name for p in (ROOT / "prompts").glob("*.j2")} - {"base.j2"}
    assert templates == {load_stages()[n].template for n in names}, "a template without a stage, or the reverse"
    assert set(stages.walk()) <= set(names) and not {stages.FIRST, stages.REPAIR} & set(stages.walk())
    assert RunSettings(stage="all").stages == list(stages.walk())
    help_ = RunSettings.model_fields["stage"].description
    for choice in stages.stage_choices():
        assert RunSettings(stage=choice).stage == choice and choice in help_, choice
        if choice != "all":
            assert build_parser().parse_args(["--stage", choice, "--problem", "x"]).stage == choice
    with pytest.raises(ValueError, match="unknown stage"):
        RunSettings(stage=stages.REPAIR)  # follows a failure, never asked for


def test_should_skip():
    good = {
        "launch__registers_per_thread": 96,
        "sm__warps_active.avg.pct_of_peak_sustained_active": 70.0,
        "smsp__sass_inst_executed_op_local_ld.sum": 0,
        "smsp__sass_inst_executed_op_local_st.sum": "0",
    }
    skip, why = should_skip("tiling", {"k1": good, "k2": good})
    assert skip and "tiling skipped" in why
    spilling = {**good, "smsp__sass_inst_executed_op_local_st.sum": "1,024"}
    skip, why = should_skip("tiling", {"k1": good, "k2": spilling})
    assert not skip and "kernel k2" in why and "local_st.sum = 1024" in why
    assert should_skip("tiling", {"k1": {}}) == (
        False,
        "tiling runs: kernel k1: smsp__sass_inst_executed_op_local_st.sum not measured",
    )
    assert not should_skip("tiling", None)[0]
    assert not should_skip("fusion", {"k1": good})[0]
    # tuning: "any" of two rooflines; the seed's channel_min_kernel is DRAM-bound, the conv is not
    seed = json.loads(SEED_NCU.read_text())
    skip, why = should_skip(get_stage("tuning"), seed)
    assert not skip and "conv2d_scale_kernel" in why
    assert should_skip("tuning", {"channel_min_kernel": seed["channel_min_kernel"]})[0]


# ---------------------------------------------------------------- GPU cards


def test_card_lookup_by_alias_is_exact():
    assert find_card("NVIDIA H100 80GB HBM3").key == "h100_sxm"
    assert find_card("h100").key == "h100_sxm" and find_card("NVIDIA A100-SXM4-80GB").key == "a100_80gb"
    assert find_card("NVIDIA GeForce RTX 4090").key == "4090" and find_card("NVIDIA H200").key == "h200"
    assert find_card("NVIDIA H100 PCIe").key == "h100_pcie"  # 114 SMs: never the SXM card by substring
    assert find_card("NVIDIA H100 NVL") is None
    assert set(card_keys()) == {"4090", "h100_sxm", "h100_pcie", "h200", "a100_80gb", "l40s"}


def test_cards_are_uniform_and_dense():
    labels = list(load_card("4090").facts)
    for key in card_keys():
        card = load_card(key)
        assert [lab for lab in card.facts if lab != "GPU memory"] == labels, key
        for label, value in card.facts.items():
            if "TFLOPS" in label:
                assert value.endswith("with dense") or "with sparsity" in value, (key, label)


def test_sustained_rates_are_measured_shown_under_the_facts_and_never_the_roofline():
    # Measured under load (benchmarks/tf32_roof.py): each value leads with its figure and says so; the datasheet
    # peak stays the roofline's (a floor no kernel may beat), and a card without the field renders as before.
    h100 = load_card("h100_sxm")
    assert set(h100.sustained) == {
        "TF32 Tensor Core TFLOPS at the 700 W power limit",
        "BFLOAT16 Tensor Core TFLOPS at the 700 W power limit",
    }
    for key in card_keys():
        for label, value in load_card(key).sustained.items():
            assert re.match(r"\d+(\.\d+)? measured \(", value), (key, label)
            assert float(value.split()[0]) < float(load_card(key).facts[label.split(" at ")[0]].split()[0])
    assert h100.peak().tf32_tflops == 494.7
    policy = get_policy("tf32")
    text = render("hopper", gpu=h100, code="pass", ncu=None, precision=policy)
    facts, rest = text.split("Sustained under load", 1)
    assert "• L2 cache (global, all SM shared): 50 MB" in facts
    assert "• TF32 Tensor Core TFLOPS at the 700 W power limit: 353 measured" in rest.split("[OPTIMIZATION STAGE]")[0]
    plain = render("hopper", gpu=load_card("4090"), code="pass", ncu=None, precision=policy)
    assert "Sustained under load" not in plain


def test_unknown_gpu_gets_a_card_from_torch_properties():
    props = SimpleNamespace(
        name="NVIDIA B200",
        major=10,
        minor=0,
        multi_processor_count=148,
        total_memory=192 * 2**30,
        max_threads_per_multi_processor=2048,
        warp_size=32,
        L2_cache_size=126 * 2**20,
        shared_memory_per_block_optin=227 * 1024,
        shared_memory_per_multiprocessor=228 * 1024,
        regs_per_multiprocessor=65536,
        memory_clock_rate=3_996_000,
        memory_bus_width=8192,
    )
    card = card_from_properties(props)
    assert (card.name, card.architecture) == ("NVIDIA B200", "Blackwell")
    assert card.facts["Number of SMs"] == "148" and card.facts["Maximum concurrent warps per SM"] == "64"
    assert card.facts["Memory Bandwidth"] == "8184 GB/s" and card.facts["L2 cache (global, all SM shared)"] == "126 MB"
    old = card_from_properties(SimpleNamespace(name="x", major=8, minor=6, multi_processor_count=84))
    assert old.architecture == "Ampere" and "Warp size" not in old.facts  # absent attributes are left out
    text = render("tuning", gpu=card, code="", ncu=None, precision=None)
    assert "GPU Name: NVIDIA B200\nArchitecture: Blackwell\n• Compute Capability: 10.0\n" in text


def test_no_cuda_and_no_gpu_falls_back_with_a_note():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: detection is used instead")
    card, note = select_card(None)
    assert card.key == DEFAULT_CARD and "no CUDA device" in note


# ---------------------------------------------------------------- reference, shapes, history


def test_optional_sections_show_reference_shapes_and_history():
    from evaluator.shared.loader import load_problem

    problem = load_problem("conv2d_scale_min")
    b = brief(problem)
    assert "class Model(nn.Module)" in b.source and "SHAPES = " not in b.source  # our sets are listed, not quoted
    assert b.timed == ["full[0]: Model(64, 128, 3, 2.0); forward(arg0: [64, 64, 256, 256] float32)"]
    assert any(line.startswith("odd[0]: Model(5, 61, 3, 2.0)") for line in b.checked)
    plain = seed_render()
    with_ref = seed_render(problem=b)
    assert "[PYTORCH REFERENCE]" not in plain and "[PYTORCH REFERENCE]" in with_ref
    assert (
        with_ref.replace(with_ref[with_ref.index("[PYTORCH REFERENCE]") : with_ref.index("[CURRENT CODE]")], "")
        == plain
    )
    one = seed_render(problem=b, history=["0001-1: incorrect (max abs err 0.3)"])
    two = seed_render(problem=b, history=["0001-1: incorrect (max abs err 0.3)", "0002-1: correct, 2.61 ms"])
    assert "[ALREADY TRIED FROM THIS PARENT]\n- 0001-1: incorrect (max abs err 0.3)\n" in one and one != two


def test_seed_stage_needs_the_reference_and_shows_no_current_code():
    from evaluator.shared.loader import load_problem

    with pytest.raises(PromptError, match="stage seed needs the problem"):
        render("seed", gpu=load_card("h100"), code="", ncu=None, precision=None)
    problem = load_problem(str(FIXTURES / "problems" / "cross_entropy"))
    text = render(
        "seed", gpu=load_card("h100"), code="", ncu=None, precision=get_policy("tf32"), problem=brief(problem)
    )
    assert "FIRST KERNEL" in text and "No kernel yet: this stage writes the first one" in text
    assert "forward(arg0: [16, 10] float32; arg1: [16] int64)" in text
    assert "training mode, as constructed" in text
    r = run_cli("--stage", "seed", "--problem", str(FIXTURES / "problems" / "cross_entropy"), "--gpu", "h100")
    assert r.returncode == 0, r.stderr.decode()
    assert b"[PYTORCH REFERENCE]" in r.stdout and b"cross_entropy(predictions, targets)" in r.stdout


# ---------------------------------------------------------------- the host-code contract (issue 24)


@pytest.mark.parametrize("stage", ["seed", "fusion", "tiling", "memory", "tuning", "hopper", "repair"])
def test_every_loop_prompt_states_the_host_code_contract(stage):
    # The loop always passes the precision policy; the contract comes with it, worded from the gate's sets.
    from evaluator.static.contract import AUTOTUNE_KWARGS, contract_lines

    text = render(
        stage,
        gpu=load_card("h100"),
        code=SEED_CODE.read_text(encoding="utf-8"),
        ncu=None,
        precision=get_policy("tf32"),
        problem=BRIEF,
        failure=FAILURE if stage == "repair" else None,
    )
    assert "HOST-CODE CONTRACT" in text and text.index("HOST-CODE CONTRACT") < text.index("OUTPUT RULES (STRICT)")
    for line in contract_lines():
        assert f"- {line}\n" in text
    assert (
        all(k in text for k in AUTOTUNE_KWARGS)
        and ".tolist()" in text
        and "ModelNew.__init__ (and the methods only it calls" in text
        and "classes are defined at module level" in text  # the gate's _rebound_definitions
    )


def test_seed_prompt_has_no_contract_unless_asked():
    assert "HOST-CODE CONTRACT" not in seed_render()  # the golden seed prompt has neither rule section
    assert "HOST-CODE CONTRACT" in seed_render(contract=True)
    assert "HOST-CODE CONTRACT" not in seed_render(precision=get_policy("tf32"), contract=False)
