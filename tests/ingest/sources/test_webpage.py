"""Web-archive page recovery: the five gold seeds, plus hand-made cases per page form."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from ingest.sources.webpage import find_quoted_subject, is_web_page, parse_page
from ingest.sources.webpage_runs import restore_line_breaks
from ingest.sources.webpage_authors import (find_attribution, find_sign_off, parse_date_text,
                                            parse_person, resolve_name)
from tests.conftest import require_shared


def load_seed_gold() -> list[dict]:
    path = require_shared("gold", "seeds.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_seed(name: str) -> str:
    return require_shared("corpus", "seeds", name).read_text(encoding="utf-8")


def first_tokens(text: str, count: int = 4) -> list[str]:
    """gold/README.md rule 7: whitespace-collapsed, lower-cased, first 4 tokens."""
    return text.lower().split()[:count]


SEED_NAMES = ["000_04549a968bee6e93.txt", "001_e5779e28165e000f.txt", "002_724bcb3cc4354858.txt",
              "003_8985432c2770a4f4.txt", "004_e2d0a14b533089af.txt"]


@pytest.mark.shared
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_messages_match_gold(name: str) -> None:
    gold = {g["thread_id"]: g for g in load_seed_gold()}[name]
    page = parse_page(read_seed(name), name)
    assert page.page_author.name == gold["page_author"]
    assert len(page.messages) == len(gold["messages"])
    for got, want in zip(page.messages, gold["messages"]):
        assert got.quote_depth == want["quote_depth"]
        assert got.author == want["author"], (got.quote_depth, got.author_rule)
        assert got.date_text == want["date"]
        wanted = first_tokens(want["first_words"])
        assert first_tokens(got.first_words)[:len(wanted)] == wanted
        assert got.extent == "heuristic"


# Gold uses two labels; ours are finer. 'attribution' in gold covers a From: line and, for the
# page author, sign-offs. Seed 000's page author comes from a self-reply chain: gold calls it
# 'attribution' though no line names him; we record it honestly as inferred.
COARSE = {"attribution": "attribution", "from-line": "attribution", "sign-off": "attribution",
          "inferred": "inferred", "unknown": "inferred"}
KNOWN_SOURCE_DIFFERENCES = {("000_04549a968bee6e93.txt", 0)}


@pytest.mark.shared
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_author_sources(name: str) -> None:
    gold = {g["thread_id"]: g for g in load_seed_gold()}[name]
    page = parse_page(read_seed(name), name)
    for got, want in zip(page.messages, gold["messages"]):
        if (name, got.quote_depth) in KNOWN_SOURCE_DIFFERENCES:
            assert (got.author_source, got.author_rule) == ("inferred", "self-reply-chain")
            continue
        assert COARSE[got.author_source] == want["author_source"], got.quote_depth


@pytest.mark.shared
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_first_words_and_spans_point_into_the_page(name: str) -> None:
    text = read_seed(name)
    page = parse_page(text, name)
    assert is_web_page(text.encode(), name)
    for message in page.messages:
        assert message.spans
        for start, end in message.spans:
            assert text[start:end].strip()
            assert text[start:end] in message.text or message.text in text[start:end] or \
                text[start:end].strip().split()[0] in message.text
        assert " ".join(text[message.spans[0][0]:].split()).startswith(message.first_words.split()[0])
        assert "unsubscribe" not in message.text and "majordomo" not in message.text


@pytest.mark.shared
def test_seed_ids_are_stable_and_unique() -> None:
    for name in SEED_NAMES:
        text = read_seed(name)
        first = [m.message_id for m in parse_page(text, name).messages]
        again = [m.message_id for m in parse_page(text, "renamed-" + name).messages]
        assert first == again
        assert len(set(first)) == len(first)
        assert all(i.startswith("recovered.") and i.endswith("@kb.invalid") for i in first)


# ---------------------------------------------------------------- attribution forms

@pytest.mark.parametrize("line, name, email, hint, date_text, form", [
    ("On Sat, Mar 30, 2019 at 07:10:52AM -0700, Matthew Wilcox wrote:",
     "Matthew Wilcox", "", "", "Sat, Mar 30, 2019 at 07:10:52AM -0700", "on-wrote"),
    ("On Wed, Jan 03, 2018 at 08:42:15AM +0800, Huang, Ying wrote:",
     "Huang, Ying", "", "", "Wed, Jan 03, 2018 at 08:42:15AM +0800", "on-wrote"),
    ("On Mon, 14 May 2012, Andrew Morton wrote:", "Andrew Morton", "", "", "Mon, 14 May 2012", "on-wrote"),
    ("On 19.03.22 00:48, Jason Gunthorpe wrote:", "Jason Gunthorpe", "", "", "19.03.22 00:48", "on-wrote"),
    ("On Sat, 12 May 2012 04:59:56 -0700 (PDT)\nHugh Dickins <hughd@xxxxxxxxxx> wrote:",
     "Hugh Dickins", "", "hughd@", "Sat, 12 May 2012 04:59:56 -0700 (PDT)", "on-wrote"),
    ("On Tue, 2 Jan 2018 Jan Kara <jack@suse.cz> wrote:", "Jan Kara", "jack@suse.cz", "",
     "Tue, 2 Jan 2018", "on-wrote"),
    ("Mel Gorman <mgorman@xxxxxxxxxxxxxxxxxxx> writes:", "Mel Gorman", "", "mgorman@", "", "writes"),
    ("Peter Zijlstra <peterz@infradead.org> writes:", "Peter Zijlstra", "peterz@infradead.org", "", "",
     "writes"),
    ("Linus Torvalds wrote:", "Linus Torvalds", "", "", "", "wrote"),
    ("some closing words. Thomas Gleixner wrote:", "Thomas Gleixner", "", "", "", "wrote"),
    ("Am 19.03.22 um 00:48 schrieb Jason Gunthorpe:", "Jason Gunthorpe", "", "", "19.03.22 um 00:48",
     "am-schrieb"),
    ("Am Mo., 14. Mai 2012 um 10:00 Uhr schrieb Andrew Morton <akpm@linux-foundation.org>:",
     "Andrew Morton", "akpm@linux-foundation.org", "", "Mo., 14. Mai 2012 um 10:00 Uhr", "am-schrieb"),
    ("Le 19/03/2022 à 00:48, Jason Gunthorpe a écrit :", "Jason Gunthorpe", "", "",
     "19/03/2022 à 00:48", "on-wrote"),
    ("Le sam. 30 mars 2019 à 07:10, Matthew Wilcox <willy@infradead.org> a écrit :",
     "Matthew Wilcox", "willy@infradead.org", "", "sam. 30 mars 2019 à 07:10", "on-wrote"),
    ("* Ingo Molnar <mingo@kernel.org> [2019-03-30 07:10:52]:", "Ingo Molnar", "mingo@kernel.org", "",
     "2019-03-30 07:10:52", "star"),
    ("Quoting Kees Cook (2020-01-02 10:00:00):", "Kees Cook", "", "", "2020-01-02 10:00:00", "quoting"),
    # Gmail: the AM/PM after the time belongs to the date, not to the name
    ("On Thu, Sep 26, 2019 at 4:55 PM Song Liu <song@xxxxxxxxx> wrote:", "Song Liu", "", "song@",
     "Thu, Sep 26, 2019 at 4:55 PM", "on-wrote"),
    ("On Thu, Sep 26, 2019 at 4:55 AM <jgq516@xxxxxxxxx> wrote:", "", "", "jgq516@",
     "Thu, Sep 26, 2019 at 4:55 AM", "on-wrote"),
    ("On Mon, Dec 2, 2024 at 3:36\u202fAM Ann Dev <ann@xxxxxxx> wrote:", "Ann Dev", "", "ann@",
     "Mon, Dec 2, 2024 at 3:36 AM", "on-wrote"),     # Gmail since 2023: a narrow no-break space
    ("On Mon, Dec 2, 2024 at 3:36 AM ann dev <ann@xxxxxxx> wrote:", "ann dev", "", "ann@",
     "Mon, Dec 2, 2024 at 3:36 AM", "on-wrote"),     # a name typed in lower case, before its address
    # Chinese mail clients, with an ASCII or a full-width colon
    ("在 2024/02/17 3:03, Song Liu 写道:", "Song Liu", "", "", "2024/02/17 3:03", "zh-wrote"),
    ("Hi, 在 2023/12/21 18:43, Gui-Dong Han 写道：", "Gui-Dong Han", "", "", "2023/12/21 18:43", "zh-wrote"),
    ("Yu Kuai <yukuai1@xxxxxxxxxxxxxxx> 于2023年12月22日周五 09:37写道：", "Yu Kuai", "", "yukuai1@",
     "2023年12月22日周五 09:37", "zh-name-first"),
])
def test_attribution_forms(line: str, name: str, email: str, hint: str, date_text: str, form: str) -> None:
    found = find_attribution(line)
    assert found is not None
    assert (found.person.name, found.person.email, found.person.email_hint) == (name, email, hint)
    assert found.date_text == date_text
    assert found.form == form


@pytest.mark.parametrize("line", [
    "I wrote this code years ago.", "The patch looks fine to me.", "On the other hand, it works:",
    "we have that in mind", "在这里写道:",
])
def test_not_attributions(line: str) -> None:
    assert find_attribution(line) is None


@pytest.mark.parametrize("text, person", [
    ("Hugh Dickins <hughd@xxxxxxxxxx>", ("Hugh Dickins", "", "hughd@")),
    ('"Huang, Ying" <ying.huang@intel.com>', ("Huang, Ying", "ying.huang@intel.com", "")),
    ("jack@suse.cz (Jan Kara)", ("Jan Kara", "jack@suse.cz", "")),
    ("Mel Gorman", ("Mel Gorman", "", "")),
    ("Minchan Kim <minchan@...>", ("Minchan Kim", "", "minchan@")),
])
def test_parse_person(text: str, person: tuple[str, str, str]) -> None:
    got = parse_person(text)
    assert (got.name, got.email, got.email_hint) == person


@pytest.mark.parametrize("text, expected", [
    ("Sat, Mar 30, 2019 at 07:10:52AM -0700", datetime(2019, 3, 30, 7, 10, 52, tzinfo=timezone(timedelta(hours=-7)))),
    ("Sat, 12 May 2012 04:59:56 -0700 (PDT)", datetime(2012, 5, 12, 4, 59, 56, tzinfo=timezone(timedelta(hours=-7)))),
    ("Wed Jan 03 2018 - 04:54:18 EST", datetime(2018, 1, 3, 4, 54, 18, tzinfo=timezone(timedelta(hours=-5)))),
    ("Tue 02-01-18 10:21:03", datetime(2018, 1, 2, 10, 21, 3)),
    ("19.03.22 00:48", datetime(2022, 3, 19, 0, 48)),
    ("Mon, 14 May 2012", datetime(2012, 5, 14)),
    ("Thu, Sep 26, 2019 at 4:55 PM", datetime(2019, 9, 26, 16, 55)),     # Gmail
    ("Sat, Mar 30, 2019 at 07:10:52PM -0700", datetime(2019, 3, 30, 19, 10, 52, tzinfo=timezone(timedelta(hours=-7)))),
    ("2024/02/17 3:03", datetime(2024, 2, 17, 3, 3)),
    ("2023年12月22日周五 09:37", datetime(2023, 12, 22, 9, 37)),
    ("2021年9月18日周六 上午12:41", datetime(2021, 9, 18, 0, 41)),
    ("2021年9月18日周六 下午3:41", datetime(2021, 9, 18, 15, 41)),
    ("2023年3月1日", datetime(2023, 3, 1)),
    ("", None),
    ("sometime last week", None),
])
def test_parse_date_text(text: str, expected: datetime | None) -> None:
    assert parse_date_text(text) == expected


@pytest.mark.parametrize("text, name", [
    ("that is all.\n\nThanks,\nHugh", "Hugh"),
    ("fix it. Thanks, David / dhildenb", "David"),
    ("Regards,\nJan Kara", "Jan Kara"),
    ("It works. Thanks, I will resend.", None),
])
def test_sign_off(text: str, name: str | None) -> None:
    found = find_sign_off(text)
    assert (found[0] if found else None) == name


def test_resolve_name_first_name_and_surname() -> None:
    known = ["Hugh Dickins", "Andrew Morton", "Huang, Ying"]
    assert resolve_name("Hugh", known) == "Hugh Dickins"
    assert resolve_name("Ying", known) == "Huang, Ying"
    assert resolve_name("Konstantin", known) == ""


# ---------------------------------------------------------------- whole pages, by form

LINE_PAGE_WRITES = """Re: [PATCH] mm: fix a race in foo

From: Alice Example
Date: Mon Feb 05 2024 - 10:00:00 EST


Bob Builder <bob@xxxxxxxxxx> writes:

> On Sun, Feb 04, 2024 at 09:00:00AM +0100, Alice Example wrote:
>> The lock is dropped before the refcount is taken, so foo_put() can
>> free the object under us.
>
> Then take the reference first.

That works, I will send v2.

--
Alice Example
--
To unsubscribe from this list: send the line "unsubscribe linux-kernel" in
the body of a message to majordomo@xxxxxxxxxxxxxxx
"""

GERMAN_FLAT = ("Am 05.02.24 um 10:00 schrieb Bob Builder: > Hi Alice, > > Am 04.02.24 um 09:00 schrieb "
               "Alice Example: >> The lock is dropped before the refcount is taken, so foo_put() can "
               ">> free the object under us. > > Then take the reference first, before the lock is > "
               "dropped, and the race is gone. Good idea, thanks. I will send v2 soon. -- Thanks, Alice")

FRENCH_LINES = """Le 05/02/2024 à 10:00, Bob Builder a écrit :
> Le 04/02/2024 à 09:00, Alice Example a écrit :
>> Object freed under us.
> Take the reference first.
Yes.
"""

UNATTRIBUTED = """From: Carol Reviewer
Date: Tue Feb 06 2024 - 10:00:00 EST

On Mon, Feb 05, 2024 at 10:00:00AM +0100, Bob Builder wrote:
> Hi Dave,
>
> > nobody holds the lock when the timer fires.
>
> Then the timer must take it.

Agreed with Bob.
"""


def test_line_page_writes_form_and_footer() -> None:
    page = parse_page(LINE_PAGE_WRITES, "case-writes")
    assert not page.flattened
    assert page.subject == "Re: [PATCH] mm: fix a race in foo"
    assert (page.page_author.name, page.messages[0].author_source) == ("Alice Example", "from-line")
    got = [(m.quote_depth, m.author, m.email_hint, m.date_text, m.first_words.split()[0])
           for m in page.messages]
    assert got == [(0, "Alice Example", "", "Mon Feb 05 2024 - 10:00:00 EST", "That"),
                   (1, "Bob Builder", "bob@", "", "Then"),
                   (2, "Alice Example", "", "Sun, Feb 04, 2024 at 09:00:00AM +0100", "The")]
    top = page.messages[0]
    assert top.text == "That works, I will send v2."
    assert "unsubscribe" not in top.text and "Alice Example" not in top.text
    assert [m.parent_index for m in page.messages] == [1, 2, None]


def test_flattened_german_page_with_sign_off() -> None:
    page = parse_page(GERMAN_FLAT, "case-german")
    assert page.flattened
    got = [(m.quote_depth, m.author, m.date_text, m.author_source) for m in page.messages]
    assert got == [(0, "Alice Example", "", "sign-off"),
                   (1, "Bob Builder", "05.02.24 um 10:00", "attribution"),
                   (2, "Alice Example", "04.02.24 um 09:00", "attribution")]
    assert page.messages[0].first_words.startswith("Good idea, thanks.")
    assert page.messages[0].text.endswith("I will send v2 soon.")
    # each inline marker began a line of the quoted mail: its lines come back
    # and "> >" a blank line between them (the quote cut out between leaves one)
    assert page.messages[1].text.startswith("Hi Alice,\n\nThen take the reference first, before the lock is\n")
    assert page.messages[2].text == ("The lock is dropped before the refcount is taken, so foo_put() can\n"
                                     "free the object under us.")
    assert page.messages[1].date == datetime(2024, 2, 5, 10, 0)


def test_french_line_page_without_blank_lines() -> None:
    page = parse_page(FRENCH_LINES, "case-french")
    got = [(m.quote_depth, m.author, m.text) for m in page.messages]
    assert got == [(0, "Alice Example", "Yes."), (1, "Bob Builder", "Take the reference first."),
                   (2, "Alice Example", "Object freed under us.")]
    assert page.messages[0].author_source == "inferred"   # back-and-forth: Alice answers Bob
    assert page.messages[0].author_rule == "alternation"


def test_unattributed_quote_author_from_greeting() -> None:
    page = parse_page(UNATTRIBUTED, "case-greeting")
    got = [(m.quote_depth, m.author, m.author_source, m.author_rule) for m in page.messages]
    assert got == [(0, "Carol Reviewer", "from-line", "from-line"),
                   (1, "Bob Builder", "attribution", "on-wrote"),
                   (2, "Dave", "inferred", "greeting")]


FLAT_PATCH = ("From: Alice Smith <alice@xxxxxxx> The close path frees foo while the reader still walks "
              "its list, so the reader can touch freed memory. Fix this by taking foo->lock in the "
              "reader. Signed-off-by: Alice Smith <alice@xxxxxxx> --- a.c | 2 ++ 1 file changed, "
              "2 insertions(+) diff --git a/a.c b/a.c index 1..2 100644 --- a/a.c +++ b/a.c @@ -1 +1,3 @@\n")


def test_flattened_patch_page_keeps_its_body() -> None:
    """A patch copied out of a browser is one line: its in-body From: ends at the address."""
    assert len(FLAT_PATCH) > 300
    page = parse_page(FLAT_PATCH, "case-flat-patch")
    assert [(m.quote_depth, m.author, m.email_hint) for m in page.messages] == [(0, "Alice Smith", "alice@")]
    assert page.messages[0].text.startswith("The close path frees foo")
    assert "Fix this by taking foo->lock" in page.messages[0].text


# a blank quoted line merges with the next markers: "> > On ..." is the attribution at depth 1 and
# ">> >> The lock ..." the patch at depth 2; "> Hi Bob," after quoted text opens the page's own reply
GMAIL_FLAT = ("On 6/9/21 1:29 PM, Bob Builder wrote: > Hi Alice, > > On Sat, Jun 5, 2021 at 8:29 AM Alice "
              "Example <alice@xxxxxxx> wrote: >> >> The lock is dropped before the refcount is taken, so "
              ">> foo_put() can free the object under us. >> >> Signed-off-by: Alice Example <alice@xxxxxxx> "
              "> > The patch does not apply on top of my tree. Which tree is it > against? > Hi Bob, "
              "it is against v5.13-rc4. I will rebase it. Thanks, Alice")


def test_flattened_gmail_page_depths() -> None:
    page = parse_page(GMAIL_FLAT, "case-gmail")
    got = [(m.quote_depth, m.author, m.text.split("\n")[0]) for m in page.messages]
    assert got == [
        (0, "Alice Example", "Hi Bob, it is against v5.13-rc4. I will rebase it."),
        (1, "Bob Builder", "Hi Alice,"),
        (2, "Alice Example", "The lock is dropped before the refcount is taken, so")]
    assert page.messages[1].text.endswith("Which tree is it\nagainst?")
    assert page.messages[2].date == datetime(2021, 6, 5, 8, 29)


def test_unknown_author_is_marked_not_guessed() -> None:
    page = parse_page("> some quoted words without any attribution here.\n\nMy reply.\n", "case-unknown")
    assert [(m.quote_depth, m.author, m.author_source, m.author_rule) for m in page.messages] == [
        (0, "", "unknown", "none"), (1, "", "unknown", "none")]


@pytest.mark.parametrize("data, name, expected", [
    (b"From alice@example.org Mon Feb  5 10:00:00 2024\nFrom: a\n\nbody\n", "x.txt", False),
    (b"From: Alice <a@b.c>\nMessage-ID: <1@b.c>\nSubject: hi\n\n> quoted\nreply\n", "x.txt", False),
    (b"Re: [PATCH] x\n\nFrom: Alice\nDate: Mon Feb 05 2024 - 10:00:00 EST\n\n> q\nreply\n", "p.txt", True),
    (b"On Mon, 14 May 2012, Andrew Morton wrote: > quoted > more. My reply.", "p.html.txt", True),
    (b"just some words with no markers at all", "p.txt", False),
    (b"Fix this by taking the lock. Signed-off-by: Alice <a@xxxxxxx> --- a.c | 1 +", "p.txt", True),
    (b"\x00\x01binary > data", "p.bin", False),
])
def test_is_web_page(data: bytes, name: str, expected: bool) -> None:
    assert is_web_page(data, name) is expected


LOG = "The close path frees foo."     # a quoted changelog


@pytest.mark.parametrize("page_subject, depth, deepest, text, subject", [
    ("Re: [PATCH v2] mm: fix a race in foo", 0, False, LOG, "Re: [PATCH v2] mm: fix a race in foo"),
    ("Re: [PATCH v2] mm: fix a race in foo", 1, False, LOG, "Re: [PATCH v2] mm: fix a race in foo"),
    ("Re: [PATCH v2] mm: fix a race in foo", 2, True, LOG, "[PATCH v2] mm: fix a race in foo"),   # the patch
    ("Re: Re: [RFC] foo", 3, True, LOG, "[RFC] foo"),
    ("Re: race in foo?", 2, True, LOG, "Re: race in foo?"),   # no patch named: a reply like the rest
    ("[PATCH] mm: fix foo", 1, True, LOG, "Re: [PATCH] mm: fix foo"),   # the page is the posting itself
    ("", 1, True, LOG, ""),   # a page without a subject
    ("Re: [PATCH] foo", 2, True, "Thanks, this fixes it for me.", "Re: [PATCH] foo"),   # a reply's opening
    ("Re: [PATCH] foo", 2, True, "Hi Ann,\nI tested it.", "Re: [PATCH] foo"),
])
def test_find_quoted_subject(page_subject: str, depth: int, deepest: bool, text: str, subject: str) -> None:
    assert find_quoted_subject(page_subject, depth, deepest, text) == subject


def test_quoted_messages_carry_reply_and_patch_subjects() -> None:
    page = parse_page(LINE_PAGE_WRITES, "case-writes")
    assert [m.subject for m in page.messages] == ["Re: [PATCH] mm: fix a race in foo",
                                                  "Re: [PATCH] mm: fix a race in foo",
                                                  "[PATCH] mm: fix a race in foo"]


@pytest.mark.parametrize("text, expected", [
    ("short line. Signed-off-by: A <a@b>", "short line. Signed-off-by: A <a@b>"),   # not flattened
    ("x" * 300 + " Fixes: 1234567 (\"foo\") Reported-by: B <b@x> Signed-off-by: A <a@x> --- a.c | 2 +- "
     "diff --git a/a.c b/a.c index 1234567..89abcde 100644 --- a/a.c +++ b/a.c @@ -1,2 +1,2 @@ foo",
     "x" * 300 + "\nFixes: 1234567 (\"foo\")\nReported-by: B <b@x>\nSigned-off-by: A <a@x>\n--- a.c | 2 +-"
     "\ndiff --git a/a.c b/a.c\nindex 1234567..89abcde 100644\n--- a/a.c\n+++ b/a.c\n@@ -1,2 +1,2 @@ foo"),
    ("y" * 301 + " mail Cc:me or index 12..34 or diff --gitx",) * 2,    # no line starts there
])
def test_restore_line_breaks(text: str, expected: str) -> None:
    restored = restore_line_breaks(text)
    assert restored == expected and len(restored) == len(text)    # offsets stay valid


def test_ids_stable_and_content_derived() -> None:
    first = parse_page(GERMAN_FLAT, "a")
    again = parse_page(GERMAN_FLAT, "b")
    other = parse_page(GERMAN_FLAT.replace("v2", "v3"), "a")
    assert [m.message_id for m in first.messages] == [m.message_id for m in again.messages]
    assert first.messages[0].message_id != other.messages[0].message_id


def test_sources_do_not_import_sqlalchemy() -> None:
    code = ("import sys, ingest.sources.webpage; "
            "sys.exit(any(m.startswith(('sqlalchemy', 'kb.models')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("count, previous, max_depth, expected", [
    (4, 4, 6, [4, 2, 0]),      # the same depth again, a blank line at depth 2, or a blank at 4 and a line at 0
    (9, 4, 6, [5, 4]),         # too deep for the page: a blank at 4 and a line at 5, or a blank at 5 and a line at 4
    (3, 1, 6, [3, 2, 1]),      # n, n - previous, n - previous - 1
    (2, 0, 6, [2, 1]),         # n and n/2; n - previous is n again; nothing at depth 1 below 0 + 1
    (1, 1, 6, [1, 0]),
])
def test_read_cluster(count: int, previous: int, max_depth: int, expected: list[int]) -> None:
    from ingest.sources.webpage_runs import read_cluster
    assert read_cluster(count, previous, max_depth) == expected


# a trimmed deeper quote leaves a blank line one level deeper than the text around it: the
# changelog sentence after it continues the quoted patch (depth 2), after a paragraph break
TRIMMED_FLAT = ("On Tue, Dec 10, 2024 at 05:20:51PM +1100, Bob Builder wrote: > On Mon, Dec 09, 2024 at "
                "09:00:00AM +0800, Alice Example wrote: > > The worker can clear the bit after the queue "
                "has set it, so an item is never processed: > > > > CPU0 CPU1 > > queue_item() "
                "worker() > > > > > Fix this by clearing the bit before the list is emptied, so the "
                "> > queue sets it again. > > What problems does this cause? It leaks the item at "
                "unmount.")


def test_flattened_blank_line_one_level_deeper_is_a_paragraph_break() -> None:
    page = parse_page(TRIMMED_FLAT, "case-trimmed")
    patch = next(m for m in page.messages if m.quote_depth == 2)
    assert "worker()\n\nFix this by clearing the bit before the list is emptied, so the\nqueue sets it again." \
        in patch.text
    assert patch.text.startswith("The worker can clear the bit") and patch.author == "Alice Example"


@pytest.mark.parametrize("deepest, kept", [
    ("--", False),      # a quoted signature separator alone: no message of its own
    ("---", False),
    ("+    }", True),   # what a reply kept of a quoted patch: the patch's place in the thread
])
def test_a_quoted_separator_alone_is_no_message(deepest: str, kept: bool) -> None:
    page = ("On Mon, Jan 01, 2024 at 10:00:00AM +0000, Bob Builder wrote:\n"
            f"> > {deepest}\n> Take the lock in foo_put() before the refcount drops.\n\nThanks, applied.\n")
    depths = [m.quote_depth for m in parse_page(page, "case-separator").messages]
    assert depths == ([0, 1, 2] if kept else [0, 1])


@pytest.mark.parametrize("piece, cut", [
    ("if (tag != -1) Can the above change trigger this? rqs[-1] = NULL?", (14, 15)),
    ("node); From include/linux/slab.h: it zeroes", (6, 7)),
    ("+\tspin_unlock(&q->lock); This drops the lock too early.", (24, 25)),
    ("} I don't think the above changes are sufficient.", (1, 2)),
    ("+\ttags->rqs = kzalloc_node(nr_tags, sizeof(struct request *),", None),   # code only
    ("We discussed this (see the thread) And left it.", None),                    # prose, no code
    ("GFP_NOIO | __GFP_NOWARN);", None),
])
def test_find_code_end(piece: str, cut: tuple[int, int] | None) -> None:
    from ingest.sources.webpage_runs import find_code_end
    assert find_code_end(piece) == cut


def test_flattened_reply_under_a_quoted_code_line() -> None:
    page = ("On Fri, Apr 17, 2020 at 05:51:00AM +0800, Alice Example wrote: > The lookup can return a freed "
            "request, so clear the slot when the tag is freed. > > +\tslot[rq->tag] = NULL; >  \tif (rq->tag != -1) "
            "Can the above change run with a tag of -1? > \t\tput_tag(rq->tag); Otherwise the change looks "
            "fine to me, thanks.")
    reply = next(m for m in parse_page(page, "case-code").messages if m.quote_depth == 0)
    assert reply.text.startswith("Can the above change run with a tag of -1?")
