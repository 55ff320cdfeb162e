"""Advice requests: caseworkers and supervisors ask; the specialist asked answers; only the two
sides read a request. Staff activities: each profession records its own; a supervisor reads its
branch workers'. Statistics: the statistics readers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from api.db.models import AdviceRequest, StaffActivity
from tests.authz import Call, RouteCase, expect, fixed

PROFESSIONS = ("supervisor", "caseworker", "mental_care_worker", "public_health_nurse", "coordinator")
STATS = {"supervisor": 200, "secretariat": 200, "analyst": 200}


def _request(ctx: Any, asker: str, specialist: str, client_id: uuid.UUID | None) -> AdviceRequest:
    world = ctx.world
    req = AdviceRequest(id=uuid.uuid4(), asker_id=world.users[asker], asker_agency_id=world.agencies[
        "karasuyama_seikatsu" if asker == "caseworker" else "setagaya_seikatsu"],
        specialist_id=world.users[specialist],
        specialist_agency_id=world.agencies["care_corp" if specialist == "mental_care_worker" else "karasuyama_kenko"],
        client_id=client_id, subject="服薬の相談", question="専門的な視点で助言してほしい", status="open",
        asked_at=datetime.now(UTC) - timedelta(hours=2))
    ctx.db.add(req)
    return req


def _pair(ctx: Any, in_scope: bool) -> AdviceRequest:
    # In scope: the caseworker asked the mental-care worker; out of scope: caseworker2 asked the nurse.
    if in_scope:
        return _request(ctx, "caseworker", "mental_care_worker", ctx.scenario.client_in.id)
    return _request(ctx, "caseworker2", "public_health_nurse", None)


async def _ask(ctx: Any, in_scope: bool) -> Call:
    client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
    return Call(path="/v1/advice-requests", json={
        "specialist_id": str(ctx.world.users["mental_care_worker"]), "client_id": str(client.id),
        "subject": "服薬について", "question": "専門的な視点で助言してほしい", "client_summary": "60代、単身"})


async def _read(ctx: Any, in_scope: bool) -> Call:
    req = _pair(ctx, in_scope)
    await ctx.db.flush()
    return Call(path=f"/v1/advice-requests/{req.id}")


async def _answer(ctx: Any, in_scope: bool) -> Call:
    req = _pair(ctx, in_scope)
    await ctx.db.flush()
    return Call(path=f"/v1/advice-requests/{req.id}/answer", json={"answer": "主治医と相談を"},
                headers={"If-Match": '"1"'})


def _activity(ctx: Any, worker: str) -> StaffActivity:
    activity = StaffActivity(id=uuid.uuid4(), performer_id=ctx.world.users[worker],
                             agency_id=ctx.world.agencies["karasuyama_seikatsu"], kind="phone_consultation",
                             occurred_at=datetime.now(UTC) - timedelta(days=1), duration_minutes=20)
    ctx.db.add(activity)
    return activity


async def _activity_read(ctx: Any, in_scope: bool) -> Call:
    activity = _activity(ctx, "caseworker" if in_scope else "caseworker2")
    await ctx.db.flush()
    return Call(path=f"/v1/staff-activities/{activity.id}")


async def _activity_update(ctx: Any, in_scope: bool) -> Call:
    activity = _activity(ctx, "caseworker" if in_scope else "caseworker2")
    await ctx.db.flush()
    return Call(path=f"/v1/staff-activities/{activity.id}", json={"duration_minutes": 30},
                headers={"If-Match": '"1"'})


_NEW_ACTIVITY = {"kind": "supporter_support", "occurred_at": "2026-04-10T14:00:00+09:00", "duration_minutes": 60,
                 "counterpart": "委託法人の職員"}

CASES = [
    RouteCase("POST", "/v1/advice-requests", _ask,
              expect(403, anonymous=401, supervisor=(201, 404), caseworker=(201, 404))),
    RouteCase("GET", "/v1/advice-requests", fixed("/v1/advice-requests"),
              expect(403, anonymous=401, supervisor=200, caseworker=200, mental_care_worker=200,
                     public_health_nurse=200)),
    RouteCase("GET", "/v1/advice-requests/{request_id}", _read,
              expect(403, anonymous=401, supervisor=404, caseworker=(200, 404), mental_care_worker=(200, 404),
                     public_health_nurse=(404, 200))),
    RouteCase("POST", "/v1/advice-requests/{request_id}/answer", _answer,
              expect(403, anonymous=401, mental_care_worker=(200, 404), public_health_nurse=(404, 200))),
    RouteCase("GET", "/v1/stats/advice-requests", fixed("/v1/stats/advice-requests"),
              expect(403, anonymous=401, **STATS)),
    RouteCase("POST", "/v1/staff-activities", fixed("/v1/staff-activities", json=_NEW_ACTIVITY),
              expect(403, anonymous=401, **dict.fromkeys(PROFESSIONS, 201))),
    RouteCase("GET", "/v1/staff-activities", fixed("/v1/staff-activities"),
              expect(403, anonymous=401, **dict.fromkeys(PROFESSIONS, 200))),
    RouteCase("GET", "/v1/staff-activities/{activity_id}", _activity_read,
              expect(403, anonymous=401, **{**dict.fromkeys(PROFESSIONS, 404), "supervisor": (200, 404),
                                              "caseworker": (200, 404)})),
    RouteCase("PATCH", "/v1/staff-activities/{activity_id}", _activity_update,
              expect(403, anonymous=401, **{**dict.fromkeys(PROFESSIONS, 404), "supervisor": (403, 404),
                                              "caseworker": (200, 404)})),
]
