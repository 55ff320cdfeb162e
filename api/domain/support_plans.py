"""Issue 18, item 7: rules of shared support plans (支援方針), pure.

A version is a draft until published, then immutable; the current version of an episode's plan
is its highest published number; who still has to read it is every current care-team member
without an acknowledgement of that version."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from api.domain import codes

DRAFT = "draft"
PUBLISHED = "published"
PLAN_STATUSES = codes.codes_of(codes.SUPPORT_PLAN_STATUSES)


def unread(members: Iterable[uuid.UUID], acknowledged: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Members (in the given order, each once) who have not acknowledged the version."""
    seen = set(acknowledged)
    return [m for m in dict.fromkeys(members) if m not in seen]
