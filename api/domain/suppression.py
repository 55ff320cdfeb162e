"""Small-cell suppression for published statistics (統計的開示制御).

Counts of clients are about few enough people in one ward that a "2" in a
branch × diagnosis table can identify someone. Counts from 1 up to the
threshold are hidden (primary suppression); zero stays visible because it
describes nobody. Hiding one cell is useless if the row total is shown, so
further cells are hidden until no hidden value can be worked back out from
the published ones (complementary suppression).

The guarantee is against exact recovery through the published totals of the
one table given. It does not bound how narrowly non-negativity may pin a
hidden value, and it cannot stop differencing between two overlapping
tables: callers must not publish, say, the same table for "all" and for
"all but one branch". `suppress_cube` is the answer to that for filtered
statistics: the filter dimensions become dimensions of one three-way table
whose every published figure (cells and all margins) is protected together,
so every filtered view is a selection from the same protected set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_THRESHOLD",
    "MIN_THRESHOLD",
    "Cell",
    "Reason",
    "SuppressedTable",
    "SuppressedVector",
    "suppress_cube",
    "suppress_table",
    "suppress_vector",
]

Reason = Literal["primary", "complementary"]

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 1
MAX_THRESHOLD = 10

_Pos = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Cell:
    """One published figure: the count, or ``None`` with the reason it is hidden."""

    value: int | None
    suppressed: bool
    reason: Reason | None = None


@dataclass(frozen=True)
class SuppressedTable:
    """A two-way table with row totals, column totals and a grand total."""

    threshold: int
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    row_totals: Mapping[str, Cell]
    column_totals: Mapping[str, Cell]
    grand_total: Cell

    @property
    def suppressed_count(self) -> int:
        every = [*self.cells.values(), *self.row_totals.values(), *self.column_totals.values()]
        return sum(c.suppressed for c in every) + self.grand_total.suppressed


@dataclass(frozen=True)
class SuppressedVector:
    """A one-way table with its total."""

    threshold: int
    keys: tuple[str, ...]
    cells: Mapping[str, Cell]
    total: Cell


def _check_threshold(threshold: int) -> None:
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"threshold must be between {MIN_THRESHOLD} and {MAX_THRESHOLD}, got {threshold}")


def _check_counts(counts: Iterable[int]) -> None:
    if any(n < 0 for n in counts):
        raise ValueError("counts must not be negative")


class _Grid:
    """Counts laid out with their totals as an extra last row and column.

    Position (i, C) is row i's total, (R, j) column j's total and (R, C) the
    grand total. Every row and every column of this grid is then one linear
    relation "members sum to the last member", which lets one rule serve
    cells, row totals and column totals alike.
    """

    def __init__(self, values: dict[_Pos, int], n_rows: int, n_cols: int, threshold: int,
                 also_hide: Mapping[_Pos, Reason] | None = None) -> None:
        self.values = values
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.reasons: dict[_Pos, Reason] = {
            p: "primary" for p, n in values.items() if 1 <= n <= threshold
        }
        for p, reason in (also_hide or {}).items():
            if values[p] > 0:
                self.reasons.setdefault(p, reason)

    def lines(self) -> list[tuple[list[_Pos], _Pos]]:
        """Each relation as (members including the total, the total)."""
        r, c = self.n_rows, self.n_cols
        out = [([(i, j) for j in range(c + 1)], (i, c)) for i in range(r + 1)]
        out += [([(i, j) for i in range(r + 1)], (r, j)) for j in range(c + 1)]
        return out

    def is_total(self, p: _Pos) -> bool:
        return p[0] == self.n_rows or p[1] == self.n_cols

    def hide(self, p: _Pos) -> None:
        self.reasons[p] = "complementary"

    def candidate(self, p: _Pos) -> bool:
        # Hiding a zero hides nothing: anyone can see the line's other counts
        # could still add up without it, so it never protects a neighbour.
        return p not in self.reasons and self.values[p] > 0


def _protect_line(grid: _Grid, members: Sequence[_Pos], total: _Pos) -> bool:
    """If exactly one member of the line is hidden, hide one more; report whether it did."""
    hidden = [p for p in members if p in grid.reasons]
    if len(hidden) != 1:
        return False
    others = [p for p in members if p != total and grid.candidate(p)]
    if others:
        grid.hide(min(others, key=lambda p: (grid.values[p], p)))
        return True
    if grid.candidate(total):
        grid.hide(total)
        return True
    # Unreachable: a single hidden non-zero member makes the total non-zero,
    # and a single hidden total is the sum of visible members, one non-zero.
    raise RuntimeError(f"no complement available for line with total at {total}")


def _protect_lines(grid: _Grid) -> None:
    changed = True
    while changed:
        changed = False
        for members, total in grid.lines():
            changed |= _protect_line(grid, members, total)


def _bridges(adjacency: Mapping[int, Sequence[int]]) -> list[tuple[int, int]]:
    """Bridges of a simple undirected graph (iterative Tarjan low-link)."""
    disc: dict[int, int] = {}
    low: dict[int, int] = {}
    found: list[tuple[int, int]] = []
    for root in adjacency:
        if root in disc:
            continue
        disc[root] = low[root] = len(disc)
        stack: list[tuple[int, int | None, Iterator[int]]] = [(root, None, iter(adjacency[root]))]
        while stack:
            node, parent, neighbours = stack[-1]
            descended = False
            for nxt in neighbours:
                if nxt == parent:
                    continue
                if nxt in disc:
                    low[node] = min(low[node], disc[nxt])
                else:
                    disc[nxt] = low[nxt] = len(disc)
                    stack.append((nxt, node, iter(adjacency[nxt])))
                    descended = True
                    break
            if not descended:
                stack.pop()
                if parent is not None:
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        found.append((parent, node))
    return found


def _component(adjacency: Mapping[int, Sequence[int]], start: int, cut: tuple[int, int]) -> set[int]:
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        for nxt in adjacency[node]:
            if {node, nxt} == set(cut) or nxt in seen:
                continue
            seen.add(nxt)
            todo.append(nxt)
    return seen


def _protect_bridge(grid: _Grid) -> bool:
    """Hide one more cell if some hidden cell is still recoverable by combining lines.

    With totals moved to the other side, the grid is a table whose every row
    and column sums to zero; the hidden cells are edges between row nodes and
    column nodes, and their possible values form that graph's cycle space. A
    hidden cell on no cycle (a bridge) is therefore fixed even when every
    line holds two hidden members, e.g. two hidden 2×2 blocks joined by one
    cell: adding up the block's rows and subtracting its columns isolates it.
    Hiding a non-zero cell across the cut puts the bridge on a cycle.
    """
    r, c = grid.n_rows, grid.n_cols
    col_node = r + 1
    adjacency: dict[int, list[int]] = {n: [] for n in range(r + c + 2)}
    for i, j in sorted(grid.reasons):
        adjacency[i].append(col_node + j)
        adjacency[col_node + j].append(i)
    bridges = [(min(a, b), max(a, b) - col_node) for a, b in _bridges(adjacency)]
    if not bridges:
        return False
    i, j = min(bridges)
    edge = (i, col_node + j)
    near = _component(adjacency, i, edge)
    far = _component(adjacency, col_node + j, edge)

    def crosses(p: _Pos, other_side: set[int] | None) -> bool:
        a, b = p[0], col_node + p[1]
        if other_side is None:
            return (a in near) != (b in near)
        return (a in near and b in other_side) or (a in other_side and b in near)

    everything = [(a, b) for a in range(r + 1) for b in range(c + 1) if grid.candidate((a, b))]
    # Joining the bridge's two own sides closes a cycle at once; any other
    # crossing of the cut at least breaks this particular recovery.
    for side in (far, None):
        options = [p for p in everything if crosses(p, side)]
        if options:
            grid.hide(min(options, key=lambda p: (grid.is_total(p), grid.values[p], p)))
            return True
    # Unreachable: the hidden cells crossing a cut balance the visible ones
    # crossing it, so a non-zero hidden bridge implies a non-zero visible one.
    raise RuntimeError(f"no complement available for bridge at {(i, j)}")


def _order(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


def _cell(grid: _Grid, p: _Pos) -> Cell:
    reason = grid.reasons.get(p)
    if reason is None:
        return Cell(value=grid.values[p], suppressed=False)
    return Cell(value=None, suppressed=True, reason=reason)


def suppress_table(
    cells: Mapping[tuple[str, str], int],
    threshold: int = DEFAULT_THRESHOLD,
    also_hide: Mapping[tuple[str | None, str | None], Reason] | None = None,
) -> SuppressedTable:
    """Suppress a (row, column) → count table published with all its totals.

    Rows and columns keep the order in which their keys first appear, and a
    (row, column) pair missing from *cells* counts as zero. When several
    cells could serve as a complement the smallest count is hidden, earlier
    rows and columns first on ties, and totals only when no cell will do.
    *also_hide* names figures already hidden elsewhere (None for a total:
    (row, None) is a row total, (None, None) the grand total) that must stay
    hidden and be protected here too; hidden zeros are ignored.
    """
    _check_threshold(threshold)
    _check_counts(cells.values())
    rows = _order(r for r, _ in cells)
    cols = _order(c for _, c in cells)
    r, c = len(rows), len(cols)
    values: dict[_Pos, int] = {
        (i, j): cells.get((row, col), 0) for i, row in enumerate(rows) for j, col in enumerate(cols)
    }
    for i in range(r):
        values[(i, c)] = sum(values[(i, j)] for j in range(c))
    for j in range(c + 1):
        values[(r, j)] = sum(values[(i, j)] for i in range(r))

    row_index: dict[str | None, int] = {row: i for i, row in enumerate(rows)} | {None: r}
    col_index: dict[str | None, int] = {col: j for j, col in enumerate(cols)} | {None: c}
    forced = {(row_index[a], col_index[b]): why for (a, b), why in (also_hide or {}).items()}
    grid = _Grid(values, r, c, threshold, forced)
    while True:
        _protect_lines(grid)
        if not _protect_bridge(grid):
            break

    return SuppressedTable(
        threshold=threshold,
        rows=rows,
        columns=cols,
        cells=MappingProxyType(
            {(row, col): _cell(grid, (i, j)) for i, row in enumerate(rows) for j, col in enumerate(cols)}
        ),
        row_totals=MappingProxyType({row: _cell(grid, (i, c)) for i, row in enumerate(rows)}),
        column_totals=MappingProxyType({col: _cell(grid, (r, j)) for j, col in enumerate(cols)}),
        grand_total=_cell(grid, (r, c)),
    )


def suppress_vector(cells: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> SuppressedVector:
    """Suppress a key → count list published with its total, by the same rules."""
    _check_threshold(threshold)
    _check_counts(cells.values())
    keys = tuple(cells)
    n = len(keys)
    values: dict[_Pos, int] = {(0, j): cells[k] for j, k in enumerate(keys)}
    values[(0, n)] = sum(cells.values())
    grid = _Grid(values, 0, n, threshold)
    # A single relation: two hidden members can never be told apart, so the
    # line rule alone is enough and the bridge search does not apply.
    _protect_line(grid, [(0, j) for j in range(n + 1)], (0, n))
    return SuppressedVector(
        threshold=threshold,
        keys=keys,
        cells=MappingProxyType({k: _cell(grid, (0, j)) for j, k in enumerate(keys)}),
        total=_cell(grid, (0, n)),
    )


CubeKey = tuple[str | None, str | None, str | None]


def suppress_cube(
    cells: Mapping[tuple[str, str, str], int],
    axes: tuple[Sequence[str], Sequence[str], Sequence[str]],
    threshold: int = DEFAULT_THRESHOLD,
    also_hide: Mapping[CubeKey, Reason] | None = None,
) -> dict[CubeKey, Cell]:
    """Suppress a three-way table published with every margin (None marks "all" on an axis).

    Every two-way slice through the cube (fixing one axis at a value or at
    "all") is a table with its totals, and the slices share their figures.
    Each slice is protected with `suppress_table`, keeping what other slices
    already hid, until no slice hides anything new: then no line of the cube
    has exactly one hidden figure and no slice has a recoverable hidden cell.
    Axis values missing from *cells* count as zero; the axes fix the order.
    """
    _check_threshold(threshold)
    _check_counts(cells.values())
    a_axis, b_axis, c_axis = (tuple(dict.fromkeys(ax)) for ax in axes)
    values: dict[CubeKey, int] = {}
    for a in (*a_axis, None):
        for b in (*b_axis, None):
            for c in (*c_axis, None):
                values[(a, b, c)] = 0
    for (a, b, c), n in cells.items():
        for ka in (a, None):
            for kb in (b, None):
                for kc in (c, None):
                    values[(ka, kb, kc)] += n
    hidden: dict[CubeKey, Reason] = {k: "primary" for k, n in values.items() if 1 <= n <= threshold}
    for key, why in (also_hide or {}).items():
        if values.get(key, 0) > 0:
            hidden.setdefault(key, why)

    def slices() -> Iterator[tuple[Callable[[str | None, str | None], CubeKey], Sequence[str], Sequence[str]]]:
        for a in (*a_axis, None):
            yield (lambda r, c, a=a: (a, r, c)), b_axis, c_axis  # type: ignore[misc]
        for b in (*b_axis, None):
            yield (lambda r, c, b=b: (r, b, c)), a_axis, c_axis  # type: ignore[misc]
        for c in (*c_axis, None):
            yield (lambda r, c2, c=c: (r, c2, c)), a_axis, b_axis  # type: ignore[misc]

    if a_axis and b_axis and c_axis:
        changed = True
        while changed:
            changed = False
            for key_of, rows, cols in slices():
                positions = [(r, c) for r in (*rows, None) for c in (*cols, None)]
                forced = {p: hidden[key_of(*p)] for p in positions if key_of(*p) in hidden}
                if not forced:
                    continue
                table = suppress_table({(r, c): values[key_of(r, c)] for r in rows for c in cols}, threshold,
                                       forced)
                for (r, c) in positions:
                    cell = table.cells[(r, c)] if r is not None and c is not None else (
                        table.row_totals[r] if r is not None else
                        table.column_totals[c] if c is not None else table.grand_total)
                    key = key_of(r, c)
                    if cell.suppressed and key not in hidden:
                        hidden[key] = cell.reason or "complementary"
                        changed = True
    return {k: Cell(value=None, suppressed=True, reason=hidden[k]) if k in hidden else Cell(value=n, suppressed=False)
            for k, n in values.items()}
