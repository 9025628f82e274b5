"""parse_scenario: text -> ParsedScenario (every variant parsed and compiled up front)."""

from __future__ import annotations

from pathlib import Path

from kb.errors import ScenarioError
from kb.scenarios.compiler import compile_variant
from kb.scenarios.lexer import filter_variant, find_line_tags
from kb.scenarios.model import Expectation, ParsedScenario
from kb.scenarios.parser import parse_variant
from kb.scenarios.props import parse_header

MAX_VARIANTS = 32


def parse_scenario(text: str, filename: str = "<scenario>") -> ParsedScenario:
    """Parse and compile a .kscen text; raises ScenarioError with place FILE:LINE:COL."""
    if "\x00" in text:
        raise ScenarioError("binary file (NUL byte)", place=f"{filename}:1:1")
    tags = find_line_tags(text)
    base_text = filter_variant(text, "base", tags)
    name, comments, base_source = parse_variant(base_text, filename, "base")
    metadata, description, expectations = parse_header(comments, filename)
    variants: list[str] = ["base"]
    tagged: dict[str, list[int]] = {}
    for line, (_, names) in sorted(tags.items()):
        for v in names:
            tagged.setdefault(v, []).append(line)
            if v not in variants:
                variants.append(v)
    for key, _ in metadata:
        if key.startswith("Variant-") and key[8:] and key[8:] not in variants:
            variants.append(key[8:])
    if len(variants) > MAX_VARIANTS:
        raise ScenarioError(f"too many variants ({len(variants)}, limit {MAX_VARIANTS})", place=f"{filename}:1:1")
    sources = {"base": base_source}
    for v in variants[1:]:
        sources[v] = parse_variant(filter_variant(text, v, tags), filename, v)[2]
    programs = []
    for v in variants:
        try:
            programs.append(compile_variant(sources[v], filename))
        except ScenarioError as exc:
            if v == "base":
                raise
            raise ScenarioError(f"{exc.reason} (variant {v})", place=exc.place) from None
    resolved = []
    for exp in expectations:
        if exp.variant in sources and not exp.condition:
            names = [c.name for c in sources[exp.variant].clauses if c.kind != "filter"]
            if "" not in names:  # Result[variant] names the first condition, as in herd7
                exp = Expectation(exp.variant, names[0], exp.verdict, exp.line, exp.model)
        resolved.append(exp)
    expectations = resolved
    for exp in expectations:
        if exp.variant not in sources:
            raise ScenarioError(f"Result names unknown variant {exp.variant!r}", place=f"{filename}:{exp.line}:1")
        names = [c.name for c in sources[exp.variant].clauses if c.kind != "filter"]
        if exp.condition not in names:
            shown = exp.condition or "(unnamed)"
            raise ScenarioError(f"Result names unknown condition {shown!r}", place=f"{filename}:{exp.line}:1")
    return ParsedScenario(
        name=name, filename=filename, text=text, metadata=tuple(metadata), description=description,
        variants=tuple(variants), programs=tuple(programs), expectations=tuple(expectations),
        variant_lines=tuple((v, tuple(lines)) for v, lines in tagged.items()),
    )


def load_scenario(path: str | Path) -> ParsedScenario:
    """Read and parse a .kscen file (SourceError-free: unreadable files are ScenarioErrors)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ScenarioError(f"cannot read scenario: {reason}", place=str(p)) from None
    return parse_scenario(text, str(p))
