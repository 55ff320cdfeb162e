"""The second factor: TOTP (RFC 6238) enrolment, verification without replay, recovery codes, and
the admin's reset. Failures count in the login throttle (api.services.auth's seam)."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
import segno
from sqlalchemy import delete, select

from api.config import Settings
from api.db.models import RecoveryCode, TotpEnrolment, UserAccount
from api.db.unit import RequestUnit
from api.messages import msg
from api.problems import Problem, not_found
from api.security import constant_time_equals, opaque_token_hash
from api.services import auth as auth_service

ISSUER = "Setagaya IKO"
STEP_S = 30
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


def _buckets(settings: Settings, user: UserAccount, address: str | None) -> list[tuple[str, int]]:
    # The account's own second-factor bucket first (reset on success), then the password login's
    # account-wide and address buckets, with their limits.
    return [(f"login:otp:{user.id}", settings.login_max_failures),
            *auth_service.user_login_buckets(settings, user.username, address)[1:]]


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _recovery_hash(user_id: uuid.UUID, code: str) -> str:
    return opaque_token_hash(f"{user_id}:{_normalise(code)}")


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))  # 80 bits
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def describe(user: UserAccount, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret, interval=STEP_S).provisioning_uri(name=user.username, issuer_name=ISSUER)
    # Inline SVG: the login page loads nothing from elsewhere (its CSP forbids it).
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return Enrolment(secret, uri, svg)


async def confirmed_enrolment(unit: RequestUnit, user_id: uuid.UUID) -> TotpEnrolment | None:
    enrolment = await unit.session.get(TotpEnrolment, user_id)
    return enrolment if enrolment is not None and enrolment.confirmed_at is not None else None


async def start_enrolment(unit: RequestUnit, user: UserAccount) -> Enrolment:
    """A new secret, or the pending one again: someone who scanned it once need not scan again."""
    enrolment = await unit.session.get(TotpEnrolment, user.id, with_for_update=True)
    if enrolment is not None and enrolment.confirmed_at is not None:
        raise Problem("conflict", msg("mfa.already_enrolled"))
    if enrolment is None:
        enrolment = TotpEnrolment(user_id=user.id, secret=pyotp.random_base32())
        unit.session.add(enrolment)
        await unit.session.flush()
        unit.audit("mfa_enrol_start", "user", resource_id=user.id, subject=user.username.lower(),
                   actor=_self(user))
    return describe(user, enrolment.secret)


def _accepted_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step the code belongs to (the current one or one either side, for clock drift), if
    it is newer than the last accepted one: a code used once, or an older one, is refused."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_S)
    now_step = int(time.time()) // STEP_S
    for step in (now_step - 1, now_step, now_step + 1):
        if constant_time_equals(totp.at(step * STEP_S), code) and (last_step is None or step > last_step):
            return step
    return None


def _self(user: UserAccount) -> dict[str, object]:
    return {"actor_kind": "user", "actor_id": user.id, "actor_name": user.display_name, "role": user.role,
            "agency_id": user.agency_id}


async def confirm_enrolment(unit: RequestUnit, settings: Settings, user: UserAccount, code: str,
                            address: str | None) -> list[str] | auth_service.Refused:
    """The first code proves the authenticator works; the answer is the ten recovery codes, shown once."""
    buckets = _buckets(settings, user, address)
    refused = await auth_service.login_throttled(unit, settings, buckets, user.username.lower())
    if refused is not None:
        return refused
    enrolment = await unit.session.get(TotpEnrolment, user.id, with_for_update=True)
    if enrolment is None or enrolment.confirmed_at is not None:
        return auth_service.Refused("invalid-grant", msg("mfa.nothing_pending"))
    step = _accepted_step(enrolment.secret, _normalise(code), enrolment.last_step)
    if step is None:
        await auth_service.login_failed(unit, settings, buckets, user.username.lower(), "wrong first TOTP code")
        return auth_service.Refused("invalid-grant", msg("mfa.code_wrong"))
    enrolment.last_step = step
    enrolment.confirmed_at = datetime.now(UTC)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    await unit.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    unit.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user.id, c)) for c in codes)
    await unit.session.flush()
    await auth_service.login_succeeded(unit, buckets)
    unit.audit("mfa_enrol", "user", resource_id=user.id, subject=user.username.lower(), actor=_self(user))
    return codes


async def verify(unit: RequestUnit, settings: Settings, user: UserAccount, code: str,
                 address: str | None) -> auth_service.Refused | None:
    """A TOTP code or an unused recovery code; None when accepted."""
    buckets = _buckets(settings, user, address)
    subject = user.username.lower()
    refused = await auth_service.login_throttled(unit, settings, buckets, subject)
    if refused is not None:
        return refused
    # Locked: two requests racing with the same code cannot both pass.
    enrolment = await unit.session.get(TotpEnrolment, user.id, with_for_update=True)
    if enrolment is None or enrolment.confirmed_at is None:
        return auth_service.Refused("invalid-grant", msg("mfa.not_enrolled"))
    normalised = _normalise(code)
    method = "totp"
    step = _accepted_step(enrolment.secret, normalised, enrolment.last_step)
    if step is not None:
        enrolment.last_step = step
    else:
        method = "recovery"
        recovery = await unit.session.scalar(
            select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                       RecoveryCode.code_hash == _recovery_hash(user.id, normalised),
                                       RecoveryCode.used_at.is_(None)).with_for_update())
        if recovery is None:
            await auth_service.login_failed(unit, settings, buckets, subject, "wrong or reused second-factor code")
            return auth_service.Refused("invalid-grant", msg("mfa.code_wrong"))
        recovery.used_at = datetime.now(UTC)
    await unit.session.flush()
    await auth_service.login_succeeded(unit, buckets)
    unit.audit("mfa_verify", "user", resource_id=user.id, subject=subject, detail={"method": method},
               actor=_self(user))
    return None


async def reset(unit: RequestUnit, user_id: uuid.UUID) -> None:
    """The admin's reset for a lost phone: the user enrols again at the next sign-in."""
    user = await unit.session.get(UserAccount, user_id)
    if user is None:
        raise not_found("what.user")
    removed = await unit.session.scalar(
        delete(TotpEnrolment).where(TotpEnrolment.user_id == user_id).returning(TotpEnrolment.user_id))
    await unit.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    unit.audit("mfa_reset", "user", resource_id=user_id, subject=user.username.lower(),
               detail={"had_enrolment": removed is not None})
