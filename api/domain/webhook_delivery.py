"""What a webhook subscription receives, how a delivery is signed and when a failed one is retried.

Pure rules: the dispatcher (api.services.webhook_dispatcher) and the subscription use cases apply them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"
DELIVERY_STATUSES = frozenset({PENDING, DELIVERED, DEAD})

# `referral.accepted`, `meeting.notice_sent`; subscriptions may also name `referral.*` or `*`.
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
EVENT_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")
EVENT_PATTERN_REGEX = EVENT_PATTERN.pattern

SIGNATURE_VERSION = "v1"
SECRET_PREFIX = "whsec_"


def is_event_type(value: str) -> bool:
    return EVENT_TYPE.fullmatch(value) is not None


def subscribes_to(patterns: Iterable[str], event_type: str) -> bool:
    """An exact name, `*`, or a prefix wildcard (`referral.*` covers `referral.accepted` and
    `referral.message.posted`, never `referrals.x` nor `referral` itself)."""
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


# What the delivery log tells a subscriber about a failed attempt: a class, never the network
# error's text (which would map the network the dispatcher sits in).
UNREACHABLE = "unreachable"
ADDRESS_REFUSED = "address_not_allowed"


def http_failure(status_code: int) -> str:
    return f"http_{status_code // 100}xx"


def signed_content(event_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{event_id}.{timestamp}.".encode() + body


def new_secret(random_bytes: bytes) -> str:
    """`whsec_` + standard base64 of the key bytes: the Standard Webhooks secret format."""
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key a Standard Webhooks verifier derives from the secret: the base64 after
    `whsec_` (a missing padding tolerated, as the reference libraries do)."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")
    except binascii.Error:
        return secret.encode()  # a secret from before the format change: rotate it


def signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` (Standard Webhooks; README "Webhooks")."""
    digest = hmac.new(signing_key(secret), signed_content(event_id, timestamp, body), hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signature_header(secrets: Iterable[str], event_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret, space-separated: while a rotated secret's grace period runs, the
    receiver may still hold the old one and accepts the request if any signature matches."""
    return " ".join(signature(s, event_id, timestamp, body) for s in secrets)


def verify(header: str, secret: str, event_id: str, timestamp: int, body: bytes) -> bool:
    expected = signature(secret, event_id, timestamp, body)
    return any(hmac.compare_digest(candidate, expected) for candidate in header.split())


def retry_delay_s(attempts: int, *, base_s: float, cap_s: float, jitter: float) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: base × 2^(attempts-1), capped, then
    scaled into its upper half by `jitter` in [0, 1) so that receivers coming back up are not hit
    by every sender at the same instant."""
    exponent = max(attempts - 1, 0)
    ceiling = cap_s if exponent >= 63 else min(cap_s, base_s * (2**exponent))
    return ceiling * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0))


def should_dead_letter(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts
