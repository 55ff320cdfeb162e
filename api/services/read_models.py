"""The full read model of each record, handed to the one shaping step (api.services.shaping)
before it leaves: routers, exports and the change feed all show records through these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from api.db.models import Activity, CareTeamMember, Client, Consent, Episode, Goal, Programme
from api.domain import consent_rules
from api.domain.access_rules import is_third_party
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.schemas.clients import (
    CareTeamMemberRead,
    ClientRead,
    ConsentRead,
)
from api.schemas.episodes import (
    ActivityRead,
    DecisionRead,
    EpisodeDetail,
    EpisodeRead,
    GoalRead,
    StatusChangeRead,
)
from api.schemas.referrals import (
    ReferralDetail,
    ReferralPartnerDetail,
    ReferralPartnerRead,
    ReferralRead,
    ServiceVacancy,
)
from api.schemas.referrals import StatusChangeRead as ReferralStatusChangeRead
from api.services import episodes as episode_service
from api.services import referrals as referral_service
from api.services.referrals import Seen
from api.services.shaping import Shaped, shape, shape_rows

# ---------------------------------------------------------------- the full read models ----


def client_read(client: Client) -> ClientRead:
    return ClientRead.model_validate(client, from_attributes=True)


def client_view(principal: Principal, client: Client) -> Shaped:
    return shape(principal, client_read(client))


def client_rows(principal: Principal, clients: Sequence[Any]) -> list[dict[str, Any]]:
    """`client_view` of a page of clients, in one validation and one serialisation."""
    return shape_rows(principal, ClientRead, clients)


def consent_read(consent: Consent) -> ConsentRead:
    fields = {k: getattr(consent, k) for k in ConsentRead.model_fields if k != "status"}
    return ConsentRead(**fields, status=consent_rules.status_of(consent, today_tokyo()).value)


def consent_view(principal: Principal, consent: Consent) -> Shaped:
    return shape(principal, consent_read(consent))


def episode_read(episode: Episode, programme: Programme | str) -> EpisodeRead:
    return episode_service.read_model(episode, programme)


def episode_view(principal: Principal, episode: Episode, programme: Programme | str) -> Shaped:
    return shape(principal, episode_read(episode, programme))


def episode_detail_view(principal: Principal, episode: Episode, programme: Programme, history: Sequence[Any],
                        decisions: Sequence[Any]) -> Shaped:
    detail = EpisodeDetail.model_construct(
        **dict(episode_read(episode, programme)),
        history=[StatusChangeRead.model_validate(h, from_attributes=True) for h in history],
        decisions=[DecisionRead.model_validate(d, from_attributes=True) for d in decisions],
    )
    return shape(principal, detail)


def goal_view(principal: Principal, goal: Goal) -> Shaped:
    return shape(principal, GoalRead.model_validate(goal, from_attributes=True))


def activity_read(activity: Activity) -> ActivityRead:
    return ActivityRead.model_validate(activity, from_attributes=True)


def activity_view(principal: Principal, activity: Activity) -> Shaped:
    return shape(principal, activity_read(activity))


def member_view(principal: Principal, member: CareTeamMember) -> Shaped:
    return shape(principal, CareTeamMemberRead.model_validate(member, from_attributes=True))


def referral_read(principal: Principal, seen: Seen) -> ReferralRead | ReferralPartnerRead:
    """Staff who can see the client get the sending side's view; everyone else (partners,
    receiving coordinators) only the snapshot that was shared (api.services.referrals.read_fields)."""
    return referral_service.seen_read_model(principal, seen)


def referral_view(principal: Principal, seen: Seen) -> Shaped:
    return shape(principal, referral_read(principal, seen))


def referral_detail_view(principal: Principal, seen: Seen, history: Sequence[Any],
                         vacancy: ServiceVacancy | None = None) -> Shaped:
    base = referral_read(principal, seen)
    changes = [ReferralStatusChangeRead.model_validate(h, from_attributes=True) for h in history]
    detail: BaseModel
    if isinstance(base, ReferralRead):
        detail = ReferralDetail.model_construct(**dict(base), history=changes, service_vacancy=vacancy)
    else:
        detail = ReferralPartnerDetail.model_construct(**dict(base), history=changes, service_vacancy=vacancy)
    return shape(principal, detail)


def referral_view_model(principal: Principal) -> type[ReferralRead] | type[ReferralPartnerRead]:
    """Exports: staff get the sending side's columns; partners only the shared snapshot's."""
    return ReferralPartnerRead if is_third_party(principal) else ReferralRead
