"""Care-team membership: it is what grants a worker access to a client, and its end removes it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select

from api.conventions import check_version
from api.db.models import CareTeamMember, UserAccount
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, may_join_care_team
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, invalid_field
from api.schemas.clients import CareTeamMemberCreate
from api.services import clients as client_service
from api.services import refusals as refusal_service
from api.services.guard import invisible, require


async def list_members(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> Sequence[CareTeamMember]:
    await client_service.get_visible(unit, principal, client_id)
    unit.audit("read", "care_team", client_id=client_id, subject="list")
    return (await unit.session.scalars(
        select(CareTeamMember).where(CareTeamMember.client_id == client_id)
        .order_by(CareTeamMember.from_date, CareTeamMember.id))).all()


async def add_member(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                     body: CareTeamMemberCreate) -> CareTeamMember:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    require(unit, principal, Action.care_team_manage, resource_type="care_team", client_id=client_id)
    user = await unit.session.get(UserAccount, body.user_id)
    if user is None or not user.active or not may_join_care_team(user.role):
        raise invalid_field("user_id", msg("care_team.not_staff.field"), detail=msg("care_team.not_staff"))
    # --- issue 18: refusals --- a profession or agency the client refused: 409 unless overridden.
    override = await refusal_service.check_member(unit, client_id, {body.team_role, user.role}, user.agency_id,
                                                  body.refusal_override_reason)
    start = body.from_date or today_tokyo()
    if body.to_date is not None and body.to_date < start:
        raise Problem("validation", msg("dates.reversed", later="to_date", earlier="from_date"))
    overlapping = await unit.session.scalar(
        select(CareTeamMember.id).where(
            CareTeamMember.client_id == client_id, CareTeamMember.user_id == body.user_id,
            (CareTeamMember.to_date.is_(None)) | (CareTeamMember.to_date >= start)))
    if overlapping is not None:
        raise Problem("conflict", msg("care_team.overlap"))
    member = CareTeamMember(id=body.id or uuid.uuid4(), client_id=client_id, user_id=body.user_id,
                            team_role=body.team_role, from_date=start, to_date=body.to_date)
    unit.session.add(member)
    await unit.session.flush()
    unit.audit("create", "care_team", resource_id=member.id, client_id=client_id, detail=override)
    return member


async def end_membership(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, member_id: uuid.UUID,
                         to_date: date | None, expected_version: int) -> CareTeamMember:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    member = await unit.session.scalar(
        select(CareTeamMember).where(CareTeamMember.id == member_id, CareTeamMember.client_id == client_id))
    if member is None:
        raise await invisible(unit, "care_team_member", member_id)
    require(unit, principal, Action.care_team_manage, resource_type="care_team", resource_id=member_id,
            client_id=client_id)
    check_version(member.version, expected_version)
    # Ending "today" means access ends now: the membership's last day is yesterday.
    # A membership ended on or before its first day becomes an empty period (to_date = from_date - 1).
    end = to_date if to_date is not None else today_tokyo() - timedelta(days=1)
    member.to_date = max(end, member.from_date - timedelta(days=1))
    await unit.session.flush()
    unit.audit("update", "care_team", resource_id=member.id, client_id=client_id, subject="end")
    return member
