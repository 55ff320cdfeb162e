from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.domain import codes
from api.messages import invalid
from api.schemas.common import Input, Reason

ReferralPurpose = codes.ReferralPurposeCode
SharedField = codes.ReferralSharedField
ReferralActionName = codes.ReferralActionName
ReferralStatusName = codes.ReferralStatusCode
BusinessStatus = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
MessageBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class ReferralCreate(Input):
    """A draft referral; `send` it with a transition once it is ready."""

    id: uuid.UUID | None = None
    to_agency_id: uuid.UUID
    to_service_id: uuid.UUID | None = Field(
        default=None, description="A service of the receiving agency, from the resource directory (GET /v1/resources)")
    client_id: uuid.UUID | None = Field(
        default=None, description="The client of a new referral; never sent with part_of (an onward referral is "
        "about its parent's client, which the onward sender was never told by id)")
    episode_id: uuid.UUID | None = None
    part_of: uuid.UUID | None = Field(
        default=None, description="The referral this one continues (hospital → consultation office → group home)")
    purpose: ReferralPurpose
    priority: codes.ReferralPriority = "routine"
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    due_on: date | None = Field(default=None, description="The answer is due by this day (Asia/Tokyo)")
    shared_fields: list[SharedField] = Field(
        default_factory=list, max_length=6,
        description="Client fields the receiver will see, frozen when the referral is sent")
    needs_summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] | None = (
        Field(default=None, description="Shared only with shared_fields containing needs_summary"))
    # --- issue 18: refusals ---
    refusal_override_reason: Reason | None = Field(
        default=None, description="Refer although the client refused this agency (audited)")
    confirm_no_vacancy: bool = Field(
        default=False, description="Refer even though the service's directory capacity shows no free place "
        "(after a 409 naming its vacancy, e.g. to join its waiting list)")

    @model_validator(mode="after")
    def _rules(self) -> ReferralCreate:
        self.shared_fields = list(dict.fromkeys(self.shared_fields))
        if (self.client_id is None) == (self.part_of is None):
            # Checked before anything is looked up: a guessed client id on an onward referral must
            # not be answered differently when it is right (issue 14, finding 5).
            raise invalid("referral.client_or_parent")
        if ("needs_summary" in self.shared_fields) != (self.needs_summary is not None):
            raise invalid("referral.needs_summary_pair")
        return self


class ReferralTransition(Input):
    action: ReferralActionName
    reason: Reason | None = Field(default=None, description="Required to reject, cancel or fail")
    business_status: BusinessStatus | None = Field(
        default=None, description="A local sub-state the receiver keeps, e.g. 見学調整中 (FHIR businessStatus)")
    # --- issue 18: refusals ---
    refusal_override_reason: Reason | None = Field(
        default=None, description="Send although the client refused this agency since the draft was made (audited)")


class MessageCreate(Input):
    id: uuid.UUID | None = None
    body: MessageBody


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    by_agency_id: uuid.UUID | None
    at: datetime


class ReferralPartnerRead(BaseModel):
    """A referral as the receiving agency (and any partner) sees it: of the client, only the
    snapshot of the fields shared when it was sent."""

    id: uuid.UUID
    from_agency_id: uuid.UUID
    to_agency_id: uuid.UUID
    to_service_id: uuid.UUID | None
    part_of: uuid.UUID | None
    purpose: str
    priority: str
    reason: str
    due_on: date | None
    status: str
    status_reason: str | None
    business_status: str | None
    shared_fields: list[str]
    shared_snapshot: dict[str, Any] = Field(
        description="The shared fields' values as they were when sent; nothing else about the client")
    sent_at: datetime | None
    overdue: bool = Field(description="Still requested or received after its due date")
    allowed_actions: list[str] = Field(description="Actions the caller may take now")
    created_at: datetime
    updated_at: datetime
    version: int


class ReferralRead(ReferralPartnerRead):
    """The sending side's view, for staff who can see the client."""

    client_id: uuid.UUID
    episode_id: uuid.UUID | None
    consent_id: uuid.UUID | None
    needs_summary: str | None
    requester_id: uuid.UUID


class ServiceVacancy(BaseModel):
    """The referred-to service's capacity as the directory shows it now (issue 18, item 10)."""

    service_id: uuid.UUID
    known: bool = Field(description="The service publishes its capacity")
    has_vacancy: bool | None = Field(description="Active and at least one place available; null when not known")
    unit: str | None
    maximum: int | None
    available: int | None
    waitlist: int | None
    updated_at: datetime | None = Field(description="When the capacity was last updated")


class ReferralPartnerDetail(ReferralPartnerRead):
    history: list[StatusChangeRead]
    service_vacancy: ServiceVacancy | None = Field(
        default=None, description="The live vacancy of to_service_id, read at this request")


class ReferralDetail(ReferralRead):
    history: list[StatusChangeRead]
    service_vacancy: ServiceVacancy | None = Field(
        default=None, description="The live vacancy of to_service_id, read at this request")


class ChainEntry(BaseModel):
    """Status only: who was asked what and where it stands, nothing about the client."""

    id: uuid.UUID
    part_of: uuid.UUID | None
    from_agency_id: uuid.UUID
    to_agency_id: uuid.UUID
    purpose: str
    status: str
    status_reason: str | None
    due_on: date | None
    overdue: bool
    updated_at: datetime


class ReferralChain(BaseModel):
    root_id: uuid.UUID
    items: list[ChainEntry]


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    referral_id: uuid.UUID
    author_name: str
    author_agency_id: uuid.UUID
    body: str
    created_at: datetime


class ProvisionRead(BaseModel):
    """第三者提供の記録."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    recipient_agency_id: uuid.UUID
    referral_id: uuid.UUID
    data_items: list[str]
    data_categories: list[str]
    purpose: str
    consent_id: uuid.UUID
    provided_by: uuid.UUID
    provided_by_name: str
    provider_agency_id: uuid.UUID
    provided_at: datetime
