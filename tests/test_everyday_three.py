"""Issue 27, the rest: the evaluator's tables, prompt's default problem, suite links, token totals, batch
evaluation of a folder of kernels, a config file and a template folder for agent.run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_cli

FMA3 = FIXTURES / "problems" / "fma3"
GREATER = FIXTURES / "problems" / "greater"


def _variant(src: Path, dest: Path, old: str, new: str) -> Path:
    code = src.read_text()
    assert old in code
    dest.write_text(code.replace(old, new, 1))
    return dest


@pytest.mark.slow
def test_incorrect_result_prints_no_empty_table(tmp_path):
    """A wrong-shape output has no errors to show: no blank line reads as an empty header, and the
    error columns, all "-", are left out; a wrong value keeps them."""
    shape = _variant(
        FMA3 / "honest.py", tmp_path / "shape.py", "torch.empty_like(a)", "torch.empty(a.shape[0], a.shape[1] + 1)"
    )
    p = run_cli("-m", "evaluator", str(shape), "--problem", str(FMA3 / "reference.py"), timeout=300)
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("incorrect"), p.stdout
    assert not [x for x in lines if not x.strip()], p.stdout  # no blank (or all-space) line anywhere
    title = lines.index("correctness")
    assert lines[title + 1].split()[:4] == ["case", "shapes", "call", "ok"], p.stdout
    assert "max abs err" not in p.stdout
    wrong = _variant(FMA3 / "honest.py", tmp_path / "wrong.py", "a * b + alpha * c, mask", "a * b + c, mask")
    p = run_cli("-m", "evaluator", str(wrong), "--problem", str(FMA3 / "reference.py"), timeout=300)
    assert p.returncode == 1 and "max abs err" in p.stdout, p.stdout
    assert not [x for x in p.stdout.splitlines() if not x.strip()], p.stdout


def test_prompt_defaults_to_the_runs_problem():
    """`kernel-loop prompt --stage fusion` works as `kernel-loop run --stage fusion` does: the shipped problem."""
    bare = run_cli("-m", "agent.cli", "prompt", "--stage", "fusion", "--gpu", "h100", timeout=120)
    assert bare.returncode == 0, bare.stderr
    named = run_cli("-m", "agent.prompt", "--stage", "fusion", "--gpu", "h100", "--problem", "conv2d_scale_min")
    assert named.returncode == 0 and bare.stdout == named.stdout and "Triton" in bare.stdout
    from agent.settings import RunSettings

    assert RunSettings().problem == "conv2d_scale_min"


# ------------------------------------------------------------ a suite: report links, token totals

SUITE = FIXTURES / "suite"


@pytest.mark.slow
def test_suite_links_reports_and_counts_tokens(tmp_path):
    import shutil

    from chat_server import ChatServer

    from agent.scorecard import write_files
    from agent.suite_store import SuiteStore

    shutil.copytree(SUITE / "scale_shift", tmp_path / "scale_shift")
    runs = tmp_path / "runs"
    reply = (SUITE / "replies" / "scale_shift" / "01_correct.md").read_text()
    with ChatServer([("ok", reply)]) as srv:
        p = run_cli(
            "-m", "agent.suite", str(tmp_path / "scale_shift"), "--name", "t", "--runs-dir", str(runs), "--no-ncu",
            "--iterations", "1", "--repairs", "0", "--llm", "openai", "--base-url", srv.url, "--model", "m",
        )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(srv.requests) == 1
    prompt = sum(len(m["content"].split()) for m in srv.requests[0]["messages"])  # the server counts words
    completion = len(reply.split())
    both = f"{prompt + completion:,} ({prompt:,} prompt + {completion:,} completion)"
    # item 4: totals per suite (the table's footer, suite.md) and per run (runs show, runs list)
    assert f"tokens {both} over 1 problem" in p.stdout, p.stdout
    folder = runs / "suites" / "t"
    assert f"tokens {both} over 1 problem" in (folder / "suite.md").read_text()
    run = (folder / "runs" / "scale_shift").resolve()
    show = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "show", run.name)
    assert show.returncode == 0 and f"tokens {both} over 1 reply" in show.stdout, show.stdout
    listing = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "list")
    row = next(line for line in listing.stdout.splitlines() if line.split()[:1] == [run.name])
    assert row.split()[-1] == str(prompt + completion) and "tokens" in listing.stdout, listing.stdout
    # item 3: suite.html links the problem's report, which the suite wrote beside the run
    assert (run / "report.html").is_file()
    assert "href='runs/scale_shift/report.html'" in (folder / "suite.html").read_text()
    (run / "report.html").unlink()  # no report: the run's folder is linked instead
    write_files(SuiteStore(folder).card(), folder)
    assert "href='runs/scale_shift/'" in (folder / "suite.html").read_text()
    rep = run_cli("-m", "agent.runs", "--runs-dir", str(runs), "report", run.name)
    assert rep.returncode == 0 and (run / "report.html").is_file()
    write_files(SuiteStore(folder).card(), folder)
    assert "href='runs/scale_shift/report.html'" in (folder / "suite.html").read_text()


# ------------------------------------------------------------ batch evaluation of a folder of kernels


@pytest.mark.slow
def test_batch_pairs_kernels_with_problems_and_scores_them(tmp_path):
    gen = tmp_path / "generations"
    gen.mkdir()
    (gen / "fma3.py").write_text((FMA3 / "honest.py").read_text())
    (gen / "fma3__b.py").write_text((FMA3 / "honest.py").read_text())  # a second sample for fma3
    _variant(GREATER / "honest.py", gen / "greater.py", "x > y, mask", "x < y, mask")  # the wrong kernel
    (gen / "stray.py").write_text("x = 1\n")  # names no problem
    out = tmp_path / "batch.json"
    p = run_cli(
        "-m", "agent.cli", "batch", str(gen), "--problems", str(FMA3), str(GREATER), "--json", str(out), timeout=600
    )
    assert p.returncode == 1, p.stdout + p.stderr  # greater has no correct kernel (it used to exit 0)
    assert "stray.py names no problem" in p.stderr
    assert re.search(r"fma3\s+correct\s+2\b", p.stdout) and re.search(r"greater\s+incorrect\s+1\b", p.stdout), p.stdout
    assert "correct 1/2 (50%)" in p.stdout and "timing unavailable" in p.stdout  # the CPU: correctness only
    assert re.search(r"fma3__b\.py\s+correct", p.stdout)  # every kernel, as fma3 has two
    assert "greater (incorrect): Wrong result" in p.stdout
    data = json.loads(out.read_text())
    assert (data["card"]["total"], data["card"]["correct"]) == (2, 1)
    assert {Path(k).name: r["status"] for k, r in data["results"].items()} == {
        "fma3.py": "correct",
        "fma3__b.py": "correct",
        "greater.py": "incorrect",
    }


def test_batch_bad_input_is_one_line(tmp_path):
    (tmp_path / "other.py").write_text("x = 1\n")
    for args, words in [
        ([str(tmp_path / "none"), "--problems", str(FMA3)], "no such folder"),
        ([str(tmp_path), "--problems", str(FMA3), "--shapes", "huge"], "no shape set 'huge'"),
        ([str(tmp_path), "--problems", str(FMA3)], "is named after a problem"),
        ([str(tmp_path), "--problems", str(FMA3), "--precision", "fp8"], "--precision"),
        ([str(tmp_path)], "--problems"),
    ]:
        p = run_cli("-m", "agent.batch", *args, timeout=120)
        assert p.returncode == 2 and words in p.stderr and len(p.stderr.splitlines()) == 1, (args, p.stderr)


# ------------------------------------------------------------ a config file and a template folder


def _templates(folder: Path) -> Path:
    folder.mkdir()
    (folder / "seed.j2").write_text("MY OWN SEED TEMPLATE for {{ problem.name }}\n{{ problem.source }}\n")
    (folder / "fusion.j2").write_text('{% extends "base.j2" %}{% block stage %}MY FUSION FOCUS{% endblock %}\n')
    return folder


@pytest.mark.slow
def test_run_reads_a_config_file_flags_override_it_and_templates_replace_the_shipped(tmp_path):
    templates = _templates(tmp_path / "templates")
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "01.md").write_text("```python\n" + (FMA3 / "honest.py").read_text() + "```\n")
    cfg = tmp_path / "run.json"
    cfg.write_text(
        json.dumps(
            {
                "problem": str(FMA3),
                "stage": "seed",
                "iterations": 4,
                "repairs": 0,
                "llm": f"replay:{replies}",
                "template-dir": str(templates),
                "ncu": False,
            }
        )
    )
    runs = tmp_path / "runs"
    p = run_cli("-m", "agent.cli", "run", "--config", str(cfg), "--iterations", "1", "--runs-dir", str(runs))
    assert p.returncode == 0, p.stdout + p.stderr
    (run,) = [d for d in runs.iterdir() if (d / "config.json").is_file()]
    saved = json.loads((run / "config.json").read_text())
    assert saved["iterations"] == 1 and saved["repairs"] == 0  # the flag over the file; the file over defaults
    assert saved["problem"] == str(FMA3) and saved["template_dir"] == str(templates.resolve())
    prompt = (run / "attempts" / "0001-1" / "prompt.md").read_text()
    assert prompt.startswith("MY OWN SEED TEMPLATE for fma3"), prompt[:200]

    cfg.write_text(json.dumps({"iterationz": 2}))
    bad = run_cli("-m", "agent.run", "--config", str(cfg), "--runs-dir", str(runs))
    assert bad.returncode == 2 and "'iterationz'" in bad.stderr and len(bad.stderr.splitlines()) == 1, bad.stderr
    bad = run_cli("-m", "agent.run", "--config", str(tmp_path / "none.json"))
    assert bad.returncode == 2 and "no such file" in bad.stderr
    cfg.write_text(json.dumps({"stage": 3}))  # a wrong type in the file: the line names the value found
    bad = run_cli("-m", "agent.run", "--config", str(cfg), "--runs-dir", str(runs))
    assert bad.returncode == 2 and bad.stderr == "error: --stage: Input should be a valid string (got 3)\n", bad.stderr


def test_prompt_takes_a_template_folder(tmp_path):
    """A user's fusion.j2 replaces the shipped one and still extends the shipped base.j2."""
    templates = _templates(tmp_path / "templates")
    p = run_cli("-m", "agent.prompt", "--stage", "fusion", "--gpu", "h100", "--template-dir", str(templates))
    assert p.returncode == 0, p.stderr
    assert "MY FUSION FOCUS" in p.stdout and "# Target GPU" in p.stdout
    shipped = run_cli("-m", "agent.prompt", "--stage", "tiling", "--gpu", "h100")
    mine = run_cli("-m", "agent.prompt", "--stage", "tiling", "--gpu", "h100", "--template-dir", str(templates))
    assert mine.stdout == shipped.stdout  # no tiling.j2 there: the shipped one
    empty = tmp_path / "empty"
    empty.mkdir()
    p = run_cli("-m", "agent.run", "--template-dir", str(empty), "--llm", "replay:" + str(empty))
    assert p.returncode == 2 and "no <stage>.j2 template" in p.stderr, p.stderr
