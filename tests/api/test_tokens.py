"""Forged, broken and stale access tokens answer 401 on GET /v1/me; the account's state is read
from the database on every request. Tokens are built by hand here (not with python-jose), so a
test can say exactly what goes into the header, the claims and the signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import UserAccount
from api.security import ACCESS_TOKEN_TYPE, MAX_TOKEN_BYTES
from tests.world import PASSWORD, World


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: dict[str, Any]) -> str:
    return b64(json.dumps(obj, separators=(",", ":")).encode())


class Minter:
    """Signs whatever it is given with the service's own ES256 key (or with what a forger has)."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.service = app.state.tokens
        assert self.service.keys.algorithm == "ES256"
        pem = (settings.data_dir / "jwt-es256-dev.pem").read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        self.private = key
        public = key.public_key()
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        self.public_pem = public.public_bytes(serialization.Encoding.PEM, spki)
        self.public_der = public.public_bytes(serialization.Encoding.DER, spki)
        self.kid = self.service.keys.current_kid

    def header(self, **changes: Any) -> dict[str, Any]:
        return {k: v for k, v in {"alg": "ES256", "typ": ACCESS_TOKEN_TYPE, "kid": self.kid, **changes}.items()
                if v is not None}

    def claims(self, subject: uuid.UUID, /, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {"iss": self.service.issuer, "aud": self.service.audience, "sub": str(subject), "iat": now, "nbf": now,
                "exp": now + 600, "jti": uuid.uuid4().hex, "token_use": "access", "pk": "user", **changes}
        return {k: v for k, v in base.items() if v is not None}

    def es256(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        signing_input = f"{segment(header)}.{segment(claims)}".encode()
        r, s = decode_dss_signature(self.private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return f"{signing_input.decode()}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    @staticmethod
    def hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
        signing_input = f"{segment(header)}.{segment(claims)}".encode()
        return f"{signing_input.decode()}.{b64(hmac.new(secret, signing_input, hashlib.sha256).digest())}"


@pytest.fixture
def minter(app: FastAPI, settings: Settings) -> Minter:
    return Minter(app, settings)


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


async def assert_refused(client: httpx.AsyncClient, token: str) -> None:
    response = await me(client, token)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_hand_made_token_with_every_claim_right_is_accepted(
    client: httpx.AsyncClient, minter: Minter, world: World
) -> None:
    """The control for everything below: the minter itself produces tokens the service accepts."""
    token = minter.es256(minter.header(), minter.claims(world.users["caseworker"]))
    response = await me(client, token)
    assert response.status_code == 200
    assert response.json()["role"] == "caseworker"


Forge = Callable[[Minter, uuid.UUID], str]

FORGERIES: dict[str, Forge] = {
    "alg none": lambda m, sub: f"{segment(m.header(alg='none'))}.{segment(m.claims(sub))}.",
    "alg none, no kid": lambda m, sub: (
        f"{segment({'alg': 'none', 'typ': ACCESS_TOKEN_TYPE})}.{segment(m.claims(sub))}."
    ),
    "HS256 with the public key (PEM) as secret": lambda m, sub: m.hs256(m.header(alg="HS256"), m.claims(sub),
                                                                        m.public_pem),
    "HS256 with the public key (DER) as secret": lambda m, sub: m.hs256(m.header(alg="HS256"), m.claims(sub),
                                                                        m.public_der),
    "unknown kid": lambda m, sub: m.es256(m.header(kid="not-a-known-key"), m.claims(sub)),
    "no kid": lambda m, sub: m.es256({"alg": "ES256", "typ": ACCESS_TOKEN_TYPE}, m.claims(sub)),
    "no exp": lambda m, sub: m.es256(m.header(), m.claims(sub, exp=None)),
    "exp not a number": lambda m, sub: m.es256(m.header(), m.claims(sub, exp="tomorrow")),
    "exp as a float string": lambda m, sub: m.es256(m.header(), m.claims(sub, exp=str(int(time.time()) + 600))),
    "expired": lambda m, sub: m.es256(m.header(), m.claims(sub, iat=int(time.time()) - 1200,
                                                          nbf=int(time.time()) - 1200, exp=int(time.time()) - 300)),
    "no aud": lambda m, sub: m.es256(m.header(), m.claims(sub, aud=None)),
    "wrong aud": lambda m, sub: m.es256(m.header(), m.claims(sub, aud="some-other-api")),
    "no iss": lambda m, sub: m.es256(m.header(), m.claims(sub, iss=None)),
    "wrong iss": lambda m, sub: m.es256(m.header(), m.claims(sub, iss="https://evil.example/")),
    "no sub": lambda m, sub: m.es256(m.header(), m.claims(sub, sub=None)),
    "sub not a principal id": lambda m, sub: m.es256(m.header(), m.claims(sub, sub="admin")),
    "sub of nobody": lambda m, sub: m.es256(m.header(), m.claims(uuid.uuid4())),
    "no iat": lambda m, sub: m.es256(m.header(), m.claims(sub, iat=None)),
    "iat in the future": lambda m, sub: m.es256(m.header(), m.claims(sub, iat=int(time.time()) + 3600)),
    "no jti": lambda m, sub: m.es256(m.header(), m.claims(sub, jti=None)),
    "no token_use": lambda m, sub: m.es256(m.header(), m.claims(sub, token_use=None)),
    "token_use refresh": lambda m, sub: m.es256(m.header(), m.claims(sub, token_use="refresh")),
    "typ JWT": lambda m, sub: m.es256(m.header(typ="JWT"), m.claims(sub)),
    "no typ": lambda m, sub: m.es256(m.header(typ=None), m.claims(sub)),
    "principal kind client for a user id": lambda m, sub: m.es256(m.header(), m.claims(sub, pk="client")),
    "signature of another payload": lambda m, sub: (
        m.es256(m.header(), m.claims(sub)).rsplit(".", 1)[0].rsplit(".", 1)[0]
        + "." + segment(m.claims(sub, sub=str(uuid.uuid4())))
        + "." + m.es256(m.header(), m.claims(sub)).rsplit(".", 1)[1]
    ),
    "oversized": lambda m, sub: m.es256(m.header(), m.claims(sub, padding="x" * MAX_TOKEN_BYTES)),
    "garbage": lambda m, sub: "not.a.jwt",
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
async def test_forged_or_broken_token_is_401(name: str, client: httpx.AsyncClient, minter: Minter,
                                             world: World) -> None:
    token = FORGERIES[name](minter, world.users["admin"])
    if name == "oversized":
        assert len(token) > MAX_TOKEN_BYTES
    await assert_refused(client, token)


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/v1/auth/token", data={"grant_type": "password", "username": username,
                                                         "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_refresh_token_is_not_an_access_token(client: httpx.AsyncClient, world: World) -> None:
    tokens = await login(client, "t.caseworker")
    await assert_refused(client, tokens["refresh_token"])
    assert (await me(client, tokens["access_token"])).status_code == 200


async def test_disabled_user_is_refused_on_the_next_request(client: httpx.AsyncClient, db: AsyncSession,
                                                            world: World) -> None:
    token = world.token("caseworker")
    assert (await me(client, token)).status_code == 200
    await db.execute(update(UserAccount).where(UserAccount.id == world.users["caseworker"]).values(active=False))
    await db.flush()
    await assert_refused(client, token)


async def test_changed_role_applies_on_the_next_request(client: httpx.AsyncClient, db: AsyncSession,
                                                        world: World) -> None:
    token = world.token("caseworker")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/agencies", headers=headers)).status_code == 403
    await db.execute(update(UserAccount).where(UserAccount.id == world.users["caseworker"]).values(role="admin"))
    await db.flush()
    assert (await client.get("/v1/agencies", headers=headers)).status_code == 200
    assert (await me(client, token)).json()["role"] == "admin"
    await db.execute(update(UserAccount).where(UserAccount.id == world.users["caseworker"]).values(role="auditor"))
    await db.flush()
    assert (await client.get("/v1/agencies", headers=headers)).status_code == 403


async def test_revoked_access_token_is_refused(client: httpx.AsyncClient, world: World) -> None:
    token = world.token("caseworker")
    other = world.token("caseworker")
    assert (await me(client, token)).status_code == 200
    assert (await client.post("/v1/auth/revoke", data={"token": token})).status_code == 200
    await assert_refused(client, token)
    # Only that token: another login of the same user still works.
    assert (await me(client, other)).status_code == 200
