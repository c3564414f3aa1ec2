"""The jail's private /tmp must not hide what the candidate's process needs to read.

Found in CI: `pip install .` into a venv made under /tmp, and every child died importing
evaluator.child.candidate, because the private tmpfs mounted over /tmp hid the venv. The jail binds such
folders (the Python installation, the project, sys.path entries) back read-only.
"""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from evaluator.parent.jail import confinement

SCRIPT = """
import json, sys
from pathlib import Path
from evaluator import EvalConfig, evaluate, load_problem
from evaluator.parent.jail import confinement
r = evaluate(Path("tests/adversarial/honest_fused.py"), load_problem("conv2d_scale_min"),
             EvalConfig(time=False, device="cpu", shapes="small"))
c = confinement(False)
print(json.dumps({"status": r.status.value, "message": r.message, "warning": r.confinement_warning,
                  "notes": r.notes, "root": c.root, "refused": c.root_refused}))
"""


def test_a_checkout_under_tmp_still_evaluates_inside_the_jail(tmp_path):
    assert str(tmp_path).startswith("/tmp/"), "pytest's tmp_path is expected under /tmp here"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    copy = tmp_path / "checkout"
    for rel in files.split():
        if (
            rel.startswith(("evaluator/", "kernels/conv2d_scale_min/", "tests/adversarial/honest_fused.py", "prompts/"))
            or rel == "pyproject.toml"
        ):
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            (copy / rel).write_bytes((ROOT / rel).read_bytes())
    p = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy), "HOME": str(tmp_path)},
    )
    assert p.returncode == 0, p.stderr[-2000:]
    import json

    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["status"] == "correct", out
    if out["warning"] is None:  # confined: no note says the project was writable or a remount failed
        assert not any("confinement incomplete" in n for n in out["notes"]), out["notes"]
    if confinement(False).root == "minimal":
        # Where this checkout gets the minimal root, one under /tmp gets it too. It used to fall back to the host
        # view: the checkout's own folder, made on the jail's private /tmp to hold its evaluator package, took
        # files, and the probe read that as a writable project (evaluator.child.root, _placeholders_under_tmp).
        assert out["root"] == "minimal", out["refused"]


def test_a_compiler_outside_usr_is_readable_by_its_own_folders_only(tmp_path, monkeypatch):
    # An H200 host had gcc under /opt/gcc (CC): the minimal root needs its bin, lib and libexec, and
    # binds those folders only, never the prefix itself (which could be a home folder).
    import shutil

    from evaluator.child import root

    prefix = tmp_path / "opt" / "gcc"
    for d in ("bin", "libexec", "share"):
        (prefix / d).mkdir(parents=True)
    real = shutil.which("cc") or shutil.which("gcc") or "/usr/bin/true"
    (prefix / "bin" / "gcc").symlink_to(real)
    monkeypatch.setenv("CC", str(prefix / "bin" / "gcc"))
    found = root.toolchain()
    assert str(prefix / "bin") in found and str(prefix / "libexec") in found
    assert str(prefix) not in found and str(prefix / "share") not in found
    assert all(not p.startswith("/usr/") for p in found)
    assert set(found) <= set(root.readable([]))


NCU_WRAPPER = """#!/bin/sh
# as a CUDA toolkit's bin/ncu does: find the real tool beside bin/ (or under /opt/nvidia), else fail
for d in "$(dirname "$0")"/../nsight-compute-*; do
    [ -x "$d/ncu" ] && exec "$d/ncu" "$@"
done
echo "ERROR : nsight-compute directory is not found under $(dirname "$0")/../" >&2
exit 1
"""


def test_a_toolkit_ncu_script_finds_its_real_tool_inside_the_jail(tmp_path, monkeypatch):
    # On the H200, ncu on PATH was /usr/local/cuda-13.0/bin/ncu, a script that execs
    # /usr/local/cuda-13.0/nsight-compute-<version>/ncu: the jail showed bin/ only, and every profile failed.
    import pytest

    from evaluator.child import root
    from evaluator.parent.jail import probe

    prefix = tmp_path / "cuda-13.0"
    (prefix / "bin").mkdir(parents=True)
    real = prefix / "nsight-compute-2025.3.1"
    real.mkdir()
    (prefix / "bin" / "ncu").write_text(NCU_WRAPPER)
    (real / "ncu").write_text('#!/bin/sh\necho "the real ncu ran" > "$1"\n')
    for f in (prefix / "bin" / "ncu", real / "ncu"):
        f.chmod(0o755)
    assert root.program_dirs(str(prefix / "bin" / "ncu"))[:2] == [str(prefix / "bin"), str(real)]
    if probe(False) is not None:
        pytest.skip("no namespaces here: nothing is hidden, so nothing needs binding")
    work = tmp_path / "work"
    work.mkdir()
    before = Path("/proc/self/mountinfo").read_text()
    # Started directly, not under `unshare`: confine() makes its own mount namespace first (it once pivoted
    # the caller's, here the test machine's, into the minimal root).
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "evaluator.child.boot",
            "--exec",
            "--confine",
            str(work),
            "--",
            "ncu",
            str(work / "out"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": f"{prefix / 'bin'}:/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert (work / "out").read_text() == "the real ncu ran\n"
    assert Path("/proc/self/mountinfo").read_text() == before  # nothing of the jail's reached this namespace


def test_only_folders_made_to_hold_a_bind_under_tmp_are_sealed():
    # evaluator.child.root seals (binds read-only onto itself) each top folder under the jail's private /tmp that
    # exists there only as the parent of something bound read-only; never a folder bound itself, and never a
    # work folder, which sealing would shut.
    from evaluator.child.root import _placeholders_under_tmp

    bound = ["/usr/lib", "/tmp/clone/evaluator", "/tmp/venv", "/tmp/venv/lib/python3.11/site-packages", "/tmp/w/bin"]
    assert _placeholders_under_tmp(bound, ["/tmp/w", "/tmp/clone/runs/x/work"]) == ["/tmp/clone"]
    assert _placeholders_under_tmp(bound, []) == ["/tmp/clone", "/tmp/w"]
    assert _placeholders_under_tmp(["/usr", "/opt/x"], ["/tmp/w"]) == []
