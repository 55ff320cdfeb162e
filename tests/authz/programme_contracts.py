"""Matrix rows for programme contract terms (issue 18, item 9): everyone signed in reads them,
only the admin records and changes them; the out-of-scope call names a record that does not exist."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from api.db.models import ProgrammeContract
from tests.authz import Call, RouteCase, expect

V1 = {"If-Match": '"1"'}


async def _contract(ctx: Any) -> uuid.UUID:
    contract = ProgrammeContract(programme_id=ctx.scenario.programme.id, agency_id=ctx.world.agencies["mota"],
                                 starts_on=date(2008, 4, 1))
    ctx.db.add(contract)
    await ctx.db.flush()
    return contract.id


async def _list(ctx: Any, in_scope: bool) -> Call:
    pid = ctx.scenario.programme.id if in_scope else uuid.uuid4()
    return Call(path=f"/v1/programmes/{pid}/contracts")


async def _create(ctx: Any, in_scope: bool) -> Call:
    pid = ctx.scenario.programme.id if in_scope else uuid.uuid4()
    return Call(path=f"/v1/programmes/{pid}/contracts",
                json={"agency_id": str(ctx.world.agencies["mota"]), "starts_on": "2008-04-01"})


async def _one(ctx: Any, in_scope: bool) -> Call:
    cid = await _contract(ctx) if in_scope else uuid.uuid4()
    return Call(path=f"/v1/programme-contracts/{cid}")


async def _patch(ctx: Any, in_scope: bool) -> Call:
    cid = await _contract(ctx) if in_scope else uuid.uuid4()
    return Call(path=f"/v1/programme-contracts/{cid}", json={"note_ja": "更新"}, headers=dict(V1))


CASES = [
    RouteCase("GET", "/v1/programmes/{programme_id}/contracts", _list, expect((200, 404), anonymous=401)),
    RouteCase("POST", "/v1/programmes/{programme_id}/contracts", _create,
              expect(403, admin=(201, 404), anonymous=401)),
    RouteCase("GET", "/v1/programme-contracts/{contract_id}", _one, expect((200, 404), anonymous=401)),
    RouteCase("PATCH", "/v1/programme-contracts/{contract_id}", _patch,
              expect(403, admin=(200, 404), anonymous=401)),
]
