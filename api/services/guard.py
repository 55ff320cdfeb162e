"""The one place a route's action is checked against the policy; denials are audited even though
the request's own work rolls back."""

from __future__ import annotations

import uuid

from api.db.unit import RequestUnit
from api.domain.access_rules import Action, can
from api.domain.principal import Principal
from api.problems import Problem, not_found


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


def invisible(unit: RequestUnit, resource_type: str, resource_id: object) -> Problem:
    """A 404 for a record the principal may not see; the attempt is audited without naming a client."""
    unit.audit("denied", resource_type, resource_id=resource_id, outcome="not_found", durable=True)
    return not_found(f"what.{resource_type}")
