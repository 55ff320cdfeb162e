"""Who may do what, by role: small pure rules returning allow or a reason (docs/architecture.md, "Access").

Which *rows* a principal sees is decided in api/db/scopes.py and which *fields* of a row in
api/domain/field_policy.py; this module decides actions. Every route and service asks `can`
(through the one guard, api/services/guard.py, which also audits every refusal); nothing else in
the code compares roles (tests/unit/test_architecture.py keeps it so)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from api.domain.principal import Principal
from api.domain.resource_directory import PUBLIC_STATUSES
from api.domain.roles import Role
from api.messages import Msg, msg


class Action(StrEnum):
    client_create = "client.create"
    client_update = "client.update"
    client_deactivate = "client.deactivate"
    consent_record = "consent.record"
    consent_withdraw = "consent.withdraw"
    care_team_manage = "care_team.manage"
    episode_propose = "episode.propose"
    episode_decide = "episode.decide"  # start, extend, finish: support-meeting decisions
    episode_hold = "episode.hold"  # hold, resume
    episode_cancel = "episode.cancel"
    goal_write = "goal.write"
    activity_record = "activity.record"
    worker_day_read = "activity.worker_day"
    access_log_read = "client.access_log"
    referral_send = "referral.send"  # send and cancel, for the sending agency
    referral_answer = "referral.answer"  # receive, accept, reject, start, complete, fail
    programme_manage = "programme.manage"
    client_list = "client.list"  # lists of clients, episodes and activities
    statistics_read = "statistics.read"
    workload_per_worker_read = "statistics.workload_per_worker"
    records_export = "records.export"
    referrals_export = "referrals.export"
    meetings_export = "meetings.export"
    changes_read = "changes.read"
    identity_manage = "identity.manage"  # agencies, users, machine clients
    audit_read = "audit.read"
    meeting_manage = "meeting.manage"
    meeting_closed_item_read = "meeting.closed_item_read"  # summary and figures of 非公開 agenda items
    webhook_manage = "webhook.manage"
    listing_edit = "listing.edit"  # directory listings: services and locations
    capacity_edit = "capacity.edit"  # vacancies of a listed service
    withdrawn_listing_read = "listing.read_withdrawn"  # an inactive (withdrawn) listing
    directory_agencies = "directory.agencies"  # the staff directory: whom to refer to, invite, present
    directory_users = "directory.users"
    import_run = "import.run"  # bulk import of clients, consents and activities from spreadsheets
    client_disclose = "client.disclose"  # the disclosure package (開示請求)
    correction_request = "correction.request"  # record and read correction requests (訂正請求)
    correction_decide = "correction.decide"
    retention_preview = "retention.preview"  # which records the next retention run would erase
    emergency_access_open = "emergency_access.open"  # break-the-glass: time-limited read of any client
    emergency_access_review = "emergency_access.review"  # the review queue: justified or not
    # --- issue 18: households, refusals, service use and risk ---
    household_read = "household.read"  # a client's related persons (family, household)
    household_write = "household.write"  # record them, and link one to another client record
    refusal_read = "refusal.read"  # professions and agencies the client refused
    refusal_record = "refusal.record"  # record or end a refusal
    service_use_read = "service_use.read"  # services the client uses (作業所, ホームヘルプ …)
    service_use_write = "service_use.write"
    risk_flag_read = "risk_flag.read"  # coded risks with a review date, and the list due for review
    risk_flag_write = "risk_flag.write"
    # --- issue 18: support plans ---
    support_plan_write = "support_plan.write"  # draft, edit and publish a version of the shared plan
    support_plan_acknowledge = "support_plan.acknowledge"  # "I have read the current version"
    # --- issue 18: schedules ---
    schedule_read = "schedule.read"  # a worker's working pattern, leave and days against capacity
    schedule_manage = "schedule.manage"  # set a worker's working pattern and leave
    # --- issue 18: consultations without a client record, and intakes ---
    advice_ask = "advice_request.ask"  # ask a specialist for advice (「専門的な視点で助言してほしい」)
    advice_answer = "advice_request.answer"  # answer a request addressed to oneself
    advice_read = "advice_request.read"  # the inboxes: requests one asked or was asked
    staff_activity_record = "staff_activity.record"  # staff work tied to no client
    intake_record = "intake.record"  # record, update and triage enquiries (相談受付)
    intake_read = "intake.read"
    intake_convert = "intake.convert"  # register the person as a client


@dataclass(frozen=True, slots=True)
class On:
    """Facts about the record an action is on, for the rules that depend on more than the role.
    A route-level check (no record yet) passes none."""

    agency_id: uuid.UUID | None = None  # the agency that owns the record
    user_id: uuid.UUID | None = None  # the worker whose record it is
    kind: str | None = None  # an activity's kind
    side: str | None = None  # a referral action's side ("sender" or "receiver") …
    on_side: bool | None = None  # … and whether the caller's agency is on it
    step: str | None = None  # the referral action, for the refusal


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role]  # may, on any record
    own_agency: frozenset[Role] = frozenset()  # may, on the records their own agency owns
    condition: Callable[[Principal, On], Msg | None] | None = None  # a further rule on the record's facts
    refusal: str | None = None  # a message key; None: "You may not <the action's label>."
    own_agency_refusal: str = "forbidden.own_agency"  # a message key


_R = Role
PROFESSIONALS = frozenset({_R.supervisor, _R.caseworker, _R.mental_care_worker, _R.public_health_nurse,
                           _R.coordinator})
# Roles that work on individual clients through a care team (and so may be put on one).
CARE_ROLES = PROFESSIONALS | {_R.peer_supporter}
# Roles a client's registered caseworker may have.
CASEWORKER_ROLES = frozenset({_R.caseworker, _R.supervisor})
# Third parties to a client record (APPI 第三者): they see a referral's shared snapshot only, and
# every pull of it is a provision record.
THIRD_PARTIES = frozenset({_R.partner})
_EVERY_ROLE = frozenset(Role)


def _peer_records_peer_support(principal: Principal, on: On) -> Msg | None:
    if principal.role == _R.peer_supporter and on.kind is not None and on.kind != "peer_support":
        return msg("forbidden.peer_activity")
    return None


def _others_day_for_supervisors(principal: Principal, on: On) -> Msg | None:
    if on.user_id is not None and on.user_id != principal.id and principal.role != _R.supervisor:
        return msg("forbidden.other_worker_day")
    return None


def _on_its_side(principal: Principal, on: On) -> Msg | None:
    if on.on_side is False:
        who = msg("side.sending" if on.side == "sender" else "side.receiving")
        return msg("forbidden.referral_side", side=who, action=on.step or "act on")
    return None


# --- issue 18: consultations without a client record, and intakes ---
# Whom a caseworker may ask for professional advice: the mental-care workers and public health nurses.
SPECIALISTS = frozenset({_R.mental_care_worker, _R.public_health_nurse})


def _addressed_to_oneself(principal: Principal, on: On) -> Msg | None:
    if on.user_id is not None and on.user_id != principal.id:
        return msg("forbidden.advice_not_yours")
    return None


def _own_staff_activity(principal: Principal, on: On) -> Msg | None:
    if on.user_id is not None and on.user_id != principal.id:
        return msg("forbidden.staff_activity_not_yours")
    return None


def may_be_asked_for_advice(role: str) -> bool:
    return role in SPECIALISTS


def _not_ones_own(principal: Principal, on: On) -> Msg | None:
    if on.user_id is not None and on.user_id == principal.id:
        return msg("emergency.own_review")
    return None


RULES: Mapping[Action, Rule] = MappingProxyType(
    {
        Action.client_create: Rule(frozenset({_R.supervisor, _R.caseworker})),
        # Whoever may create clients may import them; each row is still checked as its own request would be.
        Action.import_run: Rule(frozenset({_R.supervisor, _R.caseworker})),
        # A disclosure or correction request is handled by the client's ward division; the decision and
        # the retention schedule are the supervisor's (係長).
        Action.client_disclose: Rule(frozenset({_R.supervisor, _R.caseworker})),
        Action.correction_request: Rule(frozenset({_R.supervisor, _R.caseworker})),
        Action.correction_decide: Rule(frozenset({_R.supervisor})),
        Action.retention_preview: Rule(frozenset({_R.supervisor})),
        # Whoever answers a crisis call for a client may need the record at night: the professions on
        # care teams. Peer supporters and partners never; the reading is reviewed afterwards.
        Action.emergency_access_open: Rule(PROFESSIONALS),
        Action.emergency_access_review: Rule(frozenset({_R.supervisor, _R.auditor}), condition=_not_ones_own),
        Action.client_update: Rule(PROFESSIONALS),
        Action.client_deactivate: Rule(frozenset({_R.supervisor, _R.caseworker})),
        Action.consent_record: Rule(PROFESSIONALS),
        Action.consent_withdraw: Rule(CARE_ROLES),  # the client's wish, whoever hears it
        Action.care_team_manage: Rule(frozenset({_R.supervisor, _R.caseworker})),
        Action.episode_propose: Rule(frozenset({_R.supervisor, _R.caseworker})),
        Action.episode_decide: Rule(frozenset({_R.supervisor})),
        Action.episode_hold: Rule(frozenset({_R.supervisor, _R.caseworker, _R.mental_care_worker, _R.coordinator})),
        Action.episode_cancel: Rule(frozenset({_R.supervisor, _R.caseworker})),
        Action.goal_write: Rule(frozenset({_R.supervisor, _R.caseworker, _R.mental_care_worker, _R.coordinator})),
        Action.activity_record: Rule(CARE_ROLES, condition=_peer_records_peer_support),
        # Everyone who works with clients sees their own day; supervisors other workers' days too.
        Action.worker_day_read: Rule(CARE_ROLES, condition=_others_day_for_supervisors),
        Action.access_log_read: Rule(frozenset({_R.supervisor, _R.caseworker})),
        # Partners send too: a hospital for its own inpatients, any partner onward from a referral
        # it accepted (api.db.scopes.referable_clients decides which clients each may refer).
        Action.referral_send: Rule(PROFESSIONALS | THIRD_PARTIES, condition=_on_its_side),
        # Only the receiving agency answers: its partner staff and systems, or its coordinators.
        Action.referral_answer: Rule(frozenset({_R.partner, _R.coordinator}), condition=_on_its_side),
        Action.programme_manage: Rule(frozenset({_R.admin})),
        Action.client_list: Rule(CARE_ROLES),
        # Supervisors get the same ward-wide, suppressed aggregates as the dashboard: one published
        # set of figures for everyone, so no reader can difference two differently suppressed tables.
        Action.statistics_read: Rule(frozenset({_R.analyst, _R.supervisor, _R.secretariat})),
        # Workload by named worker is about the staff a supervisor manages (see sees_worker_load);
        # every other reader gets it per branch office, perturbed like the rest.
        Action.workload_per_worker_read: Rule(frozenset({_R.supervisor})),
        # Partners see only what referrals share with them: no record exports until referrals land.
        Action.records_export: Rule(CARE_ROLES),
        Action.referrals_export: Rule(PROFESSIONALS | THIRD_PARTIES),
        Action.meetings_export: Rule(_EVERY_ROLE),
        Action.changes_read: Rule(CARE_ROLES),
        # Separation of duties: the admin manages identities and never reads client records.
        Action.identity_manage: Rule(frozenset({_R.admin})),
        Action.audit_read: Rule(frozenset({_R.auditor})),
        # Meetings hold no client data, so every signed-in role reads them; only the council
        # secretariat (and admin) manage them. A closed agenda item (非公開) is where individual cases
        # come up: its summary and figures are for the people who manage meetings.
        Action.meeting_manage: Rule(frozenset({_R.secretariat, _R.admin})),
        Action.meeting_closed_item_read: Rule(frozenset({_R.secretariat, _R.admin})),
        # Partners manage their own agency's subscriptions; the admin every agency's.
        Action.webhook_manage: Rule(frozenset({_R.admin}), own_agency=THIRD_PARTIES,
                                    own_agency_refusal="forbidden.partner_own_webhooks"),
        Action.listing_edit: Rule(frozenset({_R.admin}), own_agency=THIRD_PARTIES,
                                  own_agency_refusal="forbidden.partner_own_listings"),
        # Ward staff keep vacancies current when they learn of them by phone; they do not own listings.
        Action.capacity_edit: Rule(frozenset({_R.admin, _R.supervisor, _R.caseworker, _R.coordinator}),
                                   own_agency=THIRD_PARTIES,
                                   own_agency_refusal="forbidden.partner_own_vacancies"),
        # A withdrawn listing is still seen by its own agency and the admin.
        Action.withdrawn_listing_read: Rule(frozenset({_R.admin}), own_agency=_EVERY_ROLE - {_R.admin}),
        # Who works where, for the staff who build care teams, send referrals and plan meetings: names,
        # roles, agencies and branches only. Partners (other organisations), the analyst and the auditor
        # need no staff list; the secretariat needs agencies (presenters, notice lists), not people.
        Action.directory_agencies: Rule(CARE_ROLES | {_R.secretariat, _R.admin}),
        Action.directory_users: Rule(CARE_ROLES | {_R.admin}),
        # --- issue 18: households, refusals, service use and risk ---
        # A client's family, refusals, services and risks are case notes: the professions on the
        # care team read and write them, never peer supporters, partners or the statistics roles.
        Action.household_read: Rule(PROFESSIONALS),
        Action.household_write: Rule(PROFESSIONALS),
        Action.refusal_read: Rule(PROFESSIONALS),
        Action.refusal_record: Rule(PROFESSIONALS),
        Action.service_use_read: Rule(PROFESSIONALS),
        Action.service_use_write: Rule(PROFESSIONALS),
        Action.risk_flag_read: Rule(PROFESSIONALS),
        Action.risk_flag_write: Rule(PROFESSIONALS),
        # --- issue 18: support plans ---
        # The professions on the team write the shared plan; everyone on the team, peer supporters
        # included, acknowledges having read it.
        Action.support_plan_write: Rule(PROFESSIONALS),
        Action.support_plan_acknowledge: Rule(CARE_ROLES),
        # --- issue 18: schedules ---
        # Everyone who works with clients sees its own schedule; a supervisor also those of the workers
        # of its own branch offices (sees_worker_schedule), whose patterns and leave it keeps.
        Action.schedule_read: Rule(CARE_ROLES, condition=_others_day_for_supervisors),
        Action.schedule_manage: Rule(frozenset({_R.supervisor})),
        # --- issue 18: consultations without a client record, and intakes ---
        # Caseworkers (and their supervisors) ask; the specialist addressed answers. Both sides read.
        Action.advice_ask: Rule(frozenset({_R.supervisor, _R.caseworker})),
        Action.advice_answer: Rule(SPECIALISTS, condition=_addressed_to_oneself),
        Action.advice_read: Rule(frozenset({_R.supervisor, _R.caseworker}) | SPECIALISTS),
        Action.staff_activity_record: Rule(PROFESSIONALS, condition=_own_staff_activity),
        # An enquiry is about a person not (yet) in support: the professions take and triage it; peer
        # supporters, partners and the aggregate roles never see it. Registering the person as a
        # client is for those who may register clients.
        Action.intake_record: Rule(PROFESSIONALS),
        Action.intake_read: Rule(PROFESSIONALS),
        Action.intake_convert: Rule(frozenset({_R.supervisor, _R.caseworker})),
    }
)
NO_FACTS = On()


def can(principal: Principal, action: Action, on: On = NO_FACTS) -> Msg | None:
    """None when allowed, else the reason (for the 403 problem and the audit row). Without
    `on.agency_id` an own-agency role is allowed: the route-level question "may it ever"."""
    rule = RULES[action]
    if principal.role not in rule.roles:
        if principal.role not in rule.own_agency:
            return _refusal(rule.refusal, principal, action)
        if on.agency_id is not None and on.agency_id != principal.agency_id:
            return _refusal(rule.own_agency_refusal, principal, action)
    return rule.condition(principal, on) if rule.condition is not None else None


def _refusal(key: str | None, principal: Principal, action: Action) -> Msg:
    if key is None:
        return denial(action)
    return msg(key, role=msg(f"role.{principal.role.value}"))


def denial(action: Action) -> Msg:
    """"You may not <what the action does>.": each action's label is in the message catalogue."""
    return msg("forbidden.action", action=msg(f"action.{action.value}"))


def allowed(principal: Principal, action: Action, on: On = NO_FACTS) -> bool:
    return can(principal, action, on) is None


def roles_allowed(action: Action) -> frozenset[Role]:
    """Every role the action is ever open to (for row scopes and the README)."""
    rule = RULES[action]
    return rule.roles | rule.own_agency


def anywhere(principal: Principal, action: Action) -> bool:
    """Allowed on every agency's records, not only the principal's own (row scopes)."""
    return principal.role in RULES[action].roles


def only_own_agency(principal: Principal, action: Action) -> bool:
    return principal.role in RULES[action].own_agency and principal.role not in RULES[action].roles


def is_third_party(principal: Principal) -> bool:
    """Partners (and every machine client acting for one) receive only what was shared with them."""
    return principal.is_machine or principal.role in THIRD_PARTIES


def may_be_caseworker(role: str) -> bool:
    return role in CASEWORKER_ROLES


def may_join_care_team(role: str) -> bool:
    return role in CARE_ROLES


def needs_second_factor(role: str, required_roles: Collection[str] | None, demo_world: bool) -> bool:
    """Whether the login page asks this role for TOTP: the roles MFA_REQUIRED_ROLES names; unset,
    every role, except in the demo world (LOAD_DEMO_DATA), where none."""
    if required_roles is None:
        return not demo_world
    return role in required_roles


def locks_self_out(principal: Principal, user_id: uuid.UUID, changes: Mapping[str, Any]) -> bool:
    """An admin cannot deactivate itself or take away its own admin role; another admin has to."""
    return user_id == principal.id and (changes.get("active") is False
                                        or changes.get("role", _R.admin) != _R.admin)


def sees_listing(principal: Principal | None, status: str, agency_id: uuid.UUID) -> bool:
    """Active and temporarily closed listings are public; a withdrawn one is its agency's and the admin's."""
    if status in PUBLIC_STATUSES:
        return True
    return principal is not None and allowed(principal, Action.withdrawn_listing_read, On(agency_id=agency_id))


def sees_worker_load(principal: Principal, worker_branches: list[str]) -> bool:
    """A supervisor sees the workload of the workers of its own branch offices, no one else's."""
    return allowed(principal, Action.workload_per_worker_read) and bool(principal.branches & set(worker_branches))


# --- issue 18: schedules ---
def sees_worker_schedule(principal: Principal, worker_id: uuid.UUID, worker_branches: list[str]) -> bool:
    """One's own schedule; otherwise the rule of named workload: a supervisor of the worker's branch."""
    return worker_id == principal.id or sees_worker_load(principal, worker_branches)
