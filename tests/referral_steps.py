"""Steps of the referral flow that several suites share (tests/api/test_referrals.py,
tests/api/test_referral_fhir.py): a client with a care team and consent, a draft, a transition."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import CareTeamMember, Client, Consent
from api.domain.fiscal import today_tokyo
from tests.scenario import make_client
from tests.world import World

# Values of the client that are never shared in these tests: none may reach a partner.
SECRETS = ("1968-05-14", "03-0000-0000", "sensitive case note", "schizophrenia", "F20")


def etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


async def _client(db: AsyncSession, world: World, *, inpatient: bool = True, team: str | None = "caseworker",
                  consent: dict[str, Any] | None = None) -> tuple[Client, Consent | None]:
    client = make_client("karasuyama", "佐藤 雅之", "サトウ マサユキ")
    if inpatient:
        client.residence_type = "psychiatric_ward"
        client.hospital_agency_id = world.agencies["hospital"]
    db.add(client)
    await db.flush()
    if team:
        db.add(CareTeamMember(client_id=client.id, user_id=world.users[team], team_role="caseworker",
                              from_date=today_tokyo() - timedelta(days=30)))
    row = None
    if consent is not None:
        row = Consent(client_id=client.id, sequence=1, given_on=today_tokyo() - timedelta(days=5),
                      recorded_how="signed_form", **{
                          "agency_types": ["consultation_office", "group_home", "psychiatric_hospital"],
                          "purposes": ["referral", "housing_search"],
                          "data_categories": ["identity", "needs_summary"], **consent})
        db.add(row)
    await db.flush()
    return client, row


async def _draft(http: httpx.AsyncClient, world: World, actor: str, client_id: uuid.UUID, to: str,
                 **over: Any) -> httpx.Response:
    body = {"to_agency_id": str(world.agencies[to]), "client_id": str(client_id), "purpose": "group_home",
            "reason": "退院後の住まいを探したい", "shared_fields": ["name"], **over}
    response = await http.post("/v1/referrals", json=body, headers=world.auth(actor))
    assert response.status_code == 201, response.text
    return response


async def _act(http: httpx.AsyncClient, world: World, actor: str, referral: httpx.Response, action: str,
               **body: Any) -> httpx.Response:
    return await http.post(f"/v1/referrals/{referral.json()['id']}/transitions", json={"action": action, **body},
                           headers={**world.auth(actor), **etag(referral)})


async def _sent(http: httpx.AsyncClient, world: World, client_id: uuid.UUID, to: str = "hospital",
                **over: Any) -> httpx.Response:
    sent = await _act(http, world, "caseworker", await _draft(http, world, "caseworker", client_id, to, **over),
                      "send")
    assert sent.status_code == 200, sent.text
    return sent
