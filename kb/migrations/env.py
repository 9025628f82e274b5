"""Alembic environment: the engine comes from kb.db (config.attributes['engine'])."""

from alembic import context

from kb.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "sqlite":
        # pysqlite runs DDL outside any transaction: a migration stopped halfway (a full disk)
        # would leave tables without their revision, and every later open would fail
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    context.run_migrations()
