"""Matrix rows for issue 18, item 7: shared support plans."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.db.models import SupportPlan
from tests.authz import Call, RouteCase
from tests.authz.cases import V1, episode_path, visible

PLAN = {"policy": "退院後の生活を安定させる", "goals": ["買い物に行く"],
        "assignments": [{"team_role": "caseworker", "task": "生活保護の手続き"}]}
WRITERS_ONLY = {"peer_supporter": (403, 404)}
# Acknowledging is for current care-team members: the supervisor (by branch) and the coordinator
# (by its agency's episode) see the plan but are not on the in-scope client's team.
NOT_ON_TEAM = {"supervisor": (409, 404), "coordinator": (409, 404)}


def plan(status: str, suffix: str = "", **kw: Any) -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        episode = ctx.scenario.episode_in if in_scope else ctx.scenario.episode_out
        row = SupportPlan(episode_id=episode.id, client_id=episode.client_id, number=1, status=status,
                          policy="方針", goals=["目標"], assignments=[], created_by=ctx.world.users["caseworker"])
        if status == "published":
            row.published_at = datetime.now(UTC)
            row.published_by = ctx.world.users["caseworker"]
        ctx.db.add(row)
        await ctx.db.flush()
        return Call(path=f"/v1/support-plans/{row.id}{suffix}", **kw)

    return build


def readers() -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        await plan("published")(ctx, in_scope)
        episode = ctx.scenario.episode_in if in_scope else ctx.scenario.episode_out
        return Call(path=f"/v1/episodes/{episode.id}/support-plans/current/readers")

    return build


CASES = [
    RouteCase("GET", "/v1/episodes/{episode_id}/support-plans", episode_path("/support-plans"), visible(200)),
    RouteCase("POST", "/v1/episodes/{episode_id}/support-plans", episode_path("/support-plans", json=PLAN),
              visible(201, **WRITERS_ONLY)),
    RouteCase("GET", "/v1/episodes/{episode_id}/support-plans/current/readers", readers(), visible(200)),
    RouteCase("GET", "/v1/support-plans/{plan_id}", plan("draft"), visible(200)),
    RouteCase("PATCH", "/v1/support-plans/{plan_id}", plan("draft", json={"policy": "改訂"}, headers=dict(V1)),
              visible(200, **WRITERS_ONLY)),
    RouteCase("POST", "/v1/support-plans/{plan_id}/publish", plan("draft", "/publish", headers=dict(V1)),
              visible(200, **WRITERS_ONLY)),
    RouteCase("POST", "/v1/support-plans/{plan_id}/acknowledge", plan("published", "/acknowledge"),
              visible(200, **NOT_ON_TEAM)),
]
