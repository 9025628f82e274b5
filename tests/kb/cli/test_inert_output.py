"""Output is inert: JSON escapes C0/C1/bidi controls and lone surrogates; text neutralises bidi
overrides; long bodies end in a truncation marker and `kb show --raw` gives the original bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli.main import cli, register_commands
from kb.cli.output import SHOW_CHARS
from kb.render import clean_terminal_text, dump_json

register_commands()

HOSTILE = [
    # (case id, text, characters that must not appear raw in JSON)
    ("c1-csi", "a\x9b31mred", "\x9b"),
    ("c1-osc", "b\x9d52;c;AAAA\x9c", "\x9d\x9c"),
    ("c0", "c\x1b[2J\x07\x00", "\x1b\x07\x00"),
    ("rlo", "invoice\u202egnp.exe", "\u202e"),
    ("isolates", "\u2066x\u2069\u200f", "\u2066\u2069\u200f"),
    ("lone-surrogate", "d\udeff", "\udeff"),
    ("line-separators", "e\u2028f\u2029", "\u2028\u2029"),
]


@pytest.mark.parametrize(("text", "unsafe"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_json_escapes_controls_and_bidi(text: str, unsafe: str) -> None:
    dumped = dump_json({"t": text, "ok": "café ✓"})
    assert not any(ch in dumped for ch in unsafe)
    assert json.loads(dumped) == {"t": text, "ok": "café ✓"}
    assert "café ✓" in dumped                       # ordinary non-ASCII stays readable


TEXT_HOSTILE = [c for c in HOSTILE if c[0] != "line-separators"]   # harmless on a terminal


@pytest.mark.parametrize(("text", "unsafe"), [c[1:] for c in TEXT_HOSTILE], ids=[c[0] for c in TEXT_HOSTILE])
def test_text_output_neutralises_controls_and_bidi(text: str, unsafe: str) -> None:
    cleaned = clean_terminal_text(text)
    assert not any(ch in cleaned for ch in unsafe)
    cleaned.encode("utf-8")


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def test_long_body_shows_a_marker_and_raw_has_it_all(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    extra = 12345
    body = ("line of text\n" * ((SHOW_CHARS + extra) // 13 + 1)).encode()
    mail = (b"From: Eve <eve@example.org>\nSubject: long \xe2\x80\xae\nMessage-ID: <long@x>\n"
            b"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\n" + body)
    (tmp_path / "m.eml").write_bytes(mail)
    run(db, "ingest", str(tmp_path / "m.eml"))
    out = run(db, "show", "long@x")
    more = len(body) - SHOW_CHARS
    assert out.rstrip().endswith(f"[truncated: {more} bytes more; kb show --raw long@x]")
    assert "\u202e" not in out
    assert CliRunner().invoke(cli, ["--db", db, "show", "--raw", "long@x"]).stdout_bytes == mail
    exported = run(db, "export", "--format", "jsonl")
    assert "\u202e" not in exported and "\\u202e" in exported
