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
from api.services import consents as consent_service
from api.services import episodes as episode_service


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
