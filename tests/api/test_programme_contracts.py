"""Programme contract terms (issue 18, item 9) through the API: the admin records the corporation
and the start; everyone signed in reads the contract year of any date."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Programme
from tests.world import World


async def _programme(db: AsyncSession, world: World) -> Programme:
    programme = Programme(code="contracted", name_ja="受託事業", name_en="Contracted",
                          operating_agency_ids=[world.agencies["mota"]])
    db.add(programme)
    await db.flush()
    return programme


async def test_admin_records_a_contract_and_anyone_reads_its_year(client: httpx.AsyncClient, db: AsyncSession,
                                                                 world: World) -> None:
    programme = await _programme(db, world)
    body = {"agency_id": str(world.agencies["mota"]), "starts_on": "2008-06-01", "note_ja": "受託"}
    created = await client.post(f"/v1/programmes/{programme.id}/contracts", json=body,
                                headers={**world.auth("admin"), "Idempotency-Key": "contract-1"})
    assert created.status_code == 201, created.text
    again = await client.post(f"/v1/programmes/{programme.id}/contracts", json=body,
                              headers={**world.auth("admin"), "Idempotency-Key": "contract-1"})
    assert again.json()["id"] == created.json()["id"]  # a retry creates nothing twice
    contract = created.json()
    assert created.headers["ETag"] == '"1"'
    # Fiscal years: June 2008 is year 1, March 2009 still year 1, April 2010 year 3.
    for on, year in (("2008-06-01", 1), ("2009-03-31", 1), ("2009-04-01", 2), ("2010-07-21", 3)):
        read = await client.get(f"/v1/programme-contracts/{contract['id']}", params={"on": on},
                                headers=world.auth("caseworker"))
        assert read.status_code == 200, read.text
        assert read.json()["contract_year"] == year, on
    before = (await client.get(f"/v1/programme-contracts/{contract['id']}", params={"on": "2008-05-31"},
                               headers=world.auth("caseworker"))).json()
    assert (before["in_force"], before["contract_year"], before["contract_year_label_ja"]) == (False, None, None)
    # Ended: no longer in force after the end; the end before the start is refused.
    stale = await client.patch(f"/v1/programme-contracts/{contract['id']}", json={"ends_on": "2011-03-31"},
                               headers={**world.auth("admin"), "If-Match": '"7"'})
    assert stale.status_code == 412
    ended = await client.patch(f"/v1/programme-contracts/{contract['id']}", json={"ends_on": "2011-03-31"},
                               headers={**world.auth("admin"), "If-Match": '"1"'})
    assert ended.status_code == 200, ended.text
    listed = await client.get(f"/v1/programmes/{programme.id}/contracts", params={"on": "2011-04-01"},
                              headers=world.auth("analyst"))
    assert [(c["ends_on"], c["in_force"]) for c in listed.json()] == [("2011-03-31", False)]
    reversed_ = await client.post(f"/v1/programmes/{programme.id}/contracts",
                                  json={**body, "ends_on": "2008-01-01"}, headers=world.auth("admin"))
    assert reversed_.status_code == 422


async def test_only_the_admin_records_contracts(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    programme = await _programme(db, world)
    refused = await client.post(f"/v1/programmes/{programme.id}/contracts",
                                json={"agency_id": str(world.agencies["mota"]), "starts_on": str(date(2008, 4, 1))},
                                headers=world.auth("secretariat"))
    assert refused.status_code == 403
    unknown = await client.post(f"/v1/programmes/{programme.id}/contracts",
                                json={"agency_id": "00000000-0000-0000-0000-000000000001", "starts_on": "2008-04-01"},
                                headers=world.auth("admin"))
    assert unknown.status_code == 422
