"""Loads the newsletter's world (api.demo.newsletter) into an empty database.

Each area adds its records through a `seed(session, refs)` function in `api/demo/seed_<area>.py`,
run in the order of SEED_STEPS; all in one transaction, so a half-loaded demo never remains."""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.engine import create_engine
from api.db.models import Agency, ApiClient, Branch, OAuthClient, UserAccount
from api.demo import newsletter as nl
from api.security import hash_password

# Later areas append their step names; a missing module is simply not loaded yet.
SEED_STEPS = ("seed_cases", "seed_meetings", "seed_resources", "seed_referrals", "seed_emergency",
              # --- issue 18: households, refusals, service use and risk ---
              "seed_households",
              # --- issue 18: support plans ---
              "seed_support_plans",
              # --- issue 18: schedules ---
              "seed_schedules",
              # --- issue 18: consultations without a client record, and intakes ---
              "seed_consultations", "seed_intakes",
              # --- issue 18: what the council reports (item 9) ---
              "seed_history", "seed_meeting_discussion")


@dataclass
class DemoRefs:
    agencies: dict[str, uuid.UUID] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    machines: dict[str, uuid.UUID] = field(default_factory=dict)
    extra: dict[str, dict[str, uuid.UUID]] = field(default_factory=dict)


async def seed_identity(session: AsyncSession) -> DemoRefs:
    refs = DemoRefs()
    for b in nl.BRANCHES:
        session.add(Branch(code=b.code, name_ja=b.name_ja, name_en=b.name_en, sort_order=b.sort_order))
    await session.flush()
    pending = list(nl.AGENCIES)
    while pending:  # parents before children
        progressed = False
        for agency in list(pending):
            if agency.parent_code and agency.parent_code not in refs.agencies:
                continue
            row = Agency(
                code=agency.code, name_ja=agency.name_ja, name_en=agency.name_en, type=agency.type,
                branch_code=agency.branch_code,
                parent_id=refs.agencies.get(agency.parent_code) if agency.parent_code else None,
            )
            session.add(row)
            await session.flush()
            refs.agencies[agency.code] = row.id
            pending.remove(agency)
            progressed = True
        if not progressed:
            raise ValueError(f"agencies with unknown parents: {[a.code for a in pending]}")
    password_hash = hash_password(nl.DEMO_PASSWORD)
    for user in nl.USERS:
        account = UserAccount(
            username=user.username, display_name=user.display_name_ja,
            display_name_kana=user.display_name_kana, role=user.role,
            agency_id=refs.agencies[user.agency_code], branch_codes=list(user.branch_codes),
            password_hash=password_hash,
        )
        session.add(account)
        await session.flush()
        refs.users[user.username] = account.id
    for machine in nl.MACHINE_CLIENTS:
        client = ApiClient(client_id=machine.client_id, name=machine.name, role=machine.role,
                           agency_id=refs.agencies[machine.agency_code], secret_hash=hash_password(machine.secret))
        session.add(client)
        await session.flush()
        refs.machines[machine.client_id] = client.id
    # A sign-in app for trying the authorization code flow (README): a public client on loopback.
    session.add(OAuthClient(client_id=DEMO_OAUTH_CLIENT, name="デモ用ケース記録アプリ (demo web app)",
                            client_type="public", redirect_uris=["http://127.0.0.1/callback"]))
    await session.flush()
    return refs


DEMO_OAUTH_CLIENT = "demo-web"


async def seed_all(session: AsyncSession) -> DemoRefs:
    refs = await seed_identity(session)
    for step in SEED_STEPS:
        try:
            module = importlib.import_module(f"api.demo.{step}")
        except ModuleNotFoundError as exc:
            if exc.name != f"api.demo.{step}":
                raise
            continue
        await module.seed(session, refs)
        await session.flush()
    return refs


async def load_demo_data(settings: Settings, *, only_if_empty: bool = True) -> bool:
    assert settings.database_url
    engine = create_engine(settings.database_url, settings, pool_size=1)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            if only_if_empty and await session.scalar(select(func.count()).select_from(Branch)):
                return False
            await seed_all(session)
            await session.commit()
            return True
    finally:
        await engine.dispose()
