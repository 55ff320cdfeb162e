from __future__ import annotations

import hashlib
import hmac

import pytest

from api.domain.webhook_delivery import (
    EVENT_PATTERN,
    retry_delay_s,
    should_dead_letter,
    signature,
    signature_header,
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


def test_signature_is_hmac_sha256_of_id_timestamp_body() -> None:
    body = b'{"id":"e1"}'
    expected = hmac.new(b"whsec_x", b"e1.1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_x", "e1", 1700000000, body) == f"v1={expected}"
    assert verify(f"v1={expected}", "whsec_x", "e1", 1700000000, body)
    assert not verify(f"v1={expected}", "whsec_x", "e1", 1700000001, body)
    assert not verify(f"v1={expected}", "whsec_y", "e1", 1700000000, body)


def test_during_rotation_either_secret_verifies() -> None:
    header = signature_header(["new", "old"], "e1", 1, b"{}")
    assert verify(header, "new", "e1", 1, b"{}")
    assert verify(header, "old", "e1", 1, b"{}")
    assert not verify(header, "other", "e1", 1, b"{}")


def test_backoff_doubles_is_capped_and_jittered_into_the_upper_half() -> None:
    full = [retry_delay_s(n, base_s=60, cap_s=3600, jitter=1.0) for n in range(1, 9)]
    assert full == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay_s(3, base_s=60, cap_s=3600, jitter=0.0) == 120
    assert retry_delay_s(500, base_s=60, cap_s=3600, jitter=1.0) == 3600


def test_dead_letter_after_max_attempts() -> None:
    assert not should_dead_letter(7, 8)
    assert should_dead_letter(8, 8)
