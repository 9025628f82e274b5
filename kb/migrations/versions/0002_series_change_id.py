"""series.change_id: b4's change-id of a series, which groups its revisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:00:00

Adds the nullable, indexed column and fills it for the series already stored: the change-id of
each series' first message (the cover letter or single patch), then re-keys revisions by the
rule of ingest/store/series.py at this revision. The parser and the rule are frozen copies here
(a migration must not change meaning when the code it came from moves on).
"""
from alembic import op
import re
import zlib
from collections import defaultdict

import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

CHANGE_ID = re.compile(r"^change-id:[ \t]*([\w.+-]{1,128})[ \t\r]*$", re.MULTILINE | re.ASCII)
CHUNK = 2000

series = sa.table('series', sa.column('id', sa.Integer), sa.column('title', sa.Text),
                  sa.column('author_email', sa.String), sa.column('revision_key', sa.String),
                  sa.column('change_id', sa.String))
series_messages = sa.table('series_messages', sa.column('series_id', sa.Integer),
                           sa.column('message_pk', sa.Integer), sa.column('part', sa.Integer))
messages = sa.table('messages', sa.column('id', sa.Integer), sa.column('body', sa.LargeBinary))


def upgrade() -> None:
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_id', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_series_change_id'), ['change_id'], unique=False)
    fill_change_ids(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_change_id'))
        batch_op.drop_column('change_id')


def fill_change_ids(conn: sa.Connection) -> None:
    first: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for series_id, pk, part in conn.execute(sa.select(series_messages.c.series_id, series_messages.c.message_pk,
                                                      series_messages.c.part)):
        first[series_id].append((part, pk))
    owner: dict[int, int] = {}
    for series_id, members in first.items():
        lowest = min(part for part, _ in members)
        owner.update((pk, series_id) for part, pk in members if part == lowest)
    change_ids: dict[int, str] = {}
    pks = sorted(owner)
    for start in range(0, len(pks), CHUNK):
        for pk, body in conn.execute(sa.select(messages.c.id, messages.c.body)
                                     .where(messages.c.id.in_(pks[start:start + CHUNK]))):
            text = zlib.decompress(body).decode("utf-8", "surrogatepass") if body else ""
            found = CHANGE_ID.findall(text) if "change-id:" in text else []
            if found:
                change_ids.setdefault(owner[pk], found[-1])
    groups: dict[tuple[str, str], list[tuple[int, str | None, str]]] = defaultdict(list)
    for pk, title, email, key in conn.execute(sa.select(series.c.id, series.c.title, series.c.author_email,
                                                        series.c.revision_key)):
        groups[(title, email)].append((pk, change_ids.get(pk), key))
    changes = []
    for (title, email), members in groups.items():
        known = {change_id for _, change_id, _ in members if change_id}
        adopted = next(iter(known)) if len(known) == 1 else None
        for pk, change_id, key in members:
            chosen = change_id or adopted
            wanted = f"change-id:{chosen}" if chosen else f"{title}|{email}"
            if wanted != key or change_id:
                changes.append({"p_id": pk, "p_key": wanted, "p_change_id": change_id})
    if changes:
        conn.execute(sa.update(series).where(series.c.id == sa.bindparam("p_id"))
                     .values(revision_key=sa.bindparam("p_key"), change_id=sa.bindparam("p_change_id")), changes)
