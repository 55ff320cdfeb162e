import random
from collections.abc import Mapping
from fractions import Fraction

import pytest

from api.domain.suppression import (
    Cell,
    SuppressedTable,
    suppress_table,
    suppress_vector,
)

Pos = tuple[int, int]


def shown(n: int) -> Cell:
    return Cell(value=n, suppressed=False)


PRIMARY = Cell(value=None, suppressed=True, reason="primary")
COMPLEMENT = Cell(value=None, suppressed=True, reason="complementary")


def grid(rows: str, cols: str, values: list[list[int]]) -> dict[tuple[str, str], int]:
    return {(r, c): values[i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}


# --- an independent check: can a hidden value be solved for? ---------------
#
# The published table says: each row's cells add up to its total, each
# column's cells add up to its total, and row totals / column totals each add
# up to the grand total. A hidden entry is exposed exactly when its unit
# vector lies in the row space of those equations restricted to the hidden
# entries; Gaussian elimination over the rationals decides that without
# relying on the graph argument the implementation uses.


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    rank = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def _extended_lines(n_rows: int, n_cols: int) -> list[tuple[list[Pos], Pos]]:
    """Lines of the table with totals as last row/column: (members, total)."""
    lines = [([(i, j) for j in range(n_cols + 1)], (i, n_cols)) for i in range(n_rows + 1)]
    lines += [([(i, j) for i in range(n_rows + 1)], (n_rows, j)) for j in range(n_cols + 1)]
    return lines


def recoverable(hidden: set[Pos], n_rows: int, n_cols: int) -> set[Pos]:
    unknowns = sorted(hidden)
    index = {p: k for k, p in enumerate(unknowns)}
    equations: list[list[Fraction]] = []
    for members, total in _extended_lines(n_rows, n_cols):
        row = [Fraction(0)] * len(unknowns)
        for p in members:
            if p in index:
                row[index[p]] = Fraction(-1 if p == total else 1)
        if any(row):
            equations.append(row)
    if not equations:
        return set()
    base = _rank(equations)
    out: set[Pos] = set()
    for p, k in index.items():
        unit = [Fraction(int(i == k)) for i in range(len(unknowns))]
        if _rank([*equations, unit]) == base:
            out.add(p)
    return out


def hidden_positions(table: SuppressedTable) -> set[Pos]:
    r, c = len(table.rows), len(table.columns)
    out = {
        (i, j)
        for i, row in enumerate(table.rows)
        for j, col in enumerate(table.columns)
        if table.cells[(row, col)].suppressed
    }
    out |= {(i, c) for i, row in enumerate(table.rows) if table.row_totals[row].suppressed}
    out |= {(r, j) for j, col in enumerate(table.columns) if table.column_totals[col].suppressed}
    if table.grand_total.suppressed:
        out.add((r, c))
    return out


# --- hand-worked examples ---------------------------------------------------


def test_nothing_small_nothing_hidden() -> None:
    table = suppress_table(grid("ab", "xy", [[10, 0], [7, 12]]))
    assert all(not cell.suppressed for cell in table.cells.values())
    assert table.cells[("a", "y")] == shown(0)
    assert table.row_totals == {"a": shown(10), "b": shown(19)}
    assert table.column_totals == {"x": shown(17), "y": shown(12)}
    assert table.grand_total == shown(29)
    assert table.suppressed_count == 0


def test_one_small_cell_in_a_two_by_two_hides_all_four() -> None:
    # a,x = 3 is hidden; row a's total (13) would give it back unless a,y is
    # hidden too; then column y (22) gives a,y back unless b,y goes, and so on.
    table = suppress_table(grid("ab", "xy", [[3, 10], [8, 12]]))
    assert table.cells == {
        ("a", "x"): PRIMARY,
        ("a", "y"): COMPLEMENT,
        ("b", "x"): COMPLEMENT,
        ("b", "y"): COMPLEMENT,
    }
    assert table.row_totals == {"a": shown(13), "b": shown(20)}
    assert table.column_totals == {"x": shown(11), "y": shown(22)}
    assert table.grand_total == shown(33)


def test_complements_are_the_smallest_cells_and_form_a_rectangle() -> None:
    table = suppress_table(grid("abc", "xyz", [[2, 20, 30], [40, 50, 60], [70, 80, 90]]))
    hidden = {k: c.reason for k, c in table.cells.items() if c.suppressed}
    assert hidden == {
        ("a", "x"): "primary",
        ("a", "y"): "complementary",  # 20 < 30 in row a
        ("b", "x"): "complementary",  # 40 < 70 in column x
        ("b", "y"): "complementary",  # 50 < 80 in column y
    }
    assert table.cells[("a", "z")] == shown(30)
    assert all(not c.suppressed for c in table.row_totals.values())
    assert all(not c.suppressed for c in table.column_totals.values())


def test_ties_pick_the_earlier_row_and_column() -> None:
    table = suppress_table(grid("abc", "xyz", [[3, 9, 9], [9, 9, 9], [9, 9, 9]]))
    hidden = {k for k, c in table.cells.items() if c.suppressed}
    assert hidden == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}


def test_line_of_zeros_forces_its_total_to_be_hidden() -> None:
    #      x  y | total
    #   a  3  8 |  11
    #   b  9  0 |   9
    #   ---------------
    #     12  8 |  20
    # Column y's only other cell is 0, so once a,y (8) is hidden the column
    # total would equal it; the total goes instead. Row b likewise.
    table = suppress_table(grid("ab", "xy", [[3, 8], [9, 0]]))
    assert table.cells == {
        ("a", "x"): PRIMARY,
        ("a", "y"): COMPLEMENT,
        ("b", "x"): COMPLEMENT,
        ("b", "y"): shown(0),
    }
    assert table.column_totals == {"x": COMPLEMENT, "y": COMPLEMENT}
    assert table.row_totals == {"a": COMPLEMENT, "b": COMPLEMENT}
    assert table.grand_total == shown(20)


def test_small_totals_are_primary_suppressed() -> None:
    table = suppress_table(grid("ab", "xy", [[2, 0], [30, 40]]))
    assert table.cells[("a", "x")] == PRIMARY
    assert table.row_totals["a"] == PRIMARY  # 2: the whole row is one small group
    assert table.cells[("a", "y")] == shown(0)
    # Row total a is hidden, so the row totals' line needs a second member.
    assert table.row_totals["b"] == COMPLEMENT
    assert table.grand_total == shown(72)
    assert recoverable(hidden_positions(table), 2, 2) == set()


def test_small_grand_total_hides_every_total() -> None:
    table = suppress_table(grid("ab", "xy", [[1, 0], [0, 2]]))
    assert table.grand_total == PRIMARY
    assert table.row_totals == {"a": PRIMARY, "b": PRIMARY}
    assert table.column_totals == {"x": PRIMARY, "y": PRIMARY}
    assert table.cells[("a", "y")] == shown(0)


def test_hidden_cell_linking_two_hidden_blocks_gets_a_complement() -> None:
    # Two 2x2 blocks of small counts joined by a,y: every row and column has
    # two or more hidden members, yet rows a+b minus columns w+x isolates a,y.
    values = {(r, c): 10 + 3 * i + j for i, r in enumerate("abcd") for j, c in enumerate("wxyz")}
    small = {
        ("a", "w"): 1, ("a", "x"): 2, ("b", "w"): 3, ("b", "x"): 4,
        ("c", "y"): 2, ("c", "z"): 3, ("d", "y"): 4, ("d", "z"): 5,
        ("a", "y"): 5,
    }  # fmt: skip
    values.update(small)
    index = {r: i for i, r in enumerate("abcd")} | {c: j for j, c in enumerate("wxyz")}
    primary_only = {(index[r], index[c]) for r, c in small}
    assert (0, 2) in recoverable(primary_only, 4, 4)

    table = suppress_table(values)
    assert {k for k, c in table.cells.items() if c.reason == "primary"} == set(small)
    # a,z (value 13) is the smallest cell crossing between the two blocks.
    assert {k for k, c in table.cells.items() if c.reason == "complementary"} == {("a", "z")}
    assert recoverable(hidden_positions(table), 4, 4) == set()


def test_threshold_changes_what_is_small() -> None:
    cells = grid("ab", "xy", [[7, 20], [30, 40]])
    assert suppress_table(cells, threshold=5).suppressed_count == 0
    assert suppress_table(cells, threshold=10).cells[("a", "x")] == PRIMARY


def test_missing_pairs_count_as_zero() -> None:
    table = suppress_table({("a", "x"): 12, ("b", "y"): 20})
    assert table.rows == ("a", "b")
    assert table.columns == ("x", "y")
    assert table.cells[("a", "y")] == shown(0)
    assert table.row_totals["b"] == shown(20)


def test_empty_table() -> None:
    table = suppress_table({})
    assert table.cells == {}
    assert table.grand_total == shown(0)


@pytest.mark.parametrize("threshold", [0, -1, 11, 100])
def test_threshold_out_of_range(threshold: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        suppress_table({("a", "x"): 3}, threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        suppress_vector({"a": 3}, threshold=threshold)


@pytest.mark.parametrize("threshold", [1, 10])
def test_threshold_bounds_are_accepted(threshold: int) -> None:
    assert suppress_vector({"a": 10, "b": 20}, threshold=threshold).total == shown(30)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_table({("a", "x"): -1})
    with pytest.raises(ValueError, match="negative"):
        suppress_vector({"a": -1})


def test_vector_hides_a_complement() -> None:
    result = suppress_vector({"hospital": 3, "group_home": 0, "home": 7, "other": 12})
    assert result.keys == ("hospital", "group_home", "home", "other")
    assert result.cells == {
        "hospital": PRIMARY,
        "group_home": shown(0),
        "home": COMPLEMENT,  # 7 < 12
        "other": shown(12),
    }
    assert result.total == shown(22)


def test_vector_two_small_cells_protect_each_other() -> None:
    result = suppress_vector({"a": 2, "b": 4, "c": 50})
    assert result.cells == {"a": PRIMARY, "b": PRIMARY, "c": shown(50)}
    assert result.total == shown(56)


def test_vector_with_only_zeros_beside_the_hidden_cell_hides_the_total() -> None:
    result = suppress_vector({"a": 0, "b": 40, "c": 0}, threshold=5)
    assert result.total == shown(40)
    result = suppress_vector({"a": 0, "b": 4, "c": 0})
    assert result.cells["b"] == PRIMARY
    assert result.total == PRIMARY
    assert result.cells["a"] == shown(0)


# --- property: random tables never leak a hidden value ----------------------


def _random_count(rng: random.Random, threshold: int) -> int:
    roll = rng.random()
    if roll < 0.3:
        return 0
    if roll < 0.6:
        return rng.randint(1, threshold)
    return rng.randint(threshold + 1, 60)


def _check_table(cells: Mapping[tuple[str, str], int], threshold: int) -> None:
    table = suppress_table(cells, threshold)
    r, c = len(table.rows), len(table.columns)
    truth: dict[Pos, int] = {
        (i, j): cells.get((row, col), 0) for i, row in enumerate(table.rows) for j, col in enumerate(table.columns)
    }
    for i in range(r):
        truth[(i, c)] = sum(truth[(i, j)] for j in range(c))
    for j in range(c + 1):
        truth[(r, j)] = sum(truth[(i, j)] for i in range(r))
    out: dict[Pos, Cell] = {
        (i, j): table.cells[(row, col)] for i, row in enumerate(table.rows) for j, col in enumerate(table.columns)
    }
    out |= {(i, c): table.row_totals[row] for i, row in enumerate(table.rows)}
    out |= {(r, j): table.column_totals[col] for j, col in enumerate(table.columns)}
    out[(r, c)] = table.grand_total

    for p, cell in out.items():
        n = truth[p]
        if 1 <= n <= threshold:
            assert cell == PRIMARY, (p, n)
        elif cell.suppressed:
            assert cell == COMPLEMENT, (p, n)
            assert n > 0, "a zero was hidden"
        else:
            assert cell == shown(n)

    hidden = {p for p, cell in out.items() if cell.suppressed}
    for members, _total in _extended_lines(r, c):
        assert sum(p in hidden for p in members) != 1, (members, hidden)
    assert recoverable(hidden, r, c) == set(), (cells, threshold)


def test_random_tables_never_expose_a_hidden_value() -> None:
    rng = random.Random(20100721)
    for _ in range(400):
        threshold = rng.randint(1, 10)
        rows = [f"r{i}" for i in range(rng.randint(1, 5))]
        cols = [f"c{j}" for j in range(rng.randint(1, 5))]
        cells = {(row, col): _random_count(rng, threshold) for row in rows for col in cols}
        _check_table(cells, threshold)


def test_random_vectors_never_expose_a_hidden_value() -> None:
    rng = random.Random(20110316)
    for _ in range(500):
        threshold = rng.randint(1, 10)
        cells = {f"k{i}": _random_count(rng, threshold) for i in range(rng.randint(1, 8))}
        result = suppress_vector(cells, threshold)
        members = [*result.cells.values(), result.total]
        assert sum(m.suppressed for m in members) != 1, cells
        for key, n in cells.items():
            cell = result.cells[key]
            assert cell.suppressed == (cell.value is None)
            if 1 <= n <= threshold:
                assert cell == PRIMARY
            elif not cell.suppressed:
                assert cell.value == n
            else:
                assert n > 0


def test_result_is_deterministic() -> None:
    rng = random.Random(7)
    cells = {(f"r{i}", f"c{j}"): _random_count(rng, 5) for i in range(5) for j in range(5)}
    assert suppress_table(cells) == suppress_table(dict(cells))
