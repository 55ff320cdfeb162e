"""Bulk imports: whoever may create clients may import (supervisor, caseworker); a job is its
uploader's alone, so even a supervisor of the same division gets 404 for a caseworker's job."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from api.db.models import ImportJob
from tests.authz import Call, RouteCase, expect

CSV = ("氏名,フリガナ,生年月日,性別,総合支所,居住形態\n"
       "北沢 一郎,キタザワ イチロウ,1970-01-02,男性,karasuyama,アパート・単身\n")
REFUSED = {"anonymous": 401, "supervisor": 200, "caseworker": 200}


async def _validate(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/imports", data={"kind": "clients", "validate_only": "true"},
                files={"file": ("clients.csv", CSV.encode(), "text/csv")})


async def _job(ctx: Any, in_scope: bool) -> Call:
    owner = "caseworker" if in_scope else "caseworker2"
    job = ImportJob(id=uuid.uuid4(), kind="clients", agency_id=ctx.world.agencies["karasuyama_seikatsu"],
                    created_by=ctx.world.users[owner], file_name="clients.csv",
                    file_sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(), mapping={},
                    mapping_sha256="0" * 64, rows_total=1, status="succeeded")
    ctx.db.add(job)
    return Call(path=f"/v1/imports/{job.id}")


CASES = [
    RouteCase("POST", "/v1/imports", _validate, expect(403, **REFUSED)),
    RouteCase("GET", "/v1/imports/{import_id}", _job,
              expect(403, anonymous=401, caseworker=(200, 404), supervisor=404)),
]
