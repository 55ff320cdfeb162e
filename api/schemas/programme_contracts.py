"""Programme contract terms (issue 18, item 9)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from api.messages import invalid
from api.schemas.common import Input, Reason


class ProgrammeContractCreate(Input):
    id: uuid.UUID | None = None
    agency_id: uuid.UUID = Field(description="The contracted corporation (受託法人)")
    starts_on: date = Field(description="The contract's first day; its fiscal year is contract year 1")
    ends_on: date | None = Field(default=None, description="Last day, if the contract has ended or will end")
    note_ja: Reason | None = None

    @model_validator(mode="after")
    def _period(self) -> ProgrammeContractCreate:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise invalid("contract.period_reversed")
        return self


class ProgrammeContractUpdate(Input):
    agency_id: uuid.UUID | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    note_ja: Reason | None = None


class ProgrammeContractRead(BaseModel):
    id: uuid.UUID
    programme_id: uuid.UUID
    programme_code: str
    agency_id: uuid.UUID
    agency_name_ja: str
    starts_on: date
    ends_on: date | None
    note_ja: str | None
    on: date = Field(description="The date the contract year is computed for (query `on`, default today in Tokyo)")
    in_force: bool
    contract_year: int | None = Field(description="1 in the fiscal year the contract started, … (null: not in "
                                                   "force on `on`)", examples=[3])
    contract_year_label_ja: str | None = Field(examples=["受託して3年目"])
    contract_year_label_en: str | None = Field(examples=["3rd year of the contract"])
    version: int
    updated_at: datetime
