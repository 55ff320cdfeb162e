from __future__ import annotations

import uuid
from dataclasses import dataclass

from api.domain.roles import Role


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting, as read from the database on this request (never from token claims)."""

    kind: str  # "user" or "client"
    id: uuid.UUID
    name: str
    role: Role
    agency_id: uuid.UUID
    agency_type: str
    branches: frozenset[str]

    @property
    def is_machine(self) -> bool:
        return self.kind == "client"
