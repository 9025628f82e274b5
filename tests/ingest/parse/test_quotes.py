"""Segments, attribution lines, quote ownership, alignment and stripping."""

from __future__ import annotations

import pytest

from ingest.parse.attribution import parse_attribution
from ingest.parse.quotes import attribute_quotes, split_rows, split_segments
from kb.views import OWN_SEGMENT_KINDS
from tests.conftest import require_shared
from tests.ingest.parse.fixtures import iter_mbox, load_body


def kinds(body: str) -> list[tuple[str, int]]:
    return [(s.kind, s.depth) for s in split_segments(body)]


def test_segments_tile_the_body():
    body = "On Mon, Jan 1, 2024 at 10:00 AM Alice <a@x.org> wrote:\n> hi\n\nme\n"
    segs = split_segments(body)
    assert segs[0].start == 0 and segs[-1].end == len(body)
    for a, b in zip(segs, segs[1:]):
        assert a.end == b.start
    assert "".join(body[s.start:s.end] for s in segs) == body


@pytest.mark.parametrize(
    ("line", "name", "email", "date_text"),
    [
        ("On Fri, Aug 02, 2024 at 04:58:22PM -0700, Shakeel Butt wrote:", "Shakeel Butt", "",
         "Fri, Aug 02, 2024 at 04:58:22PM -0700"),
        ("On Thu, Sep 26, 2024 at 3:55\u202fPM Ivan Shapovalov <intelfx@intelfx.name> wrote:",
         "Ivan Shapovalov", "intelfx@intelfx.name", "Thu, Sep 26, 2024 at 3:55\u202fPM"),
        ("On Tue, 29 Oct 2019, Shakeel Butt wrote:", "Shakeel Butt", "", "Tue, 29 Oct 2019"),
        ("On Mon 28-10-19 17:54:05, Michal Hocko wrote:", "Michal Hocko", "",
         "Mon 28-10-19 17:54:05"),
        ("On 2/22/22 12:26, Tejun Heo wrote:", "Tejun Heo", "", "2/22/22 12:26"),
        ("On 30.09.2022 21:26, Roman Gushchin wrote:", "Roman Gushchin", "", "30.09.2022 21:26"),
        ("On 2025-09-12 17:13:09 [-0400], Waiman Long wrote:", "Waiman Long", "",
         "2025-09-12 17:13:09 [-0400]"),
        ("On Thu, Aug 08, 2024 at 04:54:57AM GMT, Matthew Wilcox wrote:", "Matthew Wilcox", "",
         "Thu, Aug 08, 2024 at 04:54:57AM GMT"),
        ("On 10/25/24 12:40 AM, Yosry Ahmed wrote:", "Yosry Ahmed", "", "10/25/24 12:40 AM"),
        ("On Fri, 2020-02-07 at 19:19 +0100, Marco Elver wrote:", "Marco Elver", "",
         "Fri, 2020-02-07 at 19:19 +0100"),
        ("On Mon, Jan 10, 2022 at 6:51 PM JP Kobryn <jp@example.com> wrote:", "JP Kobryn",
         "jp@example.com", "Mon, Jan 10, 2022 at 6:51 PM"),
        ("On Mon, Jan 1, 2024 at 10:00 AM Ada via cgroups <cgroups@vger.kernel.org> wrote:",
         "Ada", "cgroups@vger.kernel.org", "Mon, Jan 1, 2024 at 10:00 AM"),
        ("Shakeel Butt writes:", "Shakeel Butt", "", ""),
        ("Peter Zijlstra <peterz@infradead.org> writes:", "Peter Zijlstra",
         "peterz@infradead.org", ""),
        ("Tejun Heo wrote:", "Tejun Heo", "", ""),
        ("Quoting Ada Example (2024-01-01 10:00:00):", "Ada Example", "", "2024-01-01 10:00:00"),
        ("* Ada Example <ada@example.org> [2020-01-01 10:00:00 +0100]:", "Ada Example",
         "ada@example.org", "2020-01-01 10:00:00 +0100"),
        ("Am 12.03.2020 um 10:00 schrieb Hans Meier:", "Hans Meier", "", "12.03.2020 um 10:00"),
        ("Am Mo., 12. März 2020 um 10:00 Uhr schrieb Hans <h@example.de>:", "Hans",
         "h@example.de", "Mo., 12. März 2020 um 10:00 Uhr"),
        ("Le 12/03/2020 à 10:00, Jean Dupont a écrit :", "Jean Dupont", "",
         "12/03/2020 à 10:00"),
        ("El lun, 12 mar 2020 a las 10:00, Juan Pérez (<juan@example.es>) escribió:",
         "Juan Pérez", "juan@example.es", "lun, 12 mar 2020 a las 10:00"),
        ("Il giorno lun 12 mar 2020 alle ore 10:00 Mario Rossi <m@example.it> ha scritto:",
         "Mario Rossi", "m@example.it", "lun 12 mar 2020 alle ore 10:00"),
        ("Em seg., 12 de mar. de 2020 às 10:00, João <j@example.br> escreveu:", "João",
         "j@example.br", "seg., 12 de mar. de 2020 às 10:00"),
        ("Op ma 12 mrt. 2020 om 10:00 schreef Jan <jan@example.nl>:", "Jan", "jan@example.nl",
         "ma 12 mrt. 2020 om 10:00"),
        ("Den mån 12 mars 2020 kl 10:00 skrev Sven <s@example.se>:", "Sven", "s@example.se",
         "mån 12 mars 2020 kl 10:00"),
        ("在 2022/1/21 23:57, Michal Koutný 写道:", "Michal Koutný", "", "2022/1/21 23:57"),
        ("Michal Koutný <mkoutny@suse.com> 于2021年9月18日周六 上午12:41写道：", "Michal Koutný",
         "mkoutny@suse.com", "2021年9月18日周六 上午12:41"),
        ("=?UTF-8?q?Michal=20Koutn=C3=BD?= <mkoutny@suse.com> wrote:", "Michal Koutný",
         "mkoutny@suse.com", ""),
    ],
)
def test_attribution_forms(line, name, email, date_text):
    got = parse_attribution(line)
    assert got is not None, line
    assert (got.name, got.email, got.date_text) == (name, email, date_text)


@pytest.mark.parametrize(
    "line",
    [
        "As I wrote:",
        "The code below does this:",
        "Here is what happens:",
        "I think this is what Tejun meant, he said that the lock is held when we get here and:",
        "Changes in v2:",
        "Really? In sgx_reclaim_direct() the code said:",
        "",
    ],
)
def test_not_attributions(line):
    assert parse_attribution(line) is None


def test_attribution_wrapped_over_two_lines():
    body = ("On Thu, Sep 16, 2021 at 09:53:55PM +0800, Hao Sun\n<sunhao.th@gmail.com> wrote:\n"
            "> text\n")
    segs = split_segments(body)
    assert [(s.kind, s.depth) for s in segs] == [("attribution", 0), ("quote", 1)]
    assert segs[0].name == "Hao Sun" and segs[0].email == "sunhao.th@gmail.com"
    syz = ("On Mon, Feb 21, 2022 at 04:29:18PM -0800, syzbot\n"
           "<syzbot+568dc81cd20b72d4a49f@syzkaller.appspotmail.com> wrote:\n> report\n")
    first = split_segments(syz)[0]
    assert first.kind == "attribution" and first.name == "syzbot"
    assert first.email.startswith("syzbot+568dc81cd20b72d4a49f@")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("> a\n", [("quote", 1)]),
        (">> a\n", [("quote", 2)]),
        ("> > a\n", [("quote", 2)]),
        (" > a\n", [("quote", 1)]),
        ("> >> a\n", [("quote", 3)]),
        ("> a\n>\n> b\n", [("quote", 1)]),
        ("> a\n\n> b\n", [("quote", 1)]),
        ("> > a\n>\n> > b\n", [("quote", 2)]),
        ("text\n\n> a\n\nreply\n", [("text", 0), ("quote", 1), ("text", 0)]),
        ("hello\n-- \nAda\nSUSE Labs\n", [("text", 0), ("signature", 0)]),
        ("hi\n-- \nTo unsubscribe from this list: send the line \"unsubscribe x\" in\n",
         [("text", 0), ("footer", 0)]),
        ("hi\n--\nYou received this message because you are subscribed to the Google Groups "
         "\"x\" group.\n", [("text", 0), ("footer", 0)]),
        ("hi\n_______________________________________________\nfoo mailing list\n"
         "foo@lists.example.org\n", [("text", 0), ("footer", 0)]),
        ("Fix it.\n\nSigned-off-by: A <a@x.org>\nAcked-by: B <b@x.org>\n",
         [("text", 0), ("trailer", 0)]),
        ("I think Signed-off-by: A <a@x.org> is missing.\n", [("text", 0)]),
        (">From the code, it is racy.\nSo fix it.\n", [("text", 0)]),
        ("-----Original Message-----\nFrom: Ada Example [mailto:ada@example.org]\n"
         "Sent: Monday, January 1, 2024 10:00 AM\nTo: Bob\nSubject: Re: x\n\n> quoted\n",
         [("attribution", 0), ("quote", 1)]),
        ("From: Matthew Wilcox\n> Sent: 21 February 2023 13:51\n> text\n",
         [("attribution", 0), ("quote", 1)]),
        # Attribution lines end in ":\n", ": \n", ":\r\n" (CRLF mail) or a full-width colon.
        ("Bob wrote: \n> a\n", [("attribution", 0), ("quote", 1)]),
        ("Hi,\r\n\r\nOn Mon, Jan 1, 2024 at 10:00 AM Bob <b@x.org> wrote:\r\n> a\r\n\r\nok\r\n",
         [("text", 0), ("attribution", 0), ("quote", 1), ("text", 0)]),
        ("好的\n在 2022/1/21 23:57, Bob 写道：\n> a\n", [("text", 0), ("attribution", 0), ("quote", 1)]),
        ("> Ann wrote:\r\n> > a\r\n> b\r\n", [("attribution", 1), ("quote", 2), ("quote", 1)]),
        ("Bob wrote:", [("attribution", 0)]),
    ],
)
def test_segment_kinds(body, expected):
    assert kinds(body) == expected


def test_nested_quotes_know_their_person():
    body = (
        "On Tue, Jan 2, 2024 at 11:00 AM Bob <bob@x.org> wrote:\n"
        "> On Mon, Jan 1, 2024 at 10:00 AM Alice <alice@x.org> wrote:\n"
        "> > inner words\n"
        ">\n"
        "> outer words\n"
        "\n"
        "my reply\n"
    )
    owners = {body[q.quote.start:q.quote.end].strip(): q for q in attribute_quotes(
        split_segments(body), body)}
    inner = next(o for k, o in owners.items() if "inner" in k)
    outer = next(o for k, o in owners.items() if "outer" in k)
    assert (inner.name, inner.email) == ("Alice", "alice@x.org")
    assert (outer.name, outer.email, outer.date_text) == (
        "Bob", "bob@x.org", "Tue, Jan 2, 2024 at 11:00 AM")
    assert not inner.inferred and not outer.inferred


def test_second_quoted_message_resets_deeper_attributions():
    body = (
        "On Mon, Jan 1, 2024 at 10:00 AM Alice wrote:\n"
        "> On Sun, Dec 31, 2023 at 9:00 AM Carol wrote:\n> > c\n"
        "\nreply\n\n"
        "On Tue, Jan 2, 2024 at 10:00 AM Bob wrote:\n"
        "> > unknown deeper\n"
    )
    last = attribute_quotes(split_segments(body), body)[-1]
    assert last.name == "Bob" and last.inferred      # not Carol: she belongs to Alice's quote


def test_unattributed_quote():
    body = "> who said this?\n\nme\n"
    (only,) = attribute_quotes(split_segments(body), body)
    assert only.attribution is None and only.name is None


def test_format_patch_anatomy():
    body = load_body("format-patch-rename.eml")
    got = kinds(body)
    assert got[0] == ("text", 0)
    assert ("trailer", 0) in got and ("patch", 0) in got
    assert got[-1] == ("signature", 0)
    patch = next(s for s in split_segments(body) if s.kind == "patch")
    assert body[patch.start:patch.end].startswith("---\n")
    assert "1.8.1.2" not in body[patch.start:patch.end]


def test_reply_anatomy_and_own_words():
    body = load_body("send-email-reply.eml")
    got = kinds(body)
    assert got[0] == ("attribution", 0)
    assert ("quote", 1) in got and ("trailer", 0) in got
    assert got[-2:] == [("signature", 0), ("footer", 0)]
    own = "".join(body[s.start:s.end] for s in split_segments(body) if s.kind in OWN_SEGMENT_KINDS)
    assert "Looks fine" in own and "Acked-by: Bob" in own
    assert "wrote:" not in own and "> " not in own and "mailing list" not in own
    assert "Bob\n_" not in own


def test_real_mail_quotes_get_their_person():
    path = require_shared("corpus", "cgroups-gold-threads.mbox")
    total = attributed = 0
    for _subject, body in iter_mbox(path):
        segs = split_segments(body)
        assert "".join(body[s.start:s.end] for s in segs) == body
        for owner in attribute_quotes(segs, body):
            lines = body.count("\n", owner.quote.start, owner.quote.end) or 1
            total += lines
            attributed += lines if owner.name or owner.email else 0
    assert total > 1000
    assert attributed / total >= 0.95


def test_split_rows_equals_segments_with_their_owners():
    """The store's one-pass rows say what split_segments + attribute_quotes say, on real mail."""
    path = require_shared("corpus", "cgroups-gold-threads.mbox")
    checked = 0
    for _subject, body in iter_mbox(path):
        segs = split_segments(body)
        owners = iter(attribute_quotes(segs, body))
        expected = []
        for seg in segs:
            if seg.kind == "quote":
                owner = next(owners)
                name, email = owner.name or "", owner.email or ""
                expected.append((seg.kind, seg.start, seg.end, seg.depth, name, email, None,
                                 "attribution" if name or email else ""))
            else:
                expected.append((seg.kind, seg.start, seg.end, seg.depth, seg.name or "", seg.email or "", None, ""))
        assert split_rows(body) == expected
        checked += len(expected)
    assert checked > 1000
