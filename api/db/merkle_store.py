"""Where the audit log's tree lives: leaf hashes by index, and cached hashes of complete subtrees of
2**SUBTREE_MIN_LEVEL leaves and more. Any node's hash is a handful of cached subtrees plus fewer
than 2 * 2**SUBTREE_MIN_LEVEL leaf hashes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from api.db.models import AuditLeaf, AuditSubtree
from api.domain import merkle

SUBTREE_MIN_LEVEL = 8
BLOCK = 1 << SUBTREE_MIN_LEVEL


async def leaf_hashes(conn: AsyncConnection, start: int, end: int) -> list[bytes]:
    rows = await conn.execute(select(AuditLeaf.leaf_hash).where(AuditLeaf.leaf_index >= start,
                                                                AuditLeaf.leaf_index < end)
                              .order_by(AuditLeaf.leaf_index))
    found = [bytes(r[0]) for r in rows]
    if len(found) != end - start:
        raise LookupError(f"leaves {start}..{end} are not all in the log")
    return found


async def chunk_hashes(conn: AsyncConnection, chunks: Sequence[merkle.Chunk]) -> list[bytes]:
    """Hashes of perfect subtrees (start, size): big ones from the cache, small ones from leaves."""
    cached_keys = [(size.bit_length() - 1, start // size) for start, size in chunks if size >= BLOCK]
    cached: dict[tuple[int, int], bytes] = {}
    if cached_keys:
        rows = await conn.execute(select(AuditSubtree.level, AuditSubtree.index, AuditSubtree.hash)
                                  .where(tuple_(AuditSubtree.level, AuditSubtree.index).in_(cached_keys)))
        cached = {(level, index): bytes(h) for level, index, h in rows}
    out = []
    for start, size in chunks:
        if size >= BLOCK:
            key = (size.bit_length() - 1, start // size)
            if key not in cached:
                raise LookupError(f"subtree {key} is not cached")
            out.append(cached[key])
        else:
            out.append(merkle.root_of_leaves(await leaf_hashes(conn, start, start + size)))
    return out


async def node_hashes(conn: AsyncConnection, nodes: Sequence[merkle.Node]) -> list[bytes]:
    per_node = [merkle.perfect_chunks(s, e) for s, e in nodes]
    flat = await chunk_hashes(conn, [c for chunks in per_node for c in chunks])
    out, i = [], 0
    for chunks in per_node:
        out.append(merkle.fold(flat[i:i + len(chunks)]))
        i += len(chunks)
    return out


async def root(conn: AsyncConnection, size: int) -> bytes:
    return merkle.fold(await chunk_hashes(conn, merkle.perfect_chunks(0, size)))


async def cache_subtrees(conn: AsyncConnection, old_size: int, new_size: int) -> None:
    """Cache the complete subtrees that end in (old_size, new_size]."""
    first_block, end_block = old_size >> SUBTREE_MIN_LEVEL, new_size >> SUBTREE_MIN_LEVEL
    if end_block <= first_block:
        return
    leaves = await leaf_hashes(conn, first_block * BLOCK, end_block * BLOCK)
    level = SUBTREE_MIN_LEVEL
    new: dict[int, bytes] = {
        b: merkle.root_of_leaves(leaves[(b - first_block) * BLOCK:(b - first_block + 1) * BLOCK])
        for b in range(first_block, end_block)
    }
    rows = [{"level": level, "index": i, "hash": h} for i, h in new.items()]
    while True:
        level += 1
        lo, hi = old_size >> level, new_size >> level
        if hi <= lo:
            break
        below = dict(new)
        missing = [(level - 1, 2 * i + k) for i in range(lo, hi) for k in (0, 1) if 2 * i + k not in below]
        if missing:
            got = await conn.execute(select(AuditSubtree.index, AuditSubtree.hash)
                                     .where(tuple_(AuditSubtree.level, AuditSubtree.index).in_(missing)))
            below.update({index: bytes(h) for index, h in got})
        new = {i: merkle.node_hash(below[2 * i], below[2 * i + 1]) for i in range(lo, hi)}
        rows.extend({"level": level, "index": i, "hash": h} for i, h in new.items())
    await conn.execute(insert(AuditSubtree), rows)
