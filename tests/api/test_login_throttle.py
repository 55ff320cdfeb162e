"""Failed-login throttling that one person cannot turn on a whole office (issue 14, finding 9), and
the caller's address believed from X-Forwarded-For only when a configured proxy sent it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.config import Settings
from api.db import rate_counters
from api.db.models import RateCounter
from tests.world import CLIENT_SECRET, PASSWORD

TOKEN = "/v1/auth/token"
PROXY = "192.0.2.250"  # tests/conftest.py: TRUSTED_PROXIES

Caller = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


def password_form(username: str, password: str = PASSWORD) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


def machine_form(client_id: str, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


@pytest.fixture
def from_address(app: FastAPI, conn: AsyncConnection) -> Caller:
    """A client calling from a given address (same app, same test transaction)."""

    @asynccontextmanager
    async def open_client(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http

    return open_client


async def counter(db: AsyncSession, bucket: str) -> int:
    counts = (await db.scalars(select(RateCounter.count).where(RateCounter.bucket == bucket))).all()
    return sum(counts)


async def test_five_wrong_passwords_by_one_person_do_not_lock_out_the_office(from_address: Caller) -> None:
    """Finding 9: everyone behind one NAT shares an address; one person's typos lock only that person."""
    async with from_address("198.51.100.20") as office:
        for _ in range(5):
            assert (await office.post(TOKEN, data=password_form("t.caseworker", "wrong password"))).status_code == 400
        mine = await office.post(TOKEN, data=password_form("t.caseworker"))
        assert mine.status_code == 429
        assert mine.json()["type"].endswith("/login-throttled")
        assert int(mine.headers["retry-after"]) > 0
        # A colleague at the next desk, and the office's scripted pull, still log in.
        assert (await office.post(TOKEN, data=password_form("t.supervisor"))).status_code == 200
        assert (await office.post(TOKEN, data=machine_form("t.dashboard"))).status_code == 200
    # The same person from another address (a phone on the mobile network) is not locked out either.
    async with from_address("198.51.100.21") as elsewhere:
        assert (await elsewhere.post(TOKEN, data=password_form("t.caseworker"))).status_code == 200


async def earlier_failures(db: AsyncSession, settings: Settings, bucket: str, n: int) -> None:
    """Failures earlier in this window (an Argon2 check each would make the test take minutes)."""
    for _ in range(n):
        await rate_counters.bump(db, bucket, settings.login_window_s)
    await db.flush()


async def test_failures_per_account_are_throttled_across_addresses(
    from_address: Caller, db: AsyncSession, settings: Settings
) -> None:
    limit = settings.login_max_failures_per_account
    await earlier_failures(db, settings, "login:user:t.caseworker", limit - 2)  # from addresses all over
    for address in ("203.0.113.1", "203.0.113.2"):
        async with from_address(address) as http:
            assert (await http.post(TOKEN, data=password_form("T.CaseWorker", "wrong password"))).status_code == 400
    assert await counter(db, "login:user:t.caseworker") == limit
    async with from_address("203.0.113.200") as http:
        refused = await http.post(TOKEN, data=password_form("t.caseworker"))
        assert refused.status_code == 429
        assert refused.json()["type"].endswith("/login-throttled")
        assert refused.json()["error"] == "slow_down"  # RFC 6749 §5.2 member for OAuth clients
        assert 0 < int(refused.headers["retry-after"]) <= settings.login_window_s
        assert (await http.post(TOKEN, data=password_form("t.supervisor"))).status_code == 200


async def test_an_address_spraying_many_accounts_meets_a_ceiling(
    from_address: Caller, db: AsyncSession, settings: Settings
) -> None:
    address = "192.0.2.55"
    ceiling = settings.login_max_failures_per_address
    assert ceiling >= 20 * settings.login_max_failures  # an office, not one person, reaches it
    await earlier_failures(db, settings, f"login:addr:{address}", ceiling - 1)  # each for another made-up account
    async with from_address(address) as http:
        assert (await http.post(TOKEN, data=password_form("t.guess-last", "wrong password"))).status_code == 400
        assert await counter(db, f"login:addr:{address}") == ceiling
        refused = await http.post(TOKEN, data=password_form("t.supervisor"))
        assert refused.status_code == 429
        assert (await http.post(TOKEN, data=machine_form("t.dashboard"))).status_code == 429
    async with from_address("192.0.2.56") as http:
        assert (await http.post(TOKEN, data=password_form("t.supervisor"))).status_code == 200


async def test_client_credentials_are_counted_per_client(
    from_address: Caller, db: AsyncSession, settings: Settings
) -> None:
    await earlier_failures(db, settings, "login:client:t.hospital-system", settings.login_max_failures_per_account - 1)
    async with from_address("203.0.113.1") as http:
        wrong = await http.post(TOKEN, data=machine_form("t.hospital-system", "not the secret"))
        assert wrong.status_code == 401
    assert await counter(db, "login:client:t.hospital-system") == settings.login_max_failures_per_account
    async with from_address("203.0.113.2") as http:
        assert (await http.post(TOKEN, data=machine_form("t.hospital-system"))).status_code == 429
    async with from_address("203.0.113.1") as http:
        # Another machine, and people, from the same address are not affected.
        assert (await http.post(TOKEN, data=machine_form("t.consult-system"))).status_code == 200
        assert (await http.post(TOKEN, data=password_form("t.caseworker"))).status_code == 200


async def test_a_machine_login_failing_from_an_office_does_not_block_its_people(from_address: Caller) -> None:
    async with from_address("198.51.100.40") as office:
        for _ in range(5):
            assert (await office.post(TOKEN, data=machine_form("t.dashboard", "stale secret"))).status_code == 401
        assert (await office.post(TOKEN, data=password_form("t.caseworker"))).status_code == 200


async def test_success_clears_that_persons_count(
    from_address: Caller, db: AsyncSession, settings: Settings
) -> None:
    pair = "login:pair:[198.51.100.22]:t.caseworker"
    await earlier_failures(db, settings, pair, settings.login_max_failures - 2)
    async with from_address("198.51.100.22") as http:
        assert (await http.post(TOKEN, data=password_form("t.caseworker", "wrong password"))).status_code == 400
        assert await counter(db, pair) == settings.login_max_failures - 1
        assert (await http.post(TOKEN, data=password_form("t.caseworker"))).status_code == 200
        assert await counter(db, pair) == 0
        # The account's count from anywhere is not wiped by the real user's success.
        assert await counter(db, "login:user:t.caseworker") == 1


async def _audited_address(conn: AsyncConnection, response: httpx.Response) -> str | None:
    value = await conn.scalar(text("SELECT client_addr FROM audit_event WHERE request_id = :rid LIMIT 1"),
                              {"rid": response.headers["x-request-id"]})
    return None if value is None else str(value)


async def test_forwarded_for_from_an_untrusted_caller_is_ignored(from_address: Caller, conn: AsyncConnection) -> None:
    """A caller cannot charge its failures to someone else's address, nor escape its own count."""
    forged = {"X-Forwarded-For": "203.0.113.77"}
    async with from_address("198.51.100.30") as http:
        for i in range(5):
            wrong = await http.post(TOKEN, data=password_form("t.caseworker", "wrong password"),
                                    headers={"X-Forwarded-For": f"203.0.113.{100 + i}"})
            assert wrong.status_code == 400
            assert await _audited_address(conn, wrong) == "198.51.100.30"
        assert (await http.post(TOKEN, data=password_form("t.caseworker"), headers=forged)).status_code == 429
    async with from_address("198.51.100.31") as other:
        # The forged addresses were never charged.
        assert (await other.post(TOKEN, data=password_form("t.caseworker"), headers=forged)).status_code == 200


async def test_forwarded_for_from_a_trusted_proxy_names_the_caller(from_address: Caller, conn: AsyncConnection) -> None:
    """Behind the ward's reverse proxy every request comes from the proxy: the proxy's header tells
    the people apart, and the left part of the header (written by the caller) is not believed."""
    async with from_address(PROXY) as proxy:
        for _ in range(5):
            wrong = await proxy.post(TOKEN, data=password_form("t.caseworker", "wrong password"),
                                     headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.50"})
            assert wrong.status_code == 400
            assert await _audited_address(conn, wrong) == "203.0.113.50"
        same = await proxy.post(TOKEN, data=password_form("t.caseworker"), headers={"X-Forwarded-For": "203.0.113.50"})
        assert same.status_code == 429
        other = await proxy.post(TOKEN, data=password_form("t.caseworker"),
                                 headers={"X-Forwarded-For": "203.0.113.51"})
        assert other.status_code == 200
        # A chain through a second trusted hop, and garbage where the proxy's entry should be.
        chained = await proxy.post(TOKEN, data=password_form("t.supervisor"),
                                   headers={"X-Forwarded-For": "203.0.113.52, 192.0.2.250"})
        assert await _audited_address(conn, chained) == "203.0.113.52"
        garbage = await proxy.post(TOKEN, data=password_form("t.supervisor"), headers={"X-Forwarded-For": "nonsense"})
        assert await _audited_address(conn, garbage) == PROXY


def test_trusted_proxies_setting_reads_cidrs() -> None:
    parsed = Settings(trusted_proxies="10.0.0.0/8, 192.0.2.250 ,::1")  # type: ignore[arg-type]
    assert [str(n) for n in parsed.trusted_proxies] == ["10.0.0.0/8", "192.0.2.250/32", "::1/128"]
    assert Settings().trusted_proxies == []

