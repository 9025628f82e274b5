"""Recursive-descent parser: one variant's filtered text -> VariantSource."""

from __future__ import annotations

from kb.scenarios.lexer import Token, TokenStream, tokenize
from kb.scenarios.model import (
    Assign, Binary, Block, Call, CallStmt, Declare, Either, Expr, Field, If, InitDecl, Name, Num,
    Process, Repeat, Return, Stmt, Unary, VariantSource,
)
from kb.scenarios.props import parse_clauses

MAX_DEPTH = 40
MAX_REPEAT = 1000
TYPE_WORDS = frozenset("""int long unsigned signed short char bool ptr void u8 u16 u32 u64 s8 s16 s32 s64
size_t atomic_t atomic_long_t spinlock_t raw_spinlock_t rwlock_t mutex rw_semaphore refcount_t lock
seqlock_t const volatile struct union""".split())
BINARY_PREC = {"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
               "<": 7, "<=": 7, ">": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10}
CONSTANTS = {"NULL": 0, "true": 1, "false": 0}
CAST_WORDS = frozenset("""void int long unsigned signed short char bool u8 u16 u32 u64 s8 s16 s32 s64 size_t const
volatile""".split())


def parse_variant(text: str, filename: str, variant: str) -> tuple[str, list[Token], VariantSource]:
    """Parse one variant's text: returns (scenario name, header comment tokens, source)."""
    lines = text.split("\n")
    stream = TokenStream(tokenize(text, filename), filename, lines)
    parser = FileParser(stream)
    return parser.parse_file(variant)


class FileParser:
    def __init__(self, stream: TokenStream) -> None:
        self.s = stream
        self.depth = 0
        self.registers: set[str] = set()

    # --- file structure -------------------------------------------------------
    def parse_file(self, variant: str) -> tuple[str, list[Token], VariantSource]:
        s = self.s
        comments = self.skip_comments()
        if not s.at("C"):
            raise s.fail(f"a scenario starts with 'C <name>', found {s.describe(s.peek)}")
        s.advance()
        name_tok = s.advance()
        if name_tok.kind not in ("ident", "int"):
            raise s.fail("expected the scenario name after 'C'", name_tok)
        name = name_tok.text
        while s.peek.kind in ("ident", "int") or (s.peek.kind == "punct" and s.peek.text in "+-.") and s.peek.text not in ("", "{"):
            if s.peek.line != name_tok.line:
                break
            name += s.advance().text
        comments += self.skip_comments()
        if s.peek.kind == "string":
            s.advance()
        comments += self.skip_comments()
        init = self.parse_init()
        processes = []
        while True:
            comments += self.skip_comments()
            tok = s.peek
            if tok.kind == "ident" and tok.text[:1] == "P" and tok.text[1:].isdigit():
                processes.append(self.parse_process(len(processes)))
            else:
                break
        if not processes:
            raise s.fail("expected at least one process P0(...) { ... }")
        clauses = parse_clauses(s)
        return name, comments, VariantSource(variant, tuple(init), tuple(processes), tuple(clauses))

    def skip_comments(self) -> list[Token]:
        out = []
        while self.s.peek.kind == "comment":
            out.append(self.s.advance())
        return out

    def parse_init(self) -> list[InitDecl]:
        s = self.s
        s.expect("{")
        decls: list[InitDecl] = []
        while not s.accept("}"):
            self.skip_comments()
            if s.accept(";"):
                continue
            if s.peek.kind == "eof":
                raise s.fail("unterminated init block: expected '}'")
            decls.append(self.parse_init_decl())
            if not s.at("}"):
                s.expect(";")
        return decls

    def parse_init_decl(self) -> InitDecl:
        s = self.s
        first = s.peek
        if first.kind == "int" and s.peek_at(1).text == ":":
            thread = int(s.advance().text)
            s.expect(":")
            reg = s.expect_ident("a register").text
            s.expect("=")
            return InitDecl("reg", reg, self.parse_expr(), None, thread, first.line, first.col)
        if s.accept("object"):
            name = s.expect_ident("an object name").text
            refcount = None
            value = None
            if s.accept("refcount"):
                refcount = s.expect_int()
                if not 0 <= refcount <= 1000:
                    raise s.fail("refcount out of range 0..1000", first)
            if s.accept("="):
                state = s.expect_ident("alive or freed")
                if state.text not in ("alive", "freed"):
                    raise s.fail("an object is initially 'alive' or 'freed'", state)
                value = Name(state.line, state.col, state.text)
            return InitDecl("object", name, value, refcount, -1, first.line, first.col)
        words: list[Token] = []
        while s.peek.kind == "ident" and s.peek.text in TYPE_WORDS and (s.peek_at(1).kind == "ident" or s.peek_at(1).text == "*") \
                or s.at("struct"):
            words.append(s.advance())
            if words[-1].text == "struct":
                words.append(s.expect_ident("a struct name"))
        while s.accept("*"):
            pass
        s.accept("&")
        loc = self.parse_path()
        value = self.parse_expr() if s.accept("=") else None
        return InitDecl("loc", loc, value, None, -1, first.line, first.col)

    def parse_path(self) -> str:
        s = self.s
        parts = [s.expect_ident("a location").text]
        while s.at(".") or s.at("->"):
            s.advance()
            parts.append(s.expect_ident("a field name").text)
        return ".".join(parts)

    def parse_process(self, expected: int) -> Process:
        s = self.s
        tok = s.advance()
        if int(tok.text[1:]) != expected:
            raise s.fail(f"processes must be numbered in order: expected P{expected}, found {tok.text}", tok)
        s.expect("(")
        params: list[str] = []
        label = ""
        start = s.pos
        while not s.accept(")"):
            t = s.advance()
            if t.kind == "eof":
                raise s.fail("unterminated process header: expected ')'", t)
            if t.kind == "ident" and s.peek.text in (",", ")"):
                params.append(t.text)
        if len(params) == 1 and s.pos - start == 2:
            label, params = params[0], []
        self.registers = set()
        s.expect("{")
        body = self.parse_block_body(tok)
        return Process(expected, label, tuple(params), tuple(body), tok.line)

    # --- statements ----------------------------------------------------------
    def parse_block_body(self, opener: Token) -> list[Stmt]:
        s = self.s
        body: list[Stmt] = []
        while not s.accept("}"):
            if s.peek.kind == "eof":
                raise s.fail("unterminated block: expected '}'", opener)
            body.append(self.parse_stmt())
        return body

    def parse_stmt(self) -> Stmt:
        s = self.s
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise s.fail(f"nesting deeper than {MAX_DEPTH} levels")
            return self.parse_stmt_inner()
        finally:
            self.depth -= 1

    def parse_stmt_inner(self) -> Stmt:
        s = self.s
        tok = s.peek
        text = s.line_text(tok.line).split("//")[0].strip()
        if tok.kind == "comment":
            raise s.fail("'(* *)' comments are allowed only around the header", tok)
        if s.accept("{"):
            return Block(tok.line, tok.col, text, tuple(self.parse_block_body(tok)))
        if s.accept(";"):
            return Block(tok.line, tok.col, text, ())
        if s.accept("if"):
            s.expect("(")
            cond = self.parse_expr()
            s.expect(")")
            then = self.parse_stmt()
            orelse = self.parse_stmt() if s.accept("else") else None
            return If(tok.line, tok.col, text, cond, then, orelse)
        if s.accept("return"):
            if not s.at(";"):
                self.parse_expr()
            s.expect(";")
            return Return(tok.line, tok.col, text)
        if s.accept("repeat"):
            s.expect("(")
            count_tok = s.peek
            count = s.expect_int()
            if not 0 <= count <= MAX_REPEAT:
                raise s.fail(f"repeat count {count} out of range 0..{MAX_REPEAT}", count_tok)
            s.expect(")")
            return Repeat(tok.line, tok.col, text, count, self.parse_stmt())
        if tok.kind == "ident" and tok.text in ("while", "for", "do"):
            raise s.fail(f"'{tok.text}' loops are not supported: loops are bounded, write repeat (N) {{ ... }}", tok)
        if s.accept("either"):
            choices = [self.parse_stmt()]
            if not s.at("or"):
                raise s.fail("'either' needs at least one 'or'")
            while s.accept("or"):
                choices.append(self.parse_stmt())
            return Either(tok.line, tok.col, text, tuple(choices))
        if tok.kind == "ident" and tok.text in TYPE_WORDS and (s.peek_at(1).kind == "ident" or s.peek_at(1).text == "*"):
            return self.parse_declaration(tok, text)
        expr = self.parse_expr()
        if s.accept("="):
            value = self.parse_expr()
            s.expect(";")
            return Assign(tok.line, tok.col, text, expr, value)

        s.expect(";")
        if not isinstance(expr, Call):
            raise s.fail("a statement is an assignment or a call", tok)
        return CallStmt(tok.line, tok.col, text, expr)

    def parse_declaration(self, tok: Token, text: str) -> Declare:
        s = self.s
        while s.peek.kind == "ident" and s.peek.text in TYPE_WORDS:
            if s.advance().text in ("struct", "union"):
                s.expect_ident("a struct name")
        names: list[str] = []
        inits: list[Expr | None] = []
        while True:
            while s.accept("*"):
                pass
            name = s.expect_ident("a register name").text
            names.append(name)
            self.registers.add(name)
            inits.append(self.parse_expr() if s.accept("=") else None)
            if not s.accept(","):
                break
        s.expect(";")
        return Declare(tok.line, tok.col, text, tuple(names), tuple(inits))

    # --- expressions (precedence climbing keeps the recursion shallow) ----------
    def parse_expr(self, min_prec: int = 1) -> Expr:
        s = self.s
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise s.fail(f"expression nested deeper than {MAX_DEPTH} levels")
            left = self.parse_unary()
            while True:
                tok = s.peek
                prec = BINARY_PREC.get(tok.text) if tok.kind == "punct" else None
                nxt = s.peek_at(1)
                if tok.text in ("+", "-") and nxt.text in (tok.text, "=") and (nxt.line, nxt.col) == (tok.line, tok.col + 1):
                    raise s.fail(f"'{tok.text}{s.peek_at(1).text}' is not supported: write x = x {tok.text} 1 for a "
                                 f"plain access (two steps) or atomic_{'inc' if tok.text == '+' else 'dec'}(&x) for "
                                 "one atomic step")
                if prec is None or prec < min_prec:
                    return left
                s.advance()
                right = self.parse_expr(prec + 1)
                left = Binary(tok.line, tok.col, tok.text, left, right)
        finally:
            self.depth -= 1

    def parse_unary(self) -> Expr:
        s = self.s
        tok = s.peek
        if tok.kind == "punct" and tok.text in ("!", "-", "~", "&", "*"):
            s.advance()
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise s.fail(f"expression nested deeper than {MAX_DEPTH} levels")
                return Unary(tok.line, tok.col, tok.text, self.parse_unary())
            finally:
                self.depth -= 1
        return self.parse_postfix()

    def parse_postfix(self) -> Expr:
        s = self.s
        expr = self.parse_primary()
        while True:
            tok = s.peek
            if tok.kind == "punct" and tok.text in ("->", "."):
                s.advance()
                expr = Field(tok.line, tok.col, expr, s.expect_ident("a field name").text)
            elif tok.kind == "punct" and tok.text == "[":
                raise s.fail("array indexing is not supported: model the element as a field", tok)
            else:
                return expr

    def parse_primary(self) -> Expr:
        s = self.s
        tok = s.advance()
        if tok.kind == "int":
            return Num(tok.line, tok.col, int(tok.text))
        if tok.kind == "ident":
            if tok.text in CONSTANTS:
                return Num(tok.line, tok.col, CONSTANTS[tok.text])
            if s.accept("("):
                args: list[Expr] = []
                while not s.accept(")"):
                    args.append(self.parse_expr())
                    if not s.at(")"):
                        s.expect(",")
                if len(args) > 8:
                    raise s.fail(f"too many arguments to {tok.text}()", tok)
                return Call(tok.line, tok.col, tok.text, tuple(args))
            return Name(tok.line, tok.col, tok.text)
        if tok.kind == "punct" and tok.text == "(":
            if self.skip_cast():
                return self.parse_unary()
            inner = self.parse_expr()
            s.expect(")")
            return inner
        raise s.fail(f"expected an expression, found {s.describe(tok)}", tok)

    def skip_cast(self) -> bool:
        """After '(': skip a C cast such as `(void)` or `(unsigned long *)`; the value is unchanged."""
        s = self.s
        k = 0
        while s.peek_at(k).kind == "ident" and s.peek_at(k).text in CAST_WORDS or (k and s.peek_at(k).text == "*"):
            k += 1
        after = s.peek_at(k + 1)
        if not k or s.peek_at(k).text != ")" or not (after.kind in ("ident", "int") or after.text in "(*&!-~"):
            return False
        for _ in range(k + 1):
            s.advance()
        return True
