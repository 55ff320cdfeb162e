"""The floor: what the benchmarked requests cost with the least machinery in the way.

Plain Starlette + one asyncpg pool + orjson, doing the same work as the service for each request:
verify the JWT (same TokenService), read the principal and the revocation from the database,
apply the same row-visibility rule in SQL, append the audit rows to the hash chain under the same
advisory lock, commit, and answer the same JSON. No ORM, no pydantic, no dependency injection.

    DATABASE_URL=postgresql://… uvicorn bench.floor_app:app --workers N
"""

from __future__ import annotations

import base64
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.config import Settings
from api.db.audit_writer import INSERT_SQL, rows_json
from api.domain.fiscal import today_tokyo
from api.domain.referral_transitions import REFERRAL_TRANSITIONS, SIDE_OF_ACTION, ReferralStatus, is_overdue
from api.security import KeyRing, TokenError, TokenService, new_opaque_token, opaque_token_hash, verify_password

CARE = ("caseworker", "mental_care_worker", "public_health_nurse", "peer_supporter")
_PRINCIPAL = """
SELECT u.id, u.display_name AS name, u.role, u.agency_id, u.branch_codes, (u.active AND a.active) AS active,
       EXISTS (SELECT 1 FROM revoked_access_token r WHERE r.jti = $2) AS revoked
FROM user_account u JOIN agency a ON a.id = u.agency_id WHERE u.id = $1
"""
_MACHINE = """
SELECT c.id, c.name, c.role, c.agency_id, ARRAY[]::varchar[] AS branch_codes, (c.active AND a.active) AS active,
       EXISTS (SELECT 1 FROM revoked_access_token r WHERE r.jti = $2) AS revoked
FROM api_client c JOIN agency a ON a.id = c.agency_id WHERE c.id = $1
"""
_REFERRAL_COLS = ("r.id, r.from_agency_id, r.to_agency_id, r.to_service_id, r.part_of_id AS part_of, r.purpose, "
                  "r.priority, r.reason, r.due_on, r.status, r.status_reason, r.business_status, r.shared_fields, "
                  "r.shared_snapshot, r.sent_at, r.created_at, r.updated_at, r.version, r.client_id")
_ON_TEAM = ("EXISTS (SELECT 1 FROM care_team_member t WHERE t.client_id = {c} AND t.user_id = ${user} "
            "AND t.from_date <= ${day} AND (t.to_date IS NULL OR t.to_date >= ${day}))")
_CLIENT_COLS = ("c.id, c.name, c.kana, c.date_of_birth, c.sex, c.branch_code, c.residence_type, c.residence_since, "
                "c.hospital_agency_id, c.public_assistance, c.caseworker_id, c.diagnoses, c.diagnosis_group, c.phone, "
                "c.emergency_contacts, c.years_inpatient, c.years_homeless, c.notes, c.active, c.deactivated_at, "
                "c.deactivation_reason, c.created_at, c.updated_at, c.version")
_EPISODE_COLS = ("e.id, e.client_id, e.programme_id, p.code AS programme_code, e.branch_code, "
                 "e.operating_agency_id, e.lead_worker_id, e.status, e.proposed_on, e.started_on, e.planned_end, "
                 "e.ended_on, e.closure_reason, e.living_situation_at_closure, e.created_at, e.updated_at, e.version")
_ALLOWED = {"proposed": ["start", "cancel"], "active": ["hold", "extend", "finish", "cancel"],
            "on_hold": ["resume", "finish", "cancel"], "finished": [], "cancelled": []}
_FAR = date(9999, 12, 31)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal | asyncpg.pgproto.pgproto.UUID):
        return str(value)
    raise TypeError


def _json(body: Any, status: int = 200, etag: int | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if etag is not None:
        headers["ETag"] = f'"{etag}"'
    return Response(orjson.dumps(body, default=_default), status, headers=headers, media_type="application/json")


def _problem(status: int, slug: str) -> Response:
    return Response(orjson.dumps({"type": slug, "status": status}), status, media_type="application/problem+json")


def _scope(p: asyncpg.Record, c: str, first: int) -> tuple[str, list[Any]]:
    """The service's clients_visible_to() as SQL over alias `c`; parameters numbered from `first`."""
    team = _ON_TEAM.format(c=f"{c}.id", user=first, day=first + 1)
    args: list[Any] = [p["id"], today_tokyo()]
    if p["role"] == "supervisor":
        return f"({c}.branch_code = ANY(${first + 2}) OR {team})", [*args, list(p["branch_codes"])]
    if p["role"] in CARE:
        return team, args
    if p["role"] == "coordinator":
        run = (f"EXISTS (SELECT 1 FROM episode x WHERE x.client_id = {c}.id AND x.operating_agency_id = ${first + 2} "
               "AND x.status <> 'cancelled')")
        return f"({run} OR {team})", [*args, p["agency_id"]]
    return "false", []


def _encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values, default=str)).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list[Any]:
    return list(orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))))


class Floor:
    def __init__(self) -> None:
        settings = Settings()
        self.tokens = TokenService(KeyRing.from_settings(settings), settings)
        self.dsn = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
        self.pool_size = settings.db_pool_size
        self.pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(self.dsn, min_size=self.pool_size, max_size=self.pool_size,
                                              server_settings={"timezone": "UTC"})

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def principal(self, conn: asyncpg.Connection, request: Request) -> asyncpg.Record | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        try:
            claims = self.tokens.verify_access_token(header[7:].strip())
        except TokenError:
            return None
        row = await conn.fetchrow(_PRINCIPAL if claims.principal_kind == "user" else _MACHINE, claims.sub, claims.jti)
        if row is None or not row["active"] or row["revoked"]:
            return None
        request.state.principal_kind = claims.principal_kind
        return row

    async def audit(self, conn: asyncpg.Connection, request: Request, actor: dict[str, Any],
                    events: list[tuple[str, str, Any, Any, str | None]]) -> None:
        """The same statement as api.db.audit_writer.append: every row of the request in one unlocked
        INSERT … SELECT FROM json_populate_recordset(…); the sealer (`python -m api sealer`, started
        beside the floor by bench/run.py) puts them in the Merkle log as it does ours."""
        if not events:
            return
        now = datetime.now(UTC)
        rows = [{"id": uuid.uuid4(), "at": now, "request_id": uuid.uuid4().hex,
                 "client_addr": request.client.host if request.client else None, "purpose": None, **actor,
                 "action": action, "resource_type": rtype, "resource_id": None if rid is None else str(rid),
                 "client_id": client_id, "subject": subject, "outcome": "success", "detail": None}
                for action, rtype, rid, client_id, subject in events]
        await conn.execute(INSERT_SQL, rows_json(rows))

    @staticmethod
    def actor(p: asyncpg.Record, kind: str = "user") -> dict[str, Any]:
        return {"actor_kind": kind, "actor_id": p["id"], "actor_name": p["name"], "role": p["role"],
                "agency_id": p["agency_id"]}

    async def get_client(self, request: Request) -> Response:
        assert self.pool is not None
        client_id = uuid.UUID(request.path_params["client_id"])
        async with self.pool.acquire() as conn, conn.transaction():
            p = await self.principal(conn, request)
            if p is None:
                return _problem(401, "invalid-token")
            where, args = _scope(p, "c", 2)
            row = await conn.fetchrow(f"SELECT {_CLIENT_COLS} FROM client c WHERE c.id = $1 AND {where}",
                                      client_id, *args)
            if row is None:
                await self.audit(conn, request, self.actor(p), [("denied", "client", client_id, None, None)])
                return _problem(404, "not-found")
            await self.audit(conn, request, self.actor(p), [("read", "client", client_id, client_id, None)])
        body = dict(row)
        body["emergency_contacts"] = orjson.loads(body["emergency_contacts"])
        return _json(body, etag=row["version"])

    async def list_clients(self, request: Request) -> Response:
        assert self.pool is not None
        limit = min(int(request.query_params.get("limit", 50)), 200)
        cursor = request.query_params.get("cursor")
        async with self.pool.acquire() as conn, conn.transaction():
            p = await self.principal(conn, request)
            if p is None:
                return _problem(401, "invalid-token")
            where, args = _scope(p, "c", 1)
            n = len(args)
            if cursor:
                ks, k, cid = _decode_cursor(cursor)
                where += f" AND (c.kana_sort, c.kana, c.id) > (${n + 1}, ${n + 2}, ${n + 3})"
                args += [ks, k, uuid.UUID(cid)]
            rows = await conn.fetch(f"SELECT {_CLIENT_COLS}, c.kana_sort FROM client c WHERE {where} AND c.active "
                                    f"ORDER BY c.kana_sort, c.kana, c.id LIMIT {limit + 1}", *args)
            items = rows[:limit]
            await self.audit(conn, request, self.actor(p),
                             [("read", "client", r["id"], r["id"], "list") for r in items])
        out = []
        for r in items:
            d = dict(r)
            d.pop("kana_sort")
            d["emergency_contacts"] = orjson.loads(d["emergency_contacts"])
            out.append(d)
        last = items[-1] if items else None
        next_cursor = (_encode_cursor([last["kana_sort"], last["kana"], str(last["id"])])
                       if len(rows) > limit and last else None)
        return _json({"items": out, "next_cursor": next_cursor})

    async def list_episodes(self, request: Request) -> Response:
        assert self.pool is not None
        q = request.query_params
        limit = min(int(q.get("limit", 50)), 200)
        async with self.pool.acquire() as conn, conn.transaction():
            p = await self.principal(conn, request)
            if p is None:
                return _problem(401, "invalid-token")
            where, args = _scope(p, "c", 1)
            clauses = [f"EXISTS (SELECT 1 FROM client c WHERE c.id = e.client_id AND {where})"]
            for name, column in (("status", "e.status"), ("branch_code", "e.branch_code"),
                                 ("programme_code", "p.code")):
                if q.get(name):
                    args.append(q[name])
                    clauses.append(f"{column} = ${len(args)}")
            if q.get("cursor"):
                end, eid = _decode_cursor(q["cursor"])
                args += [date.fromisoformat(end), uuid.UUID(eid)]
                clauses.append("(coalesce(e.planned_end, '9999-12-31'::date), e.id) > "
                               f"(${len(args) - 1}, ${len(args)})")
            rows = await conn.fetch(
                f"SELECT {_EPISODE_COLS} FROM episode e JOIN programme p ON p.id = e.programme_id "
                f"WHERE {' AND '.join(clauses)} ORDER BY coalesce(e.planned_end, '9999-12-31'::date), e.id "
                f"LIMIT {limit + 1}", *args)
            items = rows[:limit]
            await self.audit(conn, request, self.actor(p),
                             [("read", "episode", r["id"], r["client_id"], "list") for r in items])
        today = today_tokyo()
        out = []
        for r in items:
            d = dict(r)
            d["overdue"] = r["status"] in ("active", "on_hold") and r["planned_end"] is not None \
                and r["planned_end"] < today
            d["allowed_actions"] = _ALLOWED[r["status"]]
            out.append(d)
        last = items[-1] if items else None
        next_cursor = (_encode_cursor([(last["planned_end"] or _FAR).isoformat(), str(last["id"])])
                       if len(rows) > limit and last else None)
        return _json({"items": out, "next_cursor": next_cursor})

    async def list_referrals(self, request: Request) -> Response:
        """The incoming box of a partner agency's system (box=incoming; the only box the floor serves)."""
        assert self.pool is not None
        q = request.query_params
        limit = min(int(q.get("limit", 50)), 200)
        async with self.pool.acquire() as conn, conn.transaction():
            p = await self.principal(conn, request)
            if p is None:
                return _problem(401, "invalid-token")
            if q.get("box") != "incoming" or p["role"] not in ("partner", "coordinator"):
                return _problem(400, "not-in-floor")
            args: list[Any] = [p["agency_id"]]
            where = "r.to_agency_id = $1 AND r.status <> 'draft'"
            if q.get("cursor"):
                due, rid = _decode_cursor(q["cursor"])
                args += [date.fromisoformat(due), uuid.UUID(rid)]
                where += " AND (coalesce(r.due_on, '9999-12-31'::date), r.id) > ($2, $3)"
            rows = await conn.fetch(
                f"SELECT {_REFERRAL_COLS}, r.from_agency_id = $1 AS sender FROM referral r WHERE {where} "
                f"ORDER BY coalesce(r.due_on, '9999-12-31'::date), r.id LIMIT {limit + 1}", *args)
            items = rows[:limit]
            await self.audit(conn, request, self.actor(p, request.state.principal_kind),
                             [("read", "referral", r["id"], r["client_id"], "list") for r in items])
        today = today_tokyo()
        out = []
        for r in items:
            d = dict(r)
            d.pop("client_id")
            sides = {"receiver", "sender"} if d.pop("sender") else {"receiver"}
            status = ReferralStatus(r["status"])
            d["shared_snapshot"] = orjson.loads(d["shared_snapshot"]) if d["shared_snapshot"] else {}
            d["overdue"] = is_overdue(status, r["due_on"], today)
            d["allowed_actions"] = [a for a in REFERRAL_TRANSITIONS.allowed_actions(status)
                                    if SIDE_OF_ACTION[a] in sides]
            out.append(d)
        last = items[-1] if items else None
        next_cursor = (_encode_cursor([(last["due_on"] or _FAR).isoformat(), str(last["id"])])
                       if len(rows) > limit and last else None)
        return _json({"items": out, "next_cursor": next_cursor})

    async def record_activity(self, request: Request) -> Response:
        assert self.pool is not None
        episode_id = uuid.UUID(request.path_params["episode_id"])
        body = orjson.loads(await request.body())
        async with self.pool.acquire() as conn, conn.transaction():
            p = await self.principal(conn, request)
            if p is None:
                return _problem(401, "invalid-token")
            where, args = _scope(p, "c", 2)
            ep = await conn.fetchrow(
                "SELECT e.id, e.client_id, e.status FROM episode e JOIN programme pr ON pr.id = e.programme_id "
                f"WHERE e.id = $1 AND EXISTS (SELECT 1 FROM client c WHERE c.id = e.client_id AND {where})",
                episode_id, *args)
            if ep is None:
                return _problem(404, "not-found")
            row = await conn.fetchrow(
                "INSERT INTO activity (id, client_id, episode_id, kind, purpose, off_hours, occurred_at, "
                "duration_minutes, travel_minutes, performer_id, participants, note, next_step) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '[]'::jsonb, $11, $12) RETURNING *",
                uuid.uuid4(), ep["client_id"], episode_id, body["kind"], body.get("purpose"),
                body.get("off_hours", False), datetime.fromisoformat(body["occurred_at"]), body["duration_minutes"],
                body.get("travel_minutes", 0), p["id"], body.get("note"), body.get("next_step"))
            await self.audit(conn, request, self.actor(p), [("create", "activity", row["id"], ep["client_id"], None)])
        d = dict(row)
        d["participants"] = orjson.loads(d["participants"])
        return _json(d, 201, etag=row["version"])

    async def token(self, request: Request) -> Response:
        assert self.pool is not None
        form = await request.form()
        username = str(form.get("username", "")).lower()
        async with self.pool.acquire() as conn, conn.transaction():
            # The service's throttle check: the two failure buckets.
            await conn.fetch("SELECT count FROM rate_counter WHERE bucket = ANY($1)",
                             [f"login:user:{username}", f"login:addr:{request.client.host if request.client else '-'}"])
            user = await conn.fetchrow(
                "SELECT u.id, u.display_name AS name, u.role, u.agency_id, u.password_hash, u.active, "
                "a.active AS agency_active FROM user_account u JOIN agency a ON a.id = u.agency_id "
                "WHERE lower(u.username) = $1", username)
            ok = verify_password(user["password_hash"] if user else None, str(form.get("password", "")))
            if user is None or not ok:
                return _problem(400, "invalid-grant")
            access, ttl = self.tokens.issue_access_token(user["id"], "user")
            refresh = new_opaque_token()
            await conn.execute(
                "INSERT INTO refresh_token (id, token_hash, family_id, user_id, expires_at) VALUES ($1,$2,$3,$4,$5)",
                uuid.uuid4(), opaque_token_hash(refresh), uuid.uuid4(), user["id"],
                datetime.now(UTC) + timedelta(days=14))
            await self.audit(conn, request, self.actor(user), [("login", "session", None, None, username)])
        return Response(orjson.dumps({"access_token": access, "token_type": "bearer", "expires_in": ttl,
                                      "refresh_token": refresh}), media_type="application/json",
                        headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def healthz(request: Request) -> Response:
    return _json({"status": "ok"})


floor = Floor()


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    await floor.start()
    try:
        yield
    finally:
        await floor.stop()


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/v1/auth/token", floor.token, methods=["POST"]),
        Route("/v1/clients", floor.list_clients),
        Route("/v1/clients/{client_id}", floor.get_client),
        Route("/v1/episodes", floor.list_episodes),
        Route("/v1/referrals", floor.list_referrals),
        Route("/v1/episodes/{episode_id}/activities", floor.record_activity, methods=["POST"]),
    ],
    lifespan=_lifespan,
)
