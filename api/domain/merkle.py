"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and their verification.

Pure: no database. Proofs are described as lists of tree nodes, each a range `[start, end)` of leaf
indexes; a node's hash is the right fold of the perfect subtrees it decomposes into
(`perfect_chunks`), so a store only ever has to answer "hash of the perfect subtree at (start, size)".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

Node = tuple[int, int]  # [start, end) of leaf indexes
Chunk = tuple[int, int]  # (start, size): a perfect subtree, size a power of two, start a multiple of size

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where RFC 9162 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_chunks(start: int, end: int) -> list[Chunk]:
    """The perfect subtrees of a node, largest first: RFC 9162 splits at the largest power of two
    below the size, so a node of n leaves is its binary decomposition, folded from the right."""
    out: list[Chunk] = []
    n = end - start
    while n > 0:
        k = 1 << (n.bit_length() - 1)
        out.append((start, k))
        start += k
        n -= k
    return out


def fold(chunk_hashes: Sequence[bytes]) -> bytes:
    """MTH of a node from the hashes of its perfect chunks (largest first)."""
    if not chunk_hashes:
        return EMPTY_ROOT
    acc = chunk_hashes[-1]
    for h in reversed(chunk_hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_of_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the leaf hashes (for tests and small subtrees)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    if len(level) & (len(level) - 1) == 0:  # perfect: pair up level by level
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        return level[0]
    return fold([root_of_leaves(leaf_hashes[s:s + k]) for s, k in perfect_chunks(0, len(leaf_hashes))])


def inclusion_path(index: int, size: int) -> list[Node]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, as nodes, deepest first."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    path: list[Node] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_path(first: int, second: int) -> list[Node]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1, as nodes, deepest first; empty when first == second."""
    if not 0 < first <= second:
        raise ValueError("need 0 < first <= second")
    path: list[Node] = []
    lo, hi, m, whole = 0, second, first, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        path.append((lo, hi))
    path.reverse()
    return path


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, with the leaf hash as input."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
