"""Where webhooks may go (issue 14, finding 3): only public internet addresses, written canonically."""

from __future__ import annotations

import ipaddress

import pytest

from api.domain.webhook_targets import TargetRefused, check_addresses, is_allowed_host, literal_address, refusal


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1",
    "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1",
    "::ffff:8.8.8.8", "2002:7f00:1::1", "2001:db8::1", "64:ff9b::7f00:1",
])
def test_addresses_that_are_not_public_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None
    with pytest.raises(TargetRefused):
        check_addresses([ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address(address)])


@pytest.mark.parametrize("address", ["8.8.8.8", "203.0.114.1", "2606:4700:4700::1111", "1.1.1.1"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f.1", "0x7f000001", "0177.0.0.1", "127.0.0.01",
                                  "1.2.3", "8.8.8.8.8", "017700000001", "0x7f.0x0.0x0.0x1", "127.000.000.001",
                                  "8.8.8.08", "256.1.1.1"])
def test_non_canonical_ipv4_forms_are_refused(host: str) -> None:
    with pytest.raises(TargetRefused):
        literal_address(host)


def test_literals_and_names() -> None:
    assert literal_address("8.8.8.8") == ipaddress.ip_address("8.8.8.8")
    assert literal_address("[::1]") == ipaddress.ip_address("::1")
    assert literal_address("partner.example") is None
    assert literal_address("1x.example") is None  # a name whose last label is not a number
    with pytest.raises(TargetRefused):
        literal_address("[::zz]")


def test_allowed_hosts_match_exact_names_only() -> None:
    assert is_allowed_host("LOCALHOST.", ["localhost"])
    assert is_allowed_host("[::1]", ["::1"])
    assert not is_allowed_host("localhost.evil.example", ["localhost"])
