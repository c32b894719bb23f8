"""The fused kernel's workspace: message rows are reused once read, never while needed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backspasm.engine.fused import _execute_any, _fuse, _Rows
from backspasm.engine.kernels import _LAM, _execute


def test_rows_are_handed_out_first_fit_and_merged_when_freed():
    rows = _Rows(10)
    a, b, c = rows.take(4), rows.take(3), rows.take(5)
    assert (a, b, c, rows.end) == (10, 14, 17, 22)
    rows.give(a, 4)
    assert rows.take(2) == 10  # the first free run that fits
    assert rows.take(3) == 22  # the two rows left at 12 are too few
    rows.give(10, 2)
    rows.give(b, 3)  # 10..13 and 14..16 merge with the two rows between them
    assert rows.take(7) == 10
    assert rows.end == 25


def test_a_freed_run_at_the_top_grows_instead_of_leaving_a_hole():
    rows = _Rows(0)
    rows.take(2)
    top = rows.take(3)
    rows.give(top, 3)
    assert rows.take(5) == top  # rows 2..6, not 5..9
    assert rows.end == 7


def _fused_plans(n_cases: int) -> list[Any]:
    """The fused plans a scoring batch of the bundled network compiles."""
    from backspasm.learning import sample_cases
    from backspasm.scoring.cases import score_cases

    pytest.importorskip("numba")
    from backspasm.network import load_network

    net = load_network()  # its own engine: the plans below are this batch's
    score_cases(sample_cases(n_cases, network=net, seed=5, missing=0.5), network=net)
    runner = net.engine._runner
    forest = runner.forest
    trees = [*forest.trees.values()]
    trees += [t for c in forest.conditioned.values() for t in c.trees.values()]
    plans = [p for t in trees for p in t._plans.values() if p.fused is not None]
    assert plans, "a batch this big runs fused"
    return plans


@pytest.fixture(scope="module")
def fused_plans() -> list[Any]:
    return _fused_plans(3_000)


def test_no_message_is_overwritten_before_its_last_reader(fused_plans):
    for plan in fused_plans:
        fused = plan.fused
        steps = (*plan.messages, *plan.finals)
        written: dict[int, int] = {}  # workspace row -> the step whose output holds it
        for s, step in enumerate(steps):
            # The kernel clears a step's output rows before it reads the step's inputs.
            row = int(fused.steps[s, 6])
            size = step.k * step.matrix.shape[1]
            assert fused.first <= row
            assert row + size <= fused.rows
            for r in range(row, row + size):
                written[r] = s
            for x in step.inputs:
                if x.kind != _LAM:
                    made = next(i for i, m in enumerate(plan.messages) if m.label == x.index)
                    out = int(fused.steps[made, 6])
                    held = range(out, out + steps[made].k * steps[made].matrix.shape[1])
                    assert all(written[r] == made for r in held), "an input was overwritten"


def test_reused_rows_make_the_workspace_smaller_and_change_no_number(fused_plans):
    rng = np.random.default_rng(0)
    smaller = 0
    for plan in fused_plans:
        one_row_each = plan.fused.first + sum(
            s.k * s.matrix.shape[1] for s in (*plan.messages, *plan.finals)
        )
        assert plan.fused.rows <= one_row_each
        smaller += plan.fused.rows < one_row_each
        n = 70  # more than one block of the kernel
        lam = {v: rng.random((plan.cards[v], n)) for v, _ in plan.fused.lam_rows}
        fused = _execute_any(plan, lam, n)
        numpy = _execute(plan, lam, n)
        # The two paths sum the same terms in a different order; on random inputs that
        # moves the last few bits (1.1e-12 relative was seen), far inside the 1e-9 contract.
        for t in numpy[0]:
            np.testing.assert_allclose(fused[0][t], numpy[0][t], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(fused[1], numpy[1], rtol=1e-12, atol=1e-12)
        for v in numpy[2]:
            np.testing.assert_allclose(fused[2][v], numpy[2][v], rtol=1e-12, atol=1e-12)
    assert smaller >= len(fused_plans) // 2


def test_a_plan_is_fused_again_with_the_same_tables(fused_plans):
    plan = max(fused_plans, key=lambda p: p.fused.rows)
    again = _fuse(plan)
    assert again is not None
    np.testing.assert_array_equal(again.steps, plan.fused.steps)
    np.testing.assert_array_equal(again.index, plan.fused.index)
    assert again.index.dtype == np.int32


def test_each_operand_reads_its_own_rows(fused_plans):
    # The index is built for all operands at once (offsets plus first rows): each
    # operand's stretch must be what it was built one operand at a time.
    for plan in fused_plans[:20]:
        fused = plan.fused
        steps = (*plan.messages, *plan.finals)
        lam_rows = dict(fused.lam_rows)
        at = 0
        for step in steps:
            position = {v: i for i, v in enumerate(step.product)}
            for x in step.inputs:
                first = (
                    lam_rows[x.index]
                    if x.kind == _LAM
                    else int(
                        fused.steps[
                            next(i for i, m in enumerate(plan.messages) if m.label == x.index), 6
                        ]
                    )
                )
                digits = np.indices(tuple(plan.cards[v] for v in step.product)).reshape(
                    len(step.product), -1
                )
                expected = np.zeros(max(1, digits.shape[1]), dtype=np.int64)
                stride = 1
                for v in reversed(x.vars):
                    expected += digits[position[v]] * stride
                    stride *= plan.cards[v]
                got = fused.index[at : at + len(expected)]
                np.testing.assert_array_equal(got, expected + first)
                at += len(expected)
        assert at == len(fused.index)
