"""A Library stand-in with fixed read models, so snapshots do not move when extraction improves."""

from __future__ import annotations

from datetime import datetime, timezone

from kb.errors import NotFoundError
from kb.findings import (
    EvidenceView, FixView, HistoryView, ObjectionView, PersonRoleView, RaceSummary, RaceView, ScenarioLinkView,
    TimelineEvent,
)
from kb.library import MarkView, MessageSummary, MessageView, SegmentView, ThreadSummary, ThreadView


def day(d: int, h: int = 10) -> datetime:
    return datetime(2024, 3, d, h, 0, tzinfo=timezone.utc)


SUBJECT = "[PATCH v2] mm: fix race between [bold]swapoff[/bold] and readahead"
BODY_1 = ("swapoff() can free swap_info while do_swap_page() still uses it.\n\n"
          "CPU0 (swapoff)            CPU1 (do_swap_page)\n"
          "                          si = swp_swap_info(entry)\n"
          "kvfree(si->swap_map)\n"
          "                          si->swap_map[offset]  <- use after free\n\n"
          "[@click=app.quit]not a link[/]\n")
BODY_2 = ("On Mon, Mar 4, 2024 Alice Reporter wrote:\n> swapoff() can free swap_info while do_swap_page() still uses it.\n"
          "> [/bold] quoted text\n\nThis patch takes a reference with get_swap_device():\n\n"
          "diff --git a/mm/memory.c b/mm/memory.c\n--- a/mm/memory.c\n+++ b/mm/memory.c\n@@ -1,3 +1,3 @@\n"
          " \tsi = swp_swap_info(entry);\n-\tuse(si);\n+\tsi = get_swap_device(entry);\n\n"
          "Signed-off-by: Bob Fixer <bob@example.org>\n")
BODY_3 = ("Bob Fixer wrote:\n> This patch takes a reference with get_swap_device():\n\n"
          "I would prefer something more conventional; the refcount costs on every fault.\n")


def find_spans(body: str, quote: str) -> tuple[int, int]:
    start = body.index(quote)
    return start, start + len(quote)


MESSAGES = (
    MessageSummary("m1@x", "Alice Reporter", "alice@example.org", day(4), SUBJECT, None, 0, False),
    MessageSummary("m2@x", "Bob Fixer", "bob@example.org", day(5), f"Re: {SUBJECT}", "m1@x", 1, False),
    MessageSummary("m3@x", "Carol Critic", "carol@example.org", day(6), f"Re: {SUBJECT}", "m2@x", 2, False),
)
BODIES = {"m1@x": BODY_1, "m2@x": BODY_2, "m3@x": BODY_3}
RACE_QUOTE = "swapoff() can free swap_info while do_swap_page() still uses it."
FIX_QUOTE = "This patch takes a reference with get_swap_device():"
OBJECTION_QUOTE = "I would prefer something more conventional; the refcount costs on every fault."


def make_evidence(message_id: str, quote: str, extractor: str) -> EvidenceView:
    start, end = find_spans(BODIES[message_id], quote)
    return EvidenceView(message_id, quote, start, end, extractor, 0.8)


def make_summary(race_id: int, summary: str, verdict: str | None, d: int) -> RaceSummary:
    return RaceSummary(race_id, "m1@x", SUBJECT, 1, summary, "use-after-free", "prose", 1, 1, 1, verdict, day(d))


RACES = (make_summary(1, "swapoff races with do_swap_page on swap_info_struct, causing use-after-free",
                      "base: Sometimes; fix: Never", 6),
         make_summary(2, "swapoff races with readahead on swap_map, causing use-after-free", None, 5))


class FixedLibrary:
    """The read side of kb.library.Library over fixed data."""

    def list_histories(self, limit: int = 500) -> list[HistoryView]:
        return [HistoryView(1, "swapoff vs swap operations", day(6), RACES)]

    def list_races(self, limit: int = 500) -> list[RaceSummary]:
        return list(RACES)

    def show_race(self, race_id: int) -> RaceView:
        summary = next((r for r in RACES if r.id == race_id), None)
        if summary is None:
            raise NotFoundError("no such race", place=f"race {race_id}")
        objection = ObjectionView(1, "Carol Critic", "performance", "m3@x", False,
                                  (make_evidence("m3@x", OBJECTION_QUOTE, "objections"),))
        fix = FixView(1, "take a reference with get_swap_device()", "patch", "Bob Fixer", "m2@x", "proposed",
                      (make_evidence("m2@x", FIX_QUOTE, "fixes.patch"),), (objection,))
        timeline = (TimelineEvent(day(4), "report", "m1@x", "Alice Reporter", SUBJECT),
                    TimelineEvent(day(5), "patch", "m2@x", "Bob Fixer", f"Re: {SUBJECT}"),
                    TimelineEvent(day(6), "objection", "m3@x", "Carol Critic", f"Re: {SUBJECT}"))
        people = (PersonRoleView("Alice Reporter", "alice@example.org", ("reporter",)),
                  PersonRoleView("Bob Fixer", "bob@example.org", ("author",)),
                  PersonRoleView("Carol Critic", "carol@example.org", ("reviewer",)))
        scenarios = (ScenarioLinkView(7, "swapoff-vs-do_swap_page", 1, "race", str(race_id), summary.last_verdict,
                                      day(7) if summary.last_verdict else None),)
        other = tuple(r for r in RACES if r.id != race_id)
        return RaceView(summary, ("swapoff", "do_swap_page"), ("swap_info_struct", "swp_swap_info"),
                        "swap_info_struct", ("CPU0: kvfree(si->swap_map)", "CPU1: si->swap_map[offset]"),
                        (make_evidence("m1@x", RACE_QUOTE, "races.prose"),), (fix,), (), people, timeline, scenarios,
                        other)

    def show_thread(self, key: str) -> ThreadView:
        return ThreadView(ThreadSummary(1, "m1@x", SUBJECT, 3, day(4), day(6)), MESSAGES, ("linux-mm",))

    def show_message(self, message_id: str) -> MessageView:
        summary = next(m for m in MESSAGES if m.message_id == message_id)
        body = BODIES[message_id]
        marks = {"m1@x": ("race", RACE_QUOTE), "m2@x": ("fix", FIX_QUOTE), "m3@x": ("objection", OBJECTION_QUOTE)}
        kind, quote = marks[message_id]
        start, end = find_spans(body, quote)
        return MessageView(summary, "m1@x", body, (("", "linux-mm@kvack.org"),), (), (), "fixed", "0",
                           self.find_segments(body), (), (), (MarkView(kind, 1, start, end, quote),))

    def find_segments(self, body: str) -> tuple[SegmentView, ...]:
        from tui.widgets.mail_body import find_segments

        return tuple(SegmentView(s.kind, s.start, s.end, 0, "", "") for s in find_segments(body))
