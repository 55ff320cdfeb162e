from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from api.domain.webhook_delivery import (
    EVENT_PATTERN,
    new_secret,
    retry_delay_s,
    should_dead_letter,
    signature,
    signature_header,
    signing_key,
    subscribes_to,
    verify,
)


@pytest.mark.parametrize(
    ("patterns", "event", "wanted"),
    [
        (["referral.accepted"], "referral.accepted", True),
        (["referral.*"], "referral.accepted", True),
        (["referral.*"], "referral.message.posted", True),
        (["referral.*"], "referrals.accepted", False),
        (["referral.*"], "meeting.notice_sent", False),
        (["*"], "meeting.notice_sent", True),
        (["meeting.notice_sent", "referral.*"], "meeting.notice_sent", True),
        ([], "referral.accepted", False),
    ],
)
def test_subscribes_to(patterns: list[str], event: str, wanted: bool) -> None:
    assert subscribes_to(patterns, event) is wanted


@pytest.mark.parametrize("pattern", ["*", "referral.*", "referral.accepted", "meeting.notice_sent", "test"])
def test_event_patterns_accepted(pattern: str) -> None:
    assert EVENT_PATTERN.fullmatch(pattern)


@pytest.mark.parametrize("pattern", ["", "Referral.*", "referral.", "*.accepted", "referral.**", "a b", "referral*"])
def test_event_patterns_refused(pattern: str) -> None:
    assert not EVENT_PATTERN.fullmatch(pattern)


SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()


def test_signature_is_standard_webhooks_v1() -> None:
    """`v1,<base64 HMAC-SHA256>` keyed by the base64-decoded secret (issue 13 item 7): what the
    Standard Webhooks reference verifiers check."""
    body = b'{"id":"e1"}'
    digest = hmac.new(b"k" * 32, b"e1.1700000000." + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    assert signature(SECRET, "e1", 1700000000, body) == expected
    assert verify(expected, SECRET, "e1", 1700000000, body)
    assert not verify(expected, SECRET, "e1", 1700000001, body)
    assert not verify(expected, OTHER, "e1", 1700000000, body)


def test_new_secrets_carry_their_key_in_base64() -> None:
    secret = new_secret(b"\x01" * 24)
    assert secret.startswith("whsec_")
    assert signing_key(secret) == b"\x01" * 24


def test_during_rotation_either_secret_verifies() -> None:
    header = signature_header([SECRET, OTHER], "e1", 1, b"{}")
    assert verify(header, SECRET, "e1", 1, b"{}")
    assert verify(header, OTHER, "e1", 1, b"{}")
    assert not verify(header, "whsec_" + base64.b64encode(b"x" * 32).decode(), "e1", 1, b"{}")


def test_backoff_doubles_is_capped_and_jittered_into_the_upper_half() -> None:
    full = [retry_delay_s(n, base_s=60, cap_s=3600, jitter=1.0) for n in range(1, 9)]
    assert full == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay_s(3, base_s=60, cap_s=3600, jitter=0.0) == 120
    assert retry_delay_s(500, base_s=60, cap_s=3600, jitter=1.0) == 3600


def test_dead_letter_after_max_attempts() -> None:
    assert not should_dead_letter(7, 8)
    assert should_dead_letter(8, 8)
