"""message_refs: every id of each message's reference chain, indexed; recovered messages indexed

Revision ID: 0004_wt18_message_refs
Revises: 0003_wt13_ledger
Create Date: 2026-12-06 15:30:00

The thread stage re-threads only the threads new messages touch: the threads holding an id
of a new message's chain, or naming the new message or one of those ids (ghosts included),
found through this table instead of loading every message of the KB. It is filled here from
the stored In-Reply-To and References. Messages the thread stage never placed in reply order
(thread_rank empty, as 0003_wt13_ledger left them) are handed back to it: their thread is
cleared, so the next ingest threads them again. The merge-pages stage finds recovered
messages by the new index instead of reading every row.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_wt18_message_refs'
down_revision = '0003_wt13_ledger'
branch_labels = None
depends_on = None

CHUNK = 2000
messages = sa.table('messages', sa.column('id', sa.Integer), sa.column('message_id', sa.String),
                    sa.column('in_reply_to', sa.String), sa.column('references', sa.JSON),
                    sa.column('thread_id', sa.Integer), sa.column('thread_rank', sa.Integer))
refs = sa.table('message_refs', sa.column('message_pk', sa.Integer), sa.column('ref', sa.String))


def upgrade() -> None:
    op.create_table(
        'message_refs',
        sa.Column('message_pk', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(), nullable=False),
        sa.ForeignKeyConstraint(['message_pk'], ['messages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_pk', 'ref'),
    )
    with op.batch_alter_table('message_refs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_refs_ref'), ['ref'], unique=False)
    # partial: an index of every row would be the planner's choice for `NOT recovered` lookups by id
    op.create_index('ix_messages_recovered', 'messages', ['recovered'], unique=False,
                    sqlite_where=sa.text('recovered = 1'), postgresql_where=sa.text('recovered'))
    fill_refs(op.get_bind())
    op.execute(messages.update().where(messages.c.thread_rank.is_(None)).values(thread_id=None))


def downgrade() -> None:
    op.drop_index('ix_messages_recovered', table_name='messages')
    with op.batch_alter_table('message_refs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_refs_ref'))
    op.drop_table('message_refs')


def fill_refs(conn: sa.Connection) -> None:
    """The chain of ingest.thread.build_chain at this revision: References then In-Reply-To,
    first occurrence kept, the message's own id and empty ids left out."""
    last = 0
    while True:
        rows = conn.execute(sa.select(messages.c.id, messages.c.message_id, messages.c.in_reply_to,
                                      messages.c.references).where(messages.c.id > last)
                            .order_by(messages.c.id).limit(CHUNK)).all()
        if not rows:
            return
        values = []
        for pk, own, in_reply_to, references in rows:
            chain = list(references or ()) + ([in_reply_to] if in_reply_to else [])
            values.extend({'message_pk': pk, 'ref': ref} for ref in dict.fromkeys(chain) if ref and ref != own)
        if values:
            conn.execute(refs.insert(), values)
        last = rows[-1].id
