"""The hot queries stay index-backed as the tables grow: run the real service functions against a
generated dataset with realistic statistics (ANALYZE), capture the SQL they send, EXPLAIN each
SELECT and fail on a sequential scan of a large table."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import orjson
import pytest
from alembic import command
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, create_engine, drop_database
from api.db.unit import RequestUnit
from api.domain.principal import Principal
from api.domain.roles import Role
from api.pagination import PageParams
from api.services import clients as client_service
from api.services import episodes as episode_service
from api.services import goals_and_activities as work_service
from api.services import referrals as referral_service
from bench.generate import Generated, Scale, generate

# Enough rows that PostgreSQL prefers an index wherever one fits, small enough to build in seconds.
SCALE = Scale(clients=15_000, episodes=22_000, activities=120_000, users=2_000, agencies=60, referrals=6_000)
LARGE_TABLES = {"client", "episode", "activity", "care_team_member", "audit_event", "consent"}


@pytest.fixture(scope="module")
async def plans_db(server_url: str) -> AsyncIterator[tuple[str, Generated]]:
    name = f"iko_plans_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = await create_database(server_url, name, drop_first=True)
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        generated = await generate(url, SCALE, seed=7, show=False)
        yield url, generated
    finally:
        await drop_database(server_url, name)


@pytest.fixture(scope="module")
async def session_factory(plans_db: tuple[str, Generated]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url, _ = plans_db
    engine = create_engine(url, Settings(database_url=url), pool_size=1)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


def _principal(user_id: uuid.UUID, role: Role, branches: frozenset[str] = frozenset()) -> Principal:
    return Principal(kind="user", id=user_id, name="bench", role=role, agency_id=uuid.uuid4(),
                     agency_type="ward_division", branches=branches)


def _seq_scans(plan: dict[str, Any]) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in LARGE_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _seq_scans(child)
    return found


async def explain_calls(factory: async_sessionmaker[AsyncSession],
                        call: Callable[[RequestUnit], Awaitable[Any]]) -> list[tuple[str, list[str]]]:
    return [(sql, _seq_scans(plan)) for sql, plan in await plans_of(factory, call)]


async def plans_of(factory: async_sessionmaker[AsyncSession],
                   call: Callable[[RequestUnit], Awaitable[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Run `call`, then EXPLAIN every SELECT it sent with the same parameters: through SQLAlchemy,
    and on the driver connection (the principal, the hot reads: RequestUnit.driver)."""
    async with factory() as session:
        unit = RequestUnit(session=session, context={})
        sent: list[tuple[str, Any]] = []
        driver_sent: list[tuple[str, Any]] = []
        sync_engine = session.bind.sync_engine  # type: ignore[union-attr]

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                sent.append((statement, parameters))

        def capture_driver(record: Any) -> None:
            if record.query.lstrip().upper().startswith("SELECT"):
                driver_sent.append((record.query, record.args))

        event.listen(sync_engine, "before_cursor_execute", capture)
        driver = await unit.driver()
        driver.add_query_logger(capture_driver)
        try:
            await call(unit)
            await asyncio.sleep(0)  # asyncpg hands each query to its loggers with call_soon
        finally:
            event.remove(sync_engine, "before_cursor_execute", capture)
            driver.remove_query_logger(capture_driver)
        results = []
        for statement, parameters in sent:
            conn = await session.connection()
            raw = await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
            plan = raw.scalar_one()[0]["Plan"]
            results.append((statement, plan))
        for statement, args in driver_sent:
            plan = await driver.fetchval("EXPLAIN (FORMAT JSON) " + statement, *args)
            results.append((statement, (plan if isinstance(plan, list) else orjson.loads(plan))[0]["Plan"]))
        await session.rollback()
    assert results, "the call sent no SELECT"
    return results


def _assert_no_seq_scan(results: list[tuple[str, list[str]]]) -> None:
    bad = [(tables, sql) for sql, tables in results if tables]
    assert not bad, "sequential scan of a large table:\n" + "\n\n".join(f"{t}: {s}" for t, s in bad)


async def test_client_detail_uses_indexes(session_factory: async_sessionmaker[AsyncSession],
                                          plans_db: tuple[str, Generated]) -> None:
    _, g = plans_db
    worker = g.users_by_role["caseworker"][-1]
    principal = _principal(worker, Role.caseworker)
    client_id = g.team_of[worker][0]
    _assert_no_seq_scan(await explain_calls(
        session_factory, lambda unit: client_service.read(unit, principal, client_id)))


async def _supervisor(factory: async_sessionmaker[AsyncSession], g: Generated) -> Principal:
    return _principal(g.supervisors_by_branch["karasuyama"][0], Role.supervisor, frozenset({"karasuyama"}))


async def test_client_list_first_and_deep_page_use_indexes(session_factory: async_sessionmaker[AsyncSession],
                                                           plans_db: tuple[str, Generated]) -> None:
    _, g = plans_db
    principal = await _supervisor(session_factory, g)
    first = PageParams(limit=50, cursor=None, updated_since=None)

    async def first_page(unit: RequestUnit) -> Any:
        return await client_service.list_visible(unit, principal, first, kana_prefix=None, branch_code=None,
                                                 include_inactive=False)

    _assert_no_seq_scan(await explain_calls(session_factory, first_page))
    async with session_factory() as session:
        row = (await session.execute(text(
            "SELECT kana_sort, kana, id FROM client WHERE branch_code = 'karasuyama' AND active "
            "ORDER BY kana_sort, kana, id OFFSET (SELECT count(*) * 8 / 10 FROM client WHERE branch_code = "
            "'karasuyama') LIMIT 1"))).one()
    deep = PageParams(limit=50, cursor=[row.kana_sort, row.kana, str(row.id)], updated_since=None)

    async def deep_page(unit: RequestUnit) -> Any:
        return await client_service.list_visible(unit, principal, deep, kana_prefix=None, branch_code=None,
                                                 include_inactive=False)

    _assert_no_seq_scan(await explain_calls(session_factory, deep_page))


async def test_episode_list_with_filters_uses_indexes(session_factory: async_sessionmaker[AsyncSession],
                                                      plans_db: tuple[str, Generated]) -> None:
    _, g = plans_db
    principal = await _supervisor(session_factory, g)
    page = PageParams(limit=50, cursor=None, updated_since=None)
    _assert_no_seq_scan(await explain_calls(session_factory, lambda unit: episode_service.list_visible(
        unit, principal, page, programme_code="tokyo_discharge", branch_code="karasuyama", status="active",
        lead_worker_id=None, client_id=None, planned_end_within_days=None, overdue=None)))


async def test_worker_day_uses_indexes(session_factory: async_sessionmaker[AsyncSession],
                                       plans_db: tuple[str, Generated]) -> None:
    _, g = plans_db
    worker = g.users_by_role["caseworker"][0]
    own = _principal(worker, Role.caseworker)
    day = date(2025, 6, 2)
    _assert_no_seq_scan(await explain_calls(session_factory,
                                            lambda unit: work_service.worker_day(unit, own, worker, day, 5)))
    supervisor = await _supervisor(session_factory, g)
    _assert_no_seq_scan(await explain_calls(session_factory,
                                            lambda unit: work_service.worker_day(unit, supervisor, worker, day, 5)))


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def _served_in_order(plans: list[tuple[str, dict[str, Any]]], index: str) -> None:
    """The page query walks `index` in the list's order: no sort of every matching row."""
    [(sql, plan)] = [(sql, plan) for sql, plan in plans if "ORDER BY coalesce" in sql]
    nodes = _nodes(plan)
    assert index in {n.get("Index Name") for n in nodes}, f"{index} not used:\n{sql}\n{plan}"
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], f"sorted:\n{sql}\n{plan}"


async def test_episode_list_pages_are_an_index_range_scan(session_factory: async_sessionmaker[AsyncSession],
                                                          plans_db: tuple[str, Generated]) -> None:
    """The benchmark's episode list (a supervisor, one branch, active, one programme)."""
    _, g = plans_db
    principal = await _supervisor(session_factory, g)
    page = PageParams(limit=50, cursor=None, updated_since=None)
    _served_in_order(await plans_of(session_factory, lambda unit: episode_service.list_visible(
        unit, principal, page, programme_code="tokyo_discharge", branch_code="karasuyama", status="active",
        lead_worker_id=None, client_id=None, planned_end_within_days=None, overdue=None)),
        "ix_episode_branch_status_list_order")


async def test_incoming_referral_box_is_an_index_range_scan(session_factory: async_sessionmaker[AsyncSession],
                                                            plans_db: tuple[str, Generated]) -> None:
    """The benchmark's incoming box: a partner agency's system, first page and a later one."""
    async with session_factory() as session:
        agency_id, agency_type = (await session.execute(text(
            "SELECT r.to_agency_id, a.type FROM referral r JOIN agency a ON a.id = r.to_agency_id "
            "WHERE r.status <> 'draft' GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"))).one()
        middle = (await session.execute(text(
            "SELECT coalesce(due_on, DATE '9999-12-31') AS due, id FROM referral WHERE to_agency_id = :a "
            "ORDER BY 1, 2 OFFSET 40 LIMIT 1"), {"a": agency_id})).one()
    partner = Principal(kind="client", id=uuid.uuid4(), name="bench", role=Role.partner, agency_id=agency_id,
                        agency_type=agency_type, branches=frozenset())
    for cursor in (None, [middle.due.isoformat(), str(middle.id)]):
        page = PageParams(limit=50, cursor=cursor, updated_since=None)
        _served_in_order(await plans_of(session_factory, lambda unit, page=page: referral_service.list_visible(
            unit, partner, page, box="incoming", status=None, purpose=None, overdue=None, client_id=None)),
            "ix_referral_to_agency_list_order")
