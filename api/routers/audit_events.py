from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.conventions import json_response
from api.deps import UnitDep
from api.domain.audit_log_format import b64
from api.messages import msg
from api.pagination import Page, PageDep, cut
from api.problems import Problem
from api.routing import CommitRoute
from api.schemas.audit import AuditEventRead
from api.schemas.audit_log import InclusionProofRead, checkpoint_read
from api.services import audit_log, audit_proofs
from api.services.guard import AuditorDep

router = APIRouter(tags=["audit"], route_class=CommitRoute)


@router.get("/v1/audit-events", operation_id="list_audit_events",
            summary="Search the audit trail, newest first (auditor); the search itself is audited",
            response_model=Page[AuditEventRead])
async def list_audit_events(
    auditor: AuditorDep,
    unit: UnitDep,
    page: PageDep,
    actor_id: Annotated[uuid.UUID | None, Query(description="The user or machine client that acted")] = None,
    client_id: Annotated[uuid.UUID | None, Query(description="The person supported whose record was touched")] = None,
    action: Annotated[str | None, Query(max_length=32, description="read, create, update, login_failed, …")] = None,
    resource_type: Annotated[str | None, Query(max_length=40)] = None,
    outcome: Annotated[str | None, Query(max_length=16, description="success, failure, denied, throttled")] = None,
    since: Annotated[datetime | None, Query(alias="from", description="Inclusive; with a UTC offset")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="Exclusive; with a UTC offset")] = None,
) -> Response:
    for name, value in (("from", since), ("to", until)):
        if value is not None and value.tzinfo is None:
            raise Problem("validation", msg("time.offset_required", name=name))
    if since is not None and until is not None and since >= until:
        raise Problem("validation", msg("time.range_reversed"))
    where = audit_log.AuditFilter(actor_id=actor_id, client_id=client_id, action=action, resource_type=resource_type,
                                  outcome=outcome, since=since, until=until)
    rows = await audit_log.list_page(unit, page, where)
    items, next_cursor = cut(rows, page, lambda e: [e.seq])
    return json_response(Page[AuditEventRead](items=[AuditEventRead.model_validate(e) for e in items],
                                              next_cursor=next_cursor))


@router.get("/v1/audit-events/{event_id}/proof", operation_id="get_audit_event_proof",
            summary="Inclusion proof of an audit event in a signed checkpoint (auditor); the read is audited",
            response_model=InclusionProofRead)
async def get_audit_event_proof(
    auditor: AuditorDep,
    unit: UnitDep,
    event_id: uuid.UUID,
    tree_size: Annotated[int | None, Query(ge=1, le=2**62, description="A checkpoint's size; default the latest")]
    = None,
) -> Response:
    proof = await audit_proofs.inclusion(unit, event_id, tree_size)
    return json_response(InclusionProofRead(
        event_id=proof.event_id, leaf_index=proof.leaf_index, leaf=proof.leaf.decode(),
        leaf_hash=b64(proof.leaf_hash), proof=[b64(h) for h in proof.path],
        checkpoint=checkpoint_read(proof.checkpoint)), private=True)


# 409: the event is not sealed into the log (or into that checkpoint) yet; the OpenAPI builder reads this.
setattr(get_audit_event_proof, "__extra_problem_codes__", (409,))  # noqa: B010
