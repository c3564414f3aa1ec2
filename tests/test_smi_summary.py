"""smi_summary: the clock and power line a device step's nvidia-smi samples come back as."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "smi_summary", Path(__file__).parents[1] / "benchmarks" / "device" / "smi_summary.py"
)
smi_summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smi_summary)


def test_only_samples_under_load_count(tmp_path):
    # nvidia-smi --format=csv,noheader,nounits: clocks.sm, power.draw, clocks_event_reasons.active
    samples = tmp_path / "smi.csv"
    samples.write_text(
        "1980, 95.20, 0x0000000000000000\n"  # idle between calls: left out
        "1755, 690.10, 0x0000000000000004\n"
        "1665, 699.00, 0x0000000000000004\n"
        "1710, 694.50, 0x0000000000000004\n"
        "[N/A], [N/A], [N/A]\n"  # a sample nvidia-smi could not read
        "1700, 69"  # cut off by the kill
    )
    line = smi_summary.summary(str(samples))
    assert line.startswith("3 of 4 samples above 400 W: SM clock median 1710 MHz (min 1665)")
    assert "power median 694 W" in line and "0x0000000000000004" in line and "0x0000000000000000" not in line


def test_an_idle_run_says_so(tmp_path):
    samples = tmp_path / "smi.csv"
    samples.write_text("1980, 95.20, 0x0000000000000000\n")
    assert smi_summary.summary(str(samples)) == "no sample above 400 W in 1"
