"""The conv2d_scale_min study kernels, on the CPU: the Winograd Triton kernels (winograd_kernels.py) under the
interpreter on tiny odd shapes against the fp32 reference; the Gluon kernels (gluon_winograd, gluon_winograd_rs,
gluon_winograd_resident, gluon_direct_rs), which need a Hopper GPU to run, through their emulations, their candidate
files and PyTorch mirrors of their shared-memory indexing.

Their speed and their GPU correctness are measured by the study modules' --check on a GPU, not here.
"""

import os

import pytest
import torch

os.environ.setdefault("TRITON_INTERPRET", "1")

import studies.conv2d_scale_min.winograd_kernels as wk  # noqa: E402
from evaluator import get_policy, import_file, load_problem  # noqa: E402
from evaluator.oracle.correctness import compare  # noqa: E402

_problem = load_problem("conv2d_scale_min")
reference = import_file(_problem.path, "_winograd_reference")  # the problem's reference.py, as the evaluator imports it

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="CPU interpreter check (GPU: the benchmark)")

CASES = [  # (in, out, scale, input shape): odd rows and columns, channels not a multiple of 16
    (5, 61, 2.0, (2, 5, 13, 17)),
    (3, 7, -0.5, (1, 3, 11, 19)),
    (20, 40, 2.0, (1, 20, 9, 10)),
]
KERNELS = {
    "strided": lambda x, w, b, s: wk.conv3x3_scale_min_variant(x, w, b, s, kernel="dyn", BK=16),
    "rows": lambda x, w, b, s: wk.conv3x3_scale_min_rows(x, w, b, s, BK=16, TILES_M=True),
    "rowloop": lambda x, w, b, s: wk.conv3x3_scale_min_rowloop(x, w, b, s, BK=16),
    "nhwc": lambda x, w, b, s: wk.conv3x3_scale_min_nhwc(x, w, b, s, BK=16),
}


@pytest.mark.parametrize("name", KERNELS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[3])))
def test_winograd_matches_reference(name, case):
    cin, cout, scale, shape = case
    torch.manual_seed(0)
    model = reference.Model(cin, cout, 3, scale)
    x = torch.rand(*shape)
    with torch.no_grad():
        ref = model(x)
        out = KERNELS[name](x, model.conv.weight, model.conv.bias, scale)
    assert out.shape == ref.shape
    # TF32-rounded operands: judged as the evaluator judges, under its tf32 policy (atol = rtol = 1e-3)
    verdict = compare(ref, out, get_policy("tf32"))
    assert verdict["ok"], verdict["message"]
    # and the rounding is really there: exact fp32 math would be ~1e-6 off, TF32 ~1e-4
    assert (out - ref).abs().max() > 1e-5


def test_round_tf32_keeps_ten_mantissa_bits():
    import triton
    import triton.language as tl

    @triton.jit
    def _k(x_ptr, y_ptr, N: tl.constexpr):
        i = tl.arange(0, N)
        tl.store(y_ptr + i, wk._round_tf32(tl.load(x_ptr + i)))

    x = torch.tensor([1.0, 1.0 + 2**-11, 1.0 + 2**-10, 1.0 + 3 * 2**-11, -3.14159265, 1e-30, 0.0, 65504.3])
    y = torch.empty_like(x)
    _k[(1,)](x, y, N=x.numel())
    assert (y.view(torch.int32) & 0x1FFF).eq(0).all()  # 13 low bits cleared
    assert y[0] == 1.0 and y[2] == 1.0 + 2**-10
    assert y[1] == 1.0 + 2**-10 and y[3] == 1.0 + 2**-9  # halfway cases round up (away from zero)
    assert ((y - x).abs() <= x.abs() * 2**-11 + 1e-45).all()  # within half a TF32 ulp


@pytest.mark.parametrize("kernel", ["scratch", "registers"])
@pytest.mark.parametrize("case", CASES + [(64, 128, 2.0, (1, 64, 10, 12))], ids=lambda c: "x".join(map(str, c[3])))
def test_gluon_f23_dataflow_matches_reference(case, kernel):
    """studies/conv2d_scale_min/gluon_winograd.py and gluon_winograd_rs.py (F(2,3) along the width, Gluon, GPU
    only): their dataflow in PyTorch (`emulate`: V as the scratch lays it out, the j order 1, 2, 0, 3 and the
    fold between, fp32 sums) with U from their weight-transform kernel (Triton, run by the interpreter here;
    8-channel K chunks for the register kernel) is judged as the evaluator judges the kernel: this is what
    the GPU kernels must reproduce."""
    from studies.conv2d_scale_min import gluon_winograd as gw

    cin, cout, scale, shape = case
    torch.manual_seed(0)
    model = reference.Model(cin, cout, 3, scale)
    x = torch.rand(*shape)
    w, b = model.conv.weight.detach(), model.conv.bias.detach()
    bn = max(16, 1 << (cout - 1).bit_length())
    bk = min(32 if kernel == "scratch" else 8, max(8, 1 << (cin - 1).bit_length()))
    c_pad = -(-cin // bk) * bk
    u = gw.transform_weights(w, bn, c_pad)
    assert u.shape == (12 * bn, c_pad)
    tf32 = ((w[:, :, 0, 2].contiguous().view(torch.int32) + 0x1000) & -8192).view(torch.float32)
    assert torch.equal(u[9 * bn : 9 * bn + cout, :cin], -tf32)  # (j = 3, kh = 0): -U3 = -g2, rounded
    assert not u[9 * bn + cout : 10 * bn].any() and not u[:, cin:].any()  # padding is zero
    with torch.no_grad():
        ref = model(x)
    out = gw.emulate(x, w, b, scale, u=u, BK=bk)
    assert out.shape == ref.shape
    verdict = compare(ref, out, get_policy("tf32"))
    assert verdict["ok"], verdict["message"]
    assert (out - ref).abs().max() > 1e-6  # the TF32 rounding is really there


def _undefined_helpers(src: str) -> set[str]:
    """The _private functions a candidate file calls but does not define (a Gluon helper left out of the text
    fails only when the GPU compiles it)."""
    import re

    return (
        set(re.findall(r"\b(_[a-z][a-z_0-9]*)\(", src))
        - set(re.findall(r"def (_[a-z_0-9]+)\(", src))
        - {"_reinterpret"}
    )


def test_the_register_kernels_sizes_and_candidate_file():
    """gluon_winograd_rs: 64 output channels per pass, K chunks of 8 channels, 128-tile spans; its candidate file
    (the weight transform, its kernels, its launcher, ModelNew) extracts as the loop extracts a reply and
    meets the host-code contract."""
    from agent.extract import extract
    from evaluator.static import check_source
    from studies.conv2d_scale_min import gluon_winograd_rs as rs

    assert rs.sizes(64, 128, 256) == (128, 64, 64, 127, 1)  # #32 at full size: two passes, one span per row
    assert rs.sizes(5, 61, 17) == (64, 64, 8, 8, 1)
    assert rs.sizes(3, 7, 300) == (16, 16, 8, 149, 2)
    src = rs.candidate_source()
    assert "def conv_scale_min_f23_rs(" in src and "def _weight_transform_kernel(" in src
    assert "def check" not in src and "from studies" not in src  # self-contained, no GPU check helpers
    assert _undefined_helpers(src) == set()
    assert check_source(src) == []
    code, problems = extract(rs.REPLY.format(code=src))
    assert problems == [] and code.strip() == src.strip(), problems


def test_the_direct_register_kernels_candidate_file_extracts_and_meets_the_host_code_contract():
    """gluon_direct_rs: 128 output channels per pass, 8-channel K chunks, 256-pixel spans; its candidate file
    (the Gluon helpers it shares, its kernels, its launcher, ModelNew) extracts as the loop extracts a reply."""
    from agent.extract import extract
    from evaluator.static import check_source
    from studies.conv2d_scale_min import gluon_direct_rs as dr

    assert dr.sizes(64, 128, 256) == (128, 128, 64, 1)  # #32 at full size: one pass, one span per row
    assert dr.sizes(5, 61, 17) == (64, 64, 8, 1)
    assert dr.sizes(3, 300, 300) == (512, 128, 8, 2)
    src = dr.candidate_source()
    assert "def conv_scale_min_direct_rs(" in src and "QUAD_VIEW = " in src and "def _round_tf32_g(" in src
    assert all(f"def {helper}(" in src for helper in ("_next_quad", "_pixels", "_windows", "_loader", "_fragment"))
    assert _undefined_helpers(src) == set()
    assert "def check" not in src and "from studies" not in src and "def emulate" not in src
    assert check_source(src) == []
    code, problems = extract(dr.REPLY.format(code=src))
    assert problems == [] and code.strip() == src.strip(), problems


def test_the_resident_kernels_sizes_and_candidate_file():
    """gluon_winograd_resident: one output-channel half per CTA, its U resident beside the x slots that fit (three
    at #32's sizes), a clear error where U cannot stay; its candidate file extracts as the loop extracts a reply,
    carries every helper it calls and meets the host-code contract."""
    from agent.extract import extract
    from evaluator.static import check_source
    from studies.conv2d_scale_min import gluon_winograd_resident as res

    assert res.resident_sizes(64, 128, 256) == (128, 64, 64, 127, 1, 3)  # U: 192 KB of the 227
    assert res.resident_sizes(5, 61, 17) == (64, 32, 8, 8, 1, 8)
    assert res.resident_sizes(32, 64, 66)[-1] == 8
    with pytest.raises(ValueError, match="too much to keep resident"):
        res.resident_sizes(256, 128, 256)
    src = res.candidate_source()
    assert "def conv_scale_min_f23_resident(" in src and "def _weight_transform_kernel(" in src
    assert "gl.atomic_min(" in src and 'torch.full((N_img, 1, H_out, W_out), float("inf")' in src
    assert "def check" not in src and "from studies" not in src and "def emulate" not in src
    assert _undefined_helpers(src) == set()
    assert check_source(src) == []
    code, problems = extract(res.REPLY.format(code=src))
    assert problems == [] and code.strip() == src.strip(), problems


def _half_rows(pid: int, grid: int, num_rows: int) -> tuple[int, int, int]:
    """gluon_winograd_resident._half_rows in Python."""
    per_half, k = grid // 2, pid // 2
    return pid % 2, (k * num_rows) // per_half, ((k + 1) * num_rows) // per_half


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[3])))
def test_the_resident_kernel_mirrored_on_the_cpu_computes_the_output(case):
    """gluon_winograd_resident's own indexing, op for op in PyTorch: each CTA's half and rows (_half_rows, an even
    grid), the U tiles its loader brings once (tile i from U rows (i // CHUNKS) * BN + half * N, columns
    (i % CHUNKS) * 8) and the tile each K step of point j multiplies (j * KSTEPS + step), the fold, bias,
    scale and +inf padding, and the two halves meeting by min in an output filled with +inf. V is the scratch
    kernel's (gluon_winograd.emulate_v: the register kernels form the same V, tested above). The result is
    judged as the evaluator judges the kernel, and matches emulate()."""
    from studies.conv2d_scale_min import gluon_winograd as gw
    from studies.conv2d_scale_min import gluon_winograd_resident as res

    cin, cout, scale, shape = case
    torch.manual_seed(0)
    model = reference.Model(cin, cout, 3, scale)
    x = torch.rand(*shape)
    w, b = model.conv.weight.detach(), model.conv.bias.detach()
    n_img, _, h, wd = shape
    h_out, w_out = h - 2, wd - 2
    BN, N, c_pad, T, tiles_w, _ = res.resident_sizes(cin, cout, wd)
    chunks, ksteps = c_pad // 8, 3 * (c_pad // 8)
    u = gw.transform_weights(w, BN, c_pad)
    v = gw.emulate_v(x, c_pad, tiles_w * 128 + 1)  # [N*H, 4, tiles, C_pad]: V past the row's end reaches masks only
    out = torch.full((n_img, 1, h_out, w_out), float("inf"))
    grid, num_rows = 6, n_img * h_out
    seen = {0: [], 1: []}
    for pid in range(grid):
        half, t0, t1 = _half_rows(pid, grid, num_rows)
        seen[half] += range(t0, t1)
        tiles = [u[(i // chunks) * BN + half * N :][:N, (i % chunks) * 8 :][:, :8] for i in range(12 * chunks)]
        co = half * N + torch.arange(N)
        bias = torch.where(co < cout, b[co.clamp(max=cout - 1)], 0.0)
        pad = torch.where(co < cout, 0.0, float("inf"))
        for t in range(t0, t1):
            n, oh = divmod(t, h_out)
            m = [torch.zeros(tiles_w * 128, N) for _ in range(4)]
            for step in range(ksteps):
                kh, c8 = divmod(step, chunks)
                for j in range(4):
                    vj = v[n * h + oh + kh, j, : tiles_w * 128, c8 * 8 : c8 * 8 + 8]
                    m[j] += vj @ tiles[j * ksteps + step].T
            y0 = m[0] + m[1] + m[2]
            y1 = m[1] - m[2] + m[3]  # U3 stored negated
            lo = torch.stack([((y + bias) * scale + pad).amin(1) for y in (y0, y1)], 1).flatten()[:w_out]
            out[n, 0, oh] = torch.minimum(out[n, 0, oh], lo)  # the atomic min
    assert sorted(seen[0]) == sorted(seen[1]) == list(range(num_rows))  # each half covers every row once
    with torch.no_grad():
        ref = model(x)
    verdict = compare(ref, out, get_policy("tf32"))
    assert verdict["ok"], verdict["message"]
    emu = gw.emulate(x, w, b, scale, u=u, BK=8)
    assert (out - emu).abs().max() < 1e-5


def test_the_candidate_file_is_the_kernel_alone_and_meets_the_host_code_contract():
    """The reply as the loop reads it: the code block comes out whole, meets the prompt's output rules (kernels
    before wrappers: an H100 run of the loop refused it at extract before this was tested) and the host-code
    contract."""
    from agent.extract import extract
    from evaluator.static import check_source
    from studies.conv2d_scale_min.gluon_winograd import REPLY, candidate_source

    src = candidate_source()
    assert "class ModelNew" in src and "def conv_scale_min_f23(" in src
    assert "def emulate" not in src and "def _rnd" not in src and "def check" not in src  # no CPU helpers
    assert check_source(src) == []
    code, problems = extract(REPLY.format(code=src))
    assert problems == [] and code.strip() == src.strip(), problems


def test_the_diagnosis_reads_its_sizes_from_the_kernels_buffers_and_points_at_the_broken_stage():
    """gluon_winograd.diagnose (what --check prints where the GPU kernel and emulate() disagree), fed the
    emulation's own V and U: all zero; with one V row and one output broken, it names them."""
    from studies.conv2d_scale_min import gluon_winograd as gw

    torch.manual_seed(0)
    x, wt, b = torch.rand(2, 5, 13, 17), torch.randn(61, 5, 3, 3), torch.randn(61)
    BN, _, C_pad, T = gw.sizes(5, 61, 17)
    keep = {"u": gw.emulate_u(wt, BN, C_pad), "v": gw.emulate_v(x, C_pad, T)}
    emu = gw.emulate(x, wt, b, 2.0, u=keep["u"])
    clean = gw.diagnose(x, wt, emu, emu, keep)
    assert "U 0.0e+00" in clean and "V rows wrong 0/26" in clean and "odd cols 0 of" in clean
    keep["v"][3, 2] += 1.0  # one scratch row's V2
    out = emu.clone()
    out[1, 0, 4, 7] += 1.0  # an odd column
    broken = gw.diagnose(x, wt, out, emu, keep)
    assert "V2 1.0e+00" in broken and "V rows wrong 1/26" in broken and "even cols 0, odd cols 1" in broken
    assert "first bad (n, oh, ow) (1, 4, 7)" in broken
    no_scratch = gw.diagnose(x, wt, out, emu, {"u": keep["u"]})  # gluon_winograd_rs keeps no V
    assert "U 0.0e+00" in no_scratch and "V" not in no_scratch.split(";")[1] and "odd cols 1" in no_scratch


def _tma_boxes(row: torch.Tensor, c8: int, px0: int, boxes: int = 9) -> torch.Tensor:
    """What the loader's TMA boxes put in shared memory for one stage: channels 8 c8 .. + 8 of one input row
    [C, W], pixels px0 .. px0 + 32 boxes, zero past the edges; box b, channel c, pixel 4q + e at float offset
    256 b + 32 c + 4 (q ^ c) + e (128-byte rows, the 16-byte chunk index XORed with the row mod 8)."""
    mem = torch.zeros(256 * boxes)
    C, W = row.shape
    for b in range(boxes):
        for c in range(8):
            for px in range(32):
                q, e, ch, col = px // 4, px % 4, 8 * c8 + c, px0 + 32 * b + px
                if ch < C and col < W:
                    mem[256 * b + 32 * c + 4 * (q ^ c) + e] = row[ch, col]
    return mem


def _windows(mem: torch.Tensor, wg: int, bases) -> tuple[torch.Tensor, torch.Tensor]:
    """gluon_winograd_rs._windows: warpgroup wg's own 4-box window and the one a box on, read through QUAD_VIEW."""
    return _view(mem[1024 * wg : 1024 * wg + 1024], bases), _view(mem[1024 * wg + 256 : 1024 * wg + 1280], bases)


def _next_quad(a: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """gluon_winograd_rs._next_quad lane by lane: element (s, k) of a [32, 8] tensor split from QUAD_LAYOUT sits
    in the register, lane and warp whose bases XOR to (s, k); lanes 0-3 offer n, the others a, and each lane
    takes the offer of lane + 4 (mod 32) in its warp, same register (the inline asm's shfl.sync.idx)."""
    from studies.conv2d_scale_min import gluon_winograd_rs as rs

    layout = rs.QUAD_LAYOUT.value
    reg = [b[:2] for b in layout.reg_bases if b[:2] != [0, 0]]  # the pixel (e) bases are split off

    def index(r, lane, warp):
        s = k = 0
        for bases, value in ((reg, r), (layout.lane_bases, lane), (layout.warp_bases, warp)):
            for bit, basis in enumerate(bases):
                if value >> bit & 1:
                    s, k = s ^ basis[0], k ^ basis[1]
        return s, k

    out = torch.full_like(a, float("nan"))
    for r in range(1 << len(reg)):
        for warp in range(1 << len(layout.warp_bases)):
            for lane in range(32):
                src = (lane + 4) % 32
                offer = n if src < 4 else a
                out[index(r, lane, warp)] = offer[index(r, src, warp)]
    return out


def _view(mem: torch.Tensor, offset_bases) -> torch.Tensor:
    """A SharedLinearLayout view read as Triton reads it: offset o holds the index XOR-combined from the bases of
    o's set bits. Returns the [32, 8, 4] tensor."""
    out = torch.full((32, 8, 4), float("nan"))
    for o in range(1024):
        idx = [0, 0, 0]
        for bit, basis in enumerate(offset_bases):
            if o >> bit & 1:
                idx = [i ^ v for i, v in zip(idx, basis)]
        out[tuple(idx)] = mem[o]
    return out


def fragment(even: torch.Tensor, odd: torch.Tensor) -> torch.Tensor:
    """gluon_winograd_rs._fragment in PyTorch: join, reshape, permute, reshape ([32, 8] twice -> [64, 8])."""
    return torch.stack([even, odd], -1).reshape(4, 8, 8, 2).permute(0, 3, 1, 2).reshape(64, 8)


def test_the_register_kernels_quad_reads_form_the_scratch_kernels_v():
    """gluon_winograd_rs's consumer, mirrored op for op in PyTorch on the CPU (the GPU runs it next): the TMA
    boxes of copies A (pixel 2 tt0) and B (2 tt0 + 4), read through QUAD_VIEW, split into pixels, formed into
    V0..V3 and joined into wgmma's A fragment, give emulate_v's V of the fragment row's tile (the store's
    row -> tile map) and of the channel SIGMA[k] at K index k (fragment_order's U columns) -- odd shapes and
    channel padding included."""
    from studies.conv2d_scale_min import gluon_winograd as gw
    from studies.conv2d_scale_min import gluon_winograd_rs as rs

    bases = rs.QUAD_VIEW.value.offset_bases
    assert _view(torch.arange(1024.0), bases).flatten().sort().values.eq(torch.arange(1024.0)).all()  # a bijection
    r = torch.arange(64)
    tile_of_row = 2 * (8 * (r // 16) + r % 8) + (r // 8) % 2  # _consumer's tile_o
    assert sorted(tile_of_row.tolist()) == list(range(64))
    torch.manual_seed(0)
    for N, C, H, W in ((1, 5, 4, 17), (1, 12, 4, 300)):
        x = torch.randn(N, C, H, W)
        _, _, C_pad, T, TILES_W = rs.sizes(C, 16, W)
        v_ref = gw.emulate_v(x, C_pad, T).view(N, H, 4, T, C_pad)
        for h, c8, tw, wg in ((1, 0, 0, 0), (3, C_pad // 8 - 1, TILES_W - 1, 1)):
            tt0 = 128 * tw + 64 * wg
            qa, qn = _windows(_tma_boxes(x[0, :, h], c8, 256 * tw), wg, bases)
            a0, a1, a2, a3 = qa.unbind(-1)
            b0, b1 = _next_quad(a0, qn[..., 0]), _next_quad(a1, qn[..., 1])

            v = [fragment(a0 - a2, a2 - b0), fragment(a1 + a2, a3 + b0), fragment(a2 - a1, b0 - a3)]
            v.append(fragment(a1 - a3, a3 - b1))
            tiles = tt0 + tile_of_row
            live = tiles < T
            channels = [8 * c8 + k for k in rs.SIGMA]
            for j in range(4):
                want = v_ref[0, h, j][tiles[live]][:, channels]
                assert torch.equal(gw._rnd(v[j][live]), want), (N, C, H, W, h, c8, tw, wg, j)
    u = torch.arange(3 * 16.0).view(3, 16)
    uk = rs.fragment_order(u)
    assert all(torch.equal(uk[:, 8 * c8 + k], u[:, 8 * c8 + rs.SIGMA[k]]) for c8 in range(2) for k in range(8))


def test_the_direct_register_kernel_mirrored_on_the_cpu_computes_the_rows_output():
    """gluon_direct_rs's dataflow in PyTorch for whole output rows: the stage's 9 TMA boxes, the warpgroup's two
    windows read through QUAD_VIEW, x at pixels 4s .. 4s + 5 (the last two by _next_quad's lane rotation), the
    six fragments of each stage times the prepared weights (SIGMA's column order, TF32), the two accumulators'
    rows mapped to pixels as the epilogue stores them, then bias, scale and the channel min
    -- against the fp64 conv of the TF32-rounded operands, on odd shapes with padded
    channels, two 256-pixel spans and a negative scale."""
    from studies.conv2d_scale_min import gluon_direct_rs as dr
    from studies.conv2d_scale_min import gluon_winograd_rs as rs
    from studies.conv2d_scale_min.gluon_winograd import _rnd as rnd  # _round_tf32_g in PyTorch

    bases = rs.QUAD_VIEW.value.offset_bases
    r = torch.arange(64)
    px_of_row = 4 * (8 * (r // 16) + r % 8) + (r // 8) % 2  # _consumer's px_o (block 1: + 2)

    torch.manual_seed(0)
    for N_img, C, C_out, H, W, scale in ((1, 12, 20, 5, 19, -0.5), (1, 5, 3, 4, 300, 2.0)):
        x, wt, b = torch.randn(N_img, C, H, W), torch.randn(C_out, C, 3, 3), torch.randn(C_out)
        BN, N, C_pad, TILES_W = dr.sizes(C, C_out, W)
        w = dr.prepare_weights(wt, BN, C_pad)
        # column k of each chunk holds channel SIGMA[k], TF32-rounded (tap (1, 2), K index 2 -> channel 4)
        assert torch.equal(w.view(3, 3, BN, C_pad)[1, 2, :C_out, 2], rnd(wt[:, rs.SIGMA[2], 1, 2].contiguous()))
        want = dr.emulate(x, wt, b, scale)[0, 0]  # [H_out, W_out]
        for oh in range(H - 2):
            row = torch.full((TILES_W * 256,), float("inf"))
            for tw in range(TILES_W):
                for wg in range(2):
                    p0 = 256 * tw + 128 * wg
                    acc = [torch.zeros(64, BN, dtype=torch.float64) for _ in range(2)]
                    for kh in range(3):
                        for c8 in range(C_pad // 8):
                            qa, qn = _windows(_tma_boxes(x[0, :, oh + kh], c8, 256 * tw), wg, bases)
                            xs = [rnd(qa[..., e].contiguous()) for e in range(4)]
                            xs += [rnd(_next_quad(qa[..., e], qn[..., e]).contiguous()) for e in range(2)]
                            for kw in range(3):
                                tile = w[(kh * 3 + kw) * BN : (kh * 3 + kw + 1) * BN, 8 * c8 : 8 * c8 + 8].double()
                                for i in range(2):  # block i: pixels 4s + 2i + v, tap kw
                                    f = fragment(xs[2 * i + kw], xs[2 * i + kw + 1]).double()
                                    acc[i] += f @ tile.T
                    for i in range(2):
                        y = ((acc[i][:, :C_out] + b.double()) * scale).amin(1)
                        row[p0 + px_of_row + 2 * i] = y.float()
            got = row[: W - 2]
            assert torch.allclose(got.double(), want[oh], rtol=1e-5, atol=1e-5), (N_img, C, C_out, H, W, oh)


def test_set_replaces_a_launcher_default_in_the_written_candidate_and_refuses_unknown_sizes(tmp_path, capsys):
    """--set NAME=VALUE: the candidate file (and reply) carries the launcher with that default, so the loop
    evaluates the build the check ran; a size the launcher lacks, or a value that is not a literal, is a
    one-line error."""
    from evaluator.static import check_source
    from studies.conv2d_scale_min import gluon_direct_rs as dr
    from studies.conv2d_scale_min import gluon_winograd as gw

    main = dict(check_fn=dr.check, source_fn=dr.candidate_source, reply=dr.REPLY, launcher=dr.conv_scale_min_direct_rs)
    gw.main(**main, argv=["--candidate", str(tmp_path / "c.py"), "--set", "AHEAD=False", "--set", "STAGES=8"])
    code = (tmp_path / "c.py").read_text()
    head = code[code.index("def conv_scale_min_direct_rs(") :].split("):")[0]
    assert "AHEAD=False" in head and "STAGES=8," in head and "CONSUMER_REGS=232" in head
    assert code.replace("AHEAD=False,", "AHEAD=True,").replace("STAGES=8,", "STAGES=10,") == dr.candidate_source()
    assert check_source(code) == []
    for bad, said in (("TILE=3", "sizes are"), ("PREFETCH", "sizes are"), ("STAGES=eight", "Python literal")):
        with pytest.raises(SystemExit) as e:
            gw.main(**main, argv=["--candidate", str(tmp_path / "d.py"), "--set", bad])
        assert said in str(e.value) and str(e.value).startswith("error: --set")
    assert not (tmp_path / "d.py").exists()


def test_the_traffic_model_matches_ncus_l2_bytes_where_the_kernels_ran(capsys, tmp_path):
    """studies/conv2d_scale_min/traffic.py: its per-step byte counts, summed over the problem, against the L2
    bytes ncu measured for the two register kernels that ran (benchmarks/h200_session13.txt); the resident
    layout's floor is then the lowest of the Winograd ones. A log without the direct kernel's profile is a
    one-line error."""
    from studies.conv2d_scale_min import traffic

    log = traffic.ROOT / "benchmarks" / "h200_session13.txt"
    ncu = traffic.measured(log)
    for lay in traffic.LAYOUTS[:2]:
        got = ncu[lay.kernel]["lts__t_bytes.sum"]
        assert abs(lay.l2_bytes() - got) / got < 0.05, (lay.name, lay.l2_bytes(), got)
    assert traffic.main(["--log", str(log)]) == 0
    rows = {line.split("|")[1].strip(): line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")}
    floor = {name: float(rows[name].split("(max ")[1].split(")")[0]) for name in ("winograd_rs", "winograd_resident")}
    assert floor["winograd_resident"] < floor["winograd_rs"]
    empty = tmp_path / "log.txt"
    empty.write_text("no profile here\n")
    assert traffic.main(["--log", str(empty)]) == 2
    assert "has no ncu profile" in capsys.readouterr().err


def test_the_wide_row_check_reports_agreement_a_wrong_edge_and_a_failure(capsys):
    # check_wide's verdicts on the CPU, with plain-torch launchers in place of the GPU kernels: one right, one
    # that drops the last unit of each row (what a kernel with a unit-count bug would do), one that raises
    from studies.conv2d_scale_min import gluon_winograd as gw

    def exact(x, wt, b, scale, keep):
        keep["u"] = None
        return (torch.nn.functional.conv2d(x, wt, b) * scale).amin(1, keepdim=True)

    def short_rows(x, wt, b, scale, keep):
        out = exact(x, wt, b, scale, keep)
        out[..., 512:] = 0.0
        return out

    def broken(x, wt, b, scale, keep):
        raise RuntimeError("TMA descriptor: box too large")

    emu = lambda x, wt, b, keep: exact(x.double(), wt.double(), b.double(), 2.0, {})  # noqa: E731
    for launch in (exact, short_rows, broken):
        gw.check_wide(launch, emu, tol=1e-4, device="cpu")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("wide 1x16x6x600->24") for line in lines)
    assert lines[0].endswith(", agrees") and lines[1].endswith(", DISAGREES")
    assert "failed: RuntimeError: TMA descriptor" in lines[2]


def test_f22_form_is_the_conv_and_keeps_tf32_precision():
    # winograd_numerics.winograd_2d, behind the notes' F(2x2,3x3) figures: exact algebra (odd sizes, unrounded), and
    # with V and U rounded to nearest TF32 on the problem's layer, an error under the policy's floor.
    from studies.conv2d_scale_min.winograd_numerics import F23, nearest, winograd_2d

    torch.manual_seed(0)
    x, conv = torch.randn(1, 3, 9, 8), torch.nn.Conv2d(3, 5, 3)
    w, b = conv.weight.detach(), conv.bias.detach()
    exact = (torch.nn.functional.conv2d(x, w, b) * 2.0).amin(1, keepdim=True)
    assert (winograd_2d(x, w, b, 2.0, lambda t: t, F23) - exact).abs().max() < 1e-5
    conv = torch.nn.Conv2d(64, 128, 3)
    w, b, x = conv.weight.detach(), conv.bias.detach(), torch.randn(1, 64, 20, 22)
    ref = (torch.nn.functional.conv2d(x.double(), w.double(), b.double()) * 2.0).amin(1, keepdim=True)
    err = (winograd_2d(x, w, b, 2.0, nearest, F23).double() - ref).abs()
    assert (err / (1e-3 + 1e-3 * ref.abs())).max() < 1.0
