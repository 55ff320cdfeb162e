"""An outside analyst's attack on the published statistics, for the attack tests.

It collects every figure the statistics endpoints publish (every statistic, every programme ×
branch filter, every fiscal year, referrals, workload) and reasons like an analyst who has read
the README: each figure bounds its true count (a hidden one is 1..threshold + bound, a 0 is
0..bound, any other value v is v - bound..v + bound); margins are sums of their cells along every
axis; support durations and closure reasons count the same closed episodes; and the stock-flow
identity supported(y) = supported(y-1) - closed(y-1) + started(y) holds per programme × branch
wherever it holds in the data (the analyst is granted knowing where). Integer bound propagation
over all of these, then probing (fix a count at a bound, propagate, drop the bound if that is
impossible), gives each true count's feasible range: a count is pinned when the range is one value.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import httpx

from api.domain.cell_key import Published, feasible

Var = tuple[str, int, tuple[str | None, ...]]  # (group, fiscal year, coordinates)

CUBES = {"diagnosis-groups": "supported", "age-bands": "started", "support-durations": "durations",
         "closure-reasons": "closures", "episode-status": "status"}


@dataclass
class Collected:
    """Every figure collected, by variable; and what the analyst knows about the axes."""

    figures: dict[Var, int | None] = field(default_factory=dict)
    axes: dict[str, list[list[str]]] = field(default_factory=dict)  # group -> axes (categories, programmes, …)
    years: list[int] = field(default_factory=list)


def _put(pub: Collected, var: Var, value: int | None) -> None:
    assert pub.figures.setdefault(var, value) == value, f"two answers disagree on {var}"


async def collect(http: httpx.AsyncClient, headers: dict[str, str], first: int, last: int) -> Collected:
    pub = Collected(years=list(range(first, last + 1)))
    # The axes are in any answer: the supported-persons table lists every programme × branch.
    rows = (await http.get("/v1/stats/supported-persons", headers=headers)).json()["rows"]
    programmes = list(dict.fromkeys(r["programme_code"] for r in rows if r["programme_code"]))
    branches = list(dict.fromkeys(r["branch_code"] for r in rows if r["branch_code"]))
    for name, group in CUBES.items():
        categories: list[str] = []
        for p, b in product([None, *programmes], [None, *branches]):
            params = {"fiscal_year_from": first, "fiscal_year_to": last} if name != "episode-status" else {}
            params |= {k: v for k, v in (("programme_code", p), ("branch_code", b)) if v is not None}
            response = await http.get(f"/v1/stats/{name}", headers=headers, params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            years = [y["fiscal_year"] for y in body["fiscal_years"]]
            categories = [r["category"] for r in body["rows"]]
            for row in [*body["rows"], body["total"]]:
                for y, f in zip(years, row["figures"], strict=True):
                    _put(pub, (group, y, (row["category"], p, b)), f["value"])
        pub.axes[group] = [categories, programmes, branches]
    statuses: list[str] = []
    purposes: list[str] = []
    for y in pub.years:
        body = (await http.get("/v1/stats/referrals", headers=headers, params={"fiscal_year": y})).json()
        statuses, purposes = body["statuses"], [r["purpose"] for r in body["rows"]]
        for row in [*body["rows"], body["total"]]:
            for s in statuses:
                _put(pub, ("referrals", y, (row["purpose"], s)), row["by_status"][s]["value"])
            _put(pub, ("referrals", y, (row["purpose"], None)), row["total"]["value"])
            _put(pub, ("overdue", y, (row["purpose"],)), row["overdue"]["value"])
    pub.axes["referrals"] = [purposes, statuses]
    pub.axes["overdue"] = [purposes]
    body = (await http.get("/v1/stats/workload", headers=headers)).json()
    for row in body["branches"]:
        _put(pub, ("caseload", 0, (row["branch_code"],)), row["active_caseload"]["value"])
    _put(pub, ("caseload", 0, (None,)), body["total_active_caseload"]["value"])
    pub.axes["caseload"] = [branches]
    await collect_cumulative(http, headers, pub, programmes, branches)
    return pub


# --- issue 18: cumulative statistics (item 9) ---
async def collect_cumulative(http: httpx.AsyncClient, headers: dict[str, str], pub: Collected,
                             programmes: list[str], branches: list[str]) -> None:
    """Every range of the collected years: group "cumulative:<first>", year <last>, (programme, branch)."""
    for a in pub.years:
        for b in pub.years:
            if b < a:
                continue
            response = await http.get("/v1/stats/cumulative-persons", headers=headers,
                                      params={"fiscal_year_from": a, "fiscal_year_to": b})
            assert response.status_code == 200, response.text
            body = response.json()
            for row in [*body["rows"], body["total"]]:
                _put(pub, (f"cumulative:{a}", b, (row["programme_code"], row["branch_code"])),
                     row["figure"]["value"])
            pub.axes[f"cumulative:{a}"] = [programmes, branches]


def _cumulative_relations(system: System, pub: Collected, truth: Mapping[Var, int]) -> None:
    """What any analyst knows about a range: it holds at least each of its years' persons and each
    sub-range's, at most the sum of its years' and of any split's; a one-year range is that year.
    Where a range equals the sum of its years in the data (nobody spans two of them), the analyst
    is granted that equality too, as with the stock-flow identity."""
    programmes, branches = pub.axes["supported"][1], pub.axes["supported"][2]
    ranges = sorted({(int(g.split(":")[1]), y) for g, y, _ in pub.figures if g.startswith("cumulative:")})

    def cum(a: int, b: int, p: str | None, br: str | None) -> Var:
        return (f"cumulative:{a}", b, (p, br))

    def year(y: int, p: str | None, br: str | None) -> Var:
        return ("supported", y, (None, p, br))

    def value(terms: list[tuple[Var, int]]) -> int:
        return sum(k * truth.get(v, 0) for v, k in terms)

    def at_least(big: Var, parts: list[Var]) -> None:  # big >= each part, big <= ... handled by caller
        for part in parts:
            system.slack([(big, 1), (part, -1)], value([(big, 1), (part, -1)]))

    for (a, b), p, br in product(ranges, [*programmes, None], [*branches, None]):
        whole = cum(a, b, p, br)
        years = [year(y, p, br) for y in range(a, b + 1)]
        if a == b:
            system.equal([(whole, 1), (years[0], -1)])
            continue
        at_least(whole, years)
        sum_terms = [(v, 1) for v in years] + [(whole, -1)]
        if value(sum_terms) == 0:
            system.equal(sum_terms)
        else:
            system.slack(sum_terms, value(sum_terms))
        for m in range(a, b):
            if (a, m) in ranges and (m + 1, b) in ranges:
                split = [(cum(a, m, p, br), 1), (cum(m + 1, b, p, br), 1), (whole, -1)]
                at_least(whole, [cum(a, m, p, br), cum(m + 1, b, p, br)])
                system.slack(split, value(split))


class System:
    """Integer bounds on every variable and linear equalities (coefficients ±1, sum = 0)."""

    def __init__(self) -> None:
        self.index: dict[Var, int] = {}
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.cons: list[list[tuple[int, int]]] = []
        self.of: list[list[int]] = []
        self.slacks: dict[Var, int] = {}

    def var(self, v: Var, lo: int = 0, hi: int = 10**6) -> int:
        if v not in self.index:
            self.index[v] = len(self.lo)
            self.lo.append(lo)
            self.hi.append(hi)
            self.of.append([])
        return self.index[v]

    def slack(self, terms: list[tuple[Var, int]], true_slack: int) -> None:
        """sum(terms) >= 0, as an equality with a non-negative slack variable (true value given)."""
        var: Var = ("slack", len(self.slacks), ())
        self.slacks[var] = true_slack
        self.var(var, 0, 10**6)
        self.equal([*terms, (var, -1)])

    def equal(self, terms: Iterable[tuple[Var, int]]) -> None:
        c = [(self.var(v), a) for v, a in terms]
        for i, _ in c:
            self.of[i].append(len(self.cons))
        self.cons.append(c)

    def propagate(self, lo: list[int], hi: list[int], todo: Iterable[int]) -> bool:
        queue = deque(dict.fromkeys(todo))
        queued = set(queue)
        while queue:
            c = queue.popleft()
            queued.discard(c)
            terms = self.cons[c]
            smin = sum(a * (lo[i] if a > 0 else hi[i]) for i, a in terms)
            smax = sum(a * (hi[i] if a > 0 else lo[i]) for i, a in terms)
            if smin > 0 or smax < 0:
                return False
            for i, a in terms:
                rest_min = smin - a * (lo[i] if a > 0 else hi[i])
                rest_max = smax - a * (hi[i] if a > 0 else lo[i])
                new_lo, new_hi = (-rest_max, -rest_min) if a > 0 else (rest_min, rest_max)
                if new_lo > lo[i] or new_hi < hi[i]:
                    lo[i], hi[i] = max(lo[i], new_lo), min(hi[i], new_hi)
                    if lo[i] > hi[i]:
                        return False
                    for d in self.of[i]:
                        if d != c and d not in queued:
                            queue.append(d)
                            queued.add(d)
        return True

    def probe(self, i: int) -> None:
        """Shave both bounds of variable i: a bound whose value leads to a contradiction goes."""
        for side in ("lo", "hi"):
            while self.lo[i] < self.hi[i]:
                lo, hi = self.lo[:], self.hi[:]
                if side == "lo":
                    hi[i] = lo[i]
                else:
                    lo[i] = hi[i]
                if self.propagate(lo, hi, self.of[i]):
                    break
                if side == "lo":
                    self.lo[i] += 1
                else:
                    self.hi[i] -= 1
                assert self.propagate(self.lo, self.hi, self.of[i]), "the published figures contradict each other"


def _margin_equations(system: System, group: str, y: int, axes: list[list[str]]) -> None:
    for coords in product(*[[*axis, None] for axis in axes]):
        for d, value in enumerate(coords):
            if value is None:
                members = [(*coords[:d], v, *coords[d + 1:]) for v in axes[d]]
                system.equal([((group, y, coords), 1), *(((group, y, m), -1) for m in members)])


def build(pub: Collected, truth: Mapping[Var, int], threshold: int, bound: int) -> System:
    system = System()
    for v, value in pub.figures.items():
        lo, hi = feasible(Published(value), threshold, bound)
        system.var(v, lo, hi)
    groups = {g for g, _, _ in pub.figures}
    for g in groups:
        for y in {y for gg, y, _ in pub.figures if gg == g}:
            _margin_equations(system, g, y, pub.axes[g])
    programmes, branches = pub.axes["supported"][1], pub.axes["supported"][2]
    for y, p, b in product(pub.years, [*programmes, None], [*branches, None]):
        system.equal([(("durations", y, (None, p, b)), 1), (("closures", y, (None, p, b)), -1)])
        if y - 1 in pub.years:
            flow = [(("supported", y, (None, p, b)), 1), (("supported", y - 1, (None, p, b)), -1),
                    (("closures", y - 1, (None, p, b)), 1), (("started", y, (None, p, b)), -1)]
            if sum(a * truth.get(v, 0) for v, a in flow) == 0:
                system.equal(flow)
    if any(g.startswith("cumulative:") for g in groups):
        _cumulative_relations(system, pub, truth)
    assert system.propagate(system.lo, system.hi, range(len(system.cons)))
    return system


@dataclass(frozen=True)
class Findings:
    sensitive: int
    pinned: list[Var]
    located: list[tuple[Var, Var]]
    narrowest: int
    sensitive_by_group: dict[str, int] = field(default_factory=dict)


def attack(pub: Collected, truth: Mapping[Var, int], threshold: int, bound: int) -> Findings:
    system = build(pub, truth, threshold, bound)
    values = {v: system.slacks[v] if v in system.slacks else truth.get(v, 0) for v in system.index}
    sensitive = [v for v, n in values.items() if 1 <= n <= threshold and v not in system.slacks]
    for v in sensitive:
        system.probe(system.index[v])
    for v, i in system.index.items():  # the attacker's bounds must hold the truth: its reasoning is sound
        assert system.lo[i] <= values[v] <= system.hi[i], (v, values[v], system.lo[i], system.hi[i])
    pinned = [v for v in sensitive if system.lo[system.index[v]] == system.hi[system.index[v]]]
    located = []
    for v, i in system.index.items():
        g, y, coords = v
        if g in ("supported", "started", "durations", "closures", "status") and coords[0] is not None:
            group = system.index[(g, y, (None, *coords[1:]))]
            if system.lo[i] >= 1 and system.hi[group] <= threshold and system.lo[i] == system.hi[group]:
                located.append((v, (g, y, (None, *coords[1:]))))
    widths = [system.hi[system.index[v]] - system.lo[system.index[v]] for v in sensitive]
    groups = Counter("cumulative" if v[0].startswith("cumulative:") else v[0] for v in sensitive)
    return Findings(len(sensitive), pinned, located, min(widths, default=0), dict(groups))


def truth_from_releases(rows: Iterable[tuple[str, Any]], pub: Collected) -> dict[Var, int]:
    """True counts of every published figure, from the releases' stored finest cells."""
    out: dict[Var, int] = {}
    names = {"supported-persons": "supported", **{k: v for k, v in CUBES.items() if k != "diagnosis-groups"},
             "referrals": "referrals", "caseload": "caseload"}
    for key, payload in rows:
        _, name, fy = key.split(":")
        group = f"cumulative:{name.rsplit('-', 1)[1]}" if name.startswith("cumulative-persons-") else names[name]
        for leaf, n in payload["leaves"].items():
            parts = tuple(None if c == "*" else c for c in leaf.split("|"))
            if group == "referrals":
                group_, parts = ("referrals", parts[1:]) if parts[0] == "status" else ("overdue", parts[1:])
            elif group == "caseload":
                group_, parts, fy = "caseload", parts[1:], "0"
            else:
                group_ = group
            for keep in product((True, False), repeat=len(parts)):
                at = tuple(c if k else None for c, k in zip(parts, keep, strict=True))
                var = (group_, int(fy), at)
                out[var] = out.get(var, 0) + n
    return out
