"""Whose record is this: the client a stored row belongs to, whoever asks. Used only to name the
client in the audit trail when a caller is refused a record it may not see (issue 14, finding 6):
the answer never reaches the caller."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Activity,
    AdviceRequest,
    CareTeamMember,
    Client,
    Consent,
    CorrectionRequest,
    EmergencyAccess,
    Episode,
    Goal,
    Intake,
    Referral,
    SupportPlan,
)

_OWNER: dict[str, Callable[[uuid.UUID], Select[Any]]] = {
    "client": lambda rid: select(Client.id).where(Client.id == rid),
    "episode": lambda rid: select(Episode.client_id).where(Episode.id == rid),
    "consent": lambda rid: select(Consent.client_id).where(Consent.id == rid),
    "goal": lambda rid: select(Episode.client_id).join(Goal, Goal.episode_id == Episode.id).where(Goal.id == rid),
    "activity": lambda rid: select(Activity.client_id).where(Activity.id == rid),
    "care_team_member": lambda rid: select(CareTeamMember.client_id).where(CareTeamMember.id == rid),
    "referral": lambda rid: select(Referral.client_id).where(Referral.id == rid),
    "correction_request": lambda rid: select(CorrectionRequest.client_id).where(CorrectionRequest.id == rid),
    "emergency_access": lambda rid: select(EmergencyAccess.client_id).where(EmergencyAccess.id == rid),
    # --- issue 18: support plans ---
    "support_plan": lambda rid: select(SupportPlan.client_id).where(SupportPlan.id == rid),
    # --- issue 18: consultations without a client record, and intakes ---
    "advice_request": lambda rid: select(AdviceRequest.client_id).where(AdviceRequest.id == rid),
    "intake": lambda rid: select(Intake.client_id).where(Intake.id == rid),
}


async def client_of(session: AsyncSession, resource_type: str, resource_id: object) -> uuid.UUID | None:
    """The client the row belongs to; None for a random id or a kind of record no client owns."""
    query = _OWNER.get(resource_type)
    if query is None or not isinstance(resource_id, uuid.UUID):
        return None
    found: uuid.UUID | None = await session.scalar(query(resource_id))
    return found
