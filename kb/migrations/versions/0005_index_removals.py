"""index_removals: message ids that left the database and whose search-index entries the index
stage still has to delete

Revision ID: 0005_index_removals
Revises: 0004_wt18_message_refs
Create Date: 2026-12-07 14:30:00

Before this table, an id that left the database (a recovered page message merged into the mail
it was cut from, a row of an older page cut) kept its index entry until `kb check --repair`. The
table starts empty: entries left by earlier runs are still found and dropped by `kb check
--repair`.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_index_removals'
down_revision = '0004_wt18_message_refs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'index_removals',
        sa.Column('message_id', sa.String(), nullable=False),
        sa.PrimaryKeyConstraint('message_id'),
    )


def downgrade() -> None:
    op.drop_table('index_removals')
