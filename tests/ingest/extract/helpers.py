"""Tiny ThreadText builders for table-driven extraction tests."""

from __future__ import annotations

from ingest.extract.types import MessageText, ThreadText


def make_message(mid: str, body: str, author: str = "Ann Dev", email: str = "ann@example.org",
                 subject: str = "Re: x", reply_to: str | None = None,
                 files: tuple[str, ...] = ()) -> MessageText:
    return MessageText(message_id=mid, author_name=author, author_email=email, date=None,
                       subject=subject, in_reply_to=reply_to, body=body, patch_files=files)


def make_thread(subject: str, *messages: MessageText, list_name: str = "cgroups") -> ThreadText:
    return ThreadText(thread_id=messages[0].message_id, list=list_name, subject=subject,
                      messages=messages)
