"""A web page without a subject is named by its own first words, never by its file name."""

from __future__ import annotations

from ingest.sources.webpage import parse_page
from ingest.store.mail import describe_page

REPLY = "Then take the lock in both paths and the window closes for good."


def test_page_subject_is_its_first_words_with_an_ellipsis() -> None:
    page = parse_page(f"On Mon, 1 Jan 2024, Alice Example wrote:\n> the two paths race on the list\n\n{REPLY}\n",
                      "/seeds/007_0123456789abcdef.txt")
    subject = describe_page(page)
    assert subject == " ".join(REPLY.split()[:8]) + "…"
    assert "007_" not in subject


def test_short_page_subject_has_no_ellipsis() -> None:
    page = parse_page("On Mon, 1 Jan 2024, Alice Example wrote:\n> the two paths race\n\nAgreed, thanks.\n", "p.txt")
    assert describe_page(page) == "Agreed, thanks."
