"""Writing documents into one new index segment, in this process.

The fast path (whoosh as `kb.search.adapter` expects it) tokenises each field of a message
once with kb's own tokenizers (a `_stem` field stems the words its exact field split, each
distinct word once per pool) and adds the terms to a `PostingPool`; the per-document data (stored fields, columns, field
lengths) goes through whoosh's per-document writer.
A full pool is spilled to a run (kb.search.runs), so a build is one segment however large.
The public path is `writer.add_document()` (whoosh's own pool and segment merging).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from whoosh import fields, formats
from whoosh.analysis import IDTokenizer
from whoosh.index import Index

from kb.search import adapter
from kb.search.analysis import KbTokenizer, StemTokenizer, WordTokenizer, find_kb_tokenizer, stem_word

if TYPE_CHECKING:
    from kb.search.split import PartResult

POOL_MB = 24  # estimated pool bytes before it is spilled to a run (runs cost little: on the cgroups epoch
# 40 MB pools gave the same CPU as 64 MB ones and a peak RSS ~60 MB lower; a large build has two
# pools, one per process: kb.search.split)
WRITER_MB = 128  # whoosh's own pool on the public path


class SegmentBuilder:
    """Adds converted documents (`convert_doc` dicts) to one new segment."""

    def __init__(self, ix: Index, *, fast: bool) -> None:
        # segments are written as separate files, not whoosh's compound file: a reader of a
        # compound segment copies each of its files into memory (BufferFile's BytesIO), so an
        # update (whose deletes open every segment) grew with the whole index
        writer = adapter.open_pool_writer(ix) if fast else None
        self.fast = writer is not None
        self.writer: Any = writer if writer is not None else ix.writer(limitmb=WRITER_MB, compound=False)

    def delete(self, message_id: str) -> None:
        """Delete an already committed version of this message."""
        self.writer.delete_by_term("message_id", message_id)

    def add(self, values: dict[str, Any]) -> None:
        if self.fast:
            add_pooled(self.writer, values)
        else:
            self.writer.add_document(**values)

    def adopt(self, part: PartResult, *, update: bool) -> int:
        """Add the documents another process tokenised (kb.search.split) after this one's: its
        runs, numbered from here on, and its per-document records. Returns their count."""
        writer = self.writer
        adapter.spill_pool(writer)  # this process's documents become the runs before the part's
        offset = writer.docnum
        writer.kb_runs.adopt(part.directory, part.runs, offset)
        writer.kb_pool.adopt_lengths(part.lengths, offset)
        perdoc, schema = writer.perdocwriter, writer.schema
        for record in part.records:
            if update:
                self.delete(record.message_id)
            perdoc.start_doc(writer.docnum)
            for name, value, length in record.fields:
                perdoc.add_field(name, schema[name], value, length)
            for name, value in record.columns:
                perdoc.add_column_value(name, schema[name].column_type, value)
            perdoc.finish_doc()
            adapter.finish_pool_doc(writer)
        return len(part.records)

    def commit(self) -> None:
        # the fast writer never merges segments (merging would go through whoosh's pool);
        # the public one merges small segments as whoosh does by default
        try:
            self.writer.commit(merge=False) if self.fast else self.writer.commit()
        finally:
            self._remove_runs()

    def cancel(self) -> None:
        try:
            self.writer.cancel()
        finally:
            self._remove_runs()

    def _remove_runs(self) -> None:
        if self.fast:
            self.writer.kb_runs.remove()


def add_pooled(writer: Any, values: dict[str, Any]) -> None:
    """Tokenise one converted document into `writer`'s pool (spilled to a run when full) and
    its stored fields and columns into its per-document writer (a whoosh writer of
    `adapter.open_pool_writer`, or kb.search.split's stand-in)."""
    pool = writer.kb_pool
    perdoc = writer.perdocwriter
    schema = writer.schema
    docnum = writer.docnum
    perdoc.start_doc(docnum)
    split: dict[str, tuple[str, Sequence[int], Sequence[int]]] = {}  # text -> (field, its words' numbers, counts)
    for name, value in values.items():
        field = schema[name]
        length = 0
        if field.indexed:
            tokenizer = find_kb_tokenizer(field)
            if isinstance(tokenizer, StemTokenizer):  # from the words its exact field split
                twin = split.get(value)
                if twin is not None:
                    length = pool.add_stems(name, docnum, *twin, stem_word)
                else:  # no exact field split this text
                    stems = Counter(tokenizer.words(value))
                    pool.add_counts(name, docnum, stems)
                    length = sum(stems.values())
            elif tokenizer is None:
                items = index_raw(field, value)
                pool.add_raw(name, docnum, items)
                length = sum(freq for _, freq, _, _ in items)
            elif isinstance(tokenizer, WordTokenizer) or isinstance(field.format, formats.Positions):
                words = tokenizer.words(value)
                positional = isinstance(field.format, formats.Positions)
                numbers, counts = pool.add_words(name, docnum, words, field.format.encode if positional else None)
                if isinstance(tokenizer, WordTokenizer):
                    split[value] = (name, numbers, counts)
                length = len(words)
            else:  # addresses, paths, keywords
                terms, length = count_terms(tokenizer, value)
                pool.add_counts(name, docnum, terms)
            if field.scorable and length:
                pool.set_length(name, docnum, length)
            else:
                length = 0
        if field.stored or length:  # whoosh's add_field does nothing else
            perdoc.add_field(name, field, value if field.stored else None, length)
        column = field.column_type
        if column is not None:
            perdoc.add_column_value(name, column, field.to_column_value(value))
    perdoc.finish_doc()
    adapter.finish_pool_doc(writer)
    if pool.size > POOL_MB * 1024 * 1024:
        adapter.spill_pool(writer)


@lru_cache(maxsize=4096)
def count_terms(tokenizer: KbTokenizer, value: str) -> tuple[Counter[str], int]:
    """The term counts and word count of a field without positions, once per distinct value: a
    thread's people and a list's Cc lines repeat from message to message. Callers must not
    change the Counter."""
    words = tokenizer.words(value)
    return Counter(words), len(words)


def index_raw(field: fields.FieldType, value: Any) -> list[tuple[bytes, int, float, bytes]]:
    """What whoosh's `field.index(value)` yields, without its per-term work for kb's exact-id
    and date fields: a DATETIME's 8 shifted terms each re-parse the date there."""
    if isinstance(field, fields.NUMERIC) and field.shift_step and not isinstance(value, (list, tuple, bytes)):
        unshifted = field.to_bytes(value)  # the shift byte 0, then the sortable number big-endian
        sortable = int.from_bytes(unshifted[1:], "big")
        return [(field.sortable_to_bytes(sortable, shift), 1, 1.0, b"")
                for shift in range(0, field.bits, field.shift_step)]
    if type(field) is fields.ID and type(field.analyzer) is IDTokenizer and isinstance(value, str):
        return [(field.to_bytes(value), 1, field.format.field_boost, b"")]  # Existence: one term
    return list(field.index(value))
