"""Which redirect URIs a client may register and when a requested one matches (RFC 6749 §3.1.2,
RFC 8252 §7 for native apps, RFC 9700 §4.1: exact string matching, except the port of a loopback
redirect, which a native app picks at run time)."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from api.messages import Msg, msg

CLIENT_TYPES = frozenset({"public", "confidential"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})
# RFC 8252 §7.1: a private-use scheme is a reverse domain name the app controls (com.example.app).
_PRIVATE_SCHEME = re.compile(r"^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$")


def _split(uri: str) -> SplitResult | None:
    try:
        parts = urlsplit(uri)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return None
    return parts


def _is_loopback(parts: SplitResult) -> bool:
    return parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS


def why_not_registrable(uri: str) -> Msg | None:
    """None when the URI may be registered, else the reason."""
    parts = _split(uri)
    if parts is None or not parts.scheme:
        return msg("redirect_uri.not_absolute")
    if parts.fragment or "#" in uri:
        return msg("redirect_uri.fragment")
    if parts.scheme == "https":
        return None if parts.hostname else msg("redirect_uri.https_host")
    if parts.scheme == "http":
        if _is_loopback(parts):
            return None
        return msg("redirect_uri.plain_http")
    if _PRIVATE_SCHEME.match(parts.scheme):
        return None
    return msg("redirect_uri.scheme")


def matches(requested: str, registered: str) -> bool:
    if requested == registered:
        return True
    asked, known = _split(requested), _split(registered)
    if asked is None or known is None or not (_is_loopback(asked) and _is_loopback(known)):
        return False
    # RFC 8252 §7.3: any port on the loopback interface; everything else exactly as registered.
    return (asked.hostname, asked.path, asked.query, asked.username, asked.password) == (
        known.hostname, known.path, known.query, known.username, known.password) and not asked.fragment


def find_match(requested: str, registered: list[str]) -> bool:
    return any(matches(requested, uri) for uri in registered)
