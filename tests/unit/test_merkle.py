"""RFC 9162 Merkle hashing and proofs, checked against the RFC's recursive definitions written out
literally, for every tree size up to 70 (enough to cross several powers of two)."""

from __future__ import annotations

import hashlib

import pytest

from api.domain import merkle

LEAVES = [f"entry {i}".encode() for i in range(70)]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    return [*rfc_path(m, d[:k]), mth(d[k:])] if m < k else [*rfc_path(m - k, d[k:]), mth(d[:k])]


def rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m <= k:
        return [*rfc_subproof(m, d[:k], b), mth(d[k:])]
    return [*rfc_subproof(m - k, d[k:], False), mth(d[:k])]


def node(start: int, end: int) -> bytes:
    return merkle.fold([merkle.root_of_leaves(HASHES[s:s + k]) for s, k in merkle.perfect_chunks(start, end)])


@pytest.mark.parametrize("n", range(1, 71))
def test_root_and_every_inclusion_proof_match_the_rfc(n: int) -> None:
    root = mth(LEAVES[:n])
    assert merkle.root_of_leaves(HASHES[:n]) == root
    for m in range(n):
        path = [node(s, e) for s, e in merkle.inclusion_path(m, n)]
        assert path == rfc_path(m, LEAVES[:n])
        assert merkle.verify_inclusion(m, n, HASHES[m], path, root)
        assert not merkle.verify_inclusion(m, n, HASHES[(m + 1) % 70], path, root)
        if path:
            assert not merkle.verify_inclusion(m, n, HASHES[m], path[:-1], root)


@pytest.mark.parametrize("second", range(1, 71))
def test_every_consistency_proof_matches_the_rfc_and_verifies(second: int) -> None:
    for first in range(1, second + 1):
        path = [node(s, e) for s, e in merkle.consistency_path(first, second)]
        assert path == rfc_subproof(first, LEAVES[:second], True)
        assert merkle.verify_consistency(first, second, mth(LEAVES[:first]), mth(LEAVES[:second]), path)
        if first < second:
            forged = [merkle.leaf_hash(b"x") for _ in LEAVES[:second]]
            assert not merkle.verify_consistency(first, second, mth(LEAVES[:first]), mth(forged), path)


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert merkle.root_of_leaves([]) == hashlib.sha256(b"").digest()
