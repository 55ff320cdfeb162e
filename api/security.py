"""Tokens and secrets. The only module that imports python-jose.

RFC 8725 rules kept here: the verifier fixes its one algorithm itself, never trusts the header's;
`iss`, `aud`, `exp`, `iat`, `sub`, `jti` and the token type are required and checked by this code
(python-jose does not require them by default); oversized tokens are refused before decoding."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jose import jwk, jwt
from jose.exceptions import JOSEError

from api.config import Settings

MAX_TOKEN_BYTES = 4096
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068 media type, carried in the `typ` header and the `token_use` claim
_REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "sub", "jti", "token_use", "pk")


class TokenError(Exception):
    """Any reason a token is not accepted; the message is for logs, never for the response."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    sub: uuid.UUID
    principal_kind: str  # "user" or "client"
    jti: str
    exp: int
    iat: int
    sid: uuid.UUID | None  # the login (refresh-token family) a user's token belongs to; None for machines


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint, used as the key id."""
    members = ("crv", "kty", "x", "y") if public_jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({m: public_jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode()).digest())


def _public_pem(private_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _generate_private_pem(algorithm: str) -> bytes:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    key = ec.generate_private_key(ec.SECP256R1()) if algorithm == "ES256" else rsa.generate_private_key(65537, 3072)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _split_pems(blob: str) -> list[bytes]:
    marker = "-----END PUBLIC KEY-----"
    return [(part + marker).strip().encode() for part in blob.split(marker) if part.strip()]


class KeyRing:
    """The signing key and every public key still accepted (the current one and, during a
    rotation, the previous ones), each under its RFC 7638 thumbprint as `kid`."""

    def __init__(self, algorithm: str, private_pem: bytes, previous_public_pems: list[bytes]) -> None:
        self.algorithm = algorithm
        self._private_pem = private_pem
        self._previous_public_pems = previous_public_pems
        self.public_jwks: dict[str, dict[str, Any]] = {}
        self._verify_keys: dict[str, Any] = {}
        for pem in [_public_pem(private_pem), *previous_public_pems]:
            public = jwk.construct(pem.decode(), algorithm)
            as_dict = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public.to_dict().items()}
            kid = _thumbprint(as_dict)
            as_dict.update({"kid": kid, "use": "sig", "alg": algorithm})
            self.public_jwks[kid] = as_dict
            self._verify_keys[kid] = public
        self.current_kid = next(iter(self.public_jwks))
        # Signs the login page's hidden fields. Derived from the signing key, so every worker and
        # replica shares it with no new secret to configure, and a key rotation also ends old forms.
        self.form_key = hashlib.sha256(b"setagaya-iko login forms\0" + private_pem).digest()

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        if settings.jwt_private_key is not None:
            private_pem = settings.jwt_private_key.get_secret_value().encode()
        else:
            path = settings.data_dir / f"jwt-{settings.jwt_algorithm.lower()}-dev.pem"
            private_pem = _load_or_create_dev_key(path, settings.jwt_algorithm)
        previous = (
            _split_pems(settings.jwt_previous_public_keys.get_secret_value())
            if settings.jwt_previous_public_keys
            else []
        )
        return cls(settings.jwt_algorithm, private_pem, previous)

    def jwks(self) -> dict[str, Any]:
        return {"keys": list(self.public_jwks.values())}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims,
            self._private_pem.decode(),
            algorithm=self.algorithm,
            headers={"kid": self.current_kid, "typ": ACCESS_TOKEN_TYPE},
        )

    def verify_key(self, kid: str) -> Any:
        return self._verify_keys.get(kid)

    def public_keys_der(self) -> list[bytes]:
        """SubjectPublicKeyInfo DER of the current key, then the previous ones still accepted."""
        return [_public_der(pem) for pem in [_public_pem(self._private_pem), *self._previous_public_pems]]

    def sign_bytes(self, data: bytes) -> bytes:
        """A signature by the current key over `data` (audit checkpoints): ES256 is ECDSA P-256 with
        SHA-256, DER-encoded; RS256 is RSASSA-PKCS1-v1_5 with SHA-256."""
        key = serialization.load_pem_private_key(self._private_pem, password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256()))
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _public_der(pem: bytes) -> bytes:
    key = serialization.load_pem_public_key(pem)
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def verify_signature(public_key_der: bytes, data: bytes, signature: bytes) -> bool:
    key = serialization.load_der_public_key(public_key_der)
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _load_or_create_dev_key(path: Path, algorithm: str) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = _generate_private_pem(algorithm)
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(pem)
    tmp.chmod(0o600)
    try:
        # Several workers may start at once: the first rename wins and everyone reads that key.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


_LEEWAY_S = 30
_VERIFIED_CACHE_SIZE = 4096  # about 4 MB at most


class TokenService:
    def __init__(self, keys: KeyRing, settings: Settings) -> None:
        self.keys = keys
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.ttl = settings.access_token_ttl_s
        # Tokens whose signature, header and claims were checked, with their `nbf`: a client sends
        # the same token for many requests, and the signature check (ECDSA + JOSE parsing) is the
        # largest part of the principal's cost. The time checks are repeated on every use, and
        # revocation is the database's (api.deps), so a hit decides exactly what a full check would.
        self._verified: dict[str, tuple[AccessClaims, int]] = {}

    def issue_access_token(self, sub: uuid.UUID, principal_kind: str, *, now: int | None = None,
                           sid: uuid.UUID | None = None, not_before: int | None = None,
                           amr: list[str] | None = None) -> tuple[str, int]:
        """`not_before`: the principal's token cut-off (Unix seconds). A token is never dated
        before it, so a login in the same second as a re-enable still gets a working token."""
        iat = int(time.time()) if now is None else now
        if not_before is not None:
            iat = max(iat, not_before)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(sub),
            "iat": iat,
            "nbf": iat,
            "exp": iat + self.ttl,
            "jti": secrets.token_hex(16),
            "token_use": "access",
            "pk": principal_kind,
        }
        if sid is not None:
            claims["sid"] = str(sid)
        if amr:
            claims["amr"] = amr  # RFC 8176 authentication method references: "pwd", "otp"
        return self.keys.sign(claims), self.ttl

    def verify_access_token(self, token: str) -> AccessClaims:
        seen = self._verified.get(token)
        if seen is not None:
            claims_seen, nbf = seen
            now = time.time()
            if now > claims_seen.exp + _LEEWAY_S:
                del self._verified[token]
                raise TokenError("Signature has expired.")
            if now < nbf - _LEEWAY_S:
                raise TokenError("The token is not yet valid (nbf)")
            if claims_seen.iat > now + _LEEWAY_S:
                raise TokenError("issued in the future")
            return claims_seen
        verified, nbf = self._verify(token)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()  # bounded; refilled by the tokens still in use
        self._verified[token] = (verified, nbf)
        return verified

    def _verify(self, token: str) -> tuple[AccessClaims, int]:
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenError("token too large")
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise TokenError("malformed token") from exc
        if header.get("alg") != self.keys.algorithm:
            raise TokenError(f"algorithm {header.get('alg')!r} not accepted")
        if header.get("typ") != ACCESS_TOKEN_TYPE:
            raise TokenError("not an access token")
        key = self.keys.verify_key(str(header.get("kid", "")))
        if key is None:
            raise TokenError("unknown key id")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[self.keys.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_aud": True, "require_iat": True, "require_exp": True, "require_iss": True,
                    "require_sub": True, "require_jti": True, "leeway": _LEEWAY_S,
                },
            )
        except JOSEError as exc:
            raise TokenError(str(exc)) from exc
        missing = [c for c in _REQUIRED_CLAIMS if c not in claims]
        if missing:
            raise TokenError(f"missing claims {missing}")
        if claims["token_use"] != "access" or claims["pk"] not in ("user", "client"):
            raise TokenError("wrong token type")
        if not isinstance(claims["exp"], int) or not isinstance(claims["iat"], int):
            raise TokenError("exp and iat must be integers")
        if claims["iat"] > time.time() + _LEEWAY_S:
            raise TokenError("issued in the future")
        try:
            sub = uuid.UUID(str(claims["sub"]))
            sid = uuid.UUID(str(claims["sid"])) if "sid" in claims else None
        except ValueError as exc:
            raise TokenError("sub or sid is not an id") from exc
        nbf = claims.get("nbf")
        return AccessClaims(sub=sub, principal_kind=claims["pk"], jti=str(claims["jti"]), exp=claims["exp"],
                            iat=claims["iat"], sid=sid), nbf if isinstance(nbf, int) else 0


_hasher = PasswordHasher()  # Argon2id, the library's RFC 9106 low-memory profile
# Verifying against this when the account does not exist makes unknown user and wrong password
# take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def opaque_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class SignedFormError(Exception):
    """A hidden form value that was altered, is for another step, or has expired."""


def sign_form_value(key: bytes, purpose: str, payload: dict[str, Any], ttl_s: int) -> str:
    """A hidden form field the browser carries between login steps: JSON, HMAC-SHA256 signed, with
    its purpose and expiry inside, so the server keeps no state between the steps."""
    body = _b64(json.dumps({"p": purpose, "exp": int(time.time()) + ttl_s, "d": payload},
                           separators=(",", ":")).encode())
    mac = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def open_form_value(key: bytes, purpose: str, value: str) -> dict[str, Any]:
    body, _, mac = value.partition(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        raise SignedFormError("bad signature")
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise SignedFormError("malformed") from exc
    if not isinstance(data, dict) or data.get("p") != purpose or not isinstance(data.get("d"), dict):
        raise SignedFormError("wrong step")
    if not isinstance(data.get("exp"), int) or data["exp"] < time.time():
        raise SignedFormError("expired")
    payload: dict[str, Any] = data["d"]
    return payload


def csrf_token(key: bytes, nonce: str) -> str:
    """The login form's anti-forgery field: bound to the random nonce in the browser's cookie, so a
    page on another site can neither read nor forge a matching pair."""
    return _b64(hmac.new(key, b"csrf\0" + nonce.encode(), hashlib.sha256).digest())


def csrf_matches(key: bytes, nonce: str | None, token: str | None) -> bool:
    if not nonce or not token:
        return False
    return hmac.compare_digest(csrf_token(key, nonce), token)
