"""Row visibility, decided once per resource: `*_visible_to(principal)` returns the WHERE clause
that list, detail, export, change feed and statistics queries all use. Invisible rows answer 404.
The role sets come from the action policy (api.domain.access_rules), never spelled out here."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, any_, exists, false, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from api.db.models import (
    Activity,
    AdviceRequest,
    CareTeamMember,
    Client,
    ClientRefusal,
    Consent,
    EmergencyAccess,
    Episode,
    Goal,
    Intake,
    Referral,
    RelatedPerson,
    RiskFlag,
    Service,
    ServiceUse,
    StaffActivity,
    SupportPlan,
    UserAccount,
    WebhookSubscription,
)
from api.domain.access_rules import CARE_ROLES, Action, anywhere, can, is_third_party, only_own_agency
from api.domain.episode_transitions import EpisodeStatus
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.domain.resource_directory import PUBLIC_STATUSES
from api.domain.roles import Role


def on_care_team(principal: Principal, client_id: Any, on: date | None = None) -> ColumnElement[bool]:
    day = on or today_tokyo()
    return exists().where(
        CareTeamMember.client_id == client_id,
        CareTeamMember.user_id == principal.id,
        CareTeamMember.from_date <= day,
        or_(CareTeamMember.to_date.is_(None), CareTeamMember.to_date >= day),
    )


def clients_visible_to(principal: Principal) -> ColumnElement[bool]:
    if principal.is_machine:
        return false()
    role = principal.role
    if role == Role.supervisor:
        return or_(Client.branch_code.in_(sorted(principal.branches)), on_care_team(principal, Client.id))
    if role in (Role.caseworker, Role.mental_care_worker, Role.public_health_nurse, Role.peer_supporter):
        return on_care_team(principal, Client.id)
    if role == Role.coordinator:
        run_by_agency = exists().where(
            Episode.client_id == Client.id, Episode.operating_agency_id == principal.agency_id,
            Episode.status != EpisodeStatus.CANCELLED,
        )
        return or_(run_by_agency, on_care_team(principal, Client.id))
    return false()


# The same rules as SQL text, for the pre-built statements of the hot reads (client detail and list,
# episode list, referral lists), which run on the driver connection without building an expression
# per request. Each takes the alias of its row in the statement and the statement's `Binds`.
# tests/api/test_hot_reads.py checks that the text and the expression select the same rows for every
# principal it can make.
class Binds:
    """The positional parameters of a statement being written: `bind(value, "uuid")` keeps the value
    and returns its placeholder, `$n::uuid`."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any, cast: str) -> str:
        self.values.append(value)
        return f"${len(self.values)}::{cast}"


def clients_visible_sql(principal: Principal, client: str, bind: Binds) -> str:
    """`clients_visible_to` over the alias `client` of a `client` row."""
    role = principal.role
    if principal.is_machine or role not in _SEES_CLIENTS:
        return "false"  # before binding anything: a statement may not carry parameters it never uses
    user, day = bind(principal.id, "uuid"), bind(today_tokyo(), "date")
    team = (f"EXISTS (SELECT 1 FROM care_team_member t WHERE t.client_id = {client}.id AND t.user_id = {user} "
            f"AND t.from_date <= {day} AND (t.to_date IS NULL OR t.to_date >= {day}))")
    if role == Role.supervisor:
        return f"({client}.branch_code = ANY({bind(sorted(principal.branches), 'varchar[]')}) OR {team})"
    if role == Role.coordinator:
        run_by_agency = (f"EXISTS (SELECT 1 FROM episode x WHERE x.client_id = {client}.id "
                         f"AND x.operating_agency_id = {bind(principal.agency_id, 'uuid')} "
                         f"AND x.status <> '{EpisodeStatus.CANCELLED.value}')")
        return f"({run_by_agency} OR {team})"
    return team


_SEES_CLIENTS = (Role.supervisor, Role.coordinator, Role.caseworker, Role.mental_care_worker,
                 Role.public_health_nurse, Role.peer_supporter)


def client_visible_sql(principal: Principal, client_id: str, bind: Binds) -> str:
    """`client_visible`: the rule as a predicate on the SQL `client_id` of a child row."""
    return (f"EXISTS (SELECT 1 FROM client cv WHERE cv.id = {client_id} "
            f"AND {clients_visible_sql(principal, 'cv', bind)})")


def episodes_visible_sql(principal: Principal, episode: str, bind: Binds) -> str:
    """`episodes_visible_to` over the alias `episode`."""
    if principal.is_machine or principal.role not in CARE_ROLES:
        return "false"
    return client_visible_sql(principal, f"{episode}.client_id", bind)


def referrals_sent_by_sql(principal: Principal, referral: str, bind: Binds) -> str:
    """`referrals_sent_by` over the alias `referral`."""
    if can(principal, Action.referral_send) is not None:
        return "false"
    same_agency = f"{referral}.from_agency_id = {bind(principal.agency_id, 'uuid')}"
    if is_third_party(principal):
        return same_agency
    return (f"({same_agency} AND ({referral}.requester_id = {bind(principal.id, 'uuid')} "
            f"OR {client_visible_sql(principal, f'{referral}.client_id', bind)}))")


def referrals_addressed_to_sql(principal: Principal, referral: str, bind: Binds) -> str:
    """`referrals_addressed_to` over the alias `referral`."""
    if can(principal, Action.referral_answer) is not None:
        return "false"
    return f"({referral}.to_agency_id = {bind(principal.agency_id, 'uuid')} AND {referral}.status <> 'draft')"


def referrals_of_visible_clients_sql(principal: Principal, referral: str, bind: Binds) -> str:
    """`referrals_of_visible_clients` over the alias `referral`."""
    if is_third_party(principal) or can(principal, Action.referral_send) is not None:
        return "false"
    return client_visible_sql(principal, f"{referral}.client_id", bind)


def referrals_visible_sql(principal: Principal, referral: str, bind: Binds) -> str:
    """`referrals_visible_to` over the alias `referral`."""
    return (f"({referrals_sent_by_sql(principal, referral, bind)} "
            f"OR {referrals_addressed_to_sql(principal, referral, bind)} "
            f"OR {referrals_of_visible_clients_sql(principal, referral, bind)})")


def client_visible(principal: Principal, client_id: object) -> ColumnElement[bool]:
    """The same rule as a predicate on one client id (for child resources: episodes, consents…)."""
    return exists(select(Client.id).where(Client.id == client_id, clients_visible_to(principal)))


def episodes_visible_to(principal: Principal) -> ColumnElement[bool]:
    if principal.is_machine or principal.role not in CARE_ROLES:
        return false()
    return and_(true(), client_visible(principal, Episode.client_id))


def referrals_sent_by(principal: Principal) -> ColumnElement[bool]:
    """The sending side (`box=outgoing`): partners act for their whole agency; staff who may send
    see their agency's referrals of clients they can see, and the ones they sent themselves."""
    if can(principal, Action.referral_send) is not None:
        return false()
    same_agency = Referral.from_agency_id == principal.agency_id
    if is_third_party(principal):
        return same_agency
    return and_(same_agency, or_(Referral.requester_id == principal.id, client_visible(principal, Referral.client_id)))


def referrals_addressed_to(principal: Principal) -> ColumnElement[bool]:
    """The receiving side (`box=incoming`): the target agency's partners and coordinators, once
    the referral has been sent (a draft is the sender's alone)."""
    if can(principal, Action.referral_answer) is not None:
        return false()
    return and_(Referral.to_agency_id == principal.agency_id, Referral.status != "draft")


def referrals_of_visible_clients(principal: Principal) -> ColumnElement[bool]:
    """Staff who may send referrals see every referral of a client they can see: the care team
    works as one team. Partners never: they see only their own agency's referrals."""
    if is_third_party(principal) or can(principal, Action.referral_send) is not None:
        return false()
    return client_visible(principal, Referral.client_id)


def referrals_visible_to(principal: Principal) -> ColumnElement[bool]:
    return or_(referrals_sent_by(principal), referrals_addressed_to(principal),
               referrals_of_visible_clients(principal))


def referable_clients(principal: Principal) -> ColumnElement[bool]:
    """Clients a principal may start a new referral chain for: staff who may send, the clients they
    see; a hospital's partners, the hospital's own inpatients (whose record they never read).
    Onward referrals (part_of) take their client from the parent instead."""
    if can(principal, Action.referral_send) is not None:
        return false()
    if is_third_party(principal):
        return and_(Client.hospital_agency_id == principal.agency_id, Client.active.is_(True))
    return and_(clients_visible_to(principal), Client.active.is_(True))


def goals_visible_to(principal: Principal) -> ColumnElement[bool]:
    return exists(select(Episode.id).where(Episode.id == Goal.episode_id, episodes_visible_to(principal)))


def activities_visible_to(principal: Principal) -> ColumnElement[bool]:
    if principal.is_machine or principal.role not in CARE_ROLES:
        return false()
    visible = client_visible(principal, Activity.client_id)
    if principal.role == Role.peer_supporter:
        return and_(visible, Activity.performer_id == principal.id)  # others' notes are not theirs to read
    return visible


def day_activities_visible_to(principal: Principal, performer_id: object) -> ColumnElement[bool]:
    """A worker's day (GET /v1/activities): all of one's own records, even of clients one no longer
    sees (they are one's own work); of another worker's day, only the clients the reader may see."""
    if performer_id == principal.id:
        return true()
    return client_visible(principal, Activity.client_id)


def consents_visible_to(principal: Principal) -> ColumnElement[bool]:
    return client_visible(principal, Consent.client_id)


def care_team_visible_to(principal: Principal) -> ColumnElement[bool]:
    return client_visible(principal, CareTeamMember.client_id)


def episodes_counted_for_statistics(principal: Principal) -> ColumnElement[bool]:
    """Aggregates are ward-wide for every statistics reader (see Action.statistics_read)."""
    return true() if can(principal, Action.statistics_read) is None else false()


def subscriptions_visible_to(principal: Principal) -> ColumnElement[bool]:
    """Webhook subscriptions: every agency's for whom the policy allows anywhere (the admin), the
    own agency's for the others it allows (partners), none otherwise."""
    if anywhere(principal, Action.webhook_manage):
        return true()
    if only_own_agency(principal, Action.webhook_manage):
        return WebhookSubscription.agency_id == principal.agency_id
    return false()


def services_visible_to(principal: Principal | None) -> ColumnElement[bool]:
    """Directory listings: active and temporarily closed ones for everyone, signed in or not; a
    withdrawn (inactive) one for its own agency and the admin."""
    public = Service.status.in_(PUBLIC_STATUSES)
    if principal is None:
        return public
    if anywhere(principal, Action.withdrawn_listing_read):
        return true()
    return or_(public, Service.agency_id == principal.agency_id)


def emergency_grants_reviewable_by(principal: Principal) -> ColumnElement[bool]:
    """Break-the-glass grants a reviewer sees: every one for an auditor, those on clients of its
    branches for a supervisor, none for anyone else."""
    if principal.role == Role.auditor:
        return true()
    if principal.role == Role.supervisor:
        branch_clients = select(Client.id).where(Client.branch_code.in_(sorted(principal.branches)))
        return EmergencyAccess.client_id.in_(branch_clients)
    return false()


def supervisors_of_branch(branch_code: str) -> ColumnElement[bool]:
    """The users who supervise a branch office (they hear of break-the-glass on its clients)."""
    return and_(UserAccount.role == Role.supervisor, literal(branch_code) == any_(UserAccount.branch_codes))


# --- issue 18: households, refusals, service use and risk ---
def _case_notes(principal: Principal, action: Action, client_id: Any) -> ColumnElement[bool]:
    """A client's case notes (family, refusals, services, risks): the client's rows for whoever sees
    the client and may read that kind of note (the professions; never peer supporters); the same rule
    the routes apply, so an export or the change feed shows no more than the routes do."""
    if principal.is_machine or can(principal, action) is not None:
        return false()
    return client_visible(principal, client_id)


def related_persons_visible_to(principal: Principal) -> ColumnElement[bool]:
    return _case_notes(principal, Action.household_read, RelatedPerson.client_id)


def refusals_visible_to(principal: Principal) -> ColumnElement[bool]:
    return _case_notes(principal, Action.refusal_read, ClientRefusal.client_id)


def service_uses_visible_to(principal: Principal) -> ColumnElement[bool]:
    return _case_notes(principal, Action.service_use_read, ServiceUse.client_id)


def risk_flags_visible_to(principal: Principal) -> ColumnElement[bool]:
    return _case_notes(principal, Action.risk_flag_read, RiskFlag.client_id)


# --- issue 18: support plans ---
def support_plans_visible_to(principal: Principal) -> ColumnElement[bool]:
    """A support plan is seen by whoever sees its episode."""
    return exists(select(Episode.id).where(Episode.id == SupportPlan.episode_id, episodes_visible_to(principal)))


# --- issue 18: consultations without a client record, and intakes ---
def advice_requests_visible_to(principal: Principal) -> ColumnElement[bool]:
    """An advice request is between two people: the one who asked and the specialist asked."""
    if principal.is_machine or can(principal, Action.advice_read) is not None:
        return false()
    return or_(AdviceRequest.asker_id == principal.id, AdviceRequest.specialist_id == principal.id)


def staff_activities_visible_to(principal: Principal) -> ColumnElement[bool]:
    """One's own staff activities; a supervisor also those of the workers of its branch offices."""
    if principal.is_machine or can(principal, Action.staff_activity_record) is not None:
        return false()
    own = StaffActivity.performer_id == principal.id
    if principal.role == Role.supervisor:
        branch_staff = select(UserAccount.id).where(
            or_(false(), *[literal(b) == any_(UserAccount.branch_codes) for b in sorted(principal.branches)]))
        return or_(own, StaffActivity.performer_id.in_(branch_staff))
    return own


def intakes_visible_to(principal: Principal) -> ColumnElement[bool]:
    """Enquiries are the receiving agency's: its professional staff see them; a supervisor also the
    enquiries about people of its branch offices, as with the client list. Peer supporters never."""
    if principal.is_machine or can(principal, Action.intake_read) is not None:
        return false()
    own_agency = Intake.agency_id == principal.agency_id
    if principal.role == Role.supervisor:
        return or_(own_agency, Intake.branch_code.in_(sorted(principal.branches)))
    return own_agency

# --- issue 18: what the council reports (item 9) ---
def meetings_visible_to(principal: Principal) -> ColumnElement[bool]:
    """Every signed-in principal reads meetings (GET /v1/meetings): the row is everyone's; what a
    closed (非公開) agenda item says is withheld by the views, never by the row."""
    return true()
