"""The cell-key method (as the Australian Bureau of Statistics' TableBuilder uses it): every
published count carries noise that is a fixed function of the records it counts.

Each counted record (client, episode, referral) carries a random ``stat_key`` in
``0 .. KEY_SPACE - 1``, drawn once when the record is written and never shown. A cell's key is
the sum of its records' keys modulo ``KEY_SPACE``; its noise is read from a perturbation table
at (count, cell key). So a cell counting the same records gets the same answer in every request,
every table and every filter, and asking again teaches nothing. Margins and totals are cells of
their own with their own keys: they are perturbed independently, not added up from perturbed
cells, so published tables need not add up (each figure is within ``bound`` of its true count).

Small figures are not published: a perturbed count from 1 to the threshold is shown as hidden.
A published 0 may be a true 0 or a true count up to ``bound`` (noise takes small counts to 0
too), so zeros no longer say "nobody", and a hidden figure says only "1 to threshold + bound".
See README "Statistics and disclosure control" for what this guarantees and what it does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import TypeVar

KEY_BITS = 16
KEY_SPACE = 1 << KEY_BITS
DEFAULT_BOUND = 2
MAX_BOUND = 5
DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 1
MAX_THRESHOLD = 10


@dataclass(frozen=True, slots=True)
class Tally:
    """A cell before publication: how many records and the sum of their keys (mod KEY_SPACE)."""

    n: int = 0
    key: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.n + other.n, (self.key + other.key) % KEY_SPACE)


def tally(n: int, key_sum: int) -> Tally:
    if n < 0:
        raise ValueError("counts must not be negative")
    return Tally(n, key_sum % KEY_SPACE)


def total(tallies: Iterable[Tally]) -> Tally:
    out = Tally()
    for t in tallies:
        out = out + t
    return out


Coordinates = tuple[str | None, ...]
Leaf = TypeVar("Leaf", bound=tuple[str, ...])


def with_margins(leaves: Mapping[Leaf, Tally]) -> dict[Coordinates, Tally]:
    """Every cell of a table and every margin of it (None on an axis: all of that axis).

    A margin counts the records of the cells it covers, so its key is theirs summed: it is a cell
    like any other and gets its own noise, never the sum of its members' noisy figures."""
    out: dict[Coordinates, Tally] = {}
    for coordinates, cell in leaves.items():
        for keep in product((True, False), repeat=len(coordinates)):
            at = tuple(c if k else None for c, k in zip(coordinates, keep, strict=True))
            out[at] = out.get(at, Tally()) + cell
    return out


@dataclass(frozen=True, slots=True)
class Published:
    """One figure as published: the perturbed count, or None when it is hidden as small."""

    value: int | None

    @property
    def hidden(self) -> bool:
        return self.value is None


@cache
def _table(n: int, bound: int) -> tuple[tuple[int, int], ...]:
    """Row n of the perturbation table: (noise, cumulative weight) pairs.

    Noise runs from -bound to +bound with triangular weights (bound + 1 - |d|), centred on no
    change; a row never takes a count below zero, so for counts up to the bound the lowest noises
    are cut off (those rows lean slightly upwards)."""
    cumulative, out = 0, []
    for d in range(max(-bound, -n), bound + 1):
        cumulative += bound + 1 - abs(d)
        out.append((d, cumulative))
    return tuple(out)


def noise(cell: Tally, bound: int = DEFAULT_BOUND) -> int:
    """The noise for a cell: a fixed function of its count and its key (no randomness at request time)."""
    if cell.n == 0 or bound == 0:
        return 0
    row = _table(cell.n, bound)
    # The cell key is uniform on 0..KEY_SPACE-1 (a sum of independent uniform keys modulo the space);
    # scaled onto the row's total weight it picks one noise with that noise's probability.
    pick = cell.key * row[-1][1] // KEY_SPACE
    return next(d for d, upto in row if pick < upto)


def check_parameters(threshold: int, bound: int) -> None:
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"threshold must be between {MIN_THRESHOLD} and {MAX_THRESHOLD}, got {threshold}")
    if not 0 <= bound <= MAX_BOUND:
        raise ValueError(f"noise bound must be between 0 and {MAX_BOUND}, got {bound}")


def publish(cell: Tally, threshold: int = DEFAULT_THRESHOLD, bound: int = DEFAULT_BOUND) -> Published:
    """The figure shown for a cell: count plus noise, hidden when that is at most the threshold.

    Zero is hidden with the small counts: were a true zero always shown, every hidden figure would
    be known to hold at least one person, and a few hidden cells under a small total pin it."""
    check_parameters(threshold, bound)
    value = cell.n + noise(cell, bound)
    return Published(None if value <= threshold else value)


def feasible(published: Published, threshold: int, bound: int) -> tuple[int, int]:
    """What a reader who knows these rules learns about the true count from one figure alone:
    its lowest and highest possible values."""
    if published.value is None:
        return 0, threshold + bound
    return max(1, published.value - bound), published.value + bound
