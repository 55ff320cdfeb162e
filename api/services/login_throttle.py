"""Failed-login throttling that one person cannot turn on others (issue 14, finding 9).

Failures are counted in fixed windows (LOGIN_WINDOW_S) in three buckets per attempt:

- per (address, account): LOGIN_MAX_FAILURES, the small limit a person mistyping or guessing meets;
- per account, from anywhere: LOGIN_MAX_FAILURES_PER_ACCOUNT, against guessing spread over addresses;
- per address, every account: LOGIN_MAX_FAILURES_PER_ADDRESS, a ceiling against spraying many
  accounts from one place, set high because a ward office logs in from behind one proxy or NAT.

So five wrong passwords by one person lock that person's account from that address only: a
colleague's correct password, and a machine client's login, from the same office still work.
Machine clients count per client id (their secrets are long random strings: the account limit
is there against noise, not guessing). A success clears the (address, account) bucket and, for a
machine client, its own bucket; the account bucket is left to expire, so a success by the real user
does not hand a guesser elsewhere a fresh allowance.

Any login path (the token endpoint's grants, an authorization-code login page) calls `refused`
before checking the secret, then `failed` or `succeeded`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db import rate_counters


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    kind: Literal["user", "client"]
    account: str  # a username (case-insensitive) or a machine client id
    address: str | None  # the caller's address as api.middleware.ClientAddressMiddleware decided it

    @property
    def account_key(self) -> str:
        return self.account.lower() if self.kind == "user" else self.account

    def buckets(self, settings: Settings) -> list[tuple[str, int]]:
        """(bucket, limit) pairs this attempt is counted in."""
        address = self.address or "-"
        account = self.account_key
        if self.kind == "client":
            return [(f"login:client:{account}", settings.login_max_failures_per_account),
                    (f"login:addr:{address}", settings.login_max_failures_per_address)]
        return [(f"login:pair:[{address}]:{account}", settings.login_max_failures),
                (f"login:user:{account}", settings.login_max_failures_per_account),
                (f"login:addr:{address}", settings.login_max_failures_per_address)]

    def cleared_on_success(self) -> str:
        address = self.address or "-"
        if self.kind == "client":
            return f"login:client:{self.account_key}"
        return f"login:pair:[{address}]:{self.account_key}"


async def refused(session: AsyncSession, settings: Settings, attempt: LoginAttempt) -> int | None:
    """Seconds to wait when a bucket of this attempt is full; None when it may go ahead."""
    return await refused_in(session, settings, attempt.buckets(settings))


async def refused_in(session: AsyncSession, settings: Settings, buckets: list[tuple[str, int]]) -> int | None:
    """The same for any (bucket, limit) pairs (the second factor adds a bucket of its own)."""
    for bucket, limit in buckets:
        count, retry_after = await rate_counters.current(session, bucket, settings.login_window_s)
        if count >= limit:
            return retry_after
    return None


async def failed(session: AsyncSession, settings: Settings, attempt: LoginAttempt) -> None:
    await failed_in(session, settings, attempt.buckets(settings))


async def failed_in(session: AsyncSession, settings: Settings, buckets: list[tuple[str, int]]) -> None:
    for bucket, _ in buckets:
        await rate_counters.bump(session, bucket, settings.login_window_s)


async def succeeded(session: AsyncSession, attempt: LoginAttempt) -> None:
    await rate_counters.reset(session, attempt.cleared_on_success())
