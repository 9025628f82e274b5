"""Analyzers and the whoosh schema of the search index.

Text is split like Xapian/lore: runs of word characters (letters, digits, `_`), lower-cased,
no stop words. The English prose fields (STEMMED) also index, in a `<field>_stem` companion
without positions, the Porter stem of each alphabetic word whose stem differs from it, so an
unquoted `resize` also finds `resizing` (kb.query.to_whoosh); phrases and `=word` stay exact. So `use-after-free`, `memory.high` and `Acked-by: Tejun Heo`
become phrases of terms, and kernel identifiers (`mem_cgroup_charge`) stay whole.
Addresses index their name words, the full address, its local part and its domain, so
`f:hannes`, `f:hannes@cmpxchg.org` and `f:weiner` all match. Paths index the full path,
every `/`-suffix and every word, so `dfn:mm/memcontrol.c` and `dfn:memcontrol.c` match.

The formats below skip whoosh's per-token objects when indexing (the hot loop of a
rebuild); querying and highlighting go through the ordinary analyzer protocol.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from functools import lru_cache
from typing import TypeVar

import numpy as np
from whoosh import columns, fields, formats
from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem as porter_stem

from kb.query.fields import FIELDS, FieldKind
from kb.search.values import ValueTable

SCHEMA_VERSION = 4
STORED_FIELDS = frozenset({"subject"})  # shown in hits
STEMMED = ("subject", "body_new", "body_quoted", "race", "fix", "objection")
STEM_SUFFIX = "_stem"
MIN_STEM_LENGTH = 4
MAX_TERM_LENGTH = 64

_WORD = re.compile(r"\w+")
_SWAP = sys.byteorder != "little"  # positions are stored little-endian
_WIDE = b"\xff"  # marks positions stored 4 bytes each
# every ASCII character that is not a word character -> a space
_ASCII_NON_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not re.fullmatch(r"\w", c)})
_Key = TypeVar("_Key", bound=Hashable)
_ADDRESS = re.compile(r"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+")


class KbTokenizer(Tokenizer):
    """Base: subclasses define `words(value, query=False) -> list[str]`."""

    def words(self, value: str, query: bool = False) -> list[str]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (text, start, end) in enumerate(self.spans(value, query=mode == "query")):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token

    def spans(self, value: str, query: bool = False) -> Iterator[tuple[str, int, int]]:
        """(term, start, end) triples; offsets only approximate for derived terms."""
        for word in self.words(value, query):
            yield word, 0, 0


class WordTokenizer(KbTokenizer):
    """Words of running text."""

    def words(self, value: str, query: bool = False) -> list[str]:
        return split_words(value)

    def spans(self, value: str, query: bool = False) -> Iterator[tuple[str, int, int]]:
        for match in _WORD.finditer(value):
            word = match.group().lower()
            if len(word) <= MAX_TERM_LENGTH:
                yield word, match.start(), match.end()


def split_words(value: str) -> list[str]:
    """The lower-cased words of running text (runs of `\\w` of at most MAX_TERM_LENGTH)."""
    if value.isascii():  # most mail: `\w` is [A-Za-z0-9_] there, and translate+split is 2.5x findall
        words = value.lower().translate(_ASCII_NON_WORD).split()
    else:
        words = _WORD.findall(value.lower())
    if words and max(map(len, words)) > MAX_TERM_LENGTH:  # rare: an encoded blob, a hash run
        return [word for word in words if len(word) <= MAX_TERM_LENGTH]
    return words


@lru_cache(maxsize=1 << 18)
def stem_word(word: str) -> str:
    """The English (Porter) stem of an alphabetic word; other words (identifiers, numbers) as is."""
    return porter_stem(word) if len(word) >= MIN_STEM_LENGTH and word.isalpha() else word


class StemTokenizer(KbTokenizer):
    """Stems of running text that differ from their word (indexing), every word's stem (query)."""

    def words(self, value: str, query: bool = False) -> list[str]:
        words = split_words(value)
        if query:
            return [stem_word(w) for w in words]
        return [s for w in words if (s := stem_word(w)) != w]


class AddressTokenizer(KbTokenizer):
    """`Name <local@domain>` lists (also List-Ids): words + full address + domain.

    In a query a value with `@` is one exact address; anything else is its words.
    """

    def words(self, value: str, query: bool = False) -> list[str]:
        low = value.lower().strip().strip("<>")
        if query and "@" in low:
            return [low]
        words = _WORD.findall(low)
        if not query:
            for address in _ADDRESS.findall(low):
                words.append(address)
                words.append(address.split("@", 1)[1])
            for line in low.splitlines():  # a List-Id or bare domain as one term too
                line = line.strip().strip("<>")
                if line and " " not in line and "@" not in line and "." in line:
                    words.append(line)
        return words


def clean_path(path: str) -> str:
    """`a/mm/x.c` / `b/mm/x.c` / `/mm/x.c` -> `mm/x.c`, lower-cased."""
    path = path.strip().lower()
    if path.startswith(("a/", "b/")):
        path = path[2:]
    return path.lstrip("/")


class PathTokenizer(KbTokenizer):
    """File paths, one per line: the path, each `/`-suffix, each word."""

    def words(self, value: str, query: bool = False) -> list[str]:
        if query:
            return [clean_path(value)] if value.strip() else []
        out: list[str] = []
        for line in value.splitlines():
            path = clean_path(line)
            if not path:
                continue
            parts = path.split("/")
            out.extend("/".join(parts[i:]) for i in range(len(parts)))
            out.extend(_WORD.findall(path))
        return out


class LineTokenizer(KbTokenizer):
    """One keyword per line (symbols, has-flags, verdicts), lower-cased."""

    def words(self, value: str, query: bool = False) -> list[str]:
        return [line.strip().lower() for line in value.splitlines() if line.strip()]


class _FastPositions(formats.Positions):
    """Positions as they are, 2 bytes each, little-endian; when one exceeds 65535, a `_WIDE`
    byte then 4 bytes each (so the length is odd). One C call encodes or decodes a list where
    whoosh pickles its deltas behind a 4-byte count; the count is the length over the width."""

    def encode(self, poslist: list[int]) -> bytes:  # ascending positions
        wide = poslist[-1] > 0xFFFF
        data = array("I" if wide else "H", poslist)
        if _SWAP:
            data.byteswap()
        return _WIDE + data.tobytes() if wide else data.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        wide = len(valuestring) % 2 == 1
        data = array("I", valuestring[1:]) if wide else array("H", valuestring)
        if _SWAP:
            data.byteswap()
        return data.tolist()

    def match_phrase(self, columns: Sequence[ValueTable | Sequence[bytes]]) -> list[bool]:
        """Which candidate documents hold the phrase: `columns[k][i]` is the encoded positions
        of the phrase's word k in candidate i. Word k must sit at a position of word 0 plus k.

        One pass of sorted-array intersections over every candidate at once: each position
        becomes the key (candidate << 32 | position - k), ascending since candidates and their
        positions are; a document whose value is wide is checked on its own."""
        tables = [c if isinstance(c, ValueTable) else ValueTable.from_values(c) for c in columns]
        count = len(tables[0])
        wide = np.zeros(count, bool)
        for table in tables:
            wide |= ((table.ends - table.starts) & 1).astype(bool)
        narrow = np.flatnonzero(~wide)
        keys: np.ndarray | None = None
        for k, table in enumerate(tables):
            found = table.gather(narrow).view("<u2").astype(np.int64) - k
            owner = np.repeat(narrow, (table.ends[narrow] - table.starts[narrow]) // 2)
            key = (owner << 32) | found
            key = key[found >= 0]
            keys = key if keys is None else _intersect_sorted(keys, key)
        matched = np.zeros(count, bool)
        if keys is not None:
            matched[keys >> 32] = True
        for i in np.flatnonzero(wide).tolist():
            matched[i] = self._match_one([table[i] for table in tables])
        return matched.tolist()

    def _match_one(self, values: list[bytes]) -> bool:
        later = [set(self.decode_positions(v)) for v in values[1:]]
        return any(all(p + k + 1 in later[k] for k in range(len(later))) for p in self.decode_positions(values[0]))

    def decode_frequency(self, valuestring: bytes) -> int:
        return (len(valuestring) - 1) // 4 if len(valuestring) % 2 == 1 else len(valuestring) // 2

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def word_values(self, value, analyzer, **kwargs):  # noqa: ANN001, ANN201 - whoosh API
        tokenizer = _fast_tokenizer(analyzer)
        if tokenizer is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for word, poslist in group_positions(tokenizer.words(value)).items():
            yield word, len(poslist), len(poslist) * boost, self.encode(poslist)


def group_positions(words: Sequence[_Key]) -> dict[_Key, list[int]]:
    """Each distinct word (or term number) -> its positions in `words`, ascending."""
    positions: dict[_Key, list[int]] = {}
    get = positions.get
    for pos, word in enumerate(words):
        found = get(word)
        if found is None:
            positions[word] = [pos]
        else:
            found.append(pos)
    return positions


def _intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values in both ascending arrays of distinct values (a binary search per value of a)."""
    if not a.size or not b.size:
        return a[:0]
    at = np.minimum(np.searchsorted(b, a), b.size - 1)
    return a[b[at] == a]


class _FastFrequency(formats.Frequency):
    def word_values(self, value, analyzer, **kwargs):  # noqa: ANN001, ANN201 - whoosh API
        tokenizer = _fast_tokenizer(analyzer)
        if tokenizer is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for word, freq in Counter(tokenizer.words(value)).items():
            yield word, freq, freq * boost, formats.pack_uint(freq)


def _fast_tokenizer(analyzer: object) -> KbTokenizer | None:
    return analyzer if isinstance(analyzer, KbTokenizer) else None


def find_kb_tokenizer(field: fields.FieldType) -> KbTokenizer | None:
    """The field's kb tokenizer when kb's own formats index it (unboosted), else None."""
    fmt = field.format
    if isinstance(fmt, (_FastPositions, _FastFrequency)) and fmt.field_boost == 1.0:
        return _fast_tokenizer(field.analyzer)
    return None


_TOKENIZERS = {
    FieldKind.TEXT: WordTokenizer,
    FieldKind.ADDRESS: AddressTokenizer,
    FieldKind.PATH: PathTokenizer,
    FieldKind.KEYWORD: LineTokenizer,
}


def _make_field(name: str) -> fields.FieldType:
    spec = FIELDS[name]
    if spec.kind is FieldKind.DATE:
        return fields.DATETIME(stored=name == "date", sortable=name == "date")
    if spec.kind is FieldKind.EXACT:
        return fields.ID(stored=True, unique=True, sortable=True)
    field = fields.TEXT(analyzer=_TOKENIZERS[spec.kind](), phrase=spec.phrases, stored=name in STORED_FIELDS)
    field.format = (_FastPositions if spec.phrases else _FastFrequency)(field_boost=1.0)
    field.scorable = False  # kb ranks without field lengths (kb.search.engine): none are stored
    return field


def build_schema() -> fields.Schema:
    """The index schema: every logical query field plus what the hit list shows."""
    schema = fields.Schema(
        thread_id=fields.ID(stored=True, sortable=True),
        author=fields.STORED(),
        excerpt=fields.STORED(),
        digest=fields.COLUMN(),
        series=fields.COLUMN(columns.VarBytesColumn()),  # revision key: v1..vN of one series
        revision=fields.COLUMN(columns.NumericColumn("i")),  # N of vN
    )
    for name in FIELDS:
        schema.add(name, _make_field(name))
    for name in STEMMED:
        stems = fields.TEXT(analyzer=StemTokenizer(), phrase=False)
        stems.format = _FastFrequency(field_boost=1.0)
        stems.scorable = False
        schema.add(name + STEM_SUFFIX, stems)
    return schema
