"""The audit log's public face: signed checkpoints and consistency proofs. They reveal only how many
events there are and hashes, so anyone (a witness, the ward's auditors' own monitor) may fetch them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from api.conventions import json_response
from api.deps import UnitDep
from api.domain.audit_log_format import b64
from api.routing import CommitRoute
from api.schemas.audit_log import CheckpointRead, ConsistencyProofRead, LatestCheckpointRead, checkpoint_read
from api.services import audit_proofs

router = APIRouter(tags=["audit"], route_class=CommitRoute)

SizeQuery = Annotated[int, Query(ge=1, le=2**62)]


@router.get("/v1/audit/checkpoints/latest", operation_id="get_latest_audit_checkpoint",
            summary="The newest signed checkpoint of the audit log, with the current seal lag",
            response_model=LatestCheckpointRead)
async def get_latest_audit_checkpoint(unit: UnitDep) -> Response:
    cp, lag = await audit_proofs.latest(unit)
    body = LatestCheckpointRead(**checkpoint_read(cp).model_dump(), seal_lag_s=round(lag, 3))
    return json_response(body, private=False)


@router.get("/v1/audit/checkpoints/consistency", operation_id="get_audit_consistency_proof",
            summary="Proof that the log at checkpoint `second` extends the log at checkpoint `first`",
            response_model=ConsistencyProofRead)
async def get_audit_consistency_proof(unit: UnitDep, first: SizeQuery, second: SizeQuery) -> Response:
    older, newer, path = await audit_proofs.consistency(unit, first, second)
    return json_response(ConsistencyProofRead(first=checkpoint_read(older), second=checkpoint_read(newer),
                                              proof=[b64(h) for h in path]), private=False)


@router.get("/v1/audit/checkpoints/{tree_size}", operation_id="get_audit_checkpoint",
            summary="The signed checkpoint of the given tree size", response_model=CheckpointRead)
async def get_audit_checkpoint(unit: UnitDep, tree_size: Annotated[int, Path(ge=0, le=2**62)]) -> Response:
    return json_response(checkpoint_read(await audit_proofs.at_size(unit, tree_size)), private=False)
