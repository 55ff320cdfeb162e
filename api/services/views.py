"""What each role sees of each record, in one place: the routers, the exports and the change feed
all shape records through these."""

from __future__ import annotations

from api.db.models import Activity, CareTeamMember, Client, Consent, Episode, Goal, Programme
from api.domain.access_rules import sees_sensitive
from api.domain.episode_transitions import EPISODE_TRANSITIONS, EpisodeStatus
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.schemas.clients import CareTeamMemberRead, ClientPeerRead, ClientRead, ConsentRead
from api.schemas.episodes import ActivityRead, EpisodeRead, GoalRead
from api.schemas.referrals import ReferralPartnerRead, ReferralRead
from api.services import consents as consent_service
from api.services import episodes as episode_service
from api.services.referrals import Seen


def client_view(principal: Principal, client: Client) -> ClientRead | ClientPeerRead:
    if sees_sensitive(principal):
        return ClientRead.model_validate(client, from_attributes=True)
    return ClientPeerRead.model_validate(client, from_attributes=True)


def client_view_model(principal: Principal) -> type[ClientRead] | type[ClientPeerRead]:
    return ClientRead if sees_sensitive(principal) else ClientPeerRead


def consent_view(consent: Consent) -> ConsentRead:
    fields = {k: getattr(consent, k) for k in ConsentRead.model_fields if k != "status"}
    return ConsentRead(**fields, status=consent_service.status_of(consent, today_tokyo()))


def episode_view(episode: Episode, programme: Programme | str) -> EpisodeRead:
    fields = {k: getattr(episode, k) for k in EpisodeRead.model_fields
              if k not in ("programme_code", "overdue", "allowed_actions")}
    code = programme if isinstance(programme, str) else programme.code
    return EpisodeRead(**fields, programme_code=code, overdue=episode_service.is_overdue(episode),
                       allowed_actions=EPISODE_TRANSITIONS.allowed_actions(EpisodeStatus(episode.status)))


def goal_view(goal: Goal) -> GoalRead:
    return GoalRead.model_validate(goal, from_attributes=True)


def activity_view(activity: Activity) -> ActivityRead:
    return ActivityRead.model_validate(activity, from_attributes=True)


def member_view(member: CareTeamMember) -> CareTeamMemberRead:
    return CareTeamMemberRead.model_validate(member, from_attributes=True)


def referral_view(principal: Principal, seen: Seen) -> ReferralRead | ReferralPartnerRead:
    """Staff who can see the client get the sending side's view; everyone else (partners,
    receiving coordinators) only the snapshot that was shared."""
    r = seen.referral
    common = {
        "id": r.id, "from_agency_id": r.from_agency_id, "to_agency_id": r.to_agency_id,
        "to_service_id": r.to_service_id, "part_of": r.part_of_id, "purpose": r.purpose, "priority": r.priority,
        "reason": r.reason, "due_on": r.due_on, "status": r.status, "status_reason": r.status_reason,
        "business_status": r.business_status, "shared_fields": list(r.shared_fields),
        "shared_snapshot": dict(r.shared_snapshot or {}), "sent_at": r.sent_at, "overdue": seen.overdue,
        "allowed_actions": seen.allowed_actions(), "created_at": r.created_at, "updated_at": r.updated_at,
        "version": r.version,
    }
    if seen.sees_client and not principal.is_machine:
        return ReferralRead(**common, client_id=r.client_id, episode_id=r.episode_id, consent_id=r.consent_id,
                            needs_summary=r.needs_summary, requester_id=r.requester_id)
    return ReferralPartnerRead(**common)


def referral_view_model(principal: Principal) -> type[ReferralRead] | type[ReferralPartnerRead]:
    """Exports: staff get the sending side's columns; partners only the shared snapshot's."""
    return ReferralPartnerRead if principal.is_machine or principal.role == "partner" else ReferralRead
