"""Fuzzing the whole ingest (sources, prepare, store, thread, extract) with broken mboxes.

Whatever the bytes, run_ingest never raises and accounts for every message it read:
read == stored + present + skipped, and a second run stores nothing.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.pipeline import run_ingest
from ingest.sources.mbox import iter_mbox
from kb.config import load_settings
from kb.db import open_database
from tests.conftest import require_shared

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


@functools.cache
def load_seeds() -> tuple[bytes, ...]:
    mails = [m.data for m in iter_mbox(require_shared("corpus", "cgroups-gold-threads.mbox"))]
    return tuple(mails[::12])


MUTATIONS = st.sampled_from(["truncate", "junk", "charset", "header", "refs", "loop", "blank", "none"])


def mutate(data: bytes, how: str, arg: int, junk: bytes) -> bytes:
    if how == "truncate":
        return data[: arg % (len(data) + 1)]
    if how == "junk":
        at = arg % (len(data) + 1)
        return data[:at] + junk + data[at:]
    if how == "charset":
        return data.replace(b"charset=", b"charset=x-bogus-", 1).replace(b"utf-8", b"us-ascii", 1)
    if how == "header":
        return b"Subject: injected\r\nMessage-ID: <" + junk.hex().encode() + b"@fuzz>\r\n" + data
    if how == "refs":
        chain = b" ".join(b"<r%d@fuzz>" % i for i in range(arg % 3000))
        return b"References: " + chain + b"\n" + data
    if how == "loop":
        return b"In-Reply-To: <loop-b@fuzz>\nMessage-ID: <loop-a@fuzz>\n" + data
    if how == "blank":
        return b"\n\n" + junk
    return data


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 10**6), MUTATIONS, st.integers(0, 10**6), st.binary(max_size=64)),
                min_size=1, max_size=12))
def test_ingest_accounts_for_every_message(plan: list[tuple[int, str, int, bytes]]) -> None:
    seeds = load_seeds()
    with tempfile.TemporaryDirectory() as tmp:
        parts = [mutate(seeds[i % len(seeds)], how, arg, junk) for i, how, arg, junk in plan]
        box = Path(tmp) / "fuzz.mbox"
        box.write_bytes(b"".join(b"From fuzz Mon Jan  1 00:00:00 2024\n" + p.replace(b"\nFrom ", b"\n>From ")
                                 + b"\n\n" for p in parts))
        factory = open_database(load_settings(f"sqlite:///{tmp}/kb.sqlite"))
        report = run_ingest(factory, [str(box)], workers=0)
        assert report.read == report.stored + report.present + len(report.skipped)
        assert all(s.position.startswith("offset ") and s.reason for s in report.skipped)
        again = run_ingest(factory, [str(box)], workers=0)
        assert again.stored == 0 and again.read == report.read
        factory.kw["bind"].dispose()


def test_twenty_megabyte_body_is_stored_or_explained(tmp_path: Path) -> None:
    big = (b"From: A <a@x>\nSubject: big\nMessage-ID: <big@x>\n\n" + b"x" * (20 * 1024 * 1024) + b"\n")
    (tmp_path / "big.eml").write_bytes(big)
    factory = open_database(load_settings(f"sqlite:///{tmp_path}/kb.sqlite"))
    report = run_ingest(factory, [str(tmp_path / "big.eml")], workers=0)
    assert report.read == 1 and report.stored + len(report.skipped) == 1
