"""Drafts that run: a .kscen model built from what a race's thread already holds.

    draft_race(facts) -> Draft

KCSAN reports, lockdep splats and KASAN use-after-free reports are mechanical shapes
(sanitizers.py, lockdep.py); CPU column diagrams are split by position and mapped line by line
(diagram.py); a race told in prose is drafted only when its steps are explicit, or when it names a freed
object and the side that frees it (prose.py). Fix patches that change the racing functions become +fix-N/-fix-N variants (fixes.py).
A draft is complete when every thread has a mapped statement, the condition refers to what the
threads touch, and the text compiles; anything else is marked incomplete and never yields a verdict.
"""

from __future__ import annotations

from kb.errors import ScenarioError
from kb.scenarios.drafts.diagram import draft_diagram
from kb.scenarios.drafts.fixes import apply_fix
from kb.scenarios.drafts.lockdep import draft_lockdep
from kb.scenarios.drafts.model import Draft, DraftModel, FixFacts, RaceFacts
from kb.scenarios.drafts.prose import draft_prose
from kb.scenarios.drafts.render import find_missing, render_draft
from kb.scenarios.drafts.sanitizers import draft_kasan, draft_kcsan

DRAFTERS = {"kcsan": draft_kcsan, "lockdep": draft_lockdep, "kasan": draft_kasan, "diagram": draft_diagram,
            "prose": draft_prose}

__all__ = ["Draft", "FixFacts", "RaceFacts", "draft_race"]


def draft_race(facts: RaceFacts) -> Draft:
    """A draft for one race; its text always parses (an unparsable model is marked incomplete)."""
    from kb.scenarios.scenario import parse_scenario

    drafter = DRAFTERS.get(facts.source_kind, draft_diagram)
    model = drafter(facts)
    variants = []
    if model.threads and not model.missing:
        for fix in facts.fixes:
            name = f"fix-{fix.ordinal + 1}"
            if fix.diff and apply_fix(model, fix, name):
                variants.append(name)
    missing = find_missing(model)
    text = render_draft(model, facts, missing)
    try:
        parse_scenario(text, f"race-{facts.race_id}.kscen")
    except ScenarioError as exc:
        missing.append(f"the model does not compile ({exc.reason})")
        text = render_draft(strip_code(model), facts, missing)
    return Draft(facts.race_id, facts.source_kind, text, not missing, tuple(missing), tuple(variants))


def strip_code(model: DraftModel) -> DraftModel:
    """The same draft with every line as a comment (so that the text still parses)."""
    for thread in model.threads:
        thread.registers = []
        for line in thread.lines:
            line.code = line.code if not line.mapped else f"// {line.code}"
            line.mapped = False
        thread.lines = [line for line in thread.lines if not line.plus]
        for line in thread.lines:
            line.minus = ()
    model.init = [f"// {decl}" for decl in model.init]
    model.variants = []
    return model
