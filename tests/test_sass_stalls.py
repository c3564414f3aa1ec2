"""benchmarks/device/sass_stalls.py: stall samples from ncu's source page, by reason, opcode and instruction."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "device" / "sass_stalls.py"
spec = importlib.util.spec_from_file_location("sass_stalls", SCRIPT)
sass_stalls = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sass_stalls)

# the shape of `ncu --page source --csv --print-source sass` (a title row, then the table; columns cut down)
HEADER = (
    '"Address","Source","Warp Stall Sampling (All Samples)",'
    '"stall_barrier","stall_short_sb","stall_long_sb","stall_selected","stall_short_sb (Not Issued)"'
)
CSV = "\n".join(
    [
        '"Kernel Name","_conv_scale_min_f23_resident_kernel",',
        HEADER,
        '"0x10","      LDS.128 R20, [R2+UR18+0x31000]","10","0","0","0","10","0"',
        '"0x20","      SEL R165, R156, R20, !P4","300","0","290","0","10","290"',
        '"0x30","@!P6  BRA 0x7fca66d0dec0","200","0","0","195","5","0"',
        '"0x40","      HGMMA.64x64x8.F32.TF32 R24, R152, gdesc[UR16], R24, gsb0","90","80","0","0","10","0"',
    ]
)


def test_reasons_and_opcodes_are_summed_and_not_issued_columns_are_not_counted_twice(tmp_path):
    path = tmp_path / "k_sass.csv"
    path.write_text(CSV)
    rows = sass_stalls.read(str(path))
    assert [sass_stalls.opcode(r["Source"]) for r in rows] == ["LDS", "SEL", "BRA", "HGMMA"]
    assert sass_stalls.stalls(rows[1]) == {"barrier": 0, "short_sb": 290, "long_sb": 0, "selected": 10}
    out = subprocess.run([sys.executable, str(SCRIPT), str(path), "--top", "2"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "4 instructions, 600 samples"
    assert lines[1].startswith("by reason: short_sb 48.3%, long_sb 32.5%, barrier 13.3%")
    assert lines[2].startswith("by opcode: SEL 50.0%, BRA 33.3%, HGMMA 15.0%")
    top = [ln for ln in lines[3:] if not ln.startswith("      ")]  # the two largest, with their two reasons
    assert [ln.split()[1] for ln in top] == ["1", "2"] and "short_sb 290" in top[0]


def test_a_file_without_the_source_table_is_one_line_and_exit_1(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text('"Kernel Name","k",\n')
    out = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert out.returncode == 1 and "no ncu source table" in out.stderr and "Traceback" not in out.stderr
