"""Which fields of a record each role receives: the one field policy (docs/architecture.md, "Access").

Every response, export row, change-feed item and webhook payload that carries client data is
shaped by api.services.read_models.shape, which keeps exactly the fields granted here to the caller's
role and withholds every other one (deny by default: a field with no rule reaches nobody, and
tests/unit/test_field_policy.py fails until it has one). Which *records* a role sees is
api/db/scopes.py; which *actions* it may take, api/domain/access_rules.py.

The audiences:
- care professionals (supervisor, caseworker, mental-care worker, public health nurse,
  coordinator) see the whole record of a client they may see;
- peer supporters see name, contact and the goals they share with the client, plus the ids,
  statuses and dates they need to record their own peer-support activities; never diagnosis,
  notes, public-assistance data, decisions, reasons or history written by others;
- partners (hospitals, consultation offices, group homes; staff and systems) see referrals from
  or to their agency with only the snapshot of client fields shared when it was sent;
- admin, secretariat, analyst and auditor receive no client data at all."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from api.domain.access_rules import PROFESSIONALS, THIRD_PARTIES
from api.domain.roles import Role

Grants = Mapping[str, frozenset[Role]]

CARE = PROFESSIONALS
PEER = frozenset({Role.peer_supporter})
CARE_AND_PEER = CARE | PEER
CARE_AND_THIRD_PARTIES = CARE | THIRD_PARTIES
# Webhook subscribers: a partner's system, or a subscription the admin made for an agency.
SUBSCRIBERS = THIRD_PARTIES | {Role.admin}


def grant(audience: frozenset[Role], *fields: str) -> dict[str, frozenset[Role]]:
    return dict.fromkeys(fields, audience)


_CLIENT: Grants = {
    **grant(CARE_AND_PEER, "id", "name", "kana", "branch_code", "phone", "emergency_contacts", "active",
            "updated_at", "version"),
    **grant(CARE, "date_of_birth", "sex", "residence_type", "residence_since", "hospital_agency_id",
            "public_assistance", "caseworker_id", "diagnoses", "diagnosis_group", "years_inpatient",
            "years_homeless", "notes", "deactivated_at", "deactivation_reason", "created_at"),
}
_EPISODE: Grants = {
    **grant(CARE_AND_PEER, "id", "client_id", "programme_id", "programme_code", "branch_code",
            "operating_agency_id", "lead_worker_id", "status", "proposed_on", "started_on", "planned_end",
            "ended_on", "overdue", "allowed_actions", "created_at", "updated_at", "version"),
    # Why an episode ended and where the client lives now are case notes.
    **grant(CARE, "closure_reason", "living_situation_at_closure"),
}
_REFERRAL_SHARED: Grants = grant(
    CARE_AND_THIRD_PARTIES, "id", "from_agency_id", "to_agency_id", "to_service_id", "part_of", "purpose", "priority",
    "reason", "due_on", "status", "status_reason", "business_status", "shared_fields", "shared_snapshot", "sent_at",
    "overdue", "allowed_actions", "created_at", "updated_at", "version",
)
# The sending side's view adds the client and the full needs summary: for staff who see the client.
_REFERRAL: Grants = {**_REFERRAL_SHARED,
                     **grant(CARE, "client_id", "episode_id", "consent_id", "needs_summary", "requester_id")}

FIELDS: Mapping[str, Grants] = MappingProxyType({
    "client": _CLIENT,
    "client_tombstone": grant(CARE_AND_PEER, "id", "deleted", "updated_at"),
    "consent": {
        **grant(CARE_AND_PEER, "id", "client_id", "sequence", "status", "agency_ids", "agency_types",
                "programme_codes", "purposes", "data_categories", "given_on", "expires_on", "withdrawn_on",
                "created_at", "version"),
        # How it was recorded, by whom witnessed, and why withdrawn: the case record's.
        **grant(CARE, "recorded_how", "witness", "withdrawal_reason"),
    },
    "consent_withdrawal": grant(CARE_AND_PEER, "consent", "closed_episode_ids", "cancelled_referral_ids"),
    "care_team_member": grant(CARE_AND_PEER, "id", "client_id", "user_id", "team_role", "from_date", "to_date",
                              "version"),
    "access_log_entry": grant(CARE, "at", "actor_name", "actor_id", "role", "agency_id", "action", "resource_type",
                              "resource_id", "purpose", "outcome"),
    "episode": _EPISODE,
    "episode_detail": {**_EPISODE, **grant(CARE, "history", "decisions")},
    "episode_status_change": grant(CARE, "action", "from_status", "to_status", "decision_id", "reason",
                                   "previous_planned_end", "planned_end", "readmission", "by_principal", "at"),
    "decision": grant(CARE, "id", "action", "decided_on", "body", "attendees", "decision", "notes", "planned_end"),
    "goal": grant(CARE_AND_PEER, "id", "episode_id", "text", "status", "review_on", "updated_at", "version"),
    # A peer supporter's rows are its own records only (api.db.scopes.activities_visible_to).
    "activity": grant(CARE_AND_PEER, "id", "client_id", "episode_id", "kind", "purpose", "off_hours", "occurred_at",
                      "duration_minutes", "travel_minutes", "performer_id", "participants", "note", "next_step",
                      "updated_at", "version"),
    "worker_day": grant(CARE_AND_PEER, "performer_id", "date", "visits", "capacity", "remaining",
                        "minutes_with_travel", "activities"),
    "referral": _REFERRAL,
    "referral_detail": {**_REFERRAL, **grant(CARE_AND_THIRD_PARTIES, "history", "service_vacancy")},
    "referral_shared": _REFERRAL_SHARED,
    "referral_shared_detail": {**_REFERRAL_SHARED, **grant(CARE_AND_THIRD_PARTIES, "history", "service_vacancy")},
    "referral_status_change": grant(CARE_AND_THIRD_PARTIES, "action", "from_status", "to_status", "reason",
                                    "by_agency_id", "at"),
    "referral_chain": grant(CARE_AND_THIRD_PARTIES, "root_id", "items"),
    "referral_chain_entry": grant(CARE_AND_THIRD_PARTIES, "id", "part_of", "from_agency_id", "to_agency_id",
                                  "purpose", "status", "status_reason", "due_on", "overdue", "updated_at"),
    "referral_message": grant(CARE_AND_THIRD_PARTIES, "id", "referral_id", "author_name", "author_agency_id",
                              "body", "created_at"),
    "provision": grant(CARE, "id", "client_id", "recipient_agency_id", "referral_id", "data_items",
                       "data_categories", "purpose", "consent_id", "provided_by", "provided_by_name",
                       "provider_agency_id", "provided_at"),
    # A change-feed item; its `record` is itself shaped as the record's own kind.
    "change": grant(CARE_AND_PEER, "resource_type", "id", "client_id", "deleted", "reason", "changed_at", "record"),
    "change_page": grant(CARE_AND_PEER, "items", "next_cursor", "has_more"),
    # Webhook bodies carry ids only: the subscriber reads the record through the API, shaped there.
    "webhook_event": grant(SUBSCRIBERS, "id", "type", "resource_type", "resource_id", "occurred_at"),
    # --- issue 18: households, refusals, service use and risk --- case notes: the professions only,
    # never peer supporters (nor anyone without client data).
    "related_person": grant(CARE, "id", "client_id", "name", "relationship", "lives_in_household", "phone", "note",
                            "linked_client_id", "created_at", "updated_at", "version"),
    "refusal": grant(CARE, "id", "client_id", "team_role", "agency_id", "refused_on", "source", "source_detail",
                     "note", "active", "ended_on", "end_reason", "recorded_by", "created_at", "version"),
    "service_use": grant(CARE, "id", "client_id", "kind", "service_id", "provider_agency_id", "provider_name",
                         "started_on", "ended_on", "current", "days_per_week", "note", "updated_at", "version"),
    "risk_flag": grant(CARE, "id", "client_id", "code", "note", "raised_on", "review_on", "review_due",
                       "resolved_on", "resolution", "raised_by", "updated_at", "version"),
    # --- issue 18: referral to a full service, support plans ---
    # The directory's public capacity figures: whoever sees the referral.
    "referral_service_vacancy": grant(CARE_AND_THIRD_PARTIES, "service_id", "known", "has_vacancy", "unit",
                                      "maximum", "available", "waitlist", "updated_at"),
    # The shared support plan: peer supporters are on the team and read who does what and the goals
    # (they share the goals with the client) but never the policy text, which holds the case's
    # sensitive reasoning (illness, risks, the family).
    "support_plan": {
        **grant(CARE_AND_PEER, "id", "episode_id", "client_id", "number", "status", "current", "goals",
                "assignments", "created_by", "published_at", "published_by", "acknowledged_by_me", "created_at",
                "updated_at", "version"),
        **grant(CARE, "policy"),
    },
    "support_plan_assignment": grant(CARE_AND_PEER, "user_id", "team_role", "task"),
    "support_plan_readers": grant(CARE_AND_PEER, "plan_id", "episode_id", "client_id", "number", "published_at",
                                  "acknowledged", "unread"),
    "support_plan_reader": grant(CARE_AND_PEER, "user_id", "name", "team_role", "acknowledged_at"),
    # --- issue 18: consultations without a client record, and intakes ---
    # Only the asker and the specialist asked see a request (api.db.scopes.advice_requests_visible_to);
    # the client appears as its id and the asker's own summary, never the record.
    "advice_request": grant(CARE, "id", "asker_id", "asker_agency_id", "specialist_id", "specialist_agency_id",
                            "client_id", "subject", "question", "client_summary", "status", "asked_at", "answer",
                            "answered_at", "turnaround_minutes", "created_at", "updated_at", "version"),
    "staff_activity": grant(CARE, "id", "performer_id", "agency_id", "kind", "occurred_at", "duration_minutes",
                            "off_hours", "counterpart", "note", "created_at", "updated_at", "version"),
    # An enquiry is personal data about someone not (yet) a client: the professions only, like a client record.
    "intake": grant(CARE, "id", "agency_id", "branch_code", "received_at", "received_by", "name", "kana",
                    "description", "birth_date", "birth_date_approximate", "age_estimate", "sex", "phone",
                    "referrer_type", "referrer_name", "urgency", "consent_state", "consent_noted_on",
                    "triage_outcome", "triage_note", "triaged_at", "triaged_by", "status", "client_id",
                    "converted_at", "converted_by", "created_at", "updated_at", "version"),
    "intake_conversion": grant(CARE, "intake", "client"),
})


def visible_fields(kind: str, role: Role) -> frozenset[str]:
    return frozenset(name for name, roles in FIELDS[kind].items() if role in roles)
