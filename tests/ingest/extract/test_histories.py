import pytest

from ingest.extract.histories import (
    EXTRACTOR, MAX_KEY_RACES, find_identity_evidence, find_identity_keys, find_race_keys,
    link_race_histories,
)
from ingest.extract.types import EvidenceSpan, RaceFinding
from tests.ingest.extract.helpers import make_message, make_thread


@pytest.mark.parametrize("line,keys", [
    ("Reported-by: syzbot+0a1b2c3d4e5f60718293@syzkaller.appspotmail.com",
     ["syzbot:0a1b2c3d4e5f60718293"]),
    ("Link: https://syzkaller.appspot.com/bug?extid=0A1B2C3D4E5F60718293",
     ["syzbot:0a1b2c3d4e5f60718293"]),
    ("Link: https://bugzilla.kernel.org/show_bug.cgi?id=215123", ["bugzilla:kernel:215123"]),
    ("Closes: https://bugzilla.kernel.org/215123", ["bugzilla:kernel:215123"]),
    ('Fixes: 0123456789ab ("mm: add foo")', ["commit:01234567"]),
    ("Fixes: commit 0123456789abcdef", ["commit:01234567"]),
    ("Closes: https://lore.kernel.org/r/abc.123@host.example/", ["msgid:abc.123@host.example"]),
    ("Closes: https://lore.kernel.org/linux-mm/abc.123@host.example", ["msgid:abc.123@host.example"]),
    ("Closes: https://github.com/x/y/issues/7", ["url:https://github.com/x/y/issues/7"]),
    ("Reported-by: Ann Dev <ann@example.org>", []),
    ("Link: https://lore.kernel.org/r/abc.123@host.example", []),   # a Link: is not a bug
    ("Fixes: the bug where foo", []),
])
def test_identity_keys(line, keys):
    assert find_identity_keys(line) == keys


def test_identity_evidence_is_own_text_once_per_key():
    line = "Reported-by: syzbot+0a1b2c3d4e5f60718293@syzkaller.appspotmail.com"
    body = f"A race.\n\n{line}\nSigned-off-by: A <a@x>\n"
    reply = f"> {line}\n\nThanks.\n{line}\n"
    t = make_thread("[PATCH] fix", make_message("a@x", body),
                    make_message("b@x", reply, reply_to="a@x"))
    (ev,) = find_identity_evidence(t)
    assert ev.message_id == "a@x" and ev.quote == line and body[ev.start:ev.end] == line
    assert ev.extractor == EXTRACTOR


def race(participants=("foo_get", "foo_put"), obj="foo->ref", quotes=()):
    ev = tuple(EvidenceSpan("m", 0, len(q), q, EXTRACTOR, "t", 1.0) for q in quotes)
    return RaceFinding("s", participants, ("foo_get", "foo_put", "foo->ref"), obj, "other", ev)


@pytest.mark.parametrize("a,b,linked", [
    (race(), race(), True),                                        # same functions, same object
    (race(), race(("foo_put", "foo_get")), True),                  # either order
    (race(), race(obj="bar->ref"), False),                         # same functions, other object
    (race(), race(("foo_get", "baz")), False),                     # one function in common
    (race(("?", "?")), race(("?", "?")), False),                   # unknown sides never link
    (race(("a x", "b"), quotes=["Fixes: 0123456789ab"]),
     race(("c", "d"), obj="", quotes=["Fixes: 0123456789ab"]), True),   # one Fixes: commit
    (race(("a x", "b"), quotes=["Fixes: 0123456789ab"]),
     race(("c", "d"), obj="", quotes=["Fixes: 1123456789ab"]), False),
])
def test_link_pairs(a, b, linked):
    groups = link_race_histories([a, b])
    assert (groups == [[0, 1]]) is linked


def test_symbols_alone_never_link():
    a = RaceFinding("s", ("x_a", "x_b"), ("foo_get", "foo_put", "bar_baz"), "obj_a", "other", ())
    b = RaceFinding("s", ("y_a", "y_b"), ("foo_get", "foo_put", "bar_baz"), "obj_b", "other", ())
    assert link_race_histories([a, b]) == [[0], [1]]


def test_extra_keys_and_hub_keys():
    races = [race(("p%d_x" % i, "q%d_x" % i)) for i in range(MAX_KEY_RACES + 2)]
    assert link_race_histories(races[:3], [["series:s"], [], ["series:s"]]) == [[0, 2], [1]]
    hub = [["commit:deadbeef"]] * len(races)      # a key shared by too many races says nothing
    assert len(link_race_histories(races, hub)) == len(races)


def test_pair_key_needs_identifiers():
    assert find_race_keys(race()) == {"pair:foo_get|foo_put@foo->ref"}
    assert find_race_keys(race(("a path", "foo_put"))) == set()
