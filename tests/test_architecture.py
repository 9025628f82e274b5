"""The layer rules of DESIGN.md, checked on the source's import statements."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def find_imports(path: Path) -> set[str]:
    return parse_imports(path.read_text(), path.relative_to(ROOT))


def parse_imports(text: str, where: Path) -> set[str]:
    """Top-level-qualified names of every import in a module at `where` (lazy imports included).

    `from X import name` counts as X and X.name (`from kb import models` imports kb.models);
    relative imports are resolved against the module's package; `importlib.import_module("X")`
    and `__import__("X")` with a literal name count as imports of X.
    """
    tree = ast.parse(text, str(where))
    package = list(where.with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if module:
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def is_dynamic_import(func: ast.expr) -> bool:
    """importlib.import_module(...), import_module(...) or __import__(...)."""
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def iter_modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imports_any(names: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes)}


@pytest.mark.parametrize("path", iter_modules("kb/models"), ids=str)
def test_models_import_only_sqlalchemy_and_stdlib(path: Path) -> None:
    bad = {n for n in find_imports(path)
           if n.split(".")[0] not in sys.stdlib_module_names | {"sqlalchemy", "kb", "__future__"}}
    bad |= {n for n in find_imports(path) if n.startswith("kb.") and not n.startswith(("kb.models", "kb.blobs"))}
    assert not bad


def test_the_blob_codec_is_a_leaf() -> None:
    """kb.blobs (how bodies and raw bytes are compressed) is shared by the models and the ingest
    workers, so it imports nothing of kb's."""
    assert not imports_any(find_imports(ROOT / "kb" / "blobs.py"), ("kb", "ingest", "tui", "sqlalchemy"))


@pytest.mark.parametrize("path", [p for p in iter_modules("kb") if "cli" not in p.parts], ids=str)
def test_core_never_imports_ui_nlp_or_ingest(path: Path) -> None:
    assert not imports_any(find_imports(path), ("click", "textual", "spacy", "ingest", "tui"))


@pytest.mark.parametrize("path", [p for p in iter_modules("ingest") if "store" not in p.relative_to(ROOT).parts],
                         ids=str)
def test_only_the_store_touches_models(path: Path) -> None:
    assert not imports_any(find_imports(path), ("kb.models",))


@pytest.mark.parametrize("path", [p for p in iter_modules("ingest")
                                  if p.relative_to(ROOT).parts[1] in ("sources", "parse", "thread.py")], ids=str)
def test_sources_parse_thread_never_import_sqlalchemy(path: Path) -> None:
    assert not imports_any(find_imports(path), ("sqlalchemy",))


@pytest.mark.parametrize("path", iter_modules("tui"), ids=str)
def test_tui_reaches_the_database_only_through_the_library(path: Path) -> None:
    assert not imports_any(find_imports(path), ("sqlalchemy", "kb.models", "kb.db", "ingest"))


def test_own_segment_kinds_agree() -> None:
    """The core cannot import the parse stage, so kb.views names the own segment kinds again: the
    text export shows and the text the extractor reads (ingest.parse.quotes) are the same kinds."""
    from ingest.parse.quotes import OWN_KINDS
    from kb.views import OWN_SEGMENT_KINDS
    assert OWN_SEGMENT_KINDS == OWN_KINDS


def test_spacy_only_in_nlp() -> None:
    users = [p for p in ROOT.joinpath("ingest").rglob("*.py") if imports_any(find_imports(p), ("spacy",))]
    users += [p for pkg in ("kb", "tui") for p in iter_modules(pkg) if imports_any(find_imports(p), ("spacy",))]
    assert [p.relative_to(ROOT).as_posix() for p in users] == ["ingest/extract/nlp.py"]


def test_cli_help_does_not_load_ingest_tui_or_spacy() -> None:
    code = ("import sys; from kb.cli.main import cli, register_commands; register_commands(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ingest','tui','spacy','textual')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"



@pytest.mark.parametrize(("source", "where", "found"), [
    ("from kb import models", "ingest/x.py", "kb.models"),
    ("from kb.models import Message", "ingest/x.py", "kb.models"),
    ("from . import models", "kb/x.py", "kb.models"),
    ("from ..models import Message", "kb/search/x.py", "kb.models"),
    ("from .mail import Message", "kb/models/__init__.py", "kb.models.mail"),
    ("import importlib\nimportlib.import_module('kb.models')", "ingest/x.py", "kb.models"),
    ("__import__('spacy')", "kb/x.py", "spacy"),
])
def test_find_imports_sees_every_form(source: str, where: str, found: str) -> None:
    """The layer rules see `from X import name`, relative imports and importlib, not only `import X`."""
    assert found in parse_imports(source, Path(where))


def find_classes(paths: list[Path], dataclasses_only: bool) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and (not dataclasses_only or any(
                    "dataclass" in ast.unparse(d) for d in node.decorator_list)):
                found[node.name] = path.relative_to(ROOT)
    return found


def test_no_dataclass_shares_a_name_with_an_orm_class() -> None:
    """A reader must never wonder whether `Evidence` is a row or a finding."""
    orm = find_classes(sorted((ROOT / "kb" / "models").glob("*.py")), dataclasses_only=False)
    code = [p for package in ("kb", "ingest", "tui") for p in iter_modules(package) if "models" not in p.parts]
    clashes = {name: str(path) for name, path in find_classes(code, dataclasses_only=True).items() if name in orm}
    assert not clashes
    assert {"Evidence", "Scenario", "Segment", "Person"} <= set(orm)   # the check sees the ORM classes
