"""The cell-key rules on their own: bounded noise fixed by the records' keys, small figures hidden,
margins as cells of their own."""

from __future__ import annotations

from collections import Counter

import pytest

from api.domain.cell_key import KEY_SPACE, Published, Tally, feasible, noise, publish, tally, total, with_margins

KEYS = range(0, KEY_SPACE, 97)


@pytest.mark.parametrize("bound", [1, 2, 3])
def test_noise_stays_within_the_bound_and_never_below_zero(bound: int) -> None:
    for n in range(0, 40):
        for key in KEYS:
            d = noise(Tally(n, key), bound)
            assert -bound <= d <= bound
            assert n + d >= 0
    assert all(noise(Tally(0, key), bound) == 0 for key in KEYS)


def test_noise_follows_the_table_weights_and_is_centred() -> None:
    seen = Counter(noise(Tally(30, key)) for key in range(KEY_SPACE))
    assert set(seen) == {-2, -1, 0, 1, 2}
    # Triangular weights 1:2:3:2:1 over the whole key space.
    for d, weight in {-2: 1, -1: 2, 0: 3, 1: 2, 2: 1}.items():
        assert abs(seen[d] / KEY_SPACE - weight / 9) < 0.001, d
    assert abs(sum(d * c for d, c in seen.items())) / KEY_SPACE < 0.001


def test_the_same_records_give_the_same_figure_and_one_more_record_a_new_draw() -> None:
    cell = tally(12, 40_000 + 3 * KEY_SPACE)
    assert cell == Tally(12, 40_000)
    assert publish(cell) == publish(Tally(12, 40_000))
    figures = {publish(Tally(12, key)).value for key in KEYS}
    assert figures == {10, 11, 12, 13, 14}


def test_small_figures_and_zero_are_hidden() -> None:
    for n in range(0, 4):
        assert all(publish(Tally(n, key)).hidden for key in KEYS), n
    # 6 and 7 can fall to the threshold (hidden) or be shown; what is shown is always above it.
    for n in range(4, 12):
        shown = [publish(Tally(n, key)).value for key in KEYS]
        assert all(v is None or v > 5 for v in shown)
    assert any(v is None for v in (publish(Tally(7, key)).value for key in KEYS))
    assert all(publish(Tally(8, key)).value is not None for key in KEYS)


def test_what_a_reader_learns_from_one_figure_always_holds_the_truth() -> None:
    for n in range(0, 30):
        for key in KEYS:
            low, high = feasible(publish(Tally(n, key), 5, 2), 5, 2)
            assert low <= n <= high
    assert feasible(Published(None), 5, 2) == (0, 7)
    assert feasible(Published(14), 5, 2) == (12, 16)


def test_margins_are_cells_of_their_own() -> None:
    leaves = {("a", "x"): Tally(3, 10), ("a", "y"): Tally(4, 20), ("b", "x"): Tally(5, KEY_SPACE - 5)}
    cells = with_margins(leaves)
    assert cells[("a", None)] == Tally(7, 30)
    assert cells[(None, "x")] == Tally(8, 5)
    assert cells[(None, None)] == total(leaves.values()) == Tally(12, 25)
    # A margin with one non-empty member counts the same records: the same figure.
    assert cells[("b", None)] == cells[("b", "x")]
    assert len(cells) == 3 + 2 + 2 + 1


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        publish(Tally(3, 1), threshold=0)
    with pytest.raises(ValueError, match="noise bound"):
        publish(Tally(3, 1), bound=6)
    with pytest.raises(ValueError, match="negative"):
        tally(-1, 0)
