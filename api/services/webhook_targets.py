"""Resolves a webhook URL and checks every address it names (api/domain/webhook_targets.py), at
registration and again before every delivery, then connects to exactly the address it checked.

Checking a name and letting the HTTP client resolve it again would leave a window (DNS
rebinding: the first answer public, the second 127.0.0.1). So the request goes to the checked IP
itself, with the original name in the Host header and as the TLS server name (SNI and certificate
verification still use the name), and no proxy from the environment in between."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from api.domain.webhook_targets import (
    IPAddress,
    TargetRefused,
    check_addresses,
    is_allowed_host,
    literal_address,
    normalise_host,
)

RESOLVE_TIMEOUT_S = 3.0


class Unresolvable(Exception):
    """The name did not resolve (now): not a refusal, the receiver is just unreachable."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to connect (`url` names the checked address) and what to tell the server (`host`)."""

    url: str
    host_header: str
    server_name: str


async def _resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP), RESOLVE_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:  # UnicodeError (IDNA) is a ValueError
        raise Unresolvable(host) from exc
    # Scope ids (fe80::1%eth0) are dropped by ip_address' parser; strip them to read the address.
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


async def addresses_for(url: str, allowed_hosts: Sequence[str]) -> list[IPAddress]:
    """The addresses a delivery to `url` may use, all checked. Raises TargetRefused (never deliver
    there) or Unresolvable (not now)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    allowed = is_allowed_host(host, allowed_hosts)
    literal = None if allowed else literal_address(host)
    if literal is not None:
        return check_addresses([literal])
    found = await _resolve(normalise_host(host), port)
    return found if allowed else check_addresses(found)


async def check_at_registration(url: str, allowed_hosts: Sequence[str]) -> None:
    """Refuses a URL that names, or resolves now to, an address deliveries may not go to. A name
    that does not resolve yet is accepted (a partner may register before its DNS is live): every
    delivery resolves and checks again."""
    try:
        await addresses_for(url, allowed_hosts)
    except Unresolvable:
        return


async def pinned(url: str, allowed_hosts: Sequence[str]) -> Target:
    """The request target for one delivery: the first checked address, the name kept for Host/SNI."""
    address = (await addresses_for(url, allowed_hosts))[0]
    parts = urlsplit(url)
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return Target(urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header,
                  normalise_host(parts.hostname or ""))


__all__ = ["Target", "TargetRefused", "Unresolvable", "addresses_for", "check_at_registration", "pinned"]
