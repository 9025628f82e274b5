"""AST -> whoosh query, analysing each value with the target field's own analyzer."""

from __future__ import annotations

from whoosh import query as wq
from whoosh.fields import Schema

from kb.query.ast import And, DateRange, Node, Not, Or, Query, Term
from kb.query.fields import FIELDS, PREFIXES, FieldKind
from kb.search.analysis import STEM_SUFFIX, stem_word


def analyze_value(schema: Schema, field: str, text: str) -> list[str]:
    """The query-mode terms of `text` in `field`."""
    analyzer = schema[field].analyzer
    return [token.text for token in analyzer(text, mode="query")]


def _compile_field(schema: Schema, field: str, term: Term) -> wq.Query | None:
    spec = FIELDS[field]
    if spec.kind is FieldKind.EXACT:
        return wq.Term(field, term.text)
    words = analyze_value(schema, field, term.text)
    if not words:
        return None
    stems = field + STEM_SUFFIX
    if len(words) == 1 and not term.exact and stems in schema:
        # the word's stem, as a word or as the stem of another word (`resize` ~ `resizing`)
        stem = stem_word(words[0])
        return wq.Or([wq.Term(field, stem), wq.Term(stems, stem)])
    if len(words) == 1:
        return wq.Term(field, words[0])
    if spec.phrases:
        return wq.Phrase(field, words)
    return wq.And([wq.Term(field, word) for word in words])


def _compile_term(schema: Schema, term: Term) -> wq.Query:
    parts = [q for field in PREFIXES[term.prefix] if (q := _compile_field(schema, field, term))]
    if not parts:
        return wq.NullQuery
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def compile_whoosh(node: Query | Node, schema: Schema) -> wq.Query:
    """A whoosh query for `node`; a value with no searchable words matches nothing."""
    if isinstance(node, Query):
        node = node.root
    if isinstance(node, Term):
        return _compile_term(schema, node)
    if isinstance(node, DateRange):
        field = PREFIXES[node.prefix][0]
        return wq.DateRange(field, node.start, node.end, startexcl=False, endexcl=node.end is not None)
    if isinstance(node, Not):
        return wq.Not(compile_whoosh(node.item, schema))
    items = [compile_whoosh(item, schema) for item in node.items]
    return (wq.And if isinstance(node, And) else wq.Or)(items)


def find_highlight_words(node: Query | Node, schema: Schema) -> frozenset[str]:
    """Lower-cased words of the positive text terms, to mark in snippets."""
    if isinstance(node, Query):
        node = node.root
    if isinstance(node, Not) or isinstance(node, DateRange):
        return frozenset()
    if isinstance(node, Term):
        fields = [f for f in PREFIXES[node.prefix] if FIELDS[f].kind is FieldKind.TEXT]
        return frozenset(analyze_value(schema, fields[0], node.text)) if fields else frozenset()
    if isinstance(node, (And, Or)):
        return frozenset().union(*(find_highlight_words(item, schema) for item in node.items))
    return frozenset()
