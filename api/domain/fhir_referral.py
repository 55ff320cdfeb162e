"""A referral as a FHIR R4 Bundle, for hospital and partner systems that speak FHIR (JP Core).

The bundle is the receiving agency's view and never more, whoever asks: `Patient` carries only the
fields frozen in the referral's shared snapshot, and no resource names the client's record. Ids of
the Patient and the Consent are derived from the referral (uuid5), so two referrals about one
client cannot be linked through them, just as the JSON view never shows the client or consent id.

Vocabulary: the referral is a `Task` (its statuses are FHIR Task statuses already), what is asked
a `ServiceRequest`, the consent it relied on a `Consent`, both agencies `Organization`s; a shared
diagnosis group is a `Condition`. Every reference is a `urn:uuid:` full URL inside the bundle; the
parent of a chain (`partOf`) is named by identifier only, since the receiver may not see it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from api.domain.codes import (
    CONSENT_PURPOSES,
    DATA_CATEGORIES,
    DIAGNOSIS_GROUPS,
    REFERRAL_PURPOSES,
    Code,
)
from api.domain.referral_sharing import consent_purposes_for, data_categories_for

__all__ = ["FHIR_JSON", "AgencyFacts", "ConsentFacts", "ReferralFacts", "referral_bundle"]

FHIR_JSON = "application/fhir+json"

JP_PATIENT = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Patient"
JP_ORGANIZATION = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Organization"
JP_CONDITION = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Condition"
# Kanji and kana forms of one Japanese name (JP Core: ISO 21090 EN representation).
NAME_REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"

SYSTEM = "urn:setagaya-transition:"  # this service's identifier and code-system namespace
REFERRAL_ID_SYSTEM = SYSTEM + "referral"
AGENCY_ID_SYSTEM = SYSTEM + "agency"

# Our referral statuses are Task statuses; only the spelling of one differs.
_TASK_STATUS = {"in_progress": "in-progress"}
_REQUEST_STATUS = {"draft": "draft", "cancelled": "revoked", "rejected": "revoked", "failed": "revoked",
                   "completed": "completed"}
_NAMESPACE = uuid.UUID("5c1e8a4e-3f0b-4b8e-9d3c-2a1f6e0d7b91")


@dataclass(frozen=True, slots=True)
class AgencyFacts:
    id: uuid.UUID
    code: str
    name_ja: str
    name_en: str
    type: str


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    given_on: date
    expires_on: date | None
    withdrawn_on: date | None
    recorded_how: str


@dataclass(frozen=True, slots=True)
class ReferralFacts:
    id: uuid.UUID
    part_of: uuid.UUID | None
    purpose: str
    priority: str
    reason: str
    status: str
    status_reason: str | None
    business_status: str | None
    due_on: date | None
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    shared_fields: Sequence[str]
    shared_snapshot: Mapping[str, Any]
    sender: AgencyFacts
    receiver: AgencyFacts
    consent: ConsentFacts | None


def _urn(value: uuid.UUID) -> str:
    return f"urn:uuid:{value}"


def _derived(referral_id: uuid.UUID, what: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{referral_id}/{what}")


def _coding(codes: Sequence[Code], list_name: str, code: str) -> dict[str, Any]:
    label = next((c for c in codes if c.code == code), None)
    coding: dict[str, Any] = {"system": SYSTEM + list_name, "code": code}
    if label is not None:
        coding["display"] = label.ja
    return coding


def _concept(codes: Sequence[Code], list_name: str, code: str) -> dict[str, Any]:
    label = next((c for c in codes if c.code == code), None)
    concept: dict[str, Any] = {"coding": [_coding(codes, list_name, code)]}
    if label is not None:
        concept["text"] = label.ja
    return concept


def _organization(agency: AgencyFacts) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": str(agency.id),
        "meta": {"profile": [JP_ORGANIZATION]},
        "identifier": [{"system": AGENCY_ID_SYSTEM, "value": agency.code}],
        "active": True,
        "type": [{"coding": [{"system": SYSTEM + "agency-types", "code": agency.type}]}],
        "name": agency.name_ja,
        "alias": [agency.name_en],
    }


def _patient(patient_id: uuid.UUID, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": str(patient_id),
                               "meta": {"profile": [JP_PATIENT]}}
    names = []
    if snapshot.get("name"):
        names.append({"extension": [{"url": NAME_REPRESENTATION, "valueCode": "IDE"}],
                      "use": "official", "text": snapshot["name"]})
    if snapshot.get("kana"):
        names.append({"extension": [{"url": NAME_REPRESENTATION, "valueCode": "SYL"}],
                      "use": "official", "text": snapshot["kana"]})
    if names:
        patient["name"] = names
    if snapshot.get("date_of_birth"):
        patient["birthDate"] = snapshot["date_of_birth"]
    contact = snapshot.get("contact") or {}
    if contact.get("phone"):
        patient["telecom"] = [{"system": "phone", "value": contact["phone"], "use": "mobile"}]
    emergency = [c for c in contact.get("emergency_contacts") or [] if c.get("name") or c.get("phone")]
    if emergency:
        patient["contact"] = [_emergency_contact(c) for c in emergency]
    return patient


def _emergency_contact(contact: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        # v2-0131 "C": emergency contact.
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C"}],
                          "text": contact.get("relation") or ("支援者" if contact.get("kind") == "staff" else None)}],
    }
    if not entry["relationship"][0]["text"]:
        del entry["relationship"][0]["text"]
    if contact.get("name"):
        entry["name"] = {"text": contact["name"]}
    if contact.get("phone"):
        entry["telecom"] = [{"system": "phone", "value": contact["phone"]}]
    return entry


def _consent_status(consent: ConsentFacts, on: date) -> str:
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        return "inactive"
    if consent.expires_on is not None and consent.expires_on < on:
        return "inactive"
    return "active"


def _consent(facts: ReferralFacts, consent: ConsentFacts, consent_id: uuid.UUID, patient_ref: str,
             on: date) -> dict[str, Any]:
    """What the referral relied on, no more: the purposes it needed, the categories it shared and
    the receiving agency, for the consent's period (not the consent's full scope)."""
    period: dict[str, Any] = {"start": consent.given_on.isoformat()}
    end = min((d for d in (consent.expires_on, consent.withdrawn_on) if d is not None), default=None)
    if end is not None:
        period["end"] = end.isoformat()
    return {
        "resourceType": "Consent",
        "id": str(consent_id),
        "status": _consent_status(consent, on),
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": patient_ref},
        "dateTime": f"{consent.given_on.isoformat()}T00:00:00+09:00",
        "organization": [{"reference": _urn(facts.sender.id)}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                            "code": "IRCP"}]},
                       "reference": {"reference": _urn(facts.receiver.id)}}],
            "purpose": [_coding(CONSENT_PURPOSES, "consent-purposes", p) for p in consent_purposes_for(facts.purpose)],
            "class": [_coding(DATA_CATEGORIES, "data-categories", c)
                      for c in data_categories_for(facts.shared_fields)],
        },
    }


def referral_bundle(facts: ReferralFacts, *, on: date) -> dict[str, Any]:
    """The FHIR R4 `collection` Bundle for one referral, as of the day *on* (Asia/Tokyo)."""
    task_id, request_id = facts.id, _derived(facts.id, "service-request")
    patient_id, consent_id = _derived(facts.id, "patient"), _derived(facts.id, "consent")
    patient_ref, sender_ref, receiver_ref = _urn(patient_id), _urn(facts.sender.id), _urn(facts.receiver.id)
    identifier = [{"system": REFERRAL_ID_SYSTEM, "value": str(facts.id)}]

    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(task_id),
        "identifier": identifier,
        "status": _TASK_STATUS.get(facts.status, facts.status),
        "intent": "order",
        "priority": facts.priority,
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]},
        "description": facts.reason,
        "focus": {"reference": _urn(request_id)},
        "for": {"reference": patient_ref},
        "authoredOn": (facts.sent_at or facts.created_at).isoformat(),
        "lastModified": facts.updated_at.isoformat(),
        "requester": {"reference": sender_ref},
        "owner": {"reference": receiver_ref},
    }
    if facts.business_status:
        task["businessStatus"] = {"text": facts.business_status}
    if facts.status_reason:
        task["statusReason"] = {"text": facts.status_reason}
    if facts.part_of is not None:
        task["partOf"] = [{"identifier": {"system": REFERRAL_ID_SYSTEM, "value": str(facts.part_of)}}]
    if facts.due_on is not None:
        task["restriction"] = {"period": {"end": f"{facts.due_on.isoformat()}T23:59:59+09:00"}}

    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(request_id),
        "identifier": identifier,
        "status": _REQUEST_STATUS.get(facts.status, "active"),
        "intent": "order",
        "priority": facts.priority,
        "code": _concept(REFERRAL_PURPOSES, "referral-purposes", facts.purpose),
        "subject": {"reference": patient_ref},
        "requester": {"reference": sender_ref},
        "performer": [{"reference": receiver_ref}],
        "reasonCode": [{"text": facts.reason}],
    }
    if facts.sent_at is not None:
        request["authoredOn"] = facts.sent_at.isoformat()
    if facts.shared_snapshot.get("needs_summary"):
        request["note"] = [{"text": facts.shared_snapshot["needs_summary"]}]

    resources: list[dict[str, Any]] = [task, request, _patient(patient_id, facts.shared_snapshot),
                                       _organization(facts.sender)]
    if facts.receiver.id != facts.sender.id:
        resources.append(_organization(facts.receiver))
    if facts.consent is not None:
        consent = _consent(facts, facts.consent, consent_id, patient_ref, on)
        resources.append(consent)
        request["supportingInfo"] = [{"reference": _urn(consent_id)}]
    group = facts.shared_snapshot.get("diagnosis_group")
    if group:
        condition_id = _derived(facts.id, "condition")
        resources.append({
            "resourceType": "Condition",
            "id": str(condition_id),
            "meta": {"profile": [JP_CONDITION]},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": _concept(DIAGNOSIS_GROUPS, "diagnosis-groups", group),
            "subject": {"reference": patient_ref},
        })
        request["reasonReference"] = [{"reference": _urn(condition_id)}]

    return {
        "resourceType": "Bundle",
        "id": str(_derived(facts.id, f"bundle/{facts.updated_at.isoformat()}")),
        "meta": {"lastUpdated": facts.updated_at.isoformat()},
        "identifier": {"system": REFERRAL_ID_SYSTEM, "value": str(facts.id)},
        "type": "collection",
        "timestamp": facts.updated_at.isoformat(),
        "entry": [{"fullUrl": _urn(uuid.UUID(r["id"])), "resource": r} for r in resources],
    }
