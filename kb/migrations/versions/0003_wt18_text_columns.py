"""mail-derived strings unbounded: names, addresses, Message-IDs, trailer kinds, series keys

Revision ID: 0003_wt18_text_columns
Revises: 0002
Create Date: 2026-12-06 09:30:00

Real mail exceeds VARCHAR(255): a `Cc:` trailer naming twenty people, a 400-character display
name. PostgreSQL enforced those lengths and aborted whole ingests; SQLite never did. On
PostgreSQL the columns become unbounded VARCHAR (the same as TEXT); on SQLite, which stores
every string as TEXT whatever the declared length, nothing needs to change on disk.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_wt18_text_columns'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = {
    'corrections': (('thread_root', 998),),
    'evidence': (('message_id', 998),),
    'fixes': (('message_id', 998),),
    'objections': (('message_id', 998),),
    'roles': (('name', 255), ('email', 320)),
    'lists': (('name', 255),),
    'people': (('name', 255), ('email', 320)),
    'identities': (('name', 255), ('email', 320)),
    'threads': (('root_message_id', 998),),
    'messages': (('message_id', 998), ('parent_message_id', 998), ('in_reply_to', 998),
                 ('author_name', 255), ('author_email', 320)),
    'message_aliases': (('alias', 998), ('message_id', 998)),
    'segments': (('person_name', 255), ('person_email', 320), ('quoted_message_id', 998)),
    'trailers': (('kind', 64), ('name', 255), ('email', 320)),
    'series': (('key', 255), ('author_email', 320), ('revision_key', 255)),
}


def change_lengths(bounded: bool) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        return
    for table, columns in COLUMNS.items():
        for name, length in columns:
            old, new = (sa.String(), sa.String(length)) if bounded else (sa.String(length), sa.String())
            op.alter_column(table, name, type_=new, existing_type=old)


def upgrade() -> None:
    change_lengths(bounded=False)


def downgrade() -> None:
    change_lengths(bounded=True)
