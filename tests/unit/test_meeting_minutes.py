from __future__ import annotations

from api.domain.access_rules import Action, roles_allowed
from api.domain.meeting_minutes import MinutesItem, compose_minutes, minutes_are_public
from api.domain.roles import Role


def _item(position: int, public: bool, title: str) -> MinutesItem:
    return MinutesItem(position=position, outline_number=None, kind="discussion", title_ja=title, title_en=None,
                       presenters=[{"name_ja": "事務局"}], summary_ja=f"{title}の要旨", summary_en=None,
                       figures=[{"key": "k", "value": 1}], public=public)


def test_minutes_keep_public_items_in_order_and_drop_closed_ones() -> None:
    minutes = compose_minutes(48, [_item(3, True, "三"), _item(2, False, "非公開"), _item(1, True, "一")])
    assert minutes["attendance_count"] == 48
    assert [(i["number"], i["title_ja"]) for i in minutes["items"]] == [(1, "一"), (2, "三")]
    assert "非公開" not in str(minutes)


def test_only_published_minutes_are_public_and_only_managers_see_closed_items() -> None:
    assert minutes_are_public("minutes_published")
    assert not minutes_are_public("held")
    assert roles_allowed(Action.meeting_closed_item_read) == {Role.secretariat, Role.admin}
