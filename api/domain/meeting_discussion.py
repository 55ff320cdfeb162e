"""Structured minutes beyond the agenda (issue 18, item 9): the floor's questions and the answers
to them, comments, closing remarks per speaker (最後に一言ずつ), each with the speaker's affiliation
(委託事業所, 東京都保護課, フロア), and the attendance split by inside/outside the ward and agency type.

What is published follows the agenda's rule: an entry that is closed itself, or belongs to a closed
(非公開) agenda item, or answers a closed question, is left out entirely (no SQL, no FastAPI here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from api.domain.roles import AgencyType

ENTRY_KINDS = ("question", "answer", "comment", "closing_remark")
# Attendance groups: an agency type, or people who came for themselves (当事者・家族・区民).
ATTENDANCE_KINDS = (*(t.value for t in AgencyType), "individual")
# The /v1/stats tables an agenda item may capture figures from (the query is stored beside them).
CAPTURABLE_STATISTICS = ("supported-persons", "diagnosis-groups", "age-bands", "support-durations",
                         "closure-reasons", "episode-status", "cumulative-persons")


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    id: str
    kind: str
    position: int
    answers_id: str | None
    public: bool
    item_public: bool | None  # None: not tied to an agenda item
    speaker: Mapping[str, Any]
    text_ja: str
    text_en: str | None


def is_published(entry: Entry, by_id: Mapping[str, Entry]) -> bool:
    if not entry.public or entry.item_public is False:
        return False
    if entry.answers_id is not None:
        question = by_id.get(entry.answers_id)
        return question is not None and is_published(question, by_id)
    return True


def compose_discussion(entries: Iterable[Entry]) -> dict[str, Any]:
    """Questions with their answers, comments and closing remarks, in position order; closed ones left out."""
    ordered = sorted(entries, key=lambda e: e.position)
    by_id = {e.id: e for e in ordered}
    shown = [e for e in ordered if is_published(e, by_id)]

    def said(e: Entry) -> dict[str, Any]:
        return {"speaker": dict(e.speaker), "text_ja": e.text_ja, "text_en": e.text_en}

    return {
        "questions": [{**said(q), "answers": [said(a) for a in shown if a.answers_id == q.id]}
                      for q in shown if q.kind == "question"],
        "comments": [said(e) for e in shown if e.kind == "comment"],
        "closing_remarks": [said(e) for e in shown if e.kind == "closing_remark"],
    }


def attendance_breakdown(groups: Iterable[tuple[bool, str, int]]) -> dict[str, Any]:
    """Totals inside and outside the ward, and per agency type (inside + outside)."""
    rows = list(groups)
    by_type: dict[str, dict[str, int]] = {}
    for inside, kind, count in rows:
        cell = by_type.setdefault(kind, {"inside_ward": 0, "outside_ward": 0})
        cell["inside_ward" if inside else "outside_ward"] += count
    return {
        "total": sum(c for _, _, c in rows),
        "inside_ward": sum(c for inside, _, c in rows if inside),
        "outside_ward": sum(c for inside, _, c in rows if not inside),
        "by_agency_type": [{"agency_type": k, **v, "total": v["inside_ward"] + v["outside_ward"]}
                           for k, v in sorted(by_type.items())],
    }
