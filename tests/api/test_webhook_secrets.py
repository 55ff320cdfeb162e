"""Webhook signing secrets are encrypted at rest with keys outside the database, and the keys can be
rotated (issue 14, Deliver 13; README "Operations")."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli import main as cli
from api.config import Settings
from api.db.models import WebhookSubscription
from api.secret_box import SecretBox, SecretKeyError, new_key_setting, secret_box
from api.services.webhooks import reencrypt_secrets
from tests.world import World

HOOK = {"url": "https://hospital.example/hooks", "events": ["referral.*"]}


async def test_the_database_never_holds_a_secret_in_clear(client: httpx.AsyncClient, db: AsyncSession,
                                                          world: World, settings: Settings) -> None:
    auth = world.auth("hospital-system")
    created = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).json()
    rotated = (await client.post(f"/v1/webhooks/{created['id']}/rotate-secret",
                                 headers={**auth, "If-Match": '"1"'})).json()
    row = (await db.execute(text("SELECT secret, previous_secret FROM webhook_subscription WHERE id = :id"),
                            {"id": created["id"]})).one()
    dump = " ".join(row)
    for secret in (created["secret"], rotated["secret"]):
        assert secret not in dump
        assert secret.removeprefix("whsec_") not in dump
    box = secret_box(settings)
    assert row.secret.startswith(f"enc:v1:{box.current_key_id}:")
    owner = uuid.UUID(created["id"])
    assert (box.decrypt(row.secret, owner), box.decrypt(row.previous_secret, owner)) == (
        rotated["secret"], created["secret"])


def test_a_value_moved_to_another_row_or_altered_does_not_decrypt() -> None:
    box = SecretBox({"k1": b"\x01" * 32})
    owner = uuid.uuid4()
    sealed = box.encrypt("whsec_abc", owner)
    assert box.decrypt(sealed, owner) == "whsec_abc"
    with pytest.raises(SecretKeyError):
        box.decrypt(sealed, uuid.uuid4())
    with pytest.raises(SecretKeyError):
        box.decrypt(sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"), owner)
    with pytest.raises(SecretKeyError):
        SecretBox({"k2": b"\x02" * 32}).decrypt(sealed, owner)


@pytest.mark.parametrize("value", ["", "k1", "k1:not-base64!", "k1:AAAA", "bad id:" + "A" * 44,
                                   "k1:" + "A" * 43 + "=,k1:" + "A" * 43 + "="])
def test_unusable_key_settings_are_refused(settings: Settings, value: str) -> None:
    with pytest.raises(SecretKeyError):
        SecretBox.from_settings(settings.model_copy(update={"webhook_secret_keys": SecretStr(value)}))


async def test_rotating_the_key_re_encrypts_every_secret_without_changing_etags(
        db: AsyncSession, world: World, settings: Settings) -> None:
    old_key, new_key = new_key_setting("old"), new_key_setting("new")
    def box(keys: str) -> SecretBox:
        return SecretBox.from_settings(settings.model_copy(update={"webhook_secret_keys": SecretStr(keys)}))

    old_box, both, new_only = box(old_key), box(f"{new_key},{old_key}"), box(new_key)
    plain_id, sealed_id = uuid.uuid4(), uuid.uuid4()
    db.add_all([
        # one stored before secrets were encrypted, one under the key being rotated out
        WebhookSubscription(id=plain_id, agency_id=world.agencies["hospital"], url="https://h.example/a",
                            events=["*"], secret="whsec_cGxhaW4=", created_by=world.users["admin"]),
        WebhookSubscription(id=sealed_id, agency_id=world.agencies["hospital"], url="https://h.example/b",
                            events=["*"], secret=old_box.encrypt("whsec_bmV3", sealed_id),
                            previous_secret=old_box.encrypt("whsec_b2xk", sealed_id), created_by=world.users["admin"]),
    ])
    await db.flush()
    versions = {row.id: row.version for row in await db.execute(
        select(WebhookSubscription.id, WebhookSubscription.version)
        .where(WebhookSubscription.id.in_([plain_id, sealed_id])))}
    assert await reencrypt_secrets(db, both) >= 2
    assert await reencrypt_secrets(db, both) == 0, "nothing left under another key"
    rows = {r.id: r for r in (await db.execute(
        select(WebhookSubscription.id, WebhookSubscription.secret, WebhookSubscription.previous_secret,
               WebhookSubscription.version).where(WebhookSubscription.id.in_([plain_id, sealed_id])))).all()}
    assert new_only.decrypt(rows[plain_id].secret, plain_id) == "whsec_cGxhaW4="
    assert new_only.decrypt(rows[sealed_id].secret, sealed_id) == "whsec_bmV3"
    assert new_only.decrypt(rows[sealed_id].previous_secret, sealed_id) == "whsec_b2xk"
    assert {i: r.version for i, r in rows.items()} == versions


def test_the_cli_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    cli(["new-secret-key", "k2026"])
    line = capsys.readouterr().out.strip()
    assert line.startswith("k2026:")
    box = SecretBox.from_settings(Settings(webhook_secret_keys=SecretStr(line)))
    owner = uuid.uuid4()
    assert box.decrypt(box.encrypt("whsec_x", owner), owner) == "whsec_x"
