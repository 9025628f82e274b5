"""stage_ledger: which version of extraction and indexing ran on each thread; messages.thread_rank
and thread_depth: the reply order the thread stage computed

Revision ID: 0003_wt13_ledger
Revises: 0003_wt18_text_columns
Create Date: 2026-12-06 09:30:00

The ledger starts empty, so the next `kb ingest` or `kb refresh` extracts and indexes every
thread once; the order columns start empty and the next thread stage fills them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_wt13_ledger'
down_revision = '0003_wt18_text_columns'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stage_ledger',
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('version', sa.String(length=128), nullable=False),
        sa.Column('digest', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('thread_id', 'stage'),
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thread_rank', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('thread_depth', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('thread_depth')
        batch_op.drop_column('thread_rank')
    op.drop_table('stage_ledger')
