"""A DraftModel as .kscen text, with the Draft: complete/incomplete header."""

from __future__ import annotations

from kb.scenarios.drafts.model import DraftModel, RaceFacts

FALLBACK = {"deadlock": "deadlock", "data-race": "data_race"}


def find_missing(model: DraftModel) -> list[str]:
    """Why the draft is not complete: a thread with nothing mapped, or a condition about nothing."""
    missing = list(model.missing)
    if len(model.threads) < 1:
        missing.append("no threads")
    for index, thread in enumerate(model.threads):
        if not thread.mapped:
            missing.append(f"P{index} ({thread.label}) has no mapped statement")
    roles = [{line.role for line in t.lines if line.mapped and not line.plus} for t in model.threads]
    cond = model.condition
    if not cond:
        missing.append("no condition follows from the race's consequence")
    elif cond in ("uaf", "double_free") and not (any("free" in r for r in roles) and len(model.threads) >= 2):
        missing.append(f"condition {cond} but no thread frees what another touches")
    elif cond == "deadlock" and not any("lock" in r for r in roles):
        missing.append("condition deadlock but no thread takes a lock")
    elif cond == "data_race" and not any(r & {"read", "write"} for r in roles):
        missing.append("condition data_race but no thread accesses shared data")
    return missing


def render_draft(model: DraftModel, facts: RaceFacts, missing: list[str]) -> str:
    status = "complete" if not missing else "incomplete: " + "; ".join(missing)
    out = [f"C {model.name}", "", "(*", f" * Draft: {status}",
           f" * Race: {facts.race_id} ({facts.source_kind}, {facts.consequence})"]
    if facts.source:
        out.append(f" * Source: <{facts.source.strip('<>')}>")
    out.append(f" * Drafted-from: {clean(model.drafted_from)}")
    for name, description in model.variants:
        out.append(f" * Variant-{name}: {clean(description)}")
    if model.abstraction:
        out.append(f" * Abstraction: {clean(model.abstraction)}")
    out += [" * Review every line before trusting a verdict: this model was drafted by a program.", " *)", "", "{"]
    out += [f"\t{decl}" for decl in model.init] + ["}", ""]
    for thread in model.dropped:
        out.append(f"// left out: {clean(thread.label)} (no line maps to a primitive)")
        out += [f"//\t{clean(line.code.removeprefix('// '))}" for line in thread.lines]
    if model.dropped:
        out.append("")
    if not model.threads:
        out += ["P0(nothing_drafted)", "{", "}", ""]
    for index, thread in enumerate(model.threads):
        note = f"\t// {clean(thread.note)}" if thread.note else ""
        out += [f"P{index}({thread.label}){note}", "{"]
        regs = [r for r in thread.registers if "=" not in r]
        inits = [r for r in thread.registers if "=" in r]
        out += [f"\tint {r};" for r in inits]
        if regs:
            out.append(f"\tint {', '.join(regs)};")
        for line in thread.lines:
            tag = f"+{','.join(line.plus)}\t" if line.plus else f"-{','.join(line.minus)}\t" if line.minus else "\t"
            code = line.code if line.mapped else "// " + clean(line.code.removeprefix("// "))
            out.append(f"{tag}{code}")
        out += ["}", ""]
    condition = model.condition or FALLBACK.get(facts.consequence, "uaf")
    out.append(f"exists ({condition})")
    return "\n".join(out) + "\n"


def clean(text: str) -> str:
    """Text safe inside a (* *) comment or a // comment on one line."""
    return " ".join(text.replace("*)", "* )").replace("(*", "( *").split())
