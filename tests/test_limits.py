"""Every phase limit can be set from the command line (`--limit PHASE=SECONDS`), and only real phases."""

import pytest

from evaluator import Limits


def test_from_timeouts_maps_the_two_everyday_flags():
    lim = Limits.from_timeouts(30, 45)
    assert (lim.import_s, lim.compile_s, lim.correctness_s) == (30, 30, 45)
    assert lim.reference_s == Limits().reference_s  # the others keep their defaults


def test_every_field_is_reachable_by_its_phase_name():
    lim = Limits().with_overrides(
        [
            "start=1",
            "reference=2",
            "import=3",
            "compile=4",
            "correctness=5",
            "timing=6",
            "baselines=7",
            "total=8",
            "memory=9",
        ]
    )
    assert (
        lim.start_s,
        lim.reference_s,
        lim.import_s,
        lim.compile_s,
        lim.correctness_s,
        lim.timing_s,
        lim.baselines_s,
        lim.total_s,
        lim.memory_mb,
    ) == (1, 2, 3, 4, 5, 6, 7, 8, 9)


@pytest.mark.parametrize(
    "item, words",
    [
        ("warp=1", "PHASE one of"),
        ("total", "PHASE one of"),
        ("total=soon", "not a number"),
        ("total=-5", "cannot be negative"),
    ],
)
def test_bad_limits_name_the_item(item, words):
    with pytest.raises(ValueError, match=words):
        Limits().with_overrides([item])


def test_a_child_that_dies_before_any_candidate_code_is_not_blamed_on_the_candidate():
    """Found on a GPU machine: packages installed under /tmp were invisible inside the jail (private /tmp),
    every child died importing pydantic, and each candidate was reported as crashed. A death before the
    child's hello happens before the candidate module is imported: it is the harness's environment."""
    from pathlib import Path

    from evaluator import EvalConfig, Status, evaluate, load_problem

    root = Path(__file__).resolve().parent.parent
    r = evaluate(
        root / "tests" / "adversarial" / "honest_fused.py",
        load_problem("conv2d_scale_min"),
        EvalConfig(env={"PYTHONHOME": "/nonexistent"}, time=False, device="cpu"),
    )
    assert (r.status, r.gate, r.reason) == (Status.runtime_error, "start", "harness_failed"), r.message
    assert "not the candidate's fault" in r.message and "rror" in r.message, r.message


def test_output_past_the_jails_file_limit_is_the_candidates_crash(tmp_path):
    """Captured output and files are bounded (RLIMIT_FSIZE in the jail, Limits.file_mb): a candidate that prints
    20 MB under an 8 MB limit fails (Python ignores SIGXFSZ: the write raises EFBIG) and is told why; the file it
    filled stops at the limit."""
    from pathlib import Path

    from conftest import SEED

    from evaluator import EvalConfig, Limits, Status, evaluate, load_problem
    from evaluator.parent.jail import probe

    if probe(False) is not None:
        import pytest

        pytest.skip("no namespaces here: the file limit is set inside the jail")
    cand = tmp_path / "chatty.py"
    cand.write_text("import sys\nsys.stdout.write('x' * (20 << 20))\nsys.stdout.flush()\n" + Path(SEED).read_text())
    keep = tmp_path / "kept"
    r = evaluate(
        cand,
        load_problem("conv2d_scale_min"),
        EvalConfig(device="cpu", time=False, disable={"bans"}, limits=Limits(file_mb=8), keep_dir=keep),
    )
    assert r.status is not Status.correct and r.reason == "file_size", (r.status, r.reason, r.message)
    assert "8 MB" in r.message, r.message
    assert (keep / "candidate" / "candidate.stdout.txt").stat().st_size <= 8 << 20


def test_keep_copies_links_as_links_and_skips_what_is_not_a_file(tmp_path):
    """--keep copies the evaluation's folder, which the candidate wrote: a link to a host file stays a link
    (its target is never read by the parent), a FIFO is left out (it would stall the copy)."""
    import os
    from pathlib import Path

    from conftest import SEED

    from evaluator import EvalConfig, Status, evaluate, load_problem

    secret = tmp_path / "host_secret.txt"
    secret.write_text("sk-host")
    cand = tmp_path / "linker.py"
    prelude = (
        f"import os\nos.symlink({str(secret)!r}, 'leak.txt')\nos.symlink('/dev/zero', 'zero')\nos.mkfifo('stall')\n"
    )
    cand.write_text(prelude + Path(SEED).read_text())
    keep = tmp_path / "kept"
    r = evaluate(
        cand,
        load_problem("conv2d_scale_min"),
        EvalConfig(device="cpu", time=False, disable={"bans"}, shapes="small", trials=1, min_calls=2, keep_dir=keep),
    )
    assert r.status is Status.correct, r.message
    kept = keep / "candidate"
    assert (kept / "leak.txt").is_symlink() and os.readlink(kept / "leak.txt") == str(secret)
    assert (kept / "zero").is_symlink() and not (kept / "stall").exists()
    assert (kept / "candidate.py").is_file()
