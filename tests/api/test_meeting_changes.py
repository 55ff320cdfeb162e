"""The change feed gains meetings (issue 18): a committed meeting and its changes reach the feed
as the meeting's summary; what a closed (非公開) agenda item says never does."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from api.db.models import AgendaItem
from tests.change_feed_harness import _drain, live
from tests.meeting_records import make_meeting
from tests.world import World

__all__ = ["live"]


async def _until(http: Any, auth: dict[str, str], cursor: str, kind: str) -> tuple[list[dict[str, Any]], str]:
    """The feed holds back behind the server's oldest open transaction (any database's: the test
    server is shared), so wait for the change to be released rather than for a fixed time."""
    items: list[dict[str, Any]] = []
    for _ in range(180):
        more, cursor = await _drain(http, auth, cursor)
        items += more
        if any(i["resource_type"] == kind for i in items):
            break
        await asyncio.sleep(1)
    return items, cursor


async def test_meetings_reach_the_feed_without_their_closed_items(live: Any, world: World,
                                                                  engine: AsyncEngine) -> None:
    http, _ = live
    auth = world.auth("caseworker")
    _, start = await _drain(http, auth)
    async with async_sessionmaker(engine, expire_on_commit=False)() as s:
        records = await make_meeting(s, world.agencies["mota"])
        await s.execute(update(AgendaItem).where(AgendaItem.id == records.item_ids[1]).values(
            public=False, summary_ja="秘密の個別ケース"))
        await s.commit()
    try:
        items, cursor = await _until(http, auth, start, "meeting")
        meetings = [i for i in items if i["resource_type"] == "meeting"]
        assert [(m["id"], m["reason"], m["client_id"]) for m in meetings] == [
            (str(records.meeting_id), "created", None)]
        assert meetings[0]["record"]["title_ja"] == "第2回"
        # The secretariat renames it: one update, still nothing of the closed item.
        renamed = await http.patch(f"/v1/meetings/{records.meeting_id}", json={"title_ja": "第2回 地域移行部会"},
                                   headers={**world.auth("secretariat"), "If-Match": '"1"'})
        assert renamed.status_code == 200, renamed.text
        later, _ = await _until(http, auth, cursor, "meeting")
        assert [(i["resource_type"], i["reason"], i["record"]["title_ja"]) for i in later] == [
            ("meeting", "updated", "第2回 地域移行部会")]
        assert "秘密" not in str(items + later)
    finally:
        async with engine.begin() as conn:
            ids = {"m": records.meeting_id, "s": records.subcommittee_id, "c": records.council_id}
            await conn.execute(text("DELETE FROM change_log WHERE resource_id = :m"), ids)
            await conn.execute(text("DELETE FROM meeting WHERE id = :m"), ids)
            await conn.execute(text("DELETE FROM notice_subscription WHERE subcommittee_id = :s"), ids)
            await conn.execute(text("DELETE FROM subcommittee WHERE id = :s"), ids)
            await conn.execute(text("DELETE FROM council WHERE id = :c"), ids)
