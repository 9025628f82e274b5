"""A hostile mbox: markup and terminal escapes in a subject and bodies (Rich markup must stay literal)."""

from __future__ import annotations

from pathlib import Path

SUBJECT = "[PATCH v2] x"
HOSTILE_LINES = ["[@click=app.quit]click me[/]", "[/bold] unbalanced close", "[link=https://evil.example]link[/link]",
                 "red \x1b[31mALERT\x1b[0m text", "clip \x1b]52;c;ZXZpbA==\x07 board"]

REPORT = """\
==================================================================
BUG: KCSAN: data-race in hostile_read / hostile_write

write to 0xffffffffc009a628 of 8 bytes by task 487 on cpu 0:
 hostile_write+0x1d/0x30
 kthread+0x23e/0x260

read to 0xffffffffc009a628 of 8 bytes by task 488 on cpu 6:
 hostile_read+0x10/0x20
 kthread+0x23e/0x260

value changed: 0x00000000000009a6 -> 0x00000000000009b2
==================================================================
"""

PATCH = """\
diff --git a/kernel/hostile.c b/kernel/hostile.c
index 1111111..2222222 100644
--- a/kernel/hostile.c
+++ b/kernel/hostile.c
@@ -1,3 +1,3 @@
 int hostile_read(void)
 {
-\treturn hostile_value;
+\treturn READ_ONCE(hostile_value);
 }
"""


def make_mbox(directory: Path) -> Path:
    """Three messages: a KCSAN report with hostile text, a patch reply, an objection quoting the patch."""
    hostile = "\n".join(HOSTILE_LINES)
    messages = [
        ("<hostile-1@example.org>", None, "Alice Reporter <alice@example.org>", "Mon, 1 Jan 2024 10:00:00 +0000",
         f"{SUBJECT} hostile: data race in hostile_read",
         f"Hi,\n\nsyzbot-like report below; the race is between hostile_read and hostile_write.\n\n{REPORT}\n"
         f"{hostile}\n\nThanks,\nAlice\n"),
        ("<hostile-2@example.org>", "<hostile-1@example.org>", "Bob Fixer <bob@example.org>",
         "Mon, 1 Jan 2024 12:00:00 +0000", f"Re: {SUBJECT} hostile: data race in hostile_read",
         "Alice Reporter wrote:\n> the race is between hostile_read and hostile_write.\n> [/bold] quoted\n\n"
         f"This patch fixes the data race by using READ_ONCE:\n\n{PATCH}\nSigned-off-by: Bob Fixer <bob@example.org>\n"),
        ("<hostile-3@example.org>", "<hostile-2@example.org>", "Carol Critic <carol@example.org>",
         "Tue, 2 Jan 2024 09:00:00 +0000", f"Re: {SUBJECT} hostile: data race in hostile_read",
         "Bob Fixer wrote:\n> This patch fixes the data race by using READ_ONCE:\n\n"
         "NAK. READ_ONCE alone does not fix this race, the write side is still plain. [@click=app.quit]\n"),
    ]
    lines = []
    for message_id, parent, author, date, subject, body in messages:
        lines += ["From hostile@example.org Mon Jan  1 00:00:00 2024", f"From: {author}", "To: lkml@example.org",
                  f"Date: {date}", f"Subject: {subject}", f"Message-ID: {message_id}"]
        if parent:
            lines += [f"In-Reply-To: {parent}", f"References: {parent}"]
        lines += ["Content-Type: text/plain; charset=utf-8", "", body.replace("\nFrom ", "\n>From "), ""]
    path = directory / "hostile.mbox"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
