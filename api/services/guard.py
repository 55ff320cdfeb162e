"""The one place a route's action is checked against the policy; denials are audited even though
the request's own work rolls back."""

from __future__ import annotations

import uuid

from api.db import record_owners
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, can
from api.domain.principal import Principal
from api.problems import Problem


def require(
    unit: RequestUnit,
    principal: Principal,
    action: Action,
    *,
    resource_type: str,
    resource_id: object = None,
    client_id: uuid.UUID | None = None,
) -> None:
    reason = can(principal, action)
    if reason is None:
        return
    unit.audit("denied", resource_type, resource_id=resource_id, client_id=client_id, outcome="denied",
               durable=True, detail={"action": action.value})
    raise Problem("forbidden", reason)


async def invisible(unit: RequestUnit, resource_type: str, resource_id: object) -> Problem:
    """A 404 for a record the principal may not see. The answer is the one a random id gets; the
    audit event names the record's client when there is one, so the attempt shows in that
    client's access log and in the auditor's search by client (a disclosure request under APPI
    must be answered completely). The owner query runs for random ids too: same work either way."""
    client_id = await record_owners.client_of(unit.session, resource_type, resource_id)
    unit.audit("denied", resource_type, resource_id=resource_id, client_id=client_id, outcome="not_found",
               durable=True)
    return Problem("not-found", f"No such {resource_type.replace('_', ' ')}.")
