#!/usr/bin/env python3
"""Check an audit-log proof offline, trusting nothing but the service's public keys.

    verify_audit_proof.py inclusion   PROOF.json --jwks JWKS.json   # GET /v1/audit-events/{id}/proof
    verify_audit_proof.py consistency PROOF.json --jwks JWKS.json   # GET /v1/audit/checkpoints/consistency

JWKS.json is the service's /.well-known/jwks.json, fetched once and kept (or received out of band).
Each checkpoint's signed note must carry a valid signature by one of those keys; the proof is then
checked with the RFC 9162 algorithms (§2.1.3.2 inclusion, §2.1.4.2 consistency). Exit status 0 when
everything holds, 1 otherwise. Needs only Python 3.11+ and `cryptography`; imports nothing of the service.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index: int, size: int, leaf_hash: bytes, path: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]) -> bool:
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    proof = ([first_root] if first & (first - 1) == 0 else []) + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def _b64url(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def public_keys(jwks: dict[str, Any]) -> list[Any]:
    keys: list[Any] = []
    for k in jwks["keys"]:
        if k["kty"] == "EC" and k.get("crv") == "P-256":
            keys.append(ec.EllipticCurvePublicNumbers(_b64url(k["x"]), _b64url(k["y"]), ec.SECP256R1()).public_key())
        elif k["kty"] == "RSA":
            keys.append(rsa.RSAPublicNumbers(_b64url(k["e"]), _b64url(k["n"])).public_key())
    return keys


def check_checkpoint(cp: dict[str, Any], keys: list[Any]) -> tuple[int, bytes]:
    """The (size, root) a checkpoint's signed note vouches for; exits when it is not signed."""
    body, _, signatures = cp["note"].partition("\n\n")
    body += "\n"
    origin, size, root = body.split("\n")[:3]
    if int(size) != cp["tree_size"] or root != cp["root_hash"]:
        sys.exit(f"checkpoint {cp['tree_size']}: the note states another size or root")
    for line in signatures.splitlines():
        _, name, blob = line.split(" ")
        raw = base64.b64decode(blob)
        for key in keys:
            der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            if name != origin or hashlib.sha256(name.encode() + b"\n" + der).digest()[:4] != raw[:4]:
                continue
            try:
                if isinstance(key, ec.EllipticCurvePublicKey):
                    key.verify(raw[4:], body.encode(), ec.ECDSA(hashes.SHA256()))
                else:
                    key.verify(raw[4:], body.encode(), padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                continue
            return int(size), base64.b64decode(root)
    sys.exit(f"checkpoint {cp['tree_size']}: no valid signature by the given keys")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("inclusion", "consistency"))
    parser.add_argument("proof")
    parser.add_argument("--jwks", required=True)
    args = parser.parse_args()
    with open(args.proof, encoding="utf-8") as f:
        proof = json.load(f)
    with open(args.jwks, encoding="utf-8") as f:
        keys = public_keys(json.load(f))
    path = [base64.b64decode(h) for h in proof["proof"]]
    if args.kind == "inclusion":
        size, root = check_checkpoint(proof["checkpoint"], keys)
        leaf = proof["leaf"].encode()
        leaf_hash = hashlib.sha256(b"\x00" + leaf).digest()
        if base64.b64encode(leaf_hash).decode() != proof["leaf_hash"]:
            sys.exit("the leaf hash is not the hash of the leaf")
        if json.loads(leaf)[0] != proof["event_id"]:
            sys.exit("the leaf is not this event")
        if not verify_inclusion(proof["leaf_index"], size, leaf_hash, path, root):
            sys.exit("the inclusion proof does not verify")
        print(f"event {proof['event_id']} is entry {proof['leaf_index']} of the signed log of {size} entries")
    else:
        first, first_root = check_checkpoint(proof["first"], keys)
        second, second_root = check_checkpoint(proof["second"], keys)
        if not verify_consistency(first, second, first_root, second_root, path):
            sys.exit("the consistency proof does not verify")
        print(f"the signed log of {second} entries extends the signed log of {first} entries")


if __name__ == "__main__":
    main()
