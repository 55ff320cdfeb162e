"""The apps staff sign in through (web, mobile), registered by the admin: their type and exact
redirect URIs. A confidential client's secret is generated here, stored only as an Argon2 hash
and handed out once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import OAuthClient
from api.db.unit import RequestUnit
from api.messages import msg
from api.pagination import PageParams, keyset
from api.problems import Problem, not_found
from api.schemas.identity import OAuthClientCreate, OAuthClientUpdate
from api.security import hash_password, new_opaque_token


async def get(session: AsyncSession, client_pk: uuid.UUID) -> OAuthClient:
    client = await session.get(OAuthClient, client_pk)
    if client is None:
        raise not_found("what.oauth_client")
    return client


async def list_page(session: AsyncSession, page: PageParams, *, active: bool | None) -> Sequence[OAuthClient]:
    stmt = select(OAuthClient)
    if active is not None:
        stmt = stmt.where(OAuthClient.active.is_(active))
    if page.updated_since is not None:
        stmt = stmt.where(OAuthClient.updated_at > page.updated_since)
    return (await session.scalars(keyset(stmt, [OAuthClient.client_id], page))).all()


async def create(unit: RequestUnit, body: OAuthClientCreate) -> tuple[OAuthClient, str | None]:
    session = unit.session
    taken = await session.scalar(select(func.count()).select_from(OAuthClient)
                                 .where(OAuthClient.client_id == body.client_id))
    if taken:
        raise Problem("conflict", msg("record.code_taken", what=msg("what.client_id"), value=body.client_id))
    secret = new_opaque_token() if body.client_type == "confidential" else None
    client = OAuthClient(client_id=body.client_id, name=body.name, client_type=body.client_type,
                         secret_hash=hash_password(secret) if secret else None,
                         redirect_uris=list(body.redirect_uris), active=body.active)
    session.add(client)
    await session.flush()
    await session.refresh(client)
    unit.audit("create", "oauth_client", resource_id=client.id, subject=client.client_id,
               detail={"client_type": client.client_type, "redirect_uris": client.redirect_uris})
    return client, secret


async def update(unit: RequestUnit, client: OAuthClient, body: OAuthClientUpdate) -> OAuthClient:
    changes = body.changes()
    for name, value in changes.items():
        setattr(client, name, value)
    await unit.session.flush()
    await unit.session.refresh(client)
    unit.audit("update", "oauth_client", resource_id=client.id, subject=client.client_id,
               detail={"changed": sorted(changes), **({"redirect_uris": client.redirect_uris}
                                                     if "redirect_uris" in changes else {})})
    return client
