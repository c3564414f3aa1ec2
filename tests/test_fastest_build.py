"""benchmarks/device/fastest_build.py: which build of a register kernel the device script hands the loop."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("fastest_build", ROOT / "benchmarks" / "device" / "fastest_build.py")
fastest_build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fastest_build)

# gluon_direct_rs's check on an H200 (benchmarks/h200_session15.txt), with one sweep build that differed
LOG = """\
64x64x256x256->128: max |out - emulate| 6.27e-06, 1.878 ms (median of 10, no L2 flush)
check: agrees
sweep {'PREFETCH': False}: 1.690 ms, max |out - default sizes' out| 0.0e+00
sweep {'STAGES': 6}: 2.208 ms, max |out - default sizes' out| 0.0e+00
sweep {'STAGES': 4}: 1.500 ms, max |out - default sizes' out| 3.0e-02
sweep {'STAGES': 12}: failed: OutOfResources: shared memory
sweep {'PREFETCH': False, 'STAGES': 10}: 1.704 ms, max |out - default sizes' out| 0.0e+00
"""


def test_the_fastest_sweep_build_that_matches_the_default_wins():
    assert fastest_build.fastest(LOG) == (1.690, "--set PREFETCH=False")


def test_a_build_whose_output_differs_is_never_chosen():
    # STAGES=4 is the fastest line, but its output is 3e-2 off the default's
    ms, sets = fastest_build.fastest(LOG)
    assert "STAGES=4" not in sets and ms > 1.5


def test_the_default_when_no_sweep_build_is_faster():
    log = LOG.replace("1.690 ms", "1.990 ms").replace("1.704 ms", "1.904 ms")
    assert fastest_build.fastest(log) == (1.878, "")


def test_nothing_when_the_default_disagreed():
    assert (
        fastest_build.fastest(
            LOG.replace("check: agrees", "check: the kernel disagrees with emulate() on 2x5x13x17->61")
        )
        is None
    )


def test_two_settings_become_two_set_arguments():
    log = LOG.replace("1.704 ms", "1.600 ms")
    assert fastest_build.fastest(log) == (1.600, "--set PREFETCH=False --set STAGES=10")


def test_the_wide_row_line_after_the_sweep_changes_nothing():
    # gluon_winograd.check_wide's line comes last and never gates the agreement or names a time
    wide = "wide 1x16x6x600->24 (rows of more than one unit; apart from the agreement): max |out - fp64| 1.0e-01, "
    wide += "max |out - emulate| 1.0e-01, DISAGREES\n"
    assert fastest_build.fastest(LOG + wide) == fastest_build.fastest(LOG) == (1.690, "--set PREFETCH=False")


def test_the_check_line_of_session_18_and_later_is_read():
    import sys

    sys.path.insert(0, str(ROOT))
    from studies.conv2d_scale_min.gluon_winograd import TIMED

    log = LOG.replace("(median of 10, no L2 flush)", f"({TIMED})").replace("1.690 ms", "1.990 ms")
    log = log.replace("1.704 ms", "1.904 ms")
    assert fastest_build.fastest(log) == (1.878, "")
