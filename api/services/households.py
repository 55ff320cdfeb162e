"""A client's related persons, and their links to other client records.

A link is shown only to a caller who sees the linked client too; to everyone else the related
person reads exactly as one without a client record. The link lives in its own table, so linking
never changes the related person's version (ETag) or updated_at, and unlinking a link the caller
cannot see answers the same 404 as unlinking one that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.sql.elements import ColumnElement

from api.conventions import check_version
from api.db.models import Client, RelatedPerson, RelatedPersonLink
from api.db.scopes import client_visible, clients_visible_to
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.principal import Principal
from api.messages import msg
from api.problems import id_taken, invalid_field
from api.schemas.households import RelatedPersonCreate, RelatedPersonRead, RelatedPersonUpdate
from api.services import clients as client_service
from api.services.guard import invisible, require
from api.services.shaping import Shaped, shape


def _shown_link(principal: Principal) -> Any:
    """The linked client's id when the caller sees that client, else NULL (as if unlinked)."""
    return (select(RelatedPersonLink.linked_client_id)
            .where(RelatedPersonLink.related_person_id == RelatedPerson.id,
                   client_visible(principal, RelatedPersonLink.linked_client_id))
            .scalar_subquery().label("linked_client_id"))


def _read(person: RelatedPerson, linked: uuid.UUID | None) -> RelatedPersonRead:
    fields = {k: getattr(person, k) for k in RelatedPersonRead.model_fields if k != "linked_client_id"}
    return RelatedPersonRead(**fields, linked_client_id=linked)


def _audit_read(unit: RequestUnit, person: RelatedPerson, linked: uuid.UUID | None) -> None:
    # Showing the link tells the caller something about the linked client too: that client's log says so.
    if linked is not None:
        unit.audit("read", "related_person", resource_id=person.id, client_id=linked, subject="linked")


async def _one(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, person_id: uuid.UUID,
               action: Action) -> RelatedPerson:
    await client_service.get_visible(unit, principal, client_id, for_update=action == Action.household_write)
    person = await unit.session.scalar(select(RelatedPerson).where(RelatedPerson.id == person_id,
                                                                   RelatedPerson.client_id == client_id))
    if person is None:
        raise await invisible(unit, "related_person", person_id, client_id=client_id)
    require(unit, principal, action, resource_type="related_person", resource_id=person_id, client_id=client_id)
    return person


async def _linked_seen(unit: RequestUnit, principal: Principal, person_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = await unit.session.scalar(
        select(RelatedPersonLink.linked_client_id).where(RelatedPersonLink.related_person_id == person_id,
                                                         client_visible(principal, RelatedPersonLink.linked_client_id)))
    return found


async def _check_link_target(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                             linked_id: uuid.UUID) -> None:
    if linked_id == client_id:
        raise invalid_field("linked_client_id", msg("household.link_self"))
    seen = await unit.session.scalar(select(Client.id).where(Client.id == linked_id, clients_visible_to(principal)))
    if seen is None:  # linking needs the writer to see both clients; an unseen one answers as a random id
        raise await invisible(unit, "client", linked_id)


async def list_for_client(unit: RequestUnit, principal: Principal,
                          client_id: uuid.UUID) -> list[RelatedPersonRead]:
    await client_service.get_visible(unit, principal, client_id)
    require(unit, principal, Action.household_read, resource_type="related_person", client_id=client_id)
    unit.audit("read", "related_person", client_id=client_id, subject="list")
    rows = (await unit.session.execute(
        select(RelatedPerson, _shown_link(principal)).where(RelatedPerson.client_id == client_id)
        .order_by(RelatedPerson.created_at, RelatedPerson.id))).all()
    for person, linked in rows:
        _audit_read(unit, person, linked)
    return [_read(person, linked) for person, linked in rows]


async def get(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
              person_id: uuid.UUID) -> tuple[RelatedPersonRead, int]:
    person = await _one(unit, principal, client_id, person_id, Action.household_read)
    linked = await _linked_seen(unit, principal, person.id)
    unit.audit("read", "related_person", resource_id=person.id, client_id=client_id)
    _audit_read(unit, person, linked)
    return _read(person, linked), person.version


async def create(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                 body: RelatedPersonCreate) -> tuple[RelatedPersonRead, int]:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    require(unit, principal, Action.household_write, resource_type="related_person", client_id=client_id)
    if body.linked_client_id is not None:
        await _check_link_target(unit, principal, client_id, body.linked_client_id)
    if body.id is not None and await unit.session.get(RelatedPerson, body.id) is not None:
        raise id_taken()
    person = RelatedPerson(id=body.id or uuid.uuid4(), client_id=client_id, name=body.name,
                           relationship=body.relationship, lives_in_household=body.lives_in_household,
                           phone=body.phone, note=body.note, recorded_by=principal.id)
    unit.session.add(person)
    await unit.session.flush()
    unit.audit("create", "related_person", resource_id=person.id, client_id=client_id)
    if body.linked_client_id is not None:
        await _link(unit, principal, person, body.linked_client_id)
    return _read(person, body.linked_client_id), person.version


async def update(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, person_id: uuid.UUID,
                 body: RelatedPersonUpdate, expected_version: int) -> tuple[RelatedPersonRead, int]:
    person = await _one(unit, principal, client_id, person_id, Action.household_write)
    check_version(person.version, expected_version)
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is None and name in ("relationship", "lives_in_household"):
            continue  # required columns: null leaves them as they are
        setattr(person, name, value)
    await unit.session.flush()
    unit.audit("update", "related_person", resource_id=person.id, client_id=client_id)
    return _read(person, await _linked_seen(unit, principal, person.id)), person.version


async def _link(unit: RequestUnit, principal: Principal, person: RelatedPerson, linked_id: uuid.UUID) -> None:
    # Replaces any earlier link, seen or not: what the caller cannot see it cannot learn of either.
    await unit.session.execute(delete(RelatedPersonLink).where(RelatedPersonLink.related_person_id == person.id))
    unit.session.add(RelatedPersonLink(related_person_id=person.id, linked_client_id=linked_id,
                                       linked_by=principal.id))
    await unit.session.flush()
    unit.audit("link", "related_person", resource_id=person.id, client_id=person.client_id,
               detail={"linked_client_id": str(linked_id)})
    unit.audit("link", "related_person", resource_id=person.id, client_id=linked_id, subject="linked")


async def link(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, person_id: uuid.UUID,
               linked_id: uuid.UUID) -> tuple[RelatedPersonRead, int]:
    person = await _one(unit, principal, client_id, person_id, Action.household_write)
    await _check_link_target(unit, principal, client_id, linked_id)
    await _link(unit, principal, person, linked_id)
    return _read(person, linked_id), person.version


async def unlink(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, person_id: uuid.UUID) -> None:
    person = await _one(unit, principal, client_id, person_id, Action.household_write)
    seen: ColumnElement[bool] = and_(RelatedPersonLink.related_person_id == person.id,
                                     client_visible(principal, RelatedPersonLink.linked_client_id))
    linked = await unit.session.scalar(select(RelatedPersonLink.linked_client_id).where(seen).with_for_update())
    if linked is None:
        raise await invisible(unit, "related_person_link", person.id, client_id=client_id)
    await unit.session.execute(delete(RelatedPersonLink).where(RelatedPersonLink.related_person_id == person.id))
    unit.audit("unlink", "related_person", resource_id=person.id, client_id=client_id,
               detail={"linked_client_id": str(linked)})
    unit.audit("unlink", "related_person", resource_id=person.id, client_id=linked, subject="linked")


# --- the export (GET /v1/exports/related-persons) and the change feed ---
def select_with_link(principal: Principal) -> Any:
    """Each person with the linked client's id only where the caller sees that client."""
    return select(RelatedPerson, _shown_link(principal))


def view_with_link(principal: Principal, row: Any) -> Shaped:
    return shape(principal, _read(row[0], row[1]))
