"""check_scenario -> CheckReport; herd7-like text, JSON, and comparison with Result headers."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass

from kb.errors import ScenarioError
from kb.scenarios.explore import compile_prop, explore, find_witnesses
from kb.scenarios.model import Program, Scenario
from kb.scenarios.witness import Witness, build_witness, render_witness

SC_NOTE = ("Verdicts hold under sequential consistency only: store buffering, load reordering, "
           "compiler transformations and the ordering effect of barriers/acquire/release are NOT modelled.")
ORDERING_WORDS = re.compile(r"smp_[rw]?mb|barrier|acquire|release|ordering|reorder|rcu_assign_pointer|"
                            r"memory model|LKMM|READ_ONCE|WRITE_ONCE", re.I)
DEFAULT_MAX_STATES = 2_000_000
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class ConditionResult:
    name: str  # "" for the unnamed condition
    kind: str  # exists | ~exists | forall
    text: str
    verdict: str  # Never | Sometimes | Always | Inconclusive
    positive: int
    negative: int
    passed: bool | None  # herd's Ok/No for the clause; None when inconclusive
    witness: Witness | None


@dataclass(frozen=True)
class VariantResult:
    variant: str
    states: int
    transitions: int
    final_states: int
    seconds: float
    inconclusive: bool
    reason: str
    sc_only: bool
    orderings: tuple[str, ...]
    conditions: tuple[ConditionResult, ...]


@dataclass(frozen=True)
class CheckReport:
    scenario: str
    filename: str
    source: str
    variants: tuple[VariantResult, ...]
    seconds: float
    note: str = SC_NOTE

    @property
    def inconclusive(self) -> bool:
        return any(v.inconclusive for v in self.variants)


@dataclass(frozen=True)
class Mismatch:
    variant: str
    condition: str
    expected: str
    actual: str
    line: int

    def __str__(self) -> str:
        cond = f",{self.condition}" if self.condition else ""
        return f"Result[{self.variant}{cond}] (line {self.line}): expected {self.expected}, got {self.actual}"


def check_scenario(scenario: Scenario, variant: str | None = None, max_states: int = DEFAULT_MAX_STATES,
                   timeout: float = DEFAULT_TIMEOUT, witnesses: bool = True) -> CheckReport:
    """Explore every (or one) variant; bounded by max_states and timeout (then inconclusive)."""
    started = time.monotonic()
    names = list(scenario.variants) if variant is None else [variant]
    results = []
    for name in names:
        program = scenario.find_program(name)
        budget = max(0.05, timeout - (time.monotonic() - started))
        results.append(check_program(scenario, program, max_states, budget, witnesses))
    source = "; ".join(scenario.find_metadata("Source"))
    return CheckReport(scenario.name, scenario.filename, source, tuple(results), time.monotonic() - started)


def check_program(scenario: Scenario, program: Program, max_states: int, timeout: float, witnesses: bool) -> VariantResult:
    result = explore(program, max_states=max_states, timeout=timeout)
    conditions = []
    targets = []
    for (clause, tree), (pos, neg) in zip(program.conditions, result.counts):
        verdict = decide_verdict(pos, neg, result.complete)
        conditions.append([clause, verdict, pos, neg])
        targets.append(find_target(clause.kind, tree, program.filter) if witnesses and is_interesting(clause.kind, verdict) else None)
    found: list = [None] * len(targets)
    wanted = [t for t in targets if t is not None]
    if wanted:
        paths = find_witnesses(program, wanted, max_states=min(max_states, 300_000), timeout=max(0.05, timeout / 2))
        it = iter(paths)
        found = [next(it) if t is not None else None for t in targets]
    out = []
    for (clause, verdict, pos, neg), path in zip(conditions, found):
        witness = build_witness(program, path) if path is not None else None
        out.append(ConditionResult(clause.name, clause.kind, clause.text, verdict, pos, neg,
                                   decide_passed(clause.kind, verdict), witness))
    return VariantResult(program.variant, result.states, result.transitions, result.final_states, result.seconds,
                         not result.complete, result.reason, is_sc_only(scenario, program), program.orderings, tuple(out))


def decide_verdict(pos: int, neg: int, complete: bool) -> str:
    if pos and neg:
        return "Sometimes"
    if not complete:
        return "Inconclusive"
    if pos:
        return "Always"
    return "Never"


def decide_passed(kind: str, verdict: str) -> bool | None:
    if verdict == "Inconclusive":
        return None
    if kind == "exists":
        return verdict != "Never"
    if kind == "~exists":
        return verdict == "Never"
    return verdict == "Always"  # forall


def is_interesting(kind: str, verdict: str) -> bool:
    """A witness is drawn for a reachable P (exists/~exists) or a reachable violation (forall)."""
    if kind == "forall":
        return verdict in ("Sometimes", "Never")
    return verdict in ("Sometimes", "Always")


def find_target(kind: str, tree: tuple, filt: tuple | None):
    prop = compile_prop(tree)
    f = compile_prop(filt) if filt is not None else (lambda s, fl: True)
    if kind == "forall":
        return lambda s, fl: f(s, fl) and not prop(s, fl)
    return lambda s, fl: f(s, fl) and prop(s, fl)


def is_sc_only(scenario: Scenario, program: Program) -> bool:
    """Does this variant's verdict lean on ordering that the SC engine cannot judge?"""
    if program.orderings:
        return True
    base = scenario.programs[0]
    if program.variant != "base":
        texts = scenario.find_metadata("Caveat") + scenario.find_metadata("Objection")
        texts += scenario.find_metadata(f"Variant-{program.variant}")
        if any(ORDERING_WORDS.search(t) for t in texts):
            return True
    return bool(base.orderings) and program is base


def compare_expectations(scenario: Scenario, report: CheckReport) -> list[Mismatch]:
    """Result[variant,condition] headers vs the report; variants not checked are skipped."""
    by_key = {(v.variant, c.name): c.verdict for v in report.variants for c in v.conditions}
    out = []
    for exp in scenario.expectations:
        actual = by_key.get((exp.variant, exp.condition))
        if actual is None:
            continue
        if actual != exp.verdict:
            out.append(Mismatch(exp.variant, exp.condition, exp.verdict, actual, exp.line))
    return out


def render_report(report: CheckReport, expectations: list | None = None, show_witness: bool = True) -> str:
    """herd7-style text: per variant and condition, the observation line and a witness."""
    expected = {(e.variant, e.condition): e.verdict for e in (expectations or [])}
    lines = [f"Test {report.scenario} ({report.filename})"]
    if report.source:
        lines.append(f"Source: {report.source}")
    for v in report.variants:
        tag = "  [SC-only: the fix depends on ordering; check with LKMM]" if v.sc_only else ""
        lines.append("")
        lines.append(f"Variant {v.variant}: States {v.final_states}, explored {v.states} states, "
                     f"{v.transitions} transitions, {v.seconds:.3f} s{tag}")
        if v.inconclusive:
            lines.append(f"  Inconclusive: search stopped ({v.reason})")
        if v.orderings:
            lines.append(f"  Ordering semantics of {', '.join(v.orderings)} NOT modelled (no-ops under SC)")
        for c in v.conditions:
            label = f"{c.kind} {c.name}".strip()
            ok = {True: "Ok", False: "No", None: "?"}[c.passed]
            exp = expected.get((v.variant, c.name))
            mark = "" if exp is None else (f"  (expected {exp}: ok)" if exp == c.verdict else f"  (expected {exp}: MISMATCH)")
            lines.append(f"  Condition {label}: {c.text}")
            lines.append(f"  {ok}  Observation {report.scenario}[{v.variant}] {c.verdict} {c.positive} {c.negative}{mark}")
            if show_witness and c.witness is not None:
                what = "violation" if c.kind == "forall" else "witness"
                lines.append(f"  Shortest {what} ({len(c.witness.steps)} steps):")
                lines.append(render_witness(c.witness, indent="    "))
    lines.append("")
    lines.append(f"Time {report.scenario} {report.seconds:.3f}")
    lines.append(f"Note: {report.note}")
    return "\n".join(lines)


def report_to_json(report: CheckReport) -> dict:
    data = asdict(report)
    data["inconclusive"] = report.inconclusive
    return data


def require_consistent(report: CheckReport) -> None:
    """Raise when a variant is inconclusive (used by judge mode)."""
    for v in report.variants:
        if v.inconclusive:
            raise ScenarioError(f"variant {v.variant} inconclusive: {v.reason}", place=report.filename)
