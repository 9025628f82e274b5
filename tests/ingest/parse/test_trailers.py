"""Trailers: kinds, people, Fixes/Link/Cc details, quoted and mid-sentence exclusions."""

from __future__ import annotations

import pytest

from ingest.parse.trailers import parse_trailers
from tests.conftest import require_shared
from tests.ingest.parse.fixtures import HERE as FIXTURES
from tests.ingest.parse.fixtures import iter_mbox, load_body


@pytest.mark.parametrize(
    ("line", "kind", "name", "email", "extra"),
    [
        ("Signed-off-by: Ada Example <ada@example.org>", "signed-off-by", "Ada Example",
         "ada@example.org", {}),
        ('Signed-off-by: "Yann E. MORIN" <Yann.Morin@Free.fr>', "signed-off-by", "Yann E. MORIN",
         "yann.morin@free.fr", {}),
        ("Acked-by: Michal Hocko <mhocko@suse.com>", "acked-by", "Michal Hocko",
         "mhocko@suse.com", {}),
        ("Reviewed-by: Roman Gushchin <roman.gushchin@linux.dev>", "reviewed-by",
         "Roman Gushchin", "roman.gushchin@linux.dev", {}),
        ("Tested-by: Bob <bob@x.org>", "tested-by", "Bob", "bob@x.org", {}),
        ("Reported-by: syzbot+568dc81cd20b72d4a49f@syzkaller.appspotmail.com", "reported-by",
         "", "syzbot+568dc81cd20b72d4a49f@syzkaller.appspotmail.com", {}),
        ("Suggested-by: Tejun Heo <tj@kernel.org>", "suggested-by", "Tejun Heo",
         "tj@kernel.org", {}),
        ("Nacked-by: Bob <bob@x.org>", "nacked-by", "Bob", "bob@x.org", {}),
        ("NAKed-by: Bob <bob@x.org>", "nacked-by", "Bob", "bob@x.org", {}),
        ("Co-developed-by: Carol <carol@x.org>", "co-developed-by", "Carol", "carol@x.org", {}),
        ("Reported-and-tested-by: Dan <dan@x.org>", "reported-and-tested-by", "Dan",
         "dan@x.org", {}),
        ("Reviewed-by: Bob <bob@x.org> # v5", "reviewed-by", "Bob", "bob@x.org",
         {"comment": "v5"}),
        ('Fixes: 1234567890ab ("mm: memcg: fix a race")', "fixes", "", "",
         {"sha": "1234567890ab", "title": "mm: memcg: fix a race"}),
        ("Fixes: ABCDEF1234567 (\"cgroup: fix \"nested\" quotes\")", "fixes", "", "",
         {"sha": "abcdef1234567", "title": 'cgroup: fix "nested" quotes'}),
        ("Link: https://lore.kernel.org/r/20240101.1-ada@example.org", "link", "", "",
         {"url": "https://lore.kernel.org/r/20240101.1-ada@example.org"}),
        ("Closes: https://lore.kernel.org/oe-kbuild-all/202401.x@intel.com/", "closes", "", "",
         {"url": "https://lore.kernel.org/oe-kbuild-all/202401.x@intel.com/"}),
        ("Cc: stable@vger.kernel.org # 5.10+", "cc", "", "stable@vger.kernel.org",
         {"comment": "5.10+"}),
        ("Cc: <stable@vger.kernel.org> [5.10+]", "cc", "", "stable@vger.kernel.org",
         {"comment": "5.10+"}),
        ("Cc: Andrew Morton <akpm@linux-foundation.org>", "cc", "Andrew Morton",
         "akpm@linux-foundation.org", {}),
        ("Signed-off-by: Ada Example <ada@example.org>\r", "signed-off-by", "Ada Example",
         "ada@example.org", {}),
    ],
)
def test_trailer_kinds(line, kind, name, email, extra):
    body = "Commit message.\n\n" + line + "\n"
    (t,) = parse_trailers(body)
    assert (t.kind, t.name, t.email) == (kind, name, email)
    for key, value in extra.items():
        assert getattr(t, key) == value
    assert body[t.start:t.end].rstrip("\r") == line.rstrip("\r")


@pytest.mark.parametrize(
    "body",
    [
        "I think Signed-off-by: Ada <ada@x.org> is missing.\n",
        "  Signed-off-by: Ada <ada@x.org>\n",              # not at line start
        "Fixes: the bug we talked about yesterday\n",     # no commit id
        "Link: see the thread above\n",                   # no URL
        "Cc: the maintainers, please\n",                  # no address
        "Tested-by: me, on three machines, for a week, and it seems fine.\n",
        "+Signed-off-by: Ada <ada@x.org>\n",              # a diff line
    ],
)
def test_not_trailers(body):
    assert parse_trailers(body) == ()


def test_quoted_trailers_are_separate():
    body = ("On Mon, Jan 1, 2024 at 10:00 AM Ada wrote:\n> Signed-off-by: Ada <ada@x.org>\n"
            "> > Reviewed-by: Carol <carol@x.org>\n\nAcked-by: Bob <bob@x.org>\n")
    own = parse_trailers(body)
    assert [(t.kind, t.name, t.depth) for t in own] == [("acked-by", "Bob", 0)]
    every = parse_trailers(body, include_quoted=True)
    assert [(t.kind, t.name, t.depth) for t in every] == [
        ("signed-off-by", "Ada", 1), ("reviewed-by", "Carol", 2), ("acked-by", "Bob", 0)]


def test_fixes_title_wrapped_to_next_line():
    body = ('Fixes: 1234567890ab ("mm: memcg: a very long title that\n'
            'got wrapped")\nSigned-off-by: Ada <ada@x.org>\n')
    fixes, sob = parse_trailers(body)
    assert fixes.title == "mm: memcg: a very long title that got wrapped"
    assert body[fixes.start:fixes.end].endswith('wrapped")')
    assert sob.kind == "signed-off-by"


def test_fixture_trailers():
    (_s1, first), (_s2, second) = iter_mbox(FIXTURES / "series-no-cover.mbox")
    assert [(t.kind, t.email) for t in parse_trailers(first)] == [
        ("signed-off-by", "ada@example.org")]
    assert [(t.kind, t.email) for t in parse_trailers(second)] == [
        ("reviewed-by", "bob@example.org"), ("signed-off-by", "ada@example.org")]
    reply = load_body("send-email-reply.eml")
    assert [(t.kind, t.name) for t in parse_trailers(reply)] == [("acked-by", "Bob Example")]


def test_real_mail_trailers():
    path = require_shared("corpus", "cgroups-gold-threads.mbox")
    kinds: dict[str, int] = {}
    for _subject, body in iter_mbox(path):
        for t in parse_trailers(body):
            kinds[t.kind] = kinds.get(t.kind, 0) + 1
            assert t.depth == 0
            if t.kind.endswith("-by"):
                assert t.email or t.name
    assert kinds.get("signed-off-by", 0) >= 20
    assert kinds.get("acked-by", 0) + kinds.get("reviewed-by", 0) >= 10
    assert kinds.get("fixes", 0) >= 3
