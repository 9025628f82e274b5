"""An in-memory posting pool: postings kept in arrival order as arrays, inverted when handed over.

whoosh's own pool sorts every posting through an external merge sort (pickled runs on disk).
Here each field keeps, per posting in arrival (= docnum) order, its term's number in the
field's vocabulary, the document, the weight and the value in flat arrays. A message's words
become term numbers in one C-level pass (`map` over the vocabulary, which numbers a new term
as it is met) and are grouped per message with numpy (positions by a stable argsort).
Handing a field over (`FieldPostings`) sorts its terms and moves every posting to its term
with one stable argsort, so that a term's postings stay in docnum order.

A posting of a field with positions (kb's `_FastPositions`) holds its positions as 2-byte
little-endian numbers, or that format's own encoding in a message of more than 65,536 words.
A stem field is counted from its exact field's words: each word's stem is looked up once per
pool (`add_stems`). A field of at most SMALL_WORDS words (subjects, addresses, short replies: most
of a build's calls) is grouped with dicts and lists instead: numpy's set-up per call costs more
than such a message's words. The fields whoosh analyses itself (ids, dates) keep whoosh's weights
(floats) and values.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np

from kb.search.analysis import group_positions

# rough sizes, only used to decide when to spill: a new term (its vocabulary entry: dict slot,
# key, number, list slot) and a posting (term, document, weight, value length: 4 bytes each)
TERM_BYTES = 130
POSTING_BYTES = 16
WIDE_WORDS = 0x10000  # from this many words on, a message's positions take the format's own encoding
GATHER_BYTES = 1 << 22  # value bytes moved per numpy gather
SMALL_WORDS = 64  # up to this many words a field is grouped in Python (measured: numpy's set-up
# costs ~20 us a call, Python's grouping ~0.4 us a word; they meet near 80 words)
_SWAP = sys.byteorder != "little"  # positions are stored little-endian


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


class _Vocabulary(dict):
    """Term -> its number in one field of the pool; an unknown term gets the next number."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: list = []

    def __missing__(self, term: object) -> int:
        number = self[term] = len(self.terms)
        self.terms.append(term)
        return number


class _FieldArrays:
    """One field's postings in arrival order."""

    def __init__(self, raw: bool, with_values: bool) -> None:
        self.vocabulary = _Vocabulary()
        self.raw = raw
        self.terms = array("I")
        self.docs = array("I")
        self.weights = array("d" if raw else "I")
        self.value_lengths = array("I") if with_values else None
        self.values = bytearray() if with_values else None
        self.stems: dict[str, array] = {}  # stem field -> each term's number there, -1: its stem is itself

    def append(self, docnum: int, terms: np.ndarray, weights: np.ndarray, values: bytes | None = None,
               lengths: np.ndarray | None = None) -> None:
        """One message's postings: term numbers and value lengths uint32, weights of the field's
        type (uint32 counts, float64 for raw fields)."""
        self.terms.frombytes(terms.tobytes())
        self.docs.extend(repeat(docnum, len(terms)))
        self.weights.frombytes(weights.tobytes())
        if self.values is not None and self.value_lengths is not None and values is not None and lengths is not None:
            self.values += values
            self.value_lengths.frombytes(lengths.tobytes())

    def extend(self, docnum: int, terms: list[int], weights: list[int] | list[float], values: bytes | None = None,
               lengths: list[int] | None = None) -> None:
        """`append` from lists (a small message's postings)."""
        self.terms.extend(terms)
        self.docs.extend(repeat(docnum, len(terms)))
        self.weights.extend(weights)
        if self.values is not None and self.value_lengths is not None and values is not None and lengths is not None:
            self.values += values
            self.value_lengths.extend(lengths)


class PostingPool:
    """Postings of one segment being built; `size` estimates the bytes held."""

    def __init__(self, lengths: dict[str, array] | None = None) -> None:
        self.fields: dict[str, _FieldArrays] = {}
        # field -> per-doc token count (scorable fields), by segment docnum: a pool that follows
        # a spilled one (kb.search.runs) goes on with its lengths
        self.lengths: dict[str, array] = {} if lengths is None else lengths
        self.size = 0

    def _field(self, name: str, raw: bool = False, with_values: bool = False) -> _FieldArrays:
        found = self.fields.get(name)
        if found is None:
            found = self.fields[name] = _FieldArrays(raw, with_values)
        return found

    def add_words(self, field: str, docnum: int, words: list[str],
                  encode: Callable[[list[int]], bytes] | None = None) -> tuple[Sequence[int], Sequence[int]]:
        """One message's words in one field, with their positions when `encode` (the field's
        `_FastPositions.encode`) is given; returns the distinct terms' numbers and counts
        (lists for a small field, else arrays)."""
        if encode is None:  # C-level counting beats numpy's set-up on a message's few words
            return self.add_counts(field, docnum, Counter(words))
        count = len(words)
        if not count:
            return [], []
        arrays = self._field(field, with_values=True)
        known = len(arrays.vocabulary.terms)
        if count <= SMALL_WORDS:
            return self._add_small(arrays, docnum, words, known)
        numbers = np.fromiter(map(arrays.vocabulary.__getitem__, words), np.uint32, count)
        order = np.argsort(numbers, kind="stable")  # positions grouped by term, ascending
        grouped = numbers[order]
        starts = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
        distinct = grouped[starts]
        counts = np.diff(np.append(starts, count)).astype(np.uint32)
        if count <= WIDE_WORDS:
            values, lengths = order.astype("<u2").tobytes(), 2 * counts
        else:  # positions past 65,535: the format's own encoding, word by word
            encoded = [encode(order[a:a + n].tolist()) for a, n in zip(starts.tolist(), counts.tolist())]
            values, lengths = b"".join(encoded), np.fromiter(map(len, encoded), np.uint32, len(encoded))
        arrays.append(docnum, distinct, counts, values, lengths)
        self.size += (len(arrays.vocabulary.terms) - known) * TERM_BYTES + POSTING_BYTES * len(distinct) + len(values)
        return distinct, counts

    def _add_small(self, arrays: _FieldArrays, docnum: int, words: list[str], known: int) -> tuple[list[int], list[int]]:
        """`add_words` of a field of few words (< 65,536, so 2-byte positions), without numpy."""
        positions = group_positions(list(map(arrays.vocabulary.__getitem__, words)))
        distinct = sorted(positions)
        counts = [len(positions[number]) for number in distinct]
        packed = array("H", chain.from_iterable(map(positions.__getitem__, distinct)))
        if _SWAP:
            packed.byteswap()
        values = packed.tobytes()
        arrays.extend(docnum, distinct, counts, values, [2 * count for count in counts])
        self.size += (len(arrays.vocabulary.terms) - known) * TERM_BYTES + POSTING_BYTES * len(distinct) + len(values)
        return distinct, counts

    def add_stems(self, field: str, docnum: int, exact: str, numbers: Sequence[int], counts: Sequence[int],
                  stem: Callable[[str], str]) -> int:
        """The stems (that differ from their word) of words `add_words` counted in field `exact`
        (`numbers`, `counts`) into the stem field `field`; returns how many words they stand for."""
        words = self.fields[exact]
        stems = self._field(field)
        known = len(stems.vocabulary.terms)
        stem_of = words.stems.setdefault(field, array("i"))
        if len(stem_of) < len(words.vocabulary.terms):  # each new word's stem, once
            vocabulary = stems.vocabulary
            stem_of.extend(-1 if (found := stem(word)) == word else vocabulary[found]
                           for word in words.vocabulary.terms[len(stem_of):])
        if isinstance(numbers, list):  # a small field (`add_words`)
            return self._add_small_stems(stems, docnum, stem_of, numbers, counts, known)
        mapped = np.frombuffer(stem_of, np.int32)[numbers]
        keep = mapped >= 0
        if not keep.any():
            return 0
        distinct, inverse = np.unique(mapped[keep], return_inverse=True)
        sums = np.bincount(inverse, weights=counts[keep]).astype(np.uint32)
        stems.append(docnum, distinct.astype(np.uint32), sums)
        self.size += (len(stems.vocabulary.terms) - known) * TERM_BYTES + POSTING_BYTES * len(distinct)
        return int(sums.sum())

    def _add_small_stems(self, stems: _FieldArrays, docnum: int, stem_of: array, numbers: list[int],
                         counts: Sequence[int], known: int) -> int:
        """`add_stems` of a small field's lists, without numpy."""
        sums: dict[int, int] = {}
        for number, count in zip(numbers, counts):
            found = stem_of[number]
            if found >= 0:
                sums[found] = sums.get(found, 0) + count
        if not sums:
            return 0
        distinct = sorted(sums)
        totals = [sums[number] for number in distinct]
        stems.extend(docnum, distinct, totals)
        self.size += (len(stems.vocabulary.terms) - known) * TERM_BYTES + POSTING_BYTES * len(distinct)
        return sum(totals)

    def add_counts(self, field: str, docnum: int, counts: Mapping[str, int]) -> tuple[list[int], list[int]]:
        """Term -> frequency of one field of one message (a field without positions); returns
        the terms' numbers and counts."""
        if not counts:
            return [], []
        arrays = self._field(field)
        known = len(arrays.vocabulary.terms)
        numbers = list(map(arrays.vocabulary.__getitem__, counts))
        frequencies = list(counts.values())
        arrays.extend(docnum, numbers, frequencies)
        self.size += (len(arrays.vocabulary.terms) - known) * TERM_BYTES + POSTING_BYTES * len(counts)
        return numbers, frequencies

    def add_raw(self, field: str, docnum: int, items: Iterable[tuple[bytes, int, float, bytes]]) -> None:
        """whoosh's own (term bytes, freq, weight, value) items of one field of one message."""
        found = list(items)
        if not found:
            return
        arrays = self._field(field, raw=True, with_values=True)
        known = len(arrays.vocabulary.terms)
        vocabulary = arrays.vocabulary
        values = [value for _, _, _, value in found]
        arrays.extend(docnum, [vocabulary[btext] for btext, _, _, _ in found], [weight for _, _, weight, _ in found],
                      b"".join(values), list(map(len, values)))
        self.size += (len(vocabulary.terms) - known) * TERM_BYTES + (POSTING_BYTES + 8) * len(found)

    def set_length(self, field: str, docnum: int, length: int) -> None:
        """Record a scorable field's token count (documents arrive in docnum order)."""
        lengths = self.lengths.get(field)
        if lengths is None:
            lengths = self.lengths[field] = array("I")
        lengths.extend([0] * (docnum - len(lengths)))
        lengths.append(length)

    def adopt_lengths(self, lengths: Mapping[str, array], offset: int) -> None:
        """Another pool's token counts (kb.search.split), its documents numbered from `offset` on."""
        for field, theirs in lengths.items():
            mine = self.lengths.setdefault(field, array("I"))
            mine.extend([0] * (offset - len(mine)))
            mine.extend(theirs)

    def pop_fields(self) -> Iterator[tuple[str, FieldPostings]]:
        """Every field's postings in name order; each field leaves the pool as it is handed over."""
        for field in sorted(self.fields):
            yield field, self.pop_field(field)

    def pop_field(self, field: str) -> FieldPostings:
        """The field's postings by term (terms in key order, UTF-8 byte order = code point
        order), each term's in docnum order; the field leaves the pool."""
        arrays = self.fields.pop(field)
        terms = arrays.vocabulary.terms
        numbers = np.frombuffer(arrays.terms, np.uint32)
        per_term = np.bincount(numbers, minlength=len(terms))
        used = np.flatnonzero(per_term)  # a stem can be numbered before any posting has it
        used_terms = [terms[n] for n in used.tolist()]
        del terms, arrays.vocabulary
        by_key = np.array(sorted(range(len(used_terms)), key=used_terms.__getitem__), np.int64)
        rank = np.zeros(len(per_term), np.uint32)
        rank[used[by_key]] = np.arange(len(used), dtype=np.uint32)
        order = np.argsort(rank[numbers], kind="stable")
        del numbers, rank
        arrays.terms = array("I")
        keys = [used_terms[n] for n in by_key.tolist()]
        del used_terms
        docs = np.frombuffer(arrays.docs, np.uint32)[order]
        arrays.docs = array("I")
        weights = np.frombuffer(arrays.weights, arrays.weights.typecode)[order]
        arrays.weights = array(arrays.weights.typecode)
        values = lengths = None
        if arrays.values is not None and arrays.value_lengths is not None:
            all_lengths = np.frombuffer(arrays.value_lengths, np.uint32)
            lengths = all_lengths[order]
            starts = (np.cumsum(all_lengths, dtype=np.int64) - all_lengths)[order]
            del all_lengths
            arrays.value_lengths = None
            values = gather_bytes(np.frombuffer(arrays.values, np.uint8), starts, lengths)
        return FieldPostings(keys if arrays.raw else [key.encode("utf-8") for key in keys],
                             per_term[used[by_key]].astype(np.int64), docs, weights, values, lengths)


def gather_index(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Indices of `counts[i]` items from `starts[i]`, one range after another."""
    return np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))


def gather_bytes(blob: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> bytes:
    """The byte ranges [starts[i], starts[i] + lengths[i]) of `blob`, one after another (in
    pieces of about GATHER_BYTES, to bound the index arrays)."""
    out = bytearray()
    ends = np.cumsum(lengths, dtype=np.int64)
    first = 0
    while first < len(lengths):
        stop = max(int(np.searchsorted(ends, ends[first] - lengths[first] + GATHER_BYTES, "right")), first + 1)
        out += blob[gather_index(starts[first:stop], lengths[first:stop].astype(np.int64))].tobytes()
        first = stop
    return bytes(out)
