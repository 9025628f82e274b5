"""An in-memory posting pool: one message's terms counted once, postings kept in plain lists.

whoosh's own pool sorts every posting through an external merge sort (pickled runs on disk);
here postings are grouped by term as they arrive, and since documents arrive in docnum order
each term's list is already sorted: handing a field over (`FieldPostings`, arrays) only sorts
its terms.

Per term a flat list `[doc, freq, doc, freq, ...]`, or `[doc, freq, value, ...]` for fields
that keep positions (`value` is the field format's own encoding, bytes) and for the fields
whoosh analyses itself (ids, dates: `[doc, weight, value, ...]`, keyed by term bytes).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

# rough CPython sizes: a new term (str key, dict slot, list) and one posting (list slots,
# the positions bytes of a positional posting); only used to decide when to write a segment
TERM_BYTES = 160
POSTING_BYTES = 16
POSITIONS_BYTES = 48


def group_positions(words: list[str]) -> dict[str, list[int]]:
    """Each distinct word -> its positions in `words`, ascending."""
    positions: dict[str, list[int]] = {}
    get = positions.get
    for pos, word in enumerate(words):
        found = get(word)
        if found is None:
            positions[word] = [pos]
        else:
            found.append(pos)
    return positions


@dataclass(frozen=True)
class FieldPostings:
    """One field's postings as arrays, its terms in the codec's order (UTF-8 byte order = code
    point order): what a pool hands over, a run stores and kb.search.encoder writes."""

    keys: list[bytes]
    counts: np.ndarray  # postings per term (int64)
    docs: np.ndarray  # document numbers (uint32), a term's in docnum order, terms one after another
    weights: np.ndarray  # term counts (uint32), or whoosh's own weights (float64) for the raw fields
    values: bytes | None  # the postings' encoded values one after another; None: frequency-only fields
    value_lengths: np.ndarray | None  # each posting's value length (uint32)


class PostingPool:
    """Postings of one segment being built; `size` estimates the bytes held."""

    def __init__(self, lengths: dict[str, array] | None = None) -> None:
        self.fields: dict[str, dict[str, list]] = defaultdict(dict)
        self.positional: set[str] = set()
        self.raw: set[str] = set()
        # field -> per-doc token count (scorable fields), by segment docnum: a pool that follows
        # a spilled one (kb.search.runs) goes on with its lengths
        self.lengths: dict[str, array] = {} if lengths is None else lengths
        self.size = 0
        self._single: dict[object, list[bytes]] = {}  # encode -> encoded [position], by position

    def add_counts(self, field: str, docnum: int, counts: Mapping[str, int]) -> None:
        """Term -> frequency of one field of one message (a field without positions)."""
        terms = self.fields[field]
        added = 0
        for word, freq in counts.items():
            postings = terms.get(word)
            if postings is None:
                terms[word] = [docnum, freq]
                added += TERM_BYTES
            else:
                postings += (docnum, freq)
        self.size += added + POSTING_BYTES * len(counts)

    def add_positions(self, field: str, docnum: int, positions: Mapping[str, list[int]],
                      encode: Callable[[list[int]], bytes], length: int) -> None:
        """Term -> its positions (`group_positions`) in one field of one message of `length` words."""
        self.positional.add(field)
        terms = self.fields[field]
        get = terms.get
        single = self._single.setdefault(encode, [])  # most words occur once: encode each position once
        if len(single) < length:
            single.extend(encode([pos]) for pos in range(len(single), length))
        new = 0
        for word, poslist in positions.items():
            count = len(poslist)
            value = single[poslist[0]] if count == 1 else encode(poslist)
            postings = get(word)
            if postings is None:
                terms[word] = [docnum, count, value]
                new += 1
            else:
                postings += (docnum, count, value)
        self.size += new * TERM_BYTES + (POSTING_BYTES + POSITIONS_BYTES) * len(positions)

    def add_raw(self, field: str, docnum: int, items: Iterator[tuple[bytes, int, float, bytes]]) -> None:
        """whoosh's own (term bytes, freq, weight, value) items of one field of one message."""
        self.raw.add(field)
        terms = self.fields[field]
        for btext, _freq, weight, value in items:
            postings = terms.get(btext)
            if postings is None:
                terms[btext] = [docnum, weight, value]
                self.size += TERM_BYTES
            else:
                postings += (docnum, weight, value)
            self.size += POSTING_BYTES + POSITIONS_BYTES

    def set_length(self, field: str, docnum: int, length: int) -> None:
        """Record a scorable field's token count (documents arrive in docnum order)."""
        lengths = self.lengths.get(field)
        if lengths is None:
            lengths = self.lengths[field] = array("I")
        lengths.extend([0] * (docnum - len(lengths)))
        lengths.append(length)

    def pop_fields(self) -> Iterator[tuple[str, FieldPostings]]:
        """Every field's postings in name order; each field leaves the pool as it is handed over."""
        for field in sorted(self.fields):
            yield field, self.pop_field(field)

    def pop_field(self, field: str) -> FieldPostings:
        terms = self.fields.pop(field)
        raw = field in self.raw
        step = 3 if raw or field in self.positional else 2
        keys = sorted(terms)
        docs = array("I")
        weights = array("d" if raw else "I")
        values: list[bytes] = []
        for key in keys:
            flat = terms[key]
            docs.extend(flat[0::step])
            weights.extend(flat[1::step])
            if step == 3:
                values.extend(flat[2::3])
        counts = np.fromiter(map(len, map(terms.__getitem__, keys)), np.int64, len(keys)) // step
        del terms
        return FieldPostings(keys if raw else [key.encode("utf-8") for key in keys], counts,
                             np.frombuffer(docs, np.uint32), np.frombuffer(weights, weights.typecode),
                             b"".join(values) if step == 3 else None,
                             np.fromiter(map(len, values), np.uint32, len(values)) if step == 3 else None)
