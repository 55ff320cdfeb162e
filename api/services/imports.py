"""Bulk import of clients, consents and activities from the ward's spreadsheets.

Each row goes through the same request model and the same use case as the one-record route
(`POST /v1/clients`, `.../consents`, `.../activities`): the access policy, duplicate detection,
reference checks and the audit event per client all apply unchanged. A row that fails is rolled
back to its savepoint and reported; the run as a whole is all-or-nothing (any failed row and
nothing is written). `validate_only` runs every row the same way inside a savepoint that is
always rolled back, and answers the report.

A real run is a job: the upload is stored, answered 202, and a runner (one per worker process;
`FOR UPDATE SKIP LOCKED` claims keep two from taking one job) processes it in one transaction,
writing progress in short separate transactions so `GET /v1/imports/{id}` can show it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.models import Agency, Branch, Client, Episode, ImportJob, Programme, UserAccount
from api.db.scopes import clients_visible_to, episodes_visible_to
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.episode_transitions import OPEN_STATUSES
from api.domain.import_rows import (
    KINDS,
    CellError,
    Sheet,
    SheetError,
    read_sheet,
    resolve_mapping,
    row_values,
    validation_errors,
)
from api.domain.kana import normalize_kana
from api.domain.principal import Principal
from api.domain.roles import Role
from api.domain.schedules import MAX_VISITS_PER_DAY
from api.messages import Msg, Text, msg
from api.problems import Problem, invalid_field
from api.schemas.clients import ClientCreate, ConsentCreate
from api.schemas.episodes import ActivityCreate
from api.services import clients as client_service
from api.services import consents as consent_service
from api.services import goals_and_activities as work_service
from api.services.guard import invisible, require

log = logging.getLogger("api.imports")

# The report names every failed row; past this many errors it says how many more there were.
MAX_REPORTED_ERRORS = 10_000
_DUPLICATE_EN = ("A client with the same kana and date of birth exists. If this is a different person, write yes in "
                 "the 重複確認済み (confirm_not_duplicate) column.")
_PROBLEM_JA: Mapping[str, str] = {
    "possible-duplicate": ("同じフリガナと生年月日の利用者が既にいます。"
                           "別の方であれば「重複確認済み」列に「はい」と記入してください。"),
    "not-found": "該当する利用者または支援が見つからないか、閲覧する権限がありません。",
    "forbidden": "この記録を取り込む権限がありません。",
    "conflict": "既存の記録と矛盾するため取り込めません。",
    "validation": "値が正しくありません。",
}


@dataclass(slots=True)
class Report:
    rows_total: int
    encoding: str
    ignored_columns: list[str]
    rows_ok: int = 0
    errors: list[CellError] = field(default_factory=list)
    error_count: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    def add(self, errors: list[CellError]) -> None:
        self.error_count += len(errors)
        room = MAX_REPORTED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_total": self.rows_total, "rows_ok": self.rows_ok,
            "rows_failed": len({e.row for e in self.errors}), "error_count": self.error_count,
            "errors_truncated": self.error_count > len(self.errors), "encoding": self.encoding,
            "ignored_columns": self.ignored_columns, "errors": [e.as_dict() for e in self.errors],
            "duplicates": self.duplicates, "created_count": len(self.created),
        }


def _file_problem(exc: SheetError) -> Problem:
    reason = msg("import.file", reason=Text(exc.en, exc.ja))
    return invalid_field("file", reason, "file")


def parse(kind: str, data: bytes, mapping: Mapping[str, str] | None, settings: Settings
          ) -> tuple[Sheet, dict[str, int], list[str]]:
    try:
        sheet = read_sheet(data, max_rows=settings.import_max_rows)
        columns, ignored = resolve_mapping(kind, sheet.headers, mapping)
    except SheetError as exc:
        raise _file_problem(exc) from exc
    return sheet, columns, ignored


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mapping_digest(mapping: Mapping[str, str] | None) -> str:
    return _digest(json.dumps(dict(mapping or {}), sort_keys=True, ensure_ascii=False).encode())


# --- one row ---------------------------------------------------------------------------------


async def _client_of(unit: RequestUnit, principal: Principal, values: dict[str, object]) -> uuid.UUID:
    """The client a consent or activity row is about: by id, or by kana and date of birth among
    the clients the importer may see (exactly one)."""
    client_id = values.pop("client_id", None)
    kana, born = values.pop("client_kana", None), values.pop("client_date_of_birth", None)
    if client_id is not None:
        return uuid.UUID(str(client_id))
    if kana is None or born is None:
        raise Problem("validation", msg("import.client_unnamed"))
    ids = (await unit.session.scalars(select(Client.id).where(
        Client.kana == normalize_kana(str(kana)), Client.date_of_birth == datetime.fromisoformat(str(born)).date(),
        clients_visible_to(principal)).limit(2))).all()
    if len(ids) != 1:
        raise Problem("not-found" if not ids else "validation",
                      msg("import.client_not_found" if not ids else "import.client_ambiguous"))
    return ids[0]


async def _episode_of(unit: RequestUnit, principal: Principal, values: dict[str, object]) -> uuid.UUID:
    episode_id = values.pop("episode_id", None)
    programme = values.pop("programme_code", None)
    if episode_id is not None:
        for key in ("client_id", "client_kana", "client_date_of_birth"):
            values.pop(key, None)
        return uuid.UUID(str(episode_id))
    client_id = await _client_of(unit, principal, values)
    stmt = select(Episode.id).where(Episode.client_id == client_id, Episode.status.in_(sorted(OPEN_STATUSES)),
                                    episodes_visible_to(principal))
    if programme is not None:
        stmt = stmt.join(Programme, Programme.id == Episode.programme_id).where(Programme.code == programme)
    ids = (await unit.session.scalars(stmt.limit(2))).all()
    if len(ids) != 1:
        raise Problem("not-found" if not ids else "validation",
                      msg("import.episode_not_found", programme=programme or "-") if not ids else
                      msg("import.episode_ambiguous"))
    return ids[0]


async def _apply_row(unit: RequestUnit, principal: Principal, kind: str, values: dict[str, object],
                     branches: Mapping[str, str]) -> uuid.UUID:
    if kind == "clients":
        # A sheet names the branch office as people do (烏山, Karasuyama) or by its code.
        branch = values.get("branch_code")
        if isinstance(branch, str):
            values["branch_code"] = branches.get(branch, branches.get(branch.lower(), branch))
        return (await client_service.create(unit, principal, ClientCreate.model_validate(values))).id
    if kind == "consents":
        client_id = await _client_of(unit, principal, values)
        return (await consent_service.record(unit, principal, client_id, ConsentCreate.model_validate(values))).id
    episode_id = await _episode_of(unit, principal, values)
    # A sheet records work already done, not a booking: the schedule check (issue 18) has nothing to refuse.
    activity = ActivityCreate.model_validate(values).model_copy(
        update={"confirm_elsewhere": True, "confirm_over_capacity": True})
    return (await work_service.record_activity(unit, principal, episode_id, activity, MAX_VISITS_PER_DAY)).id


def _both(value: object, fallback_ja: str) -> tuple[str, str]:
    if isinstance(value, Msg | Text):
        return value.text(False), value.text(True)
    return str(value), fallback_ja


def _problem_errors(row: int, problem: Problem) -> list[CellError]:
    fallback = _PROBLEM_JA.get(problem.kind.slug, "取り込めません。")
    if problem.kind.slug == "possible-duplicate":
        # In a sheet the confirmation is a column, not a request field.
        return [CellError(row, None, None, problem.kind.slug, _DUPLICATE_EN, fallback)]
    en, ja = (_both(problem.detail, fallback) if problem.detail is not None
              else (problem.kind.title_en, problem.kind.title_ja))
    field_errors = problem.extensions.get("errors") or []
    if field_errors:
        out = []
        for e in field_errors:
            field_en, field_ja = _both(e.get("message", problem.detail), ja)
            out.append(CellError(row, None, str(e.get("field", "")).removeprefix("body."),
                                 str(e.get("code", "invalid")), field_en, field_ja))
        return out
    return [CellError(row, None, None, problem.kind.slug, en, ja)]


async def apply_sheet(unit: RequestUnit, principal: Principal, kind: str, sheet: Sheet, columns: dict[str, int],
                      report: Report, progress: Any = None) -> None:
    """Every row in its own savepoint; a failed row is rolled back and reported. Audit events of a
    failed row are dropped except reads (duplicate candidates were shown) and durable denials."""
    session = unit.session
    branches: dict[str, str] = {}
    if kind == "clients":
        for b in await session.scalars(select(Branch)):
            short = b.name_ja.removesuffix("総合支所")
            branches.update({b.name_ja: b.code, short: b.code, short + "総合支所": b.code, b.name_en.lower(): b.code})
    for number, cells in sheet.records():
        values, errors = row_values(kind, columns, number, cells)
        if errors:
            report.add(errors)
            continue
        mark = len(unit.events)
        savepoint = await session.begin_nested()
        try:
            created = await _apply_row(unit, principal, kind, values, branches)
        except ValidationError as exc:
            await savepoint.rollback()
            report.add(validation_errors(number, columns, sheet.headers, exc.errors(include_url=False)))
        except Problem as exc:
            await savepoint.rollback()
            report.add(_problem_errors(number, exc))
            for candidate in exc.extensions.get("candidates") or []:
                report.duplicates.append({"row": number, **candidate})
        except (ValueError, TypeError) as exc:  # a cell our converters let through but a lookup refused
            await savepoint.rollback()
            report.add([CellError(number, None, None, "invalid", str(exc), "値が正しくありません。")])
        else:
            await savepoint.commit()
            report.rows_ok += 1
            report.created.append(str(created))
            mark = len(unit.events)
        if len(unit.events) > mark:
            unit.events[mark:] = [e for e in unit.events[mark:] if e.durable or e.action == "read"]
        if progress is not None:
            await progress(number)


# --- the routes' use cases ---------------------------------------------------------------------


async def validate(unit: RequestUnit, principal: Principal, *, kind: str, data: bytes,
                   mapping: Mapping[str, str] | None, settings: Settings) -> dict[str, Any]:
    """Every row checked as the real run would, nothing written: the report."""
    require(unit, principal, Action.import_run, resource_type="import")
    sheet, columns, ignored = parse(kind, data, mapping, settings)
    report = Report(rows_total=sum(1 for _ in sheet.records()), encoding=sheet.encoding, ignored_columns=ignored)
    dry = await unit.session.begin_nested()
    try:
        await apply_sheet(unit, principal, kind, sheet, columns, report)
    finally:
        await dry.rollback()
    # Nothing was written: drop the create events the rows produced (reads and denials stay).
    unit.events[:] = [e for e in unit.events if e.durable or e.action == "read"]
    unit.audit("validate", "import", subject=kind, detail={"rows": report.rows_total, "errors": report.error_count,
                                                          "file_sha256": _digest(data)})
    out = report.as_dict()
    out["valid"] = report.error_count == 0
    return out


async def submit(unit: RequestUnit, principal: Principal, *, kind: str, file_name: str, data: bytes,
                 mapping: Mapping[str, str] | None, settings: Settings) -> tuple[ImportJob, bool]:
    """The stored job, and whether it is new (False: the same file was imported before)."""
    require(unit, principal, Action.import_run, resource_type="import")
    sheet, _, _ = parse(kind, data, mapping, settings)
    file_sha, map_sha = _digest(data), mapping_digest(mapping)
    existing = await _same_file(unit.session, principal, kind, file_sha, map_sha)
    if existing is not None:
        return existing, False
    job = ImportJob(kind=kind, agency_id=principal.agency_id, created_by=principal.id, file_name=file_name[:255],
                    file_sha256=file_sha, mapping=dict(mapping or {}), mapping_sha256=map_sha, content=data,
                    rows_total=sum(1 for _ in sheet.records()))
    try:
        async with unit.session.begin_nested():
            unit.session.add(job)
            await unit.session.flush()
    except IntegrityError:  # the same file, uploaded twice at once: the other request's job
        again = await _same_file(unit.session, principal, kind, file_sha, map_sha)
        if again is None:
            raise
        return again, False
    unit.audit("create", "import", resource_id=job.id, subject=kind,
               detail={"rows": job.rows_total, "file_sha256": file_sha})
    return job, True


async def _same_file(session: AsyncSession, principal: Principal, kind: str, file_sha: str,
                     map_sha: str) -> ImportJob | None:
    return await session.scalar(select(ImportJob).where(
        ImportJob.agency_id == principal.agency_id, ImportJob.kind == kind, ImportJob.file_sha256 == file_sha,
        ImportJob.mapping_sha256 == map_sha, ImportJob.status != "failed"))


async def get(unit: RequestUnit, principal: Principal, job_id: uuid.UUID) -> ImportJob:
    """An import is its uploader's: anyone else (even of the same agency) gets 404."""
    require(unit, principal, Action.import_run, resource_type="import")
    job = await unit.session.scalar(select(ImportJob).where(ImportJob.id == job_id,
                                                            ImportJob.created_by == principal.id))
    if job is None:
        raise await invisible(unit, "import", job_id)
    unit.audit("read", "import", resource_id=job.id, subject=job.kind)
    return job


# --- the runner ------------------------------------------------------------------------------


class ImportRunner:
    """Claims queued jobs and runs each in one transaction. A job whose runner died (no heartbeat
    for `stale_after`) is claimed again: the run is all-or-nothing, so a retry is safe."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
                 progress_every: int = 500, stale_after: timedelta = timedelta(minutes=5)) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.progress_every = progress_every
        self.stale_after = stale_after
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="import-runner")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                ran = await self.run_once()
            except Exception:
                log.exception("import runner failed; retrying")
                ran = None
            if ran is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=1.0)

    async def _claim(self) -> uuid.UUID | None:
        now = datetime.now(UTC)
        async with self.sessionmaker() as session:
            job_id = await session.scalar(
                select(ImportJob.id).where(or_(
                    ImportJob.status == "queued",
                    (ImportJob.status == "running") & (ImportJob.heartbeat_at < now - self.stale_after)))
                .order_by(ImportJob.created_at).limit(1).with_for_update(skip_locked=True))
            if job_id is not None:
                await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
                    status="running", started_at=now, heartbeat_at=now, rows_done=0))
            await session.commit()
        return job_id

    async def _progress(self, job_id: uuid.UUID, rows_done: int) -> None:
        async with self.sessionmaker() as session:
            await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
                rows_done=rows_done, heartbeat_at=datetime.now(UTC)))
            await session.commit()

    async def _finish(self, job_id: uuid.UUID, status: str, report: dict[str, Any], rows_done: int) -> None:
        async with self.sessionmaker() as session:
            # The upload holds personal data: it is not kept once the job has run.
            await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
                status=status, report=report, rows_done=rows_done, content=None, finished_at=datetime.now(UTC)))
            await session.commit()

    async def run_once(self) -> uuid.UUID | None:
        """Run the oldest waiting job, if any; its id."""
        job_id = await self._claim()
        if job_id is None:
            return None
        async with self.sessionmaker() as session:
            row = (await session.execute(
                select(ImportJob, UserAccount, Agency).join(UserAccount, UserAccount.id == ImportJob.created_by)
                .join(Agency, Agency.id == UserAccount.agency_id).where(ImportJob.id == job_id))).one()
            job, user, agency = row
            principal = Principal(kind="user", id=user.id, name=user.display_name, role=Role(user.role),
                                  agency_id=user.agency_id, agency_type=agency.type,
                                  branches=frozenset(user.branch_codes or ()))
            unit = RequestUnit(session=session, context={"request_id": f"import-{job.id}", "client_addr": None,
                                                         "purpose": "import"})
            unit.set_actor(kind="user", id=user.id, name=user.display_name, role=user.role, agency_id=user.agency_id)
            content, kind, mapping = job.content or b"", job.kind, job.mapping
            uploader_active = user.active and agency.active
            await session.rollback()  # release the read; the work starts a transaction of its own
            done = 0

            async def progress(number: int) -> None:
                nonlocal done
                done += 1
                if done % self.progress_every == 0:
                    await self._progress(job_id, done)

            try:
                sheet, columns, ignored = parse(kind, content, mapping, self.settings)
            except Problem as exc:
                await self._finish(job_id, "failed", {"file_error": exc.detail, "errors": []}, 0)
                return job_id
            report = Report(rows_total=sum(1 for _ in sheet.records()), encoding=sheet.encoding,
                            ignored_columns=ignored)
            if not uploader_active:
                await self._finish(job_id, "failed", {**report.as_dict(), "file_error": "The uploader is disabled."},
                                   0)
                return job_id
            await apply_sheet(unit, principal, kind, sheet, columns, report, progress)
            if report.error_count:
                await unit.fail()
                await self._finish(job_id, "failed", report.as_dict(), done)
                return job_id
            unit.audit("update", "import", resource_id=job_id, subject=kind,
                       detail={"rows": report.rows_ok, "outcome": "succeeded"})
            await unit.commit()
        await self._finish(job_id, "succeeded", report.as_dict(), done)
        return job_id


def column_help() -> dict[str, list[dict[str, Any]]]:
    """The fields of each kind, with the headers taken without a mapping (for the docs)."""
    return {kind: [{"field": s.name, "required": s.required, "headers": [s.name, *s.headers]} for s in specs]
            for kind, specs in KINDS.items()}


__all__ = ["ImportRunner", "Report", "apply_sheet", "column_help", "get", "submit", "validate"]
