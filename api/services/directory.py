"""The staff directory: active agencies and active staff users, searchable by name and reading, for
every staff role that needs to name a colleague or an agency (care teams, referrals, meetings).
The admin's full views stay in api/services/agencies.py and users.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, any_, func, literal, or_, select

from api.db.models import Agency, UserAccount
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.kana import is_valid_kana, normalize_kana
from api.domain.principal import Principal
from api.pagination import PageParams, keyset, typed_cursor
from api.services.guard import require

# Staff without a recorded reading sort by their name after the kana ones' row of the table.
USER_SORT: ColumnElement[str] = func.coalesce(UserAccount.display_name_kana, UserAccount.display_name)


def _name_matches(q: str, *names: Any) -> list[ColumnElement[bool]]:
    return [name.icontains(q, autoescape=True) for name in names]


async def agencies(unit: RequestUnit, principal: Principal, page: PageParams, *, q: str | None,
                   type_: str | None, branch_code: str | None) -> Sequence[Agency]:
    require(unit, principal, Action.directory_agencies, resource_type="directory")
    stmt = select(Agency).where(Agency.active.is_(True))
    if q:
        stmt = stmt.where(or_(*_name_matches(q, Agency.name_ja, Agency.name_en, Agency.code)))
    if type_ is not None:
        stmt = stmt.where(Agency.type == type_)
    if branch_code is not None:
        stmt = stmt.where(Agency.branch_code == branch_code)
    return (await unit.session.scalars(keyset(stmt, [Agency.code], page))).all()


async def users(unit: RequestUnit, principal: Principal, page: PageParams, *, q: str | None, role: str | None,
                agency_id: uuid.UUID | None, branch_code: str | None) -> Sequence[RowMapping]:
    require(unit, principal, Action.directory_users, resource_type="directory")
    stmt = (select(UserAccount.id, UserAccount.display_name, UserAccount.display_name_kana, UserAccount.role,
                   UserAccount.agency_id, Agency.name_ja.label("agency_name_ja"), UserAccount.branch_codes,
                   USER_SORT.label("sort_key"))
            .join(Agency, Agency.id == UserAccount.agency_id)
            .where(UserAccount.active.is_(True), Agency.active.is_(True)))
    if q:
        matches = _name_matches(q, UserAccount.display_name, func.replace(UserAccount.display_name, " ", ""))
        kana = normalize_kana(q)
        if is_valid_kana(kana):  # たなか, タナカ and ﾀﾅｶ all find タナカ メグミ; so does メグミ (any word)
            matches += [UserAccount.display_name_kana.startswith(kana, autoescape=True),
                        UserAccount.display_name_kana.contains(" " + kana, autoescape=True),
                        func.replace(UserAccount.display_name_kana, " ", "").startswith(kana.replace(" ", ""),
                                                                                        autoescape=True)]
        stmt = stmt.where(or_(*matches))
    if role is not None:
        stmt = stmt.where(UserAccount.role == role)
    if agency_id is not None:
        stmt = stmt.where(UserAccount.agency_id == agency_id)
    if branch_code is not None:
        stmt = stmt.where(literal(branch_code) == any_(UserAccount.branch_codes))
    page = typed_cursor(page, [str, uuid.UUID])
    result = await unit.session.execute(keyset(stmt, [USER_SORT, UserAccount.id], page))
    return result.mappings().all()
