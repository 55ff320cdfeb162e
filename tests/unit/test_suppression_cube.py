"""Three-way suppression: every line of the cube (cells and margins) is safe on its own."""

from __future__ import annotations

import random

import pytest

from api.domain.suppression import suppress_cube, suppress_table

A, B, C = ["x", "y", "z"], ["p", "q"], ["k", "s", "t"]


def _lines(cube: dict) -> list[list[tuple]]:
    axes = [(*A, None), (*B, None), (*C, None)]
    out = []
    for fixed_axis in range(3):
        others = [i for i in range(3) if i != fixed_axis]
        for u in axes[others[0]]:
            for v in axes[others[1]]:
                line = []
                for w in axes[fixed_axis]:
                    key: list = [None, None, None]
                    key[fixed_axis], key[others[0]], key[others[1]] = w, u, v
                    line.append(tuple(key))
                out.append(line)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_no_line_of_the_cube_has_a_single_hidden_figure(seed: int) -> None:
    rng = random.Random(seed)
    cells = {(a, b, c): rng.choice([0, 0, 1, 2, 4, 6, 9, 14, 30]) for a in A for b in B for c in C}
    cube = suppress_cube(cells, (A, B, C), threshold=5)
    for (a, b, c), n in cells.items():
        assert cube[(a, b, c)].suppressed == (1 <= n <= 5) or cube[(a, b, c)].reason == "complementary"
    for line in _lines(cube):
        hidden = [k for k in line if cube[k].suppressed]
        assert len(hidden) != 1, (seed, line)
        for k in line:
            assert cube[k].suppressed or cube[k].value is not None


def test_a_filtered_view_equals_the_slice_of_the_whole() -> None:
    cells = {("x", "p", "k"): 9, ("x", "q", "k"): 2, ("x", "p", "s"): 8, ("x", "q", "s"): 7}
    cube = suppress_cube(cells, (["x"], ["p", "q"], ["k", "s"]), threshold=5)
    # Programme q in branch k is 2: hidden, and with it one figure in each line that would
    # give it back (all of q, all of k, …): 9 of p-in-k, 7 of q-in-s and the totals they touch.
    assert cube[("x", "q", "k")].reason == "primary"
    assert cube[("x", "p", "k")].suppressed
    assert cube[("x", "q", "s")].suppressed
    assert cube[(None, None, None)].value == 26


def test_also_hide_keeps_figures_hidden_elsewhere() -> None:
    table = suppress_table({("r", "a"): 10, ("r", "b"): 12, ("s", "a"): 11, ("s", "b"): 13}, 5,
                           also_hide={(None, "a"): "complementary"})
    # Column a's total hidden alone would come back as 46 − 22: b's total goes too, and in
    # column a a cell (the smaller, 10), whose row then needs 12 hidden as well.
    assert {k for k, v in table.cells.items() if v.suppressed} == {("r", "a"), ("r", "b")}
    assert table.column_totals["a"].suppressed
    assert table.column_totals["b"].suppressed
    assert table.grand_total.value == 46
