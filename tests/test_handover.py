"""The inbox outputs are handed over in (evaluator.shared.handover), attacked from the candidate's side.

The candidate's process controls the header it sends and may write into the inbox at any time; the
oracle must copy before it compares, never allocate beyond the reference's size, and never stall or
crash on what it finds (issue 23 item 7, issue 24 item 6). CPU: the file inbox, the same `take`.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
import torch

from evaluator.oracle.correctness import compare
from evaluator.shared.handover import ALIGN, HandoverError, Inbox, Slot, capacity_for
from evaluator.shared.precision import get_policy
from evaluator.shared.wire import MAX_DEPTH, OutputMeta, Reply, TensorMeta, WireError, parse

CPU = torch.device("cpu")


@pytest.fixture
def inbox(tmp_path):
    ref = (torch.randn(4, 8), torch.tensor(3.0))
    box = Inbox.create(capacity_for(ref), CPU, tmp_path)
    yield ref, box
    box.close()


def test_round_trip_of_a_nested_output(inbox):
    ref, box = inbox
    out = (ref[0].clone(), [ref[1].clone(), 7, None])
    slot = Slot.open(box.ref, CPU)
    (meta,) = slot.put(out)
    (got,) = box.take(meta)
    assert torch.equal(got[0], out[0]) and torch.equal(got[1][0], out[1][0]) and got[1][1:] == [7, None]


def test_a_write_after_the_handover_changes_nothing_judged(inbox):
    ref, box = inbox
    slot = Slot.open(box.ref, CPU)
    (meta,) = slot.put((ref[0].clone(), ref[1].clone()))
    (got,) = box.take(meta)
    slot.view.fill_(0)  # the candidate rewrites the inbox once it has handed over
    assert compare(ref, got, get_policy("tf32"))["ok"]


def test_a_concurrent_writer_cannot_turn_a_wrong_output_right(inbox):
    """A thread keeps writing the right answer over a wrong one; whatever the oracle copied, the
    comparison runs on its copy, and the copy is taken once."""
    ref, box = inbox
    slot = Slot.open(box.ref, CPU)
    (meta,) = slot.put((torch.zeros(4, 8), torch.tensor(0.0)))
    (got,) = box.take(meta)
    stop = threading.Event()

    def scribble():
        right = ref[0].reshape(-1).view(torch.uint8)
        while not stop.is_set():
            slot.view[: right.numel()].copy_(right)

    t = threading.Thread(target=scribble)
    t.start()
    time.sleep(0.05)
    verdict = compare(ref, got, get_policy("tf32"))
    stop.set()
    t.join()
    assert not verdict["ok"]


def test_a_huge_claimed_size_allocates_nothing(inbox):
    ref, box = inbox
    huge = OutputMeta(
        kind="tensor", tensor=TensorMeta(dtype="float32", shape=[1 << 30, 1 << 9], device="cpu", offset=0)
    )
    (got,) = box.take(huge)
    assert got.device.type == "meta"  # a shape-only stand-in: never read, never allocated
    verdict = compare(ref[0], got, get_policy("tf32"))
    assert not verdict["ok"] and "shape" in verdict["message"]


def test_tensors_outside_the_inbox_or_over_its_capacity_are_not_read(inbox):
    ref, box = inbox
    outside = TensorMeta(dtype="float32", shape=[4, 8], device="cpu", offset=box.nbytes)
    unaligned = TensorMeta(dtype="float32", shape=[4, 8], device="cpu", offset=ALIGN // 2)
    whole = TensorMeta(dtype="uint8", shape=[box.nbytes], device="cpu", offset=0)
    metas = [OutputMeta(kind="tensor", tensor=t) for t in (outside, unaligned, whole, whole, whole)]
    got = box.take(OutputMeta(kind="tuple", items=metas))[0]
    devices = [t.device.type for t in got]
    assert devices == ["meta", "meta", "cpu", "meta", "meta"]  # the capacity is spent once


def test_unusable_headers_are_the_candidates_fault(inbox):
    _, box = inbox
    for shape in ([-1], [1 << 41], [1] * 17):
        with pytest.raises(HandoverError):
            box.take(OutputMeta(kind="tensor", tensor=TensorMeta(dtype="float32", shape=shape, device="cpu", offset=0)))
    with pytest.raises(HandoverError):
        box.take(OutputMeta(kind="list", items=[OutputMeta(kind="none")] * 1001))


def test_a_fifo_or_a_swapped_file_neither_stalls_nor_fools_the_oracle(inbox):
    ref, box = inbox
    slot = Slot.open(box.ref, CPU)
    (meta,) = slot.put((ref[0].clone(), ref[1].clone()))
    path = box.ref.path
    os.unlink(path)
    os.mkfifo(path)  # the path now names a FIFO: the oracle reads its own descriptor, never the path
    t0 = time.monotonic()
    (got,) = box.take(meta)
    assert time.monotonic() - t0 < 5
    assert compare(ref, got, get_policy("tf32"))["ok"]


def test_a_truncated_inbox_is_a_short_read_not_a_crash(inbox):
    ref, box = inbox
    slot = Slot.open(box.ref, CPU)
    (meta,) = slot.put((ref[0].clone(), ref[1].clone()))
    os.truncate(box.ref.path, 16)
    with pytest.raises(HandoverError):
        box.take(meta)


def test_wire_lines_are_bounded_in_depth_and_size():
    deep = b'{"op": "call", "hello": {"device": ' + b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5) + b"}}"
    with pytest.raises(WireError):
        parse(deep, Reply)
    bomb = b"[" * 400_000 + b"]" * 400_000  # 800 KB: a RecursionError in json, never a crash
    with pytest.raises(WireError):
        parse(bomb, Reply)
    with pytest.raises(WireError):
        parse(b'{"op": "x", "note": "' + b"a" * (2 << 20) + b'"}', Reply)


def test_the_plan_keeps_repetition_counts_integers(tmp_path):
    """evaluator.shared.timing.benchmark runs range(reps) with reps from these: a float there breaks every timing on a
    GPU, where no CPU test times anything."""
    from evaluator.parent.evaluation import EvalConfig
    from evaluator.parent.plan import EvalPlan
    from evaluator.shared.loader import load_problem

    plan = EvalPlan.resolve(load_problem("conv2d_scale_min"), EvalConfig(), cuda=True)
    for job in (plan.job("candidate", tmp_path), plan.job("baselines", tmp_path), plan.job("oracle", tmp_path)):
        assert type(job.timing["min_reps"]) is int and type(job.timing["max_reps"]) is int, job.timing
    assert plan.time_cases == [c.label for c in load_problem("conv2d_scale_min").sets["full"]]
