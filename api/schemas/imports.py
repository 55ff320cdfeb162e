from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.domain.import_rows import ImportKind

__all__ = ["ImportJobRead", "ImportKind", "ImportReport", "ImportRowError"]


class ImportRowError(BaseModel):
    row: int = Field(description="Spreadsheet row number (the header is row 1)")
    column: str | None = Field(description="The column's header, when one column is at fault")
    field: str | None
    code: str
    message: str
    message_ja: str


class ImportReport(BaseModel):
    """Every row checked as the real run would check it; nothing written."""

    valid: bool | None = Field(default=None, description="validate_only: true when a real run would succeed")
    rows_total: int
    rows_ok: int
    rows_failed: int
    error_count: int
    errors_truncated: bool
    encoding: str = Field(description="utf-8, utf-8-sig, shift_jis or xlsx")
    ignored_columns: list[str] = Field(description="Headers that map to no field")
    errors: list[ImportRowError]
    duplicates: list[dict[str, Any]] = Field(
        description="Existing clients a row may duplicate (same kana and date of birth), with the row number")
    created_count: int


class ImportJobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: ImportKind
    status: Literal["queued", "running", "succeeded", "failed"]
    file_name: str
    rows_total: int
    rows_done: int = Field(description="Rows processed so far (updated while the job runs)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    report: ImportReport | None = Field(description="When the job has run: every row error, or what was created")
