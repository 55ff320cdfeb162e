"""Who may do what with council meetings.

Meetings hold no client data, so every signed-in role reads them; only the council secretariat
(and admin) manage them. A closed agenda item (非公開) is where individual cases come up: its
summary and figures are for the people who manage meetings, not for every reader.
"""

from __future__ import annotations

from api.domain.roles import Role

__all__ = ["MEETING_MANAGERS", "sees_closed_item_content"]

MEETING_MANAGERS: frozenset[Role] = frozenset({Role.secretariat, Role.admin})


def sees_closed_item_content(role: Role) -> bool:
    return role in MEETING_MANAGERS
