"""Who may do what, by role: small pure rules returning allow or a reason (shared/DESIGN.md §2).

Which *rows* a principal sees is decided in api/db/scopes.py; this module decides actions and
fields. Every route asks here; nothing else encodes a role check."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from api.domain.principal import Principal
from api.domain.roles import Role


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
    access_log_read = "client.access_log"
    referral_send = "referral.send"  # send and cancel, for the sending agency
    referral_answer = "referral.answer"  # receive, accept, reject, start, complete, fail
    programme_manage = "programme.manage"
    client_list = "client.list"  # lists of clients, episodes and activities
    statistics_read = "statistics.read"
    records_export = "records.export"
    referrals_export = "referrals.export"
    meetings_export = "meetings.export"
    changes_read = "changes.read"
    import_run = "import.run"  # bulk import of clients, consents and activities from spreadsheets
    client_disclose = "client.disclose"  # the disclosure package (開示請求)
    correction_request = "correction.request"  # record and read correction requests (訂正請求)
    correction_decide = "correction.decide"
    retention_preview = "retention.preview"  # which records the next retention run would erase
    emergency_access_open = "emergency_access.open"  # break-the-glass: time-limited read of any client
    emergency_access_review = "emergency_access.review"  # the review queue: justified or not


_R = Role
_PROFESSIONALS = frozenset({_R.supervisor, _R.caseworker, _R.mental_care_worker, _R.public_health_nurse,
                            _R.coordinator})

ALLOWED: Mapping[Action, frozenset[Role]] = MappingProxyType(
    {
        Action.client_create: frozenset({_R.supervisor, _R.caseworker}),
        # Whoever may create clients may import them; each row is still checked as its own request would be.
        Action.import_run: frozenset({_R.supervisor, _R.caseworker}),
        # A disclosure or correction request is handled by the client's ward division; the decision and
        # the retention schedule are the supervisor's (係長).
        Action.client_disclose: frozenset({_R.supervisor, _R.caseworker}),
        Action.correction_request: frozenset({_R.supervisor, _R.caseworker}),
        Action.correction_decide: frozenset({_R.supervisor}),
        Action.retention_preview: frozenset({_R.supervisor}),
        # Whoever answers a crisis call for a client may need the record at night: the professions on
        # care teams. Peer supporters and partners never; the reading is reviewed afterwards.
        Action.emergency_access_open: _PROFESSIONALS,
        Action.emergency_access_review: frozenset({_R.supervisor, _R.auditor}),
        Action.client_update: _PROFESSIONALS,
        Action.client_deactivate: frozenset({_R.supervisor, _R.caseworker}),
        Action.consent_record: _PROFESSIONALS,
        Action.consent_withdraw: _PROFESSIONALS | {_R.peer_supporter},  # the client's wish, whoever hears it
        Action.care_team_manage: frozenset({_R.supervisor, _R.caseworker}),
        Action.episode_propose: frozenset({_R.supervisor, _R.caseworker}),
        Action.episode_decide: frozenset({_R.supervisor}),
        Action.episode_hold: frozenset({_R.supervisor, _R.caseworker, _R.mental_care_worker, _R.coordinator}),
        Action.episode_cancel: frozenset({_R.supervisor, _R.caseworker}),
        Action.goal_write: frozenset({_R.supervisor, _R.caseworker, _R.mental_care_worker, _R.coordinator}),
        Action.activity_record: _PROFESSIONALS | {_R.peer_supporter},
        Action.access_log_read: frozenset({_R.supervisor, _R.caseworker}),
        # Partners send too: a hospital for its own inpatients, any partner onward from a referral
        # it accepted (api.services.referrals decides which clients each may refer).
        Action.referral_send: _PROFESSIONALS | {_R.partner},
        # Only the receiving agency answers: its partner staff and systems, or its coordinators.
        Action.referral_answer: frozenset({_R.partner, _R.coordinator}),
        Action.programme_manage: frozenset({_R.admin}),
        Action.client_list: _PROFESSIONALS | {_R.peer_supporter},
        # Supervisors get the same ward-wide, suppressed aggregates as the dashboard: one published
        # set of figures for everyone, so no reader can difference two differently suppressed tables.
        Action.statistics_read: frozenset({_R.analyst, _R.supervisor, _R.secretariat}),
        # Partners see only what referrals share with them: no record exports until referrals land.
        Action.records_export: _PROFESSIONALS | {_R.peer_supporter},
        Action.referrals_export: _PROFESSIONALS | {_R.partner},
        Action.meetings_export: _PROFESSIONALS | {_R.peer_supporter, _R.partner, _R.secretariat, _R.admin, _R.analyst,
                                                  _R.auditor},
        Action.changes_read: _PROFESSIONALS | {_R.peer_supporter},
    }
)


def can(principal: Principal, action: Action) -> str | None:
    """None when allowed, else the reason (for the 403 problem and the audit row)."""
    if principal.role in ALLOWED[action]:
        return None
    return f"The {principal.role} role may not {action.value.replace('.', ' ').replace('_', ' ')}."


# Roles that see a client's sensitive fields (diagnosis, notes, public-assistance data).
SENSITIVE_READERS = frozenset({_R.supervisor, _R.caseworker, _R.mental_care_worker, _R.public_health_nurse,
                               _R.coordinator})


def sees_sensitive(principal: Principal) -> bool:
    return principal.role in SENSITIVE_READERS


def peer_may_record(kind: str) -> bool:
    """A peer supporter records peer-support activities only."""
    return kind == "peer_support"
