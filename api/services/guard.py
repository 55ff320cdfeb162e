"""The one guard: every action a route or service takes is checked here against the policy
(api.domain.access_rules), and every refusal is audited here, one way, durably (recorded even
though the request's own work rolls back). `require` is the call; `allowed_to` the same check as
a route dependency; `invisible` the 404 for a record the principal may not see."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from api.db import record_owners
from api.db.unit import RequestUnit
from api.deps import PrincipalDep, UnitDep
from api.domain.access_rules import NO_FACTS, Action, On, can
from api.domain.principal import Principal
from api.problems import Problem, not_found


def _deny(unit: RequestUnit, resource_type: str, *, outcome: str, resource_id: object = None,
          client_id: uuid.UUID | None = None, subject: str | None = None,
          detail: dict[str, Any] | None = None) -> None:
    unit.audit("denied", resource_type, resource_id=resource_id, client_id=client_id, subject=subject,
               outcome=outcome, durable=True, detail=detail)


def require(
    unit: RequestUnit,
    principal: Principal,
    action: Action,
    on: On = NO_FACTS,
    *,
    resource_type: str,
    resource_id: object = None,
    client_id: uuid.UUID | None = None,
    subject: str | None = None,
) -> None:
    """Return when the policy allows `action`; otherwise audit the refusal and answer 403."""
    reason = can(principal, action, on)
    if reason is None:
        return
    _deny(unit, resource_type, outcome="denied", resource_id=resource_id, client_id=client_id, subject=subject,
          detail={"action": action.value})
    raise Problem("forbidden", reason)


async def invisible(unit: RequestUnit, resource_type: str, resource_id: object,
                    client_id: uuid.UUID | None = None) -> Problem:
    """A 404 for a record the principal may not see, audited; the answer never says whether it exists
    (it is the one a random id gets). The audit event names the record's client when there is one
    (given, or looked up from the stored row), so the attempt shows in that client's access log and in
    the auditor's search by client: a disclosure request under APPI must be answered completely
    (issue 14, finding 6). The owner query runs for random ids too: same work either way."""
    if client_id is None:
        client_id = await record_owners.client_of(unit.session, resource_type, resource_id)
    _deny(unit, resource_type, outcome="not_found", resource_id=resource_id, client_id=client_id)
    return not_found(f"what.{resource_type}")


def allowed_to(action: Action) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """`require` as a route dependency, for actions that depend on the role alone."""

    async def guard(principal: PrincipalDep, unit: UnitDep, request: Request) -> Principal:
        require(unit, principal, action, resource_type="route", subject=f"{request.method} {request.url.path}")
        return principal

    guard.__name__ = "allowed_to_" + action.value.replace(".", "_")
    return guard


AdminDep = Annotated[Principal, Depends(allowed_to(Action.identity_manage))]
AuditorDep = Annotated[Principal, Depends(allowed_to(Action.audit_read))]
MeetingManagerDep = Annotated[Principal, Depends(allowed_to(Action.meeting_manage))]
