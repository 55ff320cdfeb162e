"""Enquiries about people not yet in support (相談受付; issue 18, item 3)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from api.domain import codes
from api.messages import invalid
from api.schemas.clients import ClientRead, ResidenceType, Sex, _kana
from api.schemas.common import Code, Input, LongText, Name, Phone, ShortText
from api.schemas.stats import Figure, FiscalYearLabel

Description = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Kana = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Urgency = codes.IntakeUrgency
ReferrerType = codes.IntakeReferrerType
ConsentState = codes.IntakeConsentState
TriageOutcome = codes.IntakeTriageDecision


class IntakeCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-generated id (offline capture)")
    name: Name | None = Field(default=None, description="If known")
    kana: Kana | None = None
    description: Description | None = Field(
        default=None, description="What is known of the person when the name is not (「駅前で見かける高齢の男性」)")
    birth_date: date | None = None
    birth_date_approximate: bool = Field(default=False, description="birth_date is a guess (year or age only)")
    age_estimate: int | None = Field(default=None, ge=0, le=120)
    sex: Sex | None = None
    phone: Phone | None = None
    branch_code: Code | None = Field(default=None, description="The branch office the person lives in, if known")
    referrer_type: ReferrerType
    referrer_name: ShortText | None = Field(default=None, description="Who referred (agency, relation)")
    urgency: Urgency = "routine"
    consent_state: ConsentState = "not_asked"
    consent_noted_on: date | None = None

    @field_validator("kana")
    @classmethod
    def _check_kana(cls, v: str | None) -> str | None:
        return None if v is None else _kana(v)

    @model_validator(mode="after")
    def _something_known(self) -> IntakeCreate:
        if self.name is None and self.description is None:
            raise invalid("intake.something_known")
        if self.birth_date is not None and self.birth_date > date.today():
            raise invalid("intake.birth_in_future")
        return self


class IntakeUpdate(Input):
    name: Name | None = None
    kana: Kana | None = None
    description: Description | None = None
    birth_date: date | None = None
    birth_date_approximate: bool | None = None
    age_estimate: int | None = Field(default=None, ge=0, le=120)
    sex: Sex | None = None
    phone: Phone | None = None
    branch_code: Code | None = None
    referrer_type: ReferrerType | None = None
    referrer_name: ShortText | None = None
    urgency: Urgency | None = None
    consent_state: ConsentState | None = None
    consent_noted_on: date | None = None

    @field_validator("kana")
    @classmethod
    def _check_kana(cls, v: str | None) -> str | None:
        return None if v is None else _kana(v)

    @field_validator("birth_date")
    @classmethod
    def _not_in_future(cls, v: date | None) -> date | None:
        if v is not None and v > date.today():
            raise invalid("intake.birth_in_future")
        return v


class IntakeTriage(Input):
    triage_outcome: TriageOutcome
    triage_note: Description | None = None
    close: bool = Field(default=False, description="Close the enquiry (e.g. information given, referred elsewhere)")


class IntakeConvert(Input):
    """The client fields the enquiry does not already hold (or corrections of those it does)."""

    client_id: uuid.UUID | None = Field(default=None, description="Client-generated id for the new client")
    name: Name | None = None
    kana: Kana | None = None
    date_of_birth: date | None = Field(default=None, description="Required unless the enquiry has an exact one")
    sex: Sex | None = None
    branch_code: Code | None = None
    residence_type: ResidenceType
    residence_since: date | None = None
    hospital_agency_id: uuid.UUID | None = None
    public_assistance: bool = False
    caseworker_id: uuid.UUID | None = None
    phone: Phone | None = None
    notes: LongText | None = None
    confirm_not_duplicate: bool = Field(
        default=False, description="Set after checking the candidates of a possible-duplicate 409")


class IntakeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    agency_id: uuid.UUID
    branch_code: str | None
    received_at: datetime
    received_by: uuid.UUID
    name: str | None
    kana: str | None
    description: str | None
    birth_date: date | None
    birth_date_approximate: bool
    age_estimate: int | None
    sex: str | None
    phone: str | None
    referrer_type: str
    referrer_name: str | None
    urgency: str
    consent_state: str
    consent_noted_on: date | None
    triage_outcome: codes.IntakeTriageOutcome
    triage_note: str | None
    triaged_at: datetime | None
    triaged_by: uuid.UUID | None
    status: codes.IntakeStatus
    client_id: uuid.UUID | None
    converted_at: datetime | None
    converted_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class IntakeStats(BaseModel):
    threshold: int
    noise_bound: int
    as_of: date = Field(description="The date of the release these figures come from")
    fiscal_year: FiscalYearLabel
    received: Figure = Field(description="Enquiries received in the fiscal year")
    became_clients: Figure = Field(description="Of those, registered as clients")
    by_triage_outcome: dict[str, Figure]
    median_days_to_conversion: float | None = Field(
        description="From receipt to registration; null when no more than the threshold were registered")


class IntakeConversion(BaseModel):
    """The enquiry, now linked to the client registered from it, and that client."""

    intake: IntakeRead
    client: ClientRead
