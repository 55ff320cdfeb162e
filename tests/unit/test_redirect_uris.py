"""Redirect URI registration and matching (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1) and PKCE S256."""

from __future__ import annotations

import pytest

from api.domain import pkce
from api.domain.redirect_uris import find_match, matches, why_not_registrable


@pytest.mark.parametrize("uri", ["https://app.example.jp/cb", "https://app.example.jp:8443/cb?x=1",
                                 "http://127.0.0.1/cb", "http://[::1]:8080/cb", "jp.example.iko:/callback"])
def test_registrable(uri: str) -> None:
    assert why_not_registrable(uri) is None


@pytest.mark.parametrize("uri", ["http://app.example.jp/cb", "http://localhost/cb", "https://app.example.jp/cb#x",
                                 "javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "/cb", "myapp:/cb",
                                 "https:///cb", "http://127.0.0.1:99999/cb"])
def test_not_registrable(uri: str) -> None:
    assert why_not_registrable(uri) is not None


def test_exact_match_except_the_loopback_port() -> None:
    assert matches("https://app.example.jp/cb", "https://app.example.jp/cb")
    assert not matches("https://app.example.jp/cb/", "https://app.example.jp/cb")
    assert not matches("https://app.example.jp:444/cb", "https://app.example.jp/cb")
    assert not matches("https://APP.example.jp/cb", "https://app.example.jp/cb")
    assert matches("http://127.0.0.1:51234/cb", "http://127.0.0.1/cb")
    assert matches("http://127.0.0.1/cb", "http://127.0.0.1:8000/cb")
    assert not matches("http://127.0.0.1:51234/other", "http://127.0.0.1/cb")
    assert not matches("http://[::1]:5000/cb", "http://127.0.0.1/cb")
    assert not matches("http://127.0.0.1:5000/cb?a=1", "http://127.0.0.1/cb")
    assert not matches("http://user@127.0.0.1:5000/cb", "http://127.0.0.1/cb")
    assert find_match("jp.example.iko:/callback", ["https://x.example/cb", "jp.example.iko:/callback"])
    assert not find_match("jp.example.iko:/callback2", ["jp.example.iko:/callback"])


def test_pkce_s256_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pkce.valid_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert pkce.verifier_matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert not pkce.verifier_matches(verifier[:-1] + "l", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert not pkce.verifier_matches("short", pkce.s256("short"))  # under 43 characters: not a verifier
    assert not pkce.valid_challenge("plain-text-challenge")
