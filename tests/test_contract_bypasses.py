"""The contract's regression corpus from the session-22 red team (tests/contract_bypasses/).

32 of the 33 bypass_*.py passed the gate at dc74c8b with no finding (bypass_31, a nested default, was refused
already) while their forward read tensor values into Python, ran PyTorch compute, re-entered __init__ or reached
a module outside the allow-list (sys.modules, importlib's loader). Each honest_*.py is a pattern an honest wrapper
uses that a stricter rule first refused. Static only: fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.static import static_findings

CORPUS = Path(__file__).resolve().parent / "contract_bypasses"
BYPASSES = sorted(CORPUS.glob("bypass_*.py"))
HONEST = sorted(CORPUS.glob("honest_*.py"))


def test_the_corpus_is_there():
    assert len(BYPASSES) == 33 and len(HONEST) == 5


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
    }, [(f.rule, f.message[:100]) for f in found]


@pytest.mark.parametrize("path", HONEST, ids=lambda p: p.stem)
def test_honest_patterns_pass(path):
    found = static_findings(path.read_text(encoding="utf-8"))
    assert found == [], [(f.rule, f.message[:120]) for f in found]
