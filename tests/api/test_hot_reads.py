"""The hot reads (client detail and list, episode list, the incoming referral box) are pre-built
statements on the driver connection, with the row-visibility rule as SQL text
(`scopes.clients_visible_sql`) beside the SQLAlchemy expression every other query uses. Two forms of
one rule can drift apart: these tests hold them together on a generated dataset with every role,
ended and future care-team memberships, cancelled episodes and inactive clients. The ORM form is the
oracle: same rows, same order, same pages, same JSON for every principal."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db import scopes
from api.db.engine import create_database, create_engine, drop_database
from api.db.models import Client, Episode, Programme, Referral
from api.db.scopes import Binds, clients_visible_sql, clients_visible_to, episodes_visible_sql, episodes_visible_to
from api.db.unit import RequestUnit
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.domain.roles import Role
from api.pagination import PageParams, decode_cursor
from api.problems import Problem
from api.services import clients as client_service
from api.services import episodes as episode_service
from api.services import read_models as views
from api.services import referrals as referral_service
from api.services import shaping
from bench.generate import Scale, generate

SCALE = Scale(clients=900, episodes=1_400, activities=300, users=120, agencies=14, referrals=500)


@pytest.fixture(scope="module")
async def factory(server_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    name = f"iko_hot_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = await create_database(server_url, name, drop_first=True)
    engine = create_engine(url, Settings(database_url=url), pool_size=2)
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        await generate(url, SCALE, seed=23, show=False)
        today = today_tokyo()
        async with engine.begin() as conn:
            # Memberships that ended yesterday or start tomorrow: not on the team today.
            await conn.execute(text("UPDATE care_team_member SET to_date = :d WHERE id IN "
                                    "(SELECT id FROM care_team_member ORDER BY id LIMIT 150)"),
                               {"d": today - timedelta(days=1)})
            await conn.execute(text("UPDATE care_team_member SET from_date = :d WHERE id IN "
                                    "(SELECT id FROM care_team_member ORDER BY id DESC LIMIT 150)"),
                               {"d": today + timedelta(days=1)})
            # Ends today: still on the team today.
            await conn.execute(text("UPDATE care_team_member SET to_date = :d WHERE id IN "
                                    "(SELECT id FROM care_team_member ORDER BY id OFFSET 200 LIMIT 50)"), {"d": today})
            # Changes spread over 50 minutes, many at the same instant (the id breaks the tie).
            for table in ("episode", "referral"):
                await conn.execute(text(f"UPDATE {table} SET updated_at = updated_at "
                                        "+ (abs(hashtext(id::text)) % 50) * interval '1 minute'"))
            await conn.execute(text("UPDATE client SET kana = 'ア%_/' || kana WHERE id IN "
                                    "(SELECT id FROM client ORDER BY id LIMIT 40)"))
        yield async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    finally:
        await engine.dispose()
        await drop_database(server_url, name)


@pytest.fixture(scope="module")
async def principals(factory: async_sessionmaker[AsyncSession]) -> list[Principal]:
    """Every user of the dataset as a principal, and every partner system."""
    async with factory() as session:
        users = (await session.execute(text(
            "SELECT u.id, u.display_name, u.role, u.agency_id, u.branch_codes, a.type FROM user_account u "
            "JOIN agency a ON a.id = u.agency_id ORDER BY u.id"))).all()
        machines = (await session.execute(text(
            "SELECT c.id, c.name, c.role, c.agency_id, a.type FROM api_client c "
            "JOIN agency a ON a.id = c.agency_id ORDER BY c.id"))).all()
    found = [Principal(kind="user", id=u[0], name=u[1], role=Role(u[2]), agency_id=u[3], agency_type=u[5],
                       branches=frozenset(u[4] or ())) for u in users]
    found += [Principal(kind="client", id=m[0], name=m[1], role=Role(m[2]), agency_id=m[3], agency_type=m[4],
                        branches=frozenset()) for m in machines]
    # A partner system of every agency, whether or not the dataset made one.
    agencies = {p.agency_id: p.agency_type for p in found}
    found += [Principal(kind="client", id=uuid.uuid4(), name="system", role=Role.partner, agency_id=a,
                        agency_type=t, branches=frozenset()) for a, t in agencies.items()]
    assert {p.role for p in found} >= {Role.supervisor, Role.caseworker, Role.coordinator, Role.peer_supporter,
                                       Role.public_health_nurse, Role.mental_care_worker, Role.partner}
    return found


async def test_the_sql_scope_selects_the_clients_the_expression_selects(
        factory: async_sessionmaker[AsyncSession], principals: list[Principal]) -> None:
    seen_some = 0
    async with factory() as session:
        unit = RequestUnit(session=session, context={})
        driver = await unit.driver()
        for principal in principals:
            expected = set((await session.scalars(select(Client.id).where(clients_visible_to(principal)))).all())
            bind = Binds()
            where = clients_visible_sql(principal, "c", bind)
            got = {r["id"] for r in await driver.fetch(f"SELECT c.id FROM client c WHERE {where}", *bind.values)}
            assert got == expected, f"{principal.role} {principal.id}: {len(got ^ expected)} clients differ"
            seen_some += bool(expected)
    assert seen_some >= 20, "the dataset gave too few principals any client to compare"


async def _walk(factory: async_sessionmaker[AsyncSession], principal: Principal, limit: int,
                **filters: Any) -> list[uuid.UUID]:
    """Every page of the client list as the service serves it, following next_cursor."""
    ids: list[uuid.UUID] = []
    cursor: list[Any] | None = None
    for _ in range(100):
        async with factory() as session:
            unit = RequestUnit(session=session, context={})
            page = PageParams(limit=limit, cursor=cursor, updated_since=None)
            items, next_cursor = await client_service.list_visible(unit, principal, page, **filters)
            assert len(items) <= limit
            ids += [c.id for c in items]
            assert len(unit.events) == len(items), "one audit row per client shown"
        if next_cursor is None:
            return ids
        cursor = decode_cursor(next_cursor)
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("filters", [
    {"kana_prefix": None, "branch_code": None, "include_inactive": False},
    {"kana_prefix": None, "branch_code": None, "include_inactive": True},
    {"kana_prefix": "ア", "branch_code": None, "include_inactive": False},
    {"kana_prefix": "ア%_/", "branch_code": None, "include_inactive": True},
    {"kana_prefix": "%", "branch_code": None, "include_inactive": True},
    {"kana_prefix": None, "branch_code": "karasuyama", "include_inactive": False},
], ids=["active", "all", "prefix", "prefix-with-like-characters", "percent-only", "branch"])
async def test_client_pages_are_the_orm_pages(factory: async_sessionmaker[AsyncSession],
                                                principals: list[Principal], filters: dict[str, Any]) -> None:
    chosen = [p for p in principals if p.kind == "user"]
    chosen = [next(p for p in chosen if p.role == role) for role in
              (Role.supervisor, Role.caseworker, Role.coordinator, Role.peer_supporter, Role.public_health_nurse)]
    compared = 0
    for principal in chosen:
        conditions: list[Any] = [clients_visible_to(principal)]
        if filters["kana_prefix"]:
            conditions.append(Client.kana.startswith(filters["kana_prefix"], autoescape=True))
        if filters["branch_code"]:
            conditions.append(Client.branch_code == filters["branch_code"])
        if not filters["include_inactive"]:
            conditions.append(Client.active.is_(True))
        async with factory() as session:
            expected = list((await session.scalars(
                select(Client.id).where(*conditions).order_by(Client.kana_sort, Client.kana, Client.id))).all())
        assert await _walk(factory, principal, 37, **filters) == expected
        compared += len(expected)
    assert compared > 0 or filters["kana_prefix"] == "%"


async def test_a_client_reads_as_the_orm_record_shaped_for_every_role(
        factory: async_sessionmaker[AsyncSession], principals: list[Principal]) -> None:
    compared = 0
    for principal in [p for p in principals if p.kind == "user"][::3]:
        async with factory() as session:
            some = (await session.scalars(select(Client).where(clients_visible_to(principal))
                                          .order_by(Client.id).limit(3))).all()
            hidden = await session.scalar(select(Client.id).where(~clients_visible_to(principal)).limit(1))
            for record in some:
                unit = RequestUnit(session=session, context={})
                read = await client_service.read(unit, principal, record.id)
                assert shaping.shape(principal, read).root == views.client_view(principal, record).root
                assert [e.client_id for e in unit.events] == [record.id]
                compared += 1
            if hidden is not None:
                unit = RequestUnit(session=session, context={})
                with pytest.raises(Problem) as refused:
                    await client_service.read(unit, principal, hidden)
                assert refused.value.kind.status == 404
    assert compared >= 10


async def test_the_sql_episode_scope_selects_what_the_expression_selects(
        factory: async_sessionmaker[AsyncSession], principals: list[Principal]) -> None:
    seen_some = 0
    async with factory() as session:
        driver = await RequestUnit(session=session, context={}).driver()
        for principal in principals:
            expected = set((await session.scalars(select(Episode.id).where(episodes_visible_to(principal)))).all())
            bind = Binds()
            where = episodes_visible_sql(principal, "e", bind)
            got = {r["id"] for r in await driver.fetch(f"SELECT e.id FROM episode e WHERE {where}", *bind.values)}
            assert got == expected, f"{principal.role} {principal.id}: {len(got ^ expected)} episodes differ"
            seen_some += bool(expected)
    assert seen_some >= 20


@pytest.mark.parametrize("filters", [
    {},
    {"status": "active"},
    {"status": "active", "programme_code": "tokyo_discharge", "branch_code": "karasuyama"},
    {"overdue": True},
    {"overdue": False},
    {"planned_end_within_days": 400},
], ids=["all", "active", "benchmark-filters", "overdue", "not-overdue", "ending-within"])
@pytest.mark.parametrize("by_change", [False, True], ids=["by-planned-end", "updated-since"])
async def test_episode_pages_are_the_orm_pages(factory: async_sessionmaker[AsyncSession],
                                               principals: list[Principal], filters: dict[str, Any],
                                               by_change: bool) -> None:
    users = [p for p in principals if p.kind == "user"]
    chosen = [next(p for p in users if p.role == role) for role in
              (Role.supervisor, Role.caseworker, Role.coordinator, Role.mental_care_worker)]
    today = today_tokyo()
    running = ["active", "on_hold"]
    compared = 0
    for principal in chosen:
        conditions: list[Any] = [episodes_visible_to(principal)]
        if "status" in filters:
            conditions.append(Episode.status == filters["status"])
        if "programme_code" in filters:
            conditions.append(Programme.code == filters["programme_code"])
        if "branch_code" in filters:
            conditions.append(Episode.branch_code == filters["branch_code"])
        if "overdue" in filters:
            late = Episode.status.in_(running) & (Episode.planned_end < today)
            conditions.append(late if filters["overdue"] else ~late)
        if "planned_end_within_days" in filters:
            conditions += [Episode.status.in_(running), Episode.planned_end >= today,
                           Episode.planned_end <= today + timedelta(days=filters["planned_end_within_days"])]
        order: list[Any] = [func.coalesce(Episode.planned_end, date(9999, 12, 31)), Episode.id]
        async with factory() as session:
            since = await _median_change(session, Episode.updated_at) if by_change else None
            if since is not None:
                conditions.append(Episode.updated_at > since)
                order = [Episode.updated_at, Episode.id]
            expected = list((await session.scalars(
                select(Episode.id).join(Programme, Programme.id == Episode.programme_id).where(*conditions)
                .order_by(*order))).all())
            some = (await session.execute(select(Episode, Programme).join(Programme).where(
                Episode.id.in_(expected[:5])))).all()
        got: list[Any] = []
        cursor: list[Any] | None = None
        while True:
            async with factory() as session:
                unit = RequestUnit(session=session, context={})
                page = PageParams(limit=29, cursor=cursor, updated_since=since)
                items, next_cursor = await episode_service.list_visible(
                    unit, principal, page, programme_code=filters.get("programme_code"),
                    branch_code=filters.get("branch_code"), status=filters.get("status"), lead_worker_id=None,
                    client_id=None, planned_end_within_days=filters.get("planned_end_within_days"),
                    overdue=filters.get("overdue"))
                assert [e.client_id for e in unit.events] == [e.client_id for e in items]
            got += items
            if next_cursor is None:
                break
            cursor = decode_cursor(next_cursor)
        assert [e.id for e in got] == expected
        by_id = {e.id: e for e in got}
        for episode, programme in some:  # the same read model as the ORM record gives
            assert by_id[episode.id] == views.episode_read(episode, programme)
        compared += len(expected)
    assert compared > 0


async def _median_change(session: AsyncSession, column: Any) -> Any:
    """An `updated_since` that leaves about half the rows (the dataset spreads its changes out)."""
    return await session.scalar(select(func.percentile_disc(0.5).within_group(column.asc())))


_REFERRAL_RULES = [
    (scopes.referrals_sent_by, scopes.referrals_sent_by_sql),
    (scopes.referrals_addressed_to, scopes.referrals_addressed_to_sql),
    (scopes.referrals_of_visible_clients, scopes.referrals_of_visible_clients_sql),
    (scopes.referrals_visible_to, scopes.referrals_visible_sql),
]


@pytest.mark.parametrize(("expression", "sql"), _REFERRAL_RULES, ids=lambda f: getattr(f, "__name__", ""))
async def test_the_sql_referral_rules_select_what_the_expressions_select(
        factory: async_sessionmaker[AsyncSession], principals: list[Principal], expression: Any, sql: Any) -> None:
    seen_some = 0
    async with factory() as session:
        driver = await RequestUnit(session=session, context={}).driver()
        for principal in principals:
            expected = set((await session.scalars(select(Referral.id).where(expression(principal)))).all())
            bind = scopes.Binds()
            where = sql(principal, "r", bind)
            got = {r["id"] for r in await driver.fetch(f"SELECT r.id FROM referral r WHERE {where}", *bind.values)}
            assert got == expected, f"{principal.role} {principal.id}: {len(got ^ expected)} referrals differ"
            seen_some += bool(expected)
    assert seen_some >= 5


@pytest.mark.parametrize("box", ["incoming", "outgoing", None])
@pytest.mark.parametrize("filters", [{}, {"overdue": True}, {"overdue": False}, {"status": "requested"}],
                         ids=["all", "overdue", "not-overdue", "requested"])
@pytest.mark.parametrize("by_change", [False, True], ids=["by-due-date", "updated-since"])
async def test_referral_pages_are_the_orm_pages(factory: async_sessionmaker[AsyncSession],
                                                principals: list[Principal], box: str | None,
                                                filters: dict[str, Any], by_change: bool) -> None:
    today = today_tokyo()
    # Of each role that has referrals, the principal with the most of them in this box.
    counted: list[tuple[int, Principal]] = []
    scope = {"incoming": scopes.referrals_addressed_to, "outgoing": scopes.referrals_sent_by,
             None: scopes.referrals_visible_to}[box]
    async with factory() as session:
        for principal in principals:
            n = await session.scalar(select(func.count()).select_from(Referral).where(scope(principal)))
            counted.append((n or 0, principal))
    chosen = {}
    for n, principal in sorted(counted, key=lambda c: -c[0]):
        if n and principal.role not in chosen:
            chosen[principal.role] = principal
    assert chosen, "no principal has referrals in this box"
    for principal in chosen.values():
        conditions: list[Any] = [scope(principal)]
        if "status" in filters:
            conditions.append(Referral.status == filters["status"])
        if "overdue" in filters:
            late = referral_service.overdue_clause(today)
            conditions.append(late if filters["overdue"] else ~late)
        order: list[Any] = [func.coalesce(Referral.due_on, date(9999, 12, 31)), Referral.id]
        async with factory() as session:
            since = await _median_change(session, Referral.updated_at) if by_change else None
            if since is not None:
                conditions.append(Referral.updated_at > since)
                order = [Referral.updated_at, Referral.id]
            expected = list((await session.scalars(select(Referral.id).where(*conditions).order_by(*order))).all())
            some = [referral_service.seen_from_row(r) for r in (await session.execute(
                select(Referral, *referral_service.relation_columns(principal))
                .where(Referral.id.in_(expected[:6])))).all()]
        got: list[Any] = []
        cursor: list[Any] | None = None
        while True:
            async with factory() as session:
                unit = RequestUnit(session=session, context={})
                page = PageParams(limit=23, cursor=cursor, updated_since=since)
                items, next_cursor = await referral_service.list_visible(
                    unit, principal, page, box=box, status=filters.get("status"), purpose=None,
                    overdue=filters.get("overdue"), client_id=None)
                owners = dict((await session.execute(select(Referral.id, Referral.client_id).where(
                    Referral.id.in_([i.id for i in items])))).all())
                assert [e.client_id for e in unit.events] == [owners[i.id] for i in items], "audit names the client"
            got += items
            if next_cursor is None:
                break
            cursor = decode_cursor(next_cursor)
        assert [r.id for r in got] == expected, f"{principal.role}"
        by_id = {r.id: r for r in got}
        for seen in some:
            assert by_id[seen.referral.id] == views.referral_read(principal, seen)
