"""Clauses (exists/~exists/forall/filter in herd7 syntax plus flags) and header metadata."""

from __future__ import annotations

import re

from kb.errors import ScenarioError
from kb.scenarios.lexer import Token, TokenStream
from kb.scenarios.model import (
    FLAGS, Clause, Expectation, Expr, Name, Num, PAnd, PCompare, PConst, PFlag, PNot, POr, Prop, Unary,
)

MAX_PROP_DEPTH = 40
VERDICTS = ("Never", "Sometimes", "Always", "DEADLOCK")  # DEADLOCK: herd7's "no final state" (judgelitmus.sh)
META_RE = re.compile(r"^([A-Z][\w-]*)(?:\[([^\]]*)\])?:\s*(.*)$")


def parse_clauses(s: TokenStream) -> list[Clause]:
    clauses: list[Clause] = []
    while s.peek.kind != "eof":
        tok = s.peek
        if tok.kind == "comment":
            s.advance()
            continue
        if s.accept("locations"):
            s.expect("[")
            while not s.accept("]"):
                if s.advance().kind == "eof":
                    raise s.fail("unterminated locations [...]", tok)
            s.accept(";")
            continue
        kind = ""
        if s.accept("~"):
            if not s.accept("exists"):
                raise s.fail("expected 'exists' after '~'")
            kind = "~exists"
        elif s.at("exists") or s.at("forall") or s.at("filter"):
            kind = s.advance().text
        else:
            raise s.fail(f"expected exists, ~exists, forall, filter or locations, found {s.describe(tok)}")
        name = ""
        if kind != "filter" and s.peek.kind == "ident" and s.peek_at(1).text in ("(", "-"):
            parts = [s.advance().text]
            while s.accept("-"):
                nxt = s.advance()
                if nxt.kind not in ("ident", "int"):
                    raise s.fail("bad condition name", nxt)
                parts.append(nxt.text)
            name = "-".join(parts)
        prop = PropParser(s).parse()
        s.accept(";")
        clauses.append(Clause(kind, name, prop, s.line_text(tok.line), tok.line))
    if not any(c.kind != "filter" for c in clauses):
        raise s.fail("expected a final condition: exists (...), ~exists (...) or forall (...)")
    names = [c.name for c in clauses if c.kind != "filter"]
    if len(names) != len(set(names)):
        raise s.fail("condition names must be unique (at most one unnamed condition)")
    if sum(1 for c in clauses if c.kind == "filter") > 1:
        raise s.fail("at most one filter clause")
    return clauses


class PropParser:
    def __init__(self, s: TokenStream) -> None:
        self.s = s
        self.depth = 0

    def parse(self) -> Prop:
        self.depth += 1
        try:
            if self.depth > MAX_PROP_DEPTH:
                raise self.s.fail(f"condition nested deeper than {MAX_PROP_DEPTH} levels")
            left = self.parse_conj()
            while self.s.accept("\\/") or self.s.accept("||"):
                left = POr(left, self.parse_conj())
            return left
        finally:
            self.depth -= 1

    def parse_conj(self) -> Prop:
        left = self.parse_atom()
        while self.s.accept("/\\") or self.s.accept("&&"):
            left = PAnd(left, self.parse_atom())
        return left

    def parse_atom(self) -> Prop:
        s = self.s
        tok = s.peek
        if s.accept("("):
            inner = self.parse()
            s.expect(")")
            return inner
        if s.accept("~") or s.accept("!") or s.accept("not"):
            self.depth += 1
            try:
                if self.depth > MAX_PROP_DEPTH:
                    raise s.fail(f"condition nested deeper than {MAX_PROP_DEPTH} levels")
                return PNot(self.parse_atom())
            finally:
                self.depth -= 1
        if tok.kind == "ident" and tok.text in ("true", "false") and s.peek_at(1).text not in ("=", "==", "!=", "<>"):
            s.advance()
            return PConst(tok.text == "true")
        if tok.kind == "ident" and tok.text in FLAGS and s.peek_at(1).text not in ("=", "==", "!=", "<>", ".", "->"):
            s.advance()
            return PFlag(tok.text)
        thread = -1
        if tok.kind == "int" and s.peek_at(1).text == ":":
            thread = int(s.advance().text)
            s.advance()
            name = s.expect_ident("a register").text
        elif tok.kind == "ident" or s.at("*") or s.at("&"):
            while s.accept("*") or s.accept("&"):
                pass
            parts = [s.expect_ident("a location").text]
            while s.at(".") or s.at("->"):
                s.advance()
                parts.append(s.expect_ident("a field name").text)
            name = ".".join(parts)
        else:
            raise s.fail(f"expected a condition, found {s.describe(tok)}")
        op_tok = s.advance()
        if op_tok.text in ("=", "=="):
            op = "="
        elif op_tok.text in ("!=", "<>"):
            op = "!="
        else:
            raise s.fail(f"expected '=' or '!=', found {s.describe(op_tok)}", op_tok)
        return PCompare(thread, name, op, self.parse_value(), tok.line, tok.col)

    def parse_value(self) -> Expr:
        s = self.s
        tok = s.advance()
        if tok.kind == "int":
            return Num(tok.line, tok.col, int(tok.text))
        if tok.text == "-" and s.peek.kind == "int":
            return Num(tok.line, tok.col, -int(s.advance().text))
        if tok.kind == "ident":
            if tok.text in ("NULL", "false"):
                return Num(tok.line, tok.col, 0)
            if tok.text == "true":
                return Num(tok.line, tok.col, 1)
            return Name(tok.line, tok.col, tok.text)
        if tok.text == "&":
            name = s.expect_ident("an object")
            return Unary(tok.line, tok.col, "&", Name(name.line, name.col, name.text))
        raise s.fail(f"expected a value, found {s.describe(tok)}", tok)


def parse_header(comments: list[Token], filename: str) -> tuple[list[tuple[str, str]], str, list[Expectation]]:
    """Metadata `Key: value` pairs (continuations folded), prose, and Result expectations."""
    metadata: list[tuple[str, str]] = []
    prose: list[str] = []
    expectations: list[Expectation] = []
    for tok in comments:
        body = tok.text[2:-2]
        last_was_meta = False
        for offset, raw in enumerate(body.split("\n")):
            line = tok.line + offset
            stripped = raw.strip()
            content = stripped[1:] if stripped.startswith("*") else raw
            text = content.strip()
            if not text:
                last_was_meta = False
                continue
            match = META_RE.match(text)
            indent = len(content) - len(content.lstrip())
            if last_was_meta and metadata and indent >= 2:
                key, value = metadata[-1]
                metadata[-1] = (key, f"{value} {text}".strip())
            elif match:
                key, qualifier, value = match.groups()
                if key in ("Result", "Result-LKMM"):
                    model = "LKMM" if key == "Result-LKMM" or filename.endswith(".litmus") else "SC"
                    expectations.append(read_expectation(qualifier, value, filename, line, model))
                    last_was_meta = False
                    continue
                metadata.append((key, value.strip()))
                last_was_meta = True
            else:
                prose.append(text)
    return metadata, "\n".join(prose), expectations


def read_expectation(qualifier: str | None, value: str, filename: str, line: int, model: str = "SC") -> Expectation:
    """`Result[variant,condition]: Verdict`; a .litmus file's Result lines are herd7's (LKMM) answers."""
    verdict = value.strip().split()[0] if value.strip() else ""
    if verdict not in VERDICTS:
        raise ScenarioError(f"Result must be Never, Sometimes, Always or DEADLOCK, not {value.strip()!r}",
                            place=f"{filename}:{line}:1")
    variant, condition = "base", ""
    if qualifier:
        parts = [p.strip() for p in qualifier.split(",")]
        if len(parts) > 2 or not parts[0]:
            raise ScenarioError("Result[variant] or Result[variant,condition]", place=f"{filename}:{line}:1")
        variant = parts[0]
        condition = parts[1] if len(parts) == 2 else ""
    return Expectation(variant, condition, verdict, line, model)
