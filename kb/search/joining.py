"""Terms encoded in parts (a build's runs, kb.search.runs) joined into one term-table value.

A part is a term's term-table value as kb.search.codec encodes it: its postings inlined, or
the extent of its posting blocks in a run's postings file. Every part of a build numbers
documents the same way (one segment), so a block needs no renumbering: parts of one block
each that fit one block together become one block (a reader pays per block: on the cgroups
epoch, terms left in one block per run answered the bench's slowest queries 20-40% slower),
larger terms keep their blocks one after another.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from pickle import dumps, loads
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

from kb.search.codec import BLOCK_LENGTH, EXTENT, PROTOCOL, TERM_INFO, Appender, PackedValues, iter_blocks
from kb.search.pool import TermPostings


def join_blocks(out: Appender, parts: Sequence[tuple[bytes, bytes]], blocklimit: int) -> bytes:
    """One term-table value for a term whose postings were encoded in parts, in blocks (each
    part's documents after the previous part's): `parts` are (term-table value, its posting
    bytes). Parts of one block each that fit one block together become one block (a reader
    pays per block); otherwise the blocks are copied as they are (their document numbers are
    the segment's)."""
    infos = [TERM_INFO.unpack_from(value) for value, _ in parts]
    start = out.pos
    out.write(WHOOSH3_HEADER_MAGIC)
    blocks = [_read_single_block(postings) for _, postings in parts]
    if sum(info[2] for info in infos) <= blocklimit and all(block is not None for block in blocks):
        out.write(_join_single_blocks(blocks))  # type: ignore[arg-type]
    else:
        for n, (_, postings) in enumerate(parts):
            out.write(postings[len(WHOOSH3_HEADER_MAGIC):] if n == len(parts) - 1 else _continue_blocks(postings))
    info = (False, sum(i[1] for i in infos), sum(i[2] for i in infos), min(i[3] for i in infos),
            max(i[4] for i in infos), max(i[5] for i in infos), infos[0][6], infos[-1][7])
    return TERM_INFO.pack(*info) + EXTENT.pack(start, out.pos - start)


def _read_single_block(postings: bytes) -> tuple[tuple[Any, ...], Any, Any, Any] | None:
    """(header, id deltas, minified weights, values) of a term's only block; None when it has more."""
    blocks = iter_blocks(postings)
    header, start, end = next(blocks)
    if next(blocks, None) is not None:
        return None
    ids, weights, values = loads(postings[start:end])  # kb's codec does not compress
    return header, ids, weights, values


def _join_single_blocks(blocks: list[tuple[tuple[Any, ...], Any, Any, Any]]) -> bytes:
    """Blocks of consecutive parts of one term as one last block, as `_write_blocks` writes it."""
    ids = array("I")
    last = 0
    for header, part_ids, _, _ in blocks:
        first = len(ids)
        ids.extend(part_ids)
        ids[first] -= last  # a part's first id is absolute; after another part it is a delta
        last = header[1]
    counts = [header[0] for header, _, _, _ in blocks]
    weights = _join_weights([block[2] for block in blocks], counts)
    first_values = blocks[0][3]
    if first_values is None:
        values: Any = None
    elif isinstance(first_values, PackedValues):
        values = PackedValues.join([block[3] for block in blocks])
    else:
        values = b"".join(block[3] for block in blocks)
    data = dumps((ids, weights, values), PROTOCOL)
    headers = [block[0] for block in blocks]
    info = dumps((sum(counts), headers[-1][1], max(h[2] for h in headers), 0, min(h[4] for h in headers),
                  max(h[5] for h in headers)), 2)
    return BLOCK_LENGTH.pack(-(len(info) + len(data))) + info + data


def _join_weights(parts: list[Any], counts: list[int]) -> Any:
    """Blocks' minified weights (see `_minify_weights`) as one block's."""
    if all(part is None for part in parts):
        return None
    if all(isinstance(part, float) for part in parts) and len(set(parts)) == 1:
        return parts[0]
    expanded = [[1.0] * n if part is None else [part] * n if isinstance(part, float) else part
                for part, n in zip(parts, counts)]
    if all(isinstance(part, bytes) or (isinstance(part, float) and part.is_integer() and 0 <= part < 256)
           or part is None for part in parts):
        return b"".join(part if isinstance(part, bytes) else bytes([int(w) for w in part])
                        for part in expanded)
    return tuple(float(w) for part in expanded for w in part)


def is_inlined(value: bytes) -> bool:
    """True when a term-table value holds its postings (its first byte is W3TermInfo's flag)."""
    return bool(value[0])


def decode_inlined(btext: bytes, value: bytes, fixed: int | None) -> TermPostings:
    """An inlined term-table value's postings, as `encode_term` takes them."""
    docs, weights, values = loads(value[TERM_INFO.size:])
    if fixed == 0:
        return TermPostings(btext, list(docs), list(weights), None)
    return TermPostings(btext, list(docs), list(weights), list(values))


def move_extent(value: bytes, start: int) -> bytes:
    """A term-table value whose posting blocks were copied to `start`."""
    return value[:TERM_INFO.size] + EXTENT.pack(start, EXTENT.unpack_from(value, TERM_INFO.size)[1])


def read_extent(value: bytes) -> tuple[int, int]:
    """(offset, length) of a (not inlined) term-table value's postings."""
    return EXTENT.unpack_from(value, TERM_INFO.size)


def _continue_blocks(postings: bytes) -> bytes:
    """A term's blocks without the header, its last block marked as followed by more."""
    data = bytearray(postings[len(WHOOSH3_HEADER_MAGIC):])
    pos = 0
    while (size := BLOCK_LENGTH.unpack_from(data, pos)[0]) > 0:
        pos += BLOCK_LENGTH.size + size
    BLOCK_LENGTH.pack_into(data, pos, -size)
    return bytes(data)
