"""sass_hazards: the check that a register-operand wgmma's A registers are not overwritten while it runs.

The two fixtures are gluon_direct_rs's consumer loop as ptxas built it (Triton 3.6, sm_90a), trimmed to the
loop's addresses: the default build (every stage waits for its wgmmas) and the OVERLAP build that one H200
showed wrong in session 13 (outputs off by up to 0.29), whose next stage loads x into the registers of the
previous stage's first HGMMA. A third is the AHEAD build's row loop (session 16: two stages' wgmmas in flight,
faster on an H100 and bit-identical to the default there), and the fourth the same schedule in
gluon_winograd_resident (four m64n64k8 products a stage). The last two are both kernels' LOOKAHEAD builds
(session 17: the next stage's x loaded between a stage's products and the wait that retires the previous stage's).
"""

from pathlib import Path

from studies.conv2d_scale_min.sass_hazards import hazards, main, parse

DATA = Path(__file__).parent / "data" / "sass"


def test_the_default_register_kernel_loop_has_no_hazard():
    sass = (DATA / "direct_rs_loop.sass").read_text()
    assert sum("HGMMA" in instr and ", gdesc" in instr for _, instr in parse(sass)) == 6
    assert hazards(sass) == []


def test_the_ahead_build_keeps_two_stages_in_flight_without_a_hazard():
    # 24 stages of six HGMMAs each, unrolled; each stage's wait leaves the six just issued in flight
    # (DEPBAR.LE 6) and only the row's last waits for all. Its two register sets are what keeps it clean:
    # a rolled loop of one set rewrites the previous stage's A registers (the overlap fixture below).
    sass = (DATA / "direct_rs_ahead_rows.sass").read_text()
    instrs = [instr for _, instr in parse(sass)]
    assert sum("HGMMA" in instr and ", gdesc" in instr for instr in instrs) == 144
    assert sum("WARPGROUP.DEPBAR.LE gsb0, 0x6" in instr for instr in instrs) == 24
    assert sum("WARPGROUP.DEPBAR.LE gsb0, 0x0" in instr for instr in instrs) == 1
    assert hazards(sass) == []


def test_the_resident_winograd_kernels_ahead_build_has_no_hazard():
    # four products a stage (one per Winograd point), each stage's wait leaving those four in flight
    sass = (DATA / "resident_ahead_rows.sass").read_text()
    instrs = [instr for _, instr in parse(sass)]
    assert sum(instr.startswith("HGMMA.64x64x8") for instr in instrs) == 96
    assert sum("WARPGROUP.DEPBAR.LE gsb0, 0x4" in instr for instr in instrs) == 24
    assert sum("WARPGROUP.DEPBAR.LE gsb0, 0x0" in instr for instr in instrs) == 1
    assert hazards(sass) == []


def _loads_under_the_products(instrs: list[str], in_flight: str) -> list[bool]:
    # per stage wait (DEPBAR.LE in_flight): whether shared-memory loads were issued after the stage's last
    # HGMMA and before that wait, i.e. under the products
    out, since = [], None
    for instr in instrs:
        if "HGMMA" in instr and ", gdesc" in instr:
            since = False
        elif instr.startswith("LDS") and since is not None:
            since = True
        elif f"WARPGROUP.DEPBAR.LE gsb0, {in_flight}" in instr:
            out.append(bool(since))
    return out


def test_the_lookahead_builds_load_the_next_stage_under_the_products_without_a_hazard():
    for name, wgmma, per_stage, in_flight in (
        ("direct_rs_lookahead_rows.sass", "HGMMA.64x128x8", 6, "0x6"),
        ("resident_lookahead_rows.sass", "HGMMA.64x64x8", 4, "0x4"),
    ):
        sass = (DATA / name).read_text()
        instrs = [instr for _, instr in parse(sass)]
        assert sum(instr.startswith(wgmma) for instr in instrs) == 24 * per_stage, name
        loads = _loads_under_the_products(instrs, in_flight)
        # every stage but the row's last loads its successor's x before the wait; the last has none to load
        assert loads == [True] * 23 + [False], (name, loads)
        assert hazards(sass) == [], name
    # session 16's AHEAD build, for contrast, loads each stage's x only after the previous wait
    ahead = [instr for _, instr in parse((DATA / "direct_rs_ahead_rows.sass").read_text())]
    assert not any(_loads_under_the_products(ahead, "0x6"))


def test_the_overlap_build_loads_the_next_stage_into_an_in_flight_a_register():
    found = hazards((DATA / "direct_rs_overlap_loop.sass").read_text())
    assert any("HGMMA at 0x18e0 reads R152-R155" in f and "LDS.64 R152" in f for f in found), found[:3]


def _sass(*instrs: str) -> str:
    return "\n".join(f"/*{16 * i:04x}*/ {instr} ;" for i, instr in enumerate(instrs))


def test_a_write_counts_only_while_its_wgmma_is_in_flight():
    hgmma = "HGMMA.64x128x8.F32.TF32 R24, R152, gdesc[UR16], R24, gsb0"
    other = "HGMMA.64x128x8.F32.TF32 R88, R160, gdesc[UR16], R88, gsb0"
    assert hazards(_sass(hgmma, "MOV R153, R2", "WARPGROUP.DEPBAR.LE gsb0, 0x0")) != []
    assert hazards(_sass(hgmma, "WARPGROUP.DEPBAR.LE gsb0, 0x0", "MOV R153, R2")) == []
    assert hazards(_sass(hgmma, "MOV R156, R2", "WARPGROUP.DEPBAR.LE gsb0, 0x0")) == []  # not its register
    assert hazards(_sass(hgmma, "STS [R153], R2", "WARPGROUP.DEPBAR.LE gsb0, 0x0")) == []  # a read, not a write
    # DEPBAR.LE 1 retires the older wgmma only: a write to the newer one's A is still a hazard
    assert hazards(_sass(hgmma, other, "WARPGROUP.DEPBAR.LE gsb0, 0x1", "MOV R152, R2")) == []
    assert hazards(_sass(hgmma, other, "WARPGROUP.DEPBAR.LE gsb0, 0x1", "LDS.128 R160, [R2]")) != []
    # through a back edge, as in a loop whose next stage starts before the wait
    looped = _sass("LDS.64 R152, [R2]", hgmma, "WARPGROUP.DEPBAR.LE gsb0, 0x1", "@P0 BRA 0x0", "EXIT")
    assert len(hazards(looped)) == 1


def test_the_command_line_reports_and_fails_on_a_hazard(capsys, tmp_path):
    assert main([str(DATA / "direct_rs_loop.sass")]) == 0
    assert "6 register-operand HGMMAs; 0 hazards" in capsys.readouterr().out
    assert main([str(DATA / "direct_rs_overlap_loop.sass")]) == 1
    assert main([str(tmp_path / "missing.sass")]) == 2
    assert "no such file" in capsys.readouterr().err
