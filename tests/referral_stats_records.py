"""Referrals in FY2010 with known counts and acceptance times, for the statistics tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Referral, ReferralStatusChange
from api.domain.fiscal import TOKYO
from tests.scenario import build_scenario
from tests.world import World

SENT = datetime(2010, 8, 2, 10, tzinfo=TOKYO)


def _referral(world: World, client_id: object, purpose: str, status: str, **kw: object) -> Referral:
    return Referral(from_agency_id=world.agencies["karasuyama_seikatsu"], requester_id=world.users["caseworker"],
                    requester_kind="user", to_agency_id=world.agencies["grouphome"], client_id=client_id,
                    purpose=purpose, reason="x", status=status, sent_at=SENT, **kw)


async def seed_referrals(db: AsyncSession, world: World, small_cell: bool) -> None:
    s = await build_scenario(db, world)
    counts = {("group_home", "accepted"): 6, ("group_home", "completed"): 7, ("outpatient", "accepted"): 8,
              ("outpatient", "completed"): 9}
    referrals = [_referral(world, s.client_in.id, p, st) for (p, st), n in counts.items() for _ in range(n)]
    if small_cell:
        referrals += [_referral(world, s.client_in.id, "outpatient", "requested", due_on=date(2010, 8, 20))
                      for _ in range(2)]
    next_year = _referral(world, s.client_in.id, "group_home", "completed")
    next_year.sent_at = SENT + timedelta(days=365)  # FY2011: not counted in FY2010
    db.add_all([*referrals, next_year])
    await db.flush()
    accepted = [r for r in referrals if r.purpose == "group_home" and r.status == "accepted"]
    for days, referral in zip((2, 4, 6, 8, 10, 12), accepted, strict=True):  # median 7 days
        db.add(ReferralStatusChange(referral_id=referral.id, action="accept", from_status="received",
                                    to_status="accepted", at=SENT + timedelta(days=days)))
    await db.flush()


