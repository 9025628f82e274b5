"""The only spaCy importer: blank English pipeline with a kernel-aware tokenizer, an
EntityRuler for kernel identifiers, and a sentence TextCategorizer (race/fix/objection/other).

spaCy is imported lazily, once, the first time `get_nlp()` is called; the sentence splitter
(`split_sentences`) and the cue regexes are pure Python so most messages never touch spaCy.
"""

from __future__ import annotations

import json
import random
import re
import threading
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
PATTERN_DIR = DATA_DIR / "patterns"
TRAINING_FILE = DATA_DIR / "training" / "sentences.jsonl"
MODEL_DIR = DATA_DIR / "models" / "textcat"
LABELS = ("race", "fix", "objection", "other")
VERSION = "0.1"
EPOCHS = 20
SEED = 7

# Whole kernel identifiers: __delete_from_swap_cache(), FOLL_GET|FOLL_WRITE, mm/vmscan.c,
# page->mapping, PG_anon_exclusive, i_pages, memcg->css.cgroup, {READ,WRITE}_ONCE()
TOKEN_MATCH_RE = re.compile(
    r"^(?:"
    r"[A-Za-z_][\w]*(?:(?:->|\.)[A-Za-z_]\w*)+(?:\(\))?"          # page->mapping, a.b->c
    r"|[A-Za-z_]*_[\w]*\(\)|[A-Za-z_]\w*\(\)"                       # func(), __func()
    r"|[A-Z][A-Z0-9_]*(?:\|[A-Z][A-Z0-9_]*)+"                       # FOLL_GET|FOLL_WRITE
    r"|(?:[\w.-]+/)+[\w.-]*\w"                                     # mm/vmscan.c, kernel/cgroup/
    r"|\w*_\w+"                                                     # PG_anon_exclusive, i_pages
    r"|\{[A-Z_]+(?:,[A-Z_]+)+\}_[A-Z]+(?:\(\))?"                    # {READ,WRITE}_ONCE
    r")$")

_nlp = None
_lock = threading.Lock()


def create_blank():
    """spacy.blank('en') with the kernel token_match (a compiled regex, so it serialises)."""
    import spacy
    nlp = spacy.blank("en")
    set_kernel_tokenizer(nlp)
    return nlp


def set_kernel_tokenizer(nlp) -> None:
    """token_match keeps identifiers whole; '_' is no prefix (so __func() stays one token)."""
    from spacy.util import compile_prefix_regex
    prefixes = [p for p in nlp.Defaults.prefixes if not re.fullmatch(p, "_")]
    nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    nlp.tokenizer.token_match = TOKEN_MATCH_RE.match


def load_entity_patterns() -> list[dict]:
    path = PATTERN_DIR / "entities.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def add_entity_ruler(nlp) -> None:
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(load_entity_patterns())


def get_nlp():
    """The shared pipeline: tokenizer + entity_ruler + textcat (trained and cached on first use
    when data/models/textcat is absent)."""
    global _nlp
    if _nlp is not None:
        return _nlp
    with _lock:
        if _nlp is None:
            _nlp = load_or_train()
    return _nlp


def load_or_train():
    import spacy
    if (MODEL_DIR / "config.cfg").exists():
        try:
            nlp = spacy.load(MODEL_DIR)
            set_kernel_tokenizer(nlp)
            return nlp
        except Exception:
            pass
    nlp = train_textcat()
    try:
        MODEL_DIR.parent.mkdir(parents=True, exist_ok=True)
        nlp.to_disk(MODEL_DIR)
    except OSError:
        pass
    return nlp


def tokenize(text: str) -> list[str]:
    """Tokens of `text` with the kernel-aware tokenizer (no pipeline components run)."""
    return [t.text for t in get_nlp().tokenizer(text)]


def classify_sentences(texts: list[str]) -> list[dict[str, float]]:
    """TextCategorizer scores per sentence: {'race': p, 'fix': p, 'objection': p, 'other': p}."""
    if not texts:
        return []
    nlp = get_nlp()
    disable = [p for p in nlp.pipe_names if p != "textcat"]
    return [dict(doc.cats) for doc in nlp.pipe(texts, disable=disable, batch_size=64)]


def find_entities(text: str) -> list[tuple[str, str]]:
    """(label, text) of kernel entities (FUNC, FIELD, LOCK, MACRO, FILE) in a sentence."""
    nlp = get_nlp()
    if "entity_ruler" not in nlp.pipe_names:
        return []
    doc = nlp(text, disable=[p for p in nlp.pipe_names if p != "entity_ruler"])
    return [(e.label_, e.text) for e in doc.ents]


# ---------------------------------------------------------------------------------------------
# Sentence segmentation (pure regex): code, diagrams, diffs and quoted lines are kept whole.

_CODE_LINE_RE = re.compile(
    r"^(?:\s{4,}(?:(?:if|for|while|return|static|struct|else|case|goto|unsigned|int|bool|void)\b"
    r"|\w[\w>.-]*\s*[-+|&]?=\s|.*[;{}]\s*$|\w+\(.*\);?$|[-=*+|`]{3,})|\t|[+\-@ ](?:\s|$)|diff --git|index [0-9a-f]|---|\+\+\+|@@|"
    r".*(?:[;{}]\s*$|^\s*(?:if|for|while|return|static|struct)\b.*[(){;]))")
_DIAGRAM_RE = re.compile(r"\S\s{6,}\S|^\s*(?:CPU ?\d|T\d|Thread ?[A-Z\d]|P\d)\b.*\s{4,}")
_BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z\"'(\[`>0-9])|(?<=[.!?:])\s*\n\s*\n")
_ABBREV_RE = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|al|Mr|Dr|approx|resp|incl)\.|\.\.\.|(?:^|\s)\w\.)$",
                        re.IGNORECASE)


# a bullet ("- Test accidentally negated?") or a line indented by a mail client ("  This patch
# fixes ..."): a capitalised word and two more words, nothing of code; a diff line's
# "-"/" " prefix is followed by code or a comment instead
_INDENTED_PROSE_RE = re.compile(r"^(?:- | {1,2})[A-Z][a-z']*(?: +[\w'(),.?!:/-]+){2,}\s*$")


def classify_line(line: str) -> str:
    """'blank', 'code' (diff/code/diagram) or 'prose'."""
    if not line.strip():
        return "blank"
    if _DIAGRAM_RE.search(line):
        return "code"
    if _CODE_LINE_RE.match(line) and not _INDENTED_PROSE_RE.match(line):
        return "code"
    return "prose"


def split_blocks(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, kind) blocks of consecutive prose or code lines inside text[start:end]."""
    end = len(text) if end is None else end
    blocks: list[tuple[int, int, str]] = []
    pos = start
    cur: list = []
    for line in text[start:end].splitlines(keepends=True):
        kind = classify_line(line)
        lend = pos + len(line.rstrip("\r\n"))
        if kind == "blank" or (cur and cur[2] != kind):
            if cur:
                blocks.append(tuple(cur))
                cur = []
        if kind != "blank":
            if cur:
                cur[1] = lend
            else:
                cur = [pos, lend, kind]
        pos += len(line)
    if cur:
        blocks.append(tuple(cur))
    return blocks


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of the prose blocks in text[start:end]; code/diagram blocks are skipped."""
    spans: list[tuple[int, int]] = []
    for bstart, bend, kind in split_blocks(text, start, end):
        if kind != "prose":
            continue
        block = text[bstart:bend]
        cur = 0
        for m in _BOUNDARY_RE.finditer(block):
            piece = block[cur:m.start()]
            if _ABBREV_RE.search(piece.rstrip("\"')]")):
                continue
            if piece.strip():
                spans.append(_trim(text, bstart + cur, bstart + m.start()))
            cur = m.end()
        if block[cur:].strip():
            spans.append(_trim(text, bstart + cur, bend))
    return spans


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


@lru_cache(maxsize=8)
def load_cues(name: str = "cues") -> dict[str, re.Pattern[str]]:
    """Regex cue lists from data/patterns/<name>.json compiled as one alternation per key."""
    data = json.loads((PATTERN_DIR / f"{name}.json").read_text())
    return {key: re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)
            for key, pats in data.items() if not key.startswith("_")}


_TRAILER_RE = re.compile(r"^\s*(?:[A-Z][\w-]*-by|Fixes|Link|Cc|Closes|Signed-off-by|Message-I[dD]"
                         r"|Change-Id|Reported-and-tested-by):", re.MULTILINE)
_PATCH_END_RE = re.compile(r"^(?:---\s*$|diff --git |Index: )", re.MULTILINE)
_DIFF_START_RE = re.compile(r"^(?:diff --git |Index: |--- a/)", re.MULTILINE)
MAX_SENTENCE_CHARS = 600


def iter_own_sentences(body: str, own_spans) -> tuple[tuple[int, int, str], ...]:
    """(start, end, text) of the prose sentences in the message's own regions, trailers and
    over-long runs dropped; text is the exact body[start:end]. Memoised: races, fixes and
    objections all read the same candidate messages."""
    return _own_sentences(body, tuple(own_spans))


@lru_cache(maxsize=1024)
def _own_sentences(body: str, own_spans: tuple) -> tuple[tuple[int, int, str], ...]:
    out = []
    for s, e in own_spans:
        for a, b in split_sentences(body, s, e):
            text = body[a:b]
            if len(text) > MAX_SENTENCE_CHARS or _TRAILER_RE.match(text):
                continue
            out.append((a, b, text))
    return tuple(out)


def find_patch_start(body: str) -> int:
    """Offset where the diff / '---' part of a patch mail starts (len(body) when none)."""
    m = _PATCH_END_RE.search(body)
    return m.start() if m else len(body)


def find_diff_start(body: str) -> int:
    """Offset of the first diff header (len(body) when none)."""
    m = _DIFF_START_RE.search(body)
    return m.start() if m else len(body)


# Training (`python -m ingest.extract.train`) lives here too: spaCy is imported only in this module.
def load_training(directory: Path | None = None) -> list[tuple[str, str]]:
    directory = directory or TRAINING_FILE.parent
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("label") in LABELS:
                    rows.append((row["text"], row["label"]))
    return rows


def train_textcat(rows: list[tuple[str, str]] | None = None, epochs: int = EPOCHS):
    """A blank pipeline with kernel tokenizer, a trained exclusive bag-of-words textcat over
    LABELS and the entity_ruler. Deterministic: fixed seed, fixed order."""
    import spacy
    from spacy.training import Example

    spacy.util.fix_random_seed(SEED)
    rows = rows if rows is not None else load_training()
    nlp = create_blank()
    config = {"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                        "ngram_size": 2, "no_output_layer": False, "length": 1 << 14}}
    textcat = nlp.add_pipe("textcat", config=config)
    for label in LABELS:
        textcat.add_label(label)
    examples = []
    for text, label in rows:
        cats = {lab: float(lab == label) for lab in LABELS}
        examples.append(Example.from_dict(nlp.make_doc(text), {"cats": cats}))
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(SEED)
    with nlp.select_pipes(enable=["textcat"]):
        for _ in range(epochs):
            rng.shuffle(examples)
            for i in range(0, len(examples), 16):
                nlp.update(examples[i:i + 16], sgd=optimizer, drop=0.1)
    add_entity_ruler(nlp)      # after initialize(), which would clear its patterns
    return nlp
