"""Hand-written tokenizer for .kscen files, plus variant line filtering."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.errors import ScenarioError

MAX_TEXT = 1_000_000
TAG_RE = re.compile(r"^([ \t]*)([+-])([A-Za-z_][\w.]*(?:-[\w.]+)*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*(?:-[\w.]+)*)*)(?=[ \t]|$)")
COMMENT_OPEN_RE = re.compile(r"\(\*(?=[\s*]|$)")
PUNCT = ("/\\", "\\/", "->", "==", "!=", "<=", ">=", "&&", "||", "<>", "<<", ">>",
         "(", ")", "{", "}", "[", "]", ";", ",", "=", "<", ">", "!", "&", "|", "^", "*", "+", "-", "~", ".", ":", "/", "%", "?")


@dataclass(frozen=True)
class Token:
    kind: str  # ident | int | punct | comment | string | eof
    text: str
    line: int
    col: int


def find_line_tags(text: str) -> dict[int, tuple[str, tuple[str, ...]]]:
    """Line number -> (sign, variant names) for lines starting with +v1,v2 / -v."""
    tags: dict[int, tuple[str, tuple[str, ...]]] = {}
    in_comment = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_comment:
            if "*)" in line:
                in_comment = False
            continue
        match = TAG_RE.match(line)
        if match:
            names = tuple(n.strip() for n in match.group(3).split(","))
            tags[number] = (match.group(2), names)
        code = line.split("//", 1)[0]
        opener = COMMENT_OPEN_RE.search(code)
        if opener and "*)" not in code[opener.end():]:
            in_comment = True
    return tags


def filter_variant(text: str, variant: str, tags: dict[int, tuple[str, tuple[str, ...]]]) -> str:
    """The file as variant `variant` sees it: tags blanked, foreign lines emptied."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        tag = tags.get(number)
        if tag is None:
            out.append(line)
            continue
        sign, names = tag
        keep = (variant in names) if sign == "+" else (variant not in names)
        match = TAG_RE.match(line)
        assert match is not None
        out.append(" " * len(match.group(0)) + line[match.end():] if keep else "")
    return "\n".join(out)


def tokenize(text: str, filename: str) -> list[Token]:
    """Tokens with 1-based line/column; `(* *)` comments kept, `//` and `/* */` dropped."""
    if len(text) > MAX_TEXT:
        raise ScenarioError(f"file too large ({len(text)} characters, limit {MAX_TEXT})", place=f"{filename}:1:1")
    tokens: list[Token] = []
    i, line, line_start, n = 0, 1, 0, len(text)
    while i < n:
        ch = text[i]
        col = i - line_start + 1
        if ch == "\n":
            line += 1
            i += 1
            line_start = i
            continue
        if ch in " \t\r\f\v":
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i) or (text.startswith("(*", i) and text[i + 2:i + 3] in ("", " ", "\t", "\n", "\r", "*")):
            close = "*/" if ch == "/" else "*)"
            j = text.find(close, i + 2)
            if j < 0:
                raise ScenarioError("unterminated comment", place=f"{filename}:{line}:{col}")
            body = text[i:j + 2]
            if ch == "(":
                tokens.append(Token("comment", body, line, col))
            line += body.count("\n")
            if "\n" in body:
                line_start = i + body.rindex("\n") + 1
            i = j + 2
            continue
        if ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("ident", text[i:j], line, col))
            i = j
            continue
        if ch.isdigit():
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            try:
                value = int(word.rstrip("uUlL"), 0)
            except ValueError:
                raise ScenarioError(f"bad number {word!r}", place=f"{filename}:{line}:{col}") from None
            if value > 2**31 - 1:
                raise ScenarioError(f"number {word} out of range (32-bit)", place=f"{filename}:{line}:{col}")
            tokens.append(Token("int", str(value), line, col))
            i = j
            continue
        if ch == '"':
            j = text.find('"', i + 1)
            if j < 0 or "\n" in text[i:j]:
                raise ScenarioError("unterminated string", place=f"{filename}:{line}:{col}")
            tokens.append(Token("string", text[i + 1:j], line, col))
            i = j + 1
            continue
        for p in PUNCT:
            if text.startswith(p, i):
                tokens.append(Token("punct", p, line, col))
                i += len(p)
                break
        else:
            raise ScenarioError(f"unexpected character {ch!r}", place=f"{filename}:{line}:{col}")
    tokens.append(Token("eof", "", line, i - line_start + 1))
    return tokens


class TokenStream:
    """A cursor over tokens with error helpers; shared by the file and clause parsers."""

    def __init__(self, tokens: list[Token], filename: str, lines: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.filename = filename
        self.lines = lines

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def peek_at(self, offset: int) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def at(self, text: str) -> bool:
        tok = self.tokens[self.pos]
        return tok.text == text and tok.kind in ("punct", "ident")

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.pos += 1
            return True
        return False

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.fail(f"expected {text!r}, found {self.describe(self.peek)}")
        return self.advance()

    def expect_ident(self, what: str = "a name") -> Token:
        tok = self.peek
        if tok.kind != "ident":
            raise self.fail(f"expected {what}, found {self.describe(tok)}")
        return self.advance()

    def expect_int(self) -> int:
        tok = self.peek
        negative = False
        if tok.text == "-" and tok.kind == "punct":
            self.advance()
            negative = True
            tok = self.peek
        if tok.kind != "int":
            raise self.fail(f"expected a number, found {self.describe(tok)}")
        self.advance()
        return -int(tok.text) if negative else int(tok.text)

    def place(self, tok: Token | None = None) -> str:
        tok = tok or self.peek
        return f"{self.filename}:{tok.line}:{tok.col}"

    def fail(self, reason: str, tok: Token | None = None) -> ScenarioError:
        return ScenarioError(reason, place=self.place(tok))

    def line_text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    @staticmethod
    def describe(tok: Token) -> str:
        return "end of file" if tok.kind == "eof" else repr(tok.text)
