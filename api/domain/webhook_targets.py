"""Where a webhook may be delivered: public internet addresses only (issue 14, finding 3).

A subscription's URL is chosen by a partner; without these rules the dispatcher POSTs wherever it
points (the ward's own network, the cloud metadata service) and its delivery log turns it into a
port scanner. Pure rules: api/services/webhook_targets.py resolves names and applies them, at
registration and again before every delivery (a name may resolve elsewhere by then)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# RFC 6598 shared address space (carrier-grade NAT): neither private nor global to Python.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# The WHATWG URL parser reads a host whose last label is a number (decimal, 0x-hex or 0-octal) as
# an IPv4 address, and so does the C resolver: `127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4 = re.compile(rf"^{_OCTET}(\.{_OCTET}){{3}}$")


class TargetRefused(ValueError):
    """The URL's host, or an address it resolves to, is not a public internet address."""


def normalise_host(host: str) -> str:
    """Lower case, without a trailing dot or IPv6 brackets: the form allow-lists are written in."""
    return host.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, or None for a DNS name. Refuses every IPv4 form but
    the canonical dotted quad, so no second parser can read a different address into it."""
    name = normalise_host(host)
    if ":" in name:
        try:
            return ipaddress.IPv6Address(name)
        except ValueError as exc:
            raise TargetRefused("is not a valid IPv6 address") from exc
    last = name.rsplit(".", 1)[-1]
    if _NUMERIC_LABEL.fullmatch(last):
        if not _CANONICAL_IPV4.fullmatch(name):
            raise TargetRefused("writes an IPv4 address in a non-canonical form; use a dotted quad like 203.0.113.7")
        return ipaddress.IPv4Address(name)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why a delivery must not go to this address, or None when it is a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return "is an IPv4-mapped IPv6 address"
        if address.sixtofour is not None or address.teredo is not None:
            return "is a tunnelled IPv4 address"
    checks = (
        (address.is_unspecified, "is the unspecified address"),
        (address.is_loopback, "is a loopback address"),
        (address.is_link_local, "is a link-local address"),
        (address.is_multicast, "is a multicast address"),
        (address.is_private, "is a private address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "is a shared (CGNAT) address"),
        (address.is_reserved, "is a reserved address"),
        (not address.is_global, "is not a public internet address"),
    )
    return next((why for failed, why in checks if failed), None)


def check_addresses(addresses: Iterable[IPAddress]) -> list[IPAddress]:
    """All resolved addresses must be public (a name with one private record among public ones is
    refused: the resolver may hand out either). Returns them, in the resolver's order."""
    found = list(addresses)
    if not found:
        raise TargetRefused("does not resolve to any address")
    for address in found:
        why = refusal(address)
        if why is not None:
            raise TargetRefused(f"resolves to {address}, which {why}")
    return found


def is_allowed_host(host: str, allowed: Iterable[str]) -> bool:
    """Hosts a setting names for local development and tests (WEBHOOK_ALLOWED_HOSTS): exact names."""
    name = normalise_host(host)
    return any(name == normalise_host(a) for a in allowed)
