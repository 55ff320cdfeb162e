"""Secrets the service must be able to read back (webhook signing secrets: a hash could not sign)
are kept encrypted at rest, with keys that live outside the database (issue 14, Deliver 13).

AES-256-GCM, one random 96-bit nonce per encryption, the owning row's id as associated data (a
ciphertext copied onto another row does not decrypt). Stored as `enc:v1:<key id>:<base64(nonce ||
ciphertext)>`, so each value names the key that reads it and keys can be rotated: the first key of
`WEBHOOK_SECRET_KEYS` encrypts, every listed key decrypts, and `python -m api reencrypt-secrets`
(also run by the background purge) moves every value onto the first key (README "Operations")."""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api.config import Settings

PREFIX = "enc:v1:"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_NONCE_BYTES = 12


class SecretKeyError(ValueError):
    """A key setting that cannot be used, or a stored value no configured key can read."""


def _parse_keys(value: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise SecretKeyError("WEBHOOK_SECRET_KEYS: each key is `id:base64`, the id of letters, digits, - or _")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise SecretKeyError(f"WEBHOOK_SECRET_KEYS: key {key_id} is not base64") from exc
        if len(key) != 32:
            raise SecretKeyError(f"WEBHOOK_SECRET_KEYS: key {key_id} must be 32 bytes (AES-256)")
        if key_id in keys:
            raise SecretKeyError(f"WEBHOOK_SECRET_KEYS: key id {key_id} is listed twice")
        keys[key_id] = key
    if not keys:
        raise SecretKeyError("WEBHOOK_SECRET_KEYS names no key")
    return keys


def new_key_setting(key_id: str) -> str:
    """One `id:base64` entry with a fresh random key (for WEBHOOK_SECRET_KEYS)."""
    if not _KEY_ID.fullmatch(key_id):
        raise SecretKeyError("a key id is 1-32 letters, digits, - or _")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def _dev_keys(path: Path) -> str:
    """A development key in DATA_DIR, created once (like the development JWT key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(new_key_setting("dev1"))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # several workers may start at once: the first one's key wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


class SecretBox:
    def __init__(self, keys: dict[str, bytes]) -> None:
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current_key_id = next(iter(keys))

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        configured = settings.webhook_secret_keys
        value = (configured.get_secret_value() if configured is not None
                 else _dev_keys(settings.data_dir / "webhook-secret-keys.dev"))
        return cls(_parse_keys(value))

    def encrypt(self, plaintext: str, owner: uuid.UUID) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._keys[self.current_key_id].encrypt(nonce, plaintext.encode(), owner.bytes)
        return f"{PREFIX}{self.current_key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, owner: uuid.UUID) -> str:
        if not stored.startswith(PREFIX):
            # Written before secrets were encrypted; the next re-encryption round encrypts it.
            return stored
        key_id, _, encoded = stored.removeprefix(PREFIX).partition(":")
        aead = self._keys.get(key_id)
        if aead is None:
            raise SecretKeyError(f"no configured key {key_id!r} reads this secret (WEBHOOK_SECRET_KEYS)")
        raw = base64.b64decode(encoded)
        try:
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], owner.bytes).decode()
        except Exception as exc:  # cryptography's InvalidTag: wrong key, another row's value, tampering
            raise SecretKeyError("a stored secret does not decrypt (tampered, or another row's)") from exc

    def is_current(self, stored: str | None) -> bool:
        return stored is None or stored.startswith(f"{PREFIX}{self.current_key_id}:")


_BOXES: dict[tuple[str | None, Path], SecretBox] = {}


def secret_box(settings: Settings) -> SecretBox:
    """The box for these settings, built once per key setting (reading keys is not free)."""
    configured = settings.webhook_secret_keys
    cache_key = (configured.get_secret_value() if configured is not None else None, settings.data_dir)
    box = _BOXES.get(cache_key)
    if box is None:
        box = _BOXES[cache_key] = SecretBox.from_settings(settings)
    return box
