"""Break-the-glass (緊急時の閲覧): a worker on a night call for a client in crisis who is not on the
care team may open time-limited read access by stating why. It grants the caseworker-level read
view of that one client (record, care team, consents, episodes) through its own route, never
writes; it is its own audit action (`emergency_access`, in the client's access log), sends the
webhook event `client.emergency_access` to the agencies of the client's care team and of the
supervisors of its branch, and waits in a review queue until a supervisor of the client's branch
or an auditor marks it justified or not. The queue shows how often each user has used it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select

from api.conventions import check_version
from api.db.models import (
    CareTeamMember,
    Client,
    Consent,
    EmergencyAccess,
    Episode,
    Programme,
    UserAccount,
)
from api.db.scopes import clients_visible_to, emergency_grants_reviewable_by, supervisors_of_branch
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, On
from api.domain.fiscal import today_tokyo
from api.domain.kana import normalize_kana
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem
from api.schemas.lifecycle import EmergencyAccessOpen, EmergencyReview
from api.services.events import emit
from api.services.guard import invisible, require

# Repeated use is counted over this window in the review queue.
REPEAT_WINDOW = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class EmergencyView:
    grant: EmergencyAccess
    client: Client
    care_team: Sequence[CareTeamMember]
    consents: Sequence[Consent]
    episodes: Sequence[tuple[Episode, Programme]]


async def _target(unit: RequestUnit, body: EmergencyAccessOpen) -> Client:
    stmt = select(Client)
    if body.client_id is not None:
        stmt = stmt.where(Client.id == body.client_id)
    else:
        assert body.kana is not None
        assert body.date_of_birth is not None
        stmt = stmt.where(Client.kana == normalize_kana(body.kana), Client.date_of_birth == body.date_of_birth)
    found = (await unit.session.scalars(stmt.where(Client.erased_at.is_(None)).limit(2))).all()
    if len(found) != 1:
        # Audited like any miss, naming nobody: the attempt stays in the trail though nothing is granted.
        raise await invisible(unit, "client", body.client_id)
    return found[0]


async def open_access(unit: RequestUnit, principal: Principal, body: EmergencyAccessOpen,
                      hours: float) -> EmergencyAccess:
    require(unit, principal, Action.emergency_access_open, resource_type="emergency_access")
    client = await _target(unit, body)
    if await unit.session.scalar(select(Client.id).where(Client.id == client.id, clients_visible_to(principal))):
        raise Problem("conflict", msg("emergency.already_visible"))
    now = datetime.now(UTC)
    grant = EmergencyAccess(client_id=client.id, user_id=principal.id, reason_code=body.reason_code,
                            reason_text=body.reason_text, opened_at=now, expires_at=now + timedelta(hours=hours),
                            review_status="pending")
    unit.session.add(grant)
    await unit.session.flush()
    unit.audit("emergency_access", "client", resource_id=grant.id, client_id=client.id, subject=body.reason_code,
               detail={"expires_at": grant.expires_at.isoformat(), "reason": body.reason_text})
    team_agencies = select(UserAccount.agency_id).join(CareTeamMember, CareTeamMember.user_id == UserAccount.id).where(
        CareTeamMember.client_id == client.id,
        or_(CareTeamMember.to_date.is_(None), CareTeamMember.to_date >= today_tokyo()))
    supervisor_agencies = select(UserAccount.agency_id).where(supervisors_of_branch(client.branch_code))
    agencies = set((await unit.session.scalars(team_agencies.union(supervisor_agencies))).all())
    await emit(unit, "client.emergency_access", "emergency_access", grant.id, agencies)
    return grant


async def _active_grant(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> EmergencyAccess:
    grant = await unit.session.scalar(select(EmergencyAccess).where(
        EmergencyAccess.client_id == client_id, EmergencyAccess.user_id == principal.id,
        EmergencyAccess.expires_at > func.now()).order_by(EmergencyAccess.expires_at.desc()).limit(1))
    if grant is None:
        raise await invisible(unit, "client", client_id)
    return grant


async def view(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> EmergencyView:
    """The caseworker-level read view, while the caller's grant lasts; 404 otherwise (as for any
    client it does not see)."""
    require(unit, principal, Action.emergency_access_open, resource_type="client")
    grant = await _active_grant(unit, principal, client_id)
    session = unit.session
    client = await session.get(Client, client_id)
    assert client is not None
    team = (await session.scalars(select(CareTeamMember).where(
        CareTeamMember.client_id == client_id,
        or_(CareTeamMember.to_date.is_(None), CareTeamMember.to_date >= today_tokyo()))
        .order_by(CareTeamMember.from_date))).all()
    consents = (await session.scalars(select(Consent).where(Consent.client_id == client_id)
                                      .order_by(Consent.sequence))).all()
    episodes = [(e, p) for e, p in (await session.execute(
        select(Episode, Programme).join(Programme, Programme.id == Episode.programme_id)
        .where(Episode.client_id == client_id).order_by(Episode.proposed_on))).all()]
    unit.audit("read", "client", resource_id=client_id, client_id=client_id, subject="emergency",
               detail={"grant": str(grant.id)})
    return EmergencyView(grant, client, team, consents, episodes)


async def queue(unit: RequestUnit, principal: Principal, status: str | None
                ) -> list[tuple[EmergencyAccess, str, int]]:
    """Grants to review, newest first, each with its user's name and how many grants that user
    opened in the last 90 days (repeated use stands out)."""
    require(unit, principal, Action.emergency_access_review, resource_type="emergency_access")
    recent = (select(func.count(EmergencyAccess.id)).where(
        EmergencyAccess.user_id == UserAccount.id, EmergencyAccess.opened_at > func.now() - REPEAT_WINDOW)
        .correlate(UserAccount).scalar_subquery())
    stmt = (select(EmergencyAccess, UserAccount.display_name, recent)
            .join(UserAccount, UserAccount.id == EmergencyAccess.user_id)
            .where(emergency_grants_reviewable_by(principal)))
    if status is not None:
        stmt = stmt.where(EmergencyAccess.review_status == status)
    rows = (await unit.session.execute(stmt.order_by(EmergencyAccess.opened_at.desc()).limit(500))).all()
    for grant, _, _ in rows:
        unit.audit("read", "emergency_access", resource_id=grant.id, client_id=grant.client_id, subject="review")
    return [(g, name, int(count)) for g, name, count in rows]


async def review(unit: RequestUnit, principal: Principal, grant_id: uuid.UUID, body: EmergencyReview,
                 expected_version: int) -> EmergencyAccess:
    require(unit, principal, Action.emergency_access_review, resource_type="emergency_access")
    grant = await unit.session.scalar(select(EmergencyAccess).where(
        EmergencyAccess.id == grant_id, emergency_grants_reviewable_by(principal)).with_for_update())
    if grant is None:
        raise await invisible(unit, "emergency_access", grant_id)
    check_version(grant.version, expected_version)
    # Nobody reviews their own: the rule's condition on the grant's user.
    require(unit, principal, Action.emergency_access_review, On(user_id=grant.user_id),
            resource_type="emergency_access", resource_id=grant.id, client_id=grant.client_id)
    grant.review_status = "justified" if body.justified else "unjustified"
    grant.reviewed_by, grant.reviewed_at, grant.review_note = principal.id, datetime.now(UTC), body.note
    await unit.session.flush()
    unit.audit("update", "emergency_access", resource_id=grant.id, client_id=grant.client_id,
               subject=grant.review_status)
    return grant
