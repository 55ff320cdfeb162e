"""Deterministic synthetic dataset for the benchmark and the EXPLAIN tests.

    .venv/bin/python -m bench.generate --database-url postgresql://… [--clients 100000 …] [--seed 2010]

Loads into an empty, migrated database: the demo identity (branches, the newsletter's agencies,
users and machine clients, programmes), then synthetic agencies up to `agencies`, users up to
`users`, and clients, care teams, episodes and activities through COPY
(`asyncpg.copy_records_to_table`), and referrals from the ward's divisions to partner agencies
(with consents, frozen snapshots, acceptance history and one machine client per partner agency).

No audit rows are written, so the audit hash chain stays valid (`python -m api verify-audit`).
The same seed and scale give the same rows (ids included): the RNG is seeded, uuids come from it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from api.db.engine import normalise_url
from api.domain import codes
from api.domain.kana import kana_sort_key

BENCH_PASSWORD = "bench-password-2010"
AS_OF = date(2026, 3, 31)  # fixed "today" of the dataset, so the same seed gives the same rows

# Karasuyama is the heaviest branch (the newsletter's case load); the others by population.
BRANCH_WEIGHTS = {"karasuyama": 0.30, "setagaya": 0.22, "tamagawa": 0.19, "kitazawa": 0.16, "kinuta": 0.13}
PROGRAMME_WEIGHTS = {"tokyo_discharge": 0.24, "setagaya_safety_net": 0.16, "employment": 0.14,
                     "self_reliance": 0.14, "discharge_support": 0.16, "home_stabilisation": 0.16}
DIAGNOSIS_WEIGHTS = {"F20": 0.46, "F32": 0.18, "F25": 0.06, "F31": 0.06, "F33": 0.04, "F22": 0.03, "F10": 0.05,
                     "F41": 0.04, "F43": 0.02, "F60": 0.02, "F70": 0.02, "F84": 0.02}
ACTIVITY_WEIGHTS = {"home_visit": 0.34, "phone_call": 0.22, "accompaniment": 0.16, "office_interview": 0.12,
                    "case_conference": 0.06, "peer_support": 0.05, "trial_stay": 0.02, "other": 0.03}
ACTIVITY_MINUTES = {"home_visit": (60, 30), "phone_call": (15, 0), "accompaniment": (120, 40),
                    "office_interview": (45, 0), "case_conference": (90, 20), "peer_support": (60, 20),
                    "trial_stay": (240, 40), "other": (30, 10)}
PURPOSES = ["outpatient", "housing", "procedure", "outing", "shopping", "other"]
CLOSURES = {"goal_achieved": 0.42, "moved_away": 0.1, "assistance_ended": 0.08, "client_withdrew": 0.12,
            "hospitalised": 0.14, "transferred": 0.08, "died": 0.02, "other": 0.04}
RESIDENCES = {"apartment": 0.42, "group_home": 0.24, "psychiatric_ward": 0.18, "family_home": 0.12, "other": 0.04}
# Share of the synthetic users by role, and the agency types each role works in.
ROLE_WEIGHTS = {"caseworker": 0.36, "mental_care_worker": 0.16, "public_health_nurse": 0.14, "supervisor": 0.05,
                "coordinator": 0.1, "peer_supporter": 0.05, "partner": 0.12, "secretariat": 0.005,
                "analyst": 0.005, "auditor": 0.005, "admin": 0.005}
SURNAMES = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
            ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
            ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
            ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
            ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
            ("石川", "イシカワ"), ("前田", "マエダ"), ("藤田", "フジタ"), ("岡田", "オカダ"), ("後藤", "ゴトウ")]
GIVEN = [("花子", "ハナコ"), ("太郎", "タロウ"), ("恵理", "エリ"), ("勝", "マサル"), ("直樹", "ナオキ"),
         ("洋子", "ヨウコ"), ("誠", "マコト"), ("裕子", "ユウコ"), ("健一", "ケンイチ"), ("美穂", "ミホ"),
         ("隆", "タカシ"), ("明美", "アケミ"), ("博", "ヒロシ"), ("京子", "キョウコ"), ("修", "オサム"),
         ("由美", "ユミ"), ("浩二", "コウジ"), ("幸子", "サチコ"), ("実", "ミノル"), ("智子", "トモコ")]


@dataclass(frozen=True)
class Scale:
    clients: int = 100_000
    episodes: int = 150_000
    activities: int = 1_000_000
    users: int = 2_000
    agencies: int = 60
    referrals: int = 50_000


@dataclass
class Generated:
    """What the benchmark needs to build requests: ids and who may see what."""

    branches: list[str] = field(default_factory=list)
    programmes: dict[str, uuid.UUID] = field(default_factory=dict)
    users_by_role: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    usernames: dict[uuid.UUID, str] = field(default_factory=dict)
    supervisors_by_branch: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    team_of: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # user → clients
    episodes_of_user: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # user → episodes


class Progress:
    def __init__(self, label: str, total: int, enabled: bool) -> None:
        self.label, self.total, self.enabled = label, max(total, 1), enabled
        self.done = 0
        self.started = time.perf_counter()

    def add(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        frac = self.done / self.total
        bar = "#" * int(frac * 30)
        rate = self.done / max(time.perf_counter() - self.started, 1e-6)
        print(f"\r  {self.label:<12} [{bar:<30}] {self.done:>9,}/{self.total:,} {rate:>9,.0f} rows/s",
              end="", file=sys.stderr, flush=True)
        if self.done >= self.total:
            print(file=sys.stderr)


def _pick(rng: random.Random, weights: dict[str, float]) -> Callable[[], str]:
    keys, cum = list(weights), []
    total = 0.0
    for w in weights.values():
        total += w
        cum.append(total)

    def pick() -> str:
        return rng.choices(keys, cum_weights=cum)[0]

    return pick


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _age_years(rng: random.Random) -> int:
    # Mostly in their 30s to 50s (the newsletter's clients), a tail into the 70s.
    return max(20, min(85, int(rng.gauss(47, 11))))


async def _copy(conn: asyncpg.Connection, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]],
                total: int, show: bool, batch: int = 50_000) -> None:
    progress = Progress(table, total, show)
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
            progress.add(len(chunk))
            chunk = []
    if chunk:
        await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
        progress.add(len(chunk))


async def _seed_identity(url: str) -> None:
    """The demo's branches, agencies, users and programmes, through the demo loader itself."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from api.config import Settings
    from api.db.engine import create_engine
    from api.db.models import Programme
    from api.demo import newsletter as nl
    from api.demo.load import seed_identity

    engine = create_engine(url, Settings(database_url=url), pool_size=1)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            refs = await seed_identity(session)
            for p in nl.PROGRAMMES:
                session.add(Programme(code=p.code, name_ja=p.name_ja, name_en=p.name_en,
                                      operating_agency_ids=[refs.agencies[a] for a in p.operating_agency_codes],
                                      default_duration_months=p.default_duration_months,
                                      consent_required=p.consent_required))
            await session.commit()
    finally:
        await engine.dispose()


def asyncpg_dsn(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def generate(url: str, scale: Scale, seed: int = 2010, show: bool = True) -> Generated:
    from api.security import hash_password

    rng = random.Random(seed)
    started = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    out = Generated()
    try:
        if await conn.fetchval("SELECT count(*) FROM branch"):
            raise SystemExit("the database has data already; generate into an empty, migrated database")
        await _seed_identity(url)
        out.branches = [r["code"] for r in await conn.fetch("SELECT code FROM branch ORDER BY sort_order")]
        agencies = await conn.fetch("SELECT id, code, type, branch_code FROM agency ORDER BY code")
        programmes = await conn.fetch("SELECT id, code, operating_agency_ids FROM programme ORDER BY code")
        out.programmes = {r["code"]: r["id"] for r in programmes}

        # Synthetic agencies up to the scale: hospitals, consultation offices, group homes, workshops.
        extra_types = ["psychiatric_hospital", "consultation_office", "group_home", "group_home", "workshop",
                       "contracted_corporation"]
        new_agencies = []
        for i in range(max(0, scale.agencies - len(agencies))):
            type_ = extra_types[i % len(extra_types)]
            branch = _pick(rng, BRANCH_WEIGHTS)()
            new_agencies.append((_uuid(rng), f"bench_{type_}_{i:03d}", f"ベンチ{type_}{i}", f"Bench {type_} {i}",
                                 type_, None))
        await conn.copy_records_to_table("agency", records=new_agencies,
                                         columns=["id", "code", "name_ja", "name_en", "type", "branch_code"])
        agencies = await conn.fetch("SELECT id, code, type, branch_code FROM agency ORDER BY code")
        by_type: dict[str, list[asyncpg.Record]] = {}
        for a in agencies:
            by_type.setdefault(a["type"], []).append(a)
        division = {(a["branch_code"], a["code"].split("_", 1)[1]): a["id"] for a in agencies
                    if a["type"] == "ward_division" and a["branch_code"]}

        # Synthetic users: one Argon2 hash shared by all (hashing 2,000 passwords would take minutes).
        existing = await conn.fetch("SELECT id, username, role, branch_codes FROM user_account ORDER BY username")
        password_hash = hash_password(BENCH_PASSWORD)
        role_pick = _pick(rng, ROLE_WEIGHTS)
        users = []
        for i in range(max(0, scale.users - len(existing))):
            role = role_pick()
            branch = _pick(rng, BRANCH_WEIGHTS)()
            if role in ("caseworker", "supervisor"):
                agency, branches = division.get((branch, "seikatsu_shien")), [branch]
            elif role == "public_health_nurse":
                agency, branches = division.get((branch, "kenko_zukuri")), [branch]
            elif role == "mental_care_worker":
                agency, branches = rng.choice(by_type["contracted_corporation"])["id"], [branch]
            elif role in ("coordinator", "peer_supporter"):
                agency, branches = rng.choice(by_type["support_centre"] + by_type["information_centre"])["id"], []
            elif role == "partner":
                pool = by_type["psychiatric_hospital"] + by_type["consultation_office"] + by_type["group_home"]
                agency, branches = rng.choice(pool)["id"], []
            else:
                agency, branches = rng.choice(by_type["ward_division"])["id"], []
            if agency is None:
                agency = rng.choice(by_type["ward_division"])["id"]
            users.append((_uuid(rng), f"bench.{role[:4]}.{i:05d}", f"ベンチ職員{i}", role, agency, branches,
                          password_hash))
        await conn.copy_records_to_table(
            "user_account", records=users,
            columns=["id", "username", "display_name", "role", "agency_id", "branch_codes", "password_hash"])
        for r in await conn.fetch("SELECT id, username, role, branch_codes FROM user_account ORDER BY username"):
            out.users_by_role.setdefault(r["role"], []).append(r["id"])
            out.usernames[r["id"]] = r["username"]
            if r["role"] == "supervisor":
                for b in r["branch_codes"]:
                    out.supervisors_by_branch.setdefault(b, []).append(r["id"])
        branch_of_user = {r["id"]: (r["branch_codes"] or [None])[0]
                          for r in await conn.fetch("SELECT id, branch_codes FROM user_account")}

        def staff(role: str, branch: str) -> list[uuid.UUID]:
            pool = [u for u in out.users_by_role.get(role, []) if branch_of_user.get(u) == branch]
            return pool or out.users_by_role.get(role, [])

        cw_by_branch = {b: staff("caseworker", b) for b in out.branches}
        mcw_by_branch = {b: staff("mental_care_worker", b) for b in out.branches}
        phn_by_branch = {b: staff("public_health_nurse", b) for b in out.branches}
        peers = out.users_by_role.get("peer_supporter", [])
        coordinators = out.users_by_role.get("coordinator", [])
        hospitals = [a["id"] for a in by_type["psychiatric_hospital"]]

        # Clients and their care teams.
        branch_pick, dx_pick = _pick(rng, BRANCH_WEIGHTS), _pick(rng, DIAGNOSIS_WEIGHTS)
        res_pick = _pick(rng, RESIDENCES)
        client_ids: list[uuid.UUID] = []
        client_branch: list[str] = []
        client_facts: list[tuple[str, str, date, str]] = []  # name, kana, birth, diagnosis group (snapshots)
        team: list[list[uuid.UUID]] = []
        team_rows: list[tuple[Any, ...]] = []

        def clients() -> Iterator[tuple[Any, ...]]:
            for _ in range(scale.clients):
                cid = _uuid(rng)
                branch = branch_pick()
                sur, sur_k = rng.choice(SURNAMES)
                giv, giv_k = rng.choice(GIVEN)
                kana = f"{sur_k} {giv_k}"
                dob = AS_OF - timedelta(days=_age_years(rng) * 365 + rng.randrange(365))
                dx = dx_pick()
                residence = res_pick()
                cw = rng.choice(cw_by_branch[branch])
                members = [(cw, "caseworker")]
                if rng.random() < 0.5:
                    members.append((rng.choice(mcw_by_branch[branch]), "mental_care_worker"))
                if rng.random() < 0.4:
                    members.append((rng.choice(phn_by_branch[branch]), "public_health_nurse"))
                if peers and rng.random() < 0.08:
                    members.append((rng.choice(peers), "peer_supporter"))
                if coordinators and rng.random() < 0.15:
                    members.append((rng.choice(coordinators), "coordinator"))
                since = AS_OF - timedelta(days=rng.randrange(5 * 365))
                for user, team_role in members:
                    team_rows.append((_uuid(rng), cid, user, team_role, since))
                client_ids.append(cid)
                client_branch.append(branch)
                client_facts.append((f"{sur} {giv}", kana, dob, codes.diagnosis_group(dx)))
                team.append([m[0] for m in members])
                yield (cid, f"{sur} {giv}", kana, kana_sort_key(kana), dob, rng.choice(["female", "male"]), branch,
                       residence, since, rng.choice(hospitals) if residence == "psychiatric_ward" else None,
                       rng.random() < 0.7, cw, [dx], codes.diagnosis_group(dx),
                       Decimal(round(rng.expovariate(1 / 6), 1)).quantize(Decimal("0.1")) % 1000,
                       rng.random() > 0.03, cw)

        await _copy(conn, "client", ["id", "name", "kana", "kana_sort", "date_of_birth", "sex", "branch_code",
                                     "residence_type", "residence_since", "hospital_agency_id", "public_assistance",
                                     "caseworker_id", "diagnoses", "diagnosis_group", "years_inpatient", "active",
                                     "created_by"], clients(), scale.clients, show)
        await _copy(conn, "care_team_member", ["id", "client_id", "user_id", "team_role", "from_date"],
                    iter(team_rows), len(team_rows), show)
        for cid, members in zip(client_ids, team, strict=True):
            for u in members:
                out.team_of.setdefault(u, []).append(cid)
        team_rows.clear()

        # Episodes: every client has one, some have several; about half last under a year.
        prog_pick = _pick(rng, PROGRAMME_WEIGHTS)
        closure_pick = _pick(rng, CLOSURES)
        prog_rows = {r["code"]: r for r in programmes}
        episode_rows: list[tuple[uuid.UUID, int, date, date, uuid.UUID]] = []  # id, client index, from, to, lead

        def episodes() -> Iterator[tuple[Any, ...]]:
            for n in range(scale.episodes):
                ci = n if n < scale.clients else rng.randrange(scale.clients)
                code = prog_pick()
                if code not in prog_rows:
                    code = next(iter(prog_rows))
                p = prog_rows[code]
                operators = list(p["operating_agency_ids"]) or [by_type["ward_division"][0]["id"]]
                branch = client_branch[ci]
                div = division.get((branch, "seikatsu_shien"))
                operating = div if div in operators else rng.choice(operators)
                proposed = AS_OF - timedelta(days=rng.randrange(6 * 365))
                lead = team[ci][0]
                roll = rng.random()
                started = planned = ended = reason = None
                if roll < 0.04:
                    status = "proposed" if proposed > AS_OF - timedelta(days=90) else "cancelled"
                    ended = None if status == "proposed" else proposed + timedelta(days=20)
                else:
                    started = proposed + timedelta(days=rng.randrange(7, 60))
                    if started > AS_OF:
                        started = AS_OF
                    # Log-normal length with its median at a year: about half end within one.
                    length = int(math.exp(rng.gauss(math.log(365), 0.6)))
                    planned = started + timedelta(days=365)
                    if started + timedelta(days=length) < AS_OF:
                        status, ended, reason = "finished", started + timedelta(days=length), closure_pick()
                        if length > 365:
                            planned = started + timedelta(days=365 * (1 + length // 365))
                    else:
                        status = "on_hold" if rng.random() < 0.06 else "active"
                        if rng.random() < 0.8 and planned < AS_OF:
                            planned = AS_OF + timedelta(days=rng.randrange(1, 365))
                    episode_rows.append((eid := _uuid(rng), ci, started, ended or AS_OF, lead))
                    yield (eid, client_ids[ci], p["id"], branch, operating, lead, status, proposed, started,
                           planned, ended, reason, lead)
                    continue
                yield (_uuid(rng), client_ids[ci], p["id"], branch, operating, lead, status, proposed, started,
                       planned, ended, reason, lead)

        await _copy(conn, "episode", ["id", "client_id", "programme_id", "branch_code", "operating_agency_id",
                                      "lead_worker_id", "status", "proposed_on", "started_on", "planned_end",
                                      "ended_on", "closure_reason", "created_by"], episodes(), scale.episodes, show)
        for eid, ci, _, to, _ in episode_rows:
            if to >= AS_OF:
                for u in team[ci]:
                    out.episodes_of_user.setdefault(u, []).append(eid)

        # Activities on started episodes, by a member of the client's care team, within the episode.
        kind_pick = _pick(rng, ACTIVITY_WEIGHTS)
        epoch = datetime(1970, 1, 1, tzinfo=UTC)

        def activities() -> Iterator[tuple[Any, ...]]:
            for _ in range(scale.activities):
                eid, ci, start, to, _ = episode_rows[rng.randrange(len(episode_rows))]
                span = max((to - start).days, 1)
                day = start + timedelta(days=rng.randrange(span))
                kind = kind_pick()
                minutes, travel = ACTIVITY_MINUTES[kind]
                off = kind == "phone_call" and rng.random() < 0.15
                hour = rng.randrange(18, 22) if off else rng.randrange(9, 17)
                at = epoch + timedelta(days=(day - date(1970, 1, 1)).days, hours=hour - 9, minutes=rng.randrange(60))
                recorded = at + timedelta(minutes=rng.randrange(30, 600))
                yield (_uuid(rng), client_ids[ci], eid, kind, rng.choice(PURPOSES) if kind == "accompaniment" else None,
                       off, at, max(5, int(rng.gauss(minutes, minutes / 4))), travel, rng.choice(team[ci]),
                       "訪問。体調は安定、服薬確認。" if kind == "home_visit" else None, recorded, recorded)

        await _copy(conn, "activity", ["id", "client_id", "episode_id", "kind", "purpose", "off_hours", "occurred_at",
                                       "duration_minutes", "travel_minutes", "performer_id", "note", "created_at",
                                       "updated_at"],
                    activities(), scale.activities, show)

        if scale.referrals and await conn.fetchval("SELECT to_regclass('referral') IS NOT NULL"):
            await _referrals(conn, rng, scale, show, by_type=by_type, division=division, client_ids=client_ids,
                             client_branch=client_branch, client_facts=client_facts, team=team,
                             episode_rows=episode_rows)
        elif scale.referrals:
            print("  referral     no referral table in this schema: skipped", file=sys.stderr)

        if show:
            print("  analyze …", file=sys.stderr, flush=True)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    if show:
        print(f"  generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return out


PARTNER_TYPES = ("psychiatric_hospital", "consultation_office", "group_home")
REFERRAL_PURPOSE_WEIGHTS = {"housing_search": 0.16, "group_home": 0.18, "consultation_support": 0.16,
                            "outpatient": 0.12, "trial_stay": 0.06, "peer_support": 0.05, "day_activity": 0.1,
                            "employment_support": 0.08, "home_help": 0.06, "other": 0.03}
# Status by how long ago the referral was sent: recent ones are still open, old ones closed.
REFERRAL_STATUS_RECENT = {"draft": 0.08, "requested": 0.3, "received": 0.25, "accepted": 0.17, "in_progress": 0.1,
                          "rejected": 0.05, "cancelled": 0.05}
REFERRAL_STATUS_OLD = {"completed": 0.62, "in_progress": 0.1, "rejected": 0.12, "cancelled": 0.08, "accepted": 0.03,
                       "received": 0.02, "requested": 0.02, "draft": 0.01}
REFERRAL_REASONS = ["退院後の住まいとしてグループホームを探してほしい。", "日中の居場所を探している。",
                    "通院の付き添いと服薬の相談をお願いしたい。", "体験宿泊の利用を相談したい。",
                    "就労継続支援の利用を相談したい。", "計画相談の担当をお願いしたい。"]


async def _referrals(conn: asyncpg.Connection, rng: random.Random, scale: Scale, show: bool, *,
                     by_type: dict[str, list[asyncpg.Record]], division: dict[tuple[str, str], uuid.UUID],
                     client_ids: list[uuid.UUID], client_branch: list[str],
                     client_facts: list[tuple[str, str, date, str]], team: list[list[uuid.UUID]],
                     episode_rows: list[tuple[uuid.UUID, int, date, date, uuid.UUID]]) -> None:
    """Referrals from the ward's divisions (sent by the client's caseworker) to partner agencies,
    each sent one with its client's consent, frozen snapshot and acceptance history; one machine
    client per partner agency (the incoming box is pulled by partners' systems)."""
    partners = [a["id"] for t in PARTNER_TYPES for a in by_type.get(t, [])]
    have = {r["agency_id"] for r in await conn.fetch("SELECT agency_id FROM api_client WHERE role = 'partner'")}
    machines = [(_uuid(rng), f"bench-partner-{i:03d}", f"ベンチ連携システム{i}", "partner", agency, "!unusable")
                for i, agency in enumerate(partners) if agency not in have]
    await conn.copy_records_to_table("api_client", records=machines,
                                     columns=["id", "client_id", "name", "role", "agency_id", "secret_hash"])
    purpose_pick = _pick(rng, REFERRAL_PURPOSE_WEIGHTS)
    recent_pick, old_pick = _pick(rng, REFERRAL_STATUS_RECENT), _pick(rng, REFERRAL_STATUS_OLD)
    field_odds = {"date_of_birth": 0.8, "needs_summary": 0.7, "diagnosis_group": 0.5, "contact": 0.3}
    episodes_of_client: dict[int, uuid.UUID] = {}
    for eid, ci, _, _, _ in episode_rows:
        episodes_of_client.setdefault(ci, eid)
    consent_of: dict[int, uuid.UUID] = {}
    consents: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    end = datetime.combine(AS_OF, datetime.min.time(), UTC)

    def referrals() -> Iterator[tuple[Any, ...]]:
        for _ in range(scale.referrals):
            ci = rng.randrange(len(client_ids))
            branch = client_branch[ci]
            from_agency = division.get((branch, "seikatsu_shien")) or by_type["ward_division"][0]["id"]
            requester = team[ci][0]
            to_agency = rng.choice(partners)
            # Skewed towards recent: half within the last year, a tail over three.
            age = min(int(rng.expovariate(1 / 365)), 3 * 365)
            sent_on = AS_OF - timedelta(days=age)
            status = recent_pick() if age < 45 else old_pick()
            sent = status != "draft"
            sent_at = datetime.combine(sent_on, datetime.min.time(), UTC) + timedelta(hours=rng.randrange(0, 9))
            fields = ["kana", "name"] + [f for f, p in field_odds.items() if rng.random() < p]
            needs = "服薬は自己管理できる。夜間の見守りがあると安心。" if "needs_summary" in fields else None
            name, kana, dob, group = client_facts[ci]
            values = {"name": name, "kana": kana, "date_of_birth": dob.isoformat(), "diagnosis_group": group,
                      "contact": {"phone": None, "emergency_contacts": []}, "needs_summary": needs}
            snapshot = {f: values.get(f) for f in sorted(set(fields))}
            consent = None
            if sent:
                if ci not in consent_of:
                    consent_of[ci] = _uuid(rng)
                    consents.append((consent_of[ci], client_ids[ci], 1, [], list(PARTNER_TYPES),
                                     ["referral", "housing_search", "care_coordination"],
                                     ["identity", "contact", "needs_summary", "diagnosis"],
                                     # before the earliest referral the client can have
                                     AS_OF - timedelta(days=3 * 365 + rng.randrange(1, 90)), "signed_form",
                                     requester))
                consent = consent_of[ci]
            rid = _uuid(rng)
            if status in ("accepted", "in_progress", "completed"):
                changes.append((_uuid(rng), rid, "accept", "received", "accepted", to_agency,
                                sent_at + timedelta(days=max(1, int(rng.expovariate(1 / 6))))))
            created = sent_at - timedelta(hours=1)
            yield (rid, from_agency, requester, "user", to_agency, client_ids[ci], episodes_of_client.get(ci),
                   purpose_pick(), "urgent" if rng.random() < 0.08 else "routine", rng.choice(REFERRAL_REASONS),
                   sent_on + timedelta(days=rng.randrange(7, 31)), status,
                   "今年度の定員に空きがないため" if status == "rejected" else None, sorted(fields),
                   json.dumps(snapshot, ensure_ascii=False) if sent else None, needs, sent_at if sent else None,
                   consent,
                   created, min(sent_at + timedelta(days=rng.randrange(0, 60)), end) if sent else created)

    rows = list(referrals())  # consents first: referrals point at them
    await _copy(conn, "consent", ["id", "client_id", "sequence", "agency_ids", "agency_types", "purposes",
                                  "data_categories", "given_on", "recorded_how", "recorded_by"],
                iter(consents), len(consents), show)
    await _copy(conn, "referral", ["id", "from_agency_id", "requester_id", "requester_kind", "to_agency_id",
                                   "client_id", "episode_id", "purpose", "priority", "reason", "due_on", "status",
                                   "status_reason", "shared_fields", "shared_snapshot", "needs_summary", "sent_at",
                                   "consent_id", "created_at", "updated_at"], iter(rows), len(rows), show)
    await _copy(conn, "referral_status_change", ["id", "referral_id", "action", "from_status", "to_status",
                                                 "by_agency_id", "at"], iter(changes), len(changes), show)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="an empty database migrated to head")
    defaults = Scale()
    for name in ("clients", "episodes", "activities", "users", "agencies", "referrals"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    parser.add_argument("--seed", type=int, default=2010)
    args = parser.parse_args(argv)
    scale = Scale(args.clients, args.episodes, args.activities, args.users, args.agencies, args.referrals)
    asyncio.run(generate(args.database_url, scale, args.seed))


if __name__ == "__main__":
    main()
