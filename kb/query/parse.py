"""Query text -> AST: a hand-written tokenizer and recursive-descent parser.

Grammar (AND binds tighter than OR; juxtaposition is AND, as on lore):

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*
    unary   := "NOT" unary | "-" primary | "+" primary | primary
    primary := "(" or_expr ")" | PREFIX ":" ( "(" or_expr ")" | VALUE | PHRASE ) | WORD | PHRASE

A word is stemmed where the field stems (English prose); `"quoted"` and `=word` are exact.

A prefixed group `s:(race OR deadlock)` applies the prefix to its bare words. Operators are
upper case (`and`/`or`/`not` are ordinary words). Every error is a `QueryError` carrying the
0-based column; length and nesting are bounded so no input can hang or overflow the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from kb.errors import QueryError
from kb.query.ast import And, DateRange, Node, Not, Or, Query, Term
from kb.query.dates import parse_date_range
from kb.query.fields import DATE_PREFIXES, HAS_VALUES, PREFIXES

MAX_QUERY_LENGTH = 1024
MAX_DEPTH = 16
MAX_LEAVES = 64

_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d"}
_WORD_END = set(" \t\r\n()") | set(_QUOTES)
_PREFIX = re.compile(r"([a-z]+):")
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass(frozen=True)
class Token:
    """kind: word | phrase | prefix | lparen | rparen | op | minus | plus | end."""

    kind: str
    text: str
    position: int


def tokenize_query(text: str) -> list[Token]:
    """Split query text into tokens; an unterminated quote is an error."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token("lparen" if ch == "(" else "rparen", ch, i))
            i += 1
        elif ch in _QUOTES:
            close = text.find(_QUOTES[ch], i + 1)
            if close < 0:
                raise QueryError("unterminated quote", query=text, position=i)
            tokens.append(Token("phrase", text[i + 1 : close], i))
            i = close + 1
        elif ch in "-+" and i + 1 < n and text[i + 1] not in _WORD_END:
            tokens.append(Token("minus" if ch == "-" else "plus", ch, i))
            i += 1
        else:
            i = _scan_word(text, i, tokens)
    tokens.append(Token("end", "", n))
    return tokens


def _scan_word(text: str, start: int, tokens: list[Token]) -> int:
    """Append a word, or a prefix and its value, starting at `start`; return the end."""
    n = len(text)
    match = _PREFIX.match(text, start)
    i = start
    if match:
        prefix, i = match.group(1), match.end()
        follows = text[i] if i < n else " "
        if prefix in PREFIXES:
            if follows.isspace() or follows == ")":
                raise QueryError(f"missing value after {prefix}:", query=text, position=start)
            tokens.append(Token("prefix", prefix, start))
            if follows in _QUOTES or follows == "(":
                return i
            start = i
        elif follows.isalnum() or follows in _QUOTES or follows == "(":
            known = " ".join(f"{p}:" for p in PREFIXES if p)
            raise QueryError(f"unknown prefix {prefix}: (known: {known})", query=text, position=start)
    while i < n and text[i] not in _WORD_END:
        i += 1
    word = text[start:i]
    prefixed = bool(tokens) and tokens[-1].kind == "prefix" and tokens[-1].position < start
    kind = "op" if word in _OPERATORS and not prefixed else "word"
    tokens.append(Token(kind, word, start))
    return i


class _Parser:
    def __init__(self, text: str, now: datetime) -> None:
        self.text = text
        self.now = now
        self.tokens = tokenize_query(text)
        self.index = 0
        self.depth = 0
        self.leaves = 0

    def fail(self, reason: str, position: int) -> QueryError:
        return QueryError(reason, query=self.text, position=position)

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.fail("empty query", 0)
        node = self.parse_or("")
        token = self.peek()
        if token.kind == "rparen":
            raise self.fail("unbalanced ')'", token.position)
        if token.kind != "end":
            raise self.fail(f"unexpected {token.text!r}", token.position)
        return node

    def parse_or(self, prefix: str) -> Node:
        items = [self.parse_and(prefix)]
        while self.peek().kind == "op" and self.peek().text == "OR":
            self.take()
            items.append(self.parse_and(prefix))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self, prefix: str) -> Node:
        items = [self.parse_unary(prefix)]
        while True:
            token = self.peek()
            if token.kind in ("end", "rparen") or (token.kind == "op" and token.text == "OR"):
                break
            if token.kind == "op" and token.text == "AND":
                self.take()
            items.append(self.parse_unary(prefix))
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self, prefix: str) -> Node:
        token = self.peek()
        if (token.kind == "op" and token.text == "NOT") or token.kind == "minus":
            self.take()
            self.enter(token)
            node = Not(self.parse_unary(prefix) if token.kind == "op" else self.parse_primary(prefix))
            self.depth -= 1
            return node
        if token.kind == "plus":
            self.take()
        return self.parse_primary(prefix)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"query nested deeper than {MAX_DEPTH}", token.position)

    def parse_primary(self, prefix: str) -> Node:
        token = self.take()
        if token.kind == "lparen":
            return self.parse_group(token, prefix)
        if token.kind == "prefix":
            if prefix:
                raise self.fail(f"prefix {token.text}: inside {prefix}:( )", token.position)
            value = self.take()
            if value.kind == "lparen":
                if token.text in DATE_PREFIXES:
                    raise self.fail(f"{token.text}: takes a date range, not a group", value.position)
                return self.parse_group(value, token.text)
            return self.make_leaf(token.text, value)
        if token.kind in ("word", "phrase"):
            return self.make_leaf(prefix, token)
        if token.kind == "end":
            raise self.fail("query ends where a term was expected", token.position)
        raise self.fail(f"unexpected {token.text!r}", token.position)

    def parse_group(self, lparen: Token, prefix: str) -> Node:
        self.enter(lparen)
        if self.peek().kind == "rparen":
            raise self.fail("empty parentheses", lparen.position)
        node = self.parse_or(prefix)
        if self.take().kind != "rparen":
            raise self.fail("missing ')'", lparen.position)
        self.depth -= 1
        return node

    def make_leaf(self, prefix: str, token: Token) -> Node:
        self.leaves += 1
        if self.leaves > MAX_LEAVES:
            raise self.fail(f"more than {MAX_LEAVES} terms", token.position)
        text = token.text.strip()
        position = token.position + (1 if token.kind == "phrase" else 0)
        if not text:
            raise self.fail("empty phrase", token.position)
        if prefix in DATE_PREFIXES:
            start, end = parse_date_range(text, prefix, now=self.now, query=self.text, position=position)
            return DateRange(prefix, start, end, position)
        phrase = token.kind == "phrase"
        exact = phrase
        if not phrase and text.startswith("=") and prefix != "m":  # `=word`: no stemming
            text, position, exact = text[1:].strip(), position + 1, True
            if not text:
                raise self.fail("nothing after '='", token.position)
        if prefix == "has":
            text = text.lower()
            if text not in HAS_VALUES:
                raise self.fail(f"has: takes one of {', '.join(sorted(HAS_VALUES))}", position)
        if prefix == "m":
            text = text.strip("<>")
        return Term(prefix, text, phrase, position, exact)


def parse_query(text: str, *, now: datetime | None = None) -> Query:
    """Parse query text; raises QueryError(reason, query=..., position=...) when it is bad.

    `now` (naive UTC) anchors relative dates such as `d:2.weeks.ago..`.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"query longer than {MAX_QUERY_LENGTH} characters", query=text[:80],
                         position=MAX_QUERY_LENGTH)
    if now is None:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
    return Query(text, _Parser(text, now).parse())
