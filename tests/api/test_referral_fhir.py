"""A referral as a FHIR R4 Bundle (issue 20): every resource parses with `fhir.resources`, every
reference resolves inside the bundle, and the bundle is the receiver's view for everyone: only the
shared fields, never the client's or the consent's record id, never an unshared value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from tests.referral_steps import SECRETS, _act, _client, _draft, _sent, etag
from tests.world import World

FHIR = "application/fhir+json"
ALL_SHARED = ["name", "kana", "date_of_birth", "contact", "needs_summary", "diagnosis_group"]


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def parsed(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Validate the bundle and each resource as FHIR; resources by type (one each here)."""
    Bundle.model_validate(body)
    by_type: dict[str, dict[str, Any]] = {}
    for entry in body["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        by_type.setdefault(resource["resourceType"], resource)
    full_urls = {e["fullUrl"] for e in body["entry"]}
    dangling = set(references(body)) - full_urls
    assert not dangling, f"references that do not resolve inside the bundle: {dangling}"
    return by_type


async def _fhir(http: httpx.AsyncClient, world: World, actor: str, referral_id: str) -> httpx.Response:
    return await http.get(f"/v1/referrals/{referral_id}/fhir", headers={**world.auth(actor), "Accept": FHIR})


async def test_a_sent_referral_is_a_valid_bundle_with_only_the_shared_fields(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, consent = await _client(db, world, consent={
        "data_categories": ["identity", "contact", "needs_summary", "diagnosis"]})
    assert consent is not None
    person.phone = "090-1234-5678"
    await db.flush()
    sent = await _sent(client, world, person.id, shared_fields=ALL_SHARED, needs_summary="夜間の見守りがあると安心",
                       purpose="group_home", due_on="2030-04-01")
    referral_id = sent.json()["id"]

    response = await _fhir(client, world, "partner", referral_id)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["etag"] == sent.headers["etag"]
    body = response.json()
    assert body["type"] == "collection"
    resources = parsed(body)
    assert set(resources) == {"Task", "ServiceRequest", "Patient", "Organization", "Consent", "Condition"}
    assert sum(e["resource"]["resourceType"] == "Organization" for e in body["entry"]) == 2

    task, request, patient = resources["Task"], resources["ServiceRequest"], resources["Patient"]
    assert task["id"] == referral_id
    assert (task["status"], task["intent"], task["priority"]) == ("requested", "order", "routine")
    assert task["restriction"]["period"]["end"].startswith("2030-04-01")
    assert request["code"]["coding"][0]["code"] == "group_home"
    assert request["note"] == [{"text": "夜間の見守りがあると安心"}]
    assert patient["meta"]["profile"] == ["http://jpfhir.jp/fhir/core/StructureDefinition/JP_Patient"]
    assert [n["text"] for n in patient["name"]] == ["佐藤 雅之", "サトウ マサユキ"]
    assert [n["extension"][0]["valueCode"] for n in patient["name"]] == ["IDE", "SYL"]
    assert patient["birthDate"] == person.date_of_birth.isoformat()
    assert patient["telecom"] == [{"system": "phone", "value": "090-1234-5678", "use": "mobile"}]
    assert resources["Condition"]["code"]["coding"][0]["code"] == person.diagnosis_group
    consent_resource = resources["Consent"]
    assert consent_resource["status"] == "active"
    assert consent_resource["provision"]["actor"][0]["reference"]["reference"] == task["owner"]["reference"]
    assert {c["code"] for c in consent_resource["provision"]["purpose"]} == {"referral", "housing_search"}
    assert {c["code"] for c in consent_resource["provision"]["class"]} == {
        "identity", "contact", "needs_summary", "diagnosis"}
    owner = next(e["resource"] for e in body["entry"] if e["fullUrl"] == task["owner"]["reference"])
    assert owner["id"] == str(world.agencies["hospital"])

    # Neither the client's record nor the consent it relied on can be named or linked.
    text = response.text
    assert str(person.id) not in text
    assert str(consent.id) not in text


async def test_the_bundle_is_the_receivers_view_for_the_sender_too(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, _ = await _client(db, world, consent={})
    sent = await _sent(client, world, person.id, shared_fields=["name"])
    as_sender = await _fhir(client, world, "caseworker", sent.json()["id"])
    as_receiver = await _fhir(client, world, "partner", sent.json()["id"])
    assert as_sender.status_code == as_receiver.status_code == 200
    assert as_sender.json() == as_receiver.json()
    patient = parsed(as_receiver.json())["Patient"]
    assert set(patient) == {"resourceType", "id", "meta", "name"}
    assert "Condition" not in {e["resource"]["resourceType"] for e in as_receiver.json()["entry"]}
    for secret in (*SECRETS, str(person.id)):
        assert secret not in as_sender.text


async def test_patient_ids_differ_between_two_referrals_about_one_client(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, _ = await _client(db, world, consent={})
    first = await _sent(client, world, person.id, shared_fields=["name"])
    second = await _sent(client, world, person.id, shared_fields=["name"])
    ids = []
    for sent in (first, second):
        resources = parsed((await _fhir(client, world, "partner", sent.json()["id"])).json())
        ids.append((resources["Patient"]["id"], resources["Consent"]["id"]))
    assert ids[0][0] != ids[1][0]
    assert ids[0][1] != ids[1][1]


async def test_statuses_follow_the_referral_and_a_chain_is_named_by_identifier(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, _ = await _client(db, world, consent={})
    sent = await _sent(client, world, person.id, shared_fields=["name"])
    received = await _act(client, world, "partner", sent, "receive")
    accepted = await _act(client, world, "partner", received, "accept")
    started = await _act(client, world, "partner", accepted, "start")
    assert started.status_code == 200, started.text
    task = parsed((await _fhir(client, world, "partner", sent.json()["id"])).json())["Task"]
    assert task["status"] == "in-progress"

    onward = await client.post("/v1/referrals", headers=world.auth("partner"), json={
        "to_agency_id": str(world.agencies["consult"]), "part_of": sent.json()["id"], "purpose": "group_home",
        "reason": "グループホームの空き確認", "shared_fields": ["name"]})
    assert onward.status_code == 201, onward.text
    body = (await _fhir(client, world, "partner", onward.json()["id"])).json()
    task = parsed(body)["Task"]
    assert task["status"] == "draft"
    assert task["partOf"] == [{"identifier": {"system": "urn:setagaya-transition:referral",
                                              "value": sent.json()["id"]}}]


async def test_reads_are_audited_and_invisible_referrals_answer_404(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, _ = await _client(db, world, consent={})
    draft = await _draft(client, world, "caseworker", person.id, "hospital")
    response = await _fhir(client, world, "caseworker", draft.json()["id"])
    assert response.status_code == 200
    assert parsed(response.json())["Task"]["status"] == "draft"
    assert response.headers["etag"] == etag(draft)["If-Match"]
    audit = (await db.scalars(select(AuditEvent).where(AuditEvent.resource_id == draft.json()["id"],
                                                        AuditEvent.subject == "fhir"))).all()
    assert [(a.action, a.client_id) for a in audit] == [("read", person.id)]
    # A draft is the sender's alone: the hospital does not see it, in FHIR as in JSON.
    assert (await _fhir(client, world, "partner", draft.json()["id"])).status_code == 404
    assert (await client.get(f"/v1/referrals/{draft.json()['id']}",
                             headers=world.auth("partner"))).status_code == 404
