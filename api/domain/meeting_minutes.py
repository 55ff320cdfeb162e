"""What a published meeting shows: its minutes (議事録) and the fields of meetings that are
readable without login.

Minutes are composed once, when a held meeting is published, from the agenda as it stands then:
the public items in order with their summaries, plus the head count. A closed item (非公開) is
left out entirely — not its title, not its presenters, not its figures — because the published
minutes are read by anyone, and a closed item is where individual cases are discussed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from api.domain.meeting_transitions import MeetingStatus

__all__ = ["AGENDA_ITEM_KINDS", "AGENDA_ITEM_KIND_CODES", "MinutesItem", "compose_minutes", "minutes_are_public"]

AGENDA_ITEM_KIND_CODES = ("progress_report", "presentation", "information_exchange", "discussion", "announcement")
AGENDA_ITEM_KINDS = frozenset(AGENDA_ITEM_KIND_CODES)


@dataclass(frozen=True, slots=True, kw_only=True)
class MinutesItem:
    """An agenda item as the minutes need it (the service maps rows onto this)."""

    position: int
    outline_number: str | None
    kind: str
    title_ja: str
    title_en: str | None
    presenters: list[Mapping[str, Any]]
    summary_ja: str | None
    summary_en: str | None
    figures: list[Mapping[str, Any]] | None
    public: bool


def compose_minutes(attendance_count: int, items: Iterable[MinutesItem]) -> dict[str, Any]:
    """The frozen minutes document: public items only, in agenda order."""
    public = sorted((i for i in items if i.public), key=lambda i: i.position)
    return {
        "attendance_count": attendance_count,
        "items": [
            {
                "number": index,
                "outline_number": item.outline_number,
                "kind": item.kind,
                "title_ja": item.title_ja,
                "title_en": item.title_en,
                "presenters": [dict(p) for p in item.presenters],
                "summary_ja": item.summary_ja,
                "summary_en": item.summary_en,
                "figures": [dict(f) for f in item.figures] if item.figures else None,
            }
            for index, item in enumerate(public, start=1)
        ],
    }


def minutes_are_public(status: str) -> bool:
    return status == MeetingStatus.MINUTES_PUBLISHED
