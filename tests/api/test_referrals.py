"""Referrals over HTTP (issue 5): the hospital → consultation office → group home flow run by
partner systems with a webhook receiver on 127.0.0.1, the consent gate, what a partner may see,
every transition, provision records, withdrawal of consent, overdue, and the outbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import orjson
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.models import (
    ApiClient,
    AuditEvent,
    Consent,
    Referral,
    ThirdPartyProvision,
    WebhookDelivery,
    WebhookSubscription,
)
from api.db.unit import RequestUnit
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.domain.roles import Role
from api.schemas.referrals import ReferralTransition
from api.security import hash_password
from api.services import referrals as referral_service
from api.services.webhook_dispatcher import WebhookDispatcher
from tests.referral_steps import SECRETS, _act, _client, _draft, _sent, etag
from tests.webhook_receiver import Receiver, check_signature, make_secret, receiver  # noqa: F401  (the receiver fixture)
from tests.world import World


async def _machine(db: AsyncSession, world: World, agency: str) -> dict[str, str]:
    machine = ApiClient(client_id=f"t.{agency}-{uuid.uuid4().hex[:6]}", name=f"{agency} system", role="partner",
                        agency_id=world.agencies[agency], secret_hash=hash_password("x" * 24))
    db.add(machine)
    await db.flush()
    return {"Authorization": f"Bearer {world.tokens.issue_access_token(machine.id, 'client')[0]}"}


# --- the demo flow ---------------------------------------------------------------------------


async def test_hospital_consult_group_home_chain_with_partner_systems_and_webhooks(
        client: httpx.AsyncClient, db: AsyncSession, conn: AsyncConnection, world: World, settings: Settings,
        receiver: Receiver) -> None:  # noqa: F811
    person, _ = await _client(db, world, team=None, consent={})
    for agency in ("hospital", "consult"):
        db.add(WebhookSubscription(agency_id=world.agencies[agency], url=f"{receiver.url}/{agency}",
                                   events=["referral.*"], secret=make_secret(agency), created_by=world.users["admin"]))
    await db.flush()
    hospital, consult = world.auth("hospital-system"), world.auth("consult-system")
    group_home = await _machine(db, world, "grouphome")

    # 1. The hospital's system refers its inpatient to the consultation office.
    draft = await client.post("/v1/referrals", headers=hospital, json={
        "to_agency_id": str(world.agencies["consult"]), "client_id": str(person.id), "purpose": "group_home",
        "priority": "urgent", "reason": "退院後のグループホーム探し", "due_on": str(today_tokyo() + timedelta(days=7)),
        "shared_fields": ["name", "kana", "needs_summary"], "needs_summary": "夜間の見守りがあると安心"})
    assert draft.status_code == 201, draft.text
    assert "client_id" not in draft.json(), "a partner never gets the client's id"
    sent = await client.post(f"/v1/referrals/{draft.json()['id']}/transitions", json={"action": "send"},
                             headers={**hospital, **etag(draft)})
    assert sent.status_code == 200, sent.text
    root = sent.json()
    assert root["status"] == "requested"
    assert root["shared_snapshot"] == {"name": "佐藤 雅之", "kana": "サトウ マサユキ",
                                       "needs_summary": "夜間の見守りがあると安心"}

    # 2. The consultation office's system finds it in its incoming box and takes it on.
    incoming = (await client.get("/v1/referrals", params={"box": "incoming"}, headers=consult)).json()["items"]
    assert [r["id"] for r in incoming] == [root["id"]]
    assert incoming[0]["allowed_actions"] == ["accept", "receive", "reject"]
    received = await client.post(f"/v1/referrals/{root['id']}/transitions", json={"action": "receive"},
                                 headers={**consult, **etag(sent)})
    accepted = await client.post(f"/v1/referrals/{root['id']}/transitions",
                                 json={"action": "accept", "business_status": "GH探し中"},
                                 headers={**consult, **etag(received)})
    assert accepted.status_code == 200, accepted.text

    # 3. ... and refers on to the group home, passing on part of what it received.
    onward = await client.post("/v1/referrals", headers=consult, json={
        "to_agency_id": str(world.agencies["grouphome"]), "part_of": root["id"], "purpose": "group_home",
        "reason": "入居の相談", "shared_fields": ["name", "needs_summary"], "needs_summary": "見学を希望"})
    assert onward.status_code == 201, onward.text
    onward_sent = await client.post(f"/v1/referrals/{onward.json()['id']}/transitions", json={"action": "send"},
                                    headers={**consult, **etag(onward)})
    assert onward_sent.status_code == 200, onward_sent.text
    assert onward_sent.json()["shared_snapshot"] == {"name": "佐藤 雅之", "needs_summary": "見学を希望"}

    # 4. The group home sees only the onward referral and answers it in the thread.
    gh_box = (await client.get("/v1/referrals", params={"box": "incoming"}, headers=group_home)).json()["items"]
    assert [r["id"] for r in gh_box] == [onward.json()["id"]]
    assert (await client.get(f"/v1/referrals/{root['id']}", headers=group_home)).status_code == 404
    posted = await client.post(f"/v1/referrals/{onward.json()['id']}/messages", json={"body": "来週見学できます"},
                               headers=group_home)
    assert posted.status_code == 201
    thread = (await client.get(f"/v1/referrals/{onward.json()['id']}/messages", headers=consult)).json()["items"]
    assert [m["body"] for m in thread] == ["来週見学できます"]
    gh_received = await client.post(f"/v1/referrals/{onward.json()['id']}/transitions", json={"action": "receive"},
                                    headers={**group_home, **etag(onward_sent)})
    assert gh_received.status_code == 200

    # 5. The hospital follows the whole chain, though it never sees the onward referral itself.
    chain = await client.get(f"/v1/referrals/{root['id']}/chain", headers=hospital)
    assert chain.status_code == 200
    assert [(e["id"], e["status"]) for e in chain.json()["items"]] == [
        (root["id"], "accepted"), (onward.json()["id"], "received")]
    assert (await client.get(f"/v1/referrals/{onward.json()['id']}", headers=hospital)).status_code == 404
    # The group home, not the original sender, sees only its own link.
    gh_chain = (await client.get(f"/v1/referrals/{onward.json()['id']}/chain", headers=group_home)).json()
    assert [e["id"] for e in gh_chain["items"]] == [onward.json()["id"]]

    # 6. Both partner systems are told, with signed id-only events, and re-read what they may.
    dispatcher = WebhookDispatcher(
        async_sessionmaker(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"),
        settings.model_copy(update={"webhook_batch_size": 1}))  # one row a round: one shared connection
    while await dispatcher.run_once():
        pass
    got: dict[str, list[tuple[str, str]]] = {"hospital": [], "consult": []}
    for request in receiver.requests:
        agency = request.path.rsplit("/", 1)[1]
        assert check_signature(request, make_secret(agency))
        body = orjson.loads(request.body)
        assert set(body) == {"id", "type", "resource_type", "resource_id", "occurred_at"}
        got[agency].append((body["type"], body["resource_id"]))
    # All rows share the test transaction's now(), so delivery order says nothing here.
    assert sorted(got["hospital"]) == sorted([("referral.sent", root["id"]), ("referral.received", root["id"]),
                                              ("referral.accepted", root["id"])])
    assert sorted(got["consult"]) == sorted([
        ("referral.sent", root["id"]), ("referral.received", root["id"]), ("referral.accepted", root["id"]),
        ("referral.sent", onward.json()["id"]), ("referral.message_posted", onward.json()["id"]),
        ("referral.received", onward.json()["id"])])


# --- the consent gate and provision records ---------------------------------------------------


async def test_send_needs_a_consent_covering_recipient_purpose_and_every_category(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, _ = await _client(db, world)
    draft = await _draft(client, world, "caseworker", person.id, "hospital")
    refused = await _act(client, world, "caseworker", draft, "send")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/consent-missing")
    assert refused.json()["missing"] == ["active_consent"]

    db.add(Consent(client_id=person.id, sequence=1, agency_types=["group_home"], purposes=["care_coordination"],
                   data_categories=["contact"], given_on=today_tokyo(), recorded_how="signed_form"))
    await db.flush()
    draft = await _draft(client, world, "caseworker", person.id, "hospital",
                         shared_fields=["name", "diagnosis_group"])
    refused = await _act(client, world, "caseworker", draft, "send")
    assert refused.status_code == 409
    assert refused.json()["missing"] == ["recipient:psychiatric_hospital", "purpose:referral",
                                         "purpose:housing_search", "data_category:diagnosis",
                                         "data_category:identity"]
    assert not any(s in refused.text for s in SECRETS)
    assert (await db.scalar(select(func.count()).select_from(ThirdPartyProvision)
                            .where(ThirdPartyProvision.client_id == person.id))) == 0

    db.add(Consent(client_id=person.id, sequence=2, agency_ids=[world.agencies["hospital"]],
                   purposes=["referral", "housing_search"], data_categories=["identity", "diagnosis"],
                   given_on=today_tokyo(), recorded_how="signed_form"))
    await db.flush()
    outpatient = await _draft(client, world, "caseworker", person.id, "hospital", purpose="outpatient")
    refused = await _act(client, world, "caseworker", outpatient, "send")
    assert refused.json()["missing"] == ["purpose:medical_care"], "outpatient needs the medical_care purpose"
    sent = await _act(client, world, "caseworker", draft, "send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["shared_snapshot"] == {"name": "佐藤 雅之", "diagnosis_group": "schizophrenia"}

    records = await client.get(f"/v1/clients/{person.id}/provisions", headers=world.auth("caseworker"))
    [record] = records.json()["items"]
    assert record["recipient_agency_id"] == str(world.agencies["hospital"])
    assert record["data_items"] == ["diagnosis_group", "name"]
    assert record["data_categories"] == ["diagnosis", "identity"]
    assert record["referral_id"] == sent.json()["id"]
    assert record["consent_id"] == sent.json()["consent_id"]
    assert record["provided_by"] == str(world.users["caseworker"])

    cancelled = await _act(client, world, "caseworker", sent, "cancel", reason="本人が別の病院を希望")
    assert cancelled.status_code == 200
    kept = await client.get(f"/v1/clients/{person.id}/provisions", headers=world.auth("caseworker"))
    assert [r["id"] for r in kept.json()["items"]] == [record["id"]], "the record outlives the cancelled referral"
    assert (await client.get(f"/v1/clients/{person.id}/provisions", headers=world.auth("partner"))).status_code == 404

    # The database keeps them as written (issue 14, Deliver 12): no update, delete or truncate,
    # whoever asks, the application's own connection included.
    for statement in (f"UPDATE third_party_provision SET purpose = 'other' WHERE id = '{record['id']}'",
                      f"DELETE FROM third_party_provision WHERE id = '{record['id']}'",
                      "TRUNCATE third_party_provision CASCADE"):
        nested = await db.begin_nested()
        try:
            with pytest.raises(DBAPIError, match="append-only"):
                await db.execute(text(statement))
        finally:
            await nested.rollback()


async def test_withdrawing_the_consent_cancels_open_referrals_relying_on_it(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, consent = await _client(db, world, consent={})
    assert consent is not None
    waiting = await _sent(client, world, person.id)
    taken = await _act(client, world, "partner", await _sent(client, world, person.id), "accept")
    draft = await _draft(client, world, "caseworker", person.id, "hospital")
    rejected = await _act(client, world, "partner", await _sent(client, world, person.id), "reject", reason="満床")

    withdrawn = await client.post(f"/v1/clients/{person.id}/consents/{consent.id}/withdraw",
                                  json={"reason": "本人の希望"},
                                  headers={**world.auth("caseworker"), "If-Match": '"1"'})
    assert withdrawn.status_code == 200, withdrawn.text
    assert sorted(withdrawn.json()["cancelled_referral_ids"]) == sorted([waiting.json()["id"], taken.json()["id"]])
    for referral, status in ((waiting, "cancelled"), (taken, "cancelled"), (draft, "draft"), (rejected, "rejected")):
        read = await client.get(f"/v1/referrals/{referral.json()['id']}", headers=world.auth("caseworker"))
        assert read.json()["status"] == status
    read = await client.get(f"/v1/referrals/{taken.json()['id']}", headers=world.auth("partner"))
    assert read.json()["history"][-1]["action"] == "cancel"
    assert read.json()["status_reason"] == referral_service.WITHDRAWAL_REASON
    # Sending the draft now finds no consent.
    assert (await _act(client, world, "caseworker", draft, "send")).status_code == 409
    records = await client.get(f"/v1/clients/{person.id}/provisions", headers=world.auth("caseworker"))
    assert len(records.json()["items"]) == 3


# --- what a partner sees ----------------------------------------------------------------------


async def test_a_partner_never_sees_an_unshared_field(client: httpx.AsyncClient, db: AsyncSession,
                                                      world: World) -> None:
    person, _ = await _client(db, world, consent={"data_categories": ["identity", "contact", "diagnosis"]})
    sent = await _sent(client, world, person.id)
    referral_id = sent.json()["id"]
    assert sent.json()["client_id"] == str(person.id), "the sender's staff see their own view"
    await client.post(f"/v1/referrals/{referral_id}/messages", json={"body": "ご検討ください"},
                      headers=world.auth("caseworker"))
    responses = []
    for actor in ("partner", "hospital-system"):
        auth = world.auth(actor)
        responses += [
            await client.get("/v1/referrals", headers=auth),
            await client.get("/v1/referrals", params={"box": "incoming", "overdue": "false"}, headers=auth),
            await client.get(f"/v1/referrals/{referral_id}", headers=auth),
            await client.get(f"/v1/referrals/{referral_id}/chain", headers=auth),
            await client.get(f"/v1/referrals/{referral_id}/messages", headers=auth),
            await client.post(f"/v1/referrals/{referral_id}/transitions", json={"action": "complete"},
                              headers={**auth, **etag(sent)}),
            await client.post(f"/v1/referrals/{referral_id}/transitions", json={"action": "cancel", "reason": "x"},
                              headers={**auth, **etag(sent)}),
            await client.get(f"/v1/clients/{person.id}", headers=auth),
            await client.get(f"/v1/clients/{person.id}/provisions", headers=auth),
        ]
    accepted = await _act(client, world, "hospital-system", sent, "accept")
    responses.append(accepted)
    assert [r.status_code for r in responses[5:9]] == [409, 403, 404, 404]
    for response in responses:
        for secret in (*SECRETS, str(person.id), "サトウ"):
            assert secret not in response.text, f"{secret!r} leaked to a partner: {response.request.url}"
    assert accepted.json()["shared_snapshot"] == {"name": "佐藤 雅之"}
    assert set(accepted.json()) & {"client_id", "episode_id", "needs_summary", "consent_id"} == set()


async def test_partner_reads_are_audited_against_the_client(client: httpx.AsyncClient, db: AsyncSession,
                                                            world: World) -> None:
    person, _ = await _client(db, world, consent={})
    sent = await _sent(client, world, person.id)
    await client.get(f"/v1/referrals/{sent.json()['id']}", headers=world.auth("hospital-system"))
    await client.get("/v1/referrals", params={"box": "incoming"}, headers=world.auth("partner"))
    rows = (await db.scalars(select(AuditEvent).where(AuditEvent.client_id == person.id,
                                                      AuditEvent.resource_type == "referral"))).all()
    seen = {(r.actor_id, r.action, r.subject) for r in rows}
    assert (world.machines["hospital-system"], "read", None) in seen
    assert (world.users["partner"], "read", "list") in seen
    assert (world.users["caseworker"], "transition", None) in seen
    assert any(r.resource_type == "third_party_provision" for r in (await db.scalars(
        select(AuditEvent).where(AuditEvent.client_id == person.id))).all())


# --- transitions ------------------------------------------------------------------------------


async def test_every_transition_by_its_own_side_with_reasons_and_history(client: httpx.AsyncClient,
                                                                         db: AsyncSession, world: World) -> None:
    person, _ = await _client(db, world, consent={})
    sent = await _sent(client, world, person.id)
    assert sent.json()["allowed_actions"] == ["cancel"]
    assert (await _act(client, world, "caseworker", sent, "accept")).status_code == 403, "the sender never accepts"
    assert (await _act(client, world, "partner", sent, "cancel", reason="x")).status_code == 403
    assert (await _act(client, world, "partner", sent, "send")).status_code == 403
    assert (await _act(client, world, "coordinator", sent, "receive")).status_code == 404, "another agency's"
    received = await _act(client, world, "partner", sent, "receive")
    assert received.status_code == 200
    stale = await client.post(f"/v1/referrals/{sent.json()['id']}/transitions", json={"action": "accept"},
                              headers={**world.auth("partner"), **etag(sent)})
    assert stale.status_code == 412
    no_etag = await client.post(f"/v1/referrals/{sent.json()['id']}/transitions", json={"action": "accept"},
                                headers=world.auth("partner"))
    assert no_etag.status_code == 428
    illegal = await _act(client, world, "partner", received, "complete")
    assert illegal.status_code == 409
    assert illegal.json()["allowed"] == ["accept", "reject"]
    accepted = await _act(client, world, "partner", received, "accept")
    started = await _act(client, world, "partner", accepted, "start")
    assert (await _act(client, world, "partner", started, "fail")).status_code == 422, "fail needs a reason"
    completed = await _act(client, world, "partner", started, "complete")
    assert completed.status_code == 200
    assert completed.json()["allowed_actions"] == []
    staff = await client.get(f"/v1/referrals/{sent.json()['id']}", headers=world.auth("caseworker"))
    assert [(h["action"], h["to_status"]) for h in staff.json()["history"]] == [
        ("create", "draft"), ("send", "requested"), ("receive", "received"), ("accept", "accepted"),
        ("start", "in_progress"), ("complete", "completed")]
    assert (await _act(client, world, "caseworker", staff, "cancel", reason="x")).json()["allowed"] == []

    other = await _sent(client, world, person.id)
    assert (await _act(client, world, "partner", other, "reject")).status_code == 422, "reject needs a reason"
    rejected = await _act(client, world, "partner", other, "reject", reason="満床のため")
    assert (rejected.json()["status"], rejected.json()["status_reason"]) == ("rejected", "満床のため")
    third = await _sent(client, world, person.id)
    assert (await _act(client, world, "caseworker", third, "cancel")).status_code == 422, "cancel needs a reason"
    started = await _act(client, world, "partner", await _act(client, world, "partner", third, "accept"), "start")
    failed = await _act(client, world, "partner", started, "fail", reason="本人の体調悪化")
    assert failed.json()["status"] == "failed"


async def test_coordinator_answers_referrals_addressed_to_its_agency(client: httpx.AsyncClient, db: AsyncSession,
                                                                     world: World) -> None:
    person, _ = await _client(db, world, consent={"agency_ids": [world.agencies["mota"]]})
    draft = await _draft(client, world, "caseworker", person.id, "mota", purpose="trial_stay")
    assert (await client.get(f"/v1/referrals/{draft.json()['id']}", headers=world.auth("coordinator"))
            ).status_code == 404, "a draft is the sender's alone"
    sent = await _act(client, world, "caseworker", draft, "send")
    box = (await client.get("/v1/referrals", params={"box": "incoming"}, headers=world.auth("coordinator"))).json()
    assert [r["id"] for r in box["items"]] == [sent.json()["id"]]
    assert "client_id" not in box["items"][0], "the coordinator does not see this client's record"
    assert (await _act(client, world, "coordinator", sent, "accept")).status_code == 200


async def test_onward_referral_shares_only_what_was_received(client: httpx.AsyncClient, db: AsyncSession,
                                                             world: World) -> None:
    person, _ = await _client(db, world, consent={})
    sent = await _sent(client, world, person.id)
    onward = {"to_agency_id": str(world.agencies["grouphome"]), "part_of": sent.json()["id"], "purpose": "group_home",
              "reason": "入居相談", "shared_fields": ["name"]}
    early = await client.post("/v1/referrals", json=onward, headers=world.auth("partner"))
    assert early.status_code == 409, "accept before referring on"
    await _act(client, world, "partner", sent, "accept")
    more = await client.post("/v1/referrals", json={**onward, "shared_fields": ["name", "kana"]},
                             headers=world.auth("partner"))
    assert more.status_code == 422
    assert "kana" in more.json()["detail"]
    by_sender = await client.post("/v1/referrals", json=onward, headers=world.auth("caseworker"))
    assert by_sender.status_code == 422, "only the receiver continues a referral"


# --- overdue and the outbox --------------------------------------------------------------------


async def test_overdue_is_flagged_and_filterable(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, _ = await _client(db, world, consent={})
    late = await _sent(client, world, person.id, due_on=str(today_tokyo() - timedelta(days=1)))
    on_time = await _sent(client, world, person.id, due_on=str(today_tokyo()))
    assert late.json()["overdue"] is True
    assert on_time.json()["overdue"] is False, "the due day itself is on time"
    auth = world.auth("partner")
    flagged = (await client.get("/v1/referrals", params={"overdue": "true"}, headers=auth)).json()["items"]
    assert [r["id"] for r in flagged] == [late.json()["id"]]
    fine = (await client.get("/v1/referrals", params={"overdue": "false"}, headers=auth)).json()["items"]
    assert late.json()["id"] not in [r["id"] for r in fine]
    accepted = await _act(client, world, "partner", late, "accept")
    assert accepted.json()["overdue"] is False, "once answered it is no longer late"


async def test_events_are_written_with_the_change_and_vanish_with_its_rollback(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    person, _ = await _client(db, world, consent={})
    db.add(WebhookSubscription(agency_id=world.agencies["hospital"], url="https://hospital.example/hooks",
                               events=["referral.*"], secret=make_secret("x"), created_by=world.users["admin"]))
    await db.flush()
    sent = await _sent(client, world, person.id)
    referral_id = uuid.UUID(sent.json()["id"])

    async def outbox() -> list[str]:
        return list((await db.scalars(select(WebhookDelivery.event_type)
                                      .where(WebhookDelivery.resource_id == referral_id))).all())

    assert await outbox() == ["referral.sent"]
    partner = Principal(kind="user", id=world.users["partner"], name="partner", role=Role.partner,
                        agency_id=world.agencies["hospital"], agency_type="psychiatric_hospital",
                        branches=frozenset())
    async with db.begin_nested() as savepoint:
        unit = RequestUnit(session=db, context={})
        await referral_service.transition(unit, partner, referral_id, ReferralTransition(action="accept"),
                                          sent.json()["version"])
        assert sorted(await outbox()) == ["referral.accepted", "referral.sent"]
        await savepoint.rollback()
    db.expunge_all()
    assert await outbox() == ["referral.sent"], "the rolled-back acceptance left no event"
    assert (await db.get(Referral, referral_id)).status == "requested"  # type: ignore[union-attr]
