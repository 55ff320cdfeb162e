from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator, model_validator

from api.domain import codes
from api.domain.kana import is_valid_kana, normalize_kana
from api.messages import invalid
from api.schemas.common import Code, Input, LongText, Name, Phone, Reason, ShortText

Sex = codes.Sex
ResidenceType = codes.ResidenceType
Icd10 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^F[0-9]{2}(\.[0-9]{1,2})?$")]
# A number, or its decimal string as pydantic also accepts: both forms bounded in the spec.
Years = Annotated[Decimal, Field(ge=0, le=99, max_digits=4, decimal_places=1), WithJsonSchema({"anyOf": [
    {"type": "number", "minimum": 0, "maximum": 99},
    {"type": "string", "maxLength": 4, "pattern": r"^[0-9]{1,2}(\.[0-9])?$"},
]})]


class EmergencyContact(Input):
    kind: codes.EmergencyContactKind
    name: Name
    relation: ShortText | None = None
    phone: Phone | None = None
    user_id: uuid.UUID | None = Field(default=None, description="For kind=staff: the staff member's user id")


def _kana(value: str) -> str:
    kana = normalize_kana(value)
    if not is_valid_kana(kana):
        raise invalid("client.kana")
    return kana


class ClientCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-generated id (offline capture)")
    name: Name
    kana: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    date_of_birth: date
    sex: Sex
    branch_code: Code
    residence_type: ResidenceType
    residence_since: date | None = None
    hospital_agency_id: uuid.UUID | None = None
    public_assistance: bool = False
    caseworker_id: uuid.UUID | None = None
    diagnoses: list[Icd10] = Field(default_factory=list, max_length=10)
    phone: Phone | None = None
    emergency_contacts: list[EmergencyContact] = Field(default_factory=list, max_length=5)
    years_inpatient: Years | None = None
    years_homeless: Years | None = None
    notes: LongText | None = None
    confirm_not_duplicate: bool = Field(
        default=False, description="Set after checking the candidates of a possible-duplicate 409")

    @field_validator("kana")
    @classmethod
    def _check_kana(cls, v: str) -> str:
        return _kana(v)

    @model_validator(mode="after")
    def _dates(self) -> ClientCreate:
        if self.date_of_birth > date.today():
            raise invalid("client.birth_in_future")
        if self.residence_type == "psychiatric_ward" and self.hospital_agency_id is None:
            raise invalid("client.hospital_required")
        return self


class ClientUpdate(Input):
    name: Name | None = None
    kana: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    branch_code: Code | None = None
    residence_type: ResidenceType | None = None
    residence_since: date | None = None
    hospital_agency_id: uuid.UUID | None = None
    public_assistance: bool | None = None
    caseworker_id: uuid.UUID | None = None
    diagnoses: list[Icd10] | None = Field(default=None, max_length=10)
    phone: Phone | None = None
    emergency_contacts: list[EmergencyContact] | None = Field(default=None, max_length=5)
    years_inpatient: Years | None = None
    years_homeless: Years | None = None
    notes: LongText | None = None

    @field_validator("kana")
    @classmethod
    def _check_kana(cls, v: str | None) -> str | None:
        return None if v is None else _kana(v)


class ClientDeactivate(Input):
    reason: Reason


class Diagnosis(BaseModel):
    code: str
    group: str


class ClientRead(BaseModel):
    """Everything about a client, for the roles that may see sensitive fields."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kana: str
    date_of_birth: date
    sex: str
    branch_code: str
    residence_type: str
    residence_since: date | None
    hospital_agency_id: uuid.UUID | None
    public_assistance: bool
    caseworker_id: uuid.UUID | None
    diagnoses: list[str]
    diagnosis_group: str | None
    phone: str | None
    emergency_contacts: list[dict[str, object]]
    years_inpatient: Decimal | None
    years_homeless: Decimal | None
    notes: str | None
    active: bool
    deactivated_at: datetime | None
    deactivation_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class ClientPeerRead(BaseModel):
    """What a peer supporter sees: name, contact; no diagnosis, notes or assistance data."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kana: str
    branch_code: str
    phone: str | None
    emergency_contacts: list[dict[str, object]]
    active: bool
    updated_at: datetime
    version: int


class DuplicateCandidate(BaseModel):
    id: uuid.UUID
    name: str
    kana: str
    date_of_birth: date
    branch_code: str


class ConsentCreate(Input):
    id: uuid.UUID | None = None
    agency_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    agency_types: list[codes.ConsentAgencyType] = Field(default_factory=list, max_length=20)
    programme_codes: list[Code] = Field(default_factory=list, max_length=20)
    purposes: list[codes.ConsentPurpose] = Field(min_length=1, max_length=10)
    data_categories: list[codes.DataCategory] = Field(min_length=1, max_length=10)
    given_on: date
    expires_on: date | None = None
    recorded_how: codes.ConsentRecordedHow
    witness: Name | None = None

    @model_validator(mode="after")
    def _rules(self) -> ConsentCreate:
        if self.recorded_how == "verbal_with_witness" and not self.witness:
            raise invalid("consent.witness")
        if self.expires_on is not None and self.expires_on < self.given_on:
            raise invalid("consent.expiry_before_given")
        if not (self.agency_ids or self.agency_types or self.programme_codes):
            raise invalid("consent.scope")
        return self


class ConsentWithdraw(Input):
    withdrawn_on: date | None = None
    reason: Reason


class ConsentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    sequence: int
    status: str
    agency_ids: list[uuid.UUID]
    agency_types: list[str]
    programme_codes: list[str]
    purposes: list[str]
    data_categories: list[str]
    given_on: date
    expires_on: date | None
    recorded_how: str
    witness: str | None
    withdrawn_on: date | None
    withdrawal_reason: str | None
    created_at: datetime
    version: int


class WithdrawalResult(BaseModel):
    consent: ConsentRead
    closed_episode_ids: list[uuid.UUID]
    cancelled_referral_ids: list[uuid.UUID]


TeamRole = codes.TeamRole


class CareTeamMemberCreate(Input):
    id: uuid.UUID | None = None
    user_id: uuid.UUID
    team_role: TeamRole
    from_date: date | None = None
    to_date: date | None = None
    # --- issue 18: refusals ---
    refusal_override_reason: Reason | None = Field(
        default=None, description="Add the member although the client refused its profession or agency (audited)")


class CareTeamMemberEnd(Input):
    to_date: date | None = Field(default=None, description="Last day on the team; default today (Asia/Tokyo)")


class CareTeamMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    user_id: uuid.UUID
    team_role: str
    from_date: date
    to_date: date | None
    version: int


class AccessLogEntry(BaseModel):
    at: datetime
    actor_name: str | None
    actor_id: uuid.UUID | None
    role: str | None
    agency_id: uuid.UUID | None
    action: str
    resource_type: str
    resource_id: str | None
    purpose: str | None
    outcome: str

